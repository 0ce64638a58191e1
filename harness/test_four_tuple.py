"""four-tuple: two connections from one laptop to server:443 differ only in source port."""
import pytest

from portlab_harness import run_lab, tshark_tuples


@pytest.fixture(scope="module")
def run():
    return run_lab("four-tuple")


def tuples(events):
    return {e["tuple"] for e in events}


def test_every_expectation_holds(run):
    assert run.rc == 0, run.failed_verdicts() or run.stderr
    assert run.failed_verdicts() == []
    assert run.result["passed"] is True


def test_both_connects_reach_server_443(run):
    conns = run.events("client", "connect", ok=True)
    assert len(conns) == 2
    assert {c["remote"] for c in conns} == {"203.0.113.80:443"}
    assert {c["local_addr"] for c in conns} == {"198.51.100.5"}


def test_source_ports_differ_and_are_ephemeral(run):
    ports = [c["local_port"] for c in run.events("client", "connect", ok=True)]
    assert len(set(ports)) == 2
    lo, hi = int(run.result["params"]["port_lo"]), int(run.result["params"]["port_hi"])
    assert all(lo <= p <= hi for p in ports), ports


def test_accepted_sockets_are_not_the_listener(run):
    listen = run.events("server", "listen", ok=True)
    accepts = run.events("server", "accept", ok=True)
    assert len(listen) == 1 and len(accepts) == 2
    assert {a["listen_fd"] for a in accepts} == {listen[0]["fd"]}
    assert all(a["fd"] != listen[0]["fd"] for a in accepts)
    assert len({a["fd"] for a in accepts}) == 2
    # every accepted socket has the listener's local address and port
    assert {a["local"] for a in accepts} == {listen[0]["local"]}


def test_client_server_and_wire_agree(run):
    client = tuples(run.events("client", "connect", ok=True))
    server = tuples(run.events("server", "accept", ok=True))
    assert len(client) == 2
    assert client == server
    for cap in ("laptop:eth0", "router:eth0", "router:eth1", "server:eth0"):
        wire = {f["tuple"] for f in run.flows(cap, "tcp")}
        assert wire == client, cap


def test_tshark_reads_the_same_tuples(run):
    client = tuples(run.events("client", "connect", ok=True))
    assert len(client) == 2
    for cap in ("router:eth0", "router:eth1"):
        assert tshark_tuples(run.pcap(cap)) == client, cap


def test_connections_close_normally_and_nothing_is_dropped(run):
    flows = run.flows("router:eth1", "tcp")
    assert len(flows) == 2
    for f in flows:
        assert f["conn_state"] == "SF"
        assert f["history"].startswith("ShA")
    assert len(run.result["captures"]) == 4
    for cap in run.result["captures"]:
        assert cap["dropped"] == 0
        assert cap["written"] > 0


def test_a_narrow_port_range_is_honoured():
    run = run_lab("four-tuple", params={"conns": 5, "port_lo": 40000, "port_hi": 40009})
    assert run.rc == 0, run.failed_verdicts()
    ports = {c["local_port"] for c in run.events("client", "connect", ok=True)}
    assert len(ports) == 5
    assert all(40000 <= p <= 40009 for p in ports), ports


def test_every_event_of_a_connection_names_it_from_the_client(run):
    """A server's send and recv, a client's recv: the tuple is always
    written from the side that opened the connection, as on the wire."""
    client = tuples(run.events("client", "connect", ok=True))
    for role, call in (("server", "send"), ("server", "recv"), ("client", "recv"), ("client", "send")):
        assert tuples(run.events(role, call, ok=True)) == client, (role, call)


def test_events_are_in_time_order(run):
    evs = run.result["events"]
    assert [e["seq"] for e in evs] == list(range(1, len(evs) + 1))
    assert all(a["t"] <= b["t"] for a, b in zip(evs, evs[1:]))
    # the server listens before the client connects, and accepts after it
    first = {}
    for e in evs:
        first.setdefault((e["role"], e["call"]), e["seq"])
    assert first[("server", "listen")] < first[("client", "connect")]


def test_one_pcapng_holds_every_interface_by_name(run):
    """run.pcapng: all captures in time order, each interface named host:iface."""
    import shutil
    import subprocess
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    out = subprocess.run(["tshark", "-r", run.result["pcapng"], "-T", "fields",
                          "-e", "frame.interface_name", "-e", "frame.time_epoch"],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    rows = [line.split("\t") for line in out if line]
    counts = {}
    for name, _ in rows:
        counts[name] = counts.get(name, 0) + 1
    assert counts == {c["name"]: c["written"] for c in run.result["captures"]}
    times = [float(t) for _, t in rows]
    assert times == sorted(times)


def test_flows_on_the_run_pcapng_gives_one_table_per_interface(run):
    from portlab_harness import portlab
    proc = portlab("flows", run.result["pcapng"])
    assert proc.returncode == 0 and proc.stderr == ""
    for cap in run.result["captures"]:
        assert "%s, interface %s\n" % (run.result["pcapng"], cap["name"]) in proc.stdout
    assert proc.stdout.count("2 flows,") == 4
    one = portlab("flows", run.pcap("router:eth0"))
    assert one.returncode == 0 and "interface" not in one.stdout