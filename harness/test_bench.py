"""bench/bench.py must keep working: its cheapest measure, run for real, gives
numbers in bench.json and a markdown table in bench.md. Nothing is timed here:
the test only checks that the figures are there."""
import json
import os
import subprocess
import sys

from portlab_harness import PORTLAB, need_root

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "bench", "bench.py")


def test_bench_only_check_writes_figures(tmp_path):
    need_root()
    proc = subprocess.run([sys.executable, BENCH, PORTLAB, "--only", "check", "--quick",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "bench.json") as f:
        doc = json.load(f)
    assert doc["machine"]["cpus"] > 0 and doc["machine"]["kernel"]
    assert list(doc["measures"]) == ["check"]
    sizes = doc["measures"]["check"]["data"]
    assert sizes, "the check measure measured nothing"
    for hosts, figures in sizes.items():
        assert int(hosts) > 0
        assert figures["seconds"] > 0, figures
        if figures["rss_mb"] is not None:  # None only without GNU time
            assert figures["rss_mb"] > 0, figures
    md = (tmp_path / "bench.md").read_text()
    assert "| hosts | seconds | peak RSS MB |" in md
    assert "reading and checking a lab file" in proc.stdout


def test_bench_refuses_an_unknown_measure(tmp_path):
    proc = subprocess.run([sys.executable, BENCH, PORTLAB, "--only", "nosuch",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "no measure nosuch" in proc.stderr
