"""same-port-two-clients: two hosts, one source port, one server port.

alice and bob both bind source port 50000 and connect to 203.0.113.80:8080.
Both succeed; the server's listening socket hands out two new sockets that
share its local address; on the wire, two flows differ by source IP only.
"""
import pytest

from portlab_harness import run_lab, tshark_tuples

LAB = "same-port-two-clients"
SERVER = "203.0.113.80:8080"
CLIENTS = {"alice": "198.51.100.11", "bob": "198.51.100.12"}


@pytest.fixture(scope="module", params=[50000, 40123], ids=["port50000", "port40123"])
def run(request):
    # the lab's default port, and another one to show nothing hangs on 50000
    if request.param == 50000:
        return request.param, run_lab(LAB)
    return request.param, run_lab(LAB, params={"port": request.param})


def test_run_passes(run):
    _, r = run
    assert r.rc == 0, r.stderr[-2000:]
    assert r.failed_verdicts() == []


def test_both_bind_and_connect_from_the_same_port(run):
    port, r = run
    for role, addr in CLIENTS.items():
        binds = r.events(role=role, call="bind")
        assert [ev["ok"] for ev in binds] == [True]
        assert binds[0]["local"] == "0.0.0.0:%d" % port
        connects = r.events(role=role, call="connect")
        assert len(connects) == 1 and connects[0]["ok"] is True, connects
        assert connects[0]["local"] == "%s:%d" % (addr, port)
        assert connects[0]["remote"] == SERVER
    tuples = {ev["tuple"] for ev in r.events(call="connect", ok=True)}
    assert len(tuples) == 2


def test_accepted_sockets_are_new_and_share_the_listeners_address(run):
    port, r = run
    listens = r.events(role="server", call="listen", ok=True)
    assert len(listens) == 1
    lfd, laddr = listens[0]["fd"], listens[0]["local"]
    assert laddr == SERVER
    accepts = r.events(role="server", call="accept", ok=True)
    assert len(accepts) == 2
    for ev in accepts:
        assert ev["listen_fd"] == lfd          # the listener accepted both...
        assert ev["fd"] != lfd                 # ...each into a new socket
        assert ev["local"] == laddr            # with the listener's address:port
    assert len({ev["fd"] for ev in accepts}) == 2
    assert sorted(ev["remote"] for ev in accepts) == \
        sorted("%s:%d" % (a, port) for a in CLIENTS.values())
    # the listener is closed last, after both conversations
    closes = [ev["fd"] for ev in r.events(role="server", call="close")]
    assert closes[-1] == lfd and sorted(closes[:-1]) == sorted(ev["fd"] for ev in accepts)


def test_both_connections_were_open_together(run):
    """Both accepts happen before either answer: the two connections coexist."""
    _, r = run
    server = r.events(role="server")
    calls = [ev["call"] for ev in server if ev["call"] in ("accept", "write")]
    assert calls == ["accept", "accept", "write", "write"]
    flows = r.flows("server:eth0", proto="tcp")
    assert len(flows) == 2
    f, g = flows
    assert f["ts"] < g["ts"] + g["duration"] and g["ts"] < f["ts"] + f["duration"]


def test_wire_two_flows_same_port_different_source(run):
    port, r = run
    flows = r.flows("server:eth0", proto="tcp")
    assert sorted(f["id.orig_h"] for f in flows) == sorted(CLIENTS.values())
    for f in flows:
        assert int(f["id.orig_p"]) == port
        assert f["id.resp_h"] == "203.0.113.80" and int(f["id.resp_p"]) == 8080
        assert f["conn_state"] == "SF", f
        assert f["syn_count"] == 1
    assert {f["tuple"] for f in flows} == {ev["tuple"] for ev in r.events(call="connect", ok=True)}


def test_tshark_agrees(run):
    port, r = run
    for capture in ("server:eth0", "router:eth1", "router:eth0"):
        seen = tshark_tuples(r.pcap(capture))
        assert seen == {"%s:%d -> %s" % (a, port, SERVER) for a in CLIENTS.values()}, capture
