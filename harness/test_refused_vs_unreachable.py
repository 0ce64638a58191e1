"""refused-vs-unreachable: how connect() fails, where, and how long it takes.

One client, one router, one server:
  refused        203.0.113.80:81  host there, no listener -> RST -> ECONNREFUSED
  nohost         198.51.100.99    nobody answers ARP      -> EHOSTUNREACH
  unreachable    192.0.2.10       router: unreachable     -> ICMP 3/1 -> EHOSTUNREACH
  prohibit       192.0.2.20       router: prohibit        -> ICMP 3/13 -> EHOSTUNREACH
  localprohibit  192.0.2.50       client's own prohibit   -> EACCES, nothing sent
  blackhole      192.0.2.30       router: blackhole       -> 3 SYNs -> ETIMEDOUT
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
    """The flow in CAPTURE of EVENT, matched by the client's source port."""
    port = event["local_port"]
    flows = [f for f in run.flows(capture, proto=proto) if f["id.orig_p"] == port]
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
