"""What machines read from a run: one JSON shape for one lab and many, JUnit with times
and errors, result.json equal to the printed result, and --version."""
import json
import re
import xml.etree.ElementTree as ET

from portlab_harness import TWO_HOSTS, need_root, portlab

GOOD_LAB = """\
lab tiny
title one connect that is refused
""" + TWO_HOSTS + """run client on a: tcp_client --connect 192.0.2.2:80
expect "the connect is refused" events client connect: all errno = ECONNREFUSED
"""

BAD_LAB = """\
lab broken
title a lab with a mistake on line 3
frobnicate now
"""

ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def test_version():
    proc = portlab("--version")
    assert proc.returncode == 0
    assert re.match(r"^portlab \d+\.\d+", proc.stdout), proc.stdout


def _labs(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    good.write_text(GOOD_LAB)
    bad.write_text(BAD_LAB)
    return str(good), str(bad)


def test_json_has_one_shape_for_one_lab_and_for_many(tmp_path):
    need_root()
    good, bad = _labs(tmp_path)
    one = portlab("run", good, "--json", "--captures", str(tmp_path / "c"))
    many = portlab("run", good, bad, good, "--json", "--captures", str(tmp_path / "c"))
    assert one.returncode == 0, one.stderr
    assert many.returncode == 2, many.stderr  # the broken lab is a lab-file error
    one, many = json.loads(one.stdout), json.loads(many.stdout)
    assert set(one) == set(many) == {"format", "portlab", "labs"}
    assert one["format"] == many["format"] == "portlab-runs/1"
    assert len(one["labs"]) == 1 and len(many["labs"]) == 3
    first, broken, third = many["labs"]
    assert set(first) == set(third) == set(one["labs"][0])
    assert first["format"] == "portlab-result/1" and first["passed"] is True
    assert ISO_8601.match(first["started"]), first["started"]
    assert broken["lab"] == bad and broken["status"] == 2
    assert broken["error"].startswith("%s:3: " % bad), broken["error"]


def test_result_json_is_the_printed_result(tmp_path):
    need_root()
    good, _ = _labs(tmp_path)
    proc = portlab("run", good, "--json", "--captures", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stderr
    [printed] = json.loads(proc.stdout)["labs"]
    with open("%s/result.json" % printed["dir"]) as f:
        saved = json.load(f)
    assert saved == printed


def test_junit_has_times_and_lab_errors(tmp_path):
    need_root()
    good, bad = _labs(tmp_path)
    junit = tmp_path / "verdicts.xml"
    proc = portlab("run", good, bad, "--junit", str(junit), "--captures", str(tmp_path / "c"))
    assert proc.returncode == 2, proc.stderr
    suites = ET.parse(junit).getroot()
    assert [s.get("name") for s in suites] == ["tiny", bad]
    tiny, broken = suites
    cases = tiny.findall("testcase")
    assert len(cases) == 3, [c.get("name") for c in cases]
    for case in cases:
        assert float(case.get("time")) >= 0, case.attrib
    assert ISO_8601.match(tiny.get("timestamp")), tiny.get("timestamp")
    assert broken.get("errors") == "1"
    [error] = broken.iter("error")
    assert error.get("message").startswith("%s:3: " % bad), error.get("message")
