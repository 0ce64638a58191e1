"""Bad input stays harmless: lab files that are not text, huge labs, JSON
output of bytes that are not UTF-8, and the fuzzing corpus of the lab reader.

None of this needs root: `portlab check` and `portlab flows` build nothing.
"""
import json
import os
import subprocess

import pytest

from portlab_harness import PORTLAB, ROOT, portlab

CORPUS = os.path.join(ROOT, "harness", "fuzz", "lab-corpus")


def pairs_lab(n, clash=False):
    """N hosts in linked pairs; with CLASH, two more whose capture files collide."""
    lines = ["lab pairs", "title %d hosts in pairs" % n]
    for i in range(n):
        lines += ["host h%d" % i, "    iface eth0 192.0.2.%d/24" % (1 + i % 2)]
    lines += ["link h%d:eth0 h%d:eth0" % (i, i + 1) for i in range(0, n - 1, 2)]
    if clash:
        # h0-x + eth0 and h0 + x-eth0 are both captured as h0-x-eth0.pcap
        lines += ["host h0-x", "    iface eth0 192.0.2.1/24",
                  "host zz", "    iface eth0 192.0.2.2/24", "link h0-x:eth0 zz:eth0"]
        lines[lines.index("    iface eth0 192.0.2.1/24")] += "\n    iface x-eth0 192.0.2.3/24"
        lines += ["host yy", "    iface eth0 192.0.2.4/24", "link h0:x-eth0 yy:eth0"]
    lines.append('run client on h0: tcp_client --connect 192.0.2.2:80')
    lines.append('expect "refused" events client connect: all errno = ECONNREFUSED')
    return "\n".join(lines) + "\n"


def test_ten_thousand_hosts_are_read_and_checked(tmp_path):
    lab = tmp_path / "lab"
    lab.write_text(pairs_lab(10000))
    proc = portlab("check", str(lab), timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "10000 hosts" in proc.stdout


def test_a_capture_clash_among_ten_thousand_hosts_is_found_at_its_line(tmp_path):
    lab = tmp_path / "lab"
    text = pairs_lab(10000, clash=True)
    lab.write_text(text)
    line = text.split("\n").index("host h0-x") + 2  # the iface line below it
    proc = portlab("check", str(lab), timeout=120)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "%s:%d: h0-x:eth0 and h0:x-eth0 would both be captured as h0-x-eth0.pcap" % (lab, line) \
        in proc.stderr


def test_json_output_escapes_bytes_that_are_not_utf8(tmp_path):
    """A capture whose name holds a Latin-1 byte and a control byte: flows --json stays strict JSON."""
    name = os.path.join(os.fsencode(str(tmp_path)), b"caf\xe9\x01.pcap")
    with open(name, "wb") as f:
        f.write(b"not a capture at all")
    proc = subprocess.run([PORTLAB, "flows", "--json", name], capture_output=True, timeout=60)
    assert proc.returncode == 2
    out = proc.stdout.decode("utf-8")  # strict: raises on any byte that is not UTF-8
    doc = json.loads(out)
    files = doc["files"]
    assert len(files) == 1
    assert files[0]["file"].endswith("caf\ufffd\x01.pcap")
    assert "\\u0001" in out and "\\ufffd" in out
    assert files[0]["complete"] is False and files[0]["flows"] == []


def test_the_fuzzing_corpus_gives_only_errors_or_labs(tmp_path):
    """Every seed of the lab-reader fuzzer is either a good lab or a clean error, never a crash."""
    seeds = sorted(os.listdir(CORPUS))
    assert len(seeds) >= 10
    good = 0
    for seed in seeds:
        proc = subprocess.run([PORTLAB, "check", os.path.join(CORPUS, seed)],
                              capture_output=True, timeout=60)
        err = proc.stderr.decode("utf-8", "replace")
        assert proc.returncode in (0, 2), (seed, proc.returncode, err)
        assert "Sanitizer" not in err and "runtime error" not in err, (seed, err)
        good += proc.returncode == 0
    assert good >= 10  # the labs of scenarios/ are seeds too


@pytest.mark.parametrize("text,message", [
    (b"host a\n    iface eth0 192.0.2.1/24\nabout \xef\xbb\xbf\xff\n", "byte 0xff at column 10 is not UTF-8"),
    (b"title x\x7f\n", "a control character (0x7f) at column 8"),
    (b"\x00" * 100, "a NUL byte at column 1"),
    (b"title " + b"x" * 5000 + b"\n", "line too long"),
])
def test_text_that_is_no_lab_is_refused_at_its_line(tmp_path, text, message):
    lab = tmp_path / "lab"
    lab.write_bytes(text)
    proc = portlab("check", str(lab))
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "%s:" % lab in proc.stderr
