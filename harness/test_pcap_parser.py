"""portlab flows: the packet parser and flow table, fed hand-built captures.

No root and no lab: every capture is written here, packet by packet (see
pcapbuild.py), each packet under the tcpdump line it stands for. Then
`portlab flows --json` must rebuild exactly the flows, states, histories
and counters that those packets mean, and exit as documented.
"""
import json
import os
import shutil
import struct
import subprocess

import pytest

from pcapbuild import (ICMP, ICMP6, LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2,
                       LINKTYPE_RAW, TCP, UDP, Capture, echo, eth, golden_capture,
                       hopopts, icmp, icmp6, ip4, ip6, sll, sll2, tcp, udp)
from portlab_harness import PORTLAB, portlab, tshark_tuples

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "golden")

C, S = "198.51.100.5", "203.0.113.80"
C6, S6 = "2001:db8::5", "2001:db8::80"


@pytest.fixture(autouse=True)
def need_portlab():
    if not os.access(PORTLAB, os.X_OK):
        pytest.fail("no portlab binary at %s (build it, or set PORTLAB)" % PORTLAB)


def flows_json(path, rc=0):
    """Run `portlab flows --json PATH`; check the exit status; the file's JSON object."""
    p = portlab("flows", "--json", path)
    assert p.returncode == rc, "exit %d, expected %d\nstderr: %s" % (p.returncode, rc, p.stderr)
    doc = json.loads(p.stdout)
    assert len(doc["files"]) == 1
    return doc["files"][0]


def one_capture(tmp_path, frames, name="t.pcap", **kw):
    """A capture of FRAMES (a list of (ts, frame) or (ts, frame, caplen)) written to TMP_PATH."""
    cap = Capture(**kw)
    for f in frames:
        cap.add(*f)
    return cap.write(tmp_path / name)


def by_tuple(file_obj):
    return {f["tuple"]: f for f in file_obj["flows"]}


# -- TCP -------------------------------------------------------------------

def handshake_data_fin(c=C, s=S, sport=40001, dport=443):
    """A whole connection: 3-way handshake, 100 bytes up, 300 down, FIN both ways."""
    ip = ip6 if ":" in c else ip4
    return [
        # 198.51.100.5.40001 > 203.0.113.80.443: Flags [S], seq 1000, win 64240, length 0
        (1.000, eth(ip(c, s, TCP, tcp(sport, dport, 1000, 0, "S")))),
        # 203.0.113.80.443 > 198.51.100.5.40001: Flags [S.], seq 7000, ack 1001, length 0
        (1.001, eth(ip(s, c, TCP, tcp(dport, sport, 7000, 1001, "S.")))),
        # 198.51.100.5.40001 > 203.0.113.80.443: Flags [.], ack 7001, length 0
        (1.002, eth(ip(c, s, TCP, tcp(sport, dport, 1001, 7001, ".")))),
        # 198.51.100.5.40001 > 203.0.113.80.443: Flags [P.], seq 1001:1101, ack 7001, length 100
        (1.003, eth(ip(c, s, TCP, tcp(sport, dport, 1001, 7001, "P.", b"x" * 100)))),
        # 203.0.113.80.443 > 198.51.100.5.40001: Flags [.], ack 1101, length 0
        (1.004, eth(ip(s, c, TCP, tcp(dport, sport, 7001, 1101, ".")))),
        # 203.0.113.80.443 > 198.51.100.5.40001: Flags [P.], seq 7001:7301, ack 1101, length 300
        (1.005, eth(ip(s, c, TCP, tcp(dport, sport, 7001, 1101, "P.", b"y" * 300)))),
        # 198.51.100.5.40001 > 203.0.113.80.443: Flags [.], ack 7301, length 0
        (1.006, eth(ip(c, s, TCP, tcp(sport, dport, 1101, 7301, ".")))),
        # 198.51.100.5.40001 > 203.0.113.80.443: Flags [F.], seq 1101, ack 7301, length 0
        (1.007, eth(ip(c, s, TCP, tcp(sport, dport, 1101, 7301, "F.")))),
        # 203.0.113.80.443 > 198.51.100.5.40001: Flags [F.], seq 7301, ack 1102, length 0
        (1.008, eth(ip(s, c, TCP, tcp(dport, sport, 7301, 1102, "F.")))),
        # 198.51.100.5.40001 > 203.0.113.80.443: Flags [.], ack 7302, length 0
        (1.009, eth(ip(c, s, TCP, tcp(sport, dport, 1102, 7302, ".")))),
    ]


