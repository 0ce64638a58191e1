"""Measure "star": N hosts on one bridge, no programs, end to end, beside raw
`ip -batch` and Mininet's `mn --topo single,N`."""
import json
import os
import subprocess
import sys
import time

from common import (CONTAINED, HERE, PYTHON, Table, have, in_private_netns_dir, median,
                    mininet_absent, missing, ratio, run_lab, run_private, times, timed, why)


def star_lab(n):
    """N hosts on one bridge, each with lo up and one address; one interface captured."""
    lines = ["lab star%d" % n, "title %d hosts on one segment" % n]
    for i in range(n):
        lines += ["host h%d" % i, "    iface eth0 198.51.100.%d/24" % (i + 1)]
    lines.append("segment lan " + " ".join("h%d:eth0" % i for i in range(n)))
    lines.append("capture h0:eth0")
    return "\n".join(lines) + "\n"


def ip_batch(script, netns=None):
    argv = ["ip"] + (["-n", netns] if netns else []) + ["-batch", "-"]
    subprocess.run(argv, input=script, text=True, check=True)


def raw_ip_batch(n):
    """The same topology with plain ip -batch, as design.md measured it: seconds
    to build it and seconds to delete it again (run by run_private)."""
    in_private_netns_dir()
    ns = ["portlab-ipb-sw"] + ["portlab-ipb-h%d" % i for i in range(n)]
    root = ["netns add " + name for name in ns]
    root += ["link add br0 netns portlab-ipb-sw type bridge"]
    root += ["link add eth0 netns portlab-ipb-h%d type veth peer name p%d netns portlab-ipb-sw"
             % (i, i) for i in range(n)]
    t0 = time.monotonic()
    ip_batch("\n".join(root) + "\n")
    sw = ["link set br0 up"] + ["link set p%d master br0\nlink set p%d up" % (i, i)
                                for i in range(n)]
    ip_batch("\n".join(sw) + "\n", "portlab-ipb-sw")
    for i in range(n):
        ip_batch("link set lo up\naddress add 198.51.100.%d/24 dev eth0\nlink set eth0 up\n"
                 % (i + 1), "portlab-ipb-h%d" % i)
    built = time.monotonic() - t0
    t1 = time.monotonic()
    ip_batch("".join("netns del %s\n" % name for name in ns))
    return built, time.monotonic() - t1


def mn_single(n):
    """`mn --topo single,N --switch lxbr --controller none --test none`: seconds, or why not."""
    if mininet_absent():
        return None, mininet_absent()
    if not have("brctl"):
        return None, missing("bridge-utils")
    took, _, proc = timed(CONTAINED + [PYTHON, os.path.join(HERE, "mn_quiet.py"), "--topo",
                                       "single,%d" % n, "--switch", "lxbr", "--controller", "none",
                                       "--test", "none", "--ipbase", "198.51.100.0/24"])
    return (took, None) if proc.returncode == 0 else (None, "failed: " + why(proc))


def measure(ctx):
    sizes, rounds = ([50], 1) if ctx.quick else ([50, 100, 150, 250], 3)
    t = Table("N hosts on one bridge, no programs, end to end: portlab median of %d, "
              "ip -batch median of %d, mn once" % (rounds, rounds),
              ["hosts", "portlab s", "ms/host", "build s", "ip -batch s", "ms/host",
               "mn s", "ms/host", "portlab is"])
    data = {}
    for n in sizes:
        lab = os.path.join(ctx.scratch("star%d" % n), "lab")
        with open(lab, "w") as f:
            f.write(star_lab(n))
        walls, builds, raws, raw_dels = [], [], [], []
        for _ in range(rounds):
            took, _, res, proc = run_lab(ctx, lab)
            if not res:
                t.notes.append("%d hosts: portlab failed: %s" % (n, why(proc)))
                break
            walls.append(took)
            builds.append(res["build_seconds"])
            built, deleted = run_private("m_star", [str(n)])
            raws.append(built)
            raw_dels.append(deleted)
        mn, mn_why = mn_single(n)
        wall, build, raw = median(walls), median(builds), median(raws)
        per = (lambda s: None if s is None else round(s / n * 1000, 2))
        ms = (lambda s: "n/a" if s is None else "%.1f" % (s / n * 1000))
        t.add(n, wall, ms(wall), build, raw, ms(raw), mn if mn else mn_why, ms(mn) if mn else "",
              times(ratio(mn, wall)) + " faster" if mn and wall else "")
        data[str(n)] = {"portlab_wall": wall, "portlab_build_seconds": build,
                        "ip_batch_build": raw, "ip_batch_delete": median(raw_dels),
                        "mn_wall": mn, "mn_absent": mn_why,
                        "portlab_ms_per_host": per(wall), "mn_ms_per_host": per(mn)}
    t.notes.append("ip -batch: one root batch plus one `ip -n HOST -batch` per host (build only; "
                   "deleting the namespaces took %s s more at %d hosts)"
                   % ("%.3f" % data[str(sizes[-1])]["ip_batch_delete"]
                      if data[str(sizes[-1])]["ip_batch_delete"] else "n/a", sizes[-1]))
    t.notes.append("mn: Mininet's own command with --ipbase 198.51.100.0/24, in namespaces of its "
                   "own and without its fixLimits() sysctls (bench/mn_quiet.py)")
    return [t], data


if __name__ == "__main__":  # run_private("m_star", [N]): one ip -batch build, as JSON
    print(json.dumps(raw_ip_batch(int(sys.argv[1]))))
