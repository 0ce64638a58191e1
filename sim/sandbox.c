/*
 * sandbox.c - the process shape of a contained program (see sandbox.h):
 * the keeper forked by the runner, an init in a new PID and mount
 * namespace, and the program under its own uid. Also the runner's side:
 * a uid slot, the working folder, the copy of a --use program.
 */
#include "sandbox.h"
#include "nest.h"
#include "trace.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "launch.h"
#include "util.h"

/*
 * machine_socket - a unix socket made in the machine's network namespace,
 * where abstract names are shared by every run (each run's inner process has
 * a namespace of its own, nest.h). This thread goes back at once.
 */
static int machine_socket(void)
{
	int here = nest_machine_netns >= 0 ? open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC) : -1;
	int fd;

	if (here >= 0 && setns(nest_machine_netns, CLONE_NEWNET) < 0) {
		close(here);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (here >= 0) {
		int e = errno;
		if (setns(here, CLONE_NEWNET) < 0) {
			pl_warn_errno("return to the run's network namespace");
			abort(); /* never go on in the wrong namespace */
		}
		close(here);
		errno = e;
	}
	return fd;
}

/* take_slot - a uid slot no other run holds: an abstract socket name, which
 * the kernel frees when we exit however we exit, and which leaves no file */
static int take_slot(int *slot)
{
	int start = (int)(getpid() % SANDBOX_SLOTS);

	for (int i = 0; i < SANDBOX_SLOTS; i++) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int s = (start + i) % SANDBOX_SLOTS;
		int fd = machine_socket();
		if (fd < 0)
			return -1;
		int len = snprintf(sun.sun_path + 1, sizeof(sun.sun_path) - 1, "portlab-uid-%d", s);
		if (bind(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) == 0) {
			*slot = s;
			return fd;
		}
		close(fd);
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EAGAIN;
	return -1;
}

/* LeakSanitizer stops a program's threads with ptrace at exit: in a test
 * build (ASan, whose programs and copies of them carry LeakSanitizer) the
 * filter lets ptrace through; the PID namespace still hides every process
 * outside, so only its own can be traced */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED true
#else
#define SANITIZED false
#endif

