/* report.h - a run's outcome for people (aligned text) and machines (JSON). */
#ifndef PORTLAB_REPORT_H
#define PORTLAB_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "analyse.h"
#include "capture.h"
#include "expect.h"
#include "steps.h"

struct lab;

struct verdict {
	char *text;
	char *check;      /* the check as written, or what portlab checks by itself */
	bool passed;
	char *detail;
	int line;         /* in the lab file; 0 for portlab's own checks */
};

/* Everything one run produced. */
struct outcome {
	const struct lab *lab;
	const char *run_id, *dir;
	char started[32];
	double build_seconds, run_seconds;
	struct runner *runner;
	struct capture_set *captures;
	struct capture_summary *summaries; /* one per capture */
	char *pcapng;                      /* every interface in one file, or NULL */
	long pcapng_packets;
	struct run_data data;
	struct verdict *verdicts;
	size_t nverdicts;
	bool interrupted;
	bool passed;
};

/* How much report_text says. */
enum detail_level {
	DETAIL_BRIEF,   /* verdicts only: several labs in one run */
	DETAIL_NORMAL,  /* and the first events and flows */
	DETAIL_ALL,     /* every event and flow (--verbose) */
};

void report_text(FILE *out, const struct outcome *o, enum detail_level level);
void report_json(FILE *out, const struct outcome *o);
/* report_junit - the run as one JUnit <testsuite>, a <testcase> per verdict, for CI and graders. */
void report_junit(FILE *out, const struct outcome *o);

#endif
