/*
 * grade_out.h - a class's grades for people and machines: grades.csv,
 * junit.xml, results.json (Gradescope's format), and the class summary.
 */
#ifndef PORTLAB_GRADE_OUT_H
#define PORTLAB_GRADE_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "grade.h"

/* grades_write - grades.csv, junit.xml and results.json in DIR for EXERCISE; 0 or -1. */
int grades_write(const char *dir, const char *exercise, const struct grade *g, size_t n);
/* gradescope_write - one student's grade as Gradescope's results.json at PATH; 0 or -1. */
int gradescope_write(const char *path, const struct grade *g);
/* grades_summary - points distribution, failures per check, identical submissions. */
void grades_summary(FILE *out, const struct grade *g, size_t n);

/* grades_default_out - grades/EXERCISE/YYYYmmdd-HHMMSS, newly allocated. */
char *grades_default_out(const char *exercise);
/*
 * grades_publish - the N grades G of EXERCISE into OUT (every output, each
 * student's results.json where their folder is), the class summary on
 * stdout, with POINTS the "points/max" line. Returns the exit status:
 * STATUS, or for one submission 0 at full marks and 1 below.
 */
int grades_publish(const char *exercise, const struct grade *g, size_t n, const char *out,
		   bool points, int status);
/* grades_merge - portlab grade --merge: the grade folders DIRS as one class in OUT (NULL: the default). */
int grades_merge(char **dirs, int ndirs, const char *out, bool points);

/*
 * grades_give_back - under sudo, OUT and everything in it to the user who
 * ran sudo, so that the teacher can read, move and delete their grades.
 */
void grades_give_back(const char *out);

#endif
