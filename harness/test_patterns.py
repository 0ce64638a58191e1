"""patterns: keep-alive, one connection per request, chat both ways, fire and forget.

Each pattern has its own server port (8080, 8081, 7000, 5140/udp); the
tests pick its events by role and its flows by port, and check the socket
API, the wire (client:eth0) and tshark against each other. The socket
tables are recorded by the lab's `sockets` steps after every program ended.
"""
import pytest

from portlab_harness import run_lab, tshark_tuples

SERVER = "192.0.2.80"
CAPTURE = "client:eth0"
N = 5  # the lab's default requests, messages and datagrams


@pytest.fixture(scope="module")
def run():
    return run_lab("patterns")


def flows_to(run, port, proto="tcp"):
    return [f for f in run.flows(CAPTURE, proto=proto) if f["id.resp_p"] == port]


def shark_to(run, port, proto="tcp"):
    return {t for t in tshark_tuples(run.pcap(CAPTURE), proto=proto)
            if t.endswith(":%d" % port)}


def table(run, role, state=None):
    return [e for e in run.events(role=role, call="socket-table")
            if state is None or e["state"] == state]


def fin_order(history):
    """'client' if the originator's FIN (F) comes before the responder's (f)."""
    assert "F" in history and "f" in history, history
    return "client" if history.index("F") < history.index("f") else "server"


def test_lab_passes(run):
    assert run.rc == 0, run.stderr[-2000:]
    assert run.failed_verdicts() == []
    assert all(c["dropped"] == 0 for c in run.result["captures"])


# 1. keep-alive

def test_keep_alive_n_requests_one_fd_one_tuple(run):
    con = run.events(role="ka-client", call="connect")
    assert len(con) == 1 and con[0]["ok"]
    sends = run.events(role="ka-client", call="send", ok=True)
    answers = [e for e in run.events(role="ka-client", call="recv", ok=True) if e["bytes"] > 0]
    assert len(sends) == N and len(answers) == N
    assert {e["fd"] for e in sends + answers} == {con[0]["fd"]}
    assert {e["tuple"] for e in sends + answers} == {con[0]["tuple"]}
    # the server: one accept, N requests in, N answers out, on one socket
    acc = run.events(role="ka-server", call="accept", ok=True)
    assert len(acc) == 1 and acc[0]["tuple"] == con[0]["tuple"]
    srv = run.events(role="ka-server", call="send", ok=True) + \
        [e for e in run.events(role="ka-server", call="recv", ok=True) if e["bytes"] > 0]
    assert len(srv) == 2 * N
    assert {e["fd"] for e in srv} == {acc[0]["fd"]}


def test_keep_alive_one_flow_on_the_wire(run):
    con = run.events(role="ka-client", call="connect", ok=True)
    wire = flows_to(run, 8080)
    assert len(wire) == 1
    assert {f["tuple"] for f in wire} == {con[0]["tuple"]} == shark_to(run, 8080)
    f = wire[0]
    assert f["conn_state"] == "SF" and f["syn_count"] == 1
    # N requests and N answers ride on the one connection
    assert f["orig_bytes"] == sum(e["bytes"] for e in run.events(role="ka-client", call="send"))
    assert f["resp_bytes"] == sum(e["bytes"] for e in run.events(role="ka-server", call="send"))


def test_keep_alive_client_closed_first_and_holds_time_wait(run):
    f = flows_to(run, 8080)[0]
    assert fin_order(f["history"]) == "client"
    tw = [e for e in table(run, "client-sockets", "TIME_WAIT") if e["remote_port"] == 8080]
    assert [e["tuple"] for e in tw] == [f["tuple"]]
    assert [e for e in table(run, "server-sockets") if e["local_port"] == 8080] == []


# 2. one connection per request

def test_per_request_n_connections_n_tuples(run):
    con = run.events(role="pr-client", call="connect")
    assert len(con) == N and all(e["ok"] for e in con)
    tuples = [e["tuple"] for e in con]
    assert len(set(tuples)) == N
    assert {e["remote"] for e in con} == {SERVER + ":8081"}
    acc = run.events(role="pr-server", call="accept", ok=True)
    assert {e["tuple"] for e in acc} == set(tuples)
    # one request per connection, and the server's close seen as end of file
    assert len(run.events(role="pr-client", call="send", ok=True)) == N
    assert len(run.events(role="pr-client", call="recv", ok=True, bytes=0)) == N


