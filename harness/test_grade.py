"""portlab grade: every exercise's reference scores full marks, and wrong
solutions lose the checks they should, with the hint a student needs.

Each exercise is graded once (its reference and its wrong solutions from
harness/submissions/<exercise>/ in one `portlab grade` run); the tests read
the grades it wrote.
"""
import csv
import json
import subprocess
import os
import xml.etree.ElementTree as ET

import pytest

from portlab_harness import ROOT, need_root, netns_names, portlab

SUBMISSIONS = os.path.join(ROOT, "harness", "submissions")
EXERCISES = os.path.join(ROOT, "scenarios", "exercises")

# For each exercise and wrong solution: the checks it loses, and for some of
# them a piece of the hint it must get. Every other check it keeps.
WRONG = {
    "echo-server": {
        "loopback": {
            "lost": ["a client on network A gets its line back",
                     "three clients on network A in a row are served",
                     "clients on network B get their line back",
                     "the server host itself gets its lines back",
                     "network A's wire shows the clients' four-tuples",
                     "network B's wire shows the clients' four-tuples"],
            "hints": {"clients on network B get their line back":
                      "no client on network B could connect: your server listens on "
                      "127.0.0.1:8080, which only the server host itself can reach"},
        },
        "port8081": {
            "lost": "all",
            "hints": {"it listens on the task's port":
                      "nothing listens on port 8080: your program listens on 0.0.0.0:8081",
                      "a client on network A gets its line back":
                      "the SYN to 8080 was answered by a RST: nothing listened on 8080 "
                      "(your program listened on 0.0.0.0:8081)"},
        },
        "one_client": {
            "lost": ["three clients on network A in a row are served",
                     "clients on network B get their line back",
                     "the server host itself gets its lines back",
                     "network A's wire shows the clients' four-tuples",
                     "network B's wire shows the clients' four-tuples"],
            "hints": {"three clients on network A in a row are served":
                      "the second client was refused: your program closed its listening "
                      "socket after the first accept"},
        },
        "uppercase": {
            "lost": ["a client on network A gets its line back",
                     "three clients on network A in a row are served",
                     "clients on network B get their line back",
                     "the server host itself gets its lines back"],
            "hints": {"a client on network A gets its line back":
                      "the reply was not the line the client sent"},
        },
        "syntax_error": {
            "lost": "all",
            "hints": {"it listens on the task's port": "your program does not compile: "},
        },
        # from the student's own socket calls, which portlab traces
        "no_listen": {
            "lost": "all",
            "hints": {"it listens on the task's port":
                      "your program never called listen(): nothing was listening on host server"},
        },
    },
    "udp-sender": {
        "four": {
            "lost": ["5 datagrams reach the server's port"],
            "hints": {"5 datagrams reach the server's port":
                      "the sink did not receive exactly 5 datagrams"},
        },
        "wrong_port": {
            "lost": ["5 datagrams reach the server's port", "the datagrams are UDP on the wire"],
            "hints": {"the datagrams are UDP on the wire":
                      "datagrams were on the wire, but not to port 9999: udp 203.0.113.5:"},
        },
        "waits_for_reply": {
            "lost": ["the program exits with status 0"],
            "hints": {"the program exits with status 0": "was still running after"},
        },
        "tcp": {
            "lost": "all",
            "hints": {"no TCP handshake: nothing but UDP on the wire": "a TCP SYN was on the wire",
                      "the datagrams are UDP on the wire":
                      "your program opened a TCP connection: UDP needs no connection"},
        },
    },
    "two-connections": {
        "sequential": {
            "lost": ["the connections are open at the same time"],
            "hints": {"the connections are open at the same time":
                      "the first connection was already closed when the second arrived"},
        },
        "no_ntohs": {
            "lost": ["the printed four-tuples are the server's"],
            "hints": {"the printed four-tuples are the server's":
                      "your lines are not the four-tuples on the wire"},
        },
        "swapped": {
            "lost": ["the printed four-tuples are the server's"],
            "hints": {"the printed four-tuples are the server's": "-> 198.51.100.5:"},
        },
        "one_connection": {
            "lost": ["two connections reach the server", "the connections are open at the same time",
                     "it prints one line per connection"],
            "hints": {"two connections reach the server":
                      "only one connection reached the server"},
        },
    },
    "concurrent-server": {
        "iterative": {
            "lost": ["the last client is served while the others wait", "all 100 clients are served"],
            "hints": {"the last client is served while the others wait":
                      "your server serves one client at a time"},
        },
        "drops_some": {
            "lost": ["all 100 clients are served"],
            "hints": {"all 100 clients are served": "some clients did not get their line back"},
        },
        "port8081": {
            "lost": "all",
            "hints": {"it listens on the task's port":
                      "nothing listens on port 8080: your program listens on 0.0.0.0:8081"},
        },
    },
    "bind-one-interface": {
        "any_address": {
            "lost": ["a client on network B is refused", "B's SYN is answered by a RST on the wire",
                     "the server host's 127.0.0.1 is refused"],
            "hints": {"a client on network B is refused":
                      "a client on network B was let in: your server listens on 0.0.0.0:8080",
                      "B's SYN is answered by a RST on the wire":
                      "tcp 198.51.100.10:"},
        },
        "b_address": {
            "lost": ["clients on network A are served", "a client on network B is refused",
                     "B's SYN is answered by a RST on the wire"],
            "hints": {"clients on network A are served":
                      "your server listens on 198.51.100.1:8080, network B's address"},
        },
        "loopback": {
            "lost": ["clients on network A are served", "the server host's 127.0.0.1 is refused"],
            "hints": {"clients on network A are served":
                      "your server listens on 127.0.0.1:8080, which only the server host itself "
                      "can reach"},
        },
    },
    "restart-server": {
        "no_reuseaddr": {
            "lost": ["the restarted server listens at once", "clients are served after the restart"],
            "hints": {"the restarted server listens at once":
                      "Set SO_REUSEADDR with setsockopt() before bind()",
                      "clients are served after the restart":
                      "clients after the restart were refused"},
        },
        "reuse_after_bind": {
            "lost": ["the restarted server listens at once", "clients are served after the restart"],
            "hints": {"the restarted server listens at once":
                      "as again your program wrote on stderr: bind: Address already in use"},
        },
        "port8081": {
            "lost": "all",
            "hints": {"clients are served after the restart":
                      "nothing listens on port 8080: your program listens on 0.0.0.0:8081"},
        },
    },
}

