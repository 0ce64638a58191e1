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

#include "sandbox.h"

struct lab;
struct lab_step;
struct record;

struct proc {
	const struct lab_step *step;
	char *role, *host, *path;
	pid_t pid;
	int out;                 /* its stdout (traced: its keeper's events), -1 once closed */
	int own;                 /* traced: the program's own stdout, -1 once closed */
	int own_file;            /* ... copied into outlog */
	char own_line[256];      /* ... and each of its lines an "output" event, for a */
	size_t own_len;          /* program given with --use (a lab's own prints report */
	bool own_output;         /* lines, which --trace does not read at all) */
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
	struct sandbox sb;       /* sb.on: it runs contained */
	size_t out_bytes;        /* of stdout, for the output limit */
	bool flooded;            /* stopped for too many events or too much output */
	double cpu;              /* seconds of CPU time it used, with its children */
	char tail[16384];        /* the last bytes of its stdout, kept when it fails */
	size_t tail_at;          /* total bytes ever put in tail */
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

/* runner_note - something worth knowing about the run that does not fail it. */
void runner_note(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* runner_problem - note why the run failed (shown in the verdicts). */
void runner_problem(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));


/* runner_wait_all - until every program has ended (each within its timeout); -1 when interrupted. */
int runner_wait_all(struct runner *r);
/*
 * runner_step - run step I of the lab; 0 when it ran (its failures are in
 * problems), 1 when the steps after it cannot run, -1 when interrupted.
 */
int runner_step(struct runner *r, size_t i);
/* runner_idle - read programs' output, reap and enforce timeouts for up to WAIT_MS; -1 interrupted. */
int runner_idle(struct runner *r, int wait_ms);
/* runner_stop_all - SIGTERM every program still running, as a stop step would; SIGKILL after GRACE s. */
void runner_stop_all(struct runner *r, double grace);
/* runner_kill - kill every program still running (and its children). */
void runner_kill(struct runner *r);
void runner_free(struct runner *r);

#endif
