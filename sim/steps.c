/*
 * steps.c - run a lab's steps (see steps.h): start programs (launch.c does
 * the fork and exec), read their events, wait, time out, reap.
 */
#include "steps.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "launch.h"
#include "netns.h"
#include "paths.h"
#include "record.h"
#include "sockets.h"
#include "util.h"

#define MAX_LINE (64 * 1024)



/* add_line - append a formatted line to the list V of N lines. */
static char *add_line(char ***v, size_t *n, const char *fmt, va_list ap)
{
	char *s = xvasprintf(fmt, ap);

	*v = xrealloc(*v, sizeof(char *) * (*n + 1));
	(*v)[(*n)++] = s;
	return s;
}

void runner_problem(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *s = add_line(&r->problems, &r->nproblems, fmt, ap);
	va_end(ap);
	if (r->progress)
		fprintf(stderr, "  ! %s\n", s);
}

static void note(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&r->notes, &r->nnotes, fmt, ap);
	va_end(ap);
}



/* spawn - start STEP's program (or the socket-table reader); returns the proc or NULL. */
static struct proc *spawn(struct runner *r, const struct lab_step *step)
{
	struct launch l = { .exec_fd = -1, .report_w = -1, .netns_fd = -1, .out_w = -1,
			    .err_fd = -1, .null_fd = -1 };
	int report[2] = { -1, -1 };
	struct proc p = { .step = step, .out = -1 };
	int pipefd[2] = { -1, -1 };
	char *ns = netns_name(r->run_id, r->lab->hosts[step->host].name);
	char *nspath = xasprintf(NETNS_DIR "/%s", ns);
	struct proc *res = NULL;