def test_handshake_data_fin_is_sf(tmp_path):
    f = flows_json(one_capture(tmp_path, handshake_data_fin()))
    assert f["packets"] == 10 and f["truncated"] == 0 and f["malformed"] == 0
    assert f["complete"] is True
    [fl] = f["flows"]
    assert fl["tuple"] == "198.51.100.5:40001 -> 203.0.113.80:443"
    assert (fl["proto"], fl["id.orig_h"], fl["id.orig_p"], fl["id.resp_h"], fl["id.resp_p"]) == \
        ("tcp", C, 40001, S, 443)
    assert fl["conn_state"] == "SF"
    assert fl["history"] == "ShADadFf"
    assert (fl["orig_pkts"], fl["resp_pkts"]) == (6, 4)
    assert (fl["orig_bytes"], fl["resp_bytes"]) == (100, 300)
    # 20 bytes IP + 20 bytes TCP per packet, plus the payload
    assert (fl["orig_ip_bytes"], fl["resp_ip_bytes"]) == (6 * 40 + 100, 4 * 40 + 300)
    assert fl["syn_count"] == 1
    assert fl["icmp"] is None
    assert fl["ts"] == pytest.approx(1.0)
    assert fl["duration"] == pytest.approx(0.009)


def test_json_fields_follow_conn_log(tmp_path):
    f = flows_json(one_capture(tmp_path, handshake_data_fin()))
    assert set(f) >= {"file", "packets", "truncated", "malformed", "complete", "flows"}
    assert list(f["flows"][0]) == [
        "ts", "proto", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p",
        "conn_state", "history", "orig_pkts", "resp_pkts", "orig_bytes",
        "resp_bytes", "orig_ip_bytes", "resp_ip_bytes", "syn_count", "icmp",
        "duration", "tuple"]


def test_refused_connection_is_rej(tmp_path):
    path = one_capture(tmp_path, [
        # 198.51.100.5.40002 > 203.0.113.80.81: Flags [S], seq 2000, length 0
        (1.0, eth(ip4(C, S, TCP, tcp(40002, 81, 2000, 0, "S")))),
        # 203.0.113.80.81 > 198.51.100.5.40002: Flags [R.], seq 0, ack 2001, length 0
        (1.001, eth(ip4(S, C, TCP, tcp(81, 40002, 0, 2001, "R.")))),
    ])
    [fl] = flows_json(path)["flows"]
    assert (fl["conn_state"], fl["history"]) == ("REJ", "Sr")
    assert (fl["orig_pkts"], fl["resp_pkts"], fl["syn_count"]) == (1, 1, 1)


def test_unanswered_syn_retransmissions_are_one_s0_flow(tmp_path):
    # 198.51.100.5.40003 > 203.0.113.80.8080: Flags [S], seq 3000, length 0  (three times)
    syn = eth(ip4(C, S, TCP, tcp(40003, 8080, 3000, 0, "S")))
    [fl] = flows_json(one_capture(tmp_path, [(1.0, syn), (2.0, syn), (4.0, syn)]))["flows"]
    assert (fl["conn_state"], fl["history"], fl["syn_count"]) == ("S0", "S", 3)
    assert (fl["orig_pkts"], fl["resp_pkts"]) == (3, 0)
    assert fl["duration"] == pytest.approx(3.0)


@pytest.mark.parametrize("frames,state,history", [
    # SYN, then the client gives up with RST: RSTOS0
    ([("c", "S", 10, 0), ("c", "R", 11, 0)], "RSTOS0", "SR"),
    # established, then the server resets: RSTR
    ([("c", "S", 10, 0), ("s", "S.", 50, 11), ("c", ".", 11, 51), ("s", "R.", 51, 11)],
     "RSTR", "ShAr"),
    # established, the client closes, the server never answers the FIN: S2
    ([("c", "S", 10, 0), ("s", "S.", 50, 11), ("c", ".", 11, 51), ("c", "F.", 11, 51)],
     "S2", "ShAF"),
    # established, the server closes, the client never does: S3
    ([("c", "S", 10, 0), ("s", "S.", 50, 11), ("c", ".", 11, 51), ("s", "F.", 51, 11)],
     "S3", "ShAf"),
    # SYN, then FIN without an answer: SH
    ([("c", "S", 10, 0), ("c", "F", 11, 0)], "SH", "SF"),
    # established and still open at the end of the capture: S1
    ([("c", "S", 10, 0), ("s", "S.", 50, 11), ("c", ".", 11, 51)], "S1", "ShA"),
    # the capture starts mid-stream: OTH, no handshake letters
    ([("c", "P.", 500, 900, b"abc"), ("s", ".", 900, 503)], "OTH", "Da"),
])
def test_zeek_conn_states(tmp_path, frames, state, history):
    pkts = []
    for i, fr in enumerate(frames):
        who, flags, seq, ack = fr[:4]
        data = fr[4] if len(fr) > 4 else b""
        if who == "c":
            seg = ip4(C, S, TCP, tcp(40010, 80, seq, ack, flags, data))
        else:
            seg = ip4(S, C, TCP, tcp(80, 40010, seq, ack, flags, data))
        pkts.append((1.0 + i / 1000, eth(seg)))
    [fl] = flows_json(one_capture(tmp_path, pkts))["flows"]
    assert (fl["conn_state"], fl["history"]) == (state, history)
    assert fl["tuple"] == "198.51.100.5:40010 -> 203.0.113.80:80"


