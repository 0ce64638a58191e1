"""--use ROLE=PATH: any role's program can be swapped, e.g. for a student's."""
import json
import os
import shutil
import stat

from portlab_harness import PORTLAB, need_root, one_result, portlab


def tool(name):
    return os.path.join(os.path.dirname(PORTLAB), "scenarios", "tools", name)


def test_a_copy_of_the_reference_program_passes(tmp_path):
    need_root()
    student = tmp_path / "student_client"
    shutil.copy(tool("tcp_client"), student)
    proc = portlab("run", "four-tuple", "--json", "--use", "client=%s" % student,
                   "--captures", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stderr
    res = one_result(proc.stdout, proc.stderr)
    [client] = [p for p in res["programs"] if p["role"] == "client"]
    assert client["program"] == str(student)


def test_a_program_that_does_nothing_fails_the_lab(tmp_path):
    need_root()
    student = tmp_path / "lazy_client"
    student.write_text("#!/bin/sh\necho 'I did not connect' >&2\nexit 0\n")
    student.chmod(student.stat().st_mode | stat.S_IXUSR)
    proc = portlab("run", "four-tuple", "--use", "client=%s" % student,
                   "--captures", str(tmp_path / "c"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "FAIL  every connect succeeds" in proc.stdout
    assert "0 events (want = 2)" in proc.stdout
    # the server waited for clients that never came: its timeout is reported too
    assert "did not finish within" in proc.stdout


def test_use_needs_an_executable(tmp_path):
    need_root()
    proc = portlab("run", "four-tuple", "--use", "client=%s" % (tmp_path / "missing"))
    assert proc.returncode == 2
    assert "not an executable file" in proc.stderr


def test_a_misspelt_role_is_refused():
    need_root()
    proc = portlab("run", "four-tuple", "--use", "clinet=/bin/false")
    assert proc.returncode == 2
    assert "has no role 'clinet' (roles: server client)" in proc.stderr
