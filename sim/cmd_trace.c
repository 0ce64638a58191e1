/*
 * cmd_trace.c - portlab trace: run any program here, in this namespace,
 * under the tracer, and show its socket calls as the lab reports do. Also
 * portlab _trace, the keeper of a traced program in a run (see launch.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmds.h"
#include "record.h"
#include "report.h"
#include "trace.h"
#include "util.h"

static void usage(FILE *out)
{
	fputs("usage: portlab trace [--json] [--] PROGRAM [ARGS...]\n"
	      "  runs PROGRAM here (any language: a binary, a script) and shows its socket calls:\n"
	      "  socket, bind, listen, accept, connect, setsockopt, shutdown, close, and the\n"
	      "  data calls on sockets (byte counts, not contents), with the local and remote\n"
	      "  address:port after each call, as getsockname/getpeername give them.\n"
	      "  --json   one JSON event per line, as it happens, in the shape of a run's events;\n"
	      "           PROGRAM's own stdout then goes to stderr\n"
	      "Exit status: PROGRAM's own (128+N when signal N ended it); 2 for a usage error.\n",
	      out);
}

struct collected {
	struct record *events;
	size_t n, cap;
	bool json;
};

static void collect(const char *line, size_t len, void *arg)
{
	struct collected *c = arg;

	if (c->json) {
		fwrite(line, 1, len, stdout);
		fflush(stdout);
		return;
	}
	char *copy = xasprintf("%.*s", (int)len, line);
	if (c->n == c->cap)
		c->events = xrealloc(c->events, (c->cap = c->cap ? 2 * c->cap : 64) * sizeof(struct record));
	c->events[c->n] = (struct record){ 0 };
	if (record_parse_json(&c->events[c->n], copy) == 0)
		c->n++;
	else
		record_clear(&c->events[c->n]);
	free(copy);
}

/* detail - the option set, the listening socket, or the error in words. */
static void detail(const struct record *r, char *buf, size_t len)
{
	if (record_get(r, "option"))
		snprintf(buf, len, "%s", record_text(r, "option"));
	else if (record_get(r, "listen_fd"))
		snprintf(buf, len, "listen_fd=%s", record_text(r, "listen_fd"));
	else
		snprintf(buf, len, "%s", record_text(r, "error"));
}

static void print_table(const struct collected *c)
{
	size_t wcall = 4, wres = 6, wlocal = 5, wremote = 6;
	double t0 = c->n ? atof(record_text(&c->events[0], "t")) : 0;
	char res[64], more[256];

	if (!c->n) {
		puts("no socket calls");
		return;
	}
	for (size_t i = 0; i < c->n; i++) {
		const struct record *r = &c->events[i];
		report_event_result(r, res, sizeof(res));
#define WIDEN(w, s) do { size_t l_ = strlen(s); if (l_ > (w)) (w) = l_; } while (0)
		WIDEN(wcall, record_text(r, "call"));
		WIDEN(wres, res);
		WIDEN(wlocal, record_text(r, "local"));
		WIDEN(wremote, record_text(r, "remote"));
#undef WIDEN
	}
	printf("%-9s  %-*s  %-*s  %-*s  %-*s  %s\n", "TIME", (int)wcall, "CALL", (int)wres, "RESULT",
	       (int)wlocal, "LOCAL", (int)wremote, "REMOTE", "DETAIL");
	for (size_t i = 0; i < c->n; i++) {
		const struct record *r = &c->events[i];
		char row[1024];
		report_event_result(r, res, sizeof(res));
		detail(r, more, sizeof(more));
		size_t end = (size_t)snprintf(row, sizeof(row), "%9.6f  %-*s  %-*s  %-*s  %-*s  %s",
			atof(record_text(r, "t")) - t0, (int)wcall, record_text(r, "call"), (int)wres,
			res, (int)wlocal, record_text(r, "local"), (int)wremote, record_text(r, "remote"),
			more);
		if (end >= sizeof(row))
			end = sizeof(row) - 1;
		while (end && row[end - 1] == ' ')
			row[--end] = '\0';
		puts(row);
	}
}

/* traced_child - in the child: wait until seized, then become PROGRAM under the filter. */
static void __attribute__((noreturn)) traced_child(int go_fd, char **argv, bool json)
{
	/* --json: stdout holds only events; what the program prints goes to stderr */
	if (json && dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	if (trace_wait_go(go_fd) < 0)
		_exit(127);
	if (trace_install_filter(0) < 0) {
		pl_warn_errno("trace: the seccomp filter");
		_exit(127);
	}
	execvp(argv[0], argv);
	pl_warn_errno("trace: %s", argv[0]);
	_exit(127);
}

/* trace_program - run ARGV traced; returns its wait status, or -1 after saying why. */
static int trace_program(char **argv, struct collected *c)
{
	int go[2];
	struct trace_opts opts = { .emit = collect, .arg = c };

	if (pipe2(go, O_CLOEXEC) < 0) {
		pl_warn_errno("trace: pipe");
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		pl_warn_errno("trace: fork");
		return -1;
	}
	if (pid == 0) {
		close(go[1]);
		traced_child(go[0], argv, c->json);
	}
	close(go[0]);
	if (trace_seize(pid) < 0) {
		pl_warn_errno("trace: ptrace(PTRACE_SEIZE)%s", errno == EPERM ?
			      " (tracing needs CAP_SYS_PTRACE, or a kernel.yama.ptrace_scope below 2)" : "");
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		close(go[1]);
		return -1;
	}
	trace_go(go[1]);
	return trace_run(pid, STDOUT_FILENO, &opts);
}

int cmd_trace(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct collected c = { 0 };
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "+jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': c.json = true; break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		pl_warn("trace: which program? ('portlab trace -- PROGRAM ARGS...')");
		usage(stderr);
		return EXIT_USAGE;
	}
	/* like system(3): Ctrl-C is the program's to handle; we report how it ended */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	int status = trace_program(argv + optind, &c);
	if (!c.json)
		print_table(&c);
	for (size_t i = 0; i < c.n; i++)
		record_clear(&c.events[i]);
	free(c.events);
	if (status < 0)
		return EXIT_ENV;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "portlab: trace: %s was killed by SIG%s\n", argv[optind],
			sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
		return 128 + WTERMSIG(status);
	}
	return WEXITSTATUS(status);
}

/*
 * cmd_trace_internal - portlab _trace --pid PID --go-fd FD: the keeper of a
 * traced program in a run. PID is its child, waiting on FD; the events go
 * to stdout (the run's pipe), and the keeper ends as the program did.
 */
int cmd_trace_internal(int argc, char **argv)
{
	long pid = 0, go_fd = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--pid"))
			pid = strtol(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--go-fd"))
			go_fd = strtol(argv[i + 1], NULL, 10);
	}
	if (pid <= 0 || go_fd < 0) {
		pl_warn("_trace: wants --pid PID --go-fd FD (it is run by portlab run)");
		return EXIT_USAGE;
	}
	/* stop asks the program, through the process group, not us: we report how it ended */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (trace_seize((pid_t)pid) < 0) {
		pl_warn_errno("_trace: ptrace(PTRACE_SEIZE, %ld)", pid);
		kill((pid_t)pid, SIGKILL);
		return 126;
	}
	trace_go((int)go_fd);
	int status = trace_run((pid_t)pid, STDOUT_FILENO, NULL);
	if (status < 0)
		return 126;
	trace_exit_as(status);
}
