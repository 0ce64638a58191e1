"""The end of a capture: what the kernel still sends after the programs end.

The drain stops when no TCP socket of the lab still sends, no qdisc still
holds a packet, every CPU's backlog queue has been flushed and every packet
the kernel counted is written (sim/capture_drain.c). These tests put packets
in each of those places at the moment the last program exits, and check
that the capture still holds them, against what the programs themselves say
they sent.
"""
import os

from portlab_harness import PORTLAB, LabRun, TWO_HOSTS, need_labs, portlab

PROGRAMS = os.path.join(os.path.dirname(os.path.abspath(PORTLAB)), "scenarios")

# At 16 kbit/s the token bucket lets the first 4 KB through at once and holds
# the rest, a datagram every ~30 ms: when the sender exits, some are still in
# its interface's queue, seen by no capture yet.
QUEUED_LAB = """\
lab queued
title datagrams still queued in a slow link when their sender exits
host a
    iface eth0 192.0.2.1/24
    impair eth0 rate 16kbit
host b
    iface eth0 192.0.2.2/24
link a:eth0 b:eth0
capture b:eth0
run sender on a: {programs}/patterns/dgram_sender --to 192.0.2.2:5140 --count 70
"""

# The client writes and exits at once; the server reads everything and
# closes: the last FIN, and the ACK that answers it, come after the
# client's program is gone.
CLOSE_LAB = """\
lab closing
title the last packets of connections whose programs are gone
""" + TWO_HOSTS + """\
capture a:eth0 b:eth0
start server on b: {programs}/tools/tcp_server --listen 192.0.2.2:443 --accept 20
wait server listening tcp 192.0.2.2:443
run client on a: {programs}/tools/tcp_client --connect 192.0.2.2:443 --count 20
"""


def run_text(tmp_path, text):
    need_labs()
    lab = tmp_path / "lab"
    lab.write_text(text.format(programs=PROGRAMS))
    return LabRun(portlab("run", str(lab), "--json", "--captures", str(tmp_path / "c")))


def sent(run, role, call):
    return len(run.events(role=role, call=call, ok=True))


def test_datagrams_still_queued_when_the_sender_exits_are_captured(tmp_path):
    run = run_text(tmp_path, QUEUED_LAB)
    assert run.rc == 0, run.stderr[-2000:]
    n = sent(run, "sender", "sendto")
    assert n > 0, "the sender reported no datagram"
    flows = run.flows("b:eth0", proto="udp")
    assert len(flows) == 1, flows
    assert flows[0]["orig_pkts"] == n  # every datagram sendto() accepted, none lost at the end
    cap = run.result["captures"][0]
    assert cap["dropped"] == 0 and cap["written"] == cap["received"], cap
    # the queue took its time to empty, and the drain waited for it
    assert run.result["drain_seconds"] > 0
    assert run.result["notes"] == []


def test_the_last_fin_and_ack_of_every_connection_are_captured(tmp_path):
    run = run_text(tmp_path, CLOSE_LAB)
    assert run.rc == 0, run.stderr[-2000:]
    n = sent(run, "client", "connect")
    assert n == 20
    for capture in ("a:eth0", "b:eth0"):
        flows = run.flows(capture, proto="tcp")
        assert len(flows) == n
        # SF: both FINs were seen and acknowledged; the history ends with both FINs
        assert [f["conn_state"] for f in flows] == ["SF"] * n, flows
        assert all("f" in f["history"] and "F" in f["history"] for f in flows), flows
    for cap in run.result["captures"]:
        assert cap["dropped"] == 0 and cap["written"] == cap["received"], cap