def test_syn_ack_first_makes_its_receiver_the_originator(tmp_path):
    path = one_capture(tmp_path, [
        # 203.0.113.80.80 > 198.51.100.5.40011: Flags [S.], seq 50, ack 11, length 0
        (1.0, eth(ip4(S, C, TCP, tcp(80, 40011, 50, 11, "S.")))),
        # 203.0.113.80.80 > 198.51.100.5.40011: Flags [R.], seq 51, ack 11, length 0
        (1.1, eth(ip4(S, C, TCP, tcp(80, 40011, 51, 11, "R.")))),
    ])
    [fl] = flows_json(path)["flows"]
    assert fl["tuple"] == "198.51.100.5:40011 -> 203.0.113.80:80"
    # zeek: "responder sent a SYN ACK followed by a RST, we never saw a SYN"
    assert (fl["conn_state"], fl["history"]) == ("RSTRH", "^hr")
    assert (fl["orig_pkts"], fl["resp_pkts"], fl["syn_count"]) == (0, 2, 0)


def test_retransmitted_data_is_marked_t(tmp_path):
    frames = handshake_data_fin()
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [P.], seq 1001:1101, ack 7001, length 100
    frames.insert(4, (1.0035, frames[3][1]))
    [fl] = flows_json(one_capture(tmp_path, frames))["flows"]
    assert fl["history"] == "ShADTadFf"
    assert fl["orig_bytes"] == 200   # payload sent, retransmissions included
    assert fl["conn_state"] == "SF"


def test_ipv6_tcp_with_hop_by_hop_header(tmp_path):
    frames = handshake_data_fin(C6, S6, 40002, 80)
    # 2001:db8::5.40002 > 2001:db8::80.80: Flags [S], seq 1000, length 0 (HBH, PadN)
    frames[0] = (1.0, eth(ip6(C6, S6, 0, tcp(40002, 80, 1000, 0, "S"), ext=hopopts(TCP))))
    [fl] = flows_json(one_capture(tmp_path, frames))["flows"]
    assert fl["tuple"] == "[2001:db8::5]:40002 -> [2001:db8::80]:80"
    assert (fl["id.orig_h"], fl["id.resp_h"]) == (C6, S6)
    assert (fl["conn_state"], fl["history"]) == ("SF", "ShADadFf")
    assert (fl["orig_bytes"], fl["resp_bytes"]) == (100, 300)
    # 40 bytes IPv6 + 20 TCP each, 8 more for the hop-by-hop header
    assert fl["orig_ip_bytes"] == 6 * 60 + 100 + 8


def test_reused_four_tuple_stays_two_connections(tmp_path):
    t = 1.0
    frames = []

    def add(src, dst, sp, dp, seq, ack, flags):
        nonlocal t
        t += 0.001
        frames.append((t, eth(ip4(src, dst, TCP, tcp(sp, dp, seq, ack, flags)))))

    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [S], seq 5000, length 0
    add(C, S, 40005, 80, 5000, 0, "S")
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [S.], seq 8000, ack 5001, length 0
    add(S, C, 80, 40005, 8000, 5001, "S.")
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [.], ack 8001, length 0
    add(C, S, 40005, 80, 5001, 8001, ".")
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [F.], seq 8001, ack 5001, length 0
    add(S, C, 80, 40005, 8001, 5001, "F.")
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [F.], seq 5001, ack 8002, length 0
    add(C, S, 40005, 80, 5001, 8002, "F.")
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [.], ack 5002, length 0
    add(S, C, 80, 40005, 8002, 5002, ".")
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [S], seq 900000, length 0  (same port, new ISN)
    add(C, S, 40005, 80, 900000, 0, "S")
    # 203.0.113.80.80 > 198.51.100.5.40005: Flags [S.], seq 4444, ack 900001, length 0
    add(S, C, 80, 40005, 4444, 900001, "S.")
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [.], ack 4445, length 0
    add(C, S, 40005, 80, 900001, 4445, ".")
    # 198.51.100.5.40005 > 203.0.113.80.80: Flags [R.], seq 900001, ack 4445, length 0
    add(C, S, 40005, 80, 900001, 4445, "R.")
    path = one_capture(tmp_path, frames)
    first, second = flows_json(path)["flows"]
    assert first["tuple"] == second["tuple"] == "198.51.100.5:40005 -> 203.0.113.80:80"
    assert (first["conn_state"], first["history"]) == ("SF", "ShAfFa")
    assert (second["conn_state"], second["history"]) == ("RSTO", "ShAR")
    assert (first["orig_pkts"], first["resp_pkts"]) == (3, 3)
    assert (second["orig_pkts"], second["resp_pkts"]) == (3, 1)
    assert first["syn_count"] == second["syn_count"] == 1
    assert second["ts"] > first["ts"]

    # tshark, an independent parser, sees the same tuple opened by two distinct ISNs
    if shutil.which("tshark"):
        assert tshark_tuples(path) == {first["tuple"]}
        out = subprocess.run(["tshark", "-n", "-r", path, "-Y",
                              "tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields",
                              "-e", "tcp.seq_raw"], capture_output=True, text=True,
                             check=True).stdout.split()
        assert sorted(set(out)) == ["5000", "900000"]


