"""report.html: every run folder holds one self-contained page for people.

The page is read back with python's html.parser (tags balanced, no script,
nothing fetched from elsewhere), compared with the run's own result.json
(every verdict, every capture), and, where Debian's headless Chromium is
installed, loaded in it: its DOM must hold the verdicts and the drawings, and
a screenshot goes into the run folder.
"""
import html
import json
import os
import re
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from portlab_harness import PORTLAB, need_labs, portlab, run_lab

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "wbr", "area", "base", "source"}
# SVG elements written self-closed (<line .../>): html.parser reports them as start-end
SVG_EMPTY = {"line", "circle", "rect", "path"}

# A lab whose title and about try to inject markup, with one failing check on
# events and one on flows, and a segment in its topology.
HOSTILE = """\
lab hostile
title <script>alert("x")</script> & friends
about A lab's text is not trusted: <b>bold</b> & <img src=x onerror=alert(1)> stay text.
host a
    iface eth0 192.0.2.1/24
    route default via 192.0.2.254
host r
    iface eth0 192.0.2.254/24
    iface eth1 198.51.100.254/24
    forward
host b
    iface eth0 198.51.100.2/24
    route default via 198.51.100.254
host c
    iface eth0 198.51.100.3/24
    route default via 198.51.100.254
link a:eth0 r:eth0
segment lan r:eth1 b:eth0 c:eth0
run client on a: tcp_client --connect 198.51.100.2:80 --connect 198.51.100.2:81 --connect 198.51.100.2:82 --connect 198.51.100.3:83
expect "refused <as planned>" events client connect: all errno = ECONNREFUSED
expect "connect <works>" events client connect: all ok = true
expect "the handshake completes" flows r:eth0 tcp: all conn_state = SF
"""


class Page(HTMLParser):
    """The parts of a page the tests look at; fails on a closing tag that closes nothing open."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.stack, self.tags, self.ids, self.hrefs, self.text = [], [], set(), [], []
        self.problems, self.svgs = [], []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            if a["id"] in self.ids:
                self.problems.append("id %s twice" % a["id"])
            self.ids.add(a["id"])
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "svg":
            self.svgs.append(a)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in VOID | SVG_EMPTY | {"stop"}:
            self.problems.append("<%s/> is not an empty element" % tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.problems.append("</%s> closes %s" % (tag, self.stack[-1:] or "nothing"))
            return
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)

    def all_text(self):
        return re.sub(r"\s+", " ", "".join(self.text))


def read_page(folder):
    path = os.path.join(folder, "report.html")
    assert os.path.exists(path), "the run folder has no report.html: %s" % os.listdir(folder)
    with open(path, encoding="utf-8") as f:
        raw = f.read()
    page = Page(raw)
    assert page.problems == [], page.problems[:5]
    assert page.stack == [], "left open: %s" % page.stack
    return raw, page


def assert_self_contained(raw, page):
    """No script, nothing loaded from elsewhere: the page opens from disk, offline."""
    assert [t for t, _ in page.tags if t in ("script", "iframe", "object", "embed", "link")] == []
    for tag, attrs in page.tags:
        assert "src" not in attrs, (tag, attrs)
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", raw))
    assert urls <= {"http://www.w3.org/2000/svg"}, urls
    for href in page.hrefs:
        assert not re.match(r"^[a-z]+:", href), "not a relative link: " + href


def verdict_rows(page):
    """The verdict rows' ids: verdict-1, verdict-2, ..."""
    return sorted(i for i in page.ids if i.startswith("verdict-"))


@pytest.fixture(scope="module")
def four():
    return run_lab("four-tuple")


def test_every_run_folder_has_a_page_with_every_verdict(four):
    assert four.rc == 0, four.stderr
    raw, page = read_page(four.result["dir"])
    assert_self_contained(raw, page)
    text = page.all_text()
    verdicts = four.result["verdicts"]
    assert verdicts, "the run judged nothing"
    assert len(verdict_rows(page)) == len(verdicts)
    for v in verdicts:
        assert v["text"] in text, v["text"]
        assert v["detail"] in text, v["detail"]
    assert text.count("✔ PASS") >= len(verdicts)   # a mark, not colour alone
    assert four.result["title"] in text


def test_the_page_links_every_capture_that_exists(four):
    raw, page = read_page(four.result["dir"])
    folder = four.result["dir"]
    files = [c["file"] for c in four.result["captures"]] + [four.result["pcapng"]]
    assert len(files) == 5, files
    for f in files:
        assert os.path.exists(f), f
        assert os.path.basename(f) in page.hrefs, (f, page.hrefs)
    for href in page.hrefs:
        if not href.startswith("#"):
            assert os.path.exists(os.path.join(folder, href)), "a link to nothing: " + href
        else:
            assert href[1:] in page.ids, "an anchor to nothing: " + href