_graded = {}


def grade(exercise, tmp_path_factory):
    """Grade the reference and every wrong solution of EXERCISE, once."""
    if exercise not in _graded:
        out = tmp_path_factory.mktemp(exercise) / "grades"
        subs = [os.path.join(EXERCISES, exercise, "reference.c")]
        subs += sorted(os.path.join(SUBMISSIONS, exercise, f)
                       for f in os.listdir(os.path.join(SUBMISSIONS, exercise)))
        proc = portlab("grade", exercise, *subs, "--out", str(out), "-j", "2")
        _graded[exercise] = (proc, out)
    return _graded[exercise]


def student(out, name):
    """A student's Gradescope results.json, checked for its own sums."""
    with open(os.path.join(out, name, "results.json")) as f:
        res = json.load(f)
    assert res["tests"], "no checks in %s's grade" % name
    assert res["score"] == sum(t["score"] for t in res["tests"])
    assert res["max_score"] == sum(t["max_score"] for t in res["tests"])
    return res


@pytest.mark.parametrize("exercise", sorted(WRONG))
def test_the_reference_scores_full_marks(exercise, tmp_path_factory):
    need_root()
    proc, out = grade(exercise, tmp_path_factory)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    res = student(out, "reference")
    failed = [t for t in res["tests"] if t["score"] != t["max_score"]]
    assert failed == [], failed
    assert res["score"] == res["max_score"] > 0


CASES = [(ex, name) for ex in sorted(WRONG) for name in sorted(WRONG[ex])]


@pytest.mark.parametrize("exercise,name", CASES)
def test_a_wrong_solution_loses_what_it_should(exercise, name, tmp_path_factory):
    need_root()
    proc, out = grade(exercise, tmp_path_factory)
    want = WRONG[exercise][name]
    res = student(out, name)
    names = [t["name"] for t in res["tests"]]
    lost = names if want["lost"] == "all" else want["lost"]
    assert set(lost) <= set(names), set(lost) - set(names)
    for t in res["tests"]:
        if t["name"] in lost:
            assert t["score"] == 0, t
            assert t["status"] == "failed" and t["output"] != "passed", t
        else:
            assert t["score"] == t["max_score"], t
    for check, text in want["hints"].items():
        [t] = [t for t in res["tests"] if t["name"] == check]
        assert text in t["output"], t["output"]


def test_a_hint_names_its_evidence(tmp_path_factory):
    """The event, the flow and the capture file that show what went wrong."""
    need_root()
    proc, out = grade("echo-server", tmp_path_factory)
    res = student(out, "loopback")
    [t] = [t for t in res["tests"] if t["name"] == "clients on network B get their line back"]
    assert "from-b's connect to 198.51.100.1:8080 failed with ECONNREFUSED" in t["output"]
    assert "-> 198.51.100.1:8080: the SYN was answered by a RST" in t["output"]
    pcap = t["output"].split(" in ", 1)[1].split(";")[0].split(")")[0]
    assert pcap.endswith("server-eth1.pcap") and os.path.exists(pcap), pcap


