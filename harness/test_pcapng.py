"""portlab's own pcapng reader: one flow table per interface, named as the file names it.

Files are built here block by block (either byte order), so each test says
exactly which blocks, options and lengths the reader gets. The last tests
read a real run's run.pcapng against its per-interface pcaps.
"""
import json
import os
import struct
import subprocess

import pytest

from pcapbuild import TCP, Capture, eth, ip4, tcp
from portlab_harness import PORTLAB, portlab, run_lab
from test_pcap_parser import C, S, handshake_data_fin

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(os.path.dirname(HERE), "sim", "fuzz", "corpus-pcapng")

SHB, IDB, OPB, SPB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 5, 6


def opt(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


class Ng:
    """A pcapng file, block by block, in byte order ORDER ("<" or ">")."""

    def __init__(self, order="<"):
        self.o, self.blocks = order, []
        self.section()

    def block(self, btype, body, length=None, trailer=None):
        body += b"\0" * (-len(body) % 4)
        n = 12 + len(body)
        self.blocks.append(struct.pack(self.o + "II", btype, length or n) + body +
                           struct.pack(self.o + "I", trailer or n))
        return self

    def options(self, opts):
        if not opts:
            return b""
        out = b"".join(struct.pack(self.o + "HH", c, len(v)) + v + b"\0" * (-len(v) % 4)
                       for c, v in opts)
        return out + struct.pack(self.o + "HH", 0, 0)

    def section(self):
        return self.block(SHB, struct.pack(self.o + "IHHq", 0x1A2B3C4D, 1, 0, -1))

    def iface(self, name=None, tsresol=None, linktype=1, snaplen=262144):
        opts = []
        if name:
            opts.append((2, name.encode()))
        if tsresol is not None:
            opts.append((9, bytes([tsresol])))
        return self.block(IDB, struct.pack(self.o + "HHI", linktype, 0, snaplen) +
                          self.options(opts))

    def packet(self, iface, ts, frame, units=10**6):
        t = int(round(ts * units))
        return self.block(EPB, struct.pack(self.o + "IIIII", iface, t >> 32, t & 0xffffffff,
                                           len(frame), len(frame)) + frame)

    def simple(self, frame):
        return self.block(SPB, struct.pack(self.o + "I", len(frame)) + frame)

    def obsolete(self, iface, ts, frame):
        t = int(round(ts * 1e6))
        return self.block(OPB, struct.pack(self.o + "HHIIII", iface, 0, t >> 32, t & 0xffffffff,
                                           len(frame), len(frame)) + frame)

    def bytes(self):
        return b"".join(self.blocks)

    def write(self, path):
        path.write_bytes(self.bytes())
        return str(path)


def flows(path, rc=0, stdin=None):
    p = subprocess.run([PORTLAB, "flows", "--json", path], input=stdin,
                       capture_output=True, timeout=60)
    assert p.returncode == rc, (p.returncode, p.stderr)
    assert b"Sanitizer" not in p.stderr
    return json.loads(p.stdout)["files"], p.stderr.decode()


def two_vantage_points(order="<"):
    """One connection seen on a:eth0 (microseconds) and b:eth0 (nanoseconds), interleaved."""
    ng = Ng(order).iface("a:eth0").block(0x40000BAD, b"custom block: skipped")
    ng.iface("b:eth0", tsresol=9)
    for t, frame in handshake_data_fin():
        ng.packet(0, t, frame)
        ng.packet(1, t + 0.0005, frame, units=10**9)
    return ng


def test_each_interface_gets_its_own_table(tmp_path):
    files, _ = flows(two_vantage_points().write(tmp_path / "two.pcapng"))
    assert [f["interface"] for f in files] == ["a:eth0", "b:eth0"]
    for f in files:
        assert f["complete"] and f["packets"] == 10
        assert [(x["tuple"], x["conn_state"], x["history"]) for x in f["flows"]] == \
            [("198.51.100.5:40001 -> 203.0.113.80:443", "SF", "ShADadFf")]
    # nanosecond timestamps are scaled, not read as microseconds
    assert files[0]["flows"][0]["ts"] == pytest.approx(1.000, abs=1e-6)
    assert files[1]["flows"][0]["ts"] == pytest.approx(1.0005, abs=1e-6)


def test_the_table_names_each_interface(tmp_path):
    path = two_vantage_points().write(tmp_path / "two.pcapng")
    out = portlab("flows", path).stdout
    assert "%s, interface a:eth0\n" % path in out
    assert "%s, interface b:eth0\n" % path in out
    assert out.count("1 flow, 10 packets") == 2


def test_big_endian_sections_read_the_same(tmp_path):
    little, _ = flows(two_vantage_points("<").write(tmp_path / "le.pcapng"))
    big, _ = flows(two_vantage_points(">").write(tmp_path / "be.pcapng"))
    for f in little + big:
        f.pop("file")
    assert big == little and len(big) == 2


def test_simple_obsolete_and_unknown_blocks(tmp_path):
    frames = handshake_data_fin()
    ng = Ng().iface("only").block(ISB, b"\0" * 12)
    ng.obsolete(0, frames[0][0], frames[0][1])
    for _, frame in frames[1:]:
        ng.simple(frame)     # no timestamp: the one before stands
    files, _ = flows(ng.write(tmp_path / "old.pcapng"))
    assert len(files) == 1 and files[0]["interface"] == "only"
    assert files[0]["packets"] == 10
    assert [x["conn_state"] for x in files[0]["flows"]] == ["SF"]


def test_a_second_section_brings_new_interfaces(tmp_path):
    frames = handshake_data_fin()
    ng = Ng().iface("first")
    for t, fr in frames[:5]:
        ng.packet(0, t, fr)
    ng.section().iface("second")
    for t, fr in frames[5:]:
        ng.packet(0, t, fr)
    files, _ = flows(ng.write(tmp_path / "two-sections.pcapng"))
    assert [(f["interface"], f["packets"]) for f in files] == [("first", 5), ("second", 5)]


def test_unnamed_interfaces_are_numbered_in_the_table(tmp_path):
    ng = Ng().iface().iface()
    for t, fr in handshake_data_fin():
        ng.packet(0, t, fr).packet(1, t, fr)
    path = ng.write(tmp_path / "unnamed.pcapng")
    out = portlab("flows", path).stdout
    assert "%s, interface 0\n" % path in out and "%s, interface 1\n" % path in out
    files, _ = flows(path)
    assert [f["interface"] for f in files] == [None, None]


def test_a_file_cut_inside_a_block_is_truncated(tmp_path):
    data = two_vantage_points().bytes()
    path = tmp_path / "cut.pcapng"
    path.write_bytes(data[:-30])
    files, err = flows(str(path), rc=1)
    assert all(f["complete"] is False for f in files)
    assert sum(f["packets"] for f in files) == 19
    assert "capture is truncated after 19 packets" in err


# (what is wrong, how it is built, words of the message)
DAMAGE = [
    ("trailer disagrees", lambda ng, fr: ng.block(EPB, struct.pack("<IIIII", 0, 0, 1, len(fr), len(fr)) + fr,
                                                  trailer=999), "ends with length 999"),
    ("length not a multiple of 4", lambda ng, fr: ng.block(EPB, b"\0" * 20, length=33),
     "has length 33"),
    ("packet on an undescribed interface", lambda ng, fr: ng.packet(7, 2.0, fr),
     "a packet on interface 7, but this section describes 1"),
    ("captured length past the block", lambda ng, fr: ng.block(EPB, struct.pack("<IIIII", 0, 0, 1, 5000, 5000) + fr),
     "5000 captured bytes"),
    ("impossible tsresol", lambda ng, fr: ng.iface("x", tsresol=40), "if_tsresol 40"),
    ("option past its block", lambda ng, fr: ng.block(IDB, struct.pack("<HHI", 1, 0, 0) +
                                                      struct.pack("<HH", 2, 200) + b"abcd"),
     "runs past the end of its block"),
    ("huge block", lambda ng, fr: ng.block(EPB, b"\0" * 20, length=0x7ffffff0), "at most"),
]


@pytest.mark.parametrize("what,damage,words", DAMAGE, ids=[d[0] for d in DAMAGE])
def test_malformed_blocks_stop_the_file_with_a_reason(tmp_path, what, damage, words):
    frame = handshake_data_fin()[0][1]
    ng = Ng().iface("a:eth0").packet(0, 1.0, frame)
    damage(ng, frame)
    ng.packet(0, 3.0, frame)            # never reached
    files, err = flows(ng.write(tmp_path / "bad.pcapng"), rc=1)
    assert sum(f["packets"] for f in files) == 1, what
    assert "capture is damaged after 1 packets (malformed: " in err, err
    assert words in err, err


def test_stdin_reads_pcap_and_pcapng(tmp_path):
    cap = Capture()
    for t, fr in handshake_data_fin():
        cap.add(t, fr)
    for path in (cap.write(tmp_path / "a.pcap"), two_vantage_points().write(tmp_path / "b.pcapng")):
        from_file, _ = flows(path)
        with open(path, "rb") as f:
            from_pipe, _ = flows("-", stdin=f.read())
        for f in from_file + from_pipe:
            f.pop("file")
        assert from_pipe == from_file and from_file


def test_empty_stdin_is_a_usage_error():
    p = subprocess.run([PORTLAB, "flows", "-"], input=b"", capture_output=True, timeout=60)
    assert p.returncode == 2
    assert p.stderr == b"portlab: stdin: empty input, not a pcap or pcapng capture\n"


def write_seeds():
    """The fuzzer's seed corpus: small files that reach every kind of block."""
    frames = handshake_data_fin()
    bad_trailer = Ng().iface("a:eth0")
    bad_trailer.block(EPB, struct.pack("<IIIII", 0, 0, 1, 4, 4) + b"abcd", trailer=8)
    old = Ng().iface("x").obsolete(0, 1.0, frames[0][1]).simple(frames[1][1]).block(ISB, b"\0" * 12)
    seeds = {
        "two-interfaces-le": two_vantage_points("<").bytes(),
        "two-interfaces-be": two_vantage_points(">").bytes(),
        "old-blocks": old.bytes(),
        "bad-trailer": bad_trailer.bytes(),
        "cut": two_vantage_points().bytes()[:200],
    }
    os.makedirs(SEEDS, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(SEEDS, name + ".pcapng"), "wb") as f:
            f.write(data)


def test_fuzz_seeds_are_current_and_read_without_harm():
    """The committed seeds are what write_seeds makes, and each reads to a clean end or reason."""
    names = sorted(os.listdir(SEEDS))
    assert len(names) >= 5
    before = {n: open(os.path.join(SEEDS, n), "rb").read() for n in names}
    write_seeds()
    assert {n: open(os.path.join(SEEDS, n), "rb").read() for n in names} == before
    for name in names:
        p = subprocess.run([PORTLAB, "flows", os.path.join(SEEDS, name)],
                           capture_output=True, timeout=60)
        assert p.returncode in (0, 1), (name, p.stderr)
        assert b"Sanitizer" not in p.stderr and b"runtime error" not in p.stderr


def test_run_pcapng_gives_the_flows_of_each_interface_pcap():
    """On a real run: each interface of run.pcapng has exactly the flows of its own pcap."""
    run = run_lab("four-tuple")
    files, err = flows(run.result["pcapng"])
    assert err == ""
    names = [c["name"] for c in run.result["captures"]]
    assert [f["interface"] for f in files] == names
    assert len(names) == 4
    for f in files:
        own, _ = flows(run.pcap(f["interface"]))
        assert f["flows"] == own[0]["flows"], f["interface"]
        assert f["packets"] == own[0]["packets"]
        assert len([x for x in f["flows"] if x["proto"] == "tcp"]) == 2
