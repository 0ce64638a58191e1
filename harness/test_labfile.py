"""A malformed lab file: a clear error with file and line, exit 2, nothing built."""
import os
import shutil

import pytest

from portlab_harness import TWO_HOSTS, need_root, netns_names, portlab

GOOD = """\
lab tiny
title two hosts
""" + TWO_HOSTS + """run client on a: tcp_client --connect 192.0.2.2:80
expect "refused" events client connect: all errno = ECONNREFUSED
"""

# (what is wrong, the file, the line it is on, words the message must hold)
CASES = [
    ("unknown statement", GOOD.replace("link a:eth0", "lnk a:eth0"), 7, "unknown statement 'lnk'"),
    ("address outside the documentation ranges", GOOD.replace("192.0.2.1/24", "10.0.0.1/24"), 4,
     "not a documentation address"),
    ("address without prefix", GOOD.replace("192.0.2.2/24", "192.0.2.2"), 6, "needs a prefix length"),
    ("link to a missing interface", GOOD.replace("link a:eth0 b:eth0", "link a:eth0 b:eth9"), 7,
     "host 'b' has no interface 'eth9'"),
    ("interface name too long", GOOD.replace("iface eth0 192.0.2.1/24", "iface averyveryverylongname"), 4,
     "not a valid interface name"),
    ("unknown role in expectation", GOOD.replace("events client", "events server"), 9, "no role 'server'"),
    ("unknown check", GOOD.replace("all errno", "every errno"), 9, "unknown check 'every'"),
    ("unterminated quote", GOOD.replace('"refused"', '"refused'), 9, "unterminated quote"),
    ("unknown parameter", GOOD.replace("192.0.2.2:80", "192.0.2.2:${port}"), 8, "unknown parameter 'port'"),
    ("sysctl outside net", GOOD.replace("host b\n", "host b\n    sysctl kernel.panic = 1\n"), 6,
     "only net.* sysctls"),
    ("unattached interface", GOOD.replace("    iface eth0 192.0.2.2/24\n",
                                          "    iface eth0 192.0.2.2/24\n    iface eth1\n"), 7,
     "is on no link or segment"),
    ("misspelt flow field", GOOD.replace("events client connect: all errno = ECONNREFUSED",
                                         "flows b:eth0 tcp: all connstate = REJ"), 9,
     "flows have no field 'connstate'"),
    ("wait for a role that never started", GOOD.replace("run client", "wait server listening tcp *:80\nrun client"), 8,
     "no background program 'server'"),
]


@pytest.mark.parametrize("what,text,line,message", CASES, ids=[c[0] for c in CASES])
def test_bad_lab_file_is_reported_with_its_line(tmp_path, what, text, line, message):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(text)
    before = netns_names()
    proc = portlab("run", str(lab))
    assert proc.returncode == 2, (what, proc.stdout, proc.stderr)
    assert "%s:%d: " % (lab, line) in proc.stderr, proc.stderr
    assert message in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "AddressSanitizer" not in proc.stderr
    assert netns_names() - before == set()
    assert not (tmp_path / "captures").exists()


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
    before = netns_names()
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    assert "sysctl net.ipv4.no_such_knob" in proc.stderr
    assert "this kernel has no such sysctl" in proc.stderr
    assert "%s:6: this sysctl cannot be set in host b" % lab in proc.stderr
    assert netns_names() - before == set()


def test_a_bad_nft_rule_names_its_lab_line(tmp_path):
    need_root()
    if shutil.which("nft") is None:
        pytest.skip("nft is not installed")
    lab = tmp_path / "lab"
    lab.write_text(GOOD.replace("host b\n", "host b\n    nft add table inet lab\n"
                                "    nft add chian inet lab input\n"))
    before = netns_names()
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    assert "%s:7: nft refused this rule of host b" % lab in proc.stderr
    assert netns_names() - before == set()


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
    before = netns_names()
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    assert "%s:5: the kernel refused this line" % lab in proc.stderr
    assert "Nexthop has invalid gateway" in proc.stderr
    assert netns_names() - before == set()
