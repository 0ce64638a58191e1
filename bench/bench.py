#!/usr/bin/env python3
"""portlab benchmarks: portlab beside the tools users would pick instead, and
beside the bare limits, in one run.

    make bench                          (needs root, like every lab)
    make bench BENCH_ARGS="--only star --quick"
    bench/bench.py [PORTLAB] [--quick] [--only NAME[,NAME...]] [--out DIR] [--list]

Prints one small table per measure, and writes every figure to DIR/bench.json
and a markdown section, ready to paste into docs/benchmarks.md, to
DIR/bench.md (DIR: build/). --quick makes the measures smaller and skips
the slow peers (tshark, Mininet at 100+ hosts). A peer that is not installed
is reported as such (scripts/install-deps --bench installs them), never an
error. Nothing here is a test: numbers are reported, not judged.
"""
import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import m_fourtuple  # noqa: E402
import m_legacy  # noqa: E402
import m_parallel  # noqa: E402
import m_readers  # noqa: E402
import m_star  # noqa: E402
import targets  # noqa: E402
from common import ROOT, Ctx, Table  # noqa: E402

# name, what it measures, the function: in the order `make bench` runs them
MEASURES = [
    ("fourtuple", "the four-tuple lab end to end, beside Mininet's API + tcpdump + tshark",
     m_fourtuple.measure),
    ("star", "50 to 250 hosts on one bridge end to end, beside ip -batch and mn", m_star.measure),
    ("parallel", "10,000 connections: capture against an idle interface, and plain tcpdump",
     m_parallel.measure),
    ("parallel50k", "50,000 connections: wall, peak RSS, drops", m_parallel.measure_50k),
    ("readers", "reading a 193 MB capture: bare loop, portlab flows, tcpdump, tshark",
     m_readers.measure),
    ("check", "reading and checking lab files of 1,000 to 100,000 hosts", m_legacy.measure_check),
    ("trace", "the parallel lab with --trace against without", m_legacy.measure_trace),
    ("grade", "portlab grade on a generated class of 300", m_legacy.measure_grade),
]


def machine():
    """Where and when: the stamp of bench.json and bench.md."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f
                        if line.startswith("model name")), cpu)
    except OSError:
        pass
    return {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "kernel": platform.release(), "cpus": os.cpu_count(), "cpu": cpu,
            "load_start": [round(x, 2) for x in os.getloadavg()]}


def portlab_version(portlab):
    try:
        out = subprocess.run([portlab, "--version"], capture_output=True, text=True)
        return out.stdout.strip() or out.stderr.strip()
    except OSError as e:
        return "cannot run %s: %s" % (portlab, e.strerror)


def markdown(info, done, summary):
    load = lambda xs: " / ".join("%.2f" % x for x in xs)  # noqa: E731
    out = ["## Latest figures: `make bench`, %s" % info["date"], "",
           "%s; Linux %s, %d CPUs (%s); load average (1/5/15 min) %s at the start, %s at "
           "the end%s." % (info["portlab"], info["kernel"], info["cpus"], info["cpu"],
                           load(info["load_start"]), load(info["load_end"]),
                           "; --quick" if info["quick"] else ""), ""]
    if summary:
        out += [summary.markdown(), ""]
    what = {name: text for name, text, _ in MEASURES}
    for name, result in done.items():
        out += ["### %s: %s (%.0f s)" % (name, what[name], result["seconds"]), ""]
        for table in result["tables"]:
            out += [table.markdown(), ""]
    return "\n".join(out)


def parse_args(argv):
    ap = argparse.ArgumentParser(description="portlab benchmarks (needs root)")
    ap.add_argument("portlab", nargs="?", default=os.path.join(ROOT, "build", "portlab"))
    ap.add_argument("--quick", action="store_true", help="smaller measures, no slow peers")
    ap.add_argument("--only", help="comma-separated measures to run (see --list)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build"),
                    help="folder for bench.json, bench.md and the cached capture")
    ap.add_argument("--list", action="store_true", help="list the measures and exit")
    args = ap.parse_args(argv)
    names = [m[0] for m in MEASURES]
    args.only = args.only.split(",") if args.only else names
    unknown = [n for n in args.only if n not in names]
    if unknown:
        ap.error("no measure %s (there are: %s)" % (", ".join(unknown), ", ".join(names)))
    return args


def main(argv):
    args = parse_args(argv)
    if args.list:
        for name, what, _ in MEASURES:
            print("%-12s %s" % (name, what))
        return 0
    if os.geteuid() != 0:
        print("bench: the benchmarks build labs, which needs root: run `sudo make bench`",
              file=sys.stderr)
        return 3
    portlab = os.path.abspath(args.portlab)
    if not os.access(portlab, os.X_OK):
        print("bench: %s: no portlab binary there (run make first)" % portlab, file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    info = machine()
    info.update(portlab=portlab_version(portlab), quick=args.quick)
    print("portlab benchmarks, %s: %s, Linux %s, %d CPUs, load average %s"
          % (info["date"], info["portlab"], info["kernel"], info["cpus"],
             " ".join("%.2f" % x for x in info["load_start"])), flush=True)
    tmp = tempfile.mkdtemp(prefix="portlab-bench-")
    ctx = Ctx(portlab, tmp, args.quick, os.path.abspath(args.out))
    done = {}
    try:
        for name, _, fn in MEASURES:
            if name not in args.only:
                continue
            t0 = time.monotonic()
            try:
                tables, data = fn(ctx)
            except Exception as e:  # one broken measure must not hide the others
                traceback.print_exc()
                tables = [Table(name, ["error"], [])]
                tables[0].add("%s: %s" % (type(e).__name__, e))
                data = {"error": "%s: %s" % (type(e).__name__, e)}
            done[name] = {"seconds": time.monotonic() - t0, "tables": tables, "data": data}
            for table in tables:
                print("\n" + table.text(), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    info["load_end"] = [round(x, 2) for x in os.getloadavg()]
    summary = targets.table(done)
    if summary:
        print("\n" + summary.text())
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump({"machine": info, "measures": {
            k: {"seconds": v["seconds"], "data": v["data"],
                "tables": [t.data() for t in v["tables"]]} for k, v in done.items()},
            "targets": summary.data() if summary else None},
            f, indent=2)
    with open(os.path.join(args.out, "bench.md"), "w") as f:
        f.write(markdown(info, done, summary) + "\n")
    print("\nfigures in %s/bench.json, markdown for docs/benchmarks.md in %s/bench.md"
          % (args.out, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
