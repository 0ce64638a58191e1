"""Measure "fourtuple": the four-tuple lab end to end, beside the Mininet way."""
import json
import os

from common import (CONTAINED, HERE, PYTHON, Table, have, mb, mbs, median, mininet_absent,
                    missing, ratio, run_lab, times, timed, why)


def mininet_missing():
    """Why the Mininet way cannot run here, or None."""
    for cmd in ("tcpdump", "tshark"):
        if not have(cmd):
            return missing(cmd)
    return mininet_absent()


def mininet_run(ctx, programs):
    """bench/mininet_fourtuple.py once: seconds, peak RSS, its own JSON line (or None), process."""
    out = ctx.scratch("mininet")
    os.chmod(out, 0o777)  # tcpdump writes as its own user
    took, kib, proc = timed(CONTAINED + [PYTHON, os.path.join(HERE, "mininet_fourtuple.py"),
                                         programs, out], keep_stdout=True)
    lines = proc.stdout.strip().splitlines()
    info = json.loads(lines[-1]) if proc.returncode == 0 and lines else None
    return took, kib, info, proc


def measure(ctx):
    rounds = 2 if ctx.quick else 5
    programs = os.path.join(os.path.dirname(ctx.portlab), "scenarios", "tools")
    absent = mininet_missing()
    rows = {"portlab": [], "mininet": []}
    info, failed = None, None
    for _ in range(rounds):  # alternating, so that a busy moment hits both
        took, kib, res, proc = run_lab(ctx, "four-tuple")
        if not res or not res.get("passed"):
            failed = "portlab run four-tuple failed: " + why(proc)
        rows["portlab"].append((took, kib, res and res["build_seconds"], res and res["run_seconds"]))
        if absent is None and failed is None:
            took, kib, minfo, proc = mininet_run(ctx, programs)
            if minfo is None:
                absent = "failed: " + why(proc)
            else:
                info = minfo
                rows["mininet"].append((took, kib))
    if failed:
        return [Table("four-tuple lab, end to end", ["", "value"], [failed])], {"error": failed}
    p_wall, p_rss = median(r[0] for r in rows["portlab"]), median(r[1] for r in rows["portlab"])
    m_wall = median(r[0] for r in rows["mininet"]) if rows["mininet"] else None
    m_rss = median(r[1] for r in rows["mininet"]) if rows["mininet"] else None
    t = Table("four-tuple lab, end to end (build, capture 4 interfaces, 2 connections, "
              "analyse, tear down): median of %d alternating rounds" % rounds,
              ["way", "wall s", "best s", "peak RSS MB", "portlab is"])
    t.add("portlab run four-tuple", p_wall, min(r[0] for r in rows["portlab"]), mbs(p_rss), "")
    if m_wall:
        t.add("Mininet API + tcpdump + tshark", m_wall, min(r[0] for r in rows["mininet"]),
              mbs(m_rss), times(ratio(m_wall, p_wall)) + " faster")
        t.notes.append("Mininet way (bench/mininet_fourtuple.py, the lab's tcp_server and tcp_client "
                       "from build/scenarios/tools): build %.3f s, tcpdump x4 and "
                       "the two connections %.3f s, net.stop() %.3f s, tshark conv,tcp x4 %.3f s"
                       % (info["build"], info["capture_and_programs"], info["stop"], info["tshark"]))
        t.notes.append("tshark saw %s connections per interface; tcpdump wrote %s packets"
                       % (sorted(set(info["connections"].values())),
                          sum(v or 0 for v in info["packets"].values())))
    else:
        t.add("Mininet API + tcpdump + tshark", absent, "", "", "")
    t.notes.append("portlab: build %.3f s, programs %.3f s (result.json, medians)"
                   % (median(r[2] for r in rows["portlab"]), median(r[3] for r in rows["portlab"])))
    data = {"rounds": rounds,
            "portlab": {"wall": p_wall, "best": min(r[0] for r in rows["portlab"]),
                        "rss_mb": mb(p_rss),
                        "build_seconds": median(r[2] for r in rows["portlab"]),
                        "run_seconds": median(r[3] for r in rows["portlab"])},
            "mininet": ({"wall": m_wall, "rss_mb": mb(m_rss), "phases": info}
                        if m_wall else {"absent": absent}),
            "ratio_mininet_to_portlab": ratio(m_wall, p_wall)}
    return [t], data

