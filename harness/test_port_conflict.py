"""port-conflict: a second bind on a taken port, TIME_WAIT and SO_REUSEPORT.

The table below is what Linux 6.x answered when it was measured by hand
(python and the lab's own conflict_table, in scratch namespaces); the lab
must see the same answers again, from its events.
"""
import pytest

from portlab_harness import run_lab, tshark_tuples

LAB = "port-conflict"
CONNS = 40

# case -> (second bind, first listen after it, second listen after it)
# None: the call is not made in that row (the bind failed, or UDP).
TABLE = {
    "same-address": ("EADDRINUSE", None, None),
    "wildcard-then-specific": ("EADDRINUSE", None, None),
    "specific-then-wildcard": ("EADDRINUSE", None, None),
    "loopback-then-wildcard": ("EADDRINUSE", None, None),
    "wildcard-then-loopback": ("EADDRINUSE", None, None),
    "loopback-then-specific": ("ok", None, "ok"),
    "any4-then-any6": ("EADDRINUSE", None, None),
    "any4-then-any6-v6only": ("ok", None, "ok"),
    "any6-then-any4": ("EADDRINUSE", None, None),
    "any6-v6only-then-any4": ("ok", None, "ok"),
    "any6-then-specific4": ("EADDRINUSE", None, None),
    "any6-then-specific6": ("EADDRINUSE", None, None),
    "reuseaddr-same-address-listening": ("EADDRINUSE", None, None),
    "reuseaddr-wildcard-then-specific-listening": ("EADDRINUSE", None, None),
    "bound-same-address": ("EADDRINUSE", None, None),
    "bound-reuseaddr-same-address": ("ok", "ok", "EADDRINUSE"),
    "bound-reuseaddr-wildcard-then-specific": ("ok", "ok", "EADDRINUSE"),
    "bound-reuseaddr-second-only": ("EADDRINUSE", None, None),
    "reuseport-same-address": ("ok", None, "ok"),
    "reuseport-wildcard-then-specific": ("ok", None, "ok"),
    "reuseport-first-only": ("EADDRINUSE", None, None),
    "reuseport-second-only": ("EADDRINUSE", None, None),
    "tcp-then-udp": ("ok", None, None),
    "udp-then-tcp": ("ok", None, "ok"),
    "udp-same-address": ("EADDRINUSE", None, None),
    "udp-reuseaddr": ("ok", None, None),
}


@pytest.fixture(scope="module")
def run():
    return run_lab(LAB, params={"conns": CONNS})


def outcome(events):
    """'ok' or the errno of the one event in EVENTS; None if there is none."""
    assert len(events) <= 1, events
    if not events:
        return None
    ev = events[0]
    return "ok" if ev["ok"] else ev["errno"]


def listens(run, case, sock):
    """Listen events of SOCK in CASE that came after the second bind."""
    evs = run.events(role="table", case=case)
    second_bind = [i for i, e in enumerate(evs)
                   if e["call"] == "bind" and e.get("sock") == "second"]
    assert len(second_bind) == 1, (case, evs)
    return [e for e in evs[second_bind[0]:]
            if e["call"] == "listen" and e.get("sock") == sock]


def test_run_passes(run):
    assert run.rc == 0, run.stderr[-2000:]
    assert run.failed_verdicts() == []


def test_table_has_every_case(run):
    seen = {e["case"] for e in run.events(role="table") if "case" in e}
    assert seen == set(TABLE)


def test_first_socket_always_binds(run):
    firsts = run.events(role="table", call="bind", sock="first")
    assert len(firsts) == len(TABLE)
    assert all(e["ok"] for e in firsts), [e for e in firsts if not e["ok"]]


@pytest.mark.parametrize("case", sorted(TABLE))
def test_second_bind(run, case):
    bind, first_listen, second_listen = TABLE[case]
    got = outcome(run.events(role="table", call="bind", case=case, sock="second"))
    assert got == bind, "%s: second bind: expected %s, got %s" % (case, bind, got)
    got = outcome(listens(run, case, "first"))
    assert got == first_listen, "%s: first listen: expected %s, got %s" % (case, first_listen, got)
    got = outcome(listens(run, case, "second"))
    assert got == second_listen, "%s: second listen: expected %s, got %s" % (case, second_listen, got)


def test_refused_bind_leaves_socket_unbound(run):
    # A bind that failed must not have taken any port: getsockname says port 0.
    for ev in run.events(role="table", call="bind", sock="second", ok=False):
        assert ev["local"].endswith(":0"), ev


