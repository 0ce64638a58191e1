"""portlab ladder: a connection drawn at every vantage point it crossed.

The four-tuple run is the anchor: both connections at laptop:eth0,
router:eth0, router:eth1 and server:eth0, with the socket calls from
result.json on the same time axis. Small hand-built captures check ICMP
errors, selection and reading plain files and pipes.
"""
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from pcapbuild import ICMP, TCP, Capture, eth, icmp, ip4, tcp
from portlab_harness import PORTLAB, portlab, run_lab
from test_pcap_parser import C, S, handshake_data_fin

PATH = ["laptop:eth0", "router:eth0", "router:eth1", "server:eth0"]
SVG = "{http://www.w3.org/2000/svg}"


def ladders(text):
    """The ladders in TEXT: {tuple: {"cols": [...], "rows": [(t, grid, label)]}}.

    A row is the time (10 characters), two blanks, the grid (as wide as the
    heading's names), two blanks and the label.
    """
    out, cur, width = {}, None, 0
    for line in text.splitlines():
        m = re.match(r"^connection (\d+): (\w+) (.*)$", line)
        if m:
            cur = out[m.group(3)] = {"number": int(m.group(1)), "cols": [], "rows": []}
        elif cur is not None and line.lstrip().startswith("TIME (s)"):
            cur["cols"] = line.split()[2:]
            width = len(line) - 12
        elif cur is not None and re.match(r"^ *\d+\.\d{6}  ", line):
            assert line[10:12] == "  " and line[12 + width:14 + width] == "  ", line
            cur["rows"].append((float(line[:10]), line[12:12 + width], line[14 + width:]))
    return out


def marks(grid):
    """Which columns of a row's grid hold a mark: 'o' seen, '#' socket call."""
    return [c for c in grid if c in "o#|"]


@pytest.fixture(scope="module")
def run():
    return run_lab("four-tuple")


def test_both_connections_at_all_four_vantage_points(run):
    proc = portlab("ladder", run.result["dir"])
    assert proc.returncode == 0, proc.stderr
    drawn = ladders(proc.stdout)
    flows = run.flows("router:eth1", proto="tcp")
    assert len(flows) == 2
    assert set(drawn) == {f["tuple"] for f in flows}
    for f in flows:
        lad = drawn[f["tuple"]]
        assert lad["cols"] == PATH
        arrows = [r for r in lad["rows"] if "o" in r[1]]
        # every packet crossed the router: one arrow each, seen at all four points
        assert len(arrows) == f["orig_pkts"] + f["resp_pkts"]
        assert all(marks(g) == ["o"] * 4 for _, g, _ in arrows)
        assert arrows[0][2].startswith("SYN seq=0 len=0")
        assert arrows[1][2].startswith("SYN,ACK seq=0 ack=1")
        times = [t for t, _, _ in lad["rows"]]
        assert times == sorted(times) and times[0] == 0.0


def test_socket_calls_sit_in_their_hosts_columns_in_time(run):
    drawn = ladders(portlab("ladder", run.result["dir"]).stdout)
    accepts = run.events(role="server", call="accept", ok=True)
    connects = run.events(role="client", call="connect", ok=True)
    assert len(accepts) == len(connects) == 2
    for ev in connects + accepts:
        lad = drawn[ev["tuple"]]
        rows = [r for r in lad["rows"] if ev["call"] + "()" in r[2] and "called" not in r[2]]
        assert len(rows) == 1, rows
        t, grid, label = rows[0]
        col = 0 if ev["role"] == "client" else 3
        assert marks(grid)[col] == "#", grid
        assert label.startswith("[%s] %s" % (PATH[col], ev["role"]))
        # the call returned after the handshake that made it possible
        syn_ack = [r for r in lad["rows"] if r[2].startswith("SYN,ACK")][0]
        assert t > syn_ack[0]
    for ev in accepts:
        assert "accept() = fd %d" % ev["fd"] in portlab("ladder", run.result["dir"]).stdout


