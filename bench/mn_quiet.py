#!/usr/bin/env python3
"""Run Mininet's `mn` command (argv as given) without the two things it does to the machine.

Mininet.init() raises the machine's own sysctls (fixLimits), and `mn`
calls its cleanup (`mn -c`) when a run breaks, which kills processes by
name and deletes /tmp/*.log and /tmp/*.out of everyone. bench.py runs
this inside its own network, mount and PID namespaces instead, so a broken
run leaves nothing behind anyway. Everything else is `mn` as users run it.
"""
import runpy
import sys

import mininet.clean
from mininet.net import Mininet

Mininet.inited = True
mininet.clean.cleanup = lambda: None
mininet.clean.Cleanup.cleanup = classmethod(lambda cls: None)
sys.argv = ["mn"] + sys.argv[1:]
runpy.run_path("/usr/bin/mn", run_name="__main__")
