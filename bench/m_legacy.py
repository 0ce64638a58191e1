"""Measures kept from the first bench.py: "check" (reading and checking big lab
files), "trace" (the cost of --trace) and "grade" (a class of submissions)."""
import os
import subprocess
import time

from common import ROOT, Table, mb, mbs, median, ratio, run_lab, times, timed, why


def pairs_lab(n):
    """N hosts in linked pairs, for reading and checking alone (too many to build)."""
    lines = ["lab pairs%d" % n, "title %d hosts in pairs" % n]
    for i in range(n):
        lines += ["host h%d" % i, "    iface eth0 192.0.2.%d/24" % (1 + i % 2)]
    lines += ["link h%d:eth0 h%d:eth0" % (i, i + 1) for i in range(0, n - 1, 2)]
    lines.append("run client on h0: tcp_client --connect 192.0.2.2:80")
    lines.append('expect "refused" events client connect: all errno = ECONNREFUSED')
    return "\n".join(lines) + "\n"


def measure_check(ctx):
    t = Table("reading and checking a lab file (portlab check, nothing built)",
              ["hosts", "seconds", "peak RSS MB"])
    data = {}
    for n in ([1000, 10000] if ctx.quick else [1000, 10000, 100000]):
        lab = os.path.join(ctx.scratch("pairs%d" % n), "lab")
        with open(lab, "w") as f:
            f.write(pairs_lab(n))
        took, kib, proc = timed([ctx.portlab, "check", lab])
        if proc.returncode != 0:
            t.add(n, "failed: " + why(proc), "")
            data[str(n)] = {"error": why(proc)}
            continue
        t.add(n, took, mbs(kib))
        data[str(n)] = {"seconds": took, "rss_mb": mb(kib)}
    return [t], data


def measure_trace(ctx):
    """The parallel lab with every program traced (--trace) against the same lab untraced.

    "whole run" is the portlab command's wall clock; "programs" its run_seconds
    (the steps, where the tracer works); the events show why the rest grows too.
    """
    n, rounds = (2000, 1) if ctx.quick else (10000, 3)
    runs = {"untraced": [], "--trace": []}
    for _ in range(rounds):
        for name in runs:
            extra = ["--trace"] if name == "--trace" else []
            took, _, res, proc = run_lab(ctx, "parallel", ["n=%d" % n], extra)
            if not res:
                t = Table("tracing: parallel lab, n=%d" % n, ["", "value"],
                          ["%s did not run: %s" % (name, why(proc))])
                return [t], {"error": why(proc)}
            runs[name].append((took, res["run_seconds"], len(res.get("events", []))))
    t = Table("tracing: parallel lab, n=%d, medians of %d alternating rounds" % (n, rounds),
              ["", "whole s", "programs s", "events"])
    med = {}
    for name, rows in runs.items():
        med[name] = [median(r[i] for r in rows) for i in range(3)]
        t.add(name, med[name][0], med[name][1], int(med[name][2]))
    t.add("ratio", times(ratio(med["--trace"][0], med["untraced"][0])),
          times(ratio(med["--trace"][1], med["untraced"][1])), "")
    return [t], {"n": n, "medians": med}


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


def measure_grade(ctx):
    """portlab grade on a generated class of echo-server submissions, 2 at a time."""
    n = 30 if ctx.quick else 300
    folder = ctx.scratch("grade")
    cls = os.path.join(folder, "class")
    os.makedirs(cls)
    kinds = make_class(cls, n)
    t0 = time.monotonic()
    proc = subprocess.run([ctx.portlab, "grade", "echo-server", "--class", cls, "-j", "2",
                           "--out", os.path.join(folder, "grades")], capture_output=True, text=True)
    took = time.monotonic() - t0
    summary = [line for line in proc.stdout.splitlines() if line.startswith("class summary")]
    t = Table("grading a class: %d echo-server submissions (%s), -j 2"
              % (n, ", ".join("%d %s" % (v, k) for k, v in kinds.items())),
              ["submissions", "seconds", "s per submission", "exit"],
              [summary[0] if summary else why(proc)])
    t.add(n, took, took / n, proc.returncode)
    return [t], {"n": n, "kinds": kinds, "seconds": took, "exit": proc.returncode}
