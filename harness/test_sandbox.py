"""Hostile programs in a lab's role (--use): each is contained, each fails its
verdicts with a message that names what was stopped, and nothing of it
outlives the run or changes anything outside the run folder.

The programs are small C files in harness/hostile/, compiled here.
"""
import json
import os
import re
import socket
import subprocess
import time

import pytest

from portlab_harness import PORTLAB, ROOT, TWO_HOSTS, need_root, netns_names, one_result

HOSTILE = os.path.join(ROOT, "harness", "hostile")
SANDBOX_UID_BASE = 2000000000

# The client's role of four-tuple, on the smallest lab, with a short timeout:
# ARG is given to the program in its place.
LAB = """\
lab hostile
title a hostile program in the client's place
param arg -
""" + TWO_HOSTS + """{capture}run client on a timeout 15{limit}: tcp_client ${{arg}}
"""


def lab_text(limit="", capture=""):
    return LAB.format(limit=" limit " + limit if limit else "", capture=capture)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """Compile every program in harness/hostile/; NAME -> path."""
    need_root()
    out = tmp_path_factory.mktemp("hostile")
    progs = {}
    for src in sorted(os.listdir(HOSTILE)):
        if src.endswith(".c"):
            exe = out / src[:-2]
            subprocess.run(["cc", "-O2", "-Wall", "-o", str(exe), os.path.join(HOSTILE, src)],
                           check=True)
            progs[src[:-2]] = str(exe)
    assert progs
    return progs


def sandbox_processes():
    """Processes running under a sandbox uid, anywhere on the machine."""
    ps = subprocess.run(["ps", "-e", "-o", "uid=,pid=,args="], capture_output=True, text=True,
                        check=True)
    return [l for l in ps.stdout.splitlines() if int(l.split()[0]) >= SANDBOX_UID_BASE]


def cgroups_of(run_id):
    """cgroup folders that this run made, in every hierarchy."""
    found = []
    for top, dirs, _ in os.walk("/sys/fs/cgroup"):
        found += [os.path.join(top, d) for d in dirs if d.startswith("portlab-%s-" % run_id)]
    return found


def mounts_of(run_id, run_dir):
    """Mounts, seen from here, that belong to this run (other runs may come and go)."""
    with open("/proc/self/mountinfo") as f:
        return [l for l in f if "portlab-%s-" % run_id in l or run_dir in l]


def own_events(result, role):
    """What ROLE's program printed itself as JSON lines: a program given with --use is
    traced, so its own stdout is kept in <role>.stdout, not read as events."""
    [prog] = [p for p in result["programs"] if p["role"] == role]
    assert prog["traced"] and prog["stdout"], prog
    with open(prog["stdout"]) as f:
        return [json.loads(line) for line in f if line.startswith("{")]


class Hostile:
    """One run of LAB with PROG as the client; what it left and what it said."""

    def __init__(self, tmp_path, prog, arg="-", limit="", capture="", env=None):
        lab = tmp_path / "lab"
        lab.write_text(lab_text(limit, capture))
        out, err = tmp_path / "out.json", tmp_path / "err.txt"
        with open(out, "w") as o, open(err, "w") as e:
            proc = subprocess.Popen([PORTLAB, "run", str(lab), "--json", "--use",
                                     "client=%s" % prog, "--param", "arg=%s" % arg,
                                     "--captures", str(tmp_path / "c")],
                                    stdout=o, stderr=e, env=env)
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        self.rc = proc.returncode
        self.peak_kib = usage.ru_maxrss  # portlab and the children it waited for
        self.stderr = err.read_text()
        self.result = one_result(out.read_text(), self.stderr)
        self.problems = self.result["problems"]
        self.dir = self.result["dir"]

    def problem(self, pattern):
        """The first problem that matches PATTERN (a regular expression)."""
        assert self.problems, "no problems reported"
        for p in self.problems:
            if re.search(pattern, p):
                return p
        raise AssertionError("no problem matches %r in %s" % (pattern, self.problems))

    def assert_failed_and_clean(self):
        """It failed its verdicts, and nothing of it outlives the run."""
        assert self.rc == 1, self.stderr[-2000:]
        planned = [v for v in self.result["verdicts"] if v["text"] == "every program ran as planned"]
        assert planned and not planned[0]["passed"]
        assert sandbox_processes() == []
        assert cgroups_of(self.result["run_id"]) == []
        run_id = self.result["run_id"]
        assert [n for n in netns_names() if n.startswith("portlab-%s-" % run_id)] == []
        assert mounts_of(run_id, self.dir) == []


