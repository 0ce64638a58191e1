/*
 * report_html.c - report.html: a finished run as one page (see
 * report_html.h). Every text that comes from the lab or a program is
 * escaped: labs and programs are not trusted.
 */
#include "report_html.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "record.h"
#include "report.h"
#include "report_html_int.h"
#include "util.h"

#define MAX_EVENT_ROWS 300      /* the first ones, then only failed calls and notes */
#define MAX_LATER_ROWS 200
#define MAX_FLOW_ROWS 100

/* capture_index - the capture called NAME ("host:iface"), or -1. */
static long capture_index(const struct run_result *res, const char *name)
{
	for (size_t i = 0; i < res->data.ncaptures; i++)
		if (!strcmp(res->data.captures[i].name, name))
			return (long)i;
	return -1;
}

/* evidence - where verdict V's evidence is: "#flows-N" for the capture it names, else "#events". */
static void evidence(const struct run_result *res, const struct verdict *v, char *buf, size_t len)
{
	const struct lab *lab = res->lab;

	snprintf(buf, len, "#events");
	for (size_t i = 0; i < lab->nexpects; i++) {
		const struct lab_expect *e = &lab->expects[i];
		if (e->line != v->line || !v->line || e->nsubject < 2 || strcmp(e->subject[0], "flows"))
			continue;
		long c = capture_index(res, e->subject[1]);
		if (c >= 0)
			snprintf(buf, len, "#flows-%ld", c);
		return;
	}
	/* portlab's own checks: the programs' stderr and the captures' counts are under #captures */
	if (!v->line && (!strcmp(v->check, "programs") || !strcmp(v->check, "captures")))
		snprintf(buf, len, "#captures");
}

/* short_path - the last two parts of PATH: "four-tuple/lab" (the whole path is the cell's title). */
static const char *short_path(const char *path)
{
	const char *p = path + strlen(path);
	int slashes = 0;

	while (p > path && !(p[-1] == '/' && ++slashes == 2))
		p--;
	return p;
}

static void write_verdict(FILE *out, const struct run_result *res, size_t i)
{
	const struct verdict *v = &res->verdicts[i];
	char where[64];

	fprintf(out, "<tr id=\"verdict-%zu\"%s><td>", i + 1, v->passed ? "" : " class=\"failed\"");
	html_outcome(out, v->passed);
	fputs("</td><td>", out);
	xml_text(out, v->text);
	fputs("</td><td>", out);
	xml_text(out, v->detail);
	if (!v->passed) {
		evidence(res, v, where, sizeof(where));
		fprintf(out, "<br><a href=\"%s\">evidence: %s</a>", where,
			!strcmp(where, "#events") ? "the socket events" :
			!strcmp(where, "#captures") ? "the captures and the programs' stderr" :
			"the flows it counts");
	}
	fputs("</td><td class=\"mono\">", out);
	if (v->line) {
		fputs("<span title=\"", out);
		xml_text(out, res->lab->file);
		fputs("\">", out);
		xml_text(out, short_path(res->lab->file));
		fprintf(out, ":%d</span>: ", v->line);
	} else {
		fputs("portlab's own check: ", out);
	}
	xml_text(out, v->check);
	fputs("</td></tr>\n", out);
}

static void write_verdicts(FILE *out, const struct run_result *res)
{
	size_t passed = 0;

	for (size_t i = 0; i < res->nverdicts; i++)
		passed += res->verdicts[i].passed;
	fputs("<h2 id=\"verdicts\">Verdicts</h2>\n<p class=\"outcome\">", out);
	html_outcome(out, res->passed);
	fprintf(out, " %zu of %zu expectations hold%s</p>\n", passed, res->nverdicts,
		res->interrupted ? " (interrupted)" : "");
	fputs("<table>\n<tr><th>result</th><th>expectation</th><th>what was seen</th>"
	      "<th>check</th></tr>\n", out);
	for (size_t i = 0; i < res->nverdicts; i++)
		write_verdict(out, res, i);
	fputs("</table>\n", out);
	for (size_t i = 0; i < res->nproblems; i++) {
		fputs("<p><span class=\"fail\">problem:</span> ", out);
		xml_text(out, res->problems[i]);
		fputs("</p>\n", out);
	}
	for (size_t i = 0; i < res->nnotes; i++) {
		fputs("<p class=\"note\">note: ", out);
		xml_text(out, res->notes[i]);
		fputs("</p>\n", out);
	}
}

