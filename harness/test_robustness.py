"""What a careless or hostile program or lab file cannot do to a run."""
import json
import os
import stat
import subprocess
import time

import pytest

from portlab_harness import TWO_HOSTS, need_root, netns_names, one_result, portlab

LAB = """\
lab robust
title one client, one silent server
""" + TWO_HOSTS + """run client on a: tcp_client --connect 192.0.2.2:80
"""


def script(tmp_path, name, body):
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return str(path)


def run(tmp_path, *args):
    lab = tmp_path / "lab"
    lab.write_text(LAB)
    return portlab("run", str(lab), "--json", "--captures", str(tmp_path / "c"), *args)


def run_as_lab_program(tmp_path, prog):
    """PROG as the lab's own client: untraced, its stdout read as events
    (a program given with --use is traced instead, and dies with its tracer)."""
    lab = tmp_path / "lab"
    lab.write_text(LAB.replace("tcp_client --connect 192.0.2.2:80", prog))
    return portlab("run", str(lab), "--json", "--captures", str(tmp_path / "c"))


def test_a_process_that_escapes_its_group_is_killed(tmp_path):
    need_root()
    before = netns_names()
    # the pause lets setsid happen before portlab kills the group the script leaves
    prog = script(tmp_path, "escape",
                  "setsid sleep 97.5 </dev/null >/dev/null 2>&1 &\nsleep 0.5\nexit 0\n")
    proc = run_as_lab_program(tmp_path, prog)
    res = one_result(proc.stdout, proc.stderr)
    assert proc.returncode == 1
    assert any("outlived" in p and "killed" in p for p in res["problems"]), res["problems"]
    time.sleep(0.2)
    left = subprocess.run(["pgrep", "-f", "sleep 97.5"], capture_output=True, text=True)
    assert left.stdout == ""
    assert netns_names() - before == set()


def test_garbage_output_cannot_forge_events(tmp_path):
    need_root()
    forged = '{"call":"connect","ok":true}'
    body = ("printf '%%s\\n' '{\"a\":\"\\\\u1'\n"           # \\u cut short
            "printf '{\"call\":\"connect\",\"n\":nan}\\n'\n"  # not a JSON number
            "head -c 70000 /dev/zero | tr '\\\\0' x\n"      # a line too long...
            "printf '%s\\n'\n"                               # ...whose end looks like an event
            "printf '{\"call\":\"note\",\"text\":\"\\\\u001b[31mred\"}\\n'\n" % forged)
    prog = script(tmp_path, "garbage", body)
    proc = run_as_lab_program(tmp_path, prog)
    res = one_result(proc.stdout, proc.stderr)  # still valid JSON
    calls = [e["call"] for e in res["events"] if e["role"] == "client"]
    assert "connect" not in calls, res["events"]
    [note] = [e for e in res["events"] if e["call"] == "note"]
    assert "\x1b" not in note["text"]
    assert sum("not JSON events" in n for n in res["notes"]) == 1
    assert sum("longer than" in n for n in res["notes"]) == 1


def test_programs_start_with_default_signals(tmp_path):
    """portlab ignores SIGPIPE itself; a program must not inherit that."""
    need_root()
    prog = script(tmp_path, "sigs", "grep -E '^Sig(Ign|Blk)' /proc/self/status >&2\n")
    proc = run(tmp_path, "--use", "client=%s" % prog)
    res = one_result(proc.stdout, proc.stderr)
    [client] = [p for p in res["programs"] if p["role"] == "client"]
    text = open(client["stderr"]).read()
    assert "SigIgn:\t0000000000000000" in text, text
    assert "SigBlk:\t0000000000000000" in text, text


def test_a_program_that_cannot_start_says_why(tmp_path):
    need_root()
    prog = script(tmp_path, "bad-interpreter", "")
    with open(prog, "w") as f:
        f.write("#!/nonexistent/interpreter\n")
    proc = run(tmp_path, "--use", "client=%s" % prog)
    res = one_result(proc.stdout, proc.stderr)
    assert any("cannot execute" in p and "No such file or directory" in p
               for p in res["problems"]), res["problems"]


@pytest.mark.parametrize("name", ["..", "../../tmp/x", "a/b"])
def test_a_lab_name_cannot_leave_the_captures_folder(tmp_path, name):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(LAB.replace("lab robust", "lab %s" % name))
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2
    assert "%s:1: a lab name has letters, digits, - and _ only" % lab in proc.stderr


def test_nan_is_not_a_timeout(tmp_path):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(LAB.replace("run client on a:", "run client on a timeout nan:"))
    proc = portlab("run", str(lab))
    assert proc.returncode == 2
    assert "'nan' is not a timeout in seconds" in proc.stderr
