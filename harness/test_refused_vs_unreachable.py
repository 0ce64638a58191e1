"""refused-vs-unreachable: how connect() fails, where, and how long it takes.

One client, one router, one server:
  refused        203.0.113.80:81  host there, no listener -> RST -> ECONNREFUSED
  nohost         198.51.100.99    nobody answers ARP      -> EHOSTUNREACH
  unreachable    192.0.2.10       router: unreachable     -> ICMP 3/1 -> EHOSTUNREACH
  prohibit       192.0.2.20       router: prohibit        -> ICMP 3/13 -> EHOSTUNREACH
  localprohibit  192.0.2.50       client's own prohibit   -> EACCES, nothing sent
  localunreachable 192.0.2.60     client's own unreachable -> EHOSTUNREACH, nothing sent
  localblackhole 192.0.2.70       client's own blackhole  -> EINVAL, nothing sent
  blackhole      192.0.2.30       router: blackhole       -> 3 SYNs -> ETIMEDOUT
  nohost-beyond  203.0.113.99     router's ARP fails      -> ICMP 3/1 -> EHOSTUNREACH
  fw-reset       203.0.113.80:82  nft reject with tcp reset -> RST from the router -> ECONNREFUSED
  fw-prohibited  203.0.113.80:83  nft reject admin-prohibited -> ICMP 3/13 -> EHOSTUNREACH
  fw-drop        203.0.113.80:84  nft drop                -> 3 SYNs -> ETIMEDOUT
  nonblock       192.0.2.10       as unreachable, O_NONBLOCK + poll -> at once
  refused6, nohost6, nohost6-beyond, unreachable6, nonblock6, prohibit6: IPv6
  udp            203.0.113.80:9999  closed UDP port -> ICMP 3/3 -> ECONNREFUSED on recv
"""
import subprocess

import pytest

from portlab_harness import run_lab, tshark_tuples

LAB = "refused-vs-unreachable"


@pytest.fixture(scope="module")
def run():
    return run_lab(LAB)


def one(events):
    assert len(events) == 1, events
    return events[0]


def elapsed(run, role):
    return one(run.events(role=role, call="connect_time"))["elapsed_ms"]


def flow_of(run, capture, event, proto="tcp"):
    """The flow in CAPTURE of EVENT, matched by the client's source port and
    the address and port it was sent to: Linux may give two connects to
    different servers the same source port."""
    port = event["local_port"]
    flows = [f for f in run.flows(capture, proto=proto)
             if f["id.orig_p"] == port and f["id.resp_h"] == event["remote_addr"]
             and f["id.resp_p"] == event["remote_port"]]
    return one(flows)