def test_fork_bomb_is_refused_at_64_processes(tmp_path, hostile):
    run = Hostile(tmp_path, hostile["fork_bomb"])
    said = run.problem(r"^client \(on a\): 64 processes: fork refused [\d,]+ times$")
    assert int(re.search(r"refused ([\d,]+)", said).group(1).replace(",", "")) > 0
    # the program's own count of refusals agrees that it was stopped
    assert "fork refused" in open(os.path.join(run.dir, "client.stderr")).read()
    run.assert_failed_and_clean()


def test_a_lab_can_raise_the_process_limit(tmp_path, hostile):
    run = Hostile(tmp_path, hostile["fork_bomb"], limit="procs=100")
    run.problem(r"^client \(on a\): 100 processes: fork refused [\d,]+ times$")
    run.assert_failed_and_clean()


def test_busy_loop_deaf_to_sigterm_is_killed_at_its_cpu_limit(tmp_path, hostile):
    run = Hostile(tmp_path, hostile["busy_loop"], limit="cpu=2")
    run.problem(r"^client \(on a\): killed: CPU time limit 2 s$")
    run.assert_failed_and_clean()


def test_20_gb_allocation_is_killed_at_the_memory_limit(tmp_path, hostile):
    run = Hostile(tmp_path, hostile["big_alloc"])
    run.problem(r"^client \(on a\): killed: memory limit 512 MiB$")
    run.assert_failed_and_clean()


def test_writes_to_etc_and_root_and_reading_shadow_are_refused(tmp_path, hostile):
    tag = "portlab-was-here-%d" % os.getpid()
    watched = ["/etc", "/root"]  # /tmp is shared with the rest of the machine
    before = {d: sorted(os.listdir(d)) for d in watched}
    run = Hostile(tmp_path, hostile["write_files"], arg=tag)
    run.problem(r"^client \(on a\): refused: write to /etc/%s: read-only file system$" % tag)
    run.problem(r"^client \(on a\): refused: write to /root/%s: (read-only file system|permission denied)$" % tag)
    run.problem(r"^client \(on a\): refused: read /etc/shadow: permission denied$")
    # its own /tmp took the write, and went with it
    opened = [e["path"] for e in own_events(run.result, "client") if e.get("call") == "opened"]
    assert opened == ["/tmp/%s" % tag]
    assert {d: sorted(os.listdir(d)) for d in watched} == before
    assert not os.path.exists("/tmp/%s" % tag)
    run.assert_failed_and_clean()


def test_joining_the_root_network_namespace_is_refused(tmp_path, hostile):
    """Through /proc/<pid>/ns/net of a root-namespace process (this test's), unshare, mount."""
    root_netns = os.stat("/proc/self/ns/net").st_ino
    run = Hostile(tmp_path, hostile["join_root_netns"], arg=str(os.getpid()))
    errors = open(os.path.join(run.dir, "client.stderr")).read()
    assert "ESCAPED" not in errors
    # its /proc shows its own PID namespace only: no way to name us
    assert "open /proc/%d/ns/net: No such file or directory" % os.getpid() in errors
    run.problem(r"^client \(on a\): refused: unshare: operation not permitted$")
    run.problem(r"^client \(on a\): refused: mount /mnt: operation not permitted$")
    assert "clone with CLONE_NEWNET: Operation not permitted" in errors
    assert not [e for e in own_events(run.result, "client") if e.get("call") == "ESCAPED"]
    assert os.stat("/proc/self/ns/net").st_ino == root_netns
    run.assert_failed_and_clean()


def test_a_setsid_daemon_dies_with_the_program(tmp_path, hostile):
    seconds = str(4000 + os.getpid() % 1000)  # a sleep no one else runs
    run = Hostile(tmp_path, hostile["daemon"], arg=seconds)
    run.problem(r"^client \(on a\): \d+ process(es)? outlived the program and (was|were) killed$")
    left = subprocess.run(["pgrep", "-f", "^sleep %s$" % seconds], capture_output=True, text=True)
    assert left.stdout == ""
    run.assert_failed_and_clean()


def _is_sanitized():
    ldd = subprocess.run(["ldd", PORTLAB], capture_output=True, text=True)
    return "libasan" in ldd.stdout


