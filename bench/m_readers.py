"""Measure "readers": reading a 193 MB, 1.95 M-packet capture, portlab beside a
bare pcap_next_ex loop, tcpdump and tshark."""
import os
import subprocess

from common import Table, compile_tool, have, mb, mbs, median, missing, ratio, times, timed, why

CONNECTIONS = 243750  # 8 packets each: 1.95 M packets, 193 MB


def big_capture(ctx):
    """The capture, made once by bench/gen_capture.c and kept in the out folder."""
    gen = compile_tool(ctx, "gen_capture")
    path = os.path.join(ctx.bin, "capture-%d.pcap" % CONNECTIONS)
    if not os.path.exists(path) or os.path.getmtime(path) < os.path.getmtime(gen):
        subprocess.run([gen, path + ".part", str(CONNECTIONS)], check=True,
                       stdout=subprocess.DEVNULL)
        os.rename(path + ".part", path)
    return path


def readers(ctx, bare, pcap):
    """(name, argv, rounds, why it cannot run) for every reader, the bare loop first."""
    p = ctx.portlab
    fast = 1 if ctx.quick else 3
    out = [("bare pcap_next_ex loop", [bare, pcap], fast, None),
           ("portlab flows", [p, "flows", pcap], fast, None),
           ("portlab flows --json", [p, "flows", "--json", pcap], fast, None),
           ("tcpdump -nn -r", ["tcpdump", "-nn", "-r", pcap], 1,
            None if have("tcpdump") else missing("tcpdump"))]
    tshark = None if have("tshark") else missing("tshark")
    if ctx.quick and not tshark:
        tshark = "skipped (--quick)"
    out.append(("tshark -q -z conv,tcp", ["tshark", "-q", "-r", pcap, "-z", "conv,tcp"], 1,
                tshark))
    return out


def measure(ctx):
    pcap = big_capture(ctx)
    size = os.path.getsize(pcap)
    bare = compile_tool(ctx, "bare_loop")
    t = Table("reading a %.0f MB, %.2f M-packet capture (%d TCP connections, bench/gen_capture.c), "
              "warm cache: best of 3 (tcpdump, tshark: once)" % (size / 1e6, CONNECTIONS * 8 / 1e6,
                                                                  CONNECTIONS),
              ["reader", "seconds", "× bare loop", "MB/s", "peak RSS MB"])
    data = {"file_mb": round(size / 1e6, 1), "packets": CONNECTIONS * 8, "readers": {}}
    subprocess.run(["cat", pcap], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    base = None
    for name, argv, rounds, absent in readers(ctx, bare, pcap):
        if absent:
            t.add(name, absent, "", "", "")
            data["readers"][name] = {"absent": absent}
            continue
        runs = [timed(argv) for _ in range(rounds)]
        failed = [proc for _, _, proc in runs if proc.returncode != 0]
        if failed:
            t.add(name, "failed: " + why(failed[0]), "", "", "")
            data["readers"][name] = {"error": why(failed[0])}
            continue
        best = min(s for s, _, _ in runs)
        rss = median(k for _, k, _ in runs)
        base = base or best
        t.add(name, best, times(ratio(best, base)), round(size / 1e6 / best), mbs(rss))
        data["readers"][name] = {"seconds": best, "x_bare": ratio(best, base), "rss_mb": mb(rss)}
    return [t], data