def test_syn_from_old_responder_after_close_is_a_new_flow(tmp_path):
    frames = handshake_data_fin()
    # 203.0.113.80.443 > 198.51.100.5.40001: Flags [S], seq 777, length 0  (roles swap)
    frames.append((2.0, eth(ip4(S, C, TCP, tcp(443, 40001, 777, 0, "S")))))
    first, second = flows_json(one_capture(tmp_path, frames))["flows"]
    assert first["conn_state"] == "SF"
    assert second["tuple"] == "203.0.113.80:443 -> 198.51.100.5:40001"
    assert (second["conn_state"], second["history"]) == ("S0", "S")


# -- UDP and ICMP -----------------------------------------------------------

def test_udp_one_way_is_s0_and_with_reply_sf(tmp_path):
    path = one_capture(tmp_path, [
        # 198.51.100.5.50000 > 203.0.113.80.514: UDP, length 10  (three times)
        (1.0, eth(ip4(C, S, UDP, udp(50000, 514, b"0123456789")))),
        (1.1, eth(ip4(C, S, UDP, udp(50000, 514, b"0123456789")))),
        (1.2, eth(ip4(C, S, UDP, udp(50000, 514, b"0123456789")))),
        # 198.51.100.5.50001 > 203.0.113.80.53: UDP, length 2
        (1.3, eth(ip4(C, S, UDP, udp(50001, 53, b"hi")))),
        # 203.0.113.80.53 > 198.51.100.5.50001: UDP, length 3
        (1.4, eth(ip4(S, C, UDP, udp(53, 50001, b"yes")))),
    ])
    f = by_tuple(flows_json(path))
    one = f["198.51.100.5:50000 -> 203.0.113.80:514"]
    assert (one["conn_state"], one["history"], one["orig_pkts"], one["resp_pkts"]) == ("S0", "D", 3, 0)
    assert (one["orig_bytes"], one["orig_ip_bytes"]) == (30, 3 * 38)
    two = f["198.51.100.5:50001 -> 203.0.113.80:53"]
    assert (two["conn_state"], two["history"]) == ("SF", "Dd")
    # "hi" and "yes" ride in 60-byte padded frames: the bytes come from the
    # IP and UDP lengths, not from the frame
    assert (two["orig_bytes"], two["resp_bytes"]) == (2, 3)
    assert two["syn_count"] == 0


def test_icmp_port_unreachable_is_attached_to_the_udp_flow(tmp_path):
    probe = ip4(C, S, UDP, udp(50002, 9999, b"hello"), ident=77)
    path = one_capture(tmp_path, [
        # 198.51.100.5.50002 > 203.0.113.80.9999: UDP, length 5
        (1.0, eth(probe)),
        # 203.0.113.80 > 198.51.100.5: ICMP 203.0.113.80 udp port 9999 unreachable, length 36
        (1.001, eth(ip4(S, C, ICMP, icmp(3, 3, body=probe[:28])))),
    ])
    f = flows_json(path)
    [fl] = f["flows"]   # the error is not a flow of its own
    assert fl["tuple"] == "198.51.100.5:50002 -> 203.0.113.80:9999"
    assert (fl["conn_state"], fl["icmp"]) == ("S0", "port-unreachable")
    assert (fl["orig_pkts"], fl["resp_pkts"]) == (1, 0)


@pytest.mark.parametrize("v6,type_,code,name", [
    (False, 3, 1, "host-unreachable"),
    (False, 3, 0, "net-unreachable"),
    (False, 3, 13, "admin-prohibited"),
    (False, 11, 0, "time-exceeded"),
    (False, 3, 4, "packet-too-big"),
    (True, 1, 3, "host-unreachable"),
    (True, 1, 4, "port-unreachable"),
    (True, 1, 1, "admin-prohibited"),
    (True, 3, 0, "time-exceeded"),
    (True, 2, 0, "packet-too-big"),
])
def test_icmp_errors_about_a_tcp_syn(tmp_path, v6, type_, code, name):
    if v6:
        syn = ip6(C6, S6, TCP, tcp(40020, 443, 1, 0, "S"))
        # 2001:db8::1 > 2001:db8::5: ICMP6, destination unreachable / time exceeded / ...
        err = ip6("2001:db8::1", C6, ICMP6, icmp6(type_, code, body=syn[:48]))
    else:
        syn = ip4(C, S, TCP, tcp(40020, 443, 1, 0, "S"))
        # 192.0.2.1 > 198.51.100.5: ICMP host 203.0.113.80 unreachable / time exceeded / ...
        err = ip4("192.0.2.1", C, ICMP, icmp(type_, code, body=syn[:28]))
    [fl] = flows_json(one_capture(tmp_path, [(1.0, eth(syn)), (1.5, eth(err))]))["flows"]
    assert fl["proto"] == "tcp"
    assert (fl["conn_state"], fl["icmp"]) == ("S0", name)


