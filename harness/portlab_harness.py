"""Run portlab labs from tests and read what they measured.

    run = run_lab("four-tuple")              # cached: one run per lab and params
    run.rc, run.result                        # exit status, parsed result.json
    run.events(role="client", call="connect", ok=True)
    run.flows("router:eth0", proto="tcp")
    run.verdict("both connects succeed")      # the verdict dict with that text
    run.pcap("router:eth0")                   # path of that interface's capture
    tshark_tuples(run.pcap("router:eth0"))    # the same four-tuples, read by tshark

Labs run as root, or rootless in a user namespace: where neither is possible
every lab test is skipped with the reason.
"""
import json
import os
import shutil
import subprocess
import time

import pytest

# Two hosts on one link: the smallest lab, for tests that write their own.
TWO_HOSTS = """\
host a
    iface eth0 192.0.2.1/24
host b
    iface eth0 192.0.2.2/24
link a:eth0 b:eth0
"""

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PORTLAB = os.environ.get("PORTLAB", os.path.join(ROOT, "build", "portlab"))
_cache = {}


def portlab(*args, timeout=600, **kw):
    """Run the portlab command; return the CompletedProcess."""
    return subprocess.run([PORTLAB, *args], capture_output=True, text=True,
                          timeout=timeout, **kw)


def need_root():
    if os.geteuid() != 0:
        pytest.skip("this test needs root (it looks at the machine's namespaces or processes)")


def userns_ok():
    """Can an ordinary user make a user namespace here (rootless labs)?"""
    return subprocess.run(["unshare", "--user", "--map-root-user", "--net", "true"],
                          capture_output=True).returncode == 0


def need_labs():
    """Labs run as root, or rootless in a user namespace of their own."""
    if os.geteuid() != 0 and not userns_ok():
        pytest.skip("labs need root or unprivileged user namespaces")


def one_result(stdout, stderr=""):
    """The one lab's result in what `portlab run --json` printed.

    The document has the same shape for one lab and for many:
    {"format": "portlab-runs/1", "portlab": VERSION, "labs": [RESULT...]}.
    """
    try:
        doc = json.loads(stdout)
    except ValueError:
        raise AssertionError("portlab printed no JSON:\n%s\n%s"
                             % (stdout[-3000:], stderr[-3000:]))
    assert doc["format"] == "portlab-runs/1", doc.get("format")
    assert len(doc["labs"]) == 1, [r.get("lab") for r in doc["labs"]]
    return doc["labs"][0]


class LabRun:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.result = one_result(proc.stdout, proc.stderr)

    def events(self, role=None, call=None, **fields):
        """Events of ROLE with CALL whose fields equal FIELDS."""
        out = []
        for ev in self.result["events"]:
            if role is not None and ev.get("role") != role:
                continue
            if call is not None and ev.get("call") != call:
                continue
            if all(ev.get(k) == v for k, v in fields.items()):
                out.append(ev)
        return out

    def flows(self, capture, proto=None):
        """Flows rebuilt from the capture HOST:IF."""
        for cap in self.result["captures"]:
            if cap["name"] == capture:
                return [f for f in cap["flows"]
                        if proto is None or f["proto"] == proto]
        raise KeyError("no capture %s in %s" % (capture, [c["name"] for c in self.result["captures"]]))

    def pcap(self, capture):
        for cap in self.result["captures"]:
            if cap["name"] == capture:
                return cap["file"]
        raise KeyError(capture)

    def verdict(self, text):
        for v in self.result["verdicts"]:
            if v["text"] == text:
                return v
        raise KeyError("no verdict %r in %s" % (text, [v["text"] for v in self.result["verdicts"]]))

    def failed_verdicts(self):
        return [v for v in self.result["verdicts"] if not v["passed"]]


