"""Any program observed from outside: portlab trace, --use ROLE=FILE.c, --trace.

The programs here are written as a student would: plain socket calls, no
portlab header. Whatever they report of themselves is not read; the events
come from the tracer (seccomp + ptrace), and must have the shape of the
events that scenarios/lib/report.c writes, so that every lab check works.
"""
import json
import os
import shutil
import stat
import subprocess

import pytest

from portlab_harness import PORTLAB, need_root, one_result, portlab

TEXTBOOK_CLIENT = r"""
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in server = { .sin_family = AF_INET, .sin_port = htons(443) };
	const char *request = "hello from the client\n";
	char reply[512];
	int fds[2];

	inet_pton(AF_INET, "203.0.113.80", &server.sin_addr);
	for (int i = 0; i < 2; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[i] < 0 || connect(fds[i], (struct sockaddr *)&server, sizeof(server)) < 0) {
			perror("connect");
			return 1;
		}
	}
	for (int i = 0; i < 2; i++) {
		send(fds[i], request, strlen(request), 0);
		recv(fds[i], reply, sizeof(reply), 0);
		close(fds[i]);
	}
	printf("done\n");
	return 0;
}
"""

PYTHON_CLIENT = """#!/usr/bin/env python3
import socket
conns = [socket.create_connection(("203.0.113.80", 443)) for _ in range(2)]
for c in conns:
    c.sendall(b"hello from python\\n")
    c.recv(512)
    c.close()
print("done")
"""


def in_fresh_netns(*argv):
    """Run ARGV in a network namespace of its own with lo up: nothing of the machine's is touched."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare (util-linux) is not installed")
    script = 'ip link set lo up && exec "$@"'
    return subprocess.run(["unshare", "--net", "sh", "-c", script, "sh", *argv],
                          capture_output=True, text=True, timeout=120)


def trace_json(*argv):
    proc = in_fresh_netns(PORTLAB, "trace", "--json", "--", *argv)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc, events


def compile_c(tmp_path, name, source):
    src = tmp_path / (name + ".c")
    src.write_text(source)
    exe = tmp_path / name
    subprocess.run(["cc", "-O2", "-Wall", "-o", str(exe), str(src)], check=True)
    return str(exe)


def script(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


ERRORS_PROGRAM = r"""
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
	struct sockaddr_in closed = { .sin_family = AF_INET, .sin_port = htons(9) };
	struct sockaddr_in6 peer6 = { .sin6_family = AF_INET6, .sin6_port = htons(5353) };
	int one = 1;
	char buf[64];

	inet_pton(AF_INET, "127.0.0.1", &closed.sin_addr);
	inet_pton(AF_INET6, "::1", &peer6.sin6_addr);
	int c = socket(AF_INET, SOCK_STREAM, 0);
	connect(c, (struct sockaddr *)&closed, sizeof(closed));      /* ECONNREFUSED */
	close(c);
	int a = socket(AF_INET, SOCK_STREAM, 0), b = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(a, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	closed.sin_port = htons(8080);
	bind(a, (struct sockaddr *)&closed, sizeof(closed));
	bind(b, (struct sockaddr *)&closed, sizeof(closed));          /* EADDRINUSE */
	int u = socket(AF_INET6, SOCK_DGRAM, 0);
	sendto(u, "ping", 4, 0, (struct sockaddr *)&peer6, sizeof(peer6));
	int f = open("/proc/self/status", O_RDONLY);                      /* not a socket */
	read(f, buf, sizeof(buf));
	close(f);
	write(1, "printed\n", 8);
	int d = dup(u);                                               /* a socket too */
	sendto(d, "pong", 4, 0, (struct sockaddr *)&peer6, sizeof(peer6));
	return 0;
}
"""


def test_trace_names_errors_and_addresses(tmp_path):
    need_root()
    exe = compile_c(tmp_path, "errors", ERRORS_PROGRAM)
    proc, events = trace_json(exe)
    assert proc.returncode == 0, proc.stderr
    assert "printed" in proc.stderr  # --json: the program's own output on stderr
    assert all(line.startswith("{") for line in proc.stdout.splitlines())
    assert events, proc.stderr
    [refused] = [e for e in events if e["call"] == "connect"]
    assert refused["ok"] is False and refused["errno"] == "ECONNREFUSED"
    assert refused["error"] == "Connection refused"
    assert refused["remote"] == "127.0.0.1:9"  # named though the connect failed
    binds = [e for e in events if e["call"] == "bind"]
    assert [b["ok"] for b in binds] == [True, False]
    assert binds[0]["local"] == "127.0.0.1:8080" and binds[1]["errno"] == "EADDRINUSE"
    [opt] = [e for e in events if e["call"] == "setsockopt"]
    assert opt["option"] == "SO_REUSEADDR=1" and opt["ok"] is True
    sends = [e for e in events if e["call"] == "sendto"]
    assert len(sends) == 2
    assert all(s["remote"] == "[::1]:5353" and s["bytes"] == 4 for s in sends)
    assert sends[1]["fd"] != sends[0]["fd"]  # the dup is followed
    # the file's read and close and the write to stdout are no events
    assert not [e for e in events if e["call"] in ("read", "write")]
    sockets = {e["fd"] for e in events if e["call"] == "socket"}
    closes = [e for e in events if e["call"] == "close"]
    assert len(closes) == 1 and closes[0]["fd"] in sockets


def test_trace_table_shows_errno_names(tmp_path):
    need_root()
    exe = compile_c(tmp_path, "errors", ERRORS_PROGRAM)
    proc = in_fresh_netns(PORTLAB, "trace", exe)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    header = [i for i, l in enumerate(lines) if l.startswith("TIME")]
    assert header, proc.stdout
    rows = lines[header[0] + 1:]
    assert any(" connect " in r and "ECONNREFUSED" in r and "127.0.0.1:9" in r for r in rows), rows
    assert any(" bind " in r and "EADDRINUSE" in r for r in rows), rows


def test_trace_follows_forks_threads_and_ipv4_mapped(tmp_path):
    need_root()
    prog = script(tmp_path, "forks.py", """#!/usr/bin/env python3
