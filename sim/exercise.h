/*
 * exercise.h - an exercise: a lab, the role a student's program takes, the
 * task, and the checks it is graded by, each with its points and hints.
 *
 * It lives in scenarios/exercises/<name>/: the lab file `lab`, the file
 * `exercise` (read here; format in docs/teaching.md) and a reference
 * solution `reference.c` that scores full marks.
 */
#ifndef PORTLAB_EXERCISE_H
#define PORTLAB_EXERCISE_H

#include <stdbool.h>
#include <stddef.h>

/* A hint, given when every one of its conditions holds (none: always). */
struct exercise_hint {
	char *text;              /* may hold ${param} and {listening} */
	char ***conds;           /* each: SUBJECT words, then ":" , then CHECK words */
	size_t *ncond_words;
	size_t nconds;
	int line;
};

/* One graded check: a lab expectation named by its text, or "exits 0". */
struct exercise_check {
	char *text;
	int points;
	struct exercise_hint *hints;
	size_t nhints;
	char *catches;           /* for the teacher: what a failure means */
	int line;
};

struct exercise {
	char *name, *dir, *file; /* scenarios/exercises/<name>, .../exercise */
	char *lab_file;          /* dir/lab */
	char *reference;         /* dir/reference.c */
	char *role;              /* the role the student's program takes */
	char **roles;            /* every role it takes (a server started twice): role is the first */
	size_t nroles;
	char *title, *task;
	char *variant_param;     /* --variants: the lab parameter derived from the name */
	long variant_lo, variant_hi;
	struct exercise_check *checks;
	size_t nchecks;
	int max_points;
};

/* exercises_dir - scenarios/exercises, or NULL. */
char *exercises_dir(void);
/* exercise_names - the exercises, sorted; *N is their count. */
char **exercise_names(size_t *n);
/*
 * exercise_load - the exercise NAME (a name, or the path of its folder),
 * or NULL after printing "<file>:<line>: <what is wrong>".
 */
struct exercise *exercise_load(const char *name);
void exercise_free(struct exercise *ex);

/* variant_value - the value of EX's variant parameter for STUDENT (a stable hash). */
long variant_value(const struct exercise *ex, const char *student);

#endif