# --- a class, end to end ------------------------------------------------------

def echo(name):
    return os.path.join(SUBMISSIONS, "echo-server", name)


def make_class(tmp_path):
    """A class folder: correct ones in every form, partly wrong, broken, hostile, a copy."""
    ref = os.path.join(EXERCISES, "echo-server", "reference.c")
    cls = tmp_path / "class"
    cls.mkdir()
    text = open(ref).read()
    (cls / "alice.c").write_text(text)
    (cls / "grace.c").write_text(text)                       # a copy of alice's
    (cls / "bob.c").write_text(open(echo("loopback.c")).read())
    (cls / "carol.c").write_text(open(echo("syntax_error.c")).read())
    dave = cls / "dave"                                      # a folder of .c files
    dave.mkdir()
    (dave / "server.c").write_text("/* dave */\n" + text)
    erin = cls / "erin"                                      # a folder with a Makefile
    erin.mkdir()
    (erin / "echo.c").write_text(text)
    (erin / "Makefile").write_text("echo: echo.c\n\tcc -O2 -o echo echo.c\n")
    frank = cls / "frank"                                    # an executable, built already
    assert subprocess.run(["cc", "-O2", "-o", str(frank), ref]).returncode == 0
    for bad in ("spin", "forge", "daemon"):
        (cls / ("mallory_%s.c" % bad)).write_text(
            open(os.path.join(SUBMISSIONS, "hostile", bad + ".c")).read())
    return cls


FULL = ["alice", "dave", "erin", "frank", "grace"]
NONE = ["carol", "mallory_daemon", "mallory_forge", "mallory_spin"]


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    need_root()
    tmp = tmp_path_factory.mktemp("class")
    cls = make_class(tmp)
    out = tmp / "grades"
    proc = portlab("grade", "echo-server", "--class", str(cls), "--out", str(out), "-j", "2",
                   "--points")
    return proc, out


def test_a_class_grades_end_to_end(graded_class):
    proc, out = graded_class
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "grades.csv") as f:
        rows = {r["student"]: r for r in csv.DictReader(f)}
    assert sorted(rows) == sorted(FULL + NONE + ["bob"])
    for name in FULL:
        assert rows[name]["points"] == rows[name]["max_points"] == "13", rows[name]
    for name in NONE:
        assert rows[name]["points"] == "0", rows[name]
    assert 0 < int(rows["bob"]["points"]) < 13
    for name in rows:  # each student's run is kept
        assert os.path.exists(out / name / "grade.tsv")
        assert os.path.exists(out / name / "compile.log")
    for name in FULL + ["bob"]:
        assert os.path.exists(out / name / "report.txt")
        assert os.path.exists(out / name / "result.json")
    assert "does not compile" in open(out / "carol" / "grade.tsv").read()
    assert "error:" in open(out / "carol" / "compile.log").read()
    # the summary: distribution, failures per check, the copy
    assert "class summary: 10 submissions, 5 at full marks, 1 not compiling" in proc.stdout
    assert "identical submissions: alice, grace" in proc.stdout
    assert proc.stdout.strip().splitlines()[-1] == "%d/130" % sum(
        int(r["points"]) for r in rows.values())
    assert "graded 10/10" in proc.stderr
    assert "graded 5/10" in proc.stderr and "s left" in proc.stderr  # done/total, time left
    # per check, how many failed it: the same count as in the CSV
    lines = proc.stdout.splitlines()
    at = lines.index("  failed  check")
    with open(out / "grades.csv") as f:
        reader = csv.reader(f)
        checks = next(reader)[3:]
        table = list(reader)
    assert checks
    for i, check in enumerate(checks):
        failed = sum(1 for r in table if int(r[3 + i]) == 0)
        line = lines[at + 1 + i]
        assert line.split()[0] == str(failed) and check in line, (line, failed)