import os, socket, threading
l = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
l.bind(("::", 7000)); l.listen()
def serve():
    c, _ = l.accept(); c.sendall(c.recv(100)); c.close()
t = threading.Thread(target=serve); t.start()
pid = os.fork()
if pid == 0:
    s = socket.create_connection(("127.0.0.1", 7000))
    s.sendall(b"hi"); s.recv(100); s.shutdown(socket.SHUT_WR); s.close(); os._exit(0)
os.waitpid(pid, 0); t.join(); l.close()
""")
    proc, events = trace_json(prog)
    assert proc.returncode == 0, proc.stderr
    [conn] = [e for e in events if e["call"] == "connect"]  # made by the forked child
    [acc] = [e for e in events if e["call"] == "accept"]    # made by a thread
    assert conn["ok"] and acc["ok"]
    assert acc["local"] == "[::ffff:127.0.0.1]:7000"
    assert acc["remote"] == "[::ffff:%s" % conn["local"].replace(":", "]:", 1)
    assert acc["listen_fd"] != acc["fd"]
    assert {e["call"] for e in events} >= {"send", "recv", "close"}
    [shut] = [e for e in events if e["call"] == "shutdown"]
    assert shut["ok"] and shut["local"] == conn["local"] and shut["remote"] == "127.0.0.1:7000"


def test_trace_non_blocking_connect_is_one_event(tmp_path):
    need_root()
    prog = script(tmp_path, "nb.py", """#!/usr/bin/env python3
import select, socket
l = socket.socket(); l.bind(("127.0.0.1", 7001)); l.listen()
for port in (7001, 9):
    s = socket.socket(); s.setblocking(False)
    try:
        s.connect(("127.0.0.1", port))
    except BlockingIOError:
        pass
    select.select([], [s], [])
    s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
    s.close()
