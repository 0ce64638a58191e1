/*
 * ladderdraw.c - a connection's ladder as text and as SVG (see ladder.h).
 *
 * Both drawings are the same picture: one column per vantage point, time
 * going down, one row per packet (an arrow from the first to the last
 * vantage point that saw it, a mark at each one that did) or per socket
 * call (a mark in its host's column), rows in time order.
 */
#include "ladder.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"

/* flags_str - "SYN,ACK", "PSH,ACK", "FIN,ACK", "RST". */
static const char *flags_str(uint8_t fl, char *buf, size_t len)
{
	static const struct { uint8_t bit; const char *name; } names[] = {
		{ TH_SYN, "SYN" }, { TH_FIN, "FIN" }, { TH_RST, "RST" }, { TH_PSH, "PSH" }, { TH_ACK, "ACK" },
	};
	size_t at = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fl & names[i].bit)
			at += (size_t)snprintf(buf + at, len - at, "%s%s", at ? "," : "", names[i].name);
	if (!at)
		snprintf(buf, len, "none");
	return buf;
}

/* arrow_label - what arrow A of connection C was: "SYN seq=0 len=0", "ICMP port-unreachable". */
static const char *arrow_label(const struct ladder_conn *c, const struct arrow *a, char *buf, size_t len)
{
	char fl[40];
	size_t at;

	if (a->kind == ARROW_ICMP_ERROR)
		at = (size_t)snprintf(buf, len, "ICMP %s", a->icmp ? a->icmp : "error");
	else if (a->has_seq && (a->flags & TH_ACK))
		at = (size_t)snprintf(buf, len, "%s seq=%" PRIu32 " ack=%" PRIu32 " len=%" PRIu32,
				      flags_str(a->flags, fl, sizeof(fl)), a->seq, a->ack, a->len);
	else if (a->has_seq)
		at = (size_t)snprintf(buf, len, "%s seq=%" PRIu32 " len=%" PRIu32,
				      flags_str(a->flags, fl, sizeof(fl)), a->seq, a->len);
	else
		at = (size_t)snprintf(buf, len, "%s len=%" PRIu32, flow_proto_str(&c->id), a->len);
	if (at < len && a->first != a->last)
		at += (size_t)snprintf(buf + at, len - at, "  +%.0f us", (a->t1 - a->t0) * 1e6);
	/* a packet that stops short of the far end was lost (or answered) on the way */
	int end = a->from_orig ? (int)c->ncols - 1 : 0;
	if (at < len && a->kind == ARROW_PACKET && a->last != end)
		snprintf(buf + at, len - at, "  (not seen after %s)", c->col_name[a->last]);
	return buf;
}

/*
 * next_row - in the merge of C's arrows and events by time, whether the
 * next row is an arrow (*AI) or an event (*EI); false when none is left.
 */
static bool next_row(const struct ladder_conn *c, size_t ai, size_t ei, bool *is_arrow)
{
	if (ai >= c->narrows && ei >= c->nevents)
		return false;
	*is_arrow = ei >= c->nevents || (ai < c->narrows && c->arrows[ai].t0 <= c->events[ei].t);
	return true;
}

/* ---- text ---- */

struct grid {
	size_t w, margin, width;   /* column width, side margin, whole width */
};

static size_t col_x(const struct grid *g, int col)
{
	return g->margin + (size_t)col * g->w;
}

/* text_arrow - arrow A drawn into LINE. */
static void text_arrow(const struct grid *g, const struct arrow *a, char *line)
{
	size_t x0 = col_x(g, a->first), x1 = col_x(g, a->last);
	size_t lo = x0 < x1 ? x0 : x1, hi = x0 < x1 ? x1 : x0;

	if (lo == hi) {   /* seen at one place only: a stub pointing the way it went */
		lo = a->from_orig ? lo : lo - (g->margin - 1);
		hi = a->from_orig ? hi + (g->margin - 1) : hi;
	}
	for (size_t x = lo; x <= hi; x++)
		line[x] = '-';
	for (int k = 0; k < LADDER_MAX_VANTAGE; k++)
		if (a->seen >> k & 1)
			line[col_x(g, k)] = 'o';
	if (a->from_orig)
		line[hi - (x0 == x1 ? 0 : 1)] = '>';
	else
		line[lo + (x0 == x1 ? 0 : 1)] = '<';
}

