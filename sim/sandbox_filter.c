/*
 * sandbox_filter.c - the seccomp filter of a sandboxed program: every call
 * that could leave the sandbox or reach the kernel's insides fails with
 * EPERM; everything else is allowed.
 *
 * Built with libseccomp (it knows each architecture's call numbers and
 * writes the architecture check), once, in the runner before any fork: the
 * child only hands the finished BPF to prctl(), a plain system call.
 */
#include "sandbox.h"

#include <errno.h>
#include <linux/filter.h>
#include <sched.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "util.h"

/* Refused outright: namespaces, mounts, other processes' memory, the kernel itself. */
static const char *const denied[] = {
	"unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
	"move_mount", "open_tree", "fsopen", "fsmount", "fsconfig", "fspick", "mount_setattr",
	"ptrace", "process_vm_readv", "process_vm_writev", "process_madvise", "kcmp",
	"init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
	"reboot", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
	"swapon", "swapoff", "acct", "quotactl", "iopl", "ioperm", "syslog",
	"userfaultfd", "open_by_handle_at", "name_to_handle_at", "lookup_dcookie",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "sethostname",
	"setdomainname", "vhangup", "nfsservctl", "uselib", "personality",
	"pidfd_getfd", "fanotify_init",
};

/* clone with any of these is a new namespace */
#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWUTS | \
		  CLONE_NEWIPC | CLONE_NEWCGROUP | 0x80 /* CLONE_NEWTIME */)

/* build - the filter into a libseccomp context, or NULL after saying why. */
static scmp_filter_ctx build(bool allow_ptrace)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0;

	if (!ctx) {
		pl_warn("seccomp_init failed");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(denied) / sizeof(denied[0]) && rc == 0; i++) {
		int nr = seccomp_syscall_resolve_name(denied[i]);
		if (allow_ptrace && !strcmp(denied[i], "ptrace"))
			continue;
		if (nr != __NR_SCMP_ERROR) /* an old kernel's headers may lack one */
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	/* clone with a namespace flag: one rule per flag, as a rule is a conjunction */
	for (unsigned bit = 0; bit < 32 && rc == 0; bit++)
		if (NS_FLAGS & (1u << bit))
			rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
					      SCMP_A0(SCMP_CMP_MASKED_EQ, 1u << bit, 1u << bit));
	/* clone3 passes its flags in memory, out of the filter's reach: ENOSYS
	 * makes the C library fall back to clone, whose flags it can see */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	if (rc < 0) {
		errno = -rc;
		pl_warn_errno("seccomp_rule_add");
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

/* export - CTX as a finished BPF program into PROG; 0 or -1 after saying why. */
static int export(scmp_filter_ctx ctx, struct sock_fprog *prog)
{
	int fd = memfd_create("portlab-seccomp", MFD_CLOEXEC), rc = -1;
	off_t size;

	if (fd < 0) {
		pl_warn_errno("memfd_create");
		return -1;
	}
	if (seccomp_export_bpf(ctx, fd) < 0 || (size = lseek(fd, 0, SEEK_END)) <= 0) {
		pl_warn("seccomp: cannot export the filter");
	} else {
		struct sock_filter *f = xmalloc((size_t)size);
		if (pread(fd, f, (size_t)size, 0) != size) {
			pl_warn_errno("read the seccomp filter");
			free(f);
		} else {
			prog->len = (unsigned short)((size_t)size / sizeof(*f));
			prog->filter = f;
			rc = 0;
		}
	}
	close(fd);
	return rc;
}

const struct sock_fprog *sandbox_filter(bool allow_ptrace)
{
	static struct sock_fprog progs[2];
	static bool made[2];
	struct sock_fprog *prog = &progs[allow_ptrace];

	if (!made[allow_ptrace]) {
		scmp_filter_ctx ctx = build(allow_ptrace);
		made[allow_ptrace] = true;
		if (ctx) {
			(void)export(ctx, prog);
			seccomp_release(ctx);
		}
	}
	return prog->filter ? prog : NULL;
}
