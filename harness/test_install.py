"""make install / make uninstall: the installed portlab finds its labs and programs, and uninstall leaves no file."""
import json
import os
import shutil
import subprocess

import pytest

from portlab_harness import PORTLAB, ROOT, LabRun, need_root, netns_names

PREFIX = "/usr/local"


def make(target, destdir):
    """make TARGET into DESTDIR, with the build of the portlab under test (O and SAN as it was built)."""
    if shutil.which("make") is None:
        pytest.skip("needs make")
    build = os.path.dirname(PORTLAB)
    if not os.path.isdir(os.path.join(build, "sim")):
        pytest.skip("%s is not a build folder of this tree (make O=DIR)" % build)
    with open(PORTLAB, "rb") as f:
        san = b"__asan_init" in f.read()
    args = ["make", "-s", "-C", ROOT, target, "O=" + build, "PREFIX=" + PREFIX,
            "DESTDIR=" + str(destdir)] + (["SAN=1"] if san else [])
    proc = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


def files_under(root):
    return sorted(os.path.relpath(os.path.join(d, f), root)
                  for d, _, names in os.walk(root) for f in names)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    destdir = tmp_path_factory.mktemp("destdir")
    make("install", destdir)
    yield destdir
    make("uninstall", destdir)


def run_installed(destdir, *args, cwd):
    env = {k: v for k, v in os.environ.items() if k != "PORTLAB_SCENARIOS"}
    return subprocess.run([str(destdir) + PREFIX + "/bin/portlab", *args], capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=300)


def test_install_puts_each_kind_of_file_where_debian_expects_it(installed):
    files = files_under(str(installed) + PREFIX)
    assert files, "make install installed nothing"
    for path in ("bin/portlab", "lib/portlab/scenarios/tools/tcp_server",
                 "lib/portlab/scenarios/refused-vs-unreachable/try_connect",
                 "share/portlab/scenarios/four-tuple/lab", "share/portlab/scenarios/lib/report.h",
                 "share/doc/portlab/README.md", "share/doc/portlab/docs/labs/four-tuple.md",
                 "share/man/man1/portlab.1", "share/man/man5/portlab-lab.5",
                 "share/bash-completion/completions/portlab"):
        assert path in files, path
    # programs are architecture-dependent: none under share/
    for path in files:
        with open(os.path.join(str(installed) + PREFIX, path), "rb") as f:
            elf = f.read(4) == b"\x7fELF"
        assert elf == (path.startswith("bin/") or path.startswith("lib/")), path
    # every lab of the source tree is installed
    labs = sorted(d for d in os.listdir(os.path.join(ROOT, "scenarios"))
                  if os.path.exists(os.path.join(ROOT, "scenarios", d, "lab")))
    assert labs and all("share/portlab/scenarios/%s/lab" % lab in files for lab in labs)


def test_the_installed_portlab_finds_its_labs_without_portlab_scenarios(installed, tmp_path):
    proc = run_installed(installed, "list", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = sorted(lab["name"] for lab in json.loads(proc.stdout))
    want = sorted(d for d in os.listdir(os.path.join(ROOT, "scenarios"))
                  if os.path.exists(os.path.join(ROOT, "scenarios", d, "lab")))
    assert names == want
    doctor = json.loads(run_installed(installed, "doctor", "--json", cwd=tmp_path).stdout)
    labs = {c["check"]: c for c in doctor["checks"]}["labs"]
    assert labs["status"] == "OK", labs
    assert str(installed) + PREFIX + "/share/portlab/scenarios" in labs["found"]
    assert str(installed) + PREFIX + "/lib/portlab/scenarios" in labs["found"]


def test_the_installed_portlab_runs_a_lab_with_its_installed_programs(installed, tmp_path):
    need_root()
    run = LabRun(run_installed(installed, "run", "--json", "refused", cwd=tmp_path))
    assert run.rc == 0, run.failed_verdicts() or run.stderr[-3000:]
    assert run.events(role="client", call="connect"), "the installed client reported nothing"
    # with no --captures, captures go to the current folder, not into the installed tree
    assert os.path.isdir(tmp_path / "captures" / "refused")
    assert not os.path.exists(str(installed) + PREFIX + "/share/portlab/captures")
    # the programs came from PREFIX/lib/portlab: without it the same run finds none
    progs = str(installed) + PREFIX + "/lib/portlab"
    os.rename(progs, progs + ".away")
    try:
        proc = run_installed(installed, "run", "--json", "refused", cwd=tmp_path)
    finally:
        os.rename(progs + ".away", progs)
    assert proc.returncode != 0
    assert "program 'tcp_server' not found" in proc.stderr, proc.stderr
    failed = json.loads(proc.stdout)["labs"][0]
    # other runs may be going on beside this one: look for these two runs' namespaces only
    mine = [name for name in netns_names()
            if name.split("-")[1] in (run.result["run_id"], failed.get("run_id"))]
    assert mine == []


def test_uninstall_removes_every_file_install_put(tmp_path):
    make("install", tmp_path)
    installed = files_under(tmp_path)
    assert len(installed) > 20, installed
    make("uninstall", tmp_path)
    assert files_under(tmp_path) == []
    assert not os.path.exists(str(tmp_path) + PREFIX + "/share/portlab")
    assert not os.path.exists(str(tmp_path) + PREFIX + "/lib/portlab")
    # a file of the user's own beside the labs stays, with its folder
    make("install", tmp_path)
    mine = tmp_path / PREFIX.lstrip("/") / "share/portlab/scenarios/my-lab/lab"
    mine.parent.mkdir()
    mine.write_text("host a\n")
    make("uninstall", tmp_path)
    assert files_under(tmp_path) == [os.path.relpath(mine, tmp_path)]


def test_the_debian_changelog_has_the_makefile_version():
    with open(os.path.join(ROOT, "Makefile")) as f:
        version = [line.split(":=")[1].strip() for line in f if line.startswith("VERSION :=")]
    with open(os.path.join(ROOT, "debian", "changelog")) as f:
        first = f.readline()
    assert version and first.startswith("portlab (%s" % version[0]), (version, first)
