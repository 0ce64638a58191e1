"""port-conflict: a second bind on a taken port, TIME_WAIT and SO_REUSEPORT.

The table below is what Linux 6.x answered when it was measured by hand
(python and the lab's own conflict_table, in scratch namespaces); the lab
must see the same answers again, from its events.
"""
import json
import os
import shutil
import subprocess
import sys

import pytest

from portlab_harness import need_root, one_result, portlab, run_lab, tshark_tuples

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
    "specific4-then-any6": ("EADDRINUSE", None, None),
    "specific4-then-any6-v6only": ("ok", None, "ok"),
    "loopback-then-mapped": ("EADDRINUSE", None, None),
    "mapped-then-wildcard": ("EADDRINUSE", None, None),
    "wildcard-then-mapped-v6only": ("EINVAL", None, None),
    "specific6-then-any4": ("ok", None, "ok"),
    "loopback6-then-loopback4": ("ok", None, "ok"),
    "any6-v6only-then-any6": ("EADDRINUSE", None, None),
    "any6-v6only-then-any6-v6only": ("EADDRINUSE", None, None),
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
    v6only = {("any4-then-any6-v6only", "second"), ("any6-v6only-then-any4", "first"),
              ("specific4-then-any6-v6only", "second"), ("wildcard-then-mapped-v6only", "second"),
              ("any6-v6only-then-any6", "first"), ("any6-v6only-then-any6-v6only", "first"),
              ("any6-v6only-then-any6-v6only", "second")}
    seen = 0
    for ev in run.events(role="table", call="setsockopt"):
        if not ev.get("option", "").startswith("IPV6_V6ONLY"):
            continue
        seen += 1
        on = (ev["case"], ev["sock"]) in v6only
        assert ev["option"] == ("IPV6_V6ONLY=1" if on else "IPV6_V6ONLY=0"), ev
        assert ev["ok"], ev
    assert seen == 18  # every IPv6 socket of the table says which it is


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


# ---- the whole bind table ----------------------------------------------------

ADDRESSES = ["0.0.0.0", "127.0.0.1", "192.0.2.10", "::", "::1", "2001:db8::10",
             "::ffff:127.0.0.1"]
# every address, and every IPv6 one also with IPV6_V6ONLY on
ENDPOINTS = [a + v for a in ADDRESSES for v in ([""] if ":" not in a else ["", " v6only"])]
SECTIONS = [
    "tcp: first listening", "tcp: first listening, reuseaddr on both",
    "tcp: first bound, not listening", "tcp: first bound, not listening, reuseaddr on both",
    "tcp reuseport: same user", "tcp reuseport: different users",
    "udp", "udp: reuseaddr on both", "udp reuseport: same user", "udp reuseport: different users",
]
WORDS = ("reuseaddr", "reuseport", "other-user")
REF = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                   "scenarios", LAB, "bind-table.ref")


def read_bind_table(path):
    """{section: {(first, second): result}} from a bind-table.txt or the reference."""
    table, section = {}, None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.startswith("["):
                section = line[1:-1]
                table[section] = {}
                continue
            first, second, result = [p.strip() for p in line.split("|")]
            table[section][(first, second)] = result
    return table


def bare(endpoint):
    return " ".join(w for w in endpoint.split() if w not in WORDS)


@pytest.fixture(scope="module")
def bind_table(run):
    (note,) = run.events(role="bind-table", call="bind-table")
    # written into the run folder, beside the captures
    assert os.path.dirname(note["file"]) == \
        os.path.dirname(os.path.abspath(run.pcap("server:eth0")))
    return read_bind_table(note["file"])


def test_bind_table_has_every_pair_of_every_section(bind_table):
    assert list(bind_table) == SECTIONS
    for section, cells in bind_table.items():
        assert {(bare(a), bare(b)) for a, b in cells} == \
            {(a, b) for a in ENDPOINTS for b in ENDPOINTS}, section
        assert len(cells) == len(ENDPOINTS) ** 2