def tshark(pcap, flt, *fields):
    """Rows of FIELDS from the packets of PCAP that match display filter FLT."""
    cmd = ["tshark", "-n", "-r", pcap, "-Y", flt, "-T", "fields"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def test_run_passes(run):
    assert run.rc == 0, run.stderr[-2000:]
    assert run.failed_verdicts() == []
    assert run.result["run_seconds"] < 12


def test_refused_is_a_rst_at_once(run):
    ev = one(run.events(role="refused", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "ECONNREFUSED"
    assert ev["remote"] == "203.0.113.80:81"
    assert elapsed(run, "refused") < 100
    f = flow_of(run, "router:eth0", ev)
    assert f["conn_state"] == "REJ" and f["history"] == "Sr", f
    assert f["syn_count"] == 1 and f["icmp"] is None
    # the SYN crossed the router and reached the server, who reset it
    assert "198.51.100.5:%d -> 203.0.113.80:81" % ev["local_port"] in \
        tshark_tuples(run.pcap("server:eth0"))


def test_no_host_on_the_link_fails_after_the_arp_tries(run):
    ev = one(run.events(role="nohost", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "EHOSTUNREACH"
    # 3 ARP requests, 100 ms apart (the lab's neighbour sysctls), no answer
    times = [float(t) for (t,) in tshark(run.pcap("client:eth0"),
             "arp.opcode == 1 && arp.dst.proto_ipv4 == 198.51.100.99",
             "frame.time_epoch")]
    assert len(times) == 3, times
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert all(0.08 <= g <= 0.2 for g in gaps), gaps
    assert 250 <= elapsed(run, "nohost") <= 1000
    # the SYN waited for an ARP answer that never came: it never left
    assert tshark(run.pcap("client:eth0"), "ip.dst == 198.51.100.99", "frame.number") == []
    assert [f for f in run.flows("client:eth0") if f["id.resp_h"] == "198.51.100.99"] == []


@pytest.mark.parametrize("role,code,name", [
    ("unreachable", 1, "host-unreachable"),
    ("prohibit", 13, "admin-prohibited"),
    ("fw-prohibited", 13, "admin-prohibited"),
])
def test_router_answers_with_icmp(run, role, code, name):
    ev = one(run.events(role=role, call="connect"))
    assert ev["ok"] is False and ev["errno"] == "EHOSTUNREACH"
    f = flow_of(run, "client:eth0", ev)
    assert f["icmp"] == name and f["conn_state"] == "S0", f
    codes = [int(c) for c, port in tshark(run.pcap("client:eth0"), "icmp.type == 3",
                                          "icmp.code", "tcp.srcport")
             if port == str(ev["local_port"])]
    assert codes and set(codes) == {code}, codes
    # Each SYN got its ICMP. One that came back while connect() still held
    # the socket was only a soft error: then the next SYN's ICMP decided,
    # one RTO (1 s) later. The counter, the wire and the clock must agree.
    dropped = one(run.events(role=role, call="lock_dropped_icmps"))["count"]
    assert dropped in (0, 1)
    assert f["syn_count"] == dropped + 1 == len(codes)
    ms = elapsed(run, role)
    assert (900 <= ms <= 1500) if dropped else (ms < 500), (dropped, ms)


def test_own_prohibit_route_is_eacces_and_silent(run):
    ev = one(run.events(role="localprohibit", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "EACCES"
    assert elapsed(run, "localprohibit") < 100
    assert tshark(run.pcap("client:eth0"), "ip.dst == 192.0.2.50", "frame.number") == []


def test_blackhole_times_out_after_syn_backoff(run):
    ev = one(run.events(role="blackhole", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "ETIMEDOUT"
    assert 6500 <= elapsed(run, "blackhole") <= 8000
    f = flow_of(run, "router:eth0", ev)
    assert f["conn_state"] == "S0" and f["syn_count"] == 3 and f["resp_pkts"] == 0, f
    syns = tshark(run.pcap("router:eth0"),
                  "!icmp && tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.srcport == %d"
                  % ev["local_port"], "frame.time_epoch", "tcp.seq_raw")
    assert len(syns) == 3, syns
    assert len({seq for _, seq in syns}) == 1        # one SYN, sent three times
    t = [float(ts) for ts, _ in syns]
    gaps = [b - a for a, b in zip(t, t[1:])]
    # exponential back-off from a 1 s initial RTO: 1 s, then 2 s
    assert 0.8 <= gaps[0] <= 1.5 and 1.7 <= gaps[1] <= 2.8, gaps
    assert 1.6 <= gaps[1] / gaps[0] <= 2.5, gaps
    # the router dropped them: nothing came out of its other side
    assert [x for x in run.flows("router:eth1") if x["id.resp_h"] == "192.0.2.30"] == []


def test_udp_refusal_comes_back_as_icmp_then_errno(run):
    calls = [(e["call"], e["ok"], e.get("errno")) for e in run.events(role="udp")
             if e["call"] in ("connect", "send", "recv")]
    assert calls == [("connect", True, None), ("send", True, None),
                     ("recv", False, "ECONNREFUSED")], calls
    send = one(run.events(role="udp", call="send"))
    f = flow_of(run, "server:eth0", send, proto="udp")
    assert f["icmp"] == "port-unreachable" and f["resp_pkts"] == 0, f
    assert send["tuple"] in tshark_tuples(run.pcap("server:eth0"), proto="udp")
    rows = tshark(run.pcap("server:eth0"), "icmp.type == 3 && icmp.code == 3",
                  "ip.src", "udp.srcport")
    assert [r[1] for r in rows] == [str(send["local_port"])], rows


def ttls(run, capture, port, flt="tcp.flags.reset == 1"):
    """(source, TTL or hop limit) of the packets to client port PORT matching FLT."""
    rows = tshark(run.pcap(capture), "%s && tcp.dstport == %d && !icmp && !icmpv6" % (flt, port),
                  "ip.src", "ipv6.src", "ip.ttl", "ipv6.hlim")
    return [(s4 or s6, int(t4 or t6)) for s4, s6, t4, t6 in rows]


def test_no_host_beyond_the_router(run):
    ev = one(run.events(role="nohost-beyond", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "EHOSTUNREACH"
    # the SYN reached the router, which asked for 203.0.113.99 three times...
    assert flow_of(run, "router:eth0", ev)["syn_count"] == 1
    arps = [float(t) for (t,) in tshark(run.pcap("router:eth1"),
            "arp.opcode == 1 && arp.dst.proto_ipv4 == 203.0.113.99", "frame.time_epoch")]
    assert len(arps) == 3, arps
    assert all(0.08 <= b - a <= 0.2 for a, b in zip(arps, arps[1:])), arps
    # ...sent no SYN on, and then answered with ICMP host unreachable
    assert [f for f in run.flows("router:eth1") if f["id.resp_h"] == "203.0.113.99"] == []
    rows = tshark(run.pcap("client:eth0"), "icmp.type == 3 && tcp.srcport == %d" % ev["local_port"],
                  "frame.time_epoch", "ip.src", "icmp.code")
    assert len(rows) == 1, rows
    t, src, code = rows[0]
    assert src.split(",")[0] == "198.51.100.1" and code == "1", rows  # outer, then quoted
    assert float(t) > arps[-1]  # only after the last ARP went unanswered
    assert flow_of(run, "client:eth0", ev)["icmp"] == "host-unreachable"
    assert 250 <= elapsed(run, "nohost-beyond") <= 1000


@pytest.mark.parametrize("role,addr,errno", [
    ("localprohibit", "192.0.2.50", "EACCES"),
    ("localunreachable", "192.0.2.60", "EHOSTUNREACH"),
    ("localblackhole", "192.0.2.70", "EINVAL"),
])
def test_own_routes_refuse_before_sending(run, role, addr, errno):
    ev = one(run.events(role=role, call="connect"))
    assert ev["ok"] is False and ev["errno"] == errno, ev
    # no source port was even chosen: the route lookup failed first
    assert ev["local"] == "0.0.0.0:0", ev
    assert elapsed(run, role) < 100
    assert tshark(run.pcap("client:eth0"), "ip.dst == %s" % addr, "frame.number") == []


def test_firewall_reset_comes_from_the_router(run):
    ev = one(run.events(role="fw-reset", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "ECONNREFUSED"
    assert elapsed(run, "fw-reset") < 100
    f = flow_of(run, "client:eth0", ev)
    assert f["conn_state"] == "REJ" and f["history"] == "Sr", f
    # The RST says it is from 203.0.113.80:82, but the server never saw the
    # SYN: the router's firewall answered in its name.
    assert flow_of(run, "router:eth0", ev)["conn_state"] == "REJ"
    assert [x for x in run.flows("router:eth1") if x["id.resp_p"] == 82] == []
    assert [x for x in run.flows("server:eth0") if x["id.resp_p"] == 82] == []
    # Told apart at the client by the TTL: the router's own RST starts at 64
    # one hop away; the server's RST (refused) lost one at the router.
    assert ttls(run, "client:eth0", ev["local_port"]) == [("203.0.113.80", 64)]
    refused = one(run.events(role="refused", call="connect"))
    assert ttls(run, "client:eth0", refused["local_port"]) == [("203.0.113.80", 63)]
    assert ttls(run, "server:eth0", refused["local_port"]) == [("203.0.113.80", 64)]


def test_firewall_drop_times_out(run):
    ev = one(run.events(role="fw-drop", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "ETIMEDOUT"
    assert 6500 <= elapsed(run, "fw-drop") <= 8000
    f = flow_of(run, "router:eth0", ev)
    assert f["conn_state"] == "S0" and f["syn_count"] == 3 and f["resp_pkts"] == 0, f
    assert [x for x in run.flows("router:eth1") if x["id.resp_p"] == 84] == []
    assert [x for x in run.flows("server:eth0") if x["id.resp_p"] == 84] == []


def test_nonblocking_connect_learns_of_the_icmp_at_once(run):
    """IPv4: the router's ICMP lands while connect() holds the socket, either way.

    Blocking, connect() then sleeps until the resent SYN's ICMP (1 s);
    non-blocking, poll() already sees the ICMP queued on the socket (POLLERR)
    and SO_ERROR hands over the error that was kept as soft.
    """
    calls = [(e["call"], e.get("errno")) for e in run.events(role="nonblock")
             if e["call"] in ("connect", "poll", "so_error")]
    assert calls == [("connect", "EINPROGRESS"), ("poll", None), ("so_error", "EHOSTUNREACH")]
    assert one(run.events(role="nonblock", call="poll_revents"))["revents"] == 8  # POLLERR
    blocking = one(run.events(role="unreachable", call="connect"))
    nonblock = one(run.events(role="nonblock", call="connect"))
    # the ICMP came back while connect() held the socket, both times
    for role in ("unreachable", "nonblock"):
        assert one(run.events(role=role, call="lock_dropped_icmps"))["count"] == 1, role
    assert flow_of(run, "client:eth0", blocking)["syn_count"] == 2
    assert flow_of(run, "client:eth0", nonblock)["syn_count"] == 1
    assert elapsed(run, "nonblock") < 100, elapsed(run, "nonblock")
    assert elapsed(run, "unreachable") >= 900, elapsed(run, "unreachable")


def test_nonblocking_connect_ipv6_waits_like_blocking(run):
    """IPv6: without IPV6_RECVERR the ICMPv6 is not queued, so poll() waits 1 s too."""
    ev = one(run.events(role="nonblock6", call="connect"))
    assert ev["errno"] == "EINPROGRESS"
    assert one(run.events(role="nonblock6", call="so_error"))["errno"] == "ENETUNREACH"
    # POLLOUT|POLLERR|POLLHUP: the socket was closed by the second ICMPv6
    assert one(run.events(role="nonblock6", call="poll_revents"))["revents"] == 0x1c
    assert one(run.events(role="nonblock6", call="lock_dropped_icmps"))["count"] == 1
    assert flow_of(run, "client:eth0", ev)["syn_count"] == 2
    assert 900 <= elapsed(run, "nonblock6") <= 1500
    assert elapsed(run, "nonblock") < elapsed(run, "nonblock6")


def test_ipv6_refused(run):
    ev = one(run.events(role="refused6", call="connect"))
    assert ev["ok"] is False and ev["errno"] == "ECONNREFUSED"
    assert elapsed(run, "refused6") < 100
    f = flow_of(run, "client:eth0", ev)
    assert f["conn_state"] == "REJ" and f["history"] == "Sr", f
    assert ttls(run, "client:eth0", ev["local_port"]) == [("2001:db8:113::80", 63)]


@pytest.mark.parametrize("role,capture,target", [
    ("nohost6", "client:eth0", "2001:db8:100::99"),
    ("nohost6-beyond", "router:eth1", "2001:db8:113::99"),
])
def test_ipv6_no_neighbour(run, role, capture, target):
    ev = one(run.events(role=role, call="connect"))
    assert ev["ok"] is False and ev["errno"] == "EHOSTUNREACH"
    # three neighbour solicitations, 100 ms apart, and no answer
    times = [float(t) for (t,) in tshark(run.pcap(capture),
             "icmpv6.type == 135 && icmpv6.nd.ns.target_address == %s" % target,
             "frame.time_epoch")]
    assert len(times) == 3, times
    assert all(0.08 <= b - a <= 0.2 for a, b in zip(times, times[1:])), times
    assert tshark(run.pcap(capture), "icmpv6.type == 136 && icmpv6.nd.na.target_address == %s"
                  % target, "frame.number") == []
    assert 250 <= elapsed(run, role) <= 1000
    if role == "nohost6":
        assert tshark(run.pcap("client:eth0"), "ipv6.dst == %s" % target, "frame.number") == []
    else:
        codes = [c for c, p in tshark(run.pcap("client:eth0"), "icmpv6.type == 1",
                                      "icmpv6.code", "tcp.srcport") if p == str(ev["local_port"])]
        assert codes == ["3"], codes  # address unreachable, from the router


@pytest.mark.parametrize("role,code,errno", [
    ("unreachable6", 0, "ENETUNREACH"),   # no route to destination
    ("prohibit6", 1, "EACCES"),           # administratively prohibited
])
def test_ipv6_router_routes(run, role, code, errno):
    """IPv6 differs from IPv4: prohibit is EACCES, unreachable ENETUNREACH."""
    ev = one(run.events(role=role, call="connect"))
    assert ev["ok"] is False and ev["errno"] == errno
    rows = tshark(run.pcap("client:eth0"), "icmpv6.type == 1", "ipv6.src", "icmpv6.code",
                  "tcp.srcport")
    mine = [(src, int(c)) for src, c, p in rows if p == str(ev["local_port"])]
    assert mine and set(mine) == {("2001:db8:100::1,2001:db8:100::5", code)}, mine
    dropped = one(run.events(role=role, call="lock_dropped_icmps"))["count"]
    assert flow_of(run, "client:eth0", ev)["syn_count"] == dropped + 1 == len(mine)
