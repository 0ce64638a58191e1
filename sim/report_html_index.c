/*
 * report_html_index.c - the index page of `portlab run --all`: one line
 * per lab, its outcome and counts, linking its run's report.html.
 */
#include "report_html.h"

#include <string.h>

#include "report.h"
#include "report_html_int.h"
#include "util.h"

static void write_row(FILE *out, const struct html_index_row *r)
{
	bool pass = !strcmp(r->outcome, "PASS"), fail = !strcmp(r->outcome, "FAIL");

	fprintf(out, "<tr%s><td>", pass || !strcmp(r->outcome, "SKIP") ? "" : " class=\"failed\"");
	if (pass || fail)
		html_outcome(out, pass);
	else
		xml_text(out, r->outcome);
	fputs("</td><td>", out);
	if (r->report) {
		fputs("<a href=\"", out);
		xml_text(out, r->report);
		fputs("\">", out);
	}
	xml_text(out, r->lab);
	fputs(r->report ? "</a></td><td>" : "</td><td>", out);
	xml_text(out, r->title ? r->title : "");
	fprintf(out, "</td><td class=\"num\">%zu of %zu</td></tr>\n", r->passed, r->total);
}

int report_html_index(const char *path, const struct html_index_row *rows, size_t n)
{
	FILE *out = fopen(path, "w");
	size_t passed = 0;

	if (!out) {
		pl_warn_errno("%s", path);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		passed += !strcmp(rows[i].outcome, "PASS") || !strcmp(rows[i].outcome, "SKIP");
	html_head(out, "portlab: every lab");
	fprintf(out, "<h1>portlab: every lab</h1>\n<p class=\"outcome\">%zu of %zu labs pass</p>\n"
		"<table>\n<tr><th>result</th><th>lab</th><th>title</th><th>expectations held</th>"
		"</tr>\n", passed, n);
	for (size_t i = 0; i < n; i++)
		write_row(out, &rows[i]);
	fputs("</table>\n</body>\n</html>\n", out);
	if (fclose(out) != 0) {
		pl_warn_errno("write %s", path);
		return -1;
	}
	return 0;
}
