/*
 * trace.c - the tracer's loop (see trace.h): wait for the next stop of any
 * traced thread and act on it. A traced call stops the thread twice at
 * most: at its entry (the seccomp stop, where the arguments are kept), and
 * at its exit, asked for only when the call concerns a socket (a write to
 * a file is let go at once). New processes and threads are followed, each
 * with the descriptor table it really has (shared or copied, as kcmp says).
 */
#include "trace.h"

#include <errno.h>
#include <linux/kcmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "trace_int.h"
#include "util.h"

#define OUT_CAP (64 * 1024)
#define LINE_CAP 1024

struct tracer {
	struct task *tasks;
	size_t n, cap;
	int events_fd;
	const struct trace_opts *opts;
	char out[OUT_CAP];
	size_t used;
};

static struct task *find(struct tracer *tr, pid_t tid)
{
	for (size_t i = tr->n; i-- > 0;)
		if (tr->tasks[i].tid == tid)
			return &tr->tasks[i];
	return NULL;
}

static struct task *add(struct tracer *tr, pid_t tid, struct fdtable *fds)
{
	if (tr->n == tr->cap)
		tr->tasks = xrealloc(tr->tasks, (tr->cap = tr->cap ? 2 * tr->cap : 16) * sizeof(struct task));
	tr->tasks[tr->n] = (struct task){ .tid = tid, .pidfd = -1, .fds = fds };
	return &tr->tasks[tr->n++];
}

static void drop(struct tracer *tr, struct task *t)
{
	fdtable_put(t->fds);
	if (t->pidfd >= 0)
		close(t->pidfd);
	*t = tr->tasks[--tr->n];
}

static void flush(struct tracer *tr)
{
	size_t off = 0;

	while (off < tr->used) {
		ssize_t n = write(tr->events_fd, tr->out + off, tr->used - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* nobody reads the events any more: the program still runs */
		off += (size_t)n;
	}
	tr->used = 0;
}

static void emit(struct tracer *tr, const char *line, size_t len)
{
	if (tr->opts && tr->opts->emit) {
		tr->opts->emit(line, len, tr->opts->arg);
		return;
	}
	if (tr->used + len > sizeof(tr->out))
		flush(tr);
	memcpy(tr->out + tr->used, line, len);
	tr->used += len;
}

static void resume(pid_t tid, int how, int sig)
{
	/* ESRCH: it was killed meanwhile; its exit comes through waitpid */
	ptrace(how, tid, 0L, (long)sig);
}

/* on_seccomp - a traced call's entry: keep its arguments; stop at its exit if it matters. */
static void on_seccomp(struct tracer *tr, struct task *t)
{
	struct __ptrace_syscall_info info;
	char line[LINE_CAP];
	size_t len;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info) <= 0 ||
	    info.op != PTRACE_SYSCALL_INFO_SECCOMP) {
		resume(t->tid, PTRACE_CONT, 0);
		return;
	}
	t->nr = (long)info.seccomp.nr;
	memcpy(t->args, info.seccomp.args, sizeof(t->args));
	if ((len = call_started(t, line, sizeof(line))))
		emit(tr, line, len);
	t->in_call = call_wants_exit(t);
	resume(t->tid, t->in_call ? PTRACE_SYSCALL : PTRACE_CONT, 0);
}

static void on_exit_stop(struct tracer *tr, struct task *t)
{
	struct __ptrace_syscall_info info;
	char line[LINE_CAP];

	if (t->in_call && ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(info), &info) > 0 &&
	    info.op == PTRACE_SYSCALL_INFO_EXIT) {
		size_t len = call_finished(t, (long)info.exit.rval, info.exit.is_error, line, sizeof(line));
		if (len)
			emit(tr, line, len);
	}
	t->in_call = false;
	resume(t->tid, PTRACE_CONT, 0);
}

/* on_new - PARENT made CHILD (fork, vfork or clone): the child shares or copies its table. */
static void on_new(struct tracer *tr, struct task *parent, int event)
{
	unsigned long msg = 0;
	pid_t ptid = parent->tid;

	if (ptrace(PTRACE_GETEVENTMSG, ptid, 0L, &msg) < 0 || !parent->fds)
		return;
	pid_t tid = (pid_t)msg;
	long same = syscall(SYS_kcmp, ptid, tid, KCMP_FILES, 0L, 0L);
	bool shared = same < 0 ? event == PTRACE_EVENT_CLONE : same == 0;
	struct fdtable *fds = parent->fds;
	if (shared)
		fds->refs++;
	else
		fds = fdtable_copy(fds);
	struct task *child = find(tr, tid); /* its first stop may have come first */
	if (!child) {
		add(tr, tid, fds);
		return;
	}
	child->fds = fds;
	if (child->held) {
		child->held = false;
		resume(tid, PTRACE_CONT, 0);
	}
}

