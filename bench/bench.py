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
import statistics
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


def pairs_lab(n):
    """N hosts in linked pairs, for reading and checking alone (too many to build)."""
    lines = ["lab pairs%d" % n, "title %d hosts in pairs" % n]
    for i in range(n):
        lines += ["host h%d" % i, "    iface eth0 192.0.2.%d/24" % (1 + i % 2)]
    lines += ["link h%d:eth0 h%d:eth0" % (i, i + 1) for i in range(0, n - 1, 2)]
    lines.append("run client on h0: tcp_client --connect 192.0.2.2:80")
    lines.append('expect "refused" events client connect: all errno = ECONNREFUSED')
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

    print("\nreading and checking a lab file (portlab check, nothing built)")
    print("  %6s  %10s  %10s" % ("hosts", "seconds", "peak RSS"))
    for n in ([1000, 10000] if quick else [1000, 10000, 100000]):
        lab = os.path.join(tmp, "pairs%d" % n, "lab")
        os.makedirs(os.path.dirname(lab))
        with open(lab, "w") as f:
            f.write(pairs_lab(n))
        took, rss = timed([portlab, "check", lab])
        print("  %6d  %10.3f  %10s" % (n, took, "%.1f MB" % (rss / 1024) if rss else "n/a"))

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
    bare = os.path.join(tmp, "bare_loop")
    subprocess.run(["cc", "-O2", "-o", bare, os.path.join(HERE, "bare_loop.c"), "-lpcap"], check=True)
    readers = [("bare pcap_next_ex loop", [bare, biggest["file"]]),
               ("portlab flows --json", [portlab, "flows", "--json", biggest["file"]]),
               ("portlab flows", [portlab, "flows", biggest["file"]]),
               ("portlab flows run.pcapng", [portlab, "flows", res["pcapng"]]),
               ("portlab ladder --flow 1", [portlab, "ladder", "--flow", "1", biggest["file"]]),
               ("tcpdump -nn -r", ["tcpdump", "-nn", "-r", biggest["file"]]),
               ("tshark -q -z conv,tcp", ["tshark", "-q", "-r", biggest["file"], "-z", "conv,tcp"])]
    base = None
    for name, cmd in readers:
        took, rss = timed(cmd)
        base = base or took
        # run.pcapng holds every interface: its size, not the one capture's
        mb = (os.path.getsize(res["pcapng"]) if "pcapng" in name else size) / 1e6
        print("  %-28s  %8.3f  %10.1f  %10s  %5.1fx" % (name, took, mb / took,
                                                       "%.1f MB" % (rss / 1024) if rss else "n/a",
                                                       took / base))

    trace_cost(portlab, n, tmp, 1 if quick else 3)


def trace_cost(portlab, n, tmp, rounds):
    """The parallel lab with every program traced (--trace) against the same lab untraced.

    Rounds alternate, so that a busy moment of a shared machine hits both;
    the median of each is compared. "whole run" is the wall clock of the
    portlab command; "programs" is the run's own run_seconds (the steps,
    where the tracer works); the events column shows why the rest grows too.
    """
    print("\ntracing: parallel lab, n=%d, %d rounds, median seconds" % (n, rounds))
    runs = {"untraced": [], "--trace": []}
    for _ in range(rounds):
        for name in runs:
            argv = [portlab, "run", "parallel", "--json", "--param", "n=%d" % n,
                    "--captures", os.path.join(tmp, "c")] + ([name] if name == "--trace" else [])
            t0 = time.monotonic()
            out = subprocess.run(argv, capture_output=True, text=True)
            took = time.monotonic() - t0
            if not out.stdout.startswith("{"):
                print("  (%s did not run: %s)" % (name, out.stderr.strip()[-300:]))
                return
            res = json.loads(out.stdout)
            runs[name].append((took, res["run_seconds"], len(res["events"])))
    print("  %-10s  %10s  %10s  %8s" % ("", "whole run", "programs", "events"))
    med = {}
    for name, rows in runs.items():
        med[name] = [statistics.median(r[i] for r in rows) for i in range(3)]
        print("  %-10s  %10.2f  %10.2f  %8d" % (name, med[name][0], med[name][1], med[name][2]))
    print("  %-10s  %9.2fx  %9.2fx" % ("ratio", med["--trace"][0] / med["untraced"][0],
                                       med["--trace"][1] / med["untraced"][1]))

    grade_bench(portlab, tmp, 30 if quick else 300)


if __name__ == "__main__":
    main()
