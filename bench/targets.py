"""Issue 18's targets beside what this run measured: the one table a reader of
docs/benchmarks.md looks for first. Only measures that ran have rows."""
from common import Table


def get(data, *keys):
    """data[k1][k2]... or None when any step is missing."""
    for k in keys:
        if not isinstance(data, dict) or data.get(k) is None:
            return None
        data = data[k]
    return data


def slope_ms(star):
    """Milliseconds each host adds to the end-to-end run, from the smallest to the largest lab."""
    sizes = sorted(int(n) for n in star if get(star, n, "portlab_wall") is not None)
    if len(sizes) < 2:
        return None
    a, b = sizes[0], sizes[-1]
    return (star[str(b)]["portlab_wall"] - star[str(a)]["portlab_wall"]) / (b - a) * 1000


def rows(done):
    """(target, value, limit, at_most) for every target a measure here covers."""
    d = {name: r["data"] for name, r in done.items()}
    four, star, par = d.get("fourtuple"), d.get("star"), d.get("parallel")
    big, read = d.get("parallel50k"), d.get("readers")
    out = []
    if four:
        out.append(("four-tuple end to end ≤ 0.2 s", get(four, "portlab", "wall"), 0.2, True))
        out.append(("four-tuple peak RSS ≤ 48 MB", get(four, "portlab", "rss_mb"), 48, True))
        out.append(("four-tuple ≥ 15× the Mininet way", get(four, "ratio_mininet_to_portlab"),
                    15, False))
    if star:
        out.append(("50 hosts end to end ≤ 0.35 s", get(star, "50", "portlab_wall"), 0.35, True))
        if "250" in star:
            out.append(("250 hosts end to end ≤ 1.5 s", get(star, "250", "portlab_wall"), 1.5, True))
        out.append(("each host adds ≤ 5 ms", slope_ms(star), 5, True))
    if par:
        out.append(("10k connections: whole run with capture ≤ 1.2× without",
                    get(par, "ratio_whole"), 1.2, True))
        out.append(("10k connections: program phase ≤ 1.1×", get(par, "ratio_programs"), 1.1, True))
        out.append(("10k connections: 0 drops", get(par, "dropped"), 0, True))
    if big:
        gone = None if big.get("available") else "not available"
        out.append(("50k connections: whole run ≤ 10 s", gone or get(big, "wall"), 10, True))
        out.append(("50k connections: 0 drops", gone or get(big, "dropped"), 0, True))
    if read:
        out.append(("`portlab flows` ≤ 3× a bare loop",
                    get(read, "readers", "portlab flows", "x_bare"), 3, True))
    return out


def unit(text, value):
    """VALUE written in the unit its target uses."""
    if text.endswith(" MB"):
        return "%.1f MB" % value
    if text.endswith(" ms"):
        return "%.1f ms" % value
    if text.endswith(" s"):
        return "%.3f s" % value
    if "×" in text:
        return "%.2f×" % value
    return "%d" % value


def table(done):
    t = Table("issue 18's targets, as measured in this run", ["target", "measured", "met"])
    for text, value, limit, at_most in rows(done):
        if value is None or isinstance(value, str):
            t.add(text, value or "not measured", "")
        else:
            met = value <= limit if at_most else value >= limit
            t.add(text, unit(text, value), "yes" if met else "no")
    if any(r["data"].get("n") == 2000 for r in done.values() if isinstance(r["data"], dict)):
        t.notes.append("--quick: smaller measures (2,000 connections, 50 hosts); "
                       "the targets are for the full ones")
    return t if t.rows else None
