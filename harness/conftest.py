"""pytest configuration: make portlab_harness importable, report what runs the labs."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from portlab_harness import PORTLAB  # noqa: E402


def pytest_report_header(config):
    return "portlab binary: %s (%s)" % (
        PORTLAB, "present" if os.path.exists(PORTLAB) else "MISSING: run make")