def test_bind_table_labels_say_the_options(bind_table):
    for section, cells in bind_table.items():
        assert cells, section
        for first, second in cells:
            assert ("reuseaddr" in first.split()) == ("reuseaddr" in section), (section, first)
            assert ("reuseaddr" in second.split()) == ("reuseaddr" in section), (section, second)
            assert ("reuseport" in second.split()) == ("reuseport" in section), (section, second)
            assert ("other-user" in second.split()) == ("different users" in section)
            assert "other-user" not in first.split()


def test_bind_table_is_the_reference(run, bind_table):
    assert bind_table == read_bind_table(REF)
    (note,) = run.events(role="bind-table", call="bind-table")
    assert not os.path.exists(os.path.join(os.path.dirname(note["file"]),
                                           "bind-table-differences.txt"))
    v = run.verdict("the bind table is the reference table")
    assert v["passed"] and "none" in v["detail"], v


def test_bind_table_teaching_cells(bind_table):
    """The cells the handout explains, read from the measured table."""
    t = bind_table["tcp: first listening"]
    # the IPv4-mapped address takes the IPv4 port
    assert t[("0.0.0.0", "::ffff:127.0.0.1")] == "EADDRINUSE"
    assert t[("::ffff:127.0.0.1", "127.0.0.1")] == "EADDRINUSE"
    assert t[("0.0.0.0", "::ffff:127.0.0.1 v6only")] == "EINVAL"
    # a specific IPv4 address, then a dual-stack ::
    assert t[("192.0.2.10", "::")] == "EADDRINUSE"
    assert t[("192.0.2.10", ":: v6only")] == "ok"
    # a specific IPv6 address never takes IPv4
    for v6 in ("::1", "2001:db8::10", "2001:db8::10 v6only"):
        for v4 in ("0.0.0.0", "127.0.0.1", "192.0.2.10"):
            assert t[(v6, v4)] == "ok" and t[(v4, v6)] == "ok", (v6, v4)
    # V6ONLY does not help within IPv6
    assert t[(":: v6only", "::")] == "EADDRINUSE"
    assert t[("::", ":: v6only")] == "EADDRINUSE"
    assert t[(":: v6only", "::1 v6only")] == "EADDRINUSE"
    # SO_REUSEADDR only helps a first socket that is not listening yet
    r = bind_table["tcp: first bound, not listening, reuseaddr on both"]
    assert r[("192.0.2.10 reuseaddr", "192.0.2.10 reuseaddr")] == "listen EADDRINUSE"
    assert bind_table["tcp: first listening, reuseaddr on both"][
        ("192.0.2.10 reuseaddr", "192.0.2.10 reuseaddr")] == "EADDRINUSE"
    # SO_REUSEPORT shares a port between sockets of one user only
    assert bind_table["tcp reuseport: same user"][
        ("192.0.2.10 reuseport", "192.0.2.10 reuseport")] == "ok"
    assert bind_table["tcp reuseport: different users"][
        ("192.0.2.10 reuseport", "192.0.2.10 reuseport other-user")] == "EADDRINUSE"


# The same table measured again by Python's socket module, in a scratch
# network namespace of its own (unshare --net), with the server's addresses.
REMEASURE = r'''
import errno, os, socket, subprocess, sys
for cmd in ("ip link set lo up", "ip link add d0 type veth peer name d1",
            "ip addr add 192.0.2.10/24 dev d0", "ip addr add 2001:db8::10/64 dev d0 nodad",
            "ip link set d1 up", "ip link set d0 up"):
    subprocess.run(cmd.split(), check=True)
EPS = %r
SECTIONS = %r
PORT = 8080

def opened(ep, kind, opts, listens):
    addr, v6only = ep.split()[0], "v6only" in ep
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, kind)
    if "reuseaddr" in opts: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if "reuseport" in opts: s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    if fam == socket.AF_INET6: s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, int(v6only))
    stage = "bind"
    try:
        s.bind((addr, PORT))
        stage = "listen"
        if listens: s.listen(8)
        return s, None
    except OSError as e:
        s.close()
        return None, (stage, errno.errorcode[e.errno])

def as_user(other, fn):
    if other: os.seteuid(65534)
    try: return fn()
    finally:
        if other: os.seteuid(0)

for title in SECTIONS:
    print("[%%s]" %% title)
    kind = socket.SOCK_DGRAM if title.startswith("udp") else socket.SOCK_STREAM
    listens = "first listening" in title or title.startswith("tcp reuseport")
    opts = ("reuseaddr" if "reuseaddr" in title else "") + ("reuseport" if "reuseport" in title else "")
    other = "different users" in title
    for a in EPS:
        for b in EPS:
            first, err = opened(a, kind, opts, listens and kind == socket.SOCK_STREAM)
            if not first:
                res = "first " + ("listen " if err[0] == "listen" else "") + err[1]
            else:
                second, err = as_user(other, lambda: opened(b, kind, opts, False))
                res = "ok" if second else err[1]
                try:
                    if second and kind == socket.SOCK_STREAM:
                        if not listens: first.listen(8)
                        second.listen(8)
                except OSError as e:
                    res = "listen " + errno.errorcode[e.errno]
                if second: second.close()
                first.close()
            print("%%s | %%s | %%s" %% (a, b, res))
'''


