"""The man pages portlab(1) and portlab-lab(5): they render without a warning and cover what they must."""
import os
import re
import shutil
import subprocess

import pytest

from portlab_harness import ROOT, LabRun, need_root, portlab

PAGES = [os.path.join(ROOT, "docs", "portlab.1"), os.path.join(ROOT, "docs", "portlab-lab.5")]


def render(page):
    """The page as `man -l` shows it at 80 columns; fails on any groff warning."""
    if shutil.which("man") is None or shutil.which("groff") is None:
        pytest.skip("needs man-db and groff-base (scripts/install-deps installs them)")
    env = dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0", LC_ALL="C.UTF-8")
    groff = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True, text=True)
    assert groff.returncode == 0 and groff.stderr == "", groff.stderr
    man = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True, env=env)
    assert man.returncode == 0 and man.stderr == "", man.stderr
    # col -b strips the overstrikes man leaves when its output is not a terminal
    text = subprocess.run(["col", "-bx"], input=man.stdout, capture_output=True, text=True).stdout
    assert text.strip(), "man printed nothing"
    return text


@pytest.mark.parametrize("page", PAGES, ids=os.path.basename)
def test_renders_without_warnings(page):
    text = render(page)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_portlab_1_covers_every_command_and_option():
    text = render(PAGES[0])
    commands = [line.split()[0] for line in portlab("--help").stdout.splitlines()
                if line.startswith("  ") and line.strip()]
    assert "doctor" in commands
    for cmd in commands:
        assert "portlab %s" % cmd in text, cmd
        options = set(re.findall(r"--[a-z][a-z-]*", portlab(cmd, "--help").stdout)) - {"--help"}
        for opt in options:
            assert opt in text, "%s %s is not in portlab(1)" % (cmd, opt)
    for word in ("EXIT STATUS", "ENVIRONMENT", "FILES", "PORTLAB_SCENARIOS", "NO_COLOR",
                 "SUDO_UID", "--version", "portlab-lab(5)"):
        assert word in text, word
    for status in ("0", "1", "2", "3", "128+N"):
        assert re.search(r"^       %s\s" % re.escape(status), text, re.M), status


def test_portlab_lab_5_covers_every_statement_of_the_format_reference():
    text = render(PAGES[1])
    with open(os.path.join(ROOT, "docs", "lab-format.md")) as f:
        reference = f.read()
    # the first word of each statement in the table of docs/lab-format.md
    table = reference[reference.index("## Statements"):reference.index("Step options")]
    statements = set(re.findall(r"^\| `\s*([a-z?]+)", table, re.M))
    assert len(statements) >= 15, statements
    for word in statements:
        assert re.search(r"^ +%s( |$)" % re.escape(word), text, re.M), word
    for word in ("as USER", "caps CAP", "timeout SECONDS", "count OP N", "distinct FIELD",
                 "same FIELD as SUBJECT", "conn_state", "192.0.2.0/24", "portlab(1)"):
        assert word in text, word


def test_the_example_of_portlab_lab_5_is_a_lab_that_passes(tmp_path):
    need_root()
    text = render(PAGES[1])
    example = text[text.index("\nEXAMPLES\n"):text.index("\nRESTRICTIONS\n")]
    lines = example.splitlines()[2:]
    indent = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    lab = tmp_path / "two-conns" / "lab"
    lab.parent.mkdir()
    lab.write_text("\n".join(line[indent:] for line in lines) + "\n")
    run = LabRun(portlab("run", "--json", "--captures", str(tmp_path / "captures"), str(lab)))
    assert run.rc == 0, run.stdout[-2000:] + run.stderr[-2000:]
    assert len(run.result["verdicts"]) >= 3
    assert run.failed_verdicts() == []
