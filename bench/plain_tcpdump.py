"""tcpdump on the parallel lab's traffic, built with plain tools: what a capture
costs when portlab is not involved at all.

client (198.51.100.5) -- router -- server (203.0.113.80:443), three network
namespaces portlab-tdp-*, the lab's own parallel_server and parallel_client
(n connections from one host: the lab's part one), run with `ip netns exec`.
Each round runs the programs once with tcpdump on the router's client side
(so every packet is captured once, as in the lab) and once without; the
program phase is the server's start to its exit, tcpdump already listening.
It all runs in a mount namespace of its own (common.PRIVATE), where those
namespace names are private and die with it.
"""
import json
import os
import resource
import subprocess
import sys
import time

from common import Table, have, in_private_netns_dir, median, missing, ratio, run_private, times

WAYS = ["none", "tcpdump", "tcpdump --immediate-mode"]
NS = ["portlab-tdp-client", "portlab-tdp-router", "portlab-tdp-server"]
SETUP = {
    None: ["netns add " + ns for ns in NS] + [
        "link add eth0 netns portlab-tdp-client type veth peer name eth0 netns portlab-tdp-router",
        "link add eth0 netns portlab-tdp-server type veth peer name eth1 netns portlab-tdp-router"],
    NS[0]: ["link set lo up", "address add 198.51.100.5/24 dev eth0", "link set eth0 up",
            "route add default via 198.51.100.1"],
    NS[1]: ["link set lo up", "address add 198.51.100.1/24 dev eth0", "link set eth0 up",
            "address add 203.0.113.1/24 dev eth1", "link set eth1 up"],
    NS[2]: ["link set lo up", "address add 203.0.113.80/24 dev eth0", "link set eth0 up",
            "route add default via 203.0.113.1"],
}


def many_files():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def in_ns(ns, argv, **kw):
    return subprocess.Popen(["ip", "netns", "exec", ns] + argv, preexec_fn=many_files, **kw)


def build():
    for ns, cmds in SETUP.items():
        argv = ["ip"] + (["-n", ns] if ns else []) + ["-batch", "-"]
        subprocess.run(argv, input="\n".join(cmds) + "\n", text=True, check=True)
    subprocess.run(["ip", "netns", "exec", NS[1], "sysctl", "-qw", "net.ipv4.ip_forward=1"],
                   check=True)


def teardown():
    ours = [ns for ns in NS if os.path.exists("/run/netns/" + ns)]
    if ours:
        subprocess.run(["ip", "-batch", "-"], input="".join("netns del %s\n" % ns for ns in ours),
                       text=True, check=True)


def tcpdump_counts(stderr):
    """tcpdump's last words: packets captured, packets dropped by the kernel."""
    got = {}
    for line in stderr.splitlines():
        words = line.split()
        if len(words) >= 3 and words[0].isdigit():
            got[" ".join(words[1:])] = int(words[0])
    return got.get("packets captured"), got.get("packets dropped by kernel")


def one_round(programs, n, pcap, immediate):
    """Program phase seconds (and with tcpdump's start and stop), captured, dropped."""
    t0 = time.monotonic()
    dump = None
    if pcap:
        dump = in_ns(NS[1], ["tcpdump", "-i", "eth0", "-s", "1514", "-B", "32768", "-Z", "root"]
                     + (["--immediate-mode"] if immediate else []) + ["-w", pcap],
                     stderr=subprocess.PIPE, text=True)
        while "listening on" not in (dump.stderr.readline() or "listening on"):
            pass
    t1 = time.monotonic()
    server = in_ns(NS[2], [os.path.join(programs, "parallel_server"), "--listen",
                           "203.0.113.80:443", "--accept", str(n)], stdout=subprocess.DEVNULL)
    while "443" not in subprocess.run(["ip", "netns", "exec", NS[2], "ss", "-Hltn",
                                       "sport = :443"], capture_output=True, text=True).stdout:
        time.sleep(0.002)
    client = in_ns(NS[0], [os.path.join(programs, "parallel_client"), "--connect",
                           "203.0.113.80:443", "--count", str(n)], stdout=subprocess.DEVNULL)
    ok = client.wait() == 0 and server.wait() == 0
    t2 = time.monotonic()
    captured = lost = None
    if dump:  # the ring hands a block over at most 1 s after its first packet
        time.sleep(0.05 if immediate else 1.1)
        dump.send_signal(2)
        captured, lost = tcpdump_counts(dump.communicate()[1])
    return (t2 - t1 if ok else None), time.monotonic() - t0, captured, lost


def rounds_of(programs, n, rounds, folder):
    """ROUNDS alternating rounds without and with tcpdump (run by run_private)."""
    in_private_netns_dir()
    build()
    runs = {name: [] for name in WAYS}
    for r in range(rounds):
        for name in runs:
            pcap = os.path.join(folder, "r%d.pcap" % r) if name != "none" else None
            runs[name].append(one_round(programs, n, pcap, "immediate" in name))
    teardown()
    return runs


def measure(ctx, n, rounds):
    t = Table("tcpdump on the same traffic, plain tools (%d connections from one host through a "
              "router, ip netns exec): medians of %d alternating rounds" % (n, rounds),
              ["capture", "programs s", "with start/stop s", "packets", "dropped"])
    programs = os.path.join(os.path.dirname(ctx.portlab), "scenarios", "parallel")
    if not have("tcpdump"):
        t.add("tcpdump", missing("tcpdump"), "", "", "")
        return t, {"absent": missing("tcpdump")}
    runs = run_private("plain_tcpdump", [programs, str(n), str(rounds), ctx.scratch("tcpdump")])
    med = {k: [median(r[i] for r in v) for i in range(4)] for k, v in runs.items()}
    for name, m in med.items():
        t.add(name, m[0], m[1], int(m[2]) if name != "none" else "",
              max((r[3] or 0) for r in runs[name]) if name != "none" else "")
    for name in WAYS[1:]:
        t.add(name + " : none", times(ratio(med[name][0], med["none"][0])), "", "", "")
    t.notes.append("tcpdump -s 1514 -B 32768 -w FILE on the router's client side, waited for "
                   "until it listens; stopped with SIGINT 1.1 s after the programs in its default "
                   "mode (its ring hands over a block at most 1 s after the block's first packet), "
                   "50 ms after them with --immediate-mode; tcpdump does not drain its ring when "
                   "stopped, so its packet count may fall short of the traffic")
    return t, {"rounds": runs, "ratio_programs": ratio(med["tcpdump"][0], med["none"][0]),
               "ratio_programs_immediate": ratio(med[WAYS[2]][0], med["none"][0])}


if __name__ == "__main__":  # run_private("plain_tcpdump", [PROGRAMS, N, ROUNDS, FOLDER])
    print(json.dumps(rounds_of(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
