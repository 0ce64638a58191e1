/*
 * sandbox_fs.c - the file system a sandboxed program sees, set up by its
 * init inside a fresh mount namespace: everything read-only but its own
 * working folder, a small private /tmp and /dev/shm, and a /proc that
 * shows only the processes of its own PID namespace.
 *
 * Only system calls here: init is a child of a fork from a threaded program.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

/* set_attr - change mount attributes of PATH (relative to DIRFD), recursively if asked. */
static int set_attr(int dirfd, const char *path, unsigned flags, __u64 set, __u64 clear)
{
	struct mount_attr attr = { .attr_set = set, .attr_clr = clear };

	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, &attr, sizeof(attr));
}

/* small_tmpfs - a private tmpfs of SIZE bytes on TARGET, if TARGET exists. */
static int small_tmpfs(const char *target, long long size)
{
	char opts[64];

	if (access(target, F_OK) < 0)
		return 0;
	snprintf(opts, sizeof(opts), "size=%lld,mode=1777", size);
	return mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, opts);
}

int sandbox_mounts(const struct sandbox *sb, int *workdir_fd)
{
	/* nothing we do here may reach the host's mounts */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -1;
	/* a fresh /proc: this PID namespace's processes only, so no
	 * /proc/<portlab>/ns/net to climb back through */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return -1;
	/* the working folder becomes a mount of its own, so that it can stay
	 * writable; held by descriptor, as /tmp may hide its path */
	if (mount(sb->workdir, sb->workdir, NULL, MS_BIND, NULL) < 0)
		return -1;
	*workdir_fd = open(sb->workdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (*workdir_fd < 0)
		return -1;
	if (small_tmpfs("/tmp", sb->lim.tmp) < 0 || small_tmpfs("/dev/shm", sb->lim.tmp) < 0)
		return -1;
	/* everything read-only, then the three writable places back */
	if (set_attr(AT_FDCWD, "/", AT_RECURSIVE, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, 0) < 0)
		return -1;
	if (set_attr(*workdir_fd, "", AT_EMPTY_PATH, 0, MOUNT_ATTR_RDONLY) < 0 ||
	    set_attr(AT_FDCWD, "/tmp", 0, 0, MOUNT_ATTR_RDONLY) < 0 ||
	    (access("/dev/shm", F_OK) == 0 && set_attr(AT_FDCWD, "/dev/shm", 0, 0, MOUNT_ATTR_RDONLY) < 0))
		return -1;
	return 0;
}