def test_an_event_flood_is_stopped_and_portlab_stays_small(tmp_path, hostile):
    # one capture, so that its 32 MiB ring is the only fixed cost; ASan's
    # quarantine of freed memory is ASan's, not portlab's
    env = dict(os.environ, ASAN_OPTIONS="quarantine_size_mb=0:detect_leaks=0")
    (tmp_path / "quiet").mkdir()
    quiet = Hostile(tmp_path / "quiet", hostile["loopback"], capture="capture a:eth0\n", env=env)
    run = Hostile(tmp_path, hostile["flood"], capture="capture a:eth0\n", env=env)
    run.problem(r"^client \(on a\): stopped after 100,000 events \(limit events=100000\)$")
    kept = [e for e in run.result["events"] if e["role"] == "client"]
    assert 0 < len(kept) <= 100000
    assert {e["call"] for e in kept} <= {"socket", "connect", "send"}, {e["call"] for e in kept}
    assert run.peak_kib - quiet.peak_kib < 100 * 1024, (run.peak_kib, quiet.peak_kib)
    if not _is_sanitized():
        assert run.peak_kib < 100 * 1024, run.peak_kib

    run.assert_failed_and_clean()


@pytest.mark.parametrize("kind", ["junk", "nonl"])
def test_an_output_flood_is_stopped_at_16_mib(tmp_path, hostile, kind):
    """Lines that are no events, or one line without end."""
    run = Hostile(tmp_path, hostile["flood"], arg=kind)
    run.problem(r"^client \(on a\): stopped after 16 MiB of output \(limit output=16777216\)$")
    run.assert_failed_and_clean()


def test_the_root_namespaces_loopback_is_out_of_reach(tmp_path, hostile):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    try:
        run = Hostile(tmp_path, hostile["loopback"], arg=str(port))
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody came
    finally:
        listener.close()
    run.problem(r"^client \(on a\) ended with exit 1: \"connect 127.0.0.1:%d: Connection refused\"" % port)
    run.assert_failed_and_clean()