""")
    proc, events = trace_json(prog)
    assert proc.returncode == 0, proc.stderr
    connects = [e for e in events if e["call"] == "connect"]
    assert len(connects) == 2, connects  # no EINPROGRESS events of their own
    assert connects[0]["ok"] is True and connects[0]["remote"] == "127.0.0.1:7001"
    assert connects[1]["errno"] == "ECONNREFUSED" and connects[1]["remote"] == "127.0.0.1:9"


def test_trace_exit_status_is_the_programs(tmp_path):
    need_root()
    prog = script(tmp_path, "three.sh", "#!/bin/sh\nexit 3\n")
    proc = in_fresh_netns(PORTLAB, "trace", prog)
    assert proc.returncode == 3, proc.stderr
    assert "no socket calls" in proc.stdout


def run_four_tuple(tmp_path, *args):
    need_root()
    proc = portlab("run", "four-tuple", "--json", "--captures", str(tmp_path / "c"), *args)
    try:
        return proc, one_result(proc.stdout, proc.stderr)
    except ValueError:
        raise AssertionError("no JSON (rc=%d): %s" % (proc.returncode, proc.stderr[-2000:]))


def test_textbook_c_client_passes_four_tuple(tmp_path):
    src = tmp_path / "client.c"
    src.write_text(TEXTBOOK_CLIENT)
    proc, res = run_four_tuple(tmp_path, "--use", "client=%s" % src)
    failed = [v for v in res["verdicts"] if not v["passed"]]
    assert proc.returncode == 0 and not failed, failed
    connects = [e for e in res["events"] if e["role"] == "client" and e["call"] == "connect"]
    assert len(connects) == 2
    # what it printed is kept, not read as events
    [client] = [p for p in res["programs"] if p["role"] == "client"]
    assert client["traced"] is True
    with open(client["stdout"]) as f:
        assert f.read() == "done\n"
    [server] = [p for p in res["programs"] if p["role"] == "server"]
    assert server["traced"] is False and server["stdout"] is None


def test_python_client_passes_four_tuple(tmp_path):
    prog = script(tmp_path, "client.py", PYTHON_CLIENT)
    proc, res = run_four_tuple(tmp_path, "--use", "client=%s" % prog)
    failed = [v for v in res["verdicts"] if not v["passed"]]
    assert proc.returncode == 0 and not failed, failed
    sends = [e for e in res["events"] if e["role"] == "client" and e["call"] == "send"]
    assert len(sends) == 2 and all(s["bytes"] == 18 for s in sends)


def comparable(events, role):
    """ROLE's events without what may differ between two runs: times, ports, order numbers."""
    out = []
    for e in events:
        if e["role"] != role or e["call"] == "output":  # what it printed, not a socket call
            continue
        e = {k: v for k, v in e.items() if k not in ("t", "t_called", "seq", "local_port", "remote_port", "tuple")}
        for k in ("local", "remote"):
            if k in e:
                e[k] = e[k].rsplit(":", 1)[0] + ":PORT"
        out.append(e)
    return out


def test_traced_events_equal_report_c_events(tmp_path):
    """The lab's own programs as report.c tells, as the tracer sees them, and a
    textbook client doing the same calls: the same events."""
    _, own = run_four_tuple(tmp_path)
    _, traced = run_four_tuple(tmp_path, "--trace")
    src = tmp_path / "client.c"
    src.write_text(TEXTBOOK_CLIENT)
    _, textbook = run_four_tuple(tmp_path, "--use", "client=%s" % src)
    for res in (traced, textbook):  # traced, every program still ends well
        [programs] = [v for v in res["verdicts"] if v["check"] == "programs"]
        assert programs["passed"], programs["detail"]
    for role in ("client", "server"):
        want = comparable(own["events"], role)
        assert want, role
        assert comparable(traced["events"], role) == want, role
    assert comparable(textbook["events"], "client") == comparable(own["events"], "client")


