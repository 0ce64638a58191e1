"""Bash completion (scripts/portlab.bash): sourced in a real bash, asked as bash would ask."""
import json
import os
import shutil
import subprocess

import pytest

from portlab_harness import PORTLAB, ROOT, portlab

SCRIPT = os.path.join(ROOT, "scripts", "portlab.bash")


def complete(*words, cwd=None):
    """COMPREPLY for the command line WORDS, the last word being the one to complete."""
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    words = [PORTLAB, *words]
    script = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); '
              'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _portlab; '
              'printf "%s\\n" "${COMPREPLY[@]}"')
    proc = subprocess.run(["bash", "--norc", "--noprofile", "-c", script, "bash", SCRIPT, *words],
                          capture_output=True, text=True, cwd=cwd, timeout=60)
    assert proc.returncode == 0 and not proc.stderr, proc.stderr
    return sorted(line for line in proc.stdout.splitlines() if line)


def test_it_registers_itself_for_portlab():
    out = subprocess.run(["bash", "--norc", "-c", 'source "$1"; complete -p portlab', "bash", SCRIPT],
                         capture_output=True, text=True)
    assert out.stdout.strip() == "complete -F _portlab portlab", out.stdout + out.stderr


def test_commands_are_those_of_portlab_help():
    listed = [line.split()[0] for line in portlab("--help").stdout.splitlines()
              if line.startswith("  ") and line.strip()]
    assert "run" in listed and "doctor" in listed
    assert complete("") == sorted(listed + ["--help", "--version"])
    assert complete("do") == ["doctor", "down"]
    assert complete("--v") == ["--version"]


def test_lab_names_come_from_portlab_list():
    names = sorted(lab["name"] for lab in json.loads(portlab("list", "--json").stdout))
    assert names, "portlab list shows no labs"
    assert complete("run", "") == names
    assert complete("run", "four") == ["four-tuple"]
    assert complete("run", "--verbose", "refused-") == ["refused-vs-unreachable"]


def test_each_command_completes_its_own_options():
    assert complete("run", "--j") == ["--json", "--junit"]
    assert complete("clean", "--") == ["--force", "--help", "--json"]
    assert complete("doctor", "--") == ["--help", "--json"]
    assert complete("list", "--") == ["--exercises", "--help", "--json"]
    assert complete("up", "--n") == ["--name"]


def test_files_where_a_command_takes_files(tmp_path):
    for name in ("a.pcap", "b.pcapng", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    prefix = str(tmp_path) + "/"
    # flows takes captures: pcap and pcapng files, and folders to go into
    assert complete("flows", prefix) == [prefix + "a.pcap", prefix + "b.pcapng", prefix + "sub/"]
    # --junit writes any file; --captures wants a folder
    assert prefix + "notes.txt" in complete("run", "--junit", prefix)
    assert complete("run", "--captures", prefix) == [prefix + "sub"]
    # a lab given by path, and the program of --use ROLE=PATH (bash splits at '=')
    assert prefix + "notes.txt" in complete("run", prefix)
    assert complete("run", "--use", "client", "=", prefix + "no") == [prefix + "notes.txt"]


def test_labs_that_are_up_and_their_hosts(tmp_path):
    """shell, exec, capture, run-step and down complete the labs that are up, then their hosts."""
    from portlab_harness import need_labs
    need_labs()
    name = "comp-%d" % os.getpid()
    up = portlab("up", "four-tuple", "--name", name, "--captures", str(tmp_path))
    assert up.returncode == 0, up.stderr
    try:
        assert name in complete("down", "comp-")
        assert name in complete("shell", "")
        assert complete("shell", name, "") == ["laptop", "router", "server"]
        assert complete("capture", name, "ro") == ["router:"]
    finally:
        portlab("down", name)
    assert name not in complete("down", "")
