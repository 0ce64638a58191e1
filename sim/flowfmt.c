/*
 * flowfmt.c - flows as text for people: addresses, tuples, and the one flow
 * table that `portlab flows` and a run's report print (see flows.h).
 */
#include "flows.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "flowfields.h"
#include "json.h"
#include "record.h"

const char *pl_addr_str(const struct pl_addr *a, char *buf, size_t len)
{
	if (!len)
		return buf;
	if (a->family == AF_INET && len >= INET_ADDRSTRLEN) { /* inet_ntop's sprintf is slow */
		char *p = buf;
		for (int i = 0; i < 4; i++) {
			format_count(p, 4, a->a[i]);
			p += strlen(p);
			*p++ = i < 3 ? '.' : '\0';
		}
		return buf;
	}
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* put - append S to OUT at *AT, within LEN bytes (always terminated). */
static void put(char *out, size_t len, size_t *at, const char *s)
{
	size_t n = strlen(s);

	if (*at + n >= len)
		n = *at + 1 < len ? len - 1 - *at : 0;
	memcpy(out + *at, s, n);
	*at += n;
	out[*at] = '\0';
}

/* endpoint_str - "addr:port", or "[addr]:port" for IPv6, into BUF. */
static const char *endpoint_str(const struct pl_addr *a, unsigned port, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN], num[8];
	size_t at = 0;

	pl_addr_str(a, ab, sizeof(ab));
	format_count(num, sizeof(num), port);
	buf[0] = '\0';
	put(buf, len, &at, a->family == AF_INET6 ? "[" : "");
	put(buf, len, &at, ab);
	put(buf, len, &at, a->family == AF_INET6 ? "]:" : ":");
	put(buf, len, &at, num);
	return buf;
}

const char *flow_tuple_str(const struct flow *f, char *buf, size_t len)
{
	char o[INET6_ADDRSTRLEN + 8], r[INET6_ADDRSTRLEN + 8];
	size_t at = 0;

	endpoint_str(&f->orig_h, f->orig_p, o, sizeof(o));
	endpoint_str(&f->resp_h, f->resp_p, r, sizeof(r));
	buf[0] = '\0';
	put(buf, len, &at, o);
	put(buf, len, &at, " -> ");
	put(buf, len, &at, r);
	return buf;
}

const char *flow_proto_str(const struct flow *f)
{
	switch (f->proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmp6";
	default:
		return "ip";
	}
}

/*
 * The table's columns, each made of one or two flow fields (flowfields.c),
 * so that `portlab flows` and a run's report print the same table, from a
 * flow table or from flow records alike.
 */
enum cell { CELL_TEXT, CELL_ENDPOINT, CELL_PAIR };

static const struct column {
	const char *title;
	const char *a, *b;  /* the fields it shows */
	enum cell how;      /* a; a as an endpoint with port b; a/b (orig/resp) */
	bool right;         /* numbers are right-aligned, text left-aligned */
} columns[] = {
	{ "PROTO", "proto", NULL, CELL_TEXT, false },
	{ "ORIG", "id.orig_h", "id.orig_p", CELL_ENDPOINT, false },
	{ "RESP", "id.resp_h", "id.resp_p", CELL_ENDPOINT, false },
	{ "STATE", "conn_state", NULL, CELL_TEXT, false },
	{ "HISTORY", "history", NULL, CELL_TEXT, false },
	{ "PKTS", "orig_pkts", "resp_pkts", CELL_PAIR, true },
	{ "BYTES", "orig_bytes", "resp_bytes", CELL_PAIR, true },
	{ "ICMP", "icmp", NULL, CELL_TEXT, false },
};

#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/* The longest value ("[v6 address]:port"), and the longest cell, made of two. */
#define CELL_MAX (INET6_ADDRSTRLEN + 16)
#define TEXT_MAX (2 * CELL_MAX + 8)

/* Rows to print: the flows of a table, or flow records. */
struct rows {
	const struct flow_table *table;
	const struct record *records;
};

/* value - field NAME (F, found once per table) of row I as text (in BUF when made), or NULL. */
static const char *value(const struct rows *rows, size_t i, const char *name,
			 const struct flow_field *f, char *buf, size_t len)
{
	if (rows->records)
		return record_get(&rows->records[i], name);
	return f && f->format(flow_table_at(rows->table, i), buf, len) ? buf : NULL;
}