def built_program(lab, name):
    """The path of LAB's program NAME as make built it beside PORTLAB; the
    test is skipped when it is not built."""
    path = os.path.join(os.path.dirname(PORTLAB), "scenarios", lab, name)
    if not os.path.exists(path):
        pytest.skip("%s is not built: run make" % path)
    return path


def run_lab(name, *args, params=None):
    """Run lab NAME once per session (per args and params) with --json."""
    need_labs()
    argv = ["run", name, "--json", *args]
    for k, v in sorted((params or {}).items()):
        argv += ["--param", "%s=%s" % (k, v)]
    key = tuple(argv)
    if key not in _cache:
        _cache[key] = LabRun(portlab(*argv))
    return _cache[key]


def tshark_tuples(pcap, proto="tcp"):
    """Four-tuples that tshark (an independent parser) sees in PCAP.

    TCP: one tuple per connection attempt, from each SYN without ACK, as
    "src:port -> dst:port". UDP: one per distinct datagram direction that
    opened a flow.
    """
    if shutil.which("tshark") is None:
        pytest.skip("tshark is not installed")
    if proto == "tcp":
        # !icmp: a TCP header quoted inside an ICMP error is not a connection
        flt = "tcp.flags.syn==1 && tcp.flags.ack==0 && !icmp && !icmpv6"
        fields = ["ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport"]
    else:
        flt = "udp && !icmp && !icmpv6"
        fields = ["ip.src", "ipv6.src", "udp.srcport", "ip.dst", "ipv6.dst", "udp.dstport"]
    cmd = ["tshark", "-n", "-r", pcap, "-Y", flt, "-T", "fields",
           "-E", "separator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    tuples = set()
    for line in out.splitlines():
        s4, s6, sp, d4, d6, dp = line.split("|")
        src = s4 or "[%s]" % s6
        dst = d4 or "[%s]" % d6
        tuples.add("%s:%s -> %s:%s" % (src, sp, dst, dp))
    return tuples


def netns_names():
    """The names of the namespaces that portlab runs made (portlab-*)."""
    try:
        return {n for n in os.listdir("/run/netns") if n.startswith("portlab-")}
    except FileNotFoundError:
        return set()


def live_runs():
    """The runs going on now, as `portlab ps --json` lists them."""
    proc = portlab("ps", "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def wait_for_run(proc, hosts, timeout=10):
    """The run of portlab process PROC once its HOSTS namespaces exist (from `portlab ps`)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        for run in live_runs():
            if run["pid"] == proc.pid and len(run["namespaces"]) == hosts:
                return run
        time.sleep(0.02)
    raise AssertionError("run of pid %d made no namespaces" % proc.pid)


def run_netns_inodes(run):
    """The inodes of a live run's network namespaces, seen through its inner process."""
    base = "/proc/%d/root/run/netns" % run["inner_pid"]
    return {os.stat("%s/portlab-%s-%s" % (base, run["run_id"], h)).st_ino
            for h in run["namespaces"]}


def netns_holders(inodes):
    """What still holds any of the network namespaces INODES: processes living in
    one, descriptors open on one, or a mount of one in any mount namespace."""
    wanted = {"net:[%d]" % i for i in inodes}
    held = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if os.readlink("/proc/%s/ns/net" % pid) in wanted:
                held.append("process %s" % pid)
            for fd in os.listdir("/proc/%s/fd" % pid):
                if os.readlink("/proc/%s/fd/%s" % (pid, fd)) in wanted:
                    held.append("descriptor %s of %s" % (fd, pid))
            with open("/proc/%s/mountinfo" % pid) as f:
                held += ["mount in %s: %s" % (pid, line.split()[4]) for line in f
                         if any(w in line for w in wanted)]
        except OSError:
            continue  # it ended while we looked (ENOENT, ESRCH, or EINVAL mid-exit)
    return held


def root_links():
    """Root-namespace links whose names start with pl."""
    return {n for n in os.listdir("/sys/class/net") if n.startswith("pl")}
