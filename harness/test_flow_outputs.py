"""portlab flows --zeek and --csv: read back as zeek's conn.log TSV and as CSV, each
agreeing field by field with --json for the same capture."""
import csv
import io
import json
import os

from portlab_harness import ROOT, portlab

GOLDEN = os.path.join(ROOT, "harness", "golden", "flows-basic.pcap")


def json_flows():
    proc = portlab("flows", "--json", GOLDEN)
    assert proc.returncode == 0, proc.stderr
    [doc] = json.loads(proc.stdout)["files"]
    assert doc["flows"]
    return doc["flows"]


def read_conn_log(text):
    """Rows of a zeek log as dicts, by its #fields line; its #unset_field is None and
    its #empty_field the empty string."""
    fields, rows, unset, empty = None, [], None, None
    for line in text.splitlines():
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif line.startswith("#unset_field\t"):
            unset = line.split("\t")[1]
        elif line.startswith("#empty_field\t"):
            empty = line.split("\t")[1]
        elif line and not line.startswith("#"):
            values = line.split("\t")
            assert fields and len(values) == len(fields), line
            rows.append({k: (None if v == unset else "" if v == empty else v)
                         for k, v in zip(fields, values)})
    return fields, rows


def test_zeek_conn_log_has_zeeks_header_and_agrees_with_json():
    proc = portlab("flows", "--zeek", GOLDEN)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("#separator \\x09\n")
    assert "#path\tconn\n" in proc.stdout and "\n#close\t" in proc.stdout
    fields, rows = read_conn_log(proc.stdout)
    assert fields[:7] == ["ts", "uid", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto"]
    flows = json_flows()
    assert len(rows) == len(flows)
    for row, flow in zip(rows, flows):
        assert row["uid"].startswith("C") and len(row["uid"]) == 18
        for key in ("id.orig_h", "id.resp_h", "proto", "conn_state", "history"):
            assert row[key] == flow[key], key
        for key in ("id.orig_p", "id.resp_p", "orig_bytes", "resp_bytes", "orig_pkts",
                    "resp_pkts", "orig_ip_bytes", "resp_ip_bytes"):
            assert int(row[key]) == flow[key], key
        assert abs(float(row["ts"]) - flow["ts"]) < 1e-6
        assert row["service"] is None and row["missed_bytes"] == "0"
    assert len({r["uid"] for r in rows}) == len(rows)


def test_csv_has_every_json_field():
    proc = portlab("flows", "--csv", GOLDEN)
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.DictReader(io.StringIO(proc.stdout, newline="")))
    flows = json_flows()
    assert len(rows) == len(flows)
    for row, flow in zip(rows, flows):
        assert row["file"] == GOLDEN and row["interface"] == ""
        assert set(row) - {"file", "interface"} == set(flow)
        for key, value in flow.items():
            if value is None:
                assert row[key] == "", key
            elif isinstance(value, (int, float)):
                assert abs(float(row[key]) - value) < 1e-6, key
            else:
                assert row[key] == value, key
