"""ephemeral: the kernel picks source ports from ip_local_port_range.

The client's range is ten ports. Ten connects to server port 8080 use all
ten and the eleventh fails with EADDRNOTAVAIL; ten connects to port 8081
succeed on the same ten ports, because each four-tuple is new. connect()
takes ports at an even distance from the range's low end first, bind(0)
at an odd distance. A host left alone has the range 32768-60999.

The lab runs twice: with the range 40000-40009, and shifted by one
(40001-40010) to show that the parity is counted from the low end, not
from zero.
"""
import pytest

from portlab_harness import run_lab, tshark_tuples

LAB = "ephemeral"
PORT_A = "198.51.100.80:8080"
PORT_B = "198.51.100.80:8081"
CLIENT = "198.51.100.5"


@pytest.fixture(scope="module", params=[40000, 40001], ids=["low40000", "low40001"])
def run(request):
    low = request.param
    if low == 40000:
        return low, run_lab(LAB)
    return low, run_lab(LAB, params={"low": low, "high": low + 9})


def ports(events):
    return [ev["local_port"] for ev in events]


def test_run_passes(run):
    _, r = run
    assert r.rc == 0, r.stderr[-2000:]
    assert r.failed_verdicts() == []


def test_programs_read_the_range(run):
    low, r = run
    assert [ev["port"] for ev in r.events(role="client", call="range_low")] == [low]
    assert [ev["port"] for ev in r.events(role="client", call="range_high")] == [low + 9]
    # a namespace nobody touched: Linux's default, not RFC 6335's 49152-65535
    assert [ev["port"] for ev in r.events(role="fresh", call="range_low")] == [32768]
    assert [ev["port"] for ev in r.events(role="fresh", call="range_high")] == [60999]


def test_ten_ports_ten_connections_then_eaddrnotavail(run):
    low, r = run
    everyone = set(range(low, low + 10))
    for server in (PORT_A, PORT_B):
        tries = r.events(role="client", call="connect", remote=server)
        assert [ev["ok"] for ev in tries] == [True] * 10 + [False], tries
        assert tries[-1]["errno"] == "EADDRNOTAVAIL"
        used = ports(tries[:10])
        assert len(set(used)) == 10          # no port twice towards one server
        assert set(used) == everyone         # ...so the whole range is used up


def test_second_server_port_reuses_the_same_source_ports(run):
    _, r = run
    a = ports(r.events(role="client", call="connect", ok=True, remote=PORT_A))
    b = ports(r.events(role="client", call="connect", ok=True, remote=PORT_B))
    assert sorted(a) == sorted(b)
    tuples = {ev["tuple"] for ev in r.events(role="client", call="connect", ok=True)}
    assert len(tuples) == 20                 # one port, two four-tuples


def test_connect_takes_even_offsets_first(run):
    # Linux >= 4.6: connect() scans low, low+2, ... before low+1, low+3, ...
    low, r = run
    for server in (PORT_A, PORT_B):
        offsets = [p - low for p in
                   ports(r.events(role="client", call="connect", ok=True, remote=server))]
        assert [o % 2 for o in offsets] == [0] * 5 + [1] * 5, offsets
    fresh = ports(r.events(role="fresh", call="connect", ok=True))
    assert len(fresh) == 3
    assert all(32768 <= p <= 60999 and (p - 32768) % 2 == 0 for p in fresh), fresh


def test_bind_zero_takes_odd_offsets(run):
    # ...and bind(0) the other half, leaving the even offsets to connect()
    low, r = run
    binds = r.events(role="bind0", call="bind")
    assert [ev["ok"] for ev in binds] == [True] * 5
    got = ports(binds)
    assert len(set(got)) == 5
    assert all(low <= p <= low + 9 and (p - low) % 2 == 1 for p in got), got


def test_the_wire_shows_exactly_the_reported_connections(run):
    _, r = run
    api = {ev["tuple"] for ev in r.events(role="client", call="connect", ok=True)}
    flows = r.flows("client:eth0", proto="tcp")
    assert {f["tuple"] for f in flows} == api
    assert len(flows) == 20                  # the failed connects sent no SYN
    assert all(f["conn_state"] == "SF" and f["syn_count"] == 1 for f in flows), flows
    assert tshark_tuples(r.pcap("client:eth0")) == api
    server_side = {ev["tuple"] for ev in r.events(role="server", call="accept", ok=True)
                   if ev["remote_addr"] == CLIENT}
    assert server_side == api
