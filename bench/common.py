"""What every measure of bench.py shares: timing a command, reading a run's
result.json, tables printed for people and as markdown, the peers' presence."""
import glob
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"  # Debian's, where Mininet's modules are
# Mininet runs in namespaces of its own (network, mount, PID): whatever it
# makes, links, bridges or processes, dies with it, even when a run breaks,
# and nothing is made in the machine's own network namespace.
CONTAINED = ["unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"]
# The plain-tool measures (ip -batch, tcpdump) name their namespaces with
# `ip netns add`: they run in a mount namespace of their own with a private
# /run/netns (see in_private_netns_dir), so no other session sees those names
# and the kernel removes everything when the helper ends, however it ends.
PRIVATE = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork", "--kill-child",
           "--mount-proc"]


def in_private_netns_dir():
    """In a PRIVATE helper: an empty tmpfs of our own on /run/netns."""
    os.makedirs("/run/netns", exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "portlab-bench",
                    "/run/netns"], check=True)


def run_private(module, args):
    """python3 bench/MODULE.py ARGS inside PRIVATE: the JSON line it prints last."""
    proc = subprocess.run(PRIVATE + [PYTHON, os.path.join(HERE, module + ".py")] + args,
                          capture_output=True, text=True)
    lines = proc.stdout.strip().splitlines()
    if proc.returncode != 0 or not lines:
        raise RuntimeError("%s %s: %s" % (module, " ".join(args), why(proc)))
    return json.loads(lines[-1])


class Ctx:
    """One bench run: the portlab binary, a scratch folder, --quick, the out folder."""

    def __init__(self, portlab, tmp, quick, out):
        self.portlab, self.tmp, self.quick, self.out = portlab, tmp, quick, out
        self.bin = os.path.join(out, "bench")  # compiled helpers and the cached capture

    def scratch(self, name):
        """A fresh folder under the scratch folder."""
        return tempfile.mkdtemp(prefix=name + "-", dir=self.tmp)


class Table:
    """A small table: a title, column names, rows of cells (text or numbers), notes."""

    def __init__(self, title, columns, notes=None):
        self.title, self.columns, self.rows, self.notes = title, columns, [], list(notes or [])

    def add(self, *cells):
        self.rows.append([cell_text(c) for c in cells])

    def text(self):
        widths = [max(len(str(r[i])) for r in [self.columns] + self.rows)
                  for i in range(len(self.columns))]
        out = [self.title]
        for row in [self.columns] + self.rows:
            cells = [str(c).rjust(w) if i else str(c).ljust(w)
                     for i, (c, w) in enumerate(zip(row, widths))]
            out.append("  " + "  ".join(cells).rstrip())
        out += ["  " + n for n in self.notes]
        return "\n".join(out)

    def markdown(self):
        out = ["**%s**" % self.title, "",
               "| " + " | ".join(self.columns) + " |",
               "|" + "---|" * len(self.columns)]
        out += ["| " + " | ".join(str(c) for c in row) + " |" for row in self.rows]
        if self.notes:
            out += [""] + ["- " + n for n in self.notes]
        return "\n".join(out)

    def data(self):
        return {"title": self.title, "columns": self.columns, "rows": self.rows, "notes": self.notes}


def cell_text(c):
    if isinstance(c, float):
        return "%.3f" % c if c < 10 else "%.1f" % c
    return "n/a" if c is None else str(c)


def mb(kib):
    return None if kib is None else round(kib / 1024, 1)


def mbs(kib):
    """Peak RSS for a table: megabytes with one decimal."""
    return "n/a" if kib is None else "%.1f" % (kib / 1024)


def ratio(a, b):
    return None if not a or not b else round(a / b, 2)


def times(r):
    return "n/a" if r is None else "%.2f×" % r


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def have(cmd):
    return shutil.which(cmd) is not None


def mininet_absent():
    """Why Mininet cannot run here (Debian's package, for /usr/bin/python3), or None."""
    if not os.path.isdir("/usr/lib/python3/dist-packages/mininet"):
        return missing("mininet")
    return None if have("unshare") else missing("util-linux")


def missing(package):
    return "not installed (apt-get install %s)" % package


def timed(cmd, keep_stdout=False):
    """Run CMD: wall seconds, peak RSS in KiB (GNU time, or None), the finished process.

    Its standard output goes to /dev/null unless KEEP_STDOUT: a reader that
    prints two million lines must not be timed writing them into a pipe.

    The RSS comes from GNU time: for a command with children it is the largest
    single process of the tree, as wait4() reports it.
    """
    gnu = "/usr/bin/time" if os.path.exists("/usr/bin/time") else None
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        argv = [gnu, "-q", "-f", "%M", "-o", rss.name] + cmd if gnu else cmd
        t0 = time.monotonic()
        proc = subprocess.run(argv, stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        took = time.monotonic() - t0
        text = rss.read().strip().splitlines()
    kib = int(text[-1]) if text and text[-1].isdigit() else None
    return took, kib, proc


def lab_result(capdir):
    """The result.json of the one run under CAPDIR (a folder given to --captures)."""
    found = glob.glob(os.path.join(capdir, "*", "*", "result.json"))
    if len(found) != 1:
        return None
    with open(found[0]) as f:
        res = json.load(f)
    return res["labs"][0] if "labs" in res else res


def run_lab(ctx, lab, params=(), extra=()):
    """`portlab run LAB` as users run it (the report on stdout, discarded):
    wall seconds, peak RSS (KiB), the run's result.json (or None), the process."""
    capdir = ctx.scratch("run")
    argv = [ctx.portlab, "run", lab, "--captures", capdir]
    for p in params:
        argv += ["--param", p]
    took, kib, proc = timed(argv + list(extra))
    res = lab_result(capdir)
    return took, kib, res, proc


def dropped(res):
    return sum(c.get("dropped", 0) for c in res.get("captures", [])) if res else None


def written(res):
    return sum(c.get("written", 0) for c in res.get("captures", [])) if res else None


def why(proc):
    """The last line a failed command printed, for a table's note."""
    lines = (proc.stderr or proc.stdout or "").strip().splitlines()
    return lines[-1][:200] if lines else "exit %d" % proc.returncode


def compile_tool(ctx, name):
    """bench/NAME.c compiled into the out folder once (again when the source is newer)."""
    src = os.path.join(HERE, name + ".c")
    exe = os.path.join(ctx.bin, name)
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        os.makedirs(ctx.bin, exist_ok=True)
        subprocess.run(["cc", "-O2", "-std=c11", "-Wall", "-Wextra", "-Werror", "-o", exe, src,
                        "-lpcap"], check=True)
    return exe
