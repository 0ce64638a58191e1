/*
 * sandbox.h - contain a program: its own uid, a PID and a mount namespace,
 * a read-only file system but for its working folder and /tmp, a seccomp
 * filter against namespace, mount, ptrace and module calls, and limits.
 *
 * Process shape (see docs/architecture.md, "The sandbox"):
 *   runner (portlab)  sandbox_prepare() before fork, sandbox_outcome() and
 *    │                sandbox_release() after the keeper is reaped
 *    └─ keeper        the forked child, root, in the lab host's network
 *        │            namespace: sandbox_keeper() (the tracer's place)
 *        └─ init      pid 1 of a new PID and mount namespace: mounts,
 *            │        forwards SIGTERM/SIGINT, reaps, hands the program's
 *            │        wait status to the keeper
 *            └─ program  sandbox uid, rlimits, no new privileges, seccomp, exec
 */
#ifndef PORTLAB_SANDBOX_H
#define PORTLAB_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lab_step;
struct launch;
struct sock_fprog;

/* What a program may use; a lab raises one with "limit NAME=VALUE" on a step. */
struct sandbox_limits {
	long long procs;         /* processes and threads (cgroup pids, RLIMIT_NPROC) */
	long long memory;        /* bytes (cgroup memory, else RLIMIT_AS) */
	long long cpu;           /* seconds of CPU time (RLIMIT_CPU) */
	long long fsize;         /* bytes, largest file it may write (RLIMIT_FSIZE) */
	long long nofile;        /* open descriptors (RLIMIT_NOFILE) */
	long long tmp;           /* bytes of its private /tmp */
	long long events;        /* events it may print (counted by the runner) */
	long long output;        /* bytes of stdout (counted by the runner) */
};

enum cgroup_kind { CG_PIDS, CG_MEMORY, CG_KINDS };

/* One program's sandbox, made by the runner before fork(). */
struct sandbox {
	bool on;
	uid_t uid;
	gid_t gid;
	int slot;                /* uid = SANDBOX_UID_BASE + slot */
	int slot_fd;             /* holds the slot while the program lives */
	char *workdir;           /* <run dir>/<role>.work, owned by uid */
	struct sandbox_limits lim;
	int cgroup_version;      /* 1, 2, or 0 when none could be made */
	char *cgroup[CG_KINDS];  /* v1: one folder per controller; v2: [0] only */
	const struct sock_fprog *filter;
	bool script;             /* the program is a #! script */
	bool shared_uid;         /* a step's own user (as USER): no RLIMIT_NPROC, which
				  * would count that user's processes machine-wide */
	bool own_ids;            /* rootless: only our own uid is mapped, so the program
				  * keeps it (without its capabilities) */
	char *exe;               /* a --use program's copy in the run folder, or NULL */
	int caps[8];             /* capabilities kept (ambient) */
	size_t ncaps;
};

#define SANDBOX_UID_BASE 2000000000u
/* init's line on the program's stderr: "<prefix>2 processes outlived ..." */
#define SANDBOX_LEFT_PREFIX "portlab sandbox: "
#define SANDBOX_SLOTS 10000

/* uid_mapped - is UID one of this user namespace's ids? Not in a rootless run. */
bool uid_mapped(uid_t uid);

/*
 * sandbox_tool - in a forked child, before exec: contain a tool that runs a
 * student's input (the compiler, a student's Makefile): the file system
 * read-only but for the current folder, a private /tmp, an unprivileged
 * uid where one can be had, limits, no new privileges, the deny filter.
 * Returns 0, or -1 with errno set.
 */
int sandbox_tool(void);

/* The uid tools run as (sandbox_tool), beyond the programs' slots. */
#define SANDBOX_TOOL_UID (SANDBOX_UID_BASE + SANDBOX_SLOTS)

/* sandbox_default_limits - the limits every program starts with. */
void sandbox_default_limits(struct sandbox_limits *lim);

/*
 * sandbox_limit_apply - "NAME=VALUE[,NAME=VALUE]" onto LIM (e.g. "nofile=20000",
 * "memory=1G"). Returns 0, or -1 with what is wrong in WHY (WHYLEN bytes).
 */
int sandbox_limit_apply(struct sandbox_limits *lim, const char *text, char *why, size_t whylen);

/*
 * sandbox_prepare - take a uid slot, make the working folder and the cgroups
 * for STEP's program. Returns 0, or -1 after saying why in WHY.
 */
int sandbox_prepare(struct sandbox *sb, const char *run_dir, const char *run_id,
		    const struct lab_step *step, char *why, size_t whylen);

/*
 * sandbox_copy_program - copy PATH to <run dir>/<role>.program, mode 755, into
 * SB->exe: the sandbox uid may not be allowed to run or read the original
 * (a student's file of mode 700). Returns 0, or -1 after saying why in WHY.
 */
int sandbox_copy_program(struct sandbox *sb, const char *path, const char *run_dir,
			 const char *role, char *why, size_t whylen);

/* sandbox_keeper - in the forked child, in the host's namespace: run the program contained. */
void sandbox_keeper(const struct launch *l, const struct sandbox *sb) __attribute__((noreturn));

/*
 * sandbox_outcome - after the keeper ended with STATUS: what the program ran
 * into, in words, one sentence per limit or refusal (call FN for each; LIMIT
 * is true for a limit the sandbox enforced, false for a refusal the program
 * reported on its stderr, which a program may also have handled well).
 */
void sandbox_outcome(const struct sandbox *sb, int status, double cpu_seconds,
		     const char *errlog, void (*fn)(void *arg, const char *what, bool limit),
		     void *arg);

/* sandbox_release - remove the cgroups (waiting for them to empty), free the slot. */
void sandbox_release(struct sandbox *sb);

/* Parts, one file each (sandbox_outcome.c holds sandbox_outcome). */
/* sandbox_fs.c: in init, before the program forks: mounts. Returns 0 or -1 (errno). */
int sandbox_mounts(const struct sandbox *sb, int *workdir_fd);
/* sandbox_limits.c: rlimits in the program, before it drops its uid. Returns 0 or -1. */
int sandbox_rlimits(const struct sandbox *sb);
/* sandbox_cgroup.c */
int sandbox_cgroups_make(struct sandbox *sb, const char *run_id, const char *role);
int sandbox_cgroups_join(const struct sandbox *sb, pid_t pid);
long long sandbox_cgroup_count(const struct sandbox *sb, enum cgroup_kind kind, const char *file,
			       const char *key);
void sandbox_cgroups_remove(struct sandbox *sb);
/* sandbox_cgroups_sweep - for portlab clean: remove the empty cgroups of runs not ALIVE. */
size_t sandbox_cgroups_sweep(bool (*alive)(const char *run_id));
/* sandbox_filter.c: the seccomp deny filter, built once before any fork;
 * ALLOW_PTRACE only in a test build, for LeakSanitizer. */
const struct sock_fprog *sandbox_filter(bool allow_ptrace);

/* sandbox_thousands - 1203 as "1,203" for messages (static buffer). */
const char *sandbox_thousands(long long n);
/* sandbox_size - "512 MiB", "16 MiB", "20 GiB" for messages (static buffer). */
const char *sandbox_size(long long bytes);

#endif