bool uid_mapped(uid_t uid)
{
	FILE *f = fopen("/proc/self/uid_map", "r");
	unsigned long inside, outside, count;
	bool found = false;

	if (!f)
		return true; /* no user namespaces at all: every id is the machine's */
	while (!found && fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
		found = uid >= inside && uid - inside < count;
	fclose(f);
	return found;
}

int sandbox_prepare(struct sandbox *sb, const char *run_dir, const char *run_id,
		    const struct lab_step *step, char *why, size_t whylen)
{
	sb->on = true;
	sb->slot_fd = -1;
	sandbox_default_limits(&sb->lim);
	for (size_t i = 0; i < step->nlimits; i++)
		if (sandbox_limit_apply(&sb->lim, step->limits[i], why, whylen) < 0)
			return -1;
	sb->filter = sandbox_filter(SANITIZED);
	if (!sb->filter) {
		snprintf(why, whylen, "no seccomp filter could be built");
		return -1;
	}
	sb->own_ids = !uid_mapped(SANDBOX_UID_BASE);
	if (sb->own_ids) { /* rootless: the user's own ids, and RLIMIT_NPROC would count all
			    * of the user's processes */
		sb->uid = getuid();
		sb->gid = getgid();
		sb->shared_uid = true;
	} else {
		sb->slot_fd = take_slot(&sb->slot);
		if (sb->slot_fd < 0) {
			snprintf(why, whylen, "no sandbox uid is free: %s", strerror(errno));
			return -1;
		}
		sb->uid = SANDBOX_UID_BASE + (uid_t)sb->slot;
		sb->gid = SANDBOX_UID_BASE + (gid_t)sb->slot;
	}
	sb->workdir = xasprintf("%s/%s.work", run_dir, step->role);
	if ((mkdir(sb->workdir, 0700) < 0 && errno != EEXIST) ||
	    chown(sb->workdir, sb->uid, sb->gid) < 0) {
		snprintf(why, whylen, "%s: %s", sb->workdir, strerror(errno));
		return -1;
	}
	sandbox_cgroups_make(sb, run_id, step->role);
	return 0;
}

int sandbox_copy_program(struct sandbox *sb, const char *path, const char *run_dir,
			 const char *role, char *why, size_t whylen)
{
	char buf[65536];
	char *copy = xasprintf("%s/%s.program", run_dir, role);
	int in = open(path, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
	ssize_t n = 0;

	if (in >= 0)
		out = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	while (out >= 0 && (n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	if (in < 0 || out < 0 || n < 0)
		snprintf(why, whylen, "copy %s to %s: %s", path, copy, strerror(errno));
	else if (fchmod(out, 0755) < 0)
		snprintf(why, whylen, "chmod %s: %s", copy, strerror(errno));
	else
		rc = 0;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) < 0 && rc == 0) {
		snprintf(why, whylen, "%s: %s", copy, strerror(errno));
		rc = -1;
	}
	if (rc == 0)
		sb->exe = copy;
	else
		free(copy);
	return rc;
}

void sandbox_release(struct sandbox *sb)
{
	if (!sb->on)
		return;
	sandbox_cgroups_remove(sb);
	if (sb->slot_fd >= 0)
		close(sb->slot_fd);
	sb->slot_fd = -1;
	free(sb->workdir);
	sb->workdir = NULL;
	free(sb->exe);
	sb->exe = NULL;
	sb->on = false;
}

/* ---- in the children: system calls only ---- */

static volatile pid_t forward_to;

static void forward(int sig)
{
	if (forward_to > 0)
		kill(forward_to, sig);
}

/*
 * forward_signals - pass SIGTERM, SIGINT and SIGHUP on to TO (ON), or take
 * them as they come (!ON). They stay blocked from the keeper's start until a
 * handler is in place: pid 1 of a namespace drops a signal it has no handler
 * for, and a "stop" step must not be lost.
 */
static void forward_signals(pid_t to, bool on)
{
	struct sigaction sa = { .sa_handler = on ? forward : SIG_DFL };
	sigset_t set;

	forward_to = to;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
}

static void block_forwarded(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* program - become the contained program and exec it. */
static void __attribute__((noreturn)) program(const struct launch *l, const struct sandbox *sb,
					      int workdir_fd)
{
	forward_signals(0, false);
	if (l->trace) /* its events come from the keeper; what it prints is its own */
		dup2(l->prog_out, STDOUT_FILENO);
	if (sandbox_rlimits(sb) < 0)
		launch_failed(l->report_w, LAUNCH_LIMITS);
	if (launch_become_user(l) < 0)
		launch_failed(l->report_w, LAUNCH_USER);
	if (fchdir(workdir_fd) < 0)
		launch_failed(l->report_w, LAUNCH_MOUNTS);
	close(workdir_fd);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0)
		launch_failed(l->report_w, LAUNCH_FILTER);
	launch_close_fds(l, sb->script);
	/* traced: the filter that stops it on the network calls, for the keeper, which
	 * holds init (and so this process) already; the deny filter below wins over it */
	if (l->trace && trace_install_filter(l->trace_flags) < 0)
		launch_failed(l->report_w, LAUNCH_TRACE);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, sb->filter, 0L, 0L) < 0)
		launch_failed(l->report_w, LAUNCH_FILTER);
	launch_exec(l);
}