def test_icmp6_port_unreachable_quoting_udp(tmp_path):
    probe = ip6(C6, S6, UDP, udp(50003, 7, b"ping"))
    path = one_capture(tmp_path, [
        # 2001:db8::5.50003 > 2001:db8::80.7: UDP, length 4
        (1.0, eth(probe)),
        # 2001:db8::80 > 2001:db8::5: ICMP6, destination unreachable, unreachable port, ...
        (1.1, eth(ip6(S6, C6, ICMP6, icmp6(1, 4, body=probe)))),
    ])
    [fl] = flows_json(path)["flows"]
    assert fl["tuple"] == "[2001:db8::5]:50003 -> [2001:db8::80]:7"
    assert fl["icmp"] == "port-unreachable"


def test_unmatched_icmp_error_is_a_flow_of_its_own(tmp_path):
    quoted = ip4(C, S, UDP, udp(50004, 9, b"x"))
    # 203.0.113.80 > 198.51.100.5: ICMP 203.0.113.80 udp port 9 unreachable (its datagram unseen)
    path = one_capture(tmp_path, [(1.0, eth(ip4(S, C, ICMP, icmp(3, 3, body=quoted[:28]))))])
    [fl] = flows_json(path)["flows"]
    assert (fl["proto"], fl["id.orig_p"], fl["id.resp_p"]) == ("icmp", 3, 3)
    assert (fl["id.orig_h"], fl["icmp"], fl["conn_state"]) == (S, "port-unreachable", "OTH")


def test_icmp_error_flow_never_merges_with_a_ping(tmp_path):
    quoted = ip4(C, S, UDP, udp(50004, 9, b"x"))
    path = one_capture(tmp_path, [
        # 198.51.100.5 > 203.0.113.80: ICMP echo request, id 3, seq 1, length 9
        (1.0, eth(ip4(C, S, ICMP, echo(3, 1, b"a")))),
        # 203.0.113.80 > 198.51.100.5: ICMP 203.0.113.80 udp port 9 unreachable
        #   (type 3 code 3: the same numbers as the ping's id, the other way)
        (1.1, eth(ip4(S, C, ICMP, icmp(3, 3, body=quoted[:28])))),
    ])
    ping, err = flows_json(path)["flows"]
    assert (ping["orig_pkts"], ping["resp_pkts"], ping["icmp"]) == (1, 0, None)
    assert (err["id.orig_h"], err["icmp"], err["orig_pkts"]) == (S, "port-unreachable", 1)


def test_ping_is_one_icmp_flow_keyed_by_id(tmp_path):
    path = one_capture(tmp_path, [
        # 198.51.100.5 > 203.0.113.80: ICMP echo request, id 7, seq 1, length 64
        (1.0, eth(ip4(C, S, ICMP, echo(7, 1, b"a" * 56)))),
        # 203.0.113.80 > 198.51.100.5: ICMP echo reply, id 7, seq 1, length 64
        (1.001, eth(ip4(S, C, ICMP, echo(7, 1, b"a" * 56, reply=True)))),
        # 198.51.100.5 > 203.0.113.80: ICMP echo request, id 7, seq 2, length 64
        (2.0, eth(ip4(C, S, ICMP, echo(7, 2, b"a" * 56)))),
        # 198.51.100.5 > 203.0.113.80: ICMP echo request, id 8, seq 1, length 64  (another ping)
        (2.5, eth(ip4(C, S, ICMP, echo(8, 1, b"a" * 56)))),
        # 2001:db8::5 > 2001:db8::80: ICMP6, echo request, id 7, seq 1, length 16
        (3.0, eth(ip6(C6, S6, ICMP6, echo(7, 1, b"b" * 8, v6=True)))),
        # 2001:db8::80 > 2001:db8::5: ICMP6, echo reply, id 7, seq 1, length 16
        (3.001, eth(ip6(S6, C6, ICMP6, echo(7, 1, b"b" * 8, reply=True, v6=True)))),
    ])
    a, b, c = flows_json(path)["flows"]
    assert (a["proto"], a["id.orig_p"], a["id.resp_p"], a["conn_state"]) == ("icmp", 8, 0, "OTH")
    assert (a["orig_pkts"], a["resp_pkts"], a["orig_bytes"]) == (2, 1, 112)
    assert (b["orig_pkts"], b["resp_pkts"]) == (1, 0)
    assert (c["proto"], c["id.orig_p"], c["orig_pkts"], c["resp_pkts"]) == ("icmp6", 128, 1, 1)


def test_ipv4_options_and_offload_length_zero(tmp_path):
    path = one_capture(tmp_path, [
        # 198.51.100.5.50011 > 203.0.113.80.5000: UDP, length 6  (IP options [RA value 0])
        (1.0, eth(ip4(C, S, UDP, udp(50011, 5000, b"router"), options=b"\x94\x04\0\0"))),
        # IP bad-len 0  (tcpdump's words; Wireshark, like portlab, takes IP total
        #   length 0 for a segmentation-offload packet and sizes it by its frame:
        #   198.51.100.5.40040 > 203.0.113.80.5001: Flags [P.], seq 1:3001, length 3000)
        (1.1, eth(ip4(C, S, TCP, tcp(40040, 5001, 1, 1, "P.", b"z" * 3000), total_len=0))),
    ])
    f = by_tuple(flows_json(path))
    u = f["198.51.100.5:50011 -> 203.0.113.80:5000"]
    assert (u["orig_bytes"], u["orig_ip_bytes"]) == (6, 24 + 8 + 6)
    t = f["198.51.100.5:40040 -> 203.0.113.80:5001"]
    assert (t["orig_bytes"], t["orig_ip_bytes"], t["conn_state"]) == (3000, 3040, "OTH")


