"""refused: connect to a port where nothing listens gets ECONNREFUSED and a RST,ACK."""
import subprocess

import pytest

from portlab_harness import run_lab, tshark_tuples


@pytest.fixture(scope="module")
def run():
    return run_lab("refused")


def refused_connect(run):
    [ev] = run.events("client", "connect", remote="203.0.113.80:443")
    return ev


def test_every_expectation_holds(run):
    assert run.rc == 0, run.failed_verdicts() or run.stderr
    assert run.failed_verdicts() == []


def test_connect_fails_with_econnrefused(run):
    ev = refused_connect(run)
    assert ev["ok"] is False
    assert ev["errno"] == "ECONNREFUSED"
    # the open port on the same host works: the host is there, the port is closed
    [ok] = run.events("client", "connect", remote="203.0.113.80:80")
    assert ok["ok"] is True


def test_the_wire_shows_syn_then_rst_ack(run):
    port = refused_connect(run)["local_port"]
    flows = [f for f in run.flows("server:eth0", "tcp") if f["id.orig_p"] == port]
    assert len(flows) == 1
    assert flows[0]["conn_state"] == "REJ"
    assert flows[0]["history"] == "Sr"
    # tshark, an independent parser, sees exactly SYN, then RST+ACK from the server
    out = subprocess.run(
        ["tshark", "-n", "-r", run.pcap("server:eth0"), "-Y", "tcp.port == %d" % port,
         "-T", "fields", "-e", "ip.src", "-e", "tcp.flags"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    packets = [line.split("\t") for line in out if line]
    assert packets == [["198.51.100.5", "0x0002"], ["203.0.113.80", "0x0014"]]


def test_tshark_agrees_on_every_tuple(run):
    wire = {f["tuple"] for f in run.flows("router:eth0", "tcp")}
    assert tshark_tuples(run.pcap("router:eth0")) == wire
    assert len(wire) == 2
