/* nest.c - the outer and inner processes of a run (see nest.h). */
#include "nest.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "quiet.h"
#include "util.h"

static volatile sig_atomic_t inner_pid;

int nest_machine_netns = -1;

/* pass_on - the outer process's handler: the inner one decides how to stop. */
static void pass_on(int sig)
{
	if (inner_pid > 0)
		kill(inner_pid, sig);
}

/* private_tmpfs - an empty tmpfs of our own on PATH (made if missing); 0 or -1 after saying why. */
static int private_tmpfs(const char *path)
{
	if (mkdir(path, 0755) < 0 && (errno == EACCES || errno == EPERM)) {
		/* rootless, and the machine has no /run/netns yet: a /run of our own */
		if (mount("portlab", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m") < 0) {
			pl_warn_errno("mount a private tmpfs on /run");
			return -1;
		}
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		pl_warn_errno("mkdir %s", path);
		return -1;
	}
	if (mount("portlab", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=4m") < 0) {
		pl_warn_errno("mount a private tmpfs on %s", path);
		return -1;
	}
	return 0;
}

/*
 * become_inner - in the new PID namespace: die with the outer process, then
 * make the mounts of our own that every lab namespace will hang on.
 * ALIVE is the read end of a pipe the outer process holds open.
 */
static int become_inner(int alive)
{
	struct pollfd p = { .fd = alive, .events = POLLIN };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) {
		pl_warn_errno("prctl(PR_SET_PDEATHSIG)");
		return -1;
	}
	if (poll(&p, 1, 0) > 0) /* the outer process died before the line above */
		_exit(128 + SIGKILL);
	/*
	 * Nothing we mount may reach the machine's mount namespace, and nothing
	 * we do may touch its network: the inner process has a network
	 * namespace of its own (only lo, down), which 'ip netns' returns to
	 * after making each host; rootless, it must be one our user namespace owns.
	 */
	nest_machine_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) < 0) {
		pl_warn_errno("make the run's mount and network namespaces");
		return -1;
	}
	quiet_lo_up(); /* for the capture drain's loopback marker; without it, the drain falls back */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		pl_warn_errno("make the mounts private");
		return -1;
	}
	/* a /proc of this PID namespace, so that the pids fork() returns are the ones in /proc */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		pl_warn_errno("mount /proc for the run's PID namespace");
		return -1;
	}
	if (private_tmpfs(NETNS_DIR) < 0 || private_tmpfs(RUNS_DIR) < 0)
		return -1;
	return 0;
}

/*
 * announce - hold an abstract unix socket named portlab/run/<outer>/<inner>
 * (and /<name> for a lab that is up),
 * so that 'portlab ps' can find the run and enter it through
 * /proc/<inner>/root. The kernel removes the name when we die: nothing to clean.
 */
static int announce(pid_t inner, const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int len = snprintf(sa.sun_path + 1, sizeof(sa.sun_path) - 1, NEST_ANNOUNCE "%d/%d%s%s",
			   (int)getpid(), (int)inner, name ? "/" : "", name ? name : "");

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa,
			   (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + (size_t)len)) < 0)
		pl_warn_errno("announce the run for 'portlab ps'");
	return fd;
}

/* write_file - TEXT into PATH; 0 or -1 after saying why. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : write(fd, text, strlen(text));

	if (n != (ssize_t)strlen(text)) {
		pl_warn_errno("write %s", path);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

/*
 * map_root - in the user namespace of process PID, our own uid and gid are
 * root (the only ids an ordinary user may map without newuidmap).
 */
static int map_root(pid_t pid)
{
	char path[64], map[64];

	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
	if (write_file(path, "deny") < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %d 1", (int)getuid());
	if (write_file(path, map) < 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
	snprintf(map, sizeof(map), "0 %d 1", (int)getgid());
	return write_file(path, map);
}

/* wait_inner - pass stop signals on until the inner process ends; its exit status. */
static int wait_inner(pid_t pid)
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = pass_on };
	int status;

	sigemptyset(&sa.sa_mask);
	inner_pid = pid;
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigaction(stops[i], &sa, NULL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			pl_warn_errno("waitpid");
			return EXIT_FAILURE;
		}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* inner - the inner process: wait for its ids when ROOTLESS, nest, run BODY; never returns. */
static void inner(int alive, int mapped, int (*body)(void *), void *arg)
{
	char go;

	if (mapped >= 0 && read(mapped, &go, 1) != 1)
		_exit(3); /* the outer process could not map our ids: it said why */
	if (become_inner(alive) < 0)
		_exit(3); /* EXIT_ENV: this machine cannot nest the run */
	close(alive);
	int status = body(arg);
	fflush(NULL);
	_exit(status);
}

int nest_run(int (*body)(void *), void *arg, bool rootless, const char *name,
	     void (*outer)(void *))
{
	int alive[2], mapped[2] = { -1, -1 };

	if (pipe2(alive, O_CLOEXEC) < 0 || (rootless && pipe2(mapped, O_CLOEXEC) < 0)) {
		pl_warn_errno("pipe");
		return -1;
	}
	fflush(NULL);
	/*
	 * fork() into a new PID namespace, where the child is init (and,
	 * rootless, into a user namespace where it is root). Not unshare():
	 * that would put every later child of ours there too, and none can
	 * start once the inner process is gone.
	 */
	long flags = CLONE_NEWPID | (rootless ? CLONE_NEWUSER : 0);
	pid_t pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0) {
		if (rootless)
			pl_warn_errno("labs need root or unprivileged user namespaces, and making a "
				      "user namespace failed");
		else
			pl_warn_errno("make the run's PID namespace");
		return -1;
	}
	if (pid == 0) {
		close(alive[1]);
		if (rootless)
			close(mapped[1]);
		inner(alive[0], mapped[0], body, arg);
	}
	close(alive[0]);
	if (rootless) {
		close(mapped[0]);
		if (map_root(pid) == 0 && write(mapped[1], "", 1) != 1)
			pl_warn_errno("start the run");
		close(mapped[1]);
	}
	if (outer)
		outer(arg);
	int holder = announce(pid, name);
	int status = wait_inner(pid);
	if (holder >= 0)
		close(holder);
	close(alive[1]);
	return status;
}
