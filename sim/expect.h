/*
 * expect.h - expectations: a subject (events or flows) and a check, compiled
 * when the lab file is read and judged against what the run measured.
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

/*
 * expect_compile - SUBJECT words and CHECK words into an expectation, or
 * NULL with the reason in ERR.
 */
struct expect *expect_compile(const struct lab *lab, char **subject, size_t nsubject,
			      char **check, size_t ncheck, char *err, size_t errlen);
void expect_free(struct expect *e);

/* expect_judge - does E hold in RUN? DETAIL says what was seen. */
bool expect_judge(const struct expect *e, const struct run_data *run, char *detail, size_t len);

#endif
