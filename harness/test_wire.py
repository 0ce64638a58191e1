"""The real wire: with offloads off, a capture shows the frames a cable would carry.

A 1 MB transfer between two hosts is captured on both sides; every frame
must fit the link's MTU (1500 + 14 bytes of Ethernet header) and be kept
whole (caplen == len). The pcap is read here, byte by byte, not by portlab.
"""
import struct

import pytest

from portlab_harness import TWO_HOSTS, need_root, portlab, LabRun

MTU = 1500
BYTES = 1000000

BULK = """\
lab bulk
title one megabyte from a to b
param offloads off
""" + TWO_HOSTS + """\
start recv on b: bulk_recv --listen 192.0.2.2:9000
wait recv listening tcp 192.0.2.2:9000
run send on a: bulk_send --connect 192.0.2.2:9000 --bytes %d
wait recv exit
note received bytes
expect "everything arrived" events recv received: all bytes = %d
""" % (BYTES, BYTES)


def pcap_records(path):
    """(caplen, len) of every record of the classic pcap file PATH."""
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\x4d\x3c\xb2\xa1": "<",
             b"\xa1\xb2\xc3\xd4": ">", b"\xa1\xb2\x3c\x4d": ">"}[magic]
    assert struct.unpack(order + "I", data[20:24])[0] == 1, "not Ethernet"
    out, at = [], 24
    while at < len(data):
        _, _, caplen, wirelen = struct.unpack(order + "IIII", data[at:at + 16])
        out.append((caplen, wirelen))
        at += 16 + caplen
    assert at == len(data), "a record runs past the end of the file"
    return out


def bulk_run(tmp_path, offloads, text=BULK):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(text)
    run = LabRun(portlab("run", str(lab), "--json", "--param", "offloads=" + offloads))
    assert run.rc == 0, (run.failed_verdicts(), run.stderr[-2000:])
    return run


ON_A_SEGMENT = BULK.replace("link a:eth0 b:eth0", "segment lan a:eth0 b:eth0")


@pytest.mark.parametrize("text", [BULK, ON_A_SEGMENT], ids=["veth link", "bridge segment"])
def test_a_megabyte_crosses_in_frames_that_fit_the_mtu(tmp_path, text):
    run = bulk_run(tmp_path, "off", text)
    for side in ("a:eth0", "b:eth0"):
        records = pcap_records(run.pcap(side))
        # 1 MB in segments of at most 1448 bytes: at least 690 data frames
        assert len(records) > BYTES // (MTU - 52), (side, len(records))
        cut = [r for r in records if r[0] != r[1]]
        assert cut == [], "%s: %d frames cut by the snaplen" % (side, len(cut))
        big = [r for r in records if r[1] > MTU + 14]
        assert big == [], "%s: frames bigger than the MTU: %s" % (side, big[:5])
        assert max(r[1] for r in records) == MTU + 14, side   # full-sized segments were sent
    flow = run.flows("b:eth0", proto="tcp")
    assert [f["orig_bytes"] for f in flow] == [BYTES]


def test_offloads_on_shows_super_frames(tmp_path):
    """The lesson of `param offloads on`: the capture shows what the stack handed the device."""
    run = bulk_run(tmp_path, "on")
    records = pcap_records(run.pcap("a:eth0"))
    assert records
    assert max(r[1] for r in records) > MTU + 14
    assert any(r[0] < r[1] for r in records)


def test_a_bad_offloads_value_is_a_lab_error(tmp_path):
    need_root()
    lab = tmp_path / "lab"
    lab.write_text(BULK)
    proc = portlab("run", str(lab), "--param", "offloads=maybe")
    assert proc.returncode == 2, proc.stderr
    assert "offloads is 'maybe': it must be on or off" in proc.stderr
