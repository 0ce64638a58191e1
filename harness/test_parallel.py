"""parallel: one server port holds n connections at once, from one host or three.

Part one: the laptop opens all n (captured on router:eth0). Part two: hosts
a, b and c share the n (captured on router:eth1). Each part is checked in
the socket API (the server's accepts, the clients' connects), on the wire
(the flows rebuilt by portlab) and by tshark, and the three must agree.

The suite runs the default n=1000 and n=10000 (a few seconds each, also
with the ASan build that `make check` uses).
"""
import resource
import subprocess
from collections import Counter

import pytest

from portlab_harness import built_program, run_lab, tshark_tuples

SERVER = "203.0.113.80:443"
# part -> (server role, client roles, the router interface that sees only this part)
PARTS = {
    "one": ("server-one", ["laptop"], "router:eth0"),
    "three": ("server-three", ["a", "b", "c"], "router:eth1"),
}
CLIENT_ADDR = {"laptop": "198.51.100.5", "a": "192.0.2.11", "b": "192.0.2.12",
               "c": "192.0.2.13"}

SIZES = [
    1000,
    10000,
]


def lab(n):
    return run_lab("parallel", params={"n": n})


def accepts(run, part):
    return run.events(role=PARTS[part][0], call="accept")


def connects(run, part):
    return [e for role in PARTS[part][1] for e in run.events(role=role, call="connect")]


def flows(run, part):
    return run.flows(PARTS[part][2], proto="tcp")


def note(run, role, call):
    """The one note CALL that ROLE printed (e.g. "holding")."""
    found = run.events(role=role, call=call)
    assert len(found) == 1, "%s printed %d %r notes" % (role, len(found), call)
    return found[0]


@pytest.mark.parametrize("n", SIZES)
def test_lab_passes(n):
    run = lab(n)
    assert run.rc == 0, run.stderr[-2000:]
    assert run.failed_verdicts() == []
    assert run.result["passed"] is True


@pytest.mark.parametrize("n", SIZES)
def test_captures_dropped_nothing(n):
    run = lab(n)
    caps = run.result["captures"]
    assert sorted(c["name"] for c in caps) == ["router:eth0", "router:eth1"]
    for cap in caps:
        assert cap["dropped"] == 0, (cap["name"], cap["dropped"])
    drop = [v for v in run.result["verdicts"] if v["check"] == "captures"]
    assert len(drop) == 1 and drop[0]["passed"], drop


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("n", SIZES)
def test_server_accepted_n_and_held_them(n, part):
    run = lab(n)
    server = PARTS[part][0]
    ok = [e for e in accepts(run, part) if e["ok"]]
    assert len(ok) == n
    assert [e for e in accepts(run, part) if not e["ok"]] == []
    # each accepted connection is a socket of its own, beside the listening one
    assert len({e["fd"] for e in ok}) == n
    assert all(e["fd"] != e["listen_fd"] for e in ok)
    holding = note(run, server, "holding")
    assert holding["connections"] == n
    assert holding["seq"] > max(e["seq"] for e in ok)
    # the server raised its soft RLIMIT_NOFILE to the hard limit
    assert note(run, server, "rlimit-nofile")["soft"] == resource.getrlimit(resource.RLIMIT_NOFILE)[1]


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("n", SIZES)
def test_accept_queue_stays_within_the_backlog(n, part):
    """listen(fd, n) is capped by net.core.somaxconn, 4096 in a new namespace;
    the epoll server keeps the queue of finished handshakes far below it."""
    run = lab(n)
    server = PARTS[part][0]
    limit = note(run, server, "backlog")["limit"]
    peak = note(run, server, "queue-peak")["connections"]
    assert limit == min(n, 4096)
    assert 0 < peak <= limit
    # so no SYN was refused for want of room. At n=1000 none is even sent
    # twice; at n=10000, while three clients start at once, some first SYNs
    # are lost before the server's queue (measured: 0-48% of them, with the
    # plain build too, more on a loaded machine) and resent after 1 s; a
    # very few are lost twice and resent again after 2 s more. Each flow
    # still opens: the lesson is the queue, asserted above.
    syns = Counter(f["syn_count"] for f in flows(run, part))
    assert sum(syns.values()) == n
    assert set(syns) <= ({1} if n <= 1000 else {1, 2, 3}), syns


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("n", SIZES)
def test_clients_connected_n_at_once(n, part):
    run = lab(n)
    evs = connects(run, part)
    assert [e for e in evs if not e["ok"]] == []
    assert len(evs) == n
    roles = PARTS[part][1]
    per_role = Counter(e["role"] for e in evs)
    # --share K/3: the n split as evenly as it goes
    assert sorted(per_role.values()) == sorted(n // len(roles) + (i < n % len(roles))
                                               for i in range(len(roles)))
    for role in roles:
        mine = [e for e in evs if e["role"] == role]
        assert {e["local_addr"] for e in mine} == {CLIENT_ADDR[role]}
        assert note(run, role, "holding")["connections"] == len(mine)


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("n", SIZES)
def test_every_tuple_distinct_one_server_endpoint(n, part):
    run = lab(n)
    acc = [e["tuple"] for e in accepts(run, part) if e["ok"]]
    con = [e["tuple"] for e in connects(run, part)]
    wire = [f["tuple"] for f in flows(run, part)]
    for tuples in (acc, con, wire):
        assert len(tuples) == n
        assert len(set(tuples)) == n, "a four-tuple repeats"
        assert {t.split(" -> ")[1] for t in tuples} == {SERVER}
    assert {e["local"] for e in accepts(run, part)} == {SERVER}
    assert {e["remote"] for e in connects(run, part)} == {SERVER}
    assert len(flows(run, part)) == n
    assert all(f["conn_state"] == "SF" and f["syn_count"] >= 1 for f in flows(run, part))


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("n", SIZES)
def test_client_server_wire_and_tshark_agree(n, part):
    run = lab(n)
    client = {e["tuple"] for e in connects(run, part)}
    server = {e["tuple"] for e in accepts(run, part) if e["ok"]}
    wire = {f["tuple"] for f in flows(run, part)}
    shark = tshark_tuples(run.pcap(PARTS[part][2]))
    assert len(client) == n
    assert client == server
    assert server == wire
    assert wire == shark


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("n", SIZES)
def test_all_n_open_at_the_same_instant_on_the_wire(n, part):
    """When the server says it holds n, every flow has begun and none has ended."""
    run = lab(n)
    t = note(run, PARTS[part][0], "holding")["t"]
    wire = flows(run, part)
    assert len(wire) == n
    for f in wire:
        assert f["ts"] <= t <= f["ts"] + f["duration"], f