/* cell - <td> with TEXT escaped, of class CLASS (or none). */
static void cell(FILE *out, const char *cls, const char *text)
{
	if (cls)
		fprintf(out, "<td class=\"%s\">", cls);
	else
		fputs("<td>", out);
	xml_text(out, text);
	fputs("</td>", out);
}

static void write_event(FILE *out, const struct record *r, double t0)
{
	char res[64], more[512], t[32];
	bool failed = !strcmp(record_text(r, "ok"), "false");

	report_event_result(r, res, sizeof(res));
	report_event_detail(r, more, sizeof(more));
	fprintf(out, "<tr%s>", failed ? " class=\"failed\"" : "");
	snprintf(t, sizeof(t), "%.6f", record_get(r, "t") ? atof(record_get(r, "t")) - t0 : 0.0);
	cell(out, "num mono", t);
	cell(out, NULL, record_text(r, "role"));
	cell(out, NULL, record_text(r, "host"));
	cell(out, "mono", record_text(r, "call"));
	fputs(failed ? "<td class=\"fail\">&#10008; " : "<td class=\"nowrap\">", out);
	xml_text(out, res);
	fputs("</td>", out);
	cell(out, "mono", record_text(r, "local"));
	cell(out, "mono", record_text(r, "remote"));
	cell(out, "mono detail", more);
	fputs("</tr>\n", out);
}

static void write_events(FILE *out, const struct run_result *res)
{
	size_t shown = 0, later = 0;
	double t0 = res->data.nevents ? atof(record_text(&res->data.events[0], "t")) : 0;

	fprintf(out, "<h2 id=\"events\">Socket events</h2>\n<p>%zu event%s, as the programs told "
		"them; time from the first one (result.json has every field).</p>\n", res->data.nevents,
		res->data.nevents == 1 ? "" : "s");
	if (!res->data.nevents)
		return;
	fputs("<table>\n<tr><th>time (s)</th><th>role</th><th>host</th><th>call</th><th>result</th>"
	      "<th>local</th><th>remote</th><th>detail</th></tr>\n", out);
	for (size_t i = 0; i < res->data.nevents; i++) {
		const struct record *r = &res->data.events[i];
		bool lesson = !strcmp(record_text(r, "ok"), "false") || !record_get(r, "ok");
		if (shown < MAX_EVENT_ROWS)
			shown++;
		else if (lesson && later < MAX_LATER_ROWS)
			later++;
		else
			continue;
		write_event(out, r, t0);
	}
	fputs("</table>\n", out);
	if (shown + later < res->data.nevents)
		fprintf(out, "<p class=\"note\">%zu of %zu events shown: the first %d, then failed "
			"calls and notes; result.json has them all.</p>\n", shown + later,
			res->data.nevents, MAX_EVENT_ROWS);
}

