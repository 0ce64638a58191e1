"""A malformed lab file: a clear error with file and line, exit 2, nothing built.

The lab-file cases run through `portlab check`, which reads a lab exactly as
`portlab run` does but builds nothing, so they run (and must pass) as an
ordinary user too: each runs as the user running the tests and, when that
is root, again as nobody (uid 65534). One run of each case through
`portlab run` (root only) shows that a run refuses it too, before building.
"""
import os
import re
import shutil
import stat
import subprocess
import tempfile

import pytest

from portlab_harness import PORTLAB, ROOT, TWO_HOSTS, need_root, netns_names, portlab

GOOD = """\
lab tiny
title two hosts
""" + TWO_HOSTS + """run client on a: tcp_client --connect 192.0.2.2:80
expect "refused" events client connect: all errno = ECONNREFUSED
"""

CONNECT = "events client connect: all errno = ECONNREFUSED"

# (what is wrong, the file, the line it is on, words the message must hold)
CASES = [
    ("unknown statement", GOOD.replace("link a:eth0", "lnk a:eth0"), 7,
     "unknown statement 'lnk' (did you mean 'link'?)"),
    ("address outside the documentation ranges", GOOD.replace("192.0.2.1/24", "10.0.0.1/24"), 4,
     "not a documentation address"),
    ("address without prefix", GOOD.replace("192.0.2.2/24", "192.0.2.2"), 6, "needs a prefix length"),
    ("link to a missing interface", GOOD.replace("link a:eth0 b:eth0", "link a:eth0 b:eth9"), 7,
     "host 'b' has no interface 'eth9' (did you mean 'eth0'?)"),
    ("interface name too long", GOOD.replace("iface eth0 192.0.2.1/24", "iface averyveryverylongname"), 4,
     "not a valid interface name"),
    ("unknown role in expectation", GOOD.replace("events client", "events server"), 9, "no role 'server'"),
    ("misspelt role in expectation", GOOD.replace("events client", "events clinet"), 9,
     "no role 'clinet' runs in this lab (did you mean 'client'?)"),
    ("misspelt event call", GOOD.replace("client connect:", "client conect:"), 9,
     "no event has call 'conect' (did you mean 'connect'?)"),
    ("misspelt event call in a list", GOOD.replace("client connect:", "client send|recvfom:"), 9,
     "no event has call 'recvfom' (did you mean 'recvfrom'?)"),
    ("misspelt event field", GOOD.replace(CONNECT, "events client connect: none remote_prt = 7"), 9,
     "events have no field 'remote_prt' (did you mean 'remote_port'?)"),
    ("misspelt event field in a filter", GOOD.replace(CONNECT, "events client connect erno=EPERM: count = 0"), 9,
     "events have no field 'erno' (did you mean 'errno'?)"),
    ("misspelt field after a dot", GOOD.replace(CONNECT, "events client connect: all fd != .lsten_fd"), 9,
     "events have no field 'lsten_fd' (did you mean 'listen_fd'?)"),
    ("a program's tag that is not declared", GOOD.replace(CONNECT, "events client connect case=x: count = 0"), 9,
     "declared with 'tag FIELD'"),
    ("unknown check", GOOD.replace("all errno", "every errno"), 9, "unknown check 'every'"),
    ("misspelt check", GOOD.replace("all errno", "cout errno"), 9, "(did you mean 'count'?)"),
    ("unterminated quote", GOOD.replace('"refused"', '"refused'), 9, "unterminated quote"),
    ("unknown parameter", GOOD.replace("192.0.2.2:80", "192.0.2.2:${port}"), 8, "unknown parameter 'port'"),
    ("misspelt parameter", GOOD.replace("run client", "param port 80\nrun client")
     .replace("192.0.2.2:80", "192.0.2.2:${prot}"), 9, "unknown parameter 'prot' (declare it with 'param') "
     "(did you mean 'port'?)"),
    ("sysctl outside net", GOOD.replace("host b\n", "host b\n    sysctl kernel.panic = 1\n"), 6,
     "only net.* sysctls"),
    ("unattached interface", GOOD.replace("    iface eth0 192.0.2.2/24\n",
                                          "    iface eth0 192.0.2.2/24\n    iface eth1\n"), 7,
     "is on no link or segment"),
    ("misspelt flow field", GOOD.replace(CONNECT, "flows b:eth0 tcp: all connstate = REJ"), 9,
     "flows have no field 'connstate' (did you mean 'conn_state'?)"),
    ("made-up flow field", GOOD.replace(CONNECT, "flows b:eth0 tcp: all colour = red"), 9,
     "flows have no field 'colour' (fields: ts proto id.orig_h"),
    ("a number flow field compared with text", GOOD.replace(CONNECT, "flows b:eth0 tcp: all id.resp_p = http"), 9,
     "id.resp_p is a number: 'http' is not"),
    ("a text flow field in a range", GOOD.replace(CONNECT, "flows b:eth0 tcp: all history in 1-2"), 9,
     "history is text: 'in LO-HI' is for numbers"),
    ("misspelt capture interface", GOOD.replace(CONNECT, "flows b:eht0 tcp: count = 1"), 9,
     "'b:eht0': host 'b' has no interface 'eht0' (did you mean 'eth0'?)"),
    ("capture of a missing host", GOOD.replace(CONNECT, "flows c:eth0 tcp: count = 1"), 9,
     "'c:eth0': no host 'c' in this lab"),
    ("wait for a role that never started", GOOD.replace("run client", "wait server listening tcp *:80\nrun client"), 8,
     "no background program 'server'"),
    ("misspelt program", GOOD.replace("tcp_client --connect", "tcp_clinet --connect"), 8,
     "program 'tcp_clinet' not found"),
    ("misspelt step option", GOOD.replace("run client on a:", "run client on a timout 5:"), 8,
     "unknown option 'timout' (as, caps, timeout, limit) (did you mean 'timeout'?)"),
    ("host statement outside a host block", GOOD.replace("link a:eth0", "forward\nlink a:eth0"), 7,
     "'forward' belongs in a host block"),
    ("a statement with too many words", GOOD.replace("link a:eth0 b:eth0", "link a:eth0 b:eth0 c:eth0"), 7,
     "usage: link HOST:IF HOST:IF"),
    ("a NUL byte", GOOD.replace("host b\n", "host b\n    forward\0 garbage\n"), 6,
     "a NUL byte at column 12"),
    ("a control character", GOOD.replace("title two hosts", "title two\x1b[31m hosts"), 2,
     "a control character (0x1b) at column 10"),
    ("a carriage return inside a line", GOOD.replace("link a:eth0 b:eth0", "link a:eth0\rb:eth0"), 7,
     "a control character (0x0d) at column 12"),
]

