"""privileged-ports: EACCES below net.ipv4.ip_unprivileged_port_start.

Measured by hand first (setpriv as nobody, in scratch namespaces): a fresh
namespace has ip_unprivileged_port_start = 1024; nobody gets EACCES on 80,
1023 and on 53/udp, binds 1024 and 8080; with the sysctl at 80, 79 is
refused and 80 works; with CAP_NET_BIND_SERVICE, 80 works.
"""
import os
import shutil
import subprocess

import pytest

from portlab_harness import PORTLAB, need_root, run_lab, tshark_tuples

LAB = "privileged-ports"
SERVER = "192.0.2.80"
NOBODY = 65534


@pytest.fixture(scope="module")
def run():
    return run_lab(LAB)


def note(run, role, call):
    """The one note CALL that ROLE printed."""
    evs = run.events(role=role, call=call)
    assert len(evs) == 1, (role, call, evs)
    return evs[0]


def bind_outcome(run, role, want):
    """'ok' or the errno of ROLE's bind to WANT."""
    evs = run.events(role=role, call="bind", want=want)
    assert len(evs) == 1, (role, want, evs)
    return "ok" if evs[0]["ok"] else evs[0]["errno"]


def test_run_passes(run):
    assert run.rc == 0, run.stderr[-2000:]
    assert run.failed_verdicts() == []


def test_new_namespace_starts_at_1024(run):
    # Measured inside the lab's own namespaces, not taken from the root one.
    assert note(run, "nobody", "ip_unprivileged_port_start")["value"] == 1024
    assert note(run, "capable", "ip_unprivileged_port_start")["value"] == 1024
    assert note(run, "lowered", "ip_unprivileged_port_start")["value"] == 80


def test_nobody_is_unprivileged(run):
    for role in ("nobody", "nobody-udp", "lowered", "capable"):
        assert note(run, role, "uid")["uid"] == NOBODY, role
    assert note(run, "nobody", "cap_net_bind_service")["value"] == 0
    assert note(run, "lowered", "cap_net_bind_service")["value"] == 0
    assert note(run, "capable", "cap_net_bind_service")["value"] == 1


def test_nobody_gets_eacces_on_80_but_binds_8080(run):
    assert bind_outcome(run, "nobody", SERVER + ":80") == "EACCES"
    assert bind_outcome(run, "nobody", SERVER + ":8080") == "ok"
    (ok,) = run.events(role="nobody", call="bind", ok=True)
    assert ok["local"] == SERVER + ":8080"


def test_udp_is_privileged_too(run):
    assert bind_outcome(run, "nobody-udp", SERVER + ":53") == "EACCES"


def test_lowered_sysctl_moves_the_line(run):
    assert bind_outcome(run, "lowered", "0.0.0.0:79") == "EACCES"
    assert bind_outcome(run, "lowered", "0.0.0.0:80") == "ok"


def test_capability_allows_80(run):
    assert bind_outcome(run, "capable", SERVER + ":80") == "ok"
    assert bind_outcome(run, "capable", SERVER + ":22") == "ok"


def test_root_listens_on_well_known_ports(run):
    binds = run.events(role="services", call="bind", ok=True)
    assert {(e["service"], e["local"]) for e in binds} == {
        ("http", SERVER + ":80"), ("https", SERVER + ":443"),
        ("ssh", SERVER + ":22"), ("domain", SERVER + ":53")}
    listens = {e["service"] for e in run.events(role="services", call="listen", ok=True)}
    assert listens == {"http", "https", "ssh"}  # UDP does not listen


def test_client_reaches_each_service(run):
    conns = run.events(role="visitor", call="connect", ok=True)
    assert {e["service"]: e["remote_port"] for e in conns} == {"http": 80, "https": 443, "ssh": 22}
    for e in conns:
        # The client's own side is an ephemeral port: Linux's 32768-60999.
        assert 32768 <= e["local_port"] <= 60999, e
    accepts = run.events(role="services", call="accept", ok=True)
    assert {e["tuple"] for e in accepts} == {e["tuple"] for e in conns}


def test_tcp_services_on_the_wire(run):
    conns = {e["tuple"] for e in run.events(role="visitor", call="connect", ok=True)}
    flows = run.flows("server:eth0", "tcp")
    assert {f["tuple"] for f in flows} == conns
    assert sorted(f["id.resp_p"] for f in flows) == [22, 80, 443]
    for f in flows:
        assert f["conn_state"] == "SF", f
        assert f["orig_bytes"] > 0 and f["resp_bytes"] > 0, f
    assert tshark_tuples(run.pcap("server:eth0")) == conns


def test_dns_datagram_on_the_wire(run):
    (sent,) = run.events(role="visitor", call="sendto", service="domain", ok=True)
    (got,) = run.events(role="visitor", call="recvfrom", service="domain", ok=True)
    assert got["remote"] == SERVER + ":53"
    udp = run.flows("server:eth0", "udp")
    assert len(udp) == 1, udp
    f = udp[0]
    assert f["id.resp_h"] == SERVER and f["id.resp_p"] == 53, f
    assert f["id.orig_p"] == sent["local_port"], (f, sent)
    assert f["orig_pkts"] == 1 and f["resp_pkts"] == 1, f
    assert tshark_tuples(run.pcap("server:eth0"), proto="udp") == {
        "192.0.2.10:%d -> %s:53" % (sent["local_port"], SERVER),
        "%s:53 -> 192.0.2.10:%d" % (SERVER, sent["local_port"])}


def test_tshark_reads_a_dns_query_and_answer(run):
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    out = subprocess.run(
        ["tshark", "-n", "-r", run.pcap("server:eth0"), "-Y", "dns", "-T", "fields",
         "-e", "dns.flags.response", "-e", "dns.qry.name"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    kind = {"0": "query", "False": "query", "1": "answer", "True": "answer"}
    rows = sorted((kind[r[0]], r[1]) for r in (line.split("\t") for line in out if line))
    assert rows == [("answer", "www.example.com"), ("query", "www.example.com")], rows


def test_tshark_reads_one_a_record_in_the_answer(run):
    """The answer carries one A record: the server's own address."""
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    out = subprocess.run(
        ["tshark", "-n", "-r", run.pcap("server:eth0"), "-Y", "dns.flags.response == 1",
         "-T", "fields", "-e", "dns.count.answers", "-e", "dns.a"],
        capture_output=True, text=True, check=True).stdout.split("\n")
    rows = [line.split("\t") for line in out if line]
    assert rows == [["1", SERVER]], rows


def test_runs_from_a_folder_other_users_cannot_enter(tmp_path):
    """A clone in a home folder of mode 700/750: nobody cannot walk the path
    to the programs, yet the lab must work (portlab execs them by descriptor)."""
    need_root()
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    build = os.path.dirname(PORTLAB)
    shutil.copytree(build, home / "build", ignore=shutil.ignore_patterns("*.o", "sim"))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    shutil.copytree(os.path.join(root, "scenarios"), home / "scenarios")
    (home / "captures").mkdir()
    proc = subprocess.run([str(home / "build" / "portlab"), "run", "privileged-ports"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
