/*
 * report_html_topo.c - a lab's topology as inline SVG, drawn by portlab:
 * hosts as boxes in one row (in the order a walk along the links meets
 * them, so a chain laptop - router - server reads left to right), each with
 * its interfaces and addresses; a link is a curve under the row between
 * its two interfaces, a segment a bar under the links with a drop to each
 * interface on it.
 */
#include "report_html_int.h"

#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "report.h"
#include "util.h"

#define TOP 20
#define GAP 60
#define LINE 22           /* one line of text in a box */
#define CHAR_W 10         /* a character of 16px monospace, rounded up */

struct topo {
	const struct lab *lab;
	size_t *order;        /* hosts in drawing order */
	size_t *slot;         /* host -> its place in the row */
	int boxw, bottom;     /* box width, the lowest box's bottom */
	int namew;            /* the interface names' column */
};

/* host_lines - how many lines host H's box holds: its name, then each address (or bare interface). */
static int host_lines(const struct lab_host *h)
{
	int n = 1;

	for (size_t i = 0; i < h->nifaces; i++)
		n += h->ifaces[i].naddrs ? (int)h->ifaces[i].naddrs : 1;
	return n;
}

/* neighbours_first - T's order: a breadth-first walk from the first host along links and segments. */
static void neighbours_first(struct topo *t)
{
	const struct lab *lab = t->lab;
	size_t n = 0;
	bool *seen = xcalloc(lab->nhosts + 1, sizeof(bool));

	for (size_t start = 0; start < lab->nhosts; start++) {
		if (seen[start])
			continue;
		seen[start] = true;
		t->order[n++] = start;
		for (size_t at = n - 1; at < n; at++) {
			size_t h = t->order[at];
			for (size_t l = 0; l < lab->nlinks; l++) {
				const struct lab_link *k = &lab->links[l];
				size_t other = k->a.host == h ? k->b.host : k->b.host == h ? k->a.host : h;
				if (!seen[other])
					seen[other] = true, t->order[n++] = other;
			}
			for (size_t s = 0; s < lab->nsegments; s++) {
				const struct lab_segment *g = &lab->segments[s];
				bool on = false;
				for (size_t p = 0; p < g->nports; p++)
					on |= g->ports[p].host == h;
				for (size_t p = 0; on && p < g->nports; p++)
					if (!seen[g->ports[p].host])
						seen[g->ports[p].host] = true, t->order[n++] = g->ports[p].host;
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		t->slot[t->order[i]] = i;
	free(seen);
}

static int box_x(const struct topo *t, size_t host)
{
	return 20 + (int)t->slot[host] * (t->boxw + GAP);
}

static int box_bottom(const struct topo *t, size_t host)
{
	return TOP + host_lines(&t->lab->hosts[host]) * LINE + 14;
}

/* port_x, port_y - where interface P leaves its host's box (its bottom edge). */
static int port_x(const struct topo *t, struct lab_port p)
{
	size_t n = t->lab->hosts[p.host].nifaces;

	return box_x(t, p.host) + (int)(p.iface + 1) * t->boxw / (int)(n + 1);
}

static void text(FILE *out, int x, int y, const char *attrs, const char *s)
{
	fprintf(out, "<text x=\"%d\" y=\"%d\"%s>", x, y, attrs);
	xml_text(out, s);
	fputs("</text>\n", out);
}

static void draw_host(FILE *out, const struct topo *t, size_t h)
{
	const struct lab_host *host = &t->lab->hosts[h];
	int x = box_x(t, h), y = TOP + LINE;

	fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"#eef4fa\" "
		"stroke=\"#0050a0\" stroke-width=\"2\"/>\n", x, TOP, t->boxw, box_bottom(t, h) - TOP);
	text(out, x + 10, y, " font-weight=\"bold\" font-size=\"18\"", host->name);
	if (host->forward)
		text(out, x + t->boxw - 10, y, " text-anchor=\"end\" fill=\"#555\"", "forwards");
	for (size_t i = 0; i < host->nifaces; i++) {
		const struct lab_iface *f = &host->ifaces[i];
		for (size_t a = 0; a < (f->naddrs ? f->naddrs : 1); a++) {
			y += LINE;
			if (!a)
				text(out, x + 10, y, " font-weight=\"bold\"", f->name);
			if (f->naddrs)
				text(out, x + 10 + t->namew, y, "", f->addrs[a]);
		}
		struct lab_port p = { h, i };
		fprintf(out, "<circle cx=\"%d\" cy=\"%d\" r=\"5\" fill=\"#0050a0\"/>\n", port_x(t, p),
			box_bottom(t, h));
		text(out, port_x(t, p) + 6, box_bottom(t, h) + 18, " font-size=\"14\"", f->name);
	}
}

/* draw_links - each link as a curve under the row, deeper the further apart its ends. */
static int draw_links(FILE *out, const struct topo *t)
{
	int deepest = t->bottom;

	for (size_t l = 0; l < t->lab->nlinks; l++) {
		const struct lab_link *k = &t->lab->links[l];
		int ax = port_x(t, k->a), ay = box_bottom(t, k->a.host);
		int bx = port_x(t, k->b), by = box_bottom(t, k->b.host);
		int d = t->bottom - (ay < by ? ay : by) + 40 + abs(ax - bx) / 12;
		int low = (ay > by ? ay : by) + d * 3 / 4; /* the curve reaches 3/4 of its control points */

		fprintf(out, "<path d=\"M%d,%d C%d,%d %d,%d %d,%d\" fill=\"none\" stroke=\"#333\" "
			"stroke-width=\"3\"/>\n", ax, ay, ax, ay + d, bx, by + d, bx, by);
		if (low > deepest)
			deepest = low;
	}
	return deepest;
}

/* draw_segments - each segment as a bar under the links, with a drop to each interface on it. */
static int draw_segments(FILE *out, const struct topo *t, int y)
{
	for (size_t s = 0; s < t->lab->nsegments; s++) {
		const struct lab_segment *g = &t->lab->segments[s];
		int bar = y + 40 + (int)s * 50, lo = 1 << 30, hi = 0;

		for (size_t p = 0; p < g->nports; p++) {
			int x = port_x(t, g->ports[p]);
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
			fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\" "
				"stroke-width=\"3\"/>\n", x, box_bottom(t, g->ports[p].host), x, bar);
		}
		fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\" "
			"stroke-width=\"8\"/>\n", lo - 20, bar, hi + 20, bar);
		char *label = xasprintf("segment %s", g->name);
		text(out, lo - 20, bar + 26, " font-style=\"italic\"", label);
		free(label);
	}
	return y + (t->lab->nsegments ? 40 + (int)t->lab->nsegments * 50 : 0);
}