/* alive - whether the process named NAME in /proc is more than a zombie */
static bool alive(int proc_fd, const char *name)
{
	char path[64], stat[512];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stat", name);
	fd = openat(proc_fd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false; /* gone meanwhile */
	n = read(fd, stat, sizeof(stat) - 1);
	close(fd);
	if (n <= 0)
		return false;
	stat[n] = '\0';
	char *end = strrchr(stat, ')'); /* "pid (comm) S ...": comm may hold anything */
	return end && end[1] == ' ' && end[2] != 'Z' && end[2] != 'X';
}

/* count_left - processes of this namespace but init that still live. */
static int count_left(void)
{
	char buf[4096];
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), left = 0;
	long n;

	if (fd < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		for (long at = 0; at < n;) {
			struct { unsigned long long ino; long long off; unsigned short reclen;
				 unsigned char type; char name[]; } *d = (void *)(buf + at);
			if (d->name[0] >= '1' && d->name[0] <= '9' && strcmp(d->name, "1") &&
			    alive(fd, d->name))
				left++;
			at += d->reclen;
		}
	close(fd);
	return left;
}

/* say_left - tell the program's stderr how many processes it left running, which
 * die with init (a daemon, a forgotten child): sandbox_outcome() reads it back.
 * A child the program killed on its way out gets 50 ms to finish dying. */
static void say_left(void)
{
	char msg[128];
	int left = 0;

	for (int tries = 0; tries < 5; tries++) {
		while (waitpid(-1, NULL, WNOHANG) > 0) /* orphans that already ended */
			;
		left = count_left();
		if (!left)
			return;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	int len = snprintf(msg, sizeof(msg), "%s%d process%s outlived the program and %s killed\n",
			   SANDBOX_LEFT_PREFIX, left, left == 1 ? "" : "es", left == 1 ? "was" : "were");
	(void)!write(STDERR_FILENO, msg, (size_t)len);
}

/* init - pid 1 of the program's PID namespace: mounts, start, forward, reap. */
static void __attribute__((noreturn)) init(const struct launch *l, const struct sandbox *sb,
					   int go_fd, int status_fd)
{
	int workdir_fd = -1, status;
	char go;
	pid_t prog, w;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L); /* the keeper gone: all of us gone */
	setsid(); /* signals from the runner come through the keeper */
	if (read(go_fd, &go, 1) != 1) /* the keeper died, or could not place us in the cgroups */
		_exit(126);
	close(go_fd);
	if (sandbox_mounts(sb, &workdir_fd) < 0)
		launch_failed(l->report_w, LAUNCH_MOUNTS);
	prog = fork();
	if (prog < 0)
		launch_failed(l->report_w, LAUNCH_SANDBOX);
	if (prog == 0)
		program(l, sb, workdir_fd);
	close(l->report_w);
	close(workdir_fd);
	forward_signals(prog, true);
	for (;;) {
		w = waitpid(-1, &status, 0);
		if (w == prog) {
			/* when pid 1 exits, the kernel kills whatever is left: daemons too */
			say_left();
			(void)!write(status_fd, &status, sizeof(status));
			_exit(0);
		}
		if (w < 0 && errno == ECHILD)
			_exit(0);
	}
}

/* end_as - end the keeper the way the program ended, for the runner's waitpid. */
static void __attribute__((noreturn)) end_as(int status)
{
	if (WIFSIGNALED(status)) {
		struct rlimit none = { 0, 0 };
		sigset_t set;
		setrlimit(RLIMIT_CORE, &none); /* the program's SIGSEGV is no core of ours */
		signal(WTERMSIG(status), SIG_DFL);
		sigemptyset(&set);
		sigaddset(&set, WTERMSIG(status));
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		kill(getpid(), WTERMSIG(status));
		_exit(128 + WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 126);
}

void sandbox_keeper(const struct launch *l, const struct sandbox *sb)
{
	int go[2], st[2], status, init_status;
	pid_t pid;
	ssize_t got;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L);
	block_forwarded(); /* init and the program start with them blocked too */
	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0)
		launch_failed(l->report_w, LAUNCH_SANDBOX);
	pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, 0L, 0L, 0L, 0L);
	if (pid < 0)
		launch_failed(l->report_w, LAUNCH_SANDBOX);
	if (pid == 0) {
		close(go[1]);
		close(st[0]);
		init(l, sb, go[0], st[1]);
	}
	close(go[0]);
	close(st[1]);
	if (sandbox_cgroups_join(sb, pid) < 0) {
		kill(pid, SIGKILL);
		launch_failed(l->report_w, LAUNCH_CGROUP);
	}
	/* traced: the keeper holds init before it goes on, and so every process it makes */
	if (l->trace && trace_seize(pid) < 0) {
		kill(pid, SIGKILL);
		launch_failed(l->report_w, LAUNCH_TRACE);
	}
	close(l->report_w); /* init and the program hold their own copies */
	forward_signals(pid, true);
	(void)!write(go[1], "g", 1);
	close(go[1]);
	if (l->trace) { /* the events go to our stdout, the run's pipe */
		init_status = trace_run(pid, STDOUT_FILENO, NULL);
		while ((got = read(st[0], &status, sizeof(status))) < 0 && errno == EINTR)
			;
	} else {
		while ((got = read(st[0], &status, sizeof(status))) < 0 && errno == EINTR)
			;
		while (waitpid(pid, &init_status, 0) < 0 && errno == EINTR)
			;
	}
	end_as(got == (ssize_t)sizeof(status) ? status : init_status);
}

int sandbox_tool(void)
{
	char here[4096];
	struct sandbox sb = { .workdir = here };
	const struct sock_fprog *filter = sandbox_filter(SANITIZED);
	bool own = !uid_mapped(SANDBOX_TOOL_UID);
	int workdir_fd;

	if (!getcwd(here, sizeof(here)))
		return -1;
	sandbox_default_limits(&sb.lim);
	sb.lim.cpu = 60;          /* a compile of a student's program, not a run */
	sb.lim.memory = 2LL << 30;
	sb.lim.fsize = 256LL << 20;
	sb.lim.nofile = 1024;
	sb.shared_uid = true;     /* RLIMIT_NPROC would count other tools' processes too */
	if (!filter || unshare(CLONE_NEWNS) < 0 || sandbox_mounts(&sb, &workdir_fd) < 0 ||
	    fchdir(workdir_fd) < 0 || sandbox_rlimits(&sb) < 0)
		return -1;
	close(workdir_fd);
	if (!own && (setgroups(0, NULL) < 0 || setresgid(SANDBOX_TOOL_UID, SANDBOX_TOOL_UID,
							 SANDBOX_TOOL_UID) < 0 ||
		     setresuid(SANDBOX_TOOL_UID, SANDBOX_TOOL_UID, SANDBOX_TOOL_UID) < 0))
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, filter, 0L, 0L) < 0)
		return -1;
	return 0;
}