def test_csv_junit_and_gradescope_agree(graded_class):
    proc, out = graded_class
    with open(out / "grades.csv") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = list(reader)
    assert header[:3] == ["student", "points", "max_points"]
    checks = header[3:]
    assert checks, header
    suites = ET.parse(out / "junit.xml").getroot().findall("testsuite")
    with open(out / "results.json") as f:
        gs = {s["student"]: s for s in json.load(f)["students"]}
    assert rows and len(suites) == len(rows) == len(gs)
    by_name = {s.get("name"): s for s in suites}
    for row in rows:
        name, points = row[0], int(row[1])
        suite, g = by_name[name], gs[name]
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == checks == [t["name"] for t in g["tests"]]
        assert g["score"] == points == sum(int(x) for x in row[3:])
        assert g["max_score"] == int(row[2])
        failed = [c for c in cases if c.find("failure") is not None]
        assert int(suite.get("failures")) == len(failed)
        for case, t, cell in zip(cases, g["tests"], row[3:]):
            assert t["score"] == int(cell)
            fail = case.find("failure")
            assert (fail is not None) == (t["score"] < t["max_score"])
            if fail is not None:
                assert fail.get("message") == t["output"]
        with open(out / name / "results.json") as f:  # each student's own, as Gradescope reads it
            own = json.load(f)
        assert own["score"] == g["score"] and own["tests"] == g["tests"]


def test_hostile_submissions_get_nothing_and_leave_nothing(graded_class):
    proc, out = graded_class
    with open(out / "results.json") as f:
        gs = {s["student"]: s for s in json.load(f)["students"]}
    assert gs["mallory_forge"]["score"] == 0   # printed events are not the clients'
    run_ids = []
    for name in gs:
        if os.path.exists(out / name / "result.json"):
            with open(out / name / "result.json") as f:
                run_ids.append(json.load(f)["run_id"])
    assert len(run_ids) == 9, run_ids  # all but the one that does not compile
    left = [n for n in netns_names() if any(n.startswith("portlab-%s-" % r) for r in run_ids)]
    assert left == []
    stray = subprocess.run(["pgrep", "-f", "sleep 97.25"], capture_output=True, text=True)
    assert stray.stdout == ""


def test_one_submission_exits_0_only_at_full_marks(tmp_path):
    need_root()
    ref = os.path.join(EXERCISES, "echo-server", "reference.c")
    full = portlab("grade", "echo-server", ref, "--out", str(tmp_path / "a"), "--points")
    assert full.returncode == 0, full.stdout + full.stderr
    assert full.stdout.strip().splitlines()[-1] == "13/13"
    part = portlab("grade", "echo-server", echo("one_client.c"), "--out", str(tmp_path / "b"),
                   "--points")
    assert part.returncode == 1, part.stdout + part.stderr
    last = part.stdout.strip().splitlines()[-1]
    got, most = last.split("/")
    assert most == "13" and 0 < int(got) < 13
    assert "FAIL  three clients on network A in a row are served" in part.stdout
    with open(tmp_path / "b" / "results.json") as f:  # one submission: Gradescope's own format
        assert json.load(f)["score"] == int(got)


def small_class(tmp_path):
    ref = open(os.path.join(EXERCISES, "echo-server", "reference.c")).read()
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "alice.c").write_text(ref)
    (cls / "bob.c").write_text(open(echo("loopback.c")).read())
    (cls / "carol.c").write_text(open(echo("syntax_error.c")).read())
    (cls / "grace.c").write_text(ref)
    return cls


def csv_rows(path):
    with open(path) as f:
        return sorted(csv.reader(f))


def test_shards_merge_into_one_class(tmp_path):
    need_root()
    cls = small_class(tmp_path)
    outs = []
    for k in (1, 2):
        out = tmp_path / ("shard%d" % k)
        proc = portlab("grade", "echo-server", "--class", str(cls), "--shard", "%d/2" % k,
                       "--out", str(out))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert len(csv_rows(out / "grades.csv")) == 1 + 2  # the header and half the class
        outs.append(out)
    merged = tmp_path / "merged"
    proc = portlab("grade", "--merge", *map(str, outs), "--out", str(merged))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = csv_rows(merged / "grades.csv")
    assert [r[0] for r in rows] == ["alice", "bob", "carol", "grace", "student"]
    shard_rows = csv_rows(outs[0] / "grades.csv")[:-1] + csv_rows(outs[1] / "grades.csv")[:-1]
    assert sorted(shard_rows) == rows[:-1]
    assert "identical submissions: alice, grace" in proc.stdout  # across the shards
    ET.parse(merged / "junit.xml")
    twice = portlab("grade", "--merge", str(outs[0]), str(outs[0]), "--out", str(tmp_path / "x"))
    assert twice.returncode == 2 and "graded twice" in twice.stderr