def test_v6only_is_set_as_the_row_says(run):
    v6only = {("any4-then-any6-v6only", "second"), ("any6-v6only-then-any4", "first")}
    seen = 0
    for ev in run.events(role="table", call="setsockopt"):
        if not ev.get("option", "").startswith("IPV6_V6ONLY"):
            continue
        seen += 1
        on = (ev["case"], ev["sock"]) in v6only
        assert ev["option"] == ("IPV6_V6ONLY=1" if on else "IPV6_V6ONLY=0"), ev
        assert ev["ok"], ev
    assert seen == 7  # every IPv6 socket of the table says which it is


# ---- TIME_WAIT ---------------------------------------------------------------

def test_time_wait_in_socket_table(run):
    rows = run.events(role="tw-table", call="socket-table")
    assert rows, "the sockets step recorded nothing"
    tw = {e["local"]: e["remote"] for e in rows if e.get("state") == "TIME_WAIT"}
    # The server's side of each connection, held by the server (which
    # closed first), toward the client's ephemeral port of that connection.
    for port, client in ((8443, "tw-client"), (8444, "tw-strict-client")):
        (conn,) = run.events(role=client, call="connect", ok=True)
        assert tw.get("192.0.2.10:%d" % port) == conn["local"], (tw, conn)


def test_rebind_needs_reuseaddr(run):
    assert outcome(run.events(role="rebind", call="bind", attempt="plain")) == "EADDRINUSE"
    assert outcome(run.events(role="rebind", call="bind", attempt="reuseaddr")) == "ok"
    assert outcome(run.events(role="rebind", call="listen", attempt="reuseaddr")) == "ok"


def test_rebind_needs_reuseaddr_on_the_old_socket_too(run):
    # The TIME_WAIT socket keeps the SO_REUSEADDR of the listener it came
    # from: without it there, setting it on the new socket is not enough.
    assert outcome(run.events(role="rebind-strict", call="bind", attempt="plain")) == "EADDRINUSE"
    assert outcome(run.events(role="rebind-strict", call="bind", attempt="reuseaddr")) == "EADDRINUSE"


@pytest.mark.parametrize("client", ["tw-client", "tw-strict-client"])
def test_server_fin_first_on_the_wire(run, client):
    (conn,) = run.events(role=client, call="connect", ok=True)
    flows = [f for f in run.flows("server:eth0", "tcp") if f["tuple"] == conn["tuple"]]
    assert len(flows) == 1, (conn["tuple"], run.flows("server:eth0", "tcp"))
    f = flows[0]
    assert f["conn_state"] == "SF", f
    h = f["history"]
    # f: the responder's (server's) FIN; F: the originator's (client's).
    assert "f" in h and "F" in h, h
    assert h.index("f") < h.index("F"), "the server's FIN should come first: " + h


# ---- SO_REUSEPORT ------------------------------------------------------------

def test_both_reuseport_listeners_accept(run):
    accepts = run.events(role="rp-server", call="accept", ok=True)
    assert len(accepts) == CONNS
    per = {}
    for ev in accepts:
        per[ev["listener"]] = per.get(ev["listener"], 0) + 1
        assert ev["local"] == "192.0.2.10:9090", ev
    assert set(per) == {"first", "second"} and min(per.values()) > 0, per
    notes = {e["listener"]: e["count"] for e in run.events(role="rp-server", call="accepted")}
    assert notes == per


def test_reuseport_listeners_are_two_sockets(run):
    fds = {e["listener"]: e["fd"] for e in run.events(role="rp-server", call="listen", ok=True)}
    assert len(fds) == 2 and fds["first"] != fds["second"], fds
    for ev in run.events(role="rp-server", call="accept", ok=True):
        assert ev["listen_fd"] == fds[ev["listener"]], ev


def test_reuseport_clients_use_distinct_ports(run):
    ports = [e["local_port"] for e in run.events(role="rp-client", call="connect", ok=True)]
    assert len(ports) == CONNS and len(set(ports)) == CONNS


def test_wire_agrees_with_tshark(run):
    clients = ("tw-client", "tw-strict-client", "rp-client")
    api = {e["tuple"] for c in clients for e in run.events(role=c, call="connect", ok=True)}
    assert len(api) == CONNS + 2
    assert tshark_tuples(run.pcap("server:eth0")) == api
    flows = {f["tuple"] for f in run.flows("server:eth0", "tcp")}
    assert flows == api
