/* grade_out.c - the class outputs (see grade_out.h). */
#include "grade_out.h"

#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "csv.h"
#include "report.h"
#include "util.h"

static void write_csv(FILE *f, const struct grade *g, size_t n)
{
	fputs("student,points,max_points", f);
	for (size_t c = 0; n && c < g[0].nchecks; c++) {
		fputc(',', f);
		csv_field(f, g[0].checks[c].name);
	}
	fputc('\n', f);
	for (size_t i = 0; i < n; i++) {
		csv_field(f, g[i].student);
		fprintf(f, ",%d,%d", g[i].points, g[i].max);
		for (size_t c = 0; c < g[i].nchecks; c++)
			fprintf(f, ",%d", g[i].checks[c].points);
		fputc('\n', f);
	}
}

static void write_junit(FILE *f, const char *exercise, const struct grade *g, size_t n)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"portlab grade ", f);
	xml_text(f, exercise);
	fputs("\">\n", f);
	for (size_t i = 0; i < n; i++) {
		size_t failures = 0;
		for (size_t c = 0; c < g[i].nchecks; c++)
			failures += g[i].checks[c].hint != NULL;
		fputs("  <testsuite name=\"", f);
		xml_text(f, g[i].student);
		fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\">\n",
			g[i].nchecks, failures, g[i].seconds);
		for (size_t c = 0; c < g[i].nchecks; c++) {
			const struct grade_check *k = &g[i].checks[c];
			fputs("    <testcase classname=\"", f);
			xml_text(f, exercise);
			fputs(".", f);
			xml_text(f, g[i].student);
			fputs("\" name=\"", f);
			xml_text(f, k->name);
			fprintf(f, "\" time=\"0\">\n      <properties><property name=\"points\" "
				"value=\"%d\"/><property name=\"max_points\" value=\"%d\"/></properties>\n",
				k->points, k->max);
			if (k->hint) {
				fputs("      <failure message=\"", f);
				xml_text(f, k->hint);
				fputs("\">", f);
				xml_text(f, k->hint);
				fputs("</failure>\n", f);
			}
			fputs("    </testcase>\n", f);
		}
		fputs("  </testsuite>\n", f);
	}
	fputs("</testsuites>\n", f);
}

/* gradescope - one student in Gradescope's autograder format, as a JSON value. */
static void gradescope(struct json *j, const struct grade *g, bool with_name)
{
	json_begin_object(j, NULL);
	if (with_name)
		json_string(j, "student", g->student);
	json_int(j, "score", g->points);
	json_int(j, "max_score", g->max);
	json_double(j, "execution_time", g->seconds);
	json_begin_array(j, "tests");
	for (size_t c = 0; c < g->nchecks; c++) {
		json_begin_object(j, NULL);
		json_string(j, "name", g->checks[c].name);
		json_int(j, "score", g->checks[c].points);
		json_int(j, "max_score", g->checks[c].max);
		json_string(j, "status", g->checks[c].hint ? "failed" : "passed");
		json_string(j, "output", g->checks[c].hint ? g->checks[c].hint : "passed");
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

/* open_out - DIR/NAME for writing, or NULL after saying why. */
static FILE *open_out(const char *dir, const char *name, char **path)
{
	*path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(*path, "w");

	if (!f)
		pl_warn_errno("%s", *path);
	return f;
}

static int close_out(FILE *f, char *path)
{
	int rc = fclose(f) == 0 ? 0 : -1;

	if (rc < 0)
		pl_warn_errno("%s", path);
	free(path);
	return rc;
}

int gradescope_write(const char *path, const struct grade *g)
{
	FILE *f = fopen(path, "w");
	struct json j;

	if (!f) {
		pl_warn_errno("%s", path);
		return -1;
	}
	json_init(&j, f, true);
	gradescope(&j, g, false);
	json_end(&j);
	return close_out(f, xstrdup(path));
}

int grades_write(const char *dir, const char *exercise, const struct grade *g, size_t n)
{
	char *path;
	FILE *f;
	int rc = 0;
	struct json j;

	if (!(f = open_out(dir, "grades.csv", &path)))
		return -1;
	write_csv(f, g, n);
	rc |= close_out(f, path);
	if (!(f = open_out(dir, "junit.xml", &path)))
		return -1;
	write_junit(f, exercise, g, n);
	rc |= close_out(f, path);
	if (n == 1) { /* one submission: exactly what Gradescope reads */
		path = xasprintf("%s/results.json", dir);
		rc |= gradescope_write(path, &g[0]);
		free(path);
		return rc;
	}
	if (!(f = open_out(dir, "results.json", &path)))
		return -1;
	json_init(&j, f, true);
	json_begin_object(&j, NULL);
	json_string(&j, "format", "portlab-grades/1");
	json_string(&j, "exercise", exercise);
	json_begin_array(&j, "students");
	for (size_t i = 0; i < n; i++)
		gradescope(&j, &g[i], true);
	json_end_array(&j);
	json_end_object(&j);
	json_end(&j);
	return rc | close_out(f, path);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static void print_distribution(FILE *out, const struct grade *g, size_t n)
{
	int pts[n];

	for (size_t i = 0; i < n; i++)
		pts[i] = g[i].points;
	qsort(pts, n, sizeof(int), cmp_int);
	fprintf(out, "  points  students\n");
	for (size_t i = 0; i < n;) {
		size_t k = i;
		while (k < n && pts[k] == pts[i])
			k++;
		fprintf(out, "  %3d/%-3d %4zu  ", pts[i], g[0].max, k - i);
		for (size_t b = 0; b < k - i && b < 50; b++)
			fputc('#', out);
		fputc('\n', out);
		i = k;
	}
}

/* print_identical - groups of students who handed in the same bytes. */
static void print_identical(FILE *out, const struct grade *g, size_t n)
{
	bool shown[n], any = false;

	memset(shown, 0, sizeof(shown));
	for (size_t i = 0; i < n; i++) {
		if (shown[i] || !g[i].digest || !strcmp(g[i].digest, "-"))
			continue;
		size_t same = 0;
		for (size_t k = i + 1; k < n; k++)
			same += !strcmp(g[i].digest, g[k].digest ? g[k].digest : "");
		if (!same)
			continue;
		fprintf(out, "%s  identical submissions: %s", any ? "" : "\n", g[i].student);
		any = true;
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(g[i].digest, g[k].digest ? g[k].digest : "")) {
				fprintf(out, ", %s", g[k].student);
				shown[k] = true;
			}
		fputc('\n', out);
	}
}

void grades_summary(FILE *out, const struct grade *g, size_t n)
{
	size_t full = 0, broken = 0;

	if (!n)
		return;
	for (size_t i = 0; i < n; i++) {
		full += g[i].points == g[i].max;
		broken += !strcmp(g[i].status, "compile-error");
	}
	fprintf(out, "class summary: %zu submission%s, %zu at full marks, %zu not compiling\n", n,
		n == 1 ? "" : "s", full, broken);
	print_distribution(out, g, n);
	fprintf(out, "  failed  check\n");
	for (size_t c = 0; c < g[0].nchecks; c++) {
		size_t failed = 0;
		for (size_t i = 0; i < n; i++)
			failed += c < g[i].nchecks && g[i].checks[c].hint;
		fprintf(out, "  %4zu    %s (%d points)\n", failed, g[0].checks[c].name,
			g[0].checks[c].max);
	}
	print_identical(out, g, n);
}
