/*
 * expect.h - expectations: a subject (events or flows) and a check,
 * compiled from a lab's words (struct lab_expect) against a read-only lab,
 * and judged against what a run measured.
 */
#ifndef PORTLAB_EXPECT_H
#define PORTLAB_EXPECT_H

#include <stdbool.h>
#include <stddef.h>

struct lab;
struct record;

/* What one run measured: the events of every program, the flows of every capture. */
struct run_capture {
	char *name;              /* "host:iface" */
	struct record *flows;
	size_t nflows;
};

struct run_data {
	struct record *events;
	size_t nevents;
	struct run_capture *captures;
	size_t ncaptures;
};

/* A lab's expectations, compiled: number I is LAB->expects[I]. */
struct expectations;

/*
 * expectations_compile - every expectation of LAB, with each name it uses
 * checked (roles, calls, fields, interfaces). NULL after printing
 * "<file>:<line>: expect: <what is wrong>" for each one that is wrong.
 */
struct expectations *expectations_compile(const struct lab *lab);

/* expectations_count - how many there are. */
size_t expectations_count(const struct expectations *x);

/* expectations_judge - does expectation I hold in RUN? DETAIL says what was seen. */
bool expectations_judge(const struct expectations *x, size_t i, const struct run_data *run,
			char *detail, size_t len);

void expectations_free(struct expectations *x);

/*
 * One expectation on its own, for checks that are not a lab's (a grader's
 * hint conditions): SUBJECT words and CHECK words against LAB, or NULL with
 * the reason in ERR.
 */
struct expect;
struct expect *expect_compile(const struct lab *lab, char **subject, size_t nsubject,
			      char **check, size_t ncheck, char *err, size_t errlen);
/* expect_judge - does E hold in RUN? DETAIL says what was seen. */
bool expect_judge(const struct expect *e, const struct run_data *run, char *detail, size_t len);
void expect_free(struct expect *e);

#endif