/* text_row - one row: the time, the lifelines with arrow A or event E on them, the label. */
static void text_row(FILE *out, const struct ladder_conn *c, const struct grid *g,
		     const struct arrow *a, const struct lad_event *e)
{
	char line[g->width + 1], label[200];
	double t = a ? a->t0 : e->t;

	memset(line, ' ', g->width);
	line[g->width] = '\0';
	for (size_t k = 0; k < c->ncols; k++)
		line[col_x(g, (int)k)] = '|';
	if (a) {
		text_arrow(g, a, line);
		arrow_label(c, a, label, sizeof(label));
	} else {
		line[col_x(g, e->col)] = '#';
		snprintf(label, sizeof(label), "[%s] %s", c->col_name[e->col], e->text);
	}
	fprintf(out, "%10.6f  %s  %s\n", t - c->t0, line, label);
}

/* time_str - T as "2026-11-30 20:22:51.887601 UTC". */
static const char *time_str(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;
	size_t n;

	if (!gmtime_r(&s, &tm) || !(n = strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm)))
		snprintf(buf, len, "%.6f", t);
	else
		snprintf(buf + n, len - n, ".%06ld UTC", (long)((t - (double)s) * 1e6));
	return buf;
}

void ladder_print(FILE *out, const struct ladder_conn *c)
{
	struct grid g = { 14, 0, 0 };
	char tuple[200], when[64];
	size_t ai = 0, ei = 0;
	bool is_arrow;

	for (size_t k = 0; k < c->ncols; k++)
		if (strlen(c->col_name[k]) + 4 > g.w)
			g.w = strlen(c->col_name[k]) + 4;
	g.margin = g.w / 2;
	g.width = 2 * g.margin + (c->ncols - 1) * g.w + 1;
	fprintf(out, "connection %zu: %s %s\n", c->number, flow_proto_str(&c->id),
		flow_tuple_str(&c->id, tuple, sizeof(tuple)));
	fprintf(out, "  seen at %zu vantage point%s, %zu packet%s; time 0 is %s\n\n", c->ncols,
		c->ncols == 1 ? "" : "s", c->narrows, c->narrows == 1 ? "" : "s",
		time_str(c->t0, when, sizeof(when)));
	/* the heading: each name centred on its column */
	char head[g.width + 64];
	memset(head, ' ', sizeof(head));
	for (size_t k = 0; k < c->ncols; k++) {
		size_t n = strlen(c->col_name[k]), x = col_x(&g, (int)k) - n / 2;
		memcpy(head + x, c->col_name[k], n);
	}
	head[g.width] = '\0';
	fprintf(out, "%10s  %s\n", "TIME (s)", head);
	while (next_row(c, ai, ei, &is_arrow))
		text_row(out, c, &g, is_arrow ? &c->arrows[ai++] : NULL, is_arrow ? NULL : &c->events[ei++]);
}

/* ---- SVG ---- */

/* xml_text - S with &, <, > and " escaped. */
static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out); break;
		}
	}
}

#define SVG_ROW 22
#define SVG_HEAD 70
#define SVG_LEFT 90
#define SVG_LABEL 360

/* svg_colw - the column width that fits C's names. */
static int svg_colw(const struct ladder_conn *c)
{
	int w = 150;

	for (size_t k = 0; k < c->ncols; k++)
		if ((int)strlen(c->col_name[k]) * 8 + 30 > w)
			w = (int)strlen(c->col_name[k]) * 8 + 30;
	return w;
}

static int svg_x(const struct ladder_conn *c, int col)
{
	return SVG_LEFT + svg_colw(c) / 2 + col * svg_colw(c);
}

/* svg_arrow - arrow A at height Y, its head the marker "head-MARK". */
static void svg_arrow(FILE *out, const struct ladder_conn *c, const struct arrow *a, int y, size_t mark)
{
	int x0 = svg_x(c, a->first), x1 = svg_x(c, a->last), half = svg_colw(c) / 2 - 8;
	char label[200];

	if (x0 == x1)
		x1 += a->from_orig ? half : -half;
	else
		x1 += x1 > x0 ? -5 : 5;   /* the head stops at the last dot, not over it */
	fprintf(out, "<line class=\"packet%s\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" "
		"marker-end=\"url(#head-%zu)\"/>\n", a->kind == ARROW_ICMP_ERROR ? " icmp" : "",
		x0, y, x1, y, mark);
	for (int k = 0; k < LADDER_MAX_VANTAGE; k++)
		if (a->seen >> k & 1)
			fprintf(out, "<circle class=\"seen\" cx=\"%d\" cy=\"%d\" r=\"4\"/>\n", svg_x(c, k), y);
	fprintf(out, "<text class=\"label\" x=\"%d\" y=\"%d\">", svg_x(c, (int)c->ncols - 1) +
		svg_colw(c) / 2 + 10, y + 4);
	xml_text(out, arrow_label(c, a, label, sizeof(label)));
	fputs("</text>\n", out);
}