	p.role = xstrdup(step->role);
	p.host = xstrdup(r->lab->hosts[step->host].name);
	if (step->kind == STEP_SOCKETS) {
		p.path = xasprintf("%s/portlab", exe_dir());
		l.argv = xcalloc(3, sizeof(char *));
		l.argv[0] = xstrdup("portlab");
		l.argv[1] = xstrdup("_sockets");
	} else {
		p.path = program_path(r, step);
		if (!p.path) {
			runner_problem(r, "%s: program not found", step->role);
			goto out;
		}
		l.argv = xcalloc(step->argc + 1, sizeof(char *));
		l.argv[0] = xstrdup(p.path);
		for (size_t i = 1; i < step->argc; i++)
			l.argv[i] = xstrdup(step->argv[i]);
	}
	l.path = p.path;
	if (step->user) {
		l.drop = true;
		if (resolve_user(step->user, &l.uid, &l.gid) < 0) {
			runner_problem(r, "%s: no user '%s' on this machine", step->role, step->user);
			goto out;
		}
		for (size_t i = 0; i < step->ncaps && i < 8; i++)
			l.caps[l.ncaps++] = cap_number(step->caps[i]);
		l.exec_fd = open(p.path, O_RDONLY | O_CLOEXEC);
		if (l.exec_fd < 0) {
			runner_problem(r, "%s: %s: %s", step->role, p.path, strerror(errno));
			goto out;
		}
	}
	p.errlog = xasprintf("%s/%s.stderr", r->dir, step->role);
	l.netns_fd = open(nspath, O_RDONLY | O_CLOEXEC);
	l.err_fd = open(p.errlog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	l.null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (l.netns_fd < 0 || l.err_fd < 0 || l.null_fd < 0 || pipe2(pipefd, O_CLOEXEC) < 0 ||
	    pipe2(report, O_CLOEXEC) < 0) {
		runner_problem(r, "%s: cannot prepare the program: %s", step->role, strerror(errno));
		goto out;
	}
	l.out_w = pipefd[1];
	l.report_w = report[1];
	l.envp = launch_env(p.role, p.host, r->run_id);
	fflush(NULL);
	p.pid = fork();
	if (p.pid < 0) {
		runner_problem(r, "%s: fork: %s", step->role, strerror(errno));
		goto out;
	}
	if (p.pid == 0)
		launch_child(&l);
	close(report[1]);
	report[1] = -1;
	int why[2];
	ssize_t got;
	while ((got = read(report[0], why, sizeof(why))) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(why)) { /* it never became the program */
		runner_problem(r, "%s (on %s): cannot %s %s: %s", step->role, p.host,
			       launch_stage_name(why[0]), p.path, strerror(why[1]));
	}
	setpgid(p.pid, p.pid); /* also here, so that a kill cannot race the child's own call */
	p.out = pipefd[0];
	pipefd[0] = -1;
	if (fcntl(p.out, F_SETFL, O_NONBLOCK) < 0)
		pl_warn_errno("fcntl");
	p.started = now_seconds();
	p.deadline = p.started + step->timeout;
	p.running = true;
	r->procs = xrealloc(r->procs, sizeof(p) * (r->nprocs + 1));
	r->procs[r->nprocs] = p;
	res = &r->procs[r->nprocs++];
	memset(&p, 0, sizeof(p));
out:
	if (l.envp)
		launch_env_free(l.envp);
	for (size_t i = 0; l.argv && l.argv[i]; i++)
		free(l.argv[i]);
	free(l.argv);
	for (int i = 0; i < 2; i++) {
		if (pipefd[i] >= 0)
			close(pipefd[i]);
		if (report[i] >= 0)
			close(report[i]);
	}
	if (l.netns_fd >= 0)
		close(l.netns_fd);
	if (l.err_fd >= 0)
		close(l.err_fd);
	if (l.null_fd >= 0)
		close(l.null_fd);
	if (l.exec_fd >= 0)
		close(l.exec_fd);
	if (!res) {
		free(p.role);
		free(p.host);
		free(p.path);
		free(p.errlog);
	}
	free(ns);
	free(nspath);
	return res;
}

/* printable - at most MAX bytes of TEXT, control and non-ASCII bytes as '?' (static buffer). */
static const char *printable(const char *text, size_t max)
{
	static char buf[256];
	size_t i;

	for (i = 0; text[i] && i < max && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f ? '?' : text[i];
	buf[i] = '\0';
	return buf;
}

/* add_event - one line of PROC's output as an event. */
static void add_event(struct runner *r, struct proc *p, const char *line)
{
	struct record ev = { 0 };

	p->lines++;
	if (!*line)
		return;
	if (record_parse_json(&ev, line) < 0) {
		record_clear(&ev);
		if (!p->bad_lines++) /* one note per program is enough to go on */
			note(r, "%s printed lines that are not JSON events, the first: %s", p->role,
			     printable(line, 80));
		/* what a program prints can be what it is graded on: keep it as an "output" event */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		record_setf(&ev, "t", FIELD_NUMBER, "%lld.%06ld", (long long)now.tv_sec,
			    now.tv_nsec / 1000);
		record_set(&ev, "call", "output", FIELD_STRING);
		record_set(&ev, "text", printable(line, 200), FIELD_STRING);
	}
	record_set(&ev, "role", p->role, FIELD_STRING);
	record_set(&ev, "host", p->host, FIELD_STRING);
	record_setf(&ev, "seq", FIELD_NUMBER, "%zu", r->nevents + 1);
	record_add_endpoints(&ev);
	if (r->nevents == r->events_cap) /* doubling: 10,000 events must not copy 10,000 times */
		r->events = xrealloc(r->events, sizeof(ev) * (r->events_cap = r->events_cap ? 2 * r->events_cap : 256));
	r->events[r->nevents++] = ev;
}

static void too_long(struct runner *r, struct proc *p)
{
	if (!p->long_lines++)
		note(r, "%s printed a line longer than %d bytes; dropped", p->role, MAX_LINE);
}

/* read_output - take what PROC has written; close at end of file. */
static void read_output(struct runner *r, struct proc *p)
{
	for (;;) {
		if (p->len + 4096 > p->cap)
			p->buf = xrealloc(p->buf, p->cap = p->cap ? p->cap * 2 : 8192);
		ssize_t n = read(p->out, p->buf + p->len, p->cap - p->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0 || errno != EAGAIN) {
				close(p->out);
				p->out = -1;
				if (p->len) { /* a last line without its newline */
					p->buf[p->len] = '\0';
					add_event(r, p, p->buf);
					p->len = 0;
				}
			}
			return;
		}
		p->len += (size_t)n;
		char *start = p->buf, *nl;
		while ((nl = memchr(start, '\n', p->len - (size_t)(start - p->buf)))) {
			*nl = '\0';
			/* too long, whether it came whole or in pieces */
			if (!p->skipping && (size_t)(nl - start) > MAX_LINE)
				too_long(r, p);
			else if (!p->skipping)
				add_event(r, p, start);
			p->skipping = false; /* the long line ended here */
			start = nl + 1;
		}
		p->len -= (size_t)(start - p->buf);
		memmove(p->buf, start, p->len);
		if (p->len > MAX_LINE) {
			/* drop the whole line, up to its newline, not just what is buffered */
			if (!p->skipping)
				too_long(r, p);
			p->skipping = true;
			p->len = 0;
		}
	}
}

static const char *describe_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by %s", sigabbrev_np(WTERMSIG(status)) ?
			 sigabbrev_np(WTERMSIG(status)) : "a signal");
	else
		snprintf(buf, len, "status %d", status);
	return buf;
}

