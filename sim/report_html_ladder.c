/*
 * report_html_ladder.c - report.html's ladders: each connection of the run
 * drawn by the ladder module (ladder.h) from the run folder's captures,
 * with the socket calls of result.json, as inline SVG. Many connections
 * are folded away in <details>; a run too large to draw says how to draw
 * one connection instead.
 */
#include "report_html_int.h"

#include <stdlib.h>
#include <string.h>

#include "jsonread.h"
#include "lab.h"
#include "ladder.h"
#include "report.h"
#include "util.h"

#define MAX_PACKETS 20000   /* beyond this a run is drawn one connection at a time, by hand */
#define MAX_DRAWN 40
#define OPEN_DRAWN 3        /* more than this and each ladder is folded */

/* read_run - RES's captures and socket calls into L; 0, or -1 with ERR saying why. */
static int read_run(struct ladder *l, const struct run_result *res, char *err, size_t errlen)
{
	char *path = xasprintf("%s/result.json", res->dir);
	char jerr[300];
	struct jvalue *v;
	int rc = 0;

	if (res->pcapng) {
		rc = ladder_read(l, res->pcapng, "run", err, errlen);
	} else {
		for (size_t i = 0; i < res->data.ncaptures && rc >= 0; i++)
			rc = ladder_read(l, res->captures[i].file, res->captures[i].name, err, errlen);
	}
	v = rc >= 0 ? jread_file(path, jerr, sizeof(jerr)) : NULL;
	if (v)
		ladder_events(l, jget(v, "events"));
	jfree(v);
	free(path);
	return rc < 0 ? -1 : 0;
}

static void draw(FILE *out, const struct ladder_conn *c, size_t n, const char *name)
{
	char tuple[200], *title;

	for (size_t i = 0; i < n && i < MAX_DRAWN; i++) {
		flow_tuple_str(&c[i].id, tuple, sizeof(tuple));
		title = xasprintf("connection %zu: %s %s", c[i].number, flow_proto_str(&c[i].id), tuple);
		fputs(n > OPEN_DRAWN ? "<details class=\"ladder\"><summary>" : "<h3>", out);
		xml_text(out, title);
		fprintf(out, " (%zu packets)%s\n", c[i].narrows, n > OPEN_DRAWN ? "</summary>" : "</h3>");
		fputs("<div class=\"ladder\">\n", out);
		ladder_svg_element(out, &c[i], 1, name);
		fputs("</div>\n", out);
		if (n > OPEN_DRAWN)
			fputs("</details>\n", out);
		free(title);
	}
	if (n > MAX_DRAWN)
		fprintf(out, "<p class=\"note\">%zu more connections: portlab ladder --flow N on "
			"this run's folder draws any of them.</p>\n", n - MAX_DRAWN);
}

void html_ladders(FILE *out, const struct run_result *res)
{
	struct ladder_select sel = { 0 };
	struct ladder *l;
	const struct ladder_conn *c;
	char err[512];
	size_t n;

	fputs("<h2 id=\"ladders\">Ladders: each connection, packet by packet</h2>\n", out);
	if (!res->data.ncaptures) {
		fputs("<p class=\"note\">This run captured nothing.</p>\n", out);
		return;
	}
	if (res->pcapng_packets > MAX_PACKETS) {
		fprintf(out, "<p class=\"note\">%ld packets are too many to draw here: portlab ladder "
			"--flow N on this run's folder draws one connection.</p>\n", res->pcapng_packets);
		return;
	}
	l = ladder_new(&sel);
	if (read_run(l, res, err, sizeof(err)) < 0) {
		fputs("<p class=\"note\">The captures cannot be drawn: ", out);
		xml_text(out, err);
		fputs("</p>\n", out);
	} else {
		c = ladder_conns(l, &n);
		fprintf(out, "<p>%zu connection%s. Time goes down; a dot marks each interface that saw "
			"the packet; squares are socket calls.</p>\n", n, n == 1 ? "" : "s");
		char *name = xasprintf("lab %s, run %s", res->lab->name, res->run_id);
		draw(out, c, n, name);
		free(name);
	}
	ladder_free(l);
}