/* on_exec - T ran a new program: its table is its own now, without close-on-exec sockets. */
static void on_exec(struct tracer *tr, struct task *t)
{
	unsigned long former = 0;
	pid_t tid = t->tid;

	if (ptrace(PTRACE_GETEVENTMSG, tid, 0L, &former) == 0 && (pid_t)former != tid) {
		struct task *old = find(tr, (pid_t)former); /* a thread that was not the leader */
		if (old) {
			struct fdtable *fds = old->fds;
			old->fds = NULL;
			drop(tr, old);
			t = find(tr, tid);
			fdtable_put(t->fds);
			t->fds = fds;
		}
	}
	if (t->fds && t->fds->refs > 1) {
		struct fdtable *own = fdtable_copy(t->fds);
		fdtable_put(t->fds);
		t->fds = own;
	}
	if (t->fds)
		fdtable_prune(t->fds, tid);
	t->in_call = false;
}

/* on_stop - one ptrace stop of T (STATUS from waitpid). */
static void on_stop(struct tracer *tr, struct task *t, int status)
{
	int event = status >> 16, sig = WSTOPSIG(status);
	pid_t tid = t->tid; /* on_new may move T */

	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp(tr, t);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new(tr, t, event);
		resume(tid, PTRACE_CONT, 0);
		return;
	case PTRACE_EVENT_EXEC:
		on_exec(tr, t);
		resume(t->tid, PTRACE_CONT, 0);
		return;
	case PTRACE_EVENT_STOP:
		if (!t->fds) { /* a new thread, before its parent's event: wait for that */
			t->held = true;
			return;
		}
		if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
			resume(t->tid, PTRACE_LISTEN, 0); /* stopped by a signal: stay so */
		else
			resume(t->tid, PTRACE_CONT, 0);
		return;
	}
	if (sig == (SIGTRAP | 0x80))
		on_exit_stop(tr, t);
	else
		resume(t->tid, PTRACE_CONT, sig); /* a signal for the program: deliver it */
}

/* next_stop - wait for any traced thread, flushing the events whenever nothing is pending. */
static pid_t next_stop(struct tracer *tr, int *status)
{
	for (;;) {
		pid_t tid = tr->used ? waitpid(-1, status, __WALL | WNOHANG) : 0;
		if (tid == 0) {
			flush(tr);
			tid = waitpid(-1, status, __WALL);
		}
		if (tid >= 0 || errno != EINTR)
			return tid;
	}
}

/* kill_rest - what the program left running dies with it, as in a run. */
static void kill_rest(struct tracer *tr)
{
	int status;

	for (size_t i = 0; i < tr->n; i++)
		kill(tr->tasks[i].tid, SIGKILL);
	while (tr->n) {
		pid_t tid = waitpid(-1, &status, __WALL);
		if (tid < 0 && errno == EINTR)
			continue;
		if (tid < 0)
			break;
		struct task *t = find(tr, tid);
		if (t && (WIFEXITED(status) || WIFSIGNALED(status)))
			drop(tr, t);
	}
}

int trace_run(pid_t pid, int events_fd, const struct trace_opts *opts)
{
	struct tracer *tr = xcalloc(1, sizeof(*tr));
	int status, result = -1;
	pid_t tid;

	tr->events_fd = events_fd;
	tr->opts = opts;
	add(tr, pid, fdtable_new());
	while ((tid = next_stop(tr, &status)) > 0) {
		struct task *t = find(tr, tid);
		if (WIFEXITED(status) || WIFSIGNALED(status)) {
			if (t)
				drop(tr, t);
			if (tid == pid) {
				result = status;
				break;
			}
			continue;
		}
		if (!WIFSTOPPED(status))
			continue;
		if (!t)
			t = add(tr, tid, NULL); /* a new one whose parent's event is still to come */
		on_stop(tr, t, status);
	}
	if (tid < 0 && result < 0)
		pl_warn_errno("trace: waitpid");
	flush(tr);
	kill_rest(tr);
	while (tr->n)
		drop(tr, &tr->tasks[tr->n - 1]);
	free(tr->tasks);
	free(tr);
	return result;
}