def test_bind_table_agrees_with_python(bind_table):
    """An independent program on the same kernel measures the same cells."""
    need_root()
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    script = REMEASURE % (ENDPOINTS, SECTIONS)
    out = subprocess.run(["unshare", "--net", sys.executable, "-c", script],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    python, section = {}, None
    for line in out.stdout.splitlines():
        if line.startswith("["):
            section = python.setdefault(line[1:-1], {})
            continue
        a, b, r = line.split(" | ")
        section[(a, b)] = r
    assert list(python) == SECTIONS
    for title in SECTIONS:
        ours = {(bare(a), bare(b)): r for (a, b), r in bind_table[title].items()}
        assert len(ours) == len(python[title]) == len(ENDPOINTS) ** 2
        differ = {k: (ours[k], python[title][k]) for k in ours if ours[k] != python[title][k]}
        assert differ == {}, (title, differ)


def test_another_kernel_fails_with_the_differing_cells(tmp_path):
    """A reference that disagrees (as another kernel would) fails, naming the cells."""
    need_root()
    ref = tmp_path / "bind-table.ref"
    text = open(REF).read()
    changed = [("0.0.0.0 | :: v6only | ok", "0.0.0.0 | :: v6only | EADDRINUSE"),
               ("192.0.2.10 | :: | EADDRINUSE", "192.0.2.10 | :: | ok")]
    for old, new in changed:
        assert text.count("\n" + old + "\n") >= 1, old
        text = text.replace("\n" + old + "\n", "\n" + new + "\n", 1)
    ref.write_text(text)
    lab = tmp_path / "lab"
    lab.write_text(
        "lab port-conflict\n"
        "host server\n    iface eth0 192.0.2.10/24 2001:db8::10/64\n"
        "host client\n    iface eth0 192.0.2.20/24\n"
        "link client:eth0 server:eth0\n"
        "run bind-table on server as root: bind_table --addr4 192.0.2.10 --addr6 2001:db8::10"
        " --port 8080 --reference %s\n"
        "note bind-table-compare differing differences\n"
        'expect "the bind table is the reference table" '
        "events bind-table bind-table-compare: all differences = none\n" % ref)
    r = portlab("run", str(lab), "--json", "--captures", str(tmp_path / "captures"))
    assert r.returncode == 1, r.stderr[-2000:]
    (v,) = [v for v in one_result(r.stdout, r.stderr)["verdicts"]
            if v["text"] == "the bind table is the reference table"]
    assert not v["passed"]
    assert "2 of 1210 cells differ" in v["detail"], v["detail"]
    assert "[tcp: first listening] 0.0.0.0 | :: v6only | ok (reference: EADDRINUSE)" \
        in v["detail"]
    assert "[tcp: first listening] 192.0.2.10 | :: | EADDRINUSE (reference: ok)" in v["detail"]
    # every difference, however many, is also in a file of the run folder
    (run_dir,) = (tmp_path / "captures" / LAB).iterdir()
    lines = (run_dir / "bind-table-differences.txt").read_text().splitlines()
    assert lines == ["[tcp: first listening] 0.0.0.0 | :: v6only | ok (reference: EADDRINUSE)",
                     "[tcp: first listening] 192.0.2.10 | :: | EADDRINUSE (reference: ok)"]


def test_handout_grid_is_generated_from_a_measured_table(run, bind_table):
    """The handout's grid is what scripts/bind-grid makes of this run's table."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    (note,) = run.events(role="bind-table", call="bind-table")
    out = subprocess.run([sys.executable, os.path.join(root, "scripts", "bind-grid"),
                          note["file"]], capture_output=True, text=True, check=True).stdout
    with open(os.path.join(root, "docs", "labs", LAB + ".md")) as f:
        handout = f.read()
    block = handout.split("<!-- bind-grid begin -->\n")[1].split("<!-- bind-grid end -->")[0]
    # the first line names the table it was made from; the grids must match
    generated, shown = out.splitlines()[1:], block.splitlines()[1:]
    assert len([l for l in shown if l.startswith("| `")]) >= 3 * 11
    assert shown == generated


@pytest.mark.parametrize("text", [
    "192.0.2.10 then [::]: EADDRINUSE",
    "192.0.2.10 then [::] v6only: bind works",
    "127.0.0.1 then ::ffff:127.0.0.1: EADDRINUSE",
    "::ffff:127.0.0.1 then 0.0.0.0: EADDRINUSE",
    "::ffff:127.0.0.1 with V6ONLY: EINVAL",
    "2001:db8::10 then 0.0.0.0: bind works",
    "::1 then 127.0.0.1: bind works",
    "[::] v6only then [::]: EADDRINUSE",
    "[::] v6only twice: EADDRINUSE",
    "every pair of the bind table was measured",
    "the bind table is the reference table",
])
def test_named_teaching_verdicts(run, text):
    """The verdicts a teacher points at are there by name, and hold."""
    v = run.verdict(text)
    assert v["passed"], v


# ---- the review of the reference, as code -------------------------------------
# The handout's three rules, read from the kernel source (inet_bind_conflict,
# inet_rcv_saddr_equal and its IPv4/IPv6 helpers, __inet6_bind), predict
# every cell of the reference.

ALL = "all"


def covers(endpoint):
    """(IPv4 addresses, IPv6 addresses) that a socket bound to ENDPOINT takes."""
    addr, v6only = bare(endpoint).split()[0], "v6only" in endpoint.split()
    if ":" not in addr:                                  # an IPv4 socket
        return (ALL if addr == "0.0.0.0" else {addr}), set()
    if addr.startswith("::ffff:"):                      # IPv4-mapped: IPv4 for the kernel
        return {addr[len("::ffff:"):]}, set()
    if addr == "::":                                     # V6ONLY only lets IPv4 go
        return (set() if v6only else ALL), ALL
    return set(), {addr}                                # a specific IPv6 address


def meet(a, b):
    return bool(a) and bool(b) and (a is ALL or b is ALL or bool(a & b))


def overlap(first, second):
    (a4, a6), (b4, b6) = covers(first), covers(second)
    return meet(a4, b4) or meet(a6, b6)


def predict(section, first, second):
    """The second socket's answer, from the rules alone."""
    def refused(ep):  # a mapped address on a V6ONLY socket
        return "::ffff:" in ep and "v6only" in ep.split()
    if refused(first):
        return "first EINVAL"
    if refused(second):
        return "EINVAL"
    if not overlap(first, second):
        return "ok"
    both = lambda w: w in first.split() and w in second.split()  # noqa: E731
    if both("reuseport") and "other-user" not in second.split():
        return "ok"                                   # one user: the port is shared
    if both("reuseaddr"):
        if section.startswith("udp"):
            return "ok"                               # no listening state to protect
        if "not listening" in section:
            return "listen EADDRINUSE"                # bind() shares, listen() refuses
    return "EADDRINUSE"


def test_reference_follows_the_kernel_rules():
    ref = read_bind_table(REF)
    assert sum(len(c) for c in ref.values()) == len(SECTIONS) * len(ENDPOINTS) ** 2
    wrong = {(s, a, b): (r, predict(s, a, b)) for s, cells in ref.items()
             for (a, b), r in cells.items() if r != predict(s, a, b)}
    assert wrong == {}