def test_progress_shows_the_swapped_path_and_stdout_is_kept(tmp_path):
    prog = script(tmp_path, "client.py", PYTHON_CLIENT)
    need_root()
    proc = portlab("run", "four-tuple", "--use", "client=%s" % prog, "--captures", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "run   client on laptop: %s " % prog in proc.stderr
    assert "(traced)" in proc.stderr


def test_compile_error_is_a_failed_verdict_and_clients_still_run(tmp_path):
    bad = tmp_path / "server.c"
    bad.write_text('#include <stdio.h>\nint main(void)\n{\n\tprintf("hi")\n\treturn 0;\n}\n')
    proc, res = run_four_tuple(tmp_path, "--use", "server=%s" % bad)
    assert proc.returncode == 1, proc.stderr
    [programs] = [v for v in res["verdicts"] if v["check"] == "programs"]
    assert not programs["passed"]
    assert "did not compile" in programs["detail"]
    assert "server.c:4:" in programs["detail"] and "error: expected ';'" in programs["detail"]
    # the client still ran: the server's port answered with RST
    refused = [e for e in res["events"] if e["role"] == "client" and e["call"] == "connect"]
    assert refused and all(e.get("errno") == "ECONNREFUSED" for e in refused)
    assert os.path.exists(os.path.join(res["dir"], "server.compile"))


def test_folder_with_a_makefile_is_built(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "main.c").write_text(TEXTBOOK_CLIENT)
    (folder / "Makefile").write_text("myclient: main.c\n\tcc -O2 -o myclient main.c\n")
    proc, res = run_four_tuple(tmp_path, "--use", "client=%s" % folder)
    failed = [v for v in res["verdicts"] if not v["passed"]]
    assert proc.returncode == 0 and not failed, failed
    assert os.path.exists(os.path.join(res["dir"], "client.build", "myclient"))
    assert not (folder / "myclient").exists()  # built in the run's folder, not the student's


def test_folder_of_c_files_is_compiled(tmp_path):
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "main.c").write_text(TEXTBOOK_CLIENT.replace("int main(void)", "int run(void)")
                                   + "\n")
    (folder / "start.c").write_text("int run(void);\nint main(void) { return run(); }\n")
    need_root()
    proc = portlab("run", "four-tuple", "--use", "client=%s" % folder, "--captures", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "build client: cc -O2 -Wall %s/*.c" % folder in proc.stderr


def test_a_wildcard_listener_is_waited_for(tmp_path):
    prog = script(tmp_path, "server.py", """#!/usr/bin/env python3
import socket
s = socket.socket(socket.AF_INET6); s.bind(("::", 443)); s.listen()
for _ in range(2):
    c, _ = s.accept(); c.recv(100); c.sendall(b"hi\\n"); c.close()
""")
    proc, res = run_four_tuple(tmp_path, "--use", "server=%s" % prog)
    failed = [v for v in res["verdicts"] if not v["passed"]]
    assert proc.returncode == 0 and not failed, failed


def test_a_server_on_the_wrong_port_is_named_and_clients_still_run(tmp_path):
    prog = script(tmp_path, "server.py", """#!/usr/bin/env python3
import socket, time
s = socket.socket(); s.bind(("0.0.0.0", 8080)); s.listen()
time.sleep(1.5)
""")
    proc, res = run_four_tuple(tmp_path, "--use", "server=%s" % prog)
    assert proc.returncode == 1
    problems = " ".join(res["problems"])
    assert "ended before it listened on tcp 203.0.113.80:443" in problems, problems
    assert "it listens on 0.0.0.0:8080" in problems, problems
    refused = [e for e in res["events"] if e["role"] == "client" and e["call"] == "connect"]
    assert refused and all(e.get("errno") == "ECONNREFUSED" for e in refused)


def test_what_a_traced_program_leaves_running_dies_with_it(tmp_path):
    need_root()
    prog = script(tmp_path, "escape.sh",
                  "#!/bin/sh\nsetsid sleep 96.5 </dev/null >/dev/null 2>&1 &\nsleep 0.3\nexit 0\n")
    proc = in_fresh_netns(PORTLAB, "trace", prog)
    assert proc.returncode == 0, proc.stderr
    left = subprocess.run(["pgrep", "-f", "sleep 96.5"], capture_output=True, text=True)
    assert left.stdout == ""


def test_a_shell_script_with_the_socket_on_stdout_is_seen(tmp_path):
    """bash's /dev/tcp and >&3: the writes go through descriptor 1, now a socket."""
    need_root()
    if shutil.which("bash") is None:
        pytest.skip("bash is not installed")
    prog = script(tmp_path, "client.sh", """#!/bin/bash
python3 -c "
import os, socket
l = socket.socket(); l.bind(('127.0.0.1', 7003)); l.listen()
if os.fork() == 0:
    c, _ = l.accept(); c.sendall(c.recv(10)); c.close(); os._exit(0)
"
exec 3<>/dev/tcp/127.0.0.1/7003
echo hi >&3
read line <&3
exec 3>&-
""")
    proc, events = trace_json(prog)
    assert proc.returncode == 0, proc.stderr
    writes = [e for e in events if e["call"] == "write"]
    assert len(writes) == 1, events
    assert writes[0]["bytes"] == 3 and writes[0]["remote"] == "127.0.0.1:7003"
    assert writes[0]["fd"] == 1
    reads = [e for e in events if e["call"] == "read"]
    assert reads and sum(r["bytes"] for r in reads) == 3