def test_the_page_draws_the_topology_and_a_ladder_per_connection(four):
    raw, page = read_page(four.result["dir"])
    topo = [s for s in page.svgs if s.get("class") == "topology"]
    assert len(topo) == 1
    text = page.all_text()
    hosts = ["laptop", "router", "server"]
    for name in hosts + ["198.51.100.5/24", "198.51.100.1/24", "203.0.113.1/24", "203.0.113.80/24"]:
        assert name in text, name
    # the ladders: one <svg> per TCP connection, named by its tuple, at every vantage point
    flows = four.flows("router:eth1", proto="tcp")
    assert len(flows) == 2
    ladders = [g for t, g in page.tags if t == "g" and g.get("class") == "connection"]
    assert len(ladders) == len(flows)
    assert len(page.svgs) == 1 + len(flows)
    for f in flows:
        assert f["tuple"] in text, f["tuple"]
    for cap in ("laptop:eth0", "router:eth0", "router:eth1", "server:eth0"):
        assert text.count(cap) >= 1 + len(flows), cap   # its flow table and each ladder's column


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    need_labs()
    folder = tmp_path_factory.mktemp("hostile")
    lab = folder / "lab"
    lab.write_text(HOSTILE)
    proc = portlab("run", str(lab), "--captures", str(folder / "captures"))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    m = re.search(r"report page in (\S+)", proc.stdout)
    assert m, proc.stdout
    return os.path.dirname(m.group(1))


def test_lab_text_is_escaped(hostile):
    raw, page = read_page(hostile)
    assert_self_contained(raw, page)
    assert "<script>" not in raw and "<img" not in raw and "<b>bold" not in raw
    text = page.all_text()
    assert '<script>alert("x")</script> & friends' in text
    assert "<b>bold</b> & <img src=x onerror=alert(1)> stay text." in text
    assert "refused <as planned>" in text


def test_failed_verdicts_link_to_their_evidence(hostile):
    raw, page = read_page(hostile)
    rows = re.findall(r'<tr id="(verdict-\d+)"( class="failed")?>(.*?)</tr>', raw, re.S)
    failed = [(rid, body) for rid, cls, body in rows if cls]
    assert len(rows) >= 3 and len(failed) == 2, rows
    links = {}
    for rid, body in failed:
        assert "✘ FAIL" in html.unescape(body)
        m = re.search(r'<a href="#([\w-]+)">evidence', body)
        assert m, body
        assert m.group(1) in page.ids
        links[re.sub(r"<[^>]+>", "", body)] = m.group(1)
        assert re.search(r"hostile\S*/lab:\d+", body), "no lab-file line: " + body
    by_text = {("works" in k): v for k, v in links.items()}
    assert by_text[True] == "events"
    # the flows check names r:eth0: its link goes to that capture's flow table
    target = by_text[False]
    assert target.startswith("flows-")
    heading = re.search(r'<h3 id="%s">(.*?)</h3>' % target, raw).group(1)
    assert heading.startswith("r:eth0:"), heading


def test_segments_are_drawn(hostile):
    raw, page = read_page(hostile)
    topo = re.search(r'<svg class="topology".*?</svg>', raw, re.S).group(0)
    assert "segment lan" in topo
    for host in ("a", "r", "b", "c"):
        assert ">%s</text>" % host in topo, host


def test_many_ladders_are_folded(hostile):
    """Four connections: each ladder in a closed <details>, named by its tuple in the summary."""
    raw, page = read_page(hostile)
    with open(os.path.join(hostile, "result.json")) as f:
        result = json.load(f)
    tuples = {fl["tuple"] for fl in next(c for c in result["captures"] if c["name"] == "a:eth0")["flows"]
              if fl["proto"] == "tcp"}
    assert len(tuples) == 4, tuples
    folded = re.findall(r"<details class=\"ladder\"><summary>(.*?)</summary>(.*?)</details>", raw, re.S)
    assert len(folded) == len(tuples)
    assert {re.search(r"tcp (\S+ -> \S+)", html.unescape(s)).group(1) for s, _ in folded} == tuples
    for _, body in folded:
        assert body.count("<svg") == 1 and 'class="connection"' in body


def browser():
    for name in ("chromium", "chromium-headless-shell"):
        if shutil.which(name):
            return shutil.which(name)
    return None


