/*
 * enter.c - step into a host of a lab that is up (see enter.h).
 *
 * A lab's namespaces are bind mounts on its own private /run/netns (nest.h),
 * which /proc/<inner>/root shows from outside: open the host's file there
 * and setns() to it, as 'ip netns exec' would with the machine's.
 */
#include "enter.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* find_up - the run of the lab up as NAME into RUN; 0, or -1 after saying why. */
static int find_up(const char *name, struct nested_run *run)
{
	size_t n;
	struct nested_run *runs = runs_list(&n);
	int found = -1;

	for (size_t i = 0; i < n && found < 0; i++)
		if (!strcmp(runs[i].name, name) && runs[i].id[0]) {
			*run = runs[i];
			runs[i].hosts = NULL; /* RUN has them now */
			runs[i].nhosts = 0;
			found = 0;
		}
	runs_free(runs, n);
	if (found < 0)
		pl_warn("no lab is up as '%s' ('portlab ps' lists them)", name);
	return found;
}

/* join_user - into the user namespace of PID when it is not ours (a rootless lab). */
static int join_user(int pid)
{
	char path[64];
	struct stat mine, theirs;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", pid);
	if (stat("/proc/self/ns/user", &mine) < 0 || stat(path, &theirs) < 0) {
		pl_warn_errno("%s", path);
		return -1;
	}
	if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWUSER) < 0) {
		pl_warn_errno("enter the lab's user namespace");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

/* enter - into HOST of RUN; 0, or -1 after saying why. */
static int enter(const char *name, const char *host, const struct nested_run *run)
{
	bool known = false;
	for (size_t i = 0; i < run->nhosts && !known; i++)
		known = !strcmp(run->hosts[i], host);
	if (!known) {
		fprintf(stderr, "portlab: lab %s has no host '%s' (hosts:", name, host);
		for (size_t i = 0; i < run->nhosts; i++)
			fprintf(stderr, " %s", run->hosts[i]);
		fputs(")\n", stderr);
		return -1;
	}
	char *path = xasprintf("/proc/%d/root/run/netns/portlab-%s-%s", run->inner, run->id, host);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		pl_warn_errno("%s", path);
		free(path);
		return -1;
	}
	free(path);
	if (join_user(run->inner) < 0) {
		close(fd);
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		pl_warn_errno("enter host %s", host);
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int enter_host(const char *name, const char *host, struct nested_run *run)
{
	if (find_up(name, run) < 0)
		return -1;
	if (enter(name, host, run) == 0)
		return 0;
	free_strings(run->hosts, run->nhosts);
	run->hosts = NULL;
	run->nhosts = 0;
	return -1;
}
