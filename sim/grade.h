/*
 * grade.h - one submission graded: built, run in the exercise's lab in
 * place of the student's role, scored check by check with hints.
 *
 * A grade is written to the student's folder as grade.tsv, which is also
 * what the class outputs (grade_out.c) and `portlab grade --merge` read.
 */
#ifndef PORTLAB_GRADE_H
#define PORTLAB_GRADE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

struct exercise;

/* The grader's own check: the student's program ended by itself with status 0. */
#define CHECK_EXITS_0 "the program exits with status 0"
/* And: two TCP connections on one wire overlap in time (the later opens before the earlier ends). */
#define CHECK_OVERLAP "the connections are open at the same time"

struct grade_check {
	char *name;
	int points, max;
	char *hint;              /* NULL when passed */
};

struct grade {
	char *student;
	char *status;            /* "graded", "compile-error", "error" */
	char *digest;            /* of the submission's source, to spot identical ones */
	char *variant;           /* "port=8123" with --variants, else NULL */
	int points, max;
	double seconds;
	struct grade_check *checks;
	size_t nchecks;
};

struct grade_options {
	bool variants;
	volatile sig_atomic_t *interrupted;
};

/*
 * grade_submission - grade SUBMISSION of STUDENT for EX into G, writing
 * the student's folder DIR (build, run, report.txt, results.json,
 * grade.tsv). Returns 0, or -1 when the machine could not run the lab.
 */
int grade_submission(const struct exercise *ex, const char *student, const char *submission,
		     const char *dir, const struct grade_options *opt, struct grade *g);

/*
 * grade_check_exercise - EX fits its lab: its roles run programs, each
 * check names an expectation (or one of portlab's own), each hint
 * condition compiles. 0, or -1 after printing "<file>:<line>: ..." lines.
 */
int grade_check_exercise(const struct exercise *ex);

/* grade_write - G as DIR/grade.tsv; 0 or -1 after saying why. */
int grade_write(const struct grade *g, const char *dir);
/* grade_read - DIR/grade.tsv into G; 0 or -1 after saying why. */
int grade_read(const char *dir, struct grade *g);
void grade_free(struct grade *g);

/* submission_digest - a hash of SUBMISSION's bytes (a file, or a folder's files), hex. */
char *submission_digest(const char *submission);

#endif