def test_a_real_browser_renders_the_page(four):
    exe = browser()
    if not exe:
        pytest.skip("no headless browser: scripts/install-deps installs Debian's chromium "
                    "(chromium-headless-shell) where it can")
    folder = os.path.abspath(four.result["dir"])
    url = "file://" + os.path.join(folder, "report.html")
    common = [exe, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1280,2000"]
    dom = subprocess.run(common + ["--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert dom.stdout.count("<svg") == 3, "the browser's DOM lacks the drawings"
    page = Page(dom.stdout)
    text = page.all_text()
    for v in four.result["verdicts"]:
        assert v["text"] in text, v["text"]
    shot = os.path.join(folder, "report.png")
    proc = subprocess.run(common + ["--screenshot=" + shot, url], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(shot, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(head[16:20], "big") == 1280   # the window's width


TINY = """\
lab {name}
title {title}
host a
    iface eth0 192.0.2.1/24
host b
    iface eth0 192.0.2.2/24
link a:eth0 b:eth0
run client on a: tcp_client --connect 192.0.2.2:80
expect "refused" events client connect: all errno = {errno}
"""


def test_run_all_writes_an_index_of_the_report_pages(tmp_path):
    """--all: captures/index.html links each lab's report.html with its counts."""
    need_labs()
    labs = tmp_path / "scenarios"
    for name, errno in (("holds", "ECONNREFUSED"), ("breaks", "ETIMEDOUT")):
        (labs / name).mkdir(parents=True)
        (labs / name / "lab").write_text(TINY.format(name=name, title="<i>%s</i>" % name, errno=errno))
    captures = tmp_path / "captures"
    env = dict(os.environ, PORTLAB_SCENARIOS=str(labs))
    proc = portlab("run", "--all", "--captures", str(captures), env=env)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    index = captures / "index.html"
    assert "index of the report pages in %s" % index in proc.stdout
    raw = index.read_text()
    page = Page(raw)
    assert page.problems == [] and page.stack == []
    assert_self_contained(raw, page)
    assert "<i>" not in raw
    rows = re.findall(r"<tr( class=\"failed\")?><td>(.*?)</td><td><a href=\"([^\"]+)\">(\w+)</a></td>"
                      r"<td>(.*?)</td><td class=\"num\">(\d+) of (\d+)</td></tr>", raw)
    assert sorted(r[3] for r in rows) == ["breaks", "holds"], raw
    for failed, outcome, href, name, title, passed, total in rows:
        report = captures / href
        assert report.exists(), href
        assert href.startswith(name + "/") and href.endswith("/report.html")
        assert html.unescape(title) == "<i>%s</i>" % name
        with open(report.parent / "result.json") as f:
            result = json.load(f)
        held = sum(v["passed"] for v in result["verdicts"])
        assert (int(passed), int(total)) == (held, len(result["verdicts"]))
        assert bool(failed) == (not result["passed"]) == (name == "breaks")
        assert html.unescape(re.sub(r"<[^>]+>", "", outcome)) == ("✘ FAIL" if failed else "✔ PASS")


def test_a_lab_brought_down_has_its_page_too(tmp_path):
    """portlab up ... down: the run folder gets report.html as `portlab run` does."""
    need_labs()
    name = "html-%d" % os.getpid()
    proc = portlab("up", "four-tuple", "--captures", str(tmp_path / "c"), "--name", name)
    assert proc.returncode == 0, proc.stderr
    try:
        assert portlab("run-step", name).returncode == 0
    finally:
        down = portlab("down", name)
    assert down.returncode == 0, down.stdout + down.stderr
    [folder] = [str(p) for p in (tmp_path / "c" / "four-tuple").iterdir()]
    raw, page = read_page(folder)
    with open(os.path.join(folder, "result.json")) as f:
        result = json.load(f)
    assert result["verdicts"], "nothing was judged"
    text = page.all_text()
    for v in result["verdicts"]:
        assert v["text"] in text


def test_a_graded_run_has_its_page_too(tmp_path):
    """portlab grade: each run folder under the student's gets report.html beside its captures."""
    need_labs()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    ref = os.path.join(root, "scenarios", "exercises", "echo-server", "reference.c")
    out = tmp_path / "grades"
    proc = portlab("grade", "echo-server", ref, "--out", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    pages = sorted(out.glob("reference/*/*/report.html"))
    assert pages, sorted(str(p) for p in out.rglob("*"))[:40]
    for p in pages:
        raw, page = read_page(str(p.parent))
        assert_self_contained(raw, page)
        assert any(s.get("class") == "topology" for s in page.svgs)
        assert "Verdicts" in page.all_text()
