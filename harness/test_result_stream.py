"""result.json and the reports are written straight to their file as they go,
from records kept compactly (sim/record.c): what they say must be the run
itself, whatever the size.

- the text report's socket events and verdicts are result.json's, row by
  row (the same records read through two writers);
- the flows in result.json are those `portlab flows --json` reads from the
  same capture, field by field and in the same order;
- a 10,000-connection run's result.json is strict JSON, equal to what
  --json printed, with every event once, in order, one line each.
"""
import json
import re

import pytest

from portlab_harness import need_labs, portlab, run_lab

# Fields every event has, or that portlab derives: the text report's DETAIL leaves them out.
PLAIN = {"t", "call", "ok", "errno", "error", "fd", "local", "remote", "bytes", "role",
         "host", "seq", "local_addr", "local_port", "remote_addr", "remote_port", "tuple",
         "opened_by", "state"}


def strict_json(text):
    """TEXT parsed as RFC 8259 JSON: NaN and Infinity are not JSON."""
    def no_constant(name):
        raise AssertionError("not JSON: %s" % name)
    return json.loads(text, parse_constant=no_constant)


@pytest.fixture(scope="module")
def four_tuple(tmp_path_factory):
    """four-tuple run once with --verbose: (text report, result.json as text)."""
    need_labs()
    captures = tmp_path_factory.mktemp("captures")
    proc = portlab("run", "four-tuple", "--verbose", "--captures", str(captures))
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    found = re.search(r"^result in (\S+)$", proc.stdout, re.M)
    assert found, proc.stdout[-2000:]
    with open(found.group(1)) as f:
        return proc.stdout, f.read()


def result_text(ev):
    """The RESULT column the text report gives event EV (report.c, report_event_result)."""
    if ev["call"] == "socket-table":
        return ev["state"]
    if "ok" not in ev:
        return "-"
    if ev["ok"] is False:
        return ev["errno"]
    if ev["call"] in ("socket", "accept", "close"):
        return "ok fd %s" % ev["fd"]
    if "bytes" in ev:
        return "ok %s bytes" % ev["bytes"]
    return "ok"


def event_rows(text):
    """The rows of the text report's socket events table, cut at the header's columns."""
    lines = text.splitlines()
    start = lines.index("socket events") + 1
    header = lines[start]
    names = header.split()
    assert names == ["ROLE", "CALL", "RESULT", "LOCAL", "REMOTE", "DETAIL"], header
    cols = [header.index(n) for n in names] + [None]
    rows = []
    for line in lines[start + 1:]:
        if not line.startswith("  ") or line.startswith("  ..."):
            break
        rows.append({n: line[cols[i]:cols[i + 1]].strip() for i, n in enumerate(names)})
    return rows


def same_value(text, value):
    """Does TEXT (from the text report) say JSON VALUE?"""
    if value is None:
        return text == ""
    if isinstance(value, bool):
        return text == ("true" if value else "false")
    if isinstance(value, (int, float)):
        return float(text) == value
    return text == value


def test_text_events_are_result_json_events(four_tuple):
    text, saved = four_tuple
    events = strict_json(saved)["events"]
    rows = event_rows(text)
    assert events, "the run has no events"
    assert len(rows) == len(events), "%d rows for %d events" % (len(rows), len(events))
    for row, ev in zip(rows, events):
        assert row["ROLE"] == ev["role"] and row["CALL"] == ev["call"], (row, ev)
        assert row["RESULT"] == result_text(ev), (row, ev)
        assert row["LOCAL"] == ev.get("local", "") and row["REMOTE"] == ev.get("remote", ""), (row, ev)
        extra = [(k, v) for k, v in ev.items() if k not in PLAIN]
        said = [kv.split("=", 1) for kv in row["DETAIL"].split()]
        assert [k for k, _ in said] == [k for k, _ in extra], (row, ev)
        for (k, shown), (_, value) in zip(said, extra):
            assert same_value(shown, value), (k, shown, value)


def test_text_verdicts_are_result_json_verdicts(four_tuple):
    text, saved = four_tuple
    verdicts = strict_json(saved)["verdicts"]
    assert verdicts, "the run has no verdicts"
    for v in verdicts:
        line = "  %s  " % ("PASS" if v["passed"] else "FAIL")
        found = [l for l in text.splitlines() if l.startswith(line) and v["text"] in l]
        assert len(found) == 1, (v, found)
        assert found[0].endswith(v["detail"]), (found[0], v["detail"])


def test_text_flow_counts_are_result_json_flows(four_tuple):
    text, saved = four_tuple
    captures = strict_json(saved)["captures"]
    assert captures, "the run has no captures"
    for cap in captures:
        n = len(cap["flows"])
        assert "  %s: %d flow%s\n" % (cap["name"], n, "" if n == 1 else "s") in text, cap["name"]


def test_result_json_flows_are_what_portlab_flows_reads(four_tuple):
    _, saved = four_tuple
    captures = strict_json(saved)["captures"]
    assert captures, "the run has no captures"
    for cap in captures:
        proc = portlab("flows", "--json", cap["file"])
        assert proc.returncode == 0, proc.stderr
        [read] = strict_json(proc.stdout)["files"]
        assert cap["flows"], "%s has no flows" % cap["name"]
        # the same fields, in the same order, with the same values
        assert [list(f.items()) for f in cap["flows"]] == [list(f.items()) for f in read["flows"]]


def test_large_result_json_is_whole_and_in_order():
    n = 10000
    run = lab = run_lab("parallel", params={"n": n})
    assert lab.rc == 0, run.stderr[-2000:]
    printed = run.result
    with open("%s/result.json" % printed["dir"]) as f:
        text = f.read()
    saved = strict_json(text)
    assert saved == printed
    assert text.endswith("}\n")
    events = saved["events"]
    # every connection is an accept and a connect in each of the two parts
    calls = [e["call"] for e in events]
    assert calls.count("accept") == 2 * n and calls.count("connect") == 2 * n
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    flows = [f for c in saved["captures"] for f in c["flows"]]
    assert len(flows) == 2 * n
    # one line per event and per flow, so that 40,000 of them stay readable
    one_line = [l for l in text.splitlines() if l.lstrip().startswith("{\"")]
    assert len(one_line) == len(events) + len(flows)
