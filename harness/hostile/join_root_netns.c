/*
 * join_root_netns - climb back to the root network namespace: through
 * /proc/PID/ns/net of the given pid (one in the root namespace) and of every
 * process it can see, and with unshare, clone and mount. Prints ESCAPED if it left
 * its namespace.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void try_join(const char *path)
{
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		fprintf(stderr, "open %s: %s\n", path, strerror(errno));
		return;
	}
	if (setns(fd, CLONE_NEWNET) < 0)
		fprintf(stderr, "setns %s: %s\n", path, strerror(errno));
	close(fd);
}

int main(int argc, char **argv)
{
	struct stat before, after;
	char path[300];
	DIR *d;
	struct dirent *e;

	stat("/proc/self/ns/net", &before);
	if (argc > 1 && argv[1][0] != '-') {
		snprintf(path, sizeof(path), "/proc/%s/ns/net", argv[1]);
		try_join(path);
	}
	d = opendir("/proc");
	while (d && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9') {
			snprintf(path, sizeof(path), "/proc/%s/ns/net", e->d_name);
			try_join(path);
		}
	if (d)
		closedir(d);
	if (unshare(CLONE_NEWNET) < 0)
		fprintf(stderr, "unshare: %s\n", strerror(errno));
	/* a child in a new network and user namespace, as clone() itself */
	long child = syscall(SYS_clone, (long)(CLONE_NEWNET | CLONE_NEWUSER | SIGCHLD), 0L, 0L, 0L, 0L);
	if (child == 0)
		_exit(0);
	if (child < 0)
		fprintf(stderr, "clone with CLONE_NEWNET: %s\n", strerror(errno));
	else
		waitpid((pid_t)child, NULL, 0);
	if (mount("none", "/mnt", "tmpfs", 0, NULL) < 0)
		fprintf(stderr, "mount /mnt: %s\n", strerror(errno));
	stat("/proc/self/ns/net", &after);
	if (after.st_ino != before.st_ino) {
		printf("ESCAPED\n");
		fprintf(stderr, "ESCAPED\n");
		return 0;
	}
	return 1;
}