# Byte-level cases: text that is not UTF-8 cannot be written as a str.
BYTE_CASES = [
    ("a Latin-1 title", GOOD.encode().replace(b"title two hosts", b"title caf\xe9"), 2,
     "byte 0xe9 at column 10 is not UTF-8"),
    ("an overlong slash", GOOD.encode().replace(b"title two hosts", b"title a\xc0\xafb"), 2,
     "byte 0xc0 at column 8 is not UTF-8"),
    ("a UTF-16 surrogate", GOOD.encode().replace(b"title two hosts", b"title \xed\xa0\x80"), 2,
     "byte 0xed at column 7 is not UTF-8"),
    ("a cut character at the end of a line", GOOD.encode().replace(b"title two hosts", b"title two \xe2\x98"), 2,
     "byte 0xe2 at column 11 is not UTF-8"),
]

USERS = ["self", "nobody"]


def left_behind(proc):
    """The namespaces that the run PROC made and left (other runs on this machine are not ours)."""
    m = re.search(r"run ([a-z0-9]+): building", proc.stderr)
    assert m, "the run never said its id: " + proc.stderr
    return {n for n in netns_names() if n.startswith("portlab-%s-" % m.group(1))}


def check_as(user, *args):
    """portlab check ARGS as the current user, or as nobody (needs root to switch)."""
    if user == "self":
        return portlab("check", *args)
    if os.geteuid() != 0:
        pytest.skip("only root can switch to nobody (setpriv)")
    if shutil.which("setpriv") is None:
        pytest.skip("setpriv (util-linux) is not installed")
    nobody = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", PORTLAB]
    if not _nobody_can_run:
        probe = subprocess.run(nobody + ["check", "--help"], capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip("nobody cannot run %s here: %s" % (PORTLAB, probe.stderr.strip()))
        _nobody_can_run.append(True)
    return subprocess.run(nobody + ["check", *args], capture_output=True, text=True, timeout=120)


_nobody_can_run = []


@pytest.fixture
def public_dir():
    """A folder that nobody can read, for lab files that nobody checks."""
    d = tempfile.mkdtemp(prefix="portlab-labfile-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d)


def write_lab(folder, data):
    path = os.path.join(folder, "lab")
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path, stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
    return path


def assert_refused(proc, lab, line, message, what=""):
    assert proc.returncode == 2, (what, proc.stdout, proc.stderr)
    assert "%s:%d: " % (lab, line) in proc.stderr, proc.stderr
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "Sanitizer" not in proc.stderr
    assert "runtime error" not in proc.stderr, proc.stderr


@pytest.mark.parametrize("user", USERS)
@pytest.mark.parametrize("what,text,line,message", CASES + BYTE_CASES,
                         ids=[c[0] for c in CASES + BYTE_CASES])
def test_bad_lab_file_is_reported_with_its_line(public_dir, user, what, text, line, message):
    lab = write_lab(public_dir, text)
    assert_refused(check_as(user, lab), lab, line, message, what)


@pytest.mark.parametrize("what,text,line,message", CASES + BYTE_CASES,
                         ids=[c[0] for c in CASES + BYTE_CASES])
def test_a_run_refuses_a_bad_lab_file_before_building(tmp_path, what, text, line, message):
    need_root()
    lab = write_lab(str(tmp_path), text)
    proc = portlab("run", lab, "--captures", str(tmp_path / "captures"))
    assert_refused(proc, lab, line, message, what)
    # a run says "run ID: building" before it builds (other tests on this
    # machine may be building their own namespaces meanwhile: no netns diff)
    assert ": building" not in proc.stderr, proc.stderr
    assert not (tmp_path / "captures").exists(), "a refused lab left a captures folder"


@pytest.mark.parametrize("user", USERS)
def test_the_good_file_passes_check(public_dir, user):
    """The file the cases above break is itself good, so each case tests one mistake."""
    lab = write_lab(public_dir, GOOD)
    proc = check_as(user, lab)
    assert proc.returncode == 0, proc.stderr
    assert "%s: ok: lab tiny, 2 hosts, 1 step, 1 expectation" % lab in proc.stdout


@pytest.mark.parametrize("user", USERS)
def test_check_passes_every_lab(user):
    labs = sorted(d for d in os.listdir(os.path.join(ROOT, "scenarios"))
                  if os.path.isfile(os.path.join(ROOT, "scenarios", d, "lab")))
    assert len(labs) >= 10
    proc = check_as(user, "--all")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    for name in labs:
        assert "/%s/lab: ok: lab %s," % (name, name) in proc.stdout, proc.stdout


def test_check_reports_every_bad_lab_and_each_wrong_expectation(public_dir):
    """Several files, several mistakes: all are named, not only the first."""
    lab = write_lab(public_dir, GOOD + 'expect "x" events clinet connect: count = 1\n'
                    'expect "y" events client conect: count = 1\n')
    proc = portlab("check", lab, "four-tuple")
    assert proc.returncode == 2
    assert "%s:10: expect: no role 'clinet'" % lab in proc.stderr
    assert "%s:11: expect: no event has call 'conect'" % lab in proc.stderr
    assert "four-tuple/lab: ok" in proc.stdout


def test_declared_tags_and_notes_are_known(public_dir):
    text = GOOD.replace(CONNECT, "events client connect case=x: count = 0\n"
                        "expect \"held\" events client holding: all connections = 0\n"
                        "tag case\nnote holding connections")
    proc = portlab("check", write_lab(public_dir, text))
    assert proc.returncode == 0, proc.stderr


def test_an_expectation_may_name_a_role_started_further_down(public_dir):
    text = GOOD.replace("run client on a:", 'expect "first" events client connect: count = 1\n'
                        "run client on a:")
    proc = portlab("check", write_lab(public_dir, text))
    assert proc.returncode == 0, proc.stderr


def test_a_valid_utf8_title_is_fine(public_dir):
    lab = write_lab(public_dir, GOOD.replace("title two hosts", "title deux hôtes ☕ 𝄞"))
    proc = portlab("check", lab)
    assert proc.returncode == 0, proc.stderr
    proc = portlab("list", "--json")
    assert proc.returncode == 0


@pytest.mark.parametrize("user", USERS)
def test_empty_missing_and_folder_lab_files_are_named(public_dir, user):
    empty = os.path.join(public_dir, "empty.lab")
    open(empty, "w").close()
    os.chmod(empty, 0o644)
    proc = check_as(user, empty)
    assert proc.returncode == 2
    assert "portlab: %s: the file is empty" % empty in proc.stderr
    missing = os.path.join(public_dir, "missing.lab")
    proc = check_as(user, missing)
    assert proc.returncode == 2
    assert missing in proc.stderr
    folder = os.path.join(public_dir, "folder")
    os.mkdir(folder)
    proc = check_as(user, folder)
    assert proc.returncode == 2
    assert "%s: no lab file there" % folder in proc.stderr
    blank = write_lab(public_dir, "# only a comment\n\n")
    proc = check_as(user, blank)
    assert proc.returncode == 2
    assert "%s: the lab has no host" % blank in proc.stderr


def test_a_misspelt_lab_name_gets_a_suggestion():
    proc = portlab("check", "refsued")
    assert proc.returncode == 2
    assert "no lab 'refsued'; did you mean 'refused'?" in proc.stderr


def test_check_without_a_lab_is_a_usage_error():
    proc = portlab("check")
    assert proc.returncode == 2
    assert "usage: portlab check" in proc.stderr
    proc = portlab("check", "--help")
    assert proc.returncode == 0
    assert "building nothing" in proc.stdout


def test_the_good_file_runs(tmp_path):
    """The file the cases above break is itself good, so each case tests one mistake."""
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(GOOD)
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "captures"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "PASS" in proc.stdout


def test_unknown_param_override_is_refused():
    need_root()
    proc = portlab("run", "four-tuple", "--param", "nosuch=1")
    assert proc.returncode == 2
    assert "no parameter 'nosuch'" in proc.stderr


def test_missing_lab_file():
    need_root()
    proc = portlab("run", "/nonexistent/lab")
    assert proc.returncode == 2
    assert "no lab file" in proc.stderr


def test_a_missing_sysctl_is_named(tmp_path):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(GOOD.replace("host b\n", "host b\n    sysctl net.ipv4.no_such_knob = 1\n"))
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    assert "sysctl net.ipv4.no_such_knob" in proc.stderr
    assert "this kernel has no such sysctl" in proc.stderr
    assert "%s:6: this sysctl cannot be set in host b" % lab in proc.stderr
    assert left_behind(proc) == set()


def test_a_bad_nft_rule_names_its_lab_line(tmp_path):
    need_root()
    if shutil.which("nft") is None:
        pytest.skip("nft is not installed")
    lab = tmp_path / "lab"
    lab.write_text(GOOD.replace("host b\n", "host b\n    nft add table inet lab\n"
                                "    nft add chian inet lab input\n"))
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    assert "%s:7: nft refused this rule of host b" % lab in proc.stderr
    assert left_behind(proc) == set()


def test_an_optional_sysctl_is_skipped_with_a_note(tmp_path):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(GOOD.replace("host b\n", "host b\n    sysctl? net.ipv4.no_such_knob = 1\n"))
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "no sysctl net.ipv4.no_such_knob" in proc.stderr


def test_a_copied_lab_finds_its_programs(tmp_path):
    """A teacher copies a lab to change it: its programs are still found."""
    need_root()
    copy = tmp_path / "my-refused"
    copy.mkdir()
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "scenarios", "refused", "lab")
    copy.joinpath("lab").write_text(open(src).read())
    proc = portlab("run", str(copy), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_distinct_of_nothing_fails(tmp_path):
    """Like all, distinct over no items proves nothing, so it fails."""
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(GOOD + 'expect "ports differ" events client accept: distinct local_port\n')
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 1
    assert "FAIL  ports differ" in proc.stdout
    assert "no events matched 'events client accept'" in proc.stdout


def test_a_bad_param_value_is_traced_to_the_option():
    need_root()
    proc = portlab("run", "four-tuple", "--param", "conns=abc")
    assert proc.returncode == 2
    assert "'abc' is not a number (this line uses --param conns)" in proc.stderr


def test_an_unknown_param_lists_the_lab_parameters():
    need_root()
    proc = portlab("run", "four-tuple", "--param", "con=3")
    assert proc.returncode == 2
    assert "no parameter 'con' in this lab (parameters: conns=2" in proc.stderr


def test_a_lab_name_with_underscores_gets_a_suggestion():
    need_root()
    proc = portlab("run", "four_tuple")
    assert proc.returncode == 2
    assert "did you mean 'four-tuple'?" in proc.stderr


def test_a_route_the_kernel_refuses_names_its_lab_line(tmp_path):
    """The gateway 198.51.100.9 is on no link of host a: ip refuses the route."""
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(GOOD.replace("host b\n", "    route 203.0.113.0/24 via 198.51.100.9\nhost b\n"))
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    assert "%s:5: the kernel refused this line" % lab in proc.stderr
    assert "Nexthop has invalid gateway" in proc.stderr
    assert left_behind(proc) == set()


@pytest.mark.parametrize("user", USERS)
def test_check_takes_params_and_names_a_misspelt_one(user):
    proc = check_as(user, "four-tuple", "--param", "conns=5")
    assert proc.returncode == 0, proc.stderr
    proc = check_as(user, "four-tuple", "--param", "con=3")
    assert proc.returncode == 2
    assert "no parameter 'con' in this lab (parameters: conns=2" in proc.stderr
    assert "(did you mean 'conns'?)" in proc.stderr
    proc = check_as(user, "four-tuple", "--param", "conns=abc")
    assert proc.returncode == 2
    assert "'abc' is not a number (this line uses --param conns)" in proc.stderr
