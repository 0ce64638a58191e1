"""The Debian package: builds with dpkg-buildpackage, passes lintian, installs, runs every lab, removes cleanly.

Slow (about a minute and a half: the build, then every lab) and it installs a
package on the machine, so it runs only with PORTLAB_SLOW_TESTS=1.
"""
import glob
import json
import os
import shutil
import subprocess

import pytest

from portlab_harness import ROOT, need_root

pytestmark = pytest.mark.skipif(os.environ.get("PORTLAB_SLOW_TESTS") != "1",
                                reason="slow and installs a package: set PORTLAB_SLOW_TESTS=1")


def sh(*args, cwd=None, timeout=900):
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=timeout,
                          env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def installed():
    proc = sh("dpkg-query", "-W", "-f=${Status}", "portlab")
    return proc.returncode == 0 and "installed" in proc.stdout and "not-installed" not in proc.stdout


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    need_root()
    for tool, package in (("dpkg-buildpackage", "dpkg-dev"), ("dh", "debhelper")):
        if shutil.which(tool) is None:
            pytest.skip("needs %s (apt-get install %s)" % (tool, package))
    if installed():
        pytest.skip("a portlab package is installed here already: this test would replace it")
    out = tmp_path_factory.mktemp("deb")
    proc = sh(os.path.join(ROOT, "scripts", "build-deb"), str(out))
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    debs = glob.glob(str(out / "portlab_*.deb"))
    assert len(debs) == 1, debs
    return debs[0]


def test_lintian_finds_no_error(deb):
    if shutil.which("lintian") is None:
        pytest.skip("needs lintian")
    proc = sh("lintian", deb)
    errors = [line for line in proc.stdout.splitlines() if line.startswith("E:")]
    assert errors == [], proc.stdout


def test_the_package_installs_runs_every_lab_and_removes_cleanly(deb, tmp_path):
    contents = sh("dpkg-deb", "-c", deb).stdout.splitlines()
    files = ["/" + line.split()[5].lstrip("./") for line in contents if not line.startswith("d")]
    assert "/usr/bin/portlab" in files and "/usr/share/man/man5/portlab-lab.5.gz" in files
    assert any(f.startswith("/usr/lib/portlab/scenarios/tools/") for f in files), files
    proc = sh("dpkg", "-i", deb)
    try:
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert all(os.path.exists(f) for f in files), [f for f in files if not os.path.exists(f)]
        env = {k: v for k, v in os.environ.items() if k != "PORTLAB_SCENARIOS"}
        version = sh("/usr/bin/portlab", "--version").stdout
        rev = sh("git", "-C", ROOT, "describe", "--always", "--dirty").stdout.strip()
        assert version.startswith("portlab ") and (not rev or "(git %s)" % rev in version), version
        doctor = subprocess.run(["/usr/bin/portlab", "doctor", "--json"], capture_output=True,
                                text=True, cwd=tmp_path, env=env, timeout=120)
        assert doctor.returncode == 0, doctor.stdout
        checks = {c["check"]: c for c in json.loads(doctor.stdout)["checks"]}
        assert "/usr/share/portlab/scenarios" in checks["labs"]["found"]
        run = subprocess.run(["/usr/bin/portlab", "run", "--all", "--json"], capture_output=True,
                             text=True, cwd=tmp_path, env=env, timeout=600)
        labs = json.loads(run.stdout)["labs"]
        assert len(labs) == len(glob.glob(os.path.join(ROOT, "scenarios", "*", "lab"))), labs
        assert run.returncode == 0, [(lab["lab"], lab.get("error")) for lab in labs
                                     if not lab.get("passed")]
    finally:
        removed = sh("dpkg", "-r", "portlab")
        purged = sh("dpkg", "-P", "portlab")
    assert removed.returncode == 0 and purged.returncode == 0, removed.stderr + purged.stderr
    assert not installed()
    assert [f for f in files if os.path.lexists(f)] == []
    for folder in ("/usr/share/portlab", "/usr/lib/portlab", "/usr/share/doc/portlab"):
        assert not os.path.exists(folder), folder
