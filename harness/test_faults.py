"""Signals at random moments: whatever portlab is doing when SIGINT, SIGTERM or SIGKILL
arrives, nothing of the run is left (no namespace, mount, link, process or pid file),
and nobody calls `portlab clean`.

About 30 runs here; `make soak` runs 300 (PORTLAB_FAULT_RUNS=300)."""
import os
import random
import signal
import subprocess
import time

import pytest

from portlab_harness import (PORTLAB, TWO_HOSTS, live_runs, need_root, netns_holders, root_links,
                             run_netns_inodes)

RUNS = int(os.environ.get("PORTLAB_FAULT_RUNS", "30"))
SEED = int(os.environ.get("PORTLAB_FAULT_SEED", "20261130"))

FORKING_LAB = """\
lab forking
title a program whose children run away from it
""" + TWO_HOSTS + """run client on a timeout 60: /bin/sh -c "setsid /bin/sleep 31 & setsid /bin/sleep 32 & exec /bin/sleep 30"
"""

LABS = ["four-tuple", "refused", "patterns", "forking"]
SIGNALS = [signal.SIGINT, signal.SIGTERM, signal.SIGKILL]


def plan():
    rnd = random.Random(SEED)
    return [(rnd.choice(LABS), rnd.choice(SIGNALS), round(rnd.uniform(0.0, 0.8), 3))
            for _ in range(RUNS)]


def leftover_programs():
    # this portlab's own programs only: another checkout's runs are not ours to judge
    pattern = "^/bin/sleep 3[012]$|^%s/scenarios/" % os.path.dirname(os.path.abspath(PORTLAB))
    out = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True).stdout
    return out.split()


@pytest.mark.parametrize("lab,sig,delay", plan(),
                         ids=["%d-%s-%s-%.2fs" % (i, lab, sig.name, d)
                              for i, (lab, sig, d) in enumerate(plan())])
def test_a_signal_at_any_moment_leaves_nothing(tmp_path, lab, sig, delay):
    need_root()
    links = root_links()
    if lab == "forking":
        (tmp_path / "lab").write_text(FORKING_LAB)
        lab = str(tmp_path / "lab")
    proc = subprocess.Popen([PORTLAB, "run", lab, "--captures", str(tmp_path / "c")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen, ids = set(), set()
    deadline = time.time() + delay
    while time.time() < deadline and proc.poll() is None:
        for run in live_runs():  # what the run has made so far
            if run["pid"] == proc.pid and run["run_id"]:
                ids.add(run["run_id"])
                try:
                    seen |= run_netns_inodes(run)
                except FileNotFoundError:
                    pass  # a namespace went while we looked
        time.sleep(0.01)
    if proc.poll() is None:
        proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert "AddressSanitizer" not in err and "runtime error" not in err, err[-2000:]
    if proc.returncode not in (0, -signal.SIGKILL):
        assert proc.returncode in (128 + sig, 1), (proc.returncode, err[-2000:])
    end = time.time() + 1.0  # the kernel takes a moment to reap a killed PID namespace
    while (netns_holders(seen) or leftover_programs()) and time.time() < end:
        time.sleep(0.02)
    assert netns_holders(seen) == []
    assert leftover_programs() == []
    assert proc.pid not in {r["pid"] for r in live_runs()}
    assert root_links() == links
    for run_id in ids:
        assert not os.path.exists("/run/portlab/%s.pid" % run_id)
        assert not any(n.startswith("portlab-%s-" % run_id) for n in os.listdir("/run/netns"))
