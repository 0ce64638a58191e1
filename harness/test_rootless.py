"""Labs without root: an ordinary user (uid 65534) runs the whole catalogue in a user
namespace of its own, with captures in a folder that user owns."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile

import pytest

from portlab_harness import PORTLAB, run_lab, userns_ok

NOBODY = 65534


@pytest.fixture(scope="module")
def rootless(tmp_path_factory):
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to become an ordinary user")
    if not userns_ok():
        pytest.skip("this kernel does not let ordinary users make user namespaces")
    # pytest's own folders are root's alone (0700): the user gets one it can reach
    home = pathlib.Path(tempfile.mkdtemp(prefix="portlab-rootless-"))
    os.chmod(home, 0o755)
    os.chown(home, NOBODY, NOBODY)
    env = dict(os.environ, HOME=str(home), XDG_STATE_HOME=str(home / "state"))
    env.pop("SUDO_UID", None)
    env.pop("SUDO_GID", None)
    proc = subprocess.run(["setpriv", "--reuid=%d" % NOBODY, "--regid=%d" % NOBODY, "--clear-groups",
                           "--inh-caps=-all", PORTLAB, "run", "--all", "--json"],
                          capture_output=True, text=True, cwd=str(home), env=env, timeout=600)
    yield proc, json.loads(proc.stdout), home
    shutil.rmtree(home)


def test_every_lab_passes_or_says_why_it_is_skipped(rootless):
    proc, doc, _ = rootless
    assert proc.returncode == 0, proc.stderr[-3000:]
    labs = doc["labs"]
    assert len(labs) >= 10
    skipped = {r["lab"]: r["skipped"] for r in labs if "skipped" in r}
    # the one lab whose programs change uid says which line and why
    assert set(skipped) == {"privileged-ports"}, skipped
    assert "as user" in skipped["privileged-ports"] and "sudo" in skipped["privileged-ports"]
    ran = [r for r in labs if "skipped" not in r]
    assert len(ran) == len(labs) - 1
    for r in ran:
        assert r["passed"] is True, (r["lab"], [v for v in r["verdicts"] if not v["passed"]])


def test_rootless_verdicts_are_those_of_a_root_run(rootless):
    """The same expectations are judged either way, not fewer."""
    _, doc, _ = rootless
    [four] = [r for r in doc["labs"] if r["lab"] == "four-tuple"]
    as_root = run_lab("four-tuple")
    assert [v["text"] for v in four["verdicts"]] == [v["text"] for v in as_root.result["verdicts"]]


def test_captures_go_to_a_folder_the_user_owns(rootless):
    _, doc, home = rootless
    ran = [r for r in doc["labs"] if "skipped" not in r]
    assert ran
    for r in ran:
        assert r["dir"].startswith(str(home / "state" / "portlab")), r["dir"]
        for name in os.listdir(r["dir"]):
            assert os.stat(os.path.join(r["dir"], name)).st_uid == NOBODY, name


def test_a_rootless_run_leaves_nothing(rootless):
    """No program of the user's run goes on: they died with its PID namespace."""
    _, doc, home = rootless
    assert doc["labs"]
    left = subprocess.run(["pgrep", "-u", str(NOBODY), "-f", "%s|scenarios/" % PORTLAB],
                          capture_output=True, text=True)
    assert left.stdout == "", left.stdout
