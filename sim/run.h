/*
 * run.h - one run of one lab, from building its network to its verdicts,
 * returned as a plain value.
 *
 * Once run_lab() returns, nothing in a run_result points into the engine
 * (runner, capture set, child processes): reports, JSON, JUnit and graders
 * read this value alone, and can be tested on a value made by hand.
 */
#ifndef PORTLAB_RUN_H
#define PORTLAB_RUN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "expect.h"

struct lab;

/* How one program of the run ended. */
struct program_end {
	char *role, *host;
	char *program;           /* the path that ran */
	int exit_code;           /* -1 when it did not exit */
	char *signal;            /* "KILL", "TERM", ...; NULL when it exited */
	bool timed_out;          /* killed at its step's timeout */
	bool stopped;            /* stopped by a "stop" step, as planned */
	double seconds;          /* from start to end */
	char *stderr_file;       /* what it wrote to stderr */
	char *stdout_file;       /* a traced program's own stdout, or NULL */
	bool traced;             /* its events came from the tracer, not from itself */
};

/* What one interface's capture holds. run_data.captures[i] has its flows. */
struct capture_end {
	char *name;              /* "host:iface" */
	char *host, *iface;
	char *file;              /* <dir>/<host>-<iface>.pcap */
	uint64_t written;        /* packets written while capturing */
	uint64_t received;       /* what the kernel counted (pcap_stats) */
	uint64_t dropped;        /* by the ring or the interface */
	uint64_t packets;        /* read back for the flow table */
	uint64_t truncated, malformed;
	int read_status;         /* 0 whole, 1 truncated, -1 unreadable */
	char *read_error;        /* why, when read_status != 0 */
};

/* One expectation judged: the lab's own, or one of portlab's built-in checks. */
struct verdict {
	char *text;
	char *check;             /* the check as written, or what portlab checks by itself */
	bool passed;
	char *detail;            /* what was seen */
	int line;                /* in the lab file; 0 for portlab's own checks */
	double seconds;          /* how long judging it took */
};

struct run_result {
	struct lab *lab;         /* owned */
	struct expectations *expects; /* the lab's, compiled; owned */
	char *run_id, *dir;
	char *started;           /* ISO 8601 with the zone: 2026-11-30T20:21:46+00:00 */
	double build_seconds, run_seconds;
	double drain_seconds;    /* from the programs' end to the captures' last packet */
	struct run_data data;    /* events, and each capture's flows */
	struct capture_end *captures; /* data.ncaptures of them, in the same order */
	struct program_end *programs;
	size_t nprograms;
	char **problems;         /* why the run itself went wrong */
	size_t nproblems;
	char **notes;            /* worth saying, not a failure */
	size_t nnotes;
	char *pcapng;            /* every interface in one file, or NULL */
	long pcapng_packets;
	struct verdict *verdicts;
	size_t nverdicts;
	bool interrupted;
	bool passed;
};

struct run_options {
	char **use;              /* "ROLE=PATH" */
	size_t nuse;
	const char *captures_root; /* runs go in <root>/<lab>/<run id>/ */
	bool progress;           /* tell people what happens, on stderr */
	bool trace_all;          /* trace every program, not only those given with --use */
	volatile sig_atomic_t *interrupted; /* set by a signal handler */
};

/*
 * run_lab - build LAB, run it under capture, take it down, analyse and
 * judge its EXPECTS (lab_read). RES takes both over and is filled as far as
 * the run got. Returns
 * the exit status: EXIT_PASS, EXIT_FAIL, EXIT_USAGE (the kernel refused a
 * lab-file line) or EXIT_ENV.
 */
int run_lab(struct lab *lab, struct expectations *expects, const struct run_options *opt,
	    struct run_result *res);
void run_result_free(struct run_result *res);

/*
 * A run taken one piece at a time, for labs that stay up (portlab up):
 * session_open builds and starts capturing, session_steps runs the lab's
 * steps up to (not including) UPTO, session_close stops what still runs,
 * takes the lab down and judges, like the end of run_lab.
 */
struct session;
struct session *session_open(struct lab *lab, struct expectations *expects,
			     const struct run_options *opt, struct run_result *res);
/* session_steps - 0 when the steps ran, 1 when one failed and the rest were skipped, -1 when they cannot run. */
int session_steps(struct session *s, size_t upto);
/* session_next_step - the index of the next step session_steps would run. */
size_t session_next_step(const struct session *s);
/* session_idle - read programs' output and reap for up to WAIT_MS; -1 when interrupted. */
int session_idle(struct session *s, int wait_ms);
/* session_hold_programs - the programs running now have no timeout any more. */
void session_hold_programs(struct session *s);
/* session_close - STOP_PROGRAMS: stop them now, else wait for them (within their timeouts); the exit status. */
int session_close(struct session *s, bool stop_programs);

/* judge_run - every expectation of RES's lab, then portlab's own checks, into RES's verdicts. */
void judge_run(struct run_result *res);

#endif
