"""Measures "parallel" (10,000 connections: the lab's capture against an idle
one, and tcpdump on the same traffic) and "parallel50k" (50,000 connections, the parallel-many lab)."""
import os

from common import ROOT, Table, dropped, mb, mbs, median, ratio, run_lab, times, why, written
import plain_tcpdump


def idle_lab(ctx):
    """A copy of the parallel lab that captures only an interface carrying no traffic.

    Its `capture router:eth0 router:eth1` becomes one interface of two extra
    hosts linked only to each other (hosts without IPv6 addresses send
    nothing), and the expectations on those flows go, as nothing captures
    them: the programs, events and other expectations are the lab's own.
    """
    with open(os.path.join(ROOT, "scenarios", "parallel", "lab")) as f:
        lines = f.read().splitlines()
    out, replaced = [], 0
    for line in lines:
        if line.startswith("capture "):
            out += ["host idle1", "    iface eth0 192.0.2.253/30", "host idle2",
                    "    iface eth0 192.0.2.254/30", "link idle1:eth0 idle2:eth0",
                    "capture idle1:eth0"]
            replaced += 1
        elif not (line.startswith("expect ") and " flows router:" in line):
            out.append(line)
    if replaced != 1:
        return None
    path = os.path.join(ctx.scratch("parallel-idle"), "lab")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return path


def measure(ctx):
    n, rounds = (2000, 1) if ctx.quick else (10000, 5)  # 5: the shared machine is noisy
    idle = idle_lab(ctx)
    labs = [("capture as in the lab", "parallel"), ("capture an idle interface", idle)]
    runs = {name: [] for name, _ in labs}
    problems = []
    for _ in range(rounds):
        for name, lab in labs:
            if lab is None:
                problems.append("the parallel lab has no single capture line to replace")
                continue
            took, kib, res, proc = run_lab(ctx, lab, ["n=%d" % n])
            if not res:
                problems.append("%s: %s" % (name, why(proc)))
                continue
            runs[name].append((took, res["run_seconds"], res["build_seconds"], written(res),
                               dropped(res), res["passed"], kib))
    t = Table("%d connections through a router (portlab run parallel --param n=%d): "
              "medians of %d alternating rounds" % (n, n, rounds),
              ["lab", "whole s", "programs s", "build s", "packets", "dropped", "passed",
               "peak RSS MB"], problems)
    med = {}
    for name, rows in runs.items():
        if not rows:
            continue
        med[name] = [median(r[i] for r in rows) for i in range(5)]
        t.add(name, med[name][0], med[name][1], med[name][2], int(med[name][3]),
              max(r[4] for r in rows), "/".join("yes" if r[5] else "no" for r in rows),
              mbs(median(r[6] for r in rows)))
    data = {"n": n, "rounds": rounds, "runs": {k: [list(r) for r in v] for k, v in runs.items()}}
    if len(med) == 2:
        cap, base = med[labs[0][0]], med[labs[1][0]]
        t.add("capture : idle", times(ratio(cap[0], base[0])), times(ratio(cap[1], base[1])),
              "", "", "", "", "")
        data["ratio_whole"], data["ratio_programs"] = ratio(cap[0], base[0]), ratio(cap[1], base[1])
        data["dropped"] = max(r[4] for r in runs[labs[0][0]])
    t.notes.append("idle: the same lab capturing one interface of two extra hosts linked only to "
                   "each other; its wire expectations removed (nothing captures them)")
    tables = [t]
    td_table, td_data = plain_tcpdump.measure(ctx, n, rounds)
    tables.append(td_table)
    data["tcpdump"] = td_data
    return tables, data


def measure_50k(ctx):
    n = 50000
    # one client host has 28,232 source ports and one process 20,000
    # descriptors: the lab for 50,000 is parallel-many (4 client hosts, 4 workers)
    took, kib, res, proc = run_lab(ctx, "parallel-many", ["n=%d" % n])
    t = Table("%d connections (portlab run parallel-many --param n=%d), one run" % (n, n),
              ["whole s", "programs s", "build s", "peak RSS MB", "packets", "dropped", "passed"])
    if not res or not res.get("passed"):
        reason = (res and (res.get("problems") or
                           ["failed: " + v["text"] for v in res.get("verdicts", [])
                            if not v.get("passed")])) or [why(proc)]
        t.add("not available", "", "", "", "", "", "")
        reason[0] = reason[0].split("; its stderr is in")[0]  # a scratch folder, gone after
        t.notes.append("exit %d: %s" % (proc.returncode, reason[0][:300]))
        return [t], {"available": False, "exit": proc.returncode, "why": reason[0],
                     "wall": took, "rss_mb": mb(kib), "dropped": dropped(res)}
    t.add(took, res["run_seconds"], res["build_seconds"], mbs(kib), written(res), dropped(res),
          "yes")
    return [t], {"available": True, "wall": took, "run_seconds": res["run_seconds"],
                 "build_seconds": res["build_seconds"], "rss_mb": mb(kib),
                 "packets": written(res), "dropped": dropped(res), "passed": True}