/* first_line - the first line of FILE into BUF ("" when there is none). */
static void first_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "r");

	buf[0] = '\0';
	if (!f)
		return;
	if (fgets(buf, (int)len, f)) {
		buf[strcspn(buf, "\n")] = '\0';
		const char *clean = printable(buf, len - 1); /* it goes to a terminal */
		memmove(buf, clean, strlen(clean) + 1);
	}
	fclose(f);
}

/* reap - notice ended programs and judge how they ended. */
static void reap(struct runner *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = &r->procs[i];
		int status;

		if (!p->running || waitpid(p->pid, &status, WNOHANG) != p->pid)
			continue;
		p->running = false;
		p->status = status;
		p->ended = now_seconds();
		if (p->out >= 0)
			read_output(r, p);
		kill(-p->pid, SIGKILL); /* anything it left in its group */
		char how[64];
		describe_status(status, how, sizeof(how));
		if (p->timed_out)
			runner_problem(r, "%s (on %s) did not finish within %g s and was killed", p->role,
				p->host, p->step->timeout);
		else if (p->stopped && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
			; /* stopped as the lab asked */
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char said[200];
			first_line(p->errlog, said, sizeof(said));
			runner_problem(r, "%s (on %s) ended with %s%s%s%s; its stderr is in %s", p->role,
				p->host, how, said[0] ? ": \"" : "", said, said[0] ? "\"" : "",
				p->errlog);
		}
		if (r->progress && p->step->kind != STEP_SOCKETS)
			fprintf(stderr, "  ended %s on %s: %s after %.2f s\n", p->role, p->host,
				p->timed_out ? "timed out" : how, p->ended - p->started);
	}
}

/*
 * pump - read output, reap and enforce timeouts for up to WAIT_MS.
 * Returns -1 when interrupted.
 */
static int pump(struct runner *r, int wait_ms)
{
	struct pollfd fds[r->nprocs + 1];
	size_t nfds = 0;
	double now = now_seconds();

	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = &r->procs[i];
		if (p->out >= 0) {
			fds[nfds].fd = p->out;
			fds[nfds].events = POLLIN;
			nfds++;
		}
		if (p->running && p->deadline - now < wait_ms / 1000.0)
			wait_ms = p->deadline > now ? (int)((p->deadline - now) * 1000) + 1 : 0;
	}
	if (poll(fds, nfds, wait_ms) < 0 && errno != EINTR)
		pl_warn_errno("poll");
	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].out >= 0)
			read_output(r, &r->procs[i]);
	reap(r);
	now = now_seconds();
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = &r->procs[i];
		if (p->running && !p->timed_out && now >= p->deadline) {
			p->timed_out = true;
			kill(-p->pid, SIGKILL);
		}
	}
	return *r->interrupted ? -1 : 0;
}

static struct proc *find_proc(struct runner *r, const char *role)
{
	for (size_t i = r->nprocs; i-- > 0;)
		if (!strcmp(r->procs[i].role, role) && r->procs[i].step->kind != STEP_SOCKETS)
			return &r->procs[i];
	return NULL;
}

/* wait_exit - until P ends; returns -1 when interrupted. */
static int wait_exit(struct runner *r, struct proc *p)
{
	while (p->running || p->out >= 0) {
		if (pump(r, 50) < 0)
			return -1;
		if (!p->running && p->out >= 0) { /* ended, but a child of it holds the pipe */
			close(p->out);
			p->out = -1;
		}
	}
	return 0;
}

struct seen {
	char *buf;
	size_t len, used;
};

static bool add_listener(const struct socket_entry *e, void *arg)
{
	struct seen *s = arg;

	if ((e->proto == IPPROTO_TCP && strcmp(e->state, "LISTEN")) || s->used >= s->len)
		return false;
	int k = snprintf(s->buf + s->used, s->len - s->used, "%s%s", s->used ? ", " : "", e->local);
	if (k > 0)
		s->used += (size_t)k;
	return false;
}

/* listeners - "it listens on a, b" or "nothing listens", from the table in NETDIR. */
static void listeners(const char *netdir, int proto, char *buf, size_t len)
{
	char list[200] = "";
	struct seen s = { list, sizeof(list), 0 };

	socktable_each(netdir, proto, add_listener, &s);
	if (s.used)
		snprintf(buf, len, "it %s on %s", proto == IPPROTO_TCP ? "listens" : "is bound", list);
	else
		snprintf(buf, len, "nothing %s there", proto == IPPROTO_TCP ? "listens" : "is bound");
}

