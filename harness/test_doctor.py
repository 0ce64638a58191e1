"""portlab doctor: each check measured on this machine, its exit status, and a probe that leaves nothing."""
import json
import os
import resource
import shutil
import subprocess

import pytest

from portlab_harness import PORTLAB, need_root, netns_names, portlab

CHECKS = ["privileges", "rootless", "labs", "libpcap", "kernel", "iproute2", "nftables", "netem",
          "cgroups", "open files", "/run/netns", "tshark", "tcpdump", "browser", "C compiler"]


def doctor_json(*prefix, env=None):
    """Run `portlab doctor --json` (behind PREFIX, a command such as setpriv); return rc and checks by name."""
    proc = subprocess.run([*prefix, PORTLAB, "doctor", "--json"], capture_output=True,
                          text=True, env=env, timeout=120)
    doc = json.loads(proc.stdout)
    assert doc["format"] == "portlab-doctor/1"
    assert doc["checks"], "doctor printed no checks"
    return proc, doc, {c["check"]: c for c in doc["checks"]}


def as_nobody():
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root and setpriv to become an ordinary user")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]


def test_every_check_prints_one_aligned_line_and_gaps_say_how_to_fix():
    proc = portlab("doctor")
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(lines) == len(CHECKS) + 1, proc.stdout
    for line, name in zip(lines, CHECKS):
        status = line.split()[0]
        assert status in ("OK", "WARN", "MISSING"), line
        # the check's name always starts in the same column
        assert line[9:9 + len(name)] == name, line
        assert ("; fix: " in line) == (status != "OK"), line
    assert lines[-1] in ("labs can run here",) or lines[-1].startswith("labs cannot run here")


def test_as_root_labs_can_run_and_the_exit_status_says_so():
    need_root()
    proc, doc, checks = doctor_json()
    assert list(checks) == CHECKS
    missing = [c for c in doc["checks"] if c["status"] == "MISSING"]
    assert doc["labs_can_run"] == (not missing)
    assert proc.returncode == (0 if not missing else 3), (proc.returncode, missing)
    assert checks["privileges"]["status"] == "OK"
    # labs run here (the suite runs them), so the kernel probe must find veth and bridges
    assert checks["kernel"]["status"] == "OK", checks["kernel"]
    assert checks["labs"]["status"] == "OK", checks["labs"]
    # what doctor found is what this machine has
    ip = subprocess.run(["ip", "-V"], capture_output=True, text=True).stdout.strip()
    assert ip in checks["iproute2"]["found"]
    assert "hard limit %d" % resource.getrlimit(resource.RLIMIT_NOFILE)[1] in checks["open files"]["found"]
    for tool in ("tshark", "tcpdump"):
        assert (checks[tool]["status"] == "OK") == (shutil.which(tool) is not None), checks[tool]


def test_the_netem_probe_agrees_with_tc_and_leaves_no_namespace():
    need_root()
    # other runs may come and go meanwhile: look at doctor's namespaces only
    before = {n for n in netns_names() if n.startswith("portlab-doctor-")}
    _, _, checks = doctor_json()
    after = {n for n in netns_names() if n.startswith("portlab-doctor-")}
    assert after <= before, "doctor left a namespace behind: %s" % (after - before)
    # an independent probe, in a namespace of the test's own that dies with its process
    tc = subprocess.run(["unshare", "--net", "sh", "-c",
                         "ip link set lo up && tc qdisc add dev lo root netem delay 1ms"],
                        capture_output=True, text=True)
    assert (checks["netem"]["status"] == "OK") == (tc.returncode == 0), (checks["netem"], tc.stderr)
    if tc.returncode != 0:
        assert "sch_netem" in checks["netem"]["fix"]


def test_an_ordinary_user_is_told_to_use_root_and_gets_exit_3():
    proc, doc, checks = doctor_json(*as_nobody())
    assert proc.returncode == 3, proc.stderr
    assert doc["labs_can_run"] is False
    assert checks["privileges"]["status"] == "MISSING"
    assert "CAP_NET_ADMIN" in checks["privileges"]["found"] and "sudo" in checks["privileges"]["fix"]
    assert checks["/run/netns"]["status"] == "MISSING"
    for probe in ("kernel", "netem"):
        assert checks[probe]["status"] == "WARN" and "not probed" in checks[probe]["found"]
    text = subprocess.run([*as_nobody(), PORTLAB, "doctor"], capture_output=True, text=True)
    assert text.returncode == 3
    assert "labs cannot run here: 2 missing (privileges, /run/netns)" in text.stdout


def test_no_labs_is_missing(tmp_path):
    env = dict(os.environ, PORTLAB_SCENARIOS=str(tmp_path))
    proc, doc, checks = doctor_json(env=env)
    assert checks["labs"]["status"] == "MISSING", checks["labs"]
    assert "PORTLAB_SCENARIOS" in checks["labs"]["fix"]
    assert proc.returncode == 3 and doc["labs_can_run"] is False


def test_tools_for_the_tests_are_warnings_not_blockers():
    need_root()
    # /usr/bin off the PATH: tshark, tcpdump and cc vanish; ip and nft stay (doctor adds the sbin folders)
    env = dict(os.environ, PATH="/nonexistent")
    proc, doc, checks = doctor_json(env=env)
    for name in ("tshark", "tcpdump", "C compiler"):
        assert checks[name]["status"] == "WARN", checks[name]
        assert checks[name]["fix"].startswith("apt-get install "), checks[name]
    assert not [c for c in doc["checks"] if c["status"] == "MISSING"], doc["checks"]
    assert proc.returncode == 0


def test_a_low_open_file_limit_is_reported():
    if shutil.which("prlimit") is None:
        pytest.skip("needs prlimit (util-linux)")
    proc, _, checks = doctor_json("prlimit", "--nofile=1024:1024")
    assert checks["open files"]["status"] == "WARN", checks["open files"]
    assert "hard limit 1024" in checks["open files"]["found"]
    assert "LimitNOFILE" in checks["open files"]["fix"]


def test_bad_option_is_a_usage_error():
    proc = portlab("doctor", "--bogus")
    assert proc.returncode == 2
    assert "unknown option '--bogus'" in proc.stderr
