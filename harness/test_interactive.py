"""Labs that stay up: up, ps, exec, shell, capture, run-step and down, two copies side by
side, a lab that outlives the terminal that brought it up, and SIGKILL."""
import os
import pty
import shutil
import signal
import subprocess
import time

import pytest

from portlab_harness import PORTLAB, live_runs, need_labs, need_root, netns_holders, portlab, run_netns_inodes


def up(tmp_path, lab="four-tuple", *args):
    proc = portlab("up", lab, "--captures", str(tmp_path / "c"), *args)
    assert proc.returncode == 0, proc.stderr
    first = proc.stdout.splitlines()[0]
    assert first.startswith("lab %s is up as " % lab), proc.stdout
    return first.split(" is up as ")[1].split()[0]


def mine(name):
    [run] = [r for r in live_runs() if r["name"] == name]
    return run


@pytest.fixture
def lab_up(tmp_path):
    need_labs()
    name = up(tmp_path, "four-tuple", "--name", "t-%d" % os.getpid())
    yield name
    portlab("down", name)


def test_up_then_steps_then_down_gives_the_report(lab_up):
    run = mine(lab_up)
    assert run["lab"] == "four-tuple" and sorted(run["namespaces"]) == ["laptop", "router", "server"]
    addr = portlab("exec", lab_up, "laptop", "--", "ip", "-br", "addr", "show", "eth0")
    assert addr.returncode == 0, addr.stderr
    assert "198.51.100.5/24" in addr.stdout
    # the server is up and listening before any step is asked for
    ss = portlab("exec", lab_up, "server", "--", "ss", "-Htln")
    assert "203.0.113.80:443" in ss.stdout, ss.stdout
    step = portlab("run-step", lab_up)
    assert step.returncode == 0, step.stderr
    assert "run   client on laptop" in step.stderr
    again = portlab("run-step", lab_up)
    assert "no step left" in again.stdout
    down = portlab("down", lab_up)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "PASS: 13 of 13 expectations hold" in down.stdout
    time.sleep(0.2)
    assert lab_up not in [r["name"] for r in live_runs()]


def test_down_without_the_steps_fails_the_verdicts_that_need_them(lab_up):
    down = portlab("down", lab_up)
    assert down.returncode == 1, down.stdout
    assert "FAIL  every connect succeeds" in down.stdout


def test_shell_runs_inside_the_host(lab_up):
    proc = subprocess.run([PORTLAB, "shell", lab_up, "server"], input="echo host=$PORTLAB_HOST\n"
                          "ip -br addr show eth0\nexit 7\n", capture_output=True, text=True, timeout=30)
    assert proc.returncode == 7, proc.stderr
    assert "host=server" in proc.stdout
    assert "203.0.113.80/24" in proc.stdout


def test_unknown_lab_and_host_are_named(lab_up):
    proc = portlab("exec", "no-such-lab", "laptop", "--", "true")
    assert proc.returncode == 2 and "no lab is up as 'no-such-lab'" in proc.stderr
    proc = portlab("exec", lab_up, "laptpo", "--", "true")
    assert proc.returncode == 2 and "has no host 'laptpo'" in proc.stderr


def test_capture_streams_pcapng_while_steps_run(lab_up, tmp_path):
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    out = tmp_path / "live.pcapng"
    with open(out, "wb") as f:
        cap = subprocess.Popen([PORTLAB, "capture", lab_up, "router:eth1"], stdout=f,
                               stderr=subprocess.PIPE)
        time.sleep(0.5)
        assert portlab("run-step", lab_up).returncode == 0
        time.sleep(0.3)
        cap.send_signal(signal.SIGINT)
        assert cap.wait(timeout=10) == 0, cap.stderr.read()
    names = subprocess.run(["tshark", "-r", str(out), "-Y", "tcp.flags.syn==1 && tcp.flags.ack==0",
                            "-T", "fields", "-e", "frame.interface_name", "-e", "tcp.dstport"],
                           capture_output=True, text=True)
    rows = [line.split("\t") for line in names.stdout.splitlines()]
    assert len(rows) == 2, names.stdout + names.stderr
    assert all(r == ["router:eth1", "443"] for r in rows), rows


def test_two_copies_of_one_lab_side_by_side(tmp_path):
    need_labs()
    names = [up(tmp_path), up(tmp_path)]
    try:
        assert names[1] == names[0] + "-2" or names[0] != names[1]
        runs = [mine(n) for n in names]
        assert runs[0]["run_id"] != runs[1]["run_id"]
        for n in names:
            assert portlab("run-step", n, "--all").returncode == 0
    finally:
        downs = [portlab("down", n) for n in names]
    for d in downs:
        assert d.returncode == 0, d.stdout + d.stderr


def test_a_lab_outlives_the_terminal_that_brought_it_up(tmp_path):
    """up in a terminal (a pty), the terminal closes (SIGHUP to its session): the lab stays."""
    need_labs()
    name = "tty-%d" % os.getpid()
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(PORTLAB, [PORTLAB, "up", "four-tuple", "--name", name,
                           "--captures", str(tmp_path / "c")])
    seen = b""
    deadline = time.time() + 30
    while b"is up as" not in seen and time.time() < deadline:
        try:
            seen += os.read(fd, 4096)
        except OSError:
            break
    os.close(fd)  # the terminal goes away
    try:
        os.killpg(pid, signal.SIGHUP)
    except ProcessLookupError:
        pass
    os.waitpid(pid, 0)
    assert b"is up as" in seen, seen
    time.sleep(0.3)
    assert name in [r["name"] for r in live_runs()]
    assert portlab("run-step", name, "--all").returncode == 0
    down = portlab("down", name)
    assert down.returncode == 0, down.stdout + down.stderr


def test_a_killed_lab_leaves_nothing(tmp_path):
    need_root()
    name = up(tmp_path, "four-tuple", "--name", "k-%d" % os.getpid())
    run = mine(name)
    inodes = run_netns_inodes(run)
    assert netns_holders(inodes)
    os.kill(run["pid"], signal.SIGKILL)
    deadline = time.time() + 1.0
    while netns_holders(inodes) and time.time() < deadline:
        time.sleep(0.02)
    assert netns_holders(inodes) == []
    assert name not in [r["name"] for r in live_runs()]
