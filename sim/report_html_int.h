/*
 * report_html_int.h - the parts of report.html that have files of their
 * own: the page's look, the topology drawing, the ladders.
 */
#ifndef PORTLAB_REPORT_HTML_INT_H
#define PORTLAB_REPORT_HTML_INT_H

#include <stdio.h>

#include "run.h"

struct lab;

/* html_head - <!DOCTYPE>, <head> with TITLE and the page's CSS, and <body>. */
void html_head(FILE *out, const char *title);
/* html_outcome - "✔ PASS" or "✘ FAIL" as a mark people tell apart without colour. */
void html_outcome(FILE *out, bool passed);
/* html_topology - LAB's hosts, interfaces, links and segments as an inline <svg>. */
void html_topology(FILE *out, const struct lab *lab);
/* html_ladders - a ladder per connection, from the run folder's captures and result.json. */
void html_ladders(FILE *out, const struct run_result *res);

#endif
