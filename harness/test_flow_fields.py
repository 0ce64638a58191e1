"""One table of flow fields: a run's result.json and `portlab flows --json`
name the same fields, with the same values, for the same capture."""
import json

from portlab_harness import portlab, run_lab


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
    """The report's table of a capture is `portlab flows`'s table of its file, indented."""
    run = run_lab("refused")
    assert run.rc == 0, run.stderr
    cap = next(c for c in run.result["captures"] if c["flows"])
    proc = portlab("flows", cap["file"])
    assert proc.returncode == 0, proc.stderr
    table = [l for l in proc.stdout.splitlines()[1:-1]]  # without the file name and the summary
    assert table and table[0].split()[0] == "PROTO"
    text = portlab("run", "refused", "--verbose", "--captures", str(tmp_path))
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    head = lines.index("  %s: %d flow%s" % (cap["name"], len(cap["flows"]),
                                             "" if len(cap["flows"]) == 1 else "s"))
    shown = [l[4:] for l in lines[head + 1:head + 1 + len(table)]]
    # ports differ between the two runs: compare the columns that do not
    assert [l.split()[0] for l in shown] == [l.split()[0] for l in table]
    assert [l.split()[3:] for l in shown] == [l.split()[3:] for l in table]
