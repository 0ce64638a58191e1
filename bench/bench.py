#!/usr/bin/env python3
"""portlab benchmarks: set-up time, capture reading speed, a large run.

    make bench                 (needs root, like every lab)
    bench/bench.py PORTLAB [--quick]

Prints one table per measure; docs/benchmarks.md keeps the figures measured
on the reference machine. Nothing here is a test: numbers are reported, not
judged.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def star_lab(n):
    """N hosts on one bridge, each with lo up and one address; one interface captured."""
    lines = ["lab star%d" % n, "title %d hosts on one segment" % n]
    for i in range(n):
        lines += ["host h%d" % i, "    iface eth0 198.51.100.%d/24" % (i + 1)]
    lines.append("segment lan " + " ".join("h%d:eth0" % i for i in range(n)))
    lines.append("capture h0:eth0")
    return "\n".join(lines) + "\n"


def raw_ip_batch(n):
    """The same topology with plain ip -batch, as design.md measured it."""
    root = ["netns add plb-sw"] + ["netns add plb-h%d" % i for i in range(n)]
    root += ["link add br0 netns plb-sw type bridge"]
    root += ["link add eth0 netns plb-h%d type veth peer name p%d netns plb-sw" % (i, i) for i in range(n)]
    t0 = time.monotonic()
    subprocess.run(["ip", "-batch", "-"], input="\n".join(root) + "\n", text=True, check=True)
    sw = ["link set br0 up"] + ["link set p%d master br0\nlink set p%d up" % (i, i) for i in range(n)]
    subprocess.run(["ip", "-n", "plb-sw", "-batch", "-"], input="\n".join(sw) + "\n", text=True, check=True)
    for i in range(n):
        cmds = "link set lo up\naddress add 198.51.100.%d/24 dev eth0\nlink set eth0 up\n" % (i + 1)
        subprocess.run(["ip", "-n", "plb-h%d" % i, "-batch", "-"], input=cmds, text=True, check=True)
    took = time.monotonic() - t0
    dels = "\n".join(["netns del plb-sw"] + ["netns del plb-h%d" % i for i in range(n)]) + "\n"
    subprocess.run(["ip", "-batch", "-"], input=dels, text=True, check=True)
    return took


def timed(cmd):
    """Seconds and peak RSS (KiB, or None) of CMD, output discarded.

    The RSS comes from GNU time (package "time"): a child forked from this
    large Python process would report Python's high-water mark, not its own.
    """
    gnu_time = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    t0 = time.monotonic()
    if gnu_time:
        proc = subprocess.run([gnu_time, "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        took = time.monotonic() - t0
        lines = proc.stderr.strip().splitlines()
        return took, int(lines[-1]) if lines and lines[-1].isdigit() else None
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.monotonic() - t0, None


def make_class(folder, n):
    """A class of N echo-server submissions: mostly correct, some wrong, some
    not compiling, and 10 hostile ones (or fewer in a small class)."""
    ex = os.path.join(ROOT, "scenarios", "exercises", "echo-server", "reference.c")
    subs = os.path.join(ROOT, "harness", "submissions")
    ref = open(ex).read()
    wrong = [open(os.path.join(subs, "echo-server", f)).read()
             for f in ("loopback.c", "one_client.c", "uppercase.c", "port8081.c")]
    broken = open(os.path.join(subs, "echo-server", "syntax_error.c")).read()
    hostile = [open(os.path.join(subs, "hostile", f)).read()
               for f in ("spin.c", "forge.c", "daemon.c")]
    nhostile = min(10, n // 30)
    kinds = {"correct": 0, "wrong": 0, "not compiling": 0, "hostile": 0}
    for i in range(n):
        if i < nhostile:
            kind, text = "hostile", hostile[i % len(hostile)]
        elif i % 10 in (1, 2):
            kind, text = "wrong", wrong[i % len(wrong)]
        elif i % 10 == 3:
            kind, text = "not compiling", broken
        else:  # each correct one a little different, as students' are
            kind, text = "correct", "/* student %d */\n" % i + ref
        kinds[kind] += 1
        with open(os.path.join(folder, "s%03d.c" % i), "w") as f:
            f.write(text)
    return kinds


def grade_bench(portlab, tmp, n):
    """portlab grade on a generated class of N echo-server submissions, 2 at a time."""
    cls = os.path.join(tmp, "class")
    os.makedirs(cls)
    kinds = make_class(cls, n)
    print("\ngrading a class: %d echo-server submissions (%s), -j 2"
          % (n, ", ".join("%d %s" % (v, k) for k, v in kinds.items())))
    t0 = time.monotonic()
    proc = subprocess.run([portlab, "grade", "echo-server", "--class", cls, "-j", "2",
                           "--out", os.path.join(tmp, "grades")], capture_output=True, text=True)
    took = time.monotonic() - t0
    summary = [l for l in proc.stdout.splitlines() if l.startswith("class summary")]
    print("  %.1f s in all, %.2f s per submission, exit %d; %s"
          % (took, took / n, proc.returncode, summary[0] if summary else proc.stderr[-300:]))


def main():
    portlab = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-")
                              else os.path.join(ROOT, "build", "portlab"))
    quick = "--quick" in sys.argv
    if os.geteuid() != 0:
        sys.exit("bench: labs need root")
    tmp = tempfile.mkdtemp(prefix="portlab-bench-")
    if "--grade" in sys.argv:  # only the class: bench.py [PORTLAB] --grade [N]
        at = sys.argv.index("--grade")
        n = int(sys.argv[at + 1]) if len(sys.argv) > at + 1 else 300
        grade_bench(portlab, tmp, n)
        return

    print("set-up: N hosts on one bridge (build only, seconds)")
    print("  %5s  %10s  %10s  %6s" % ("N", "portlab", "ip -batch", "ratio"))
    for n in ([20] if quick else [50, 100]):
        lab = os.path.join(tmp, "star%d" % n, "lab")
        os.makedirs(os.path.dirname(lab))
        with open(lab, "w") as f:
            f.write(star_lab(n))
        out = subprocess.run([portlab, "run", lab, "--json", "--captures", os.path.join(tmp, "c")],
                             capture_output=True, text=True)
        res = json.loads(out.stdout)
        raw = raw_ip_batch(n)
        print("  %5d  %10.3f  %10.3f  %5.1fx" % (n, res["build_seconds"], raw, res["build_seconds"] / raw))

    n = 2000 if quick else 10000
    print("\nparallel lab, n=%d connections" % n)
    out = subprocess.run([portlab, "run", "parallel", "--json", "--param", "n=%d" % n,
                          "--captures", os.path.join(tmp, "c")], capture_output=True, text=True)
    res = json.loads(out.stdout) if out.stdout.startswith("{") else None
    if not res:
        print("  (the parallel lab did not run: %s)" % out.stderr.strip()[-300:])
        return
    packets = sum(c["written"] for c in res["captures"])
    dropped = sum(c["dropped"] for c in res["captures"])
    print("  passed %s, build %.2f s, programs and capture %.2f s, %d packets written, %d dropped"
          % (res["passed"], res["build_seconds"], res["run_seconds"], packets, dropped))

    biggest = max(res["captures"], key=lambda c: os.path.getsize(c["file"]))
    size = os.path.getsize(biggest["file"])
    print("\nreading a capture: %s, %.1f MB, %d packets" % (os.path.basename(biggest["file"]),
                                                           size / 1e6, biggest["written"]))
    print("  %-28s  %8s  %10s  %10s" % ("reader", "seconds", "MB/s", "peak RSS"))
    for name, cmd in [("portlab flows --json", [portlab, "flows", "--json", biggest["file"]]),
                      ("portlab flows", [portlab, "flows", biggest["file"]]),
                      ("tcpdump -nn -r", ["tcpdump", "-nn", "-r", biggest["file"]]),
                      ("tshark -q -z conv,tcp", ["tshark", "-q", "-r", biggest["file"], "-z", "conv,tcp"])]:
        took, rss = timed(cmd)
        print("  %-28s  %8.3f  %10.1f  %10s" % (name, took, size / 1e6 / took,
                                                "%.1f MB" % (rss / 1024) if rss else "n/a"))

    grade_bench(portlab, tmp, 30 if quick else 300)


if __name__ == "__main__":
    main()
