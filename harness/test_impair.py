"""Link impairments: a rate works everywhere (tc tbf); delay, jitter and loss need
netem, and where it is missing the run stops at the lab's line (exit 3)."""
import os
import shutil
import subprocess

import pytest

from portlab_harness import TWO_HOSTS, need_labs, portlab, run_lab


def netem_here():
    proc = subprocess.run(["unshare", "-n", "sh", "-c",
                           "ip link add pla type veth peer name plb && "
                           "tc qdisc add dev pla root netem delay 1ms"], capture_output=True)
    return proc.returncode == 0


def test_the_slow_link_takes_the_rates_time():
    run = run_lab("slow-link")
    assert run.rc == 0, run.failed_verdicts()
    [slow] = run.flows("slow-server:eth0", "tcp")
    [fast] = run.flows("fast-server:eth0", "tcp")
    assert slow["orig_bytes"] == fast["orig_bytes"] == 250000
    # 250,000 bytes at 1 Mbit/s: 2 s at the least, however the machine is loaded
    assert slow["duration"] >= 2.0 * 0.9, slow
    assert fast["duration"] < slow["duration"] / 10, (fast, slow)


def lab_with(tmp_path, impair):
    lab = tmp_path / "lab"
    lab.write_text("lab impaired\ntitle one impaired link\n" +
                   TWO_HOSTS.replace("    iface eth0 192.0.2.1/24\n",
                                     "    iface eth0 192.0.2.1/24\n    impair eth0 %s\n" % impair) +
                   "run client on a: tcp_client --connect 192.0.2.2:80\n")
    return lab


def test_delay_needs_netem_and_says_so_at_its_line(tmp_path):
    need_labs()
    lab = lab_with(tmp_path, "delay 50ms loss 1%")
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"))
    if netem_here():
        assert proc.returncode == 1, proc.stderr  # the refused connect: the lab itself ran
        pytest.skip("this kernel has netem: the missing case is faked below")
    assert proc.returncode == 3, proc.stderr
    assert "%s:5: this kernel has no netem (sch_netem)" % lab in proc.stderr, proc.stderr


def test_a_kernel_without_netem_is_faked_and_named(tmp_path):
    """A tc that answers as a kernel without netem does, in front of the real one."""
    need_labs()
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "tc").write_text("#!/bin/sh\ncase \"$*\" in *netem*) "
                             "echo 'Error: Specified qdisc kind is unknown.' >&2; exit 2;; esac\n"
                             "exec %s \"$@\"\n" % shutil.which("tc"))
    (fake / "tc").chmod(0o755)
    lab = lab_with(tmp_path, "delay 50ms")
    env = dict(os.environ, PATH="%s:%s" % (fake, os.environ["PATH"]))
    proc = portlab("run", str(lab), "--captures", str(tmp_path / "c"), env=env)
    assert proc.returncode == 3, proc.stderr
    assert "%s:5: this kernel has no netem" % lab in proc.stderr
    assert "A rate alone needs no netem" in proc.stderr


@pytest.mark.parametrize("impair,message", [
    ("jitter 10ms", "jitter goes with delay"),
    ("delay 50", "delay '50': milliseconds, e.g. 50ms"),
    ("loss 120%", "loss '120%': a percentage"),
    ("rate fast", "rate 'fast': e.g. 1mbit"),
    ("dealy 5ms", "unknown impairment 'dealy' (delay, jitter, loss, rate) (did you mean 'delay'?)"),
])
def test_bad_impairments_are_refused_at_their_line(tmp_path, impair, message):
    lab = lab_with(tmp_path, impair)
    proc = portlab("check", str(lab))
    assert proc.returncode == 2
    assert "%s:5: %s" % (lab, message) in proc.stderr, proc.stderr
