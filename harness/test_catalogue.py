"""The whole catalogue: every lab listed, every lab passing, every event well formed."""
import json

import pytest

from portlab_harness import portlab, run_lab

CHAPTER = ["four-tuple", "same-port-two-clients", "ephemeral", "privileged-ports",
           "bind-interface", "port-conflict", "refused", "refused-vs-unreachable",
           "patterns", "parallel", "parallel-many"]
# and what the chapter leaves to the reader: a slow link
LABS = CHAPTER + ["slow-link"]


def test_list_shows_every_lab():
    labs = {lab["name"] for lab in json.loads(portlab("list", "--json").stdout)}
    assert labs == set(LABS)


@pytest.mark.parametrize("name", LABS)
def test_lab_passes_with_well_formed_events(name):
    run = run_lab(name)
    assert run.rc == 0, run.failed_verdicts()
    events = run.result["events"]
    assert events, "a lab without events shows nothing"
    assert all("t" in e for e in events)
    assert all(a["t"] <= b["t"] for a, b in zip(events, events[1:]))
    for e in events:
        if e["call"] == "setsockopt":
            assert e.get("option"), e   # which option, not just that one was set
        if e["call"] == "close":
            assert e.get("fd", -1) >= 0, e
        if e["call"] == "socket" and e["ok"]:
            assert e["fd"] >= 3, e
    for cap in run.result["captures"]:
        assert cap["dropped"] == 0, cap["name"]