/* wait_listen - until ROLE's host has the listener; returns 0, 1 if it never came, -1 interrupted. */
static int wait_listen(struct runner *r, const struct lab_step *step)
{
	struct proc *p = find_proc(r, step->role);
	double started = now_seconds(), deadline = started + step->timeout;
	char netdir[64];

	snprintf(netdir, sizeof(netdir), "/proc/%d/net", (int)p->pid);
	for (;;) {
		if (p->running && socktable_has_listener(netdir, step->proto, step->endpoint))
			return 0;
		if (!p->running) {
			runner_problem(r, "%s ended before it listened on %s %s", step->role,
				step->proto == IPPROTO_TCP ? "tcp" : "udp", step->endpoint);
			return 1;
		}
		if (now_seconds() > deadline) {
			char seen[256];
			listeners(netdir, step->proto, seen, sizeof(seen));
			runner_problem(r, "%s did not listen on %s %s within %g s (%s)", step->role,
				step->proto == IPPROTO_TCP ? "tcp" : "udp", step->endpoint, step->timeout,
				seen);
			return 1;
		}
		/* look often at first, when servers get ready, then spare the CPU */
		if (pump(r, now_seconds() - started < 0.2 ? 2 : 20) < 0)
			return -1;
	}
}

static void say_step(const struct runner *r, const struct lab_step *s)
{
	if (!r->progress)
		return;
	switch (s->kind) {
	case STEP_START:
	case STEP_RUN:
		fprintf(stderr, "  %-5s %s on %s", s->kind == STEP_START ? "start" : "run", s->role,
			r->lab->hosts[s->host].name);
		if (s->user)
			fprintf(stderr, " as %s", s->user);
		for (size_t i = 0; i < s->ncaps; i++)
			fprintf(stderr, "%s%s", i ? "," : " caps ", s->caps[i]);
		fputc(':', stderr);
		for (size_t i = 0; i < s->argc; i++)
			fprintf(stderr, " %s", s->argv[i]);
		fputc('\n', stderr);
		break;
	case STEP_WAIT_LISTEN:
		fprintf(stderr, "  wait  %s listening on %s %s\n", s->role,
			s->proto == IPPROTO_TCP ? "tcp" : "udp", s->endpoint);
		break;
	case STEP_WAIT_EXIT:
		fprintf(stderr, "  wait  %s to end\n", s->role);
		break;
	case STEP_STOP:
		fprintf(stderr, "  stop  %s\n", s->role);
		break;
	case STEP_SOCKETS:
		fprintf(stderr, "  read  the socket table of %s\n", r->lab->hosts[s->host].name);
		break;
	}
}

int runner_run(struct runner *r)
{
	const struct lab *lab = r->lab;
	int rc = 0;

	for (size_t i = 0; i < lab->nsteps && rc == 0; i++) {
		const struct lab_step *s = &lab->steps[i];
		struct proc *p;

		say_step(r, s);
		switch (s->kind) {
		case STEP_START:
			if (!spawn(r, s))
				rc = 1;
			break;
		case STEP_RUN:
		case STEP_SOCKETS:
			p = spawn(r, s);
			if (!p)
				rc = 1;
			else if (wait_exit(r, p) < 0)
				rc = -1;
			break;
		case STEP_WAIT_LISTEN:
			rc = wait_listen(r, s);
			break;
		case STEP_WAIT_EXIT:
			if (wait_exit(r, find_proc(r, s->role)) < 0)
				rc = -1;
			break;
		case STEP_STOP:
			p = find_proc(r, s->role);
			if (p->running) {
				p->stopped = true;
				kill(-p->pid, SIGTERM);
			}
			if (wait_exit(r, p) < 0)
				rc = -1;
			break;
		}
	}
	if (rc > 0)
		runner_problem(r, "the remaining steps were not run");
	/* the background programs end on their own, each within its timeout */
	for (size_t i = 0; i < r->nprocs && rc >= 0; i++)
		if (wait_exit(r, &r->procs[i]) < 0)
			rc = -1;
	if (rc < 0)
		runner_kill(r);
	return rc < 0 ? -1 : 0;
}

void runner_kill(struct runner *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = &r->procs[i];
		if (p->running) {
			kill(-p->pid, SIGKILL);
			while (waitpid(p->pid, &p->status, 0) < 0 && errno == EINTR)
				;
			p->running = false;
			p->ended = now_seconds();
		}
		if (p->out >= 0) {
			close(p->out);
			p->out = -1;
		}
	}
}

void runner_free(struct runner *r)
{
	runner_kill(r);
	for (size_t i = 0; i < r->nprocs; i++) {
		free(r->procs[i].role);
		free(r->procs[i].host);
		free(r->procs[i].path);
		free(r->procs[i].buf);
		free(r->procs[i].errlog);
	}
	free(r->procs);
	for (size_t i = 0; i < r->nevents; i++)
		record_clear(&r->events[i]);
	free(r->events);
	for (size_t i = 0; i < r->nproblems; i++)
		free(r->problems[i]);
	free(r->problems);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
}
