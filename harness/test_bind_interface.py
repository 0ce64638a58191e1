"""bind-interface: which binding each client reaches, on the API and the wire.

The lab's server has lo, eth0 on network A and eth1 on network B, and eight
listeners, one per binding. Three clients (on A, on B, on the server
itself) try the addresses; MATRIX below is what Linux does, measured.
"""
import pytest

from portlab_harness import run_lab, tshark_tuples

LAB = "bind-interface"

A, B, LO = "192.0.2.1", "198.51.100.1", "127.0.0.1"
A6, B6, LO6 = "[2001:db8:a::1]", "[2001:db8:b::1]", "[::1]"
OK, REFUSED = "ok", "ECONNREFUSED"
PORT = {"any": 7000, "a-only": 7001, "loopback": 7002, "dual": 7003,
        "v6only": 7004, "a-only6": 7005, "a-dev": 7006, "a-strict": 7007}

# role -> (capture that carries its connects, [(binding, address, outcome)])
MATRIX = {
    "from-a": ("client-a:eth0", [
        ("any", A, OK), ("any", B, OK),
        ("a-only", A, OK), ("a-only", B, REFUSED),
        ("loopback", A, REFUSED), ("loopback", B, REFUSED),
        ("dual", A, OK), ("dual", A6, OK),
        ("v6only", A, REFUSED), ("v6only", A6, OK),
        ("a-only6", A6, OK), ("a-only6", B6, REFUSED),
        ("a-dev", A, OK), ("a-dev", B, OK),
        ("a-strict", A, OK), ("a-strict", B, REFUSED),
    ]),
    "from-b": ("client-b:eth0", [
        ("any", B, OK), ("any", A, OK),
        ("a-only", A, OK),                  # weak host: A's address via eth1
        ("a-only", B, REFUSED),
        ("loopback", B, REFUSED), ("loopback", A, REFUSED),
        ("dual", B, OK), ("dual", B6, OK),
        ("v6only", B, REFUSED), ("v6only", B6, OK),
        ("a-only6", A6, OK),                # weak host for IPv6 too
        ("a-only6", B6, REFUSED),
        ("a-dev", A, REFUSED), ("a-dev", B, REFUSED),      # arrives on eth1
        ("a-strict", A, REFUSED), ("a-strict", B, REFUSED),
    ]),
    "from-self": ("server:lo", [
        ("any", LO, OK), ("any", A, OK),
        ("a-only", LO, REFUSED), ("a-only", A, OK),
        ("loopback", LO, OK), ("loopback", A, REFUSED),
        ("dual", LO6, OK), ("dual", LO, OK),
        ("v6only", LO, REFUSED), ("v6only", LO6, OK),
        ("a-only6", A6, OK), ("a-only6", LO6, REFUSED),
        # to an own address, the "arriving" device is the one holding it
        ("a-dev", A, OK), ("a-dev", B, REFUSED),
        ("a-strict", A, OK), ("a-strict", LO, REFUSED),
    ]),
}

CELLS = [(role, binding, "%s:%d" % (addr, PORT[binding]), outcome)
         for role, (_, cells) in MATRIX.items()
         for binding, addr, outcome in cells]


@pytest.fixture(scope="module")
def run():
    return run_lab(LAB)


def the_connect(run, role, remote):
    evs = run.events(role=role, call="connect", remote=remote)
    assert len(evs) == 1, "%s: want one connect to %s, got %r" % (role, remote, evs)
    return evs[0]


def port_of(endpoint):
    return int(endpoint.rsplit(":", 1)[1])


def addr_of(endpoint):
    return endpoint.rsplit(":", 1)[0].strip("[]")


def flows_of(run, capture, ev):
    """The flows in CAPTURE of connect event EV: same local port and same server."""
    local_port, remote = port_of(ev["local"]), ev["remote"]
    return [f for f in run.flows(capture, proto="tcp")
            if int(f["id.orig_p"]) == local_port
            and str(f["id.resp_h"]) == addr_of(remote)
            and int(f["id.resp_p"]) == port_of(remote)]


def test_run_passes(run):
    assert run.rc == 0, run.stderr[-2000:]
    assert run.failed_verdicts() == []


@pytest.mark.parametrize("role,binding,remote,outcome", CELLS,
                         ids=["%s->%s" % (c[0], c[2]) for c in CELLS])