/* svg_conn - connection C, its top at Y, arrows headed by "head-MARK"; returns the height it took. */
static int svg_conn(FILE *out, const struct ladder_conn *c, int y, size_t mark)
{
	char tuple[200];
	size_t ai = 0, ei = 0, row = 0;
	bool is_arrow;
	int bottom = y + SVG_HEAD + (int)(c->narrows + c->nevents) * SVG_ROW;

	fprintf(out, "<g class=\"connection\" id=\"connection-%zu\">\n<text class=\"title\" x=\"10\" y=\"%d\">"
		"connection %zu: %s ", c->number, y + 20, c->number, flow_proto_str(&c->id));
	xml_text(out, flow_tuple_str(&c->id, tuple, sizeof(tuple)));
	fputs("</text>\n", out);
	for (size_t k = 0; k < c->ncols; k++) {
		int x = svg_x(c, (int)k);

		fprintf(out, "<text class=\"col\" x=\"%d\" y=\"%d\">", x, y + 50);
		xml_text(out, c->col_name[k]);
		fprintf(out, "</text>\n<line class=\"life\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n",
			x, y + 58, x, bottom);
	}
	while (next_row(c, ai, ei, &is_arrow)) {
		int ry = y + SVG_HEAD + (int)row++ * SVG_ROW;
		double t = is_arrow ? c->arrows[ai].t0 : c->events[ei].t;

		fprintf(out, "<text class=\"time\" x=\"%d\" y=\"%d\">%.6f</text>\n", SVG_LEFT - 8,
			ry + 4, t - c->t0);
		if (is_arrow) {
			svg_arrow(out, c, &c->arrows[ai++], ry, mark);
			continue;
		}
		const struct lad_event *e = &c->events[ei++];
		fprintf(out, "<rect class=\"event\" x=\"%d\" y=\"%d\" width=\"10\" height=\"10\"/>\n"
			"<text class=\"call\" x=\"%d\" y=\"%d\">", svg_x(c, e->col) - 5, ry - 5,
			svg_x(c, e->col) + 10, ry + 4);
		xml_text(out, e->text);
		fputs("</text>\n", out);
	}
	fputs("</g>\n", out);
	return bottom - y + 30;
}

void ladder_svg(FILE *out, const struct ladder_conn *c, size_t n, const char *title)
{
	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	ladder_svg_element(out, c, n, title);
}

void ladder_svg_element(FILE *out, const struct ladder_conn *c, size_t n, const char *title)
{
	int width = 600, height = 40, y = 40;
	size_t mark = n ? c[0].number : 0;

	for (size_t i = 0; i < n; i++) {
		int w = SVG_LEFT + (int)c[i].ncols * svg_colw(&c[i]) + SVG_LABEL;

		if (w > width)
			width = w;
		height += SVG_HEAD + (int)(c[i].narrows + c[i].nevents) * SVG_ROW + 30;
	}
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"viewBox=\"0 0 %d %d\" font-family=\"monospace\" font-size=\"13\">\n", width, height,
		width, height);
	fputs("<title>", out);
	xml_text(out, title);
	fputs("</title>\n<style>\n"
	      ".title { font-size: 16px; font-weight: bold; }\n"
	      ".col { text-anchor: middle; font-weight: bold; }\n"
	      ".life { stroke: #888; stroke-dasharray: 4 3; }\n"
	      ".packet { stroke: #0072b2; stroke-width: 2; }\n"
	      ".packet.icmp { stroke: #d55e00; stroke-dasharray: 6 3; }\n"
	      ".seen { fill: #0072b2; }\n"
	      ".time { text-anchor: end; fill: #555; }\n"
	      ".event { fill: #009e73; }\n"
	      ".call { fill: #00694c; }\n"
	      "</style>\n", out);
	/* the marker is named after the first connection: several drawings can share one page */
	fprintf(out, "<defs><marker id=\"head-%zu\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
		"markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" "
		"fill=\"#333\"/></marker></defs>\n", mark);
	fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n"
		"<text class=\"title\" x=\"10\" y=\"24\">", width, height);
	xml_text(out, title);
	fputs("</text>\n", out);
	for (size_t i = 0; i < n; i++)
		y += svg_conn(out, &c[i], y, mark);
	fputs("</svg>\n", out);
}
