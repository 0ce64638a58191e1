"""The portlab command: usage, exit statuses, list, and a clear word when root is missing."""
import json
import os
import shutil
import subprocess

import pytest

from portlab_harness import PORTLAB, portlab


def test_help_lists_the_commands():
    proc = portlab("--help")
    assert proc.returncode == 0
    for cmd in ("run", "list", "flows", "clean"):
        assert "\n  %s " % cmd in proc.stdout


def test_unknown_command_is_a_usage_error():
    proc = portlab("frobnicate")
    assert proc.returncode == 2
    assert "unknown command 'frobnicate'" in proc.stderr


@pytest.mark.parametrize("args", [["run"], ["run", "--nosuch"], ["run", "--all", "four-tuple"],
                                  ["run", "--param", "novalue", "four-tuple"], ["list", "--nosuch"]])
def test_bad_options_are_usage_errors(args):
    proc = portlab(*args)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.strip(), "a usage error must say something"


def test_run_help():
    proc = portlab("run", "--help")
    assert proc.returncode == 0
    assert "--param NAME=VALUE" in proc.stdout


def test_list_shows_the_labs_with_titles():
    proc = portlab("list")
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()[1:] if line.strip()]
    assert "four-tuple" in names and "refused" in names
    labs = json.loads(portlab("list", "--json").stdout)
    by_name = {lab["name"]: lab for lab in labs}
    assert "source port" in by_name["four-tuple"]["title"]
    # every lab in scenarios/ has a title that says what it shows
    assert all(lab["title"] for lab in labs), [lab["name"] for lab in labs if not lab["title"]]


def test_root_without_capabilities_says_what_is_missing():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to drop every capability")
    proc = subprocess.run(["setpriv", "--bounding-set=-all", "--inh-caps=-all", PORTLAB, "run",
                           "four-tuple"], capture_output=True, text=True)
    assert proc.returncode == 3, proc.stderr
    assert "CAP_NET_ADMIN" in proc.stderr and "root lacks" in proc.stderr, proc.stderr
