/*
 * report_html.h - a finished run (run.h) as one self-contained web page,
 * report.html in its folder: verdicts, topology, socket events, flows and
 * ladders, inline CSS and SVG only, for a class projector. Like report.c it
 * reads the run's plain value (and the run folder's captures), never the
 * engine.
 */
#ifndef PORTLAB_REPORT_HTML_H
#define PORTLAB_REPORT_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "run.h"

/* report_html - RES as a page at PATH; 0, or -1 after saying why. */
int report_html(const struct run_result *res, const char *path);

/* report_html_folder - report.html in RES's run folder; 0, or -1 after saying why. */
int report_html_folder(const struct run_result *res);

/* One lab's line on the index page of `portlab run --all`. */
struct html_index_row {
	const char *lab;
	const char *title;       /* or NULL */
	const char *report;      /* its report.html, relative to the index; NULL: none */
	const char *outcome;     /* "PASS", "FAIL", "SKIP", "ERROR" */
	size_t passed, total;
};

/* report_html_index - the N rows as one page at PATH; 0, or -1 after saying why. */
int report_html_index(const char *path, const struct html_index_row *rows, size_t n);

#endif