def test_per_request_n_flows_on_the_wire(run):
    con = {e["tuple"] for e in run.events(role="pr-client", call="connect", ok=True)}
    wire = flows_to(run, 8081)
    assert len(wire) == N
    assert {f["tuple"] for f in wire} == con == shark_to(run, 8081)
    assert all(f["conn_state"] == "SF" for f in wire)


def test_per_request_server_closed_first_and_holds_time_wait(run):
    wire = flows_to(run, 8081)
    assert [fin_order(f["history"]) for f in wire] == ["server"] * N
    tw = [e for e in table(run, "server-sockets", "TIME_WAIT") if e["local_port"] == 8081]
    assert len(tw) == N
    assert {e["local"] for e in tw} == {SERVER + ":8081"}
    # the server's TIME_WAIT entries are exactly the client's connections
    assert {e["remote"] for e in tw} == \
        {e["local"] for e in run.events(role="pr-client", call="connect", ok=True)}
    assert [e for e in table(run, "client-sockets") if e["remote_port"] == 8081] == []


# 3. chat: both sides send when they like

def test_chat_one_flow_bytes_both_ways(run):
    wire = flows_to(run, 7000)
    assert len(wire) == 1
    f = wire[0]
    con = run.events(role="chat-client", call="connect", ok=True)
    assert {f["tuple"]} == {con[0]["tuple"]} == shark_to(run, 7000)
    sent_c = sum(e["bytes"] for e in run.events(role="chat-client", call="send", ok=True))
    sent_s = sum(e["bytes"] for e in run.events(role="chat-server", call="send", ok=True))
    got_c = sum(e["bytes"] for e in run.events(role="chat-client", call="recv", ok=True))
    got_s = sum(e["bytes"] for e in run.events(role="chat-server", call="recv", ok=True))
    assert sent_c > 0 and sent_s > 0
    assert f["orig_bytes"] == sent_c == got_s
    assert f["resp_bytes"] == sent_s == got_c


def test_chat_messages_cross_while_both_talk(run):
    """Neither side waits for the other: each receives between its own sends."""
    for role in ("chat-client", "chat-server"):
        evs = run.events(role=role)
        sends = [e["seq"] for e in evs if e["call"] == "send"]
        recvs = [e["seq"] for e in evs if e["call"] == "recv" and e["ok"] and e["bytes"] > 0]
        assert len(sends) == N
        assert any(sends[0] < r < sends[-1] for r in recvs), role


def test_chat_server_still_sends_after_the_clients_fin(run):
    """shutdown(SHUT_WR) closes one direction only."""
    evs = run.events(role="chat-server")
    eof = [e["seq"] for e in evs if e["call"] == "recv" and e.get("bytes") == 0]
    assert len(eof) == 1
    assert any(e["call"] == "send" and e["seq"] > eof[0] for e in evs)
    f = flows_to(run, 7000)[0]
    assert fin_order(f["history"]) == "client"
    assert [e["tuple"] for e in table(run, "client-sockets", "TIME_WAIT")
            if e["remote_port"] == 7000] == [f["tuple"]]


# 4. fire and forget

def test_fire_and_forget_no_handshake_no_reply(run):
    sends = run.events(role="sender", call="sendto")
    assert len(sends) == N and all(e["ok"] for e in sends)
    assert run.events(role="sender", call="connect") == []
    assert run.events(role="sender", call="recvfrom") == []
    assert len({e["local_port"] for e in sends}) == 1
    wire = flows_to(run, 5140, proto="udp")
    assert len(wire) == 1
    f = wire[0]
    assert f["conn_state"] == "S0"
    assert f["orig_pkts"] == N and f["resp_pkts"] == 0 and f["resp_bytes"] == 0
    assert f["icmp"] is None
    assert f["id.orig_p"] == sends[0]["local_port"]
    assert flows_to(run, 5140) == []  # no TCP at all on that port


def test_fire_and_forget_sink_got_every_datagram(run):
    got = run.events(role="sink", call="recvfrom", ok=True)
    assert len(got) == N
    f = flows_to(run, 5140, proto="udp")[0]
    assert {e["tuple"] for e in got} == {f["tuple"]} == shark_to(run, 5140, proto="udp")
    assert sum(e["bytes"] for e in got) == f["orig_bytes"]
    assert sum(e["bytes"] for e in run.events(role="sender", call="sendto")) == f["orig_bytes"]
