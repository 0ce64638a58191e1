/*
 * trace.h - observe any program's socket calls from outside: a seccomp
 * filter in the program stops it (SECCOMP_RET_TRACE) on the network system
 * calls only, and a ptrace tracer turns each of those calls into one JSON
 * event line of the same shape as scenarios/lib/report.c writes.
 *
 * The handshake, in two processes:
 *
 *   tracer                               program (a child of the tracer)
 *   fork() ───────────────────────────▶  ... set up, then trace_wait_go(go[0])
 *   trace_seize(pid), trace_go(go[1]) ─▶ trace_install_filter(), exec
 *   status = trace_run(pid, fd, &opts)   its calls stop it; the tracer writes events
 *
 * The program may only exec once it is seized: a SECCOMP_RET_TRACE call
 * made with no tracer attached fails with ENOSYS.
 */
#ifndef PORTLAB_TRACE_H
#define PORTLAB_TRACE_H

#include <stdbool.h>
#include <sys/types.h>

struct trace_opts {
	/* emit - where each event line goes (with its newline); NULL: write to events_fd */
	void (*emit)(const char *line, size_t len, void *arg);
	void *arg;
};

/* trace_wait_go - in the child: block until the tracer says go (or is gone). 0 or -1. */
int trace_wait_go(int go_fd);
/* The program is a lab's own: its descriptors 0-2 are never sockets. */
#define TRACE_STDIO_UNTRACED 1u

/*
 * trace_install_filter - in the child, just before exec: no_new_privs, then
 * the filter that stops on the network calls. FLAGS: TRACE_STDIO_UNTRACED
 * or 0. Returns 0, or -1 with errno set.
 */
int trace_install_filter(unsigned flags);

/* trace_seize - in the tracer: seize PID, following its children and threads. 0 or -1. */
int trace_seize(pid_t pid);
/* trace_go - tell the seized child to go on (one byte on GO_FD, then close it). 0 or -1. */
int trace_go(int go_fd);

/*
 * trace_run - follow PID (seized, a child of ours) and every process and
 * thread it makes until PID ends; write its socket events as JSON lines to
 * EVENTS_FD (or OPTS->emit). Returns PID's wait status, or -1 after saying
 * why. Anything still traced when PID ends is killed (PTRACE_O_EXITKILL).
 */
int trace_run(pid_t pid, int events_fd, const struct trace_opts *opts);

/* trace_exit_as - end this process as STATUS says (exit code, or the same signal). */
void trace_exit_as(int status) __attribute__((noreturn));

#endif