/* name_width - the widest interface name and a blank, in pixels. */
static int name_width(const struct lab *lab)
{
	size_t chars = 4;

	for (size_t h = 0; h < lab->nhosts; h++)
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
			if (strlen(lab->hosts[h].ifaces[i].name) > chars)
				chars = strlen(lab->hosts[h].ifaces[i].name);
	return (int)(chars + 1) * CHAR_W;
}

/* box_width - wide enough for the longest "iface  address" line and the host name. */
static int box_width(const struct lab *lab)
{
	size_t chars = 16;

	for (size_t h = 0; h < lab->nhosts; h++) {
		const struct lab_host *host = &lab->hosts[h];
		chars = strlen(host->name) + 10 > chars ? strlen(host->name) + 10 : chars;
		for (size_t i = 0; i < host->nifaces; i++)
			for (size_t a = 0; a < host->ifaces[i].naddrs; a++)
				if (strlen(host->ifaces[i].addrs[a]) > chars)
					chars = strlen(host->ifaces[i].addrs[a]);
	}
	return (int)chars * CHAR_W + name_width(lab) + 20;
}

void html_topology(FILE *out, const struct lab *lab)
{
	struct topo t = { .lab = lab, .order = xcalloc(lab->nhosts + 1, sizeof(size_t)),
			  .slot = xcalloc(lab->nhosts + 1, sizeof(size_t)), .boxw = box_width(lab),
			  .namew = name_width(lab) };
	int width = 40 + (int)lab->nhosts * (t.boxw + GAP), height;
	char *body = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&body, &len);

	neighbours_first(&t);
	for (size_t h = 0; h < lab->nhosts; h++)
		if (box_bottom(&t, h) > t.bottom)
			t.bottom = box_bottom(&t, h);
	if (!mem) {
		pl_warn_errno("drawing the topology");
		free(t.order);
		free(t.slot);
		return;
	}
	for (size_t h = 0; h < lab->nhosts; h++)
		draw_host(mem, &t, h);
	height = draw_segments(mem, &t, draw_links(mem, &t) + 10) + 30;
	fclose(mem);
	/* drawn 1.6 times larger than its coordinates: a projector's back row reads it */
	fprintf(out, "<svg class=\"topology\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"16\" "
		"role=\"img\" aria-label=\"the lab's topology\">\n%s</svg>\n", width * 8 / 5,
		height * 8 / 5, width, height, body ? body : "");
	free(body);
	free(t.order);
	free(t.slot);
}
