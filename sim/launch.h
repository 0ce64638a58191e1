/*
 * launch.h - start a lab's program in a forked child: enter the host's
 * namespace, become the step's user with its capabilities, exec.
 */
#ifndef PORTLAB_LAUNCH_H
#define PORTLAB_LAUNCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "lab.h"

struct runner;
struct sandbox;

/* What the child needs, made before fork(). */
struct launch {
	int exec_fd;             /* the program, opened while still root */
	int report_w;            /* closes on exec; before that, why the child failed */
	int netns_fd;
	int out_w, err_fd, null_fd;
	char *path;
	char **argv, **envp;
	bool drop;
	uid_t uid;
	gid_t gid;
	int caps[MAX_STEP_CAPS];
	size_t ncaps;
	const struct sandbox *sandbox; /* NULL: run it as it is */
	/* traced: the keeper (sandbox.c's, or portlab _trace at keeper_path for
	 * a program that runs uncontained) traces the program and writes its
	 * events to out_w; the program's own stdout goes to prog_out */
	bool trace;
	unsigned trace_flags;    /* for trace_install_filter */
	const char *keeper_path;
	int prog_out;
};

/* What failed in a child before exec, written to report_w for the parent. */
enum launch_stage { LAUNCH_SETNS = 1, LAUNCH_USER, LAUNCH_EXEC, LAUNCH_SANDBOX, LAUNCH_CGROUP,
	LAUNCH_MOUNTS, LAUNCH_LIMITS, LAUNCH_FILTER, LAUNCH_TRACE };

/* launch_child - in the child after fork(): become the program, or report and _exit. */
void launch_child(const struct launch *l) __attribute__((noreturn));
/* launch_failed - tell the parent through REPORT_FD which STAGE failed (errno), _exit. */
void launch_failed(int report_fd, int stage) __attribute__((noreturn));
/* launch_become_user - L's uid/gid with L's capabilities (ambient); 0 or -1. */
int launch_become_user(const struct launch *l);
/* launch_close_fds - every descriptor from 3 up closes on exec (but a script's, KEEP_EXEC_FD). */
void launch_close_fds(const struct launch *l, bool keep_exec_fd);
/* launch_exec - exec L's program (by descriptor where there is one), or report and _exit. */
void launch_exec(const struct launch *l) __attribute__((noreturn));
/* launch_stage_name - what STAGE tried to do, for messages. */
const char *launch_stage_name(int stage);

/* What a program is told of where it runs. */
struct launch_names {
	const char *role, *host, *run_id;
	const char *lab_dir, *run_dir;
};

/*
 * launch_env - the environment for a program: ours plus PORTLAB_ROLE, _HOST,
 * _RUN, _LAB_DIR and _RUN_DIR (and, TRACED, no leak check).
 */
char **launch_env(const struct launch_names *names, bool traced);
/* used_program - the PATH of --use ROLE=PATH, as given, or NULL when ROLE keeps the lab's. */
const char *used_program(const struct runner *r, const char *role);
void launch_env_free(char **env);

/* resolve_user - NAME or a number into UID/GID; returns 0 or -1. */
int resolve_user(const char *name, uid_t *uid, gid_t *gid);

/* cap_number - the capability called NAME ("net_bind_service"), or -1. */
int cap_number(const char *name);

/* program_path - where ROLE's program for STEP is, or NULL after saying why. */
char *program_path(const struct runner *r, const struct lab_step *step);

#endif
