/*
 * steps.h - run a lab's steps: scenario programs inside hosts, in the
 * background or the foreground, each with a timeout; collect the JSON
 * events they print.
 */
#ifndef PORTLAB_STEPS_H
#define PORTLAB_STEPS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct lab;
struct lab_step;
struct record;

struct proc {
	const struct lab_step *step;
	char *role, *host, *path;
	pid_t pid;
	int out;                 /* its stdout, -1 once closed */
	char *buf;               /* a partial line */
	size_t len, cap;
	double started, deadline, ended;
	bool running, timed_out, stopped;
	bool skipping;           /* inside a line too long to keep */
	size_t bad_lines;        /* lines that were not JSON events */
	size_t long_lines;       /* lines too long to keep */
	int status;
	char *errlog;            /* its stderr */
	char *outlog;            /* its stdout, when traced (the events come from the tracer) */
	bool traced;
	size_t lines;
};

/* A program portlab compiled from --use ROLE=SOURCE. */
struct built {
	char *role;
	char *path;              /* NULL: it did not compile */
};

struct runner {
	const struct lab *lab;
	const char *run_id, *dir;
	char **use;              /* "ROLE=PATH" */
	size_t nuse;
	struct built *built;     /* from the --use sources (compile.c) */
	size_t nbuilt;
	bool trace_all;          /* --trace: every program runs traced, not only --use ones */
	bool progress;           /* tell people what happens, on stderr */
	struct proc *procs;
	size_t nprocs;
	struct record *events;
	size_t nevents, events_cap;
	char **problems;         /* why the run itself failed */
	size_t nproblems;
	char **notes;            /* worth saying, not a failure */
	size_t nnotes;
	volatile sig_atomic_t *interrupted;
};

/* runner_problem - note why the run failed (shown in the verdicts). */
void runner_problem(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/*
 * runner_run - run every step, then wait for the background programs.
 * Returns 0 when the steps ran (their failures are in problems), -1 when
 * interrupted.
 */
int runner_run(struct runner *r);
/* runner_kill - kill every program still running (and its children). */
void runner_kill(struct runner *r);
void runner_free(struct runner *r);

#endif
