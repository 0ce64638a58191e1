#!/usr/bin/env python3
"""The four-tuple lab done "the Mininet way": Mininet's Python API, tcpdump, tshark.

    mininet_fourtuple.py PROGRAMS_DIR OUT_DIR

What a Mininet user writes for scenarios/four-tuple/lab: laptop -- router --
server with the lab's documentation addresses, no switch and no controller
(two point-to-point links, as the lab has), tcpdump on the four interfaces,
the lab's own compiled tcp_server and tcp_client (PROGRAMS_DIR, i.e.
build/scenarios/tools) for the two connections, then tshark's TCP
conversations of each capture, and net.stop(). Prints one JSON line: the
phases' seconds and the connections tshark found on each interface.

bench.py runs this inside `unshare --net --pid --fork --kill-child
--mount-proc`, so that every link and process it makes dies with it and
nothing touches the machine's own namespace; that costs a few milliseconds.
"""
import json
import os
import subprocess
import sys
import time

from mininet.net import Mininet

# Mininet.init() calls fixLimits(), which raises the machine's own sysctls
# (net.core.rmem_max, tcp_rmem, ...): a lab must never touch those.
Mininet.inited = True

IFACES = [("laptop", "laptop-eth0"), ("router", "router-eth0"),
          ("router", "router-eth1"), ("server", "server-eth0")]


def build():
    net = Mininet(topo=None, controller=None, build=False, waitConnected=False)
    laptop = net.addHost("laptop", ip="198.51.100.5/24", defaultRoute="via 198.51.100.1")
    router = net.addHost("router", ip="198.51.100.1/24")
    server = net.addHost("server", ip="203.0.113.80/24", defaultRoute="via 203.0.113.1")
    net.addLink(laptop, router)
    net.addLink(router, server, params1={"ip": "203.0.113.1/24"})
    net.build()
    router.cmd("sysctl -w net.ipv4.ip_forward=1")  # inside the router's namespace
    return net


def start_captures(net, out):
    """tcpdump on every interface, each confirmed listening before traffic starts."""
    dumps = []
    for host, intf in IFACES:
        proc = net[host].popen(["tcpdump", "-i", intf, "--immediate-mode", "-U", "-s", "1514", "-w",
                                os.path.join(out, intf + ".pcap")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        dumps.append(proc)
    for proc in dumps:  # tcpdump says "listening on IF" once its socket is bound
        while "listening on" not in (proc.stderr.readline() or "listening on"):
            pass
    return dumps


def wait_quiet(out):
    """Until no capture file has grown for 50 ms: tcpdump stops without writing
    what its ring still holds, so the last FIN and ACK need this time."""
    files = [os.path.join(out, intf + ".pcap") for _, intf in IFACES]
    sizes, quiet_since = None, time.monotonic()
    while time.monotonic() - quiet_since < 0.05:
        now = [os.path.getsize(f) for f in files]
        if now != sizes:
            sizes, quiet_since = now, time.monotonic()
        time.sleep(0.005)


def connect_twice(net, programs):
    server = net["server"].popen([os.path.join(programs, "tcp_server"), "--listen",
                                  "203.0.113.80:443", "--accept", "2"],
                                 stdout=subprocess.DEVNULL)
    while "443" not in net["server"].cmd("ss -Hltn sport = :443"):
        time.sleep(0.005)
    net["laptop"].cmd(os.path.join(programs, "tcp_client"),
                      "--connect 203.0.113.80:443 --count 2 > /dev/null")
    server.wait()


def captured(stderr):
    """tcpdump's own count: "N packets captured" as it exits."""
    for line in stderr.splitlines():
        if line.endswith("packets captured"):
            return int(line.split()[0])
    return None


def main():
    programs, out = sys.argv[1], sys.argv[2]
    t = [time.monotonic()]
    net = build()
    try:
        t.append(time.monotonic())
        dumps = start_captures(net, out)
        connect_twice(net, programs)
        wait_quiet(out)
        for proc in dumps:
            proc.send_signal(2)  # SIGINT: tcpdump writes what it holds and exits
        packets = [captured(proc.communicate()[1]) for proc in dumps]
        t.append(time.monotonic())
    finally:
        net.stop()
    t.append(time.monotonic())
    conns = {}
    for _, intf in IFACES:
        text = subprocess.run(["tshark", "-q", "-r", os.path.join(out, intf + ".pcap"),
                               "-z", "conv,tcp"], capture_output=True, text=True).stdout
        conns[intf] = sum(1 for line in text.splitlines() if "<->" in line)
    t.append(time.monotonic())
    print(json.dumps({"build": t[1] - t[0], "capture_and_programs": t[2] - t[1],
                      "stop": t[3] - t[2], "tshark": t[4] - t[3], "connections": conns,
                      "packets": dict(zip((i for _, i in IFACES), packets))}))


if __name__ == "__main__":
    main()