static void write_flow_table(FILE *out, const struct run_result *res, size_t c)
{
	static const char *const cols[] = { "proto", "tuple", "conn_state", "history", "orig_pkts",
		"resp_pkts", "orig_bytes", "resp_bytes", "duration", "icmp", NULL };
	/* short headings keep the table on a projector's width; the field names are their titles */
	static const char *const heads[] = { "proto", "tuple", "state", "history", "pkts &rarr;",
		"pkts &larr;", "bytes &rarr;", "bytes &larr;", "seconds", "icmp", NULL };
	const struct run_capture *cap = &res->data.captures[c];
	size_t shown = cap->nflows < MAX_FLOW_ROWS ? cap->nflows : MAX_FLOW_ROWS;

	fprintf(out, "<h3 id=\"flows-%zu\">", c);
	xml_text(out, cap->name);
	fprintf(out, ": %zu flow%s</h3>\n", cap->nflows, cap->nflows == 1 ? "" : "s");
	if (!shown)
		return;
	fputs("<table class=\"flows\">\n<tr>", out);
	for (size_t k = 0; cols[k]; k++)
		fprintf(out, "<th title=\"%s\">%s</th>", cols[k], heads[k]);
	fputs("</tr>\n", out);
	for (size_t i = 0; i < shown; i++) {
		fputs("<tr>", out);
		for (size_t k = 0; cols[k]; k++)
			cell(out, k == 1 ? "mono nowrap" : k >= 4 && k <= 8 ? "num" : NULL,
			     record_text(&cap->flows[i], cols[k]));
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	if (shown < cap->nflows)
		fprintf(out, "<p class=\"note\">%zu more: portlab flows on this capture shows them "
			"all.</p>\n", cap->nflows - shown);
}

/* file_link - a relative link to FILE (a path in the run folder) when it exists. */
static void file_link(FILE *out, const char *file, const char *what)
{
	const char *base = strrchr(file, '/');

	base = base ? base + 1 : file;
	if (access(file, F_OK) != 0)
		return;
	fputs("<li><a href=\"", out);
	xml_text(out, base);
	fputs("\">", out);
	xml_text(out, base);
	fputs("</a> ", out);
	xml_text(out, what);
	fputs("</li>\n", out);
}

static void write_captures(FILE *out, const struct run_result *res)
{
	char *result = xasprintf("%s/result.json", res->dir);

	fputs("<h2 id=\"captures\">Captures and files</h2>\n<ul>\n", out);
	if (res->pcapng)
		file_link(out, res->pcapng, "(every interface in one file: open it in Wireshark)");
	for (size_t i = 0; i < res->data.ncaptures; i++) {
		const struct capture_end *c = &res->captures[i];
		char *what = xasprintf("(%s: %llu packets, %llu dropped%s)", c->name,
				       (unsigned long long)c->packets, (unsigned long long)c->dropped,
				       c->read_status ? ", damaged" : "");
		file_link(out, res->captures[i].file, what);
		free(what);
	}
	file_link(out, result, "(the whole run, for programs)");
	for (size_t i = 0; i < res->nprograms; i++) {
		char *what = xasprintf("(what %s wrote to stderr)", res->programs[i].role);
		if (res->programs[i].stderr_file)
			file_link(out, res->programs[i].stderr_file, what);
		free(what);
	}
	fputs("</ul>\n", out);
	free(result);
}

static void write_top(FILE *out, const struct run_result *res)
{
	const struct lab *lab = res->lab;

	fputs("<h1>", out);
	xml_text(out, lab->title ? lab->title : lab->name);
	fputs("</h1>\n<p>lab <b>", out);
	xml_text(out, lab->name);
	fputs("</b>, run <span class=\"mono\">", out);
	xml_text(out, res->run_id);
	fputs("</span>, started ", out);
	xml_text(out, res->started);
	fputs(" &mdash; ", out);
	html_outcome(out, res->passed);
	fputs("</p>\n", out);
	if (lab->about) {
		fputs("<p class=\"about\">", out);
		xml_text(out, lab->about);
		fputs("</p>\n", out);
	}
}

static void write_page(FILE *out, const struct run_result *res)
{
	char *title = xasprintf("portlab: %s (%s)", res->lab->name, res->passed ? "PASS" : "FAIL");

	html_head(out, title);
	free(title);
	write_top(out, res);
	write_verdicts(out, res);
	fputs("<h2 id=\"topology\">Topology</h2>\n", out);
	html_topology(out, res->lab);
	write_events(out, res);
	fputs("<h2 id=\"flows\">Connections on the wire, per interface</h2>\n", out);
	for (size_t c = 0; c < res->data.ncaptures; c++)
		write_flow_table(out, res, c);
	html_ladders(out, res);
	write_captures(out, res);
	fputs("</body>\n</html>\n", out);
}

int report_html(const struct run_result *res, const char *path)
{
	FILE *out = fopen(path, "w");

	if (!out) {
		pl_warn_errno("%s", path);
		return -1;
	}
	write_page(out, res);
	if (fclose(out) != 0) {
		pl_warn_errno("write %s", path);
		return -1;
	}
	return 0;
}

int report_html_folder(const struct run_result *res)
{
	char *path = xasprintf("%s/report.html", res->dir);
	int rc = report_html(res, path);

	free(path);
	return rc;
}