def test_blocking_calls_show_when_they_began(run):
    """tcp_client and tcp_server say when connect and accept were called (t_called)."""
    drawn = ladders(portlab("ladder", run.result["dir"]).stdout)
    assert len(drawn) == 2
    for lad in drawn.values():
        labels = [r[2] for r in lad["rows"]]
        called = labels.index("[laptop:eth0] client connect() called")
        syn = [i for i, lab in enumerate(labels) if lab.startswith("SYN seq=0")][0]
        returned = labels.index("[laptop:eth0] client connect() ok")
        assert called < syn < returned
        acc = [i for i, lab in enumerate(labels) if "server accept() = fd" in lab][0]
        assert labels.index("[server:eth0] server accept() called") < acc
        # accept hands over a connection only once the handshake's last ACK arrived
        last_ack = [i for i, lab in enumerate(labels) if lab.startswith("ACK seq=1 ack=1 ")][0]
        assert last_ack < acc


def test_svg_is_valid_xml_with_the_same_arrows(run, tmp_path):
    svg = tmp_path / "ladder.svg"
    proc = portlab("ladder", run.result["dir"], "--svg", str(svg))
    assert proc.returncode == 0, proc.stderr
    rows = [r for lad in ladders(proc.stdout).values() for r in lad["rows"]]
    root = ET.parse(svg).getroot()
    assert root.tag == SVG + "svg"
    cls = lambda e: (e.get("class") or "").split()
    packets = [e for e in root.iter(SVG + "line") if "packet" in cls(e)]
    events = [e for e in root.iter(SVG + "rect") if "event" in cls(e)]
    assert packets and events
    assert len(packets) == len([r for r in rows if "o" in r[1]])
    assert len(events) == len([r for r in rows if "#" in r[1]])
    heads = [e.text for e in root.iter(SVG + "text") if "col" in cls(e)]
    assert heads == PATH * 2
    # self-contained: nothing fetched from anywhere
    text = svg.read_text()
    assert "href=\"http" not in text and "@import" not in text


def test_flow_and_tuple_select_one_connection(run):
    [f1, f2] = run.flows("router:eth1", proto="tcp")
    one = ladders(portlab("ladder", "--flow", "2", run.result["dir"]).stdout)
    assert len(one) == 1 and list(one.values())[0]["number"] == 2
    a, b = f1["tuple"].split(" -> ")
    by = portlab("ladder", "--tuple", "%s-%s" % (b, a), run.result["dir"])
    assert by.returncode == 0 and list(ladders(by.stdout)) == [f1["tuple"]]
    none = portlab("ladder", "--flow", "9", run.result["dir"])
    assert none.returncode == 2 and "no connection 9: the captures hold 2" in none.stderr


def test_plain_pcaps_are_vantage_points_named_after_their_files(run):
    files = [run.pcap("laptop:eth0"), run.pcap("server:eth0")]
    drawn = ladders(portlab("ladder", *files).stdout)
    assert len(drawn) == 2
    for lad in drawn.values():
        assert lad["cols"] == ["laptop-eth0", "server-eth0"]
        assert all(marks(g) == ["o", "o"] for _, g, _ in lad["rows"])


def test_icmp_error_is_drawn_on_the_connection_it_quotes(tmp_path):
    syn = ip4(C, S, TCP, tcp(40020, 443, 1000, 0, "S"))
    cap = Capture()
    cap.add(1.0, eth(syn))
    # 192.0.2.1 > 198.51.100.5: ICMP host 203.0.113.80 unreachable
    cap.add(1.001, eth(ip4("192.0.2.1", C, ICMP, icmp(3, 1, body=syn[:28]))))
    path = cap.write(tmp_path / "unreach.pcap")
    proc = portlab("ladder", path)
    assert proc.returncode == 0, proc.stderr
    [lad] = ladders(proc.stdout).values()
    assert [r[2] for r in lad["rows"]] == ["SYN seq=0 len=0", "ICMP host-unreachable"]
    assert "-->" in lad["rows"][0][1] and "<--" in lad["rows"][1][1]