def test_ipv4_fragments_count_toward_their_flow(tmp_path):
    whole = udp(50005, 4000, b"f" * 100).finish(C, S)  # 108 bytes of UDP
    path = one_capture(tmp_path, [
        # 198.51.100.5.50005 > 203.0.113.80.4000: UDP, length 100  (first fragment, 48 bytes)
        (1.0, eth(ip4(C, S, UDP, whole[:48], ident=999, frag=0x2000))),
        # 198.51.100.5 > 203.0.113.80: ip-proto-17  (offset 48, the last 60 bytes)
        (1.001, eth(ip4(C, S, UDP, whole[48:], ident=999, frag=48 // 8))),
        # 198.51.100.5 > 203.0.113.80: ip-proto-17  (a fragment whose first was never seen)
        (1.002, eth(ip4(C, S, UDP, b"z" * 16, ident=555, frag=2))),
    ])
    f = flows_json(path)
    [fl] = f["flows"]
    assert fl["tuple"] == "198.51.100.5:50005 -> 203.0.113.80:4000"
    assert fl["orig_pkts"] == 2
    assert fl["orig_bytes"] == 100
    assert fl["orig_ip_bytes"] == 20 + 48 + 20 + 60
    assert f["other"] == 1 and f["malformed"] == 0 and f["truncated"] == 0


def test_ipv6_fragment_header_is_skipped(tmp_path):
    seg = udp(50006, 4001, b"g" * 40).finish(C6, S6)   # 48 bytes of UDP
    # fragment header: next header UDP, offset (in 8-byte units) << 3 | more, ident
    first = struct.pack("!BBHI", UDP, 0, 0 << 3 | 1, 4242)
    last = struct.pack("!BBHI", UDP, 0, 3 << 3 | 0, 4242)
    path = one_capture(tmp_path, [
        # 2001:db8::5.50006 > 2001:db8::80.4001: frag (0|24) UDP, length 40
        (1.0, eth(ip6(C6, S6, 44, first + seg[:24]))),
        # 2001:db8::5 > 2001:db8::80: frag (24|24)
        (1.1, eth(ip6(C6, S6, 44, last + seg[24:]))),
    ])
    [fl] = flows_json(path)["flows"]
    assert fl["tuple"] == "[2001:db8::5]:50006 -> [2001:db8::80]:4001"
    assert (fl["orig_pkts"], fl["orig_bytes"]) == (2, 40)


# -- link layers --------------------------------------------------------------

def test_vlan_tagged_frames(tmp_path):
    dgram = ip4(C, S, UDP, udp(50007, 123, b"ntp?"))
    path = one_capture(tmp_path, [
        # ethertype 802.1Q (0x8100), length 60: vlan 10, p 0, ethertype IPv4 (0x0800),
        #   198.51.100.5.50007 > 203.0.113.80.123: NTPv5, Control Message, length 4
        (1.0, eth(dgram, vlans=[(0x8100, 10)])),
        # ethertype 802.1Q-QinQ (0x88a8), length 60: vlan 20, p 0, ethertype 802.1Q (0x8100),
        #   vlan 10, p 0, ethertype IPv4 (0x0800), 198.51.100.5.50007 > 203.0.113.80.123: ...
        (1.1, eth(dgram, vlans=[(0x88A8, 20), (0x8100, 10)])),
    ])
    f = flows_json(path)
    [fl] = f["flows"]
    assert (fl["orig_pkts"], fl["orig_bytes"]) == (2, 8)
    assert f["other"] == 0


@pytest.mark.parametrize("linktype,wrap", [
    (LINKTYPE_LINUX_SLL, sll),
    (LINKTYPE_LINUX_SLL2, sll2),
    (LINKTYPE_RAW, lambda packet, proto: packet),
])
def test_cooked_and_raw_link_types(tmp_path, linktype, wrap):
    path = one_capture(tmp_path, [
        # 198.51.100.5.50008 > 203.0.113.80.69: UDP, length 3
        (1.0, wrap(ip4(C, S, UDP, udp(50008, 69, b"abc")), 0x0800)),
        # 203.0.113.80.69 > 198.51.100.5.50008: UDP, length 3
        (1.1, wrap(ip4(S, C, UDP, udp(69, 50008, b"abc")), 0x0800)),
        # 2001:db8::5.50009 > 2001:db8::80.69: UDP, length 3
        (1.2, wrap(ip6(C6, S6, UDP, udp(50009, 69, b"abc")), 0x86DD)),
    ], linktype=linktype)
    a, b = flows_json(path)["flows"]
    assert (a["conn_state"], a["orig_bytes"], a["resp_bytes"]) == ("SF", 3, 3)
    assert b["tuple"] == "[2001:db8::5]:50009 -> [2001:db8::80]:69"


def test_arp_is_other_not_a_flow(tmp_path):
    # ARP, Request who-has 203.0.113.80 tell 198.51.100.5, length 28
    arp = bytes.fromhex("0001080006040001020000000001c6336405000000000000cb007150")
    f = flows_json(one_capture(tmp_path, [(1.0, eth(arp, ethertype=0x0806))]))
    assert f["flows"] == [] and f["other"] == 1 and f["packets"] == 1


def test_pcapng_reads_like_pcap(tmp_path):
    cap = Capture()
    for t, fr in handshake_data_fin():
        cap.add(t, fr)
    a = flows_json(cap.write(tmp_path / "a.pcap"))
    b = flows_json(cap.write(tmp_path / "b.pcapng", pcapng=True))
    assert a["flows"] == b["flows"]
    assert b["flows"][0]["conn_state"] == "SF"


# -- damaged input ------------------------------------------------------------

def test_snaplen_cut_in_tcp_header_is_truncated(tmp_path):
    syn = eth(ip4(C, S, TCP, tcp(40030, 443, 1, 0, "S")))
    # 198.51.100.5.40030 > 203.0.113.80.443:  [|tcp]  (captured 44 of 60 bytes)
    f = flows_json(one_capture(tmp_path, [(1.0, syn, 14 + 20 + 10)], snaplen=44))
    assert (f["truncated"], f["malformed"], f["flows"]) == (1, 0, [])


def test_snaplen_cut_in_payload_still_counts_every_byte(tmp_path):
    frames = handshake_data_fin()
    # 198.51.100.5.40001 > 203.0.113.80.443: Flags [P.], seq 1001:1101, length 100
    #   (captured 64 of its 154 bytes: the headers and 10 bytes of data)
    ts, frame = frames[3]
    frames[3] = (ts, frame, 64)
    f = flows_json(one_capture(tmp_path, frames, snaplen=64))
    [fl] = f["flows"]
    assert f["truncated"] == 0
    assert fl["orig_bytes"] == 100 and fl["history"] == "ShADadFf"


@pytest.mark.parametrize("what,packet", [
    # IP bad-hlen 16
    ("ihl 4", ip4(C, S, TCP, tcp(40031, 80, 1, 0, "S"), ihl=4)),
    # IP bad-len 12
    ("total length < header", ip4(C, S, TCP, tcp(40031, 80, 1, 0, "S"), total_len=12)),
    # 198.51.100.5.40031 > 203.0.113.80.80:  tcp 8 [bad hdr length 12 - too short, < 20]
    ("tcp data offset 3", ip4(C, S, TCP, tcp(40031, 80, 1, 0, "S", data_offset=3))),
    # 198.51.100.5.40031 > 203.0.113.80.80: Flags [S] [bad hdr length 60 - too long, > 20]
    ("tcp data offset past the segment", ip4(C, S, TCP, tcp(40031, 80, 1, 0, "S", data_offset=15))),
    # ethertype IPv6 (0x86dd), length 60: version error: 4 != 6
    ("ipv6 ethertype, version 4", None),
])
def test_malformed_headers_are_counted_not_fatal(tmp_path, what, packet):
    if packet is None:
        frame = eth(ip4(C, S, UDP, udp(1, 2)), ethertype=0x86DD)
    else:
        frame = eth(packet)
    ok = eth(ip4(C, S, UDP, udp(50010, 53, b"q")))
    f = flows_json(one_capture(tmp_path, [(1.0, frame), (1.1, ok)]))
    assert (f["malformed"], f["truncated"]) == (1, 0), what
    assert len(f["flows"]) == 1 and f["flows"][0]["id.resp_p"] == 53


def test_file_truncated_mid_record(tmp_path):
    cap = Capture()
    for t, fr in handshake_data_fin()[:3]:
        cap.add(t, fr)
    data = cap.pcap_bytes()
    path = tmp_path / "cut.pcap"
    path.write_bytes(data[:-20])   # the third record loses its last 20 bytes
    p = portlab("flows", "--json", str(path))
    assert p.returncode == 1
    f = json.loads(p.stdout)["files"][0]
    assert f["complete"] is False and f["packets"] == 2
    assert len(f["flows"]) == 1 and f["flows"][0]["history"] == "Sh"
    assert ("portlab: %s: capture is truncated after 2 packets; "
            "flows shown are from the part that was read" % path) in p.stderr

    # the human table is printed too, and the exit status is the same
    h = portlab("flows", str(path))
    assert h.returncode == 1 and "1 flow, 2 packets" in h.stdout


def test_file_truncated_in_record_header(tmp_path):
    cap = Capture()
    for t, fr in handshake_data_fin()[:2]:
        cap.add(t, fr)
    path = tmp_path / "cut.pcap"
    path.write_bytes(cap.pcap_bytes() + b"\x01\x02\x03")
    p = portlab("flows", str(path))
    assert p.returncode == 1
    assert "capture is truncated after 2 packets" in p.stderr


def test_unreadable_files_exit_2(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a capture\n")
    empty = tmp_path / "empty.pcap"
    empty.write_bytes(b"")
    missing = tmp_path / "missing.pcap"
    for path, why in [(text, "not a pcap or pcapng capture"),
                      (empty, "empty file, not a pcap or pcapng capture"),
                      (missing, "No such file or directory"),
                      (tmp_path, "Is a directory")]:
        p = portlab("flows", str(path))
        assert p.returncode == 2, path
        assert p.stderr == "portlab: %s: %s\n" % (path, why)


def test_one_bad_file_among_good_ones(tmp_path):
    good = one_capture(tmp_path, handshake_data_fin())
    p = portlab("flows", "--json", good, str(tmp_path / "missing.pcap"))
    assert p.returncode == 2
    files = json.loads(p.stdout)["files"]
    assert files[0]["complete"] is True and len(files[0]["flows"]) == 1
    assert files[1]["complete"] is False and "No such file" in files[1]["error"]


def test_usage(tmp_path):
    p = portlab("flows")
    assert p.returncode == 2 and "usage: portlab flows" in p.stderr
    p = portlab("flows", "--bogus", "x.pcap")
    assert p.returncode == 2 and "unknown option '--bogus'" in p.stderr
    p = portlab("flows", "--help")
    assert p.returncode == 0 and p.stdout.startswith("usage: portlab flows")


def test_unsupported_link_type(tmp_path):
    path = one_capture(tmp_path, [(1.0, b"\0" * 40)], linktype=105)  # 802.11
    p = portlab("flows", path)
    assert p.returncode == 2
    assert "link type IEEE802_11 (105) is not supported" in p.stderr


def test_garbage_frames_never_crash(tmp_path):
    import random
    rnd = random.Random(1234)
    good = [fr for _, fr in handshake_data_fin()]
    cap = Capture()
    for i in range(3000):
        fr = bytearray(rnd.choice(good))
        for _ in range(rnd.randint(1, 6)):
            fr[rnd.randrange(len(fr))] = rnd.randrange(256)
        cut = rnd.randint(0, len(fr))
        cap.add(1.0 + i / 1000, bytes(fr), caplen=cut)
    f = flows_json(cap.write(tmp_path / "fuzz.pcap"))
    assert f["packets"] == 3000
    assert f["truncated"] + f["malformed"] + f["other"] <= 3000


# -- the table for people, and other parsers ---------------------------------

def test_table_columns_line_up(tmp_path):
    frames = handshake_data_fin() + handshake_data_fin(C6, S6, 40002, 80)
    p = portlab("flows", one_capture(tmp_path, frames))
    assert p.returncode == 0
    lines = p.stdout.splitlines()
    assert lines[0].endswith("t.pcap")
    head, rows, summary = lines[1], lines[2:4], lines[4]
    assert head.split() == ["PROTO", "ORIG", "RESP", "STATE", "HISTORY", "PKTS", "BYTES", "ICMP"]
    assert rows[0].split()[:5] == ["tcp", "198.51.100.5:40001", "203.0.113.80:443", "SF", "ShADadFf"]
    assert rows[1].split()[1] == "[2001:db8::5]:40002"
    # every column starts where its heading starts (the numbers end where theirs end)
    for name in ["ORIG", "RESP", "STATE", "HISTORY", "ICMP"]:
        col = head.index(name)
        assert all(r[col - 2:col] == "  " and r[col] != " " for r in rows), name
    for name in ["PKTS", "BYTES"]:
        end = head.index(name) + len(name)
        assert all(r[end - 1] != " " and r[end:end + 2] == "  " for r in rows), name
    assert rows[0].split()[5:7] == ["6/4", "100/300"]
    assert summary == "2 flows, 20 packets, 0 too short to decode, 0 malformed"
    assert not any(l != l.rstrip() for l in lines)


def test_agrees_with_tshark_and_tcpdump(tmp_path):
    path = golden_capture().write(tmp_path / "g.pcap")
    f = flows_json(path)
    ours = {fl["tuple"] for fl in f["flows"]
            if fl["proto"] == "tcp" and fl["history"].lstrip("^").startswith("S")}
    assert tshark_tuples(path) == ours
    if shutil.which("tcpdump"):
        out = subprocess.run(["tcpdump", "-nn", "-r", path], capture_output=True,
                             text=True, check=True).stdout
        assert len(out.splitlines()) == f["packets"]


# -- golden file ----------------------------------------------------------------

def test_golden_capture_is_what_pcapbuild_writes():
    """The committed capture is the one pcapbuild.golden_capture() describes."""
    with open(os.path.join(GOLDEN, "flows-basic.pcap"), "rb") as fp:
        assert fp.read() == golden_capture().pcap_bytes()


def test_golden_table():
    p = portlab("flows", "flows-basic.pcap", cwd=GOLDEN)
    with open(os.path.join(GOLDEN, "flows-basic.txt")) as fp:
        expected = fp.read()
    assert p.returncode == 0, p.stderr
    assert p.stdout == expected