@pytest.mark.parametrize("n", SIZES)
def test_one_host_source_ports_are_even_and_in_linux_range(n):
    """Measured: Linux picks from 32768-60999 (not 49152-65535), and connect()
    takes even ports while half the range is free (odd ones are left to bind)."""
    run = lab(n)
    ports = [e["local_port"] for e in connects(run, "one")]
    assert len(set(ports)) == n
    assert all(32768 <= p <= 60999 for p in ports)
    assert all(p % 2 == 0 for p in ports)


@pytest.mark.parametrize("n", SIZES)
def test_three_hosts_three_source_addresses_on_the_wire(n):
    run = lab(n)
    wire = flows(run, "three")
    assert {f["id.orig_h"] for f in wire} == {CLIENT_ADDR[r] for r in PARTS["three"][1]}
    assert {f["id.orig_h"] for f in flows(run, "one")} == {CLIENT_ADDR["laptop"]}


def _program(name):
    return built_program("parallel", name)


@pytest.mark.parametrize("prog,args", [
    ("parallel_server", ["--listen", "127.0.0.1:1", "--accept"]),
    ("parallel_client", ["--connect", "127.0.0.1:1", "--count"]),
])
def test_too_many_for_the_descriptor_limit_fails_clearly(prog, args):
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard == resource.RLIM_INFINITY:
        pytest.skip("RLIMIT_NOFILE has no hard limit here")
    proc = subprocess.run([_program(prog), *args, str(hard)],
                          capture_output=True, text=True, timeout=10)
    assert proc.returncode == 1
    assert "RLIMIT_NOFILE" in proc.stderr
    assert "hard limit of %d" % hard in proc.stderr
    assert proc.stdout.count("\n") <= 1  # stopped before any socket call


@pytest.mark.parametrize("prog,args", [
    ("parallel_server", ["--listen", "127.0.0.1:1"]),
    ("parallel_client", ["--connect", "127.0.0.1:1", "--count", "3", "--share", "4/3"]),
])
def test_usage_errors_exit_2(prog, args):
    proc = subprocess.run([_program(prog), *args], capture_output=True, text=True,
                          timeout=10)
    assert proc.returncode == 2
    assert proc.stderr
