"""One table of flow fields: a run's result.json and `portlab flows --json`
name the same fields, with the same values, for the same capture."""
import glob
import json
import os
import re

from portlab_harness import need_root, portlab, run_lab


def test_result_flows_and_flows_json_have_the_same_fields():
    run = run_lab("four-tuple")
    assert run.rc == 0, run.stderr
    caps = [c for c in run.result["captures"] if c["flows"]]
    assert caps, "the run captured no flow at all"
    for cap in caps:
        proc = portlab("flows", "--json", cap["file"])
        assert proc.returncode == 0, proc.stderr
        [doc] = json.loads(proc.stdout)["files"]
        assert len(doc["flows"]) == len(cap["flows"]) > 0
        for mine, theirs in zip(cap["flows"], doc["flows"]):
            assert list(mine) == list(theirs)
            assert mine == theirs
        assert {"orig_ip_bytes", "resp_ip_bytes", "conn_state", "tuple"} <= set(cap["flows"][0])


def test_the_report_prints_the_flows_table_of_portlab_flows(tmp_path):
    """A run's report shows each capture's flows as `portlab flows` prints that capture."""
    need_root()
    proc = portlab("run", "refused", "--verbose", "--captures", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [run_dir] = glob.glob(str(tmp_path / "refused" / "*"))
    lines = proc.stdout.splitlines()
    heads = [i for i, l in enumerate(lines) if re.match(r"^  \S+:\S+: \d+ flows?$", l)]
    compared = 0
    for i in heads:
        name = lines[i].split(": ")[0].strip()
        pcap = os.path.join(run_dir, name.replace(":", "-") + ".pcap")
        table = portlab("flows", pcap)
        assert table.returncode == 0, table.stderr
        rows = table.stdout.splitlines()[1:-1]  # without the file name and the summary
        if not rows:
            continue
        assert rows[0].split()[0] == "PROTO"
        assert [l[4:] for l in lines[i + 1:i + 1 + len(rows)]] == rows
        compared += 1
    assert compared > 0, "no capture with flows in the report"