def test_matrix_cell(run, role, binding, remote, outcome):
    ev = the_connect(run, role, remote)
    assert ev.get("binding") == binding
    if outcome == OK:
        assert ev["ok"] is True, ev
    else:
        assert ev["ok"] is False and ev["errno"] == outcome, ev


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_each_connect_on_the_wire(run, role):
    """Accepted connects close normally (SF), refused ones are REJ."""
    capture = MATRIX[role][0]
    connects = run.events(role=role, call="connect")
    assert len(connects) == len(MATRIX[role][1])
    for ev in connects:
        flows = flows_of(run, capture, ev)
        assert len(flows) == 1, "%s: %s has flows %r" % (capture, ev.get("tuple"), flows)
        flow = flows[0]
        if ev["ok"]:
            assert flow["conn_state"] in ("SF", "S1"), flow
            assert flow["tuple"] == ev["tuple"]
        else:
            assert flow["conn_state"] == "REJ", flow
            assert flow["resp_pkts"] >= 1 and flow["orig_bytes"] == 0


@pytest.mark.parametrize("role", sorted(MATRIX))
def test_tshark_sees_the_same_connections(run, role):
    capture = MATRIX[role][0]
    seen = tshark_tuples(run.pcap(capture))
    ours = {f["tuple"] for f in run.flows(capture, proto="tcp")}
    assert seen == ours
    for ev in run.events(role=role, call="connect", ok=True):
        assert ev["tuple"] in seen


def test_weak_host_on_the_wire(run):
    """B's client reached A's addresses through the server's eth1, not eth0."""
    on_b = tshark_tuples(run.pcap("server:eth1"))
    on_a = tshark_tuples(run.pcap("server:eth0"))
    to_a = [ev for ev in run.events(role="from-b", call="connect", ok=True)
            if addr_of(ev["remote"]) in (A, A6.strip("[]"))]
    assert {ev["binding"] for ev in to_a} == {"any", "a-only", "a-only6"}
    for ev in to_a:
        assert ev["tuple"] in on_b
        assert ev["tuple"] not in on_a
    assert not [t for t in on_a if t.startswith("198.51.100.10:") or t.startswith("[2001:db8:b::10]:")]


def test_bindtodevice_refuses_what_arrives_elsewhere(run):
    """The SYNs to the eth0-bound listeners reached the server on eth1 and got a RST."""
    for ev in run.events(role="from-b", call="connect"):
        if ev["binding"] not in ("a-dev", "a-strict"):
            continue
        assert ev["errno"] == REFUSED
        flows = flows_of(run, "server:eth1", ev)
        assert [f["conn_state"] for f in flows] == ["REJ"]
    # the eth0-bound 0.0.0.0 listener took client-a on both of the server's
    # addresses, and the server itself on A's address only
    took = run.events(role="server", call="accept", binding="a-dev", ok=True)
    assert sorted(ev["local"] for ev in took) == \
        ["192.0.2.1:7006", "192.0.2.1:7006", "198.51.100.1:7006"]
    assert sorted(addr_of(ev["remote"]) for ev in took) == \
        ["192.0.2.1", "192.0.2.10", "192.0.2.10"]


def test_dual_stack_sees_mapped_addresses(run):
    dual = run.events(role="server", call="accept", binding="dual", ok=True)
    v4 = [ev for ev in dual if "." in ev["remote"]]
    assert sorted(addr_of(ev["remote"]) for ev in v4) == \
        ["::ffff:127.0.0.1", "::ffff:192.0.2.10", "::ffff:198.51.100.10"]
    for ev in v4:
        assert ev["local"].startswith("[::ffff:")
        # the tuple is written as on the wire: plain IPv4
        assert "::ffff:" not in ev["tuple"]
    v6only = run.events(role="server", call="accept", binding="v6only", ok=True)
    assert v6only and not [ev for ev in v6only if "." in ev["remote"]]


def test_each_accept_came_from_its_listener(run):
    listen_fd = {ev["binding"]: ev["fd"]
                 for ev in run.events(role="server", call="listen", ok=True)}
    assert set(listen_fd) == set(PORT)
    accepts = run.events(role="server", call="accept", ok=True)
    assert len(accepts) == sum(len(run.events(role=r, call="connect", ok=True))
                               for r in MATRIX)
    for ev in accepts:
        assert ev["listen_fd"] == listen_fd[ev["binding"]]
        assert ev["fd"] not in listen_fd.values()
        assert port_of(ev["local"]) == PORT[ev["binding"]]


def test_own_loopback_never_leaves_the_client(run):
    ev = the_connect(run, "a-own-lo", "127.0.0.1:7002")
    assert ev["errno"] == REFUSED
    assert not [f for f in run.flows("client-a:eth0") if str(f["id.resp_h"]) == LO]
