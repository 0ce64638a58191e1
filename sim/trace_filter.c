/*
 * trace_filter.c - both ends of the tracing handshake (see trace.h): the
 * seccomp filter a program installs before exec, and the seize and "go" of
 * the tracer. libseccomp builds the filter: it knows each architecture's
 * system call numbers and checks the BPF program, which a hand-written
 * filter would have to redo per architecture.
 */
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The calls that stop the program: those that make, name, use or close a socket. */
static const char *const traced_calls[] = {
	"bind", "listen", "accept", "accept4", "connect", "setsockopt", "shutdown",
	"sendto", "sendmsg", "recvfrom", "recvmsg",
	"close", "close_range", "dup", "dup2", "dup3",
};

static const char *const rw_calls[] = { "read", "write" };

int trace_install_filter(unsigned flags)
{
	scmp_filter_ctx ctx;
	int rc = -EINVAL;
	const uint64_t mask = 0xffffffffu; /* an int argument: the upper half is not ours */

	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		return -1;
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < sizeof(traced_calls) / sizeof(traced_calls[0]); i++) {
		int nr = seccomp_syscall_resolve_name(traced_calls[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture (dup2 on arm64) */
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), nr, 0);
		if (rc < 0)
			goto out;
	}
	/* only Internet sockets, and only the fcntl commands that copy a descriptor */
	const int families[] = { AF_INET, AF_INET6 }, dups[] = { F_DUPFD, F_DUPFD_CLOEXEC };
	for (size_t i = 0; i < 2; i++) {
		rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(socket), 1,
				      SCMP_A0(SCMP_CMP_MASKED_EQ, mask, (uint64_t)families[i]));
		if (rc == 0)
			rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(fcntl), 1,
					      SCMP_A1(SCMP_CMP_MASKED_EQ, mask, (uint64_t)dups[i]));
		if (rc < 0)
			goto out;
	}
	/* SO_ERROR tells how a non-blocking connect ended */
	rc = seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), SCMP_SYS(getsockopt), 2,
			      SCMP_A1(SCMP_CMP_MASKED_EQ, mask, (uint64_t)SOL_SOCKET),
			      SCMP_A2(SCMP_CMP_MASKED_EQ, mask, (uint64_t)SO_ERROR));
	/* a lab's own program writes its report lines to stdout, never a socket:
	 * with TRACE_STDIO_UNTRACED, read and write on 0-2 cost no stop. Any
	 * other program may have a socket there (bash's >&3, inetd style) */
	for (size_t i = 0; i < 2 && rc == 0; i++)
		rc = (flags & TRACE_STDIO_UNTRACED) ?
		     seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), seccomp_syscall_resolve_name(rw_calls[i]), 1,
				      SCMP_A0(SCMP_CMP_GE, 3)) :
		     seccomp_rule_add(ctx, SCMP_ACT_TRACE(0), seccomp_syscall_resolve_name(rw_calls[i]), 0);
	if (rc == 0)
		rc = seccomp_load(ctx);
out:
	seccomp_release(ctx);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int trace_seize(pid_t pid)
{
	long opts = PTRACE_O_TRACESECCOMP | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
		    PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
		    PTRACE_O_EXITKILL;

	return ptrace(PTRACE_SEIZE, pid, 0L, opts) < 0 ? -1 : 0;
}

int trace_go(int go_fd)
{
	char go = 'g';
	ssize_t n;

	while ((n = write(go_fd, &go, 1)) < 0 && errno == EINTR)
		;
	close(go_fd);
	return n == 1 ? 0 : -1;
}

int trace_wait_go(int go_fd)
{
	char go;
	ssize_t n;

	while ((n = read(go_fd, &go, 1)) < 0 && errno == EINTR)
		;
	close(go_fd);
	if (n != 1) {
		errno = n == 0 ? EPIPE : errno; /* the tracer is gone */
		return -1;
	}
	return 0;
}

void trace_exit_as(int status)
{
	if (WIFSIGNALED(status)) {
		struct rlimit none = { 0, 0 };
		sigset_t set;

		setrlimit(RLIMIT_CORE, &none); /* the program dumped its core already, or not */
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
}