def test_each_program_gets_its_own_unprivileged_uid(tmp_path):
    """Two programs at the same time: two uids, two working folders."""
    need_root()
    script = tmp_path / "whoami.sh"
    script.write_text('#!/bin/sh\necho "{\\"call\\":\\"uid\\",\\"ok\\":true,\\"uid\\":$(id -u),'
                      '\\"cwd\\":\\"$(pwd)\\"}"\nsleep 1\n')
    script.chmod(0o755)
    lab = tmp_path / "lab"
    lab.write_text("lab two\ntitle two programs\n" + TWO_HOSTS +
                   "start one on a: tcp_client\nstart two on b: tcp_client\n")
    proc = subprocess.run([PORTLAB, "run", str(lab), "--json", "--use", "one=%s" % script,
                           "--use", "two=%s" % script, "--captures", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = one_result(proc.stdout, proc.stderr)
    mine = [(role, e) for role in ("one", "two") for e in own_events(res, role)]
    uids = {role: e["uid"] for role, e in mine if e["call"] == "uid"}
    assert sorted(uids) == ["one", "two"]
    assert uids["one"] != uids["two"]
    assert all(u >= SANDBOX_UID_BASE for u in uids.values())
    cwds = {role: e["cwd"] for role, e in mine if e["call"] == "uid"}
    assert cwds == {r: os.path.join(res["dir"], r + ".work") for r in ("one", "two")}
    assert sandbox_processes() == []


def test_a_bad_limit_is_a_lab_file_error(tmp_path):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(lab_text(limit="nofile=lots"))
    proc = subprocess.run([PORTLAB, "run", str(lab)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert re.search(r"lab:\d+: limit nofile: 'lots' is not a positive number", proc.stderr), proc.stderr


def test_a_killed_portlab_takes_its_sandboxes_along(tmp_path):
    """SIGKILL: keeper, init and program die (PDEATHSIG at each level); clean removes the cgroups."""
    need_root()
    script = tmp_path / "sleeper.sh"
    script.write_text("#!/bin/sh\nsleep 300\n")
    script.chmod(0o755)
    lab = tmp_path / "lab"
    lab.write_text(lab_text())
    proc = subprocess.Popen([PORTLAB, "run", str(lab), "--use", "client=%s" % script,
                             "--captures", str(tmp_path / "c")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 20
    while time.time() < deadline and not sandbox_processes():
        time.sleep(0.05)
    assert sandbox_processes(), "the program never started"
    run_id = os.listdir(tmp_path / "c" / "hostile")[0]
    assert cgroups_of(run_id) or not os.path.isdir("/sys/fs/cgroup/pids")
    proc.kill()
    proc.wait()
    deadline = time.time() + 5
    while time.time() < deadline and sandbox_processes():
        time.sleep(0.05)
    assert sandbox_processes() == []
    out = subprocess.run([PORTLAB, "clean"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert cgroups_of(run_id) == []


def test_a_stop_step_reaches_the_contained_program(tmp_path):
    """SIGTERM goes runner -> keeper -> init -> program, which may end as it likes."""
    need_root()
    script = tmp_path / "graceful.sh"
    script.write_text("#!/bin/sh\n"
                      "trap 'kill $pid; echo \"{\\\"call\\\":\\\"term\\\",\\\"ok\\\":true}\"; exit 0' TERM\n"
                      "sleep 30 & pid=$!\nwait $pid\n")
    script.chmod(0o755)
    lab = tmp_path / "lab"
    lab.write_text("lab stop\ntitle a server stopped by the lab\n" + TWO_HOSTS +
                   "start server on a: tcp_server\nrun client on b: tcp_client\nstop server\n")
    proc = subprocess.run([PORTLAB, "run", str(lab), "--json", "--use", "server=%s" % script,
                           "--use", "client=/bin/true", "--captures", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120)
    res = one_result(proc.stdout, proc.stderr)
    assert [e["call"] for e in own_events(res, "server")] == ["term"]
    assert res["problems"] == []
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_calls_into_the_kernels_insides_are_refused(tmp_path, hostile):
    run = Hostile(tmp_path, hostile["kernel_calls"])
    said = dict(l.split(": ", 1) for l in open(os.path.join(run.dir, "client.stderr")).read().splitlines()
                if ": " in l)
    calls = ["process_vm_readv", "bpf", "perf_event_open", "keyctl", "finit_module", "reboot", "swapoff"]
    if not _is_sanitized():  # an ASan build lets ptrace through, for LeakSanitizer
        calls.append("ptrace")
    for call in calls:
        assert said.get(call) == "Operation not permitted", (call, said)
    run.assert_failed_and_clean()


def test_a_labs_own_program_is_contained_too(tmp_path, hostile):
    """Not only --use: a program the lab file itself names runs in the sandbox."""
    tag = "portlab-own-%d" % os.getpid()
    lab = tmp_path / "lab"
    lab.write_text("lab own\ntitle the lab's own program\n" + TWO_HOSTS +
                   "run client on a: %s %s\n" % (hostile["write_files"], tag))
    proc = subprocess.run([PORTLAB, "run", str(lab), "--json", "--captures", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120)
    res = one_result(proc.stdout, proc.stderr)
    assert proc.returncode == 1
    assert "client (on a): refused: write to /etc/%s: read-only file system" % tag in res["problems"]
    assert not os.path.exists("/etc/" + tag)
    assert sandbox_processes() == []


def test_a_students_makefile_is_contained_too(tmp_path):
    """Building is running the student's commands: make runs in the sandbox, writing
    nowhere but its own build folder, as another uid than root."""
    need_root()
    tag = "portlab-make-was-here-%d" % os.getpid()
    src = tmp_path / "student"
    src.mkdir()
    (src / "client.c").write_text("int main(void) { return 0; }\n")
    (src / "Makefile").write_text("client: client.c\n"
                                  "\t-touch /etc/%s\n"
                                  "\tid -u > uid.txt\n"
                                  "\tcc -o client client.c\n" % tag)
    lab = tmp_path / "lab"
    lab.write_text("lab make\ntitle a client built by make\n" + TWO_HOSTS +
                   "run client on a: tcp_client\n")
    proc = subprocess.run([PORTLAB, "run", str(lab), "--json", "--use", "client=%s" % src,
                           "--captures", str(tmp_path / "c")],
                          capture_output=True, text=True, timeout=120)
    res = one_result(proc.stdout, proc.stderr)
    assert proc.returncode == 0, (res["problems"], proc.stderr[-2000:])
    assert not os.path.exists("/etc/%s" % tag)
    log = open(os.path.join(res["dir"], "client.compile")).read()
    assert "Read-only file system" in log, log
    uid = int(open(os.path.join(res["dir"], "client.build", "uid.txt")).read())
    assert uid >= SANDBOX_UID_BASE, uid
