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
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "lab.h"
#include "launch.h"
#include "netns.h"
#include "paths.h"
#include "record.h"
#include "sockets.h"
#include "trace.h"
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

void runner_note(struct runner *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	add_line(&r->notes, &r->nnotes, fmt, ap);
	va_end(ap);
}



/* swapped - whether ROLE's program was given with --use (not one of the lab's own). */
static bool swapped(const struct runner *r, const char *role)
{
	size_t rl = strlen(role);

	for (size_t i = 0; i < r->nuse; i++)
		if (!strncmp(r->use[i], role, rl) && r->use[i][rl] == '=')
			return true;
	return false;
}

/* is_script - whether the file at PATH starts with "#!". */
static bool is_script(const char *path)
{
	char head[2] = { 0 };
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, head, 2) < 0)
			head[0] = '\0';
		close(fd);
	}
	return head[0] == '#' && head[1] == '!';
}

/*
 * contain - put STEP's program in a sandbox (sandbox.h): its own uid, but a
 * lab's own program keeps the user its step names; a step without one
 * stands for root, of which the program keeps the right to bind any port.
 */
static int contain(struct runner *r, struct proc *p, struct launch *l)
{
	const struct lab_step *step = p->step;
	char why[256];

	/* a lab's own program that says it needs root (as root) runs as before */
	if (step->user && user_is_root(step->user) && !swapped(r, step->role))
		return 0;
	if (sandbox_prepare(&p->sb, r->dir, r->run_id, step, why, sizeof(why)) < 0) {
		runner_problem(r, "%s: cannot make its sandbox: %s", step->role, why);
		return -1;
	}
	if (swapped(r, step->role) &&
	    sandbox_copy_program(&p->sb, p->path, r->dir, step->role, why, sizeof(why)) < 0) {
		runner_problem(r, "%s: %s", step->role, why);
		return -1;
	}
	l->sandbox = &p->sb;
	p->sb.script = is_script(p->path);
	l->drop = true;
	l->uid = p->sb.uid;
	l->gid = p->sb.gid;
	if (!step->user || p->sb.own_ids) {
		l->caps[l->ncaps++] = cap_number("net_bind_service");
	} else if (!swapped(r, step->role)) {
		if (resolve_user(step->user, &l->uid, &l->gid) < 0) {
			runner_problem(r, "%s: no user '%s' on this machine", step->role, step->user);
			return -1;
		}
		p->sb.uid = l->uid; /* its working folder is its own */
		p->sb.gid = l->gid;
		p->sb.shared_uid = true;
		if (chown(p->sb.workdir, l->uid, l->gid) < 0) {
			runner_problem(r, "%s: %s: %s", step->role, p->sb.workdir, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/*
 * prepare - what STEP's child needs, into P and L: the program and its
 * arguments, its user, its sandbox and its stderr. Returns 0, or -1 after
 * noting the problem.
 */
static int prepare(struct runner *r, const struct lab_step *step, struct proc *p, struct launch *l)
{
	p->role = xstrdup(step->role);
	p->host = xstrdup(r->lab->hosts[step->host].name);
	if (step->kind == STEP_SOCKETS) {
		p->path = xasprintf("%s/portlab", exe_dir());
		l->argv = xcalloc(3, sizeof(char *));
		l->argv[0] = xstrdup("portlab");
		l->argv[1] = xstrdup("_sockets");
	} else {
		p->path = program_path(r, step);
		if (!p->path) {
			runner_problem(r, "%s: program not found", step->role);
			return -1;
		}
		l->argv = xcalloc(step->argc + 1, sizeof(char *));
		l->argv[0] = xstrdup(p->path);
		for (size_t i = 1; i < step->argc; i++)
			l->argv[i] = xstrdup(step->argv[i]);
	}
	l->path = p->path;
	if (step->user) {
		l->drop = true;
		if (resolve_user(step->user, &l->uid, &l->gid) < 0) {
			runner_problem(r, "%s: no user '%s' on this machine", step->role, step->user);
			return -1;
		}
		for (size_t i = 0; i < step->ncaps && i < 8; i++)
			l->caps[l->ncaps++] = cap_number(step->caps[i]);
	}
	if (step->kind != STEP_SOCKETS && contain(r, p, l) < 0)
		return -1;
	if (l->drop) {
		l->exec_fd = open(p->sb.exe ? p->sb.exe : p->path, O_RDONLY | O_CLOEXEC);
		if (l->exec_fd < 0) {
			runner_problem(r, "%s: %s: %s", step->role, p->path, strerror(errno));
			return -1;
		}
	}
	p->errlog = xasprintf("%s/%s.stderr", r->dir, step->role);
	return 0;
}

/*
 * observe - a program that is not the lab's own, or every one with --trace,
 * is traced from outside (trace.h): what it prints is its own business,
 * kept in <role>.stdout. Returns 0, or -1 after noting the problem.
 */
static int observe(struct runner *r, const struct lab_step *step, struct proc *p, struct launch *l)
{
	p->traced = step->kind != STEP_SOCKETS && (r->trace_all || used_program(r, step->role));
	if (!p->traced)
		return 0;
	l->trace = true;
	/* the lab's own programs print report lines, never to a socket */
	l->trace_flags = used_program(r, step->role) ? 0 : TRACE_STDIO_UNTRACED;
	l->keeper_path = xasprintf("%s/portlab", exe_dir());
	/* through a pipe the runner reads: counted against the output limit, its tail kept */
	int own[2];
	p->outlog = xasprintf("%s/%s.stdout", r->dir, step->role);
	p->own_file = open(p->outlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (p->own_file < 0 || pipe2(own, O_CLOEXEC) < 0) {
		runner_problem(r, "%s: %s: %s", step->role, p->outlog, strerror(errno));
		return -1;
	}
	l->prog_out = own[1];
	p->own = own[0];
	p->own_output = used_program(r, step->role) != NULL;
	return 0;
}

/* release - what prepare and spawn made for the child, once it has it. */
static void release(struct launch *l)
{
	int *fds[] = { &l->netns_fd, &l->err_fd, &l->null_fd, &l->exec_fd, &l->prog_out,
		       &l->out_w, &l->report_w };

	if (l->envp)
		launch_env_free(l->envp);
	for (size_t i = 0; l->argv && l->argv[i]; i++)
		free(l->argv[i]);
	free(l->argv);
	free((char *)l->keeper_path);
	for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

/* started - the child is forked: hear why it failed to become the program, if it did. */
static void started(struct runner *r, struct proc *p, int report_fd)
{
	int why[2];
	ssize_t got;

	while ((got = read(report_fd, why, sizeof(why))) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(why)) /* it never became the program */
		runner_problem(r, "%s (on %s): cannot %s %s: %s", p->role, p->host,
			       launch_stage_name(why[0]), p->path, strerror(why[1]));
	setpgid(p->pid, p->pid); /* also here, so that a kill cannot race the child's own call */
	if (fcntl(p->out, F_SETFL, O_NONBLOCK) < 0 ||
	    (p->own >= 0 && fcntl(p->own, F_SETFL, O_NONBLOCK) < 0))
		pl_warn_errno("fcntl");
	p->started = now_seconds();
	p->deadline = p->started + p->step->timeout;
	p->running = true;
}

/* spawn - start STEP's program (or the socket-table reader); returns the proc or NULL. */
static struct proc *spawn(struct runner *r, const struct lab_step *step)
{
	struct launch l = { .exec_fd = -1, .report_w = -1, .netns_fd = -1, .out_w = -1,
			    .err_fd = -1, .null_fd = -1, .prog_out = -1 };
	int report[2] = { -1, -1 }, pipefd[2] = { -1, -1 };
	struct proc p = { .step = step, .out = -1, .own = -1, .own_file = -1 };
	char *nspath = xasprintf(NETNS_DIR "/" NETNS_PREFIX "%s-%s", r->run_id,
				 r->lab->hosts[step->host].name);
	struct proc *res = NULL;

	if (prepare(r, step, &p, &l) < 0 || observe(r, step, &p, &l) < 0)
		goto out;
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
	pipefd[1] = report[1] = -1; /* release() closes them */
	/* absolute: a contained program starts in its own working folder */
	char *lab_dir = realpath(r->lab->dir, NULL), *run_dir = realpath(r->dir, NULL);
	struct launch_names names = { p.role, p.host, r->run_id, lab_dir ? lab_dir : r->lab->dir,
				      run_dir ? run_dir : r->dir };
	l.envp = launch_env(&names, p.traced);
	free(lab_dir);
	free(run_dir);
	fflush(NULL);
	p.pid = fork();
	if (p.pid < 0) {
		runner_problem(r, "%s: fork: %s", step->role, strerror(errno));
		goto out;
	}
	if (p.pid == 0)
		launch_child(&l);
	close(l.report_w); /* so that the read in started() ends when the child execs */
	l.report_w = -1;
	p.out = pipefd[0];
	pipefd[0] = -1;
	started(r, &p, report[0]);
	r->procs = xrealloc(r->procs, sizeof(p) * (r->nprocs + 1));
	r->procs[r->nprocs] = p;
	res = &r->procs[r->nprocs++];
	memset(&p, 0, sizeof(p));
out:
	release(&l);
	for (int i = 0; i < 2; i++) {
		if (pipefd[i] >= 0)
			close(pipefd[i]);
		if (report[i] >= 0)
			close(report[i]);
	}
	if (!res) {
		sandbox_release(&p.sb);
		free(p.role);
		free(p.host);
		free(p.path);
		free(p.errlog);
		free(p.outlog);
		if (p.own >= 0)
			close(p.own);
		if (p.own_file >= 0)
			close(p.own_file);
	}
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
/*
 * output_event - LINE, printed by a program but no event, as an "output"
 * event with its text: what a program prints can be what it is graded on.
 */
static void output_event(struct record *ev, const char *line)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	record_setf(ev, "t", FIELD_NUMBER, "%lld.%06ld", (long long)now.tv_sec, now.tv_nsec / 1000);
	record_set(ev, "call", "output", FIELD_STRING);
	record_set(ev, "text", printable(line, 200), FIELD_STRING);
}

static void keep_event(struct runner *r, struct proc *p, struct record *ev_in);

static void add_event(struct runner *r, struct proc *p, const char *line)
{
	struct record ev = { 0 };

	p->lines++;
	if (!*line)
		return;
	if (record_parse_json(&ev, line) < 0) {
		record_clear(&ev);
		if (!p->bad_lines++) /* one note per program is enough to go on */
			runner_note(r, "%s printed lines that are not JSON events, the first: %s", p->role,
			     printable(line, 80));
		output_event(&ev, line);
	}
	keep_event(r, p, &ev);
}

/* keep_event - EV, one of P's, with its role, host and number, into the run's events. */
static void keep_event(struct runner *r, struct proc *p, struct record *ev_in)
{
	struct record ev = *ev_in;

	record_set(&ev, "role", p->role, FIELD_STRING);
	record_set(&ev, "host", p->host, FIELD_STRING);
	record_setf(&ev, "seq", FIELD_NUMBER, "%zu", r->nevents + 1);
	record_pack(&ev); /* endpoints and tuple come after the programs (events_finish) */
	if (r->nevents == r->events_cap) /* doubling: 10,000 events must not copy 10,000 times */
		r->events = xrealloc(r->events, sizeof(ev) * (r->events_cap = r->events_cap ? 2 * r->events_cap : 256));
	r->events[r->nevents++] = ev;
}

static void too_long(struct runner *r, struct proc *p)
{
	if (!p->long_lines++)
		runner_note(r, "%s printed a line longer than %d bytes; dropped", p->role, MAX_LINE);
}

/* keep_tail - the last bytes of P's stdout, in a ring. */
static void keep_tail(struct proc *p, const char *data, size_t n)
{
	for (size_t i = n > sizeof(p->tail) ? n - sizeof(p->tail) : 0; i < n; i++)
		p->tail[p->tail_at++ % sizeof(p->tail)] = data[i];
}

/* write_tail - P's stdout tail into <run dir>/<role>.stdout-tail. */
static void write_tail(const struct runner *r, const struct proc *p)
{
	size_t n = p->tail_at < sizeof(p->tail) ? p->tail_at : sizeof(p->tail);
	size_t start = p->tail_at < sizeof(p->tail) ? 0 : p->tail_at % sizeof(p->tail);
	char *path = xasprintf("%s/%s.stdout-tail", r->dir, p->role);
	FILE *f = fopen(path, "w");

	if (!f) {
		pl_warn_errno("%s", path);
	} else {
		fwrite(p->tail + start, 1, n - start, f);
		fwrite(p->tail, 1, start, f);
		if (fclose(f) != 0)
			pl_warn_errno("%s", path);
	}
	free(path);
}

/* over_limit - stop P once it printed more events or output than its sandbox allows. */
static bool over_limit(struct runner *r, struct proc *p)
{
	if (!p->sb.on || p->flooded)
		return p->flooded;
	if ((long long)p->lines < p->sb.lim.events && (long long)p->out_bytes < p->sb.lim.output)
		return false;
	p->flooded = true;
	kill(-p->pid, SIGKILL);
	if ((long long)p->lines >= p->sb.lim.events)
		runner_problem(r, "%s (on %s): stopped after %s events (limit events=%lld)", p->role,
			       p->host, sandbox_thousands((long long)p->lines), p->sb.lim.events);
	else
		runner_problem(r, "%s (on %s): stopped after %s of output (limit output=%lld)", p->role,
			       p->host, sandbox_size(p->sb.lim.output), p->sb.lim.output);
	return true;
}

/* close_own - a traced program's own stdout is read to its end, or no more. */
static void close_own(struct proc *p)
{
	if (p->own >= 0)
		close(p->own);
	if (p->own_file >= 0 && close(p->own_file) < 0)
		pl_warn_errno("%s", p->outlog);
	p->own = p->own_file = -1;
}

/* own_lines - each line of what a traced program printed is an "output" event (its start). */
static void own_lines(struct runner *r, struct proc *p, const char *data, size_t n, bool end)
{
	if (!p->own_output)
		return;
	for (size_t i = 0; i <= n; i++) {
		bool last = i == n;
		if (!last && data[i] != '\n') {
			if (p->own_len < sizeof(p->own_line) - 1)
				p->own_line[p->own_len++] = data[i];
			continue;
		}
		if (last && !(end && p->own_len))
			break;
		struct record ev = { 0 };
		p->own_line[p->own_len] = '\0';
		p->own_len = 0;
		p->lines++;
		output_event(&ev, p->own_line);
		keep_event(r, p, &ev);
		if (last)
			break;
	}
}

/* read_own - what a traced program printed itself: into <role>.stdout, counted. */
static void read_own(struct runner *r, struct proc *p)
{
	char buf[16384];
	ssize_t n;

	while ((n = read(p->own, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				close_own(p);
			return;
		}
		keep_tail(p, buf, (size_t)n);
		p->out_bytes += (size_t)n;
		if (over_limit(r, p)) {
			close_own(p);
			return;
		}
		if (write(p->own_file, buf, (size_t)n) != n) {
			pl_warn_errno("%s", p->outlog);
			close_own(p);
			return;
		}
		own_lines(r, p, buf, (size_t)n, false);
	}
	own_lines(r, p, NULL, 0, true); /* a last line without its newline */
	close_own(p);
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
		keep_tail(p, p->buf + p->len, (size_t)n);
		p->out_bytes += (size_t)n;
		p->len += (size_t)n;
		char *start = p->buf, *nl;
		/* checked per line for events, and per read for output without newlines */
		while (over_limit(r, p) ||
		       (nl = memchr(start, '\n', p->len - (size_t)(start - p->buf)))) {
			if (p->flooded) { /* nothing more of it is read or kept */
				close(p->out);
				p->out = -1;
				p->len = 0;
				return;
			}
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

/* sandbox_said - a limit, or a refusal by which the program failed, fails the
 * run; a refusal it said it met but then ended well is worth a note */
static void sandbox_said(void *arg, const char *what, bool limit)
{
	void **a = arg;
	struct proc *p = a[1];

	if (limit || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0)
		runner_problem(a[0], "%s (on %s): %s", p->role, p->host, what);
	else
		runner_note(a[0], "%s (on %s) said: %s", p->role, p->host, what);
}

/* contained_end - what P's sandbox stopped, in words; then its cgroups and uid go. */
static void contained_end(struct runner *r, struct proc *p)
{
	void *arg[2] = { r, p };

	if (!p->sb.on)
		return;
	if (p->tail_at && (p->flooded || !WIFEXITED(p->status) || WEXITSTATUS(p->status) != 0))
		write_tail(r, p);
	sandbox_outcome(&p->sb, p->status, p->cpu, p->errlog, sandbox_said, arg);
	sandbox_release(&p->sb);
}

/* reap - notice ended programs and judge how they ended. */
static void reap(struct runner *r)
{
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = &r->procs[i];
		struct rusage ru;
		int status;

		if (!p->running || wait4(p->pid, &status, WNOHANG, &ru) != p->pid)
			continue;
		p->running = false;
		p->status = status;
		p->cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
			 (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		p->ended = now_seconds();
		if (p->out >= 0)
			read_output(r, p);
		kill(-p->pid, SIGKILL); /* anything it left in its group */
		char how[64];
		describe_status(status, how, sizeof(how));
		if (p->timed_out)
			runner_problem(r, "%s (on %s) did not finish within %g s and was killed", p->role,
				p->host, p->step->timeout);
		else if (p->flooded)
			; /* said when it was stopped */
		else if (p->stopped && WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM)
			; /* stopped as the lab asked */
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			char said[200];
			first_line(p->errlog, said, sizeof(said));
			runner_problem(r, "%s (on %s) ended with %s%s%s%s; its stderr is in %s", p->role,
				p->host, how, said[0] ? ": \"" : "", said, said[0] ? "\"" : "",
				p->errlog);
		}
		contained_end(r, p);
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
	struct pollfd fds[2 * r->nprocs + 1];
	size_t nfds = 0;
	double now = now_seconds();

	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *p = &r->procs[i];
		if (p->out >= 0)
			fds[nfds++] = (struct pollfd){ .fd = p->out, .events = POLLIN };
		if (p->own >= 0)
			fds[nfds++] = (struct pollfd){ .fd = p->own, .events = POLLIN };
		if (p->running && p->deadline - now < wait_ms / 1000.0)
			wait_ms = p->deadline > now ? (int)((p->deadline - now) * 1000) + 1 : 0;
	}
	if (poll(fds, nfds, wait_ms) < 0 && errno != EINTR)
		pl_warn_errno("poll");
	for (size_t i = 0; i < r->nprocs; i++) {
		if (r->procs[i].out >= 0)
			read_output(r, &r->procs[i]);
		if (r->procs[i].own >= 0)
			read_own(r, &r->procs[i]);
	}
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
	while (p->running || p->out >= 0 || p->own >= 0) {
		if (pump(r, 50) < 0)
			return -1;
		if (!p->running && p->out >= 0) { /* ended, but a child of it holds the pipe */
			close(p->out);
			p->out = -1;
		}
		if (!p->running && p->own >= 0) { /* what it wrote before it ended, then no more */
			read_own(r, p);
			close_own(p);
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

/* wait_listen - until ROLE's host has the listener; returns 0 (also when it never came), -1 interrupted. */
static int wait_listen(struct runner *r, const struct lab_step *step)
{
	struct proc *p = find_proc(r, step->role);
	double started = now_seconds(), deadline = started + step->timeout, looked = 0;
	const char *proto = step->proto == IPPROTO_TCP ? "tcp" : "udp";
	char netdir[64], seen[256] = "";

	if (!p) {
		runner_problem(r, "%s never started, so it never listened on %s %s", step->role, proto,
			       step->endpoint);
		return 0;
	}
	snprintf(netdir, sizeof(netdir), "/proc/%d/net", (int)p->pid);
	/* the program's own timeout may end it first: decide a moment before it */
	if (p->deadline - 0.05 < deadline)
		deadline = p->deadline - 0.05;
	for (;;) {
		if (p->running && socktable_has_listener(netdir, step->proto, step->endpoint))
			return 0;
		/* what it does listen on, read while it still runs, for the message */
		if (p->running && now_seconds() - looked > 0.1) {
			char now[sizeof(seen)];
			listeners(netdir, step->proto, now, sizeof(now));
			if (!seen[0] || !strncmp(now, "it ", 3)) /* the last that listened, as it ends */
				memcpy(seen, now, sizeof(seen));
			looked = now_seconds();
		}
		/* the later steps still run: a client's RST and ECONNREFUSED are the lesson */
		if (!p->running) {
			runner_problem(r, "%s ended before it listened on %s %s (%s)", step->role, proto,
				step->endpoint, seen[0] ? seen : "it never ran long enough to look");
			return 0;
		}
		if (now_seconds() > deadline) {
			listeners(netdir, step->proto, seen, sizeof(seen));
			runner_problem(r, "%s did not listen on %s %s within %.1f s (%s)", step->role, proto,
				step->endpoint, now_seconds() - started, seen);
			return 0;
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
		/* a swapped program by the path it was given: that is what runs */
		const char *used = used_program(r, s->role);
		for (size_t i = 0; i < s->argc; i++)
			fprintf(stderr, " %s", i == 0 && used ? used : s->argv[i]);
		if (used || r->trace_all)
			fputs(compile_failed(r, s->role) ? " (not run: it did not compile)" : " (traced)", stderr);
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

int runner_step(struct runner *r, size_t i)
{
	const struct lab_step *s = &r->lab->steps[i];
	struct proc *p;

	say_step(r, s);
	if (s->kind <= STEP_RUN && compile_failed(r, s->role))
		return 0; /* said already; the other roles still show what they can */
	switch (s->kind) {
	case STEP_START:
		return spawn(r, s) ? 0 : 1;
	case STEP_RUN:
	case STEP_SOCKETS:
		p = spawn(r, s);
		if (!p)
			return 1;
		return wait_exit(r, p) < 0 ? -1 : 0;
	case STEP_WAIT_LISTEN:
		return wait_listen(r, s);
	case STEP_WAIT_EXIT:
		p = find_proc(r, s->role);
		return p && wait_exit(r, p) < 0 ? -1 : 0;
	case STEP_STOP:
		p = find_proc(r, s->role);
		if (!p) /* it never started: said already */
			return 0;
		if (p->running) {
			p->stopped = true;
			kill(-p->pid, SIGTERM);
		}
		return wait_exit(r, p) < 0 ? -1 : 0;
	}
	return 0;
}

int runner_wait_all(struct runner *r)
{
	for (size_t i = 0; i < r->nprocs; i++)
		if (wait_exit(r, &r->procs[i]) < 0)
			return -1;
	return 0;
}

int runner_idle(struct runner *r, int wait_ms)
{
	return pump(r, wait_ms);
}

void runner_stop_all(struct runner *r, double grace)
{
	double until = now_seconds() + grace;

	for (size_t i = 0; i < r->nprocs; i++)
		if (r->procs[i].running) {
			r->procs[i].stopped = true;
			kill(-r->procs[i].pid, SIGTERM);
		}
	for (size_t i = 0; i < r->nprocs; i++)
		while (r->procs[i].running && now_seconds() < until)
			pump(r, 10);
	runner_kill(r);
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
		sandbox_release(&p->sb);
		if (p->out >= 0) {
			close(p->out);
			p->out = -1;
		}
		close_own(p);
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
		free(r->procs[i].outlog);
	}
	free(r->procs);
	for (size_t i = 0; i < r->nbuilt; i++) {
		free(r->built[i].role);
		free(r->built[i].path);
	}
	free(r->built);
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
