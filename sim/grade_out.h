/*
 * grade_out.h - a class's grades for people and machines: grades.csv,
 * junit.xml, results.json (Gradescope's format), and the class summary.
 */
#ifndef PORTLAB_GRADE_OUT_H
#define PORTLAB_GRADE_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "grade.h"

/* grades_write - grades.csv, junit.xml and results.json in DIR for EXERCISE; 0 or -1. */
int grades_write(const char *dir, const char *exercise, const struct grade *g, size_t n);
/* gradescope_write - one student's grade as Gradescope's results.json at PATH; 0 or -1. */
int gradescope_write(const char *path, const struct grade *g);
/* grades_summary - points distribution, failures per check, identical submissions. */
void grades_summary(FILE *out, const struct grade *g, size_t n);

#endif
