/*
 * report.h - a finished run (run.h) for people (aligned text) and machines
 * (JSON, JUnit XML). It reads the run's plain value only, never the engine.
 */
#ifndef PORTLAB_REPORT_H
#define PORTLAB_REPORT_H

#include <stdio.h>

#include "run.h"

struct json;

/* The "format" of result.json, and of what `portlab run --json` prints around the results. */
#define RESULT_FORMAT "portlab-result/1"
#define RUNS_FORMAT "portlab-runs/1"

/* How much report_text says. */
enum detail_level {
	DETAIL_BRIEF,   /* verdicts only: several labs in one run */
	DETAIL_NORMAL,  /* and the first events and flows */
	DETAIL_ALL,     /* every event and flow (--verbose) */
};

void report_text(FILE *out, const struct run_result *o, enum detail_level level);
/* report_json - the run as one JSON document (result.json). */
void report_json(FILE *out, const struct run_result *o);
/* report_write_result - result.json in the run's folder. */
void report_write_result(const struct run_result *o);
/* report_json_value - the same object, as a value inside a larger document. */
void report_json_value(struct json *j, const struct run_result *o);
/* report_junit - the run as one JUnit <testsuite>, a <testcase> per verdict, for CI and graders. */
void report_junit(FILE *out, const struct run_result *o);
/* report_junit_error - a <testsuite> for lab NAME that could not run, with ERROR as its <error>. */
void report_junit_error(FILE *out, const char *name, const char *error);
/* report_junit_skip - a <testsuite> for lab NAME that was skipped, and WHY. */
void report_junit_skip(FILE *out, const char *name, const char *why);

struct record;
/* report_event_result - an event's outcome in a few words: "ok fd 3", "ECONNREFUSED", "-" for a note. */
void report_event_result(const struct record *r, char *buf, size_t len);
/* report_event_detail - what else event R says (tags, a note's numbers) as "k=v k=v". */
void report_event_detail(const struct record *r, char *buf, size_t len);

/* xml_text - TEXT with XML's five special characters escaped. */
void xml_text(FILE *out, const char *text);

#endif