/* cell - column C of row I into OUT; F holds the column's two fields. Returns its length. */
static size_t cell(const struct rows *rows, size_t i, const struct column *c,
		 const struct flow_field *const f[2], char *out, size_t len)
{
	char a[CELL_MAX], b[CELL_MAX];
	const char *va = value(rows, i, c->a, f[0], a, sizeof(a));
	const char *vb = c->b ? value(rows, i, c->b, f[1], b, sizeof(b)) : NULL;
	size_t at = 0;
	bool v6 = c->how == CELL_ENDPOINT && va && strchr(va, ':');

	if (!va || !*va)
		va = "-";
	if (!vb)
		vb = "-";
	out[0] = '\0';
	put(out, len, &at, v6 ? "[" : "");
	put(out, len, &at, va);
	if (c->how == CELL_TEXT)
		return at;
	/* an endpoint as addr:port; a pair each way as orig/resp, the order of ORIG and RESP */
	put(out, len, &at, c->how == CELL_ENDPOINT ? (v6 ? "]:" : ":") : "/");
	put(out, len, &at, vb);
	return at;
}

/* print_row - one line of CELLS (of lengths LEN) padded to WIDTH, without trailing blanks. */
static void print_row(FILE *out, const char *indent, const char *const cells[NCOLS],
		      const size_t len[NCOLS], const size_t width[NCOLS])
{
	char line[NCOLS * (TEXT_MAX + 2) + 64]; /* made whole, written at once */
	size_t at = 0;

	fputs(indent, out);
	for (size_t c = 0; c < NCOLS; c++) {
		size_t n = len[c], gap = width[c] > n ? width[c] - n : 0;

		if (columns[c].right) {
			memset(line + at, ' ', gap);
			at += gap;
		}
		memcpy(line + at, cells[c], n);
		at += n;
		if (c == NCOLS - 1)
			break;
		gap = (columns[c].right ? 0 : gap) + 2;
		memset(line + at, ' ', gap);
		at += gap;
	}
	line[at++] = '\n';
	fwrite(line, 1, at, out);
}

/*
 * The widths of a flow table's cells, counted without writing them: the
 * first of print_rows' two passes costs a fraction of the second. They
 * must agree with cell() (test_flow_outputs compares tables).
 */
static size_t digits(unsigned long long v)
{
	size_t n = 1;

	while (v >= 10) {
		v /= 10;
		n++;
	}
	return n;
}

static size_t text_width(const char *s)
{
	return s && *s ? strlen(s) : 1; /* "-" */
}

static size_t endpoint_width(const struct pl_addr *a, unsigned port)
{
	char buf[INET6_ADDRSTRLEN];
	size_t n = 0;

	if (a->family == AF_INET)
		n = 3 + digits(a->a[0]) + digits(a->a[1]) + digits(a->a[2]) + digits(a->a[3]);
	else
		n = strlen(pl_addr_str(a, buf, sizeof(buf))) + (a->family == AF_INET6 ? 2 : 0);
	return n + 1 + digits(port);
}

/* flow_widths - widen WIDTH to the cells of flow F, in the order of columns[]. */
static void flow_widths(const struct flow *f, size_t width[NCOLS])
{
	const size_t w[] = {
		text_width(flow_proto_str(f)),
		endpoint_width(&f->orig_h, f->orig_p),
		endpoint_width(&f->resp_h, f->resp_p),
		text_width(f->conn_state),
		text_width(f->history),
		digits(f->orig_pkts) + 1 + digits(f->resp_pkts),
		digits(f->orig_bytes) + 1 + digits(f->resp_bytes),
		text_width(f->icmp),
	};

	_Static_assert(sizeof(w) / sizeof(w[0]) == NCOLS, "a width for every column");
	for (size_t c = 0; c < NCOLS; c++)
		if (w[c] > width[c])
			width[c] = w[c];
}

/* text_cell - S, or "-" when empty, into OUT; its length. */
static size_t text_cell(char *out, size_t len, const char *s)
{
	size_t at = 0;

	out[0] = '\0';
	put(out, len, &at, s && *s ? s : "-");
	return at;
}