def test_relative_numbers_and_stdin(tmp_path):
    cap = Capture()
    for t, fr in handshake_data_fin():
        cap.add(t, fr)
    path = cap.write(tmp_path / "conn.pcap")
    with open(path, "rb") as f:
        proc = subprocess.run([PORTLAB, "ladder", "-"], stdin=f, capture_output=True,
                              text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    [lad] = ladders(proc.stdout).values()
    labels = [r[2] for r in lad["rows"]]
    assert labels[3] == "PSH,ACK seq=1 ack=1 len=100"
    assert labels[5] == "PSH,ACK seq=1 ack=101 len=300"
    assert labels[-1] == "ACK seq=102 ack=302 len=0"
    assert lad["cols"] == ["-"]


@pytest.mark.parametrize("args,words", [
    ([], "no capture given"),
    (["--tuple", "1.2.3.4-5.6.7.8", "x.pcap"], "--tuple wants ADDR:PORT-ADDR:PORT"),
    (["--flow", "0", "x.pcap"], "--flow wants a connection number"),
    (["--flow", "1", "--tuple", "192.0.2.1:1-192.0.2.2:2", "x.pcap"], "not both"),
    (["/nonexistent.pcap"], "No such file or directory"),
])
def test_usage_errors(args, words):
    proc = portlab("ladder", *args)
    assert proc.returncode == 2 and words in proc.stderr, proc.stderr


def test_a_folder_without_run_pcapng_uses_its_interface_pcaps(run, tmp_path):
    """A run stopped before run.pcapng was written: result.json lists the pcaps."""
    import shutil
    folder = tmp_path / "run"
    shutil.copytree(run.result["dir"], folder)
    os.unlink(folder / "run.pcapng")
    whole = ladders(portlab("ladder", run.result["dir"]).stdout)
    parts = ladders(portlab("ladder", str(folder)).stdout)
    assert len(parts) == 2
    for tuple_, lad in parts.items():
        assert lad["cols"] == PATH
        assert [r[2] for r in lad["rows"]] == [r[2] for r in whole[tuple_]["rows"]]


def test_a_packet_lost_on_the_way_stops_short(tmp_path):
    """Seen on the router's way in but not on its way out: the arrow says where it stopped."""
    from test_pcapng import Ng
    frames = handshake_data_fin()
    ng = Ng().iface("client:eth0").iface("router:eth0").iface("router:eth1")
    for t, fr in frames[:3]:                     # the handshake crosses the router
        for k in range(3):
            ng.packet(k, t + k * 1e-5, fr)
    ng.packet(0, frames[3][0], frames[3][1])     # the data reaches the router...
    ng.packet(1, frames[3][0] + 1e-5, frames[3][1])   # ...and goes no further
    proc = portlab("ladder", ng.write(tmp_path / "lost.pcapng"))
    assert proc.returncode == 0, proc.stderr
    [lad] = ladders(proc.stdout).values()
    assert lad["cols"] == ["client:eth0", "router:eth0", "router:eth1"]
    last = lad["rows"][-1]
    assert last[2].startswith("PSH,ACK seq=1 ack=1 len=100")
    assert last[2].endswith("(not seen after router:eth0)")
    assert marks(last[1]) == ["o", "o", "|"]
    assert all(marks(g) == ["o"] * 3 for _, g, _ in lad["rows"][:3])


def test_ipv6_connection_picked_by_a_bracketed_tuple(tmp_path):
    from test_pcap_parser import C6, S6
    cap = Capture()
    for t, fr in handshake_data_fin() + handshake_data_fin(C6, S6, sport=40009):
        cap.add(t, fr)
    path = cap.write(tmp_path / "both.pcap")
    proc = portlab("ladder", "--tuple", "[%s]:443-[%s]:40009" % (S6, C6), path)
    assert proc.returncode == 0, proc.stderr
    drawn = ladders(proc.stdout)
    assert list(drawn) == ["[2001:db8::5]:40009 -> [2001:db8::80]:443"]
    assert len(drawn["[2001:db8::5]:40009 -> [2001:db8::80]:443"]["rows"]) == 10


def test_a_truncated_capture_still_draws_what_it_holds(tmp_path):
    cap = Capture()
    for t, fr in handshake_data_fin():
        cap.add(t, fr)
    path = tmp_path / "cut.pcap"
    path.write_bytes(cap.pcap_bytes()[:-20])
    proc = portlab("ladder", str(path))
    assert proc.returncode == 1
    assert "the ladder shows the part before it" in proc.stderr
    [lad] = ladders(proc.stdout).values()
    assert len(lad["rows"]) == 9