def test_variants_give_each_student_a_port(tmp_path):
    need_root()
    ports = {}
    for name in ("alice", "bob"):
        proc = portlab("grade", "echo-server", "--handout", name)
        assert proc.returncode == 0, proc.stderr
        assert "Handout for %s." % name in proc.stdout
        ports[name] = int(proc.stdout.split("listens on port ")[1].split()[0])
        again = portlab("grade", "echo-server", "--handout", name)
        assert again.stdout == proc.stdout  # a stable hash: the same port every time
    assert ports["alice"] != ports["bob"] and all(8000 <= p <= 8999 for p in ports.values())
    ref = open(os.path.join(EXERCISES, "echo-server", "reference.c")).read()
    mine = ref.replace("#define PORT 8080", "#define PORT %d" % ports["alice"])
    cls = tmp_path / "class"
    cls.mkdir()
    (cls / "alice.c").write_text(mine)
    (cls / "bob.c").write_text(mine)  # bob copied alice's solution
    out = tmp_path / "grades"
    proc = portlab("grade", "echo-server", "--class", str(cls), "--variants", "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / "results.json") as f:
        gs = {s["student"]: s for s in json.load(f)["students"]}
    assert gs["alice"]["score"] == gs["alice"]["max_score"]
    assert gs["bob"]["score"] == 0
    [t] = [t for t in gs["bob"]["tests"] if t["name"] == "it listens on the task's port"]
    assert ("nothing listens on port %d: your program listens on 0.0.0.0:%d"
            % (ports["bob"], ports["alice"])) in t["output"]
    assert "identical submissions: alice, bob" in proc.stdout


@pytest.mark.parametrize("args,message", [
    (["no-such-exercise", "x.c"], "no exercise 'no-such-exercise'"),
    (["echo-server"], "what to grade?"),
    (["echo-server", "/nonexistent/x.c"], "submission /nonexistent/x.c: No such file"),
    (["echo-server", "x.c", "--shard", "3/2"], "--shard wants K/N"),
    (["echo-server", "x.c", "-j", "0"], "--jobs wants a number"),
    (["--merge"], "--merge wants the folders"),
])
def test_usage_errors_exit_2(args, message):
    proc = portlab("grade", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr, proc.stderr


def test_a_broken_exercise_is_reported_with_its_line(tmp_path):
    ex = tmp_path / "broken"
    ex.mkdir()
    lab = open(os.path.join(EXERCISES, "udp-sender", "lab")).read()
    (ex / "lab").write_text(lab)
    text = open(os.path.join(EXERCISES, "udp-sender", "exercise")).read()
    text = text.replace('check "the datagrams are UDP on the wire" 1', 'check "no such check" 1')
    (ex / "exercise").write_text(text + "\nfrobnicate now\n")
    proc = portlab("grade", str(ex), "x.c")
    assert proc.returncode == 2
    assert "%s:%d: unknown statement 'frobnicate'" % (ex / "exercise", text.count("\n") + 2) \
        in proc.stderr, proc.stderr
    (ex / "exercise").write_text(text)
    proc = portlab("grade", str(ex), "x.c")
    assert proc.returncode == 2
    line = text.split("\n").index('check "no such check" 1') + 1
    assert "%s:%d: check \"no such check\" is no expectation of" % (ex / "exercise", line) \
        in proc.stderr, proc.stderr


def test_list_exercises():
    proc = portlab("list", "--exercises")
    assert proc.returncode == 0
    names = [line.split()[0] for line in proc.stdout.splitlines()[1:] if line.strip()][:-1]
    assert names == sorted(["echo-server", "udp-sender", "two-connections", "concurrent-server",
                            "bind-one-interface", "restart-server"])
    labs = portlab("list").stdout  # exercises are not labs: 'run --all' leaves them out
    assert "echo-server" not in labs and "exercises" not in labs


def test_submissions_that_do_not_build(tmp_path):
    """A failing Makefile, a folder with nothing to build, a file that is no program."""
    need_root()
    cls = tmp_path / "class"
    (cls / "ann").mkdir(parents=True)
    (cls / "ann" / "Makefile").write_text("all:\n\t@echo 'make: no rule to win' >&2; exit 1\n")
    (cls / "ben").mkdir()
    (cls / "ben" / "notes.txt").write_text("I forgot the code\n")
    (cls / "cat.txt").write_text("not a program\n")
    out = tmp_path / "grades"
    proc = portlab("grade", "udp-sender", "--class", str(cls), "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 submissions, 0 at full marks, 3 not compiling" in proc.stdout
    why = {"ann": "make: no rule to win", "ben": "holds no Makefile and no .c file",
           "cat": "is neither a .c file, a folder nor an executable"}
    for name, text in why.items():
        assert text in open(out / name / "compile.log").read()
        with open(out / name / "results.json") as f:
            res = json.load(f)
        assert res["score"] == 0 and res["tests"]
        assert all(t["output"].startswith("your program does not compile") for t in res["tests"])