/* endpoint_cell - A:PORT, [A]:PORT for IPv6, into OUT; its length. */
static size_t endpoint_cell(char *out, size_t len, const struct pl_addr *a, unsigned port)
{
	return strlen(endpoint_str(a, port, out, len));
}

/* pair_cell - A/B into OUT; its length. */
static size_t pair_cell(char *out, size_t len, unsigned long long a, unsigned long long b)
{
	char na[24], nb[24];
	size_t at = 0;

	out[0] = '\0';
	format_count(na, sizeof(na), a);
	format_count(nb, sizeof(nb), b);
	put(out, len, &at, na);
	put(out, len, &at, "/");
	put(out, len, &at, nb);
	return at;
}

/*
 * flow_cells - the cells of flow F into TEXT, their lengths into LEN,
 * straight from the flow: what cell() makes of its fields, without looking
 * them up (a big table prints a quarter of a million rows).
 */
static void flow_cells(const struct flow *f, char text[NCOLS][TEXT_MAX], size_t len[NCOLS])
{
	len[0] = text_cell(text[0], TEXT_MAX, flow_proto_str(f));
	len[1] = endpoint_cell(text[1], TEXT_MAX, &f->orig_h, f->orig_p);
	len[2] = endpoint_cell(text[2], TEXT_MAX, &f->resp_h, f->resp_p);
	len[3] = text_cell(text[3], TEXT_MAX, f->conn_state);
	len[4] = text_cell(text[4], TEXT_MAX, f->history);
	len[5] = pair_cell(text[5], TEXT_MAX, f->orig_pkts, f->resp_pkts);
	len[6] = pair_cell(text[6], TEXT_MAX, f->orig_bytes, f->resp_bytes);
	len[7] = text_cell(text[7], TEXT_MAX, f->icmp);
}

/* print_rows - the first SHOWN rows under a header; two passes, widths first, so no row is kept. */
static void print_rows(FILE *out, const struct rows *rows, size_t shown, const char *indent)
{
	char text[NCOLS][TEXT_MAX];
	const char *cells[NCOLS], *titles[NCOLS];
	const struct flow_field *fields[NCOLS][2];
	size_t width[NCOLS], len[NCOLS];

	if (!shown)
		return;
	for (size_t c = 0; c < NCOLS; c++) {
		width[c] = len[c] = strlen(columns[c].title);
		titles[c] = columns[c].title;
		cells[c] = text[c];
		fields[c][0] = flow_field_find(columns[c].a);
		fields[c][1] = columns[c].b ? flow_field_find(columns[c].b) : NULL;
	}
	for (size_t i = 0; i < shown; i++) {
		if (rows->table) {
			flow_widths(flow_table_at(rows->table, i), width);
			continue;
		}
		for (size_t c = 0; c < NCOLS; c++) {
			size_t n = cell(rows, i, &columns[c], fields[c], text[c], sizeof(text[c]));
			if (n > width[c])
				width[c] = n;
		}
	}
	print_row(out, indent, titles, len, width);
	for (size_t i = 0; i < shown; i++) {
		if (rows->table)
			flow_cells(flow_table_at(rows->table, i), text, len);
		else
			for (size_t c = 0; c < NCOLS; c++)
				len[c] = cell(rows, i, &columns[c], fields[c], text[c], sizeof(text[c]));
		print_row(out, indent, cells, len, width);
	}
}

void flows_print_records(FILE *out, const struct record *flows, size_t shown, const char *indent)
{
	const struct rows rows = { .records = flows };

	print_rows(out, &rows, shown, indent);
}

/* plural - "s" unless N is one. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

void flows_print_table(FILE *out, const struct flow_table *ft, const char *title)
{
	const struct decode_stats *st = flow_table_stats(ft);
	const struct rows rows = { .table = ft };
	size_t n = flow_table_size(ft);

	if (title)
		fprintf(out, "%s\n", title);
	print_rows(out, &rows, n, "");
	fprintf(out, "%zu flow%s, %" PRIu64 " packet%s, %" PRIu64 " too short to decode, %" PRIu64 " malformed\n",
		n, plural(n), st->packets, plural(st->packets), st->truncated, st->malformed);
}
