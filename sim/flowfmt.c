/*
 * flowfmt.c - flows as text for people and as JSON for programs (see flows.h).
 */
#include "flows.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "json.h"

const char *pl_addr_str(const struct pl_addr *a, char *buf, size_t len)
{
	if (!len)
		return buf;
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* endpoint_str - "addr:port", or "[addr]:port" for IPv6, into BUF. */
static const char *endpoint_str(const struct pl_addr *a, unsigned port, char *buf, size_t len)
{
	char ab[INET6_ADDRSTRLEN];

	pl_addr_str(a, ab, sizeof(ab));
	if (a->family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ab, port);
	else
		snprintf(buf, len, "%s:%u", ab, port);
	return buf;
}

const char *flow_tuple_str(const struct flow *f, char *buf, size_t len)
{
	char o[INET6_ADDRSTRLEN + 8], r[INET6_ADDRSTRLEN + 8];

	endpoint_str(&f->orig_h, f->orig_p, o, sizeof(o));
	endpoint_str(&f->resp_h, f->resp_p, r, sizeof(r));
	snprintf(buf, len, "%s -> %s", o, r);
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

/* The table's columns; numbers are right-aligned, text left-aligned. */
enum { C_PROTO, C_ORIG, C_RESP, C_STATE, C_HIST, C_PKTS, C_BYTES, C_ICMP, NCOLS };

static const char *const col_name[NCOLS] = {
	"PROTO", "ORIG", "RESP", "STATE", "HISTORY", "PKTS", "BYTES", "ICMP",
};

/* One row as text; every cell fits: the widest is "[v6 address]:port". */
struct row {
	char cell[NCOLS][INET6_ADDRSTRLEN + 16];
};

/* row_of - the cells of flow F's row. */
static void row_of(const struct flow *f, struct row *r)
{
	const size_t n = sizeof(r->cell[0]);

	snprintf(r->cell[C_PROTO], n, "%s", flow_proto_str(f));
	endpoint_str(&f->orig_h, f->orig_p, r->cell[C_ORIG], n);
	endpoint_str(&f->resp_h, f->resp_p, r->cell[C_RESP], n);
	snprintf(r->cell[C_STATE], n, "%s", f->conn_state ? f->conn_state : "-");
	snprintf(r->cell[C_HIST], n, "%s", f->history[0] ? f->history : "-");
	/* each way as orig/resp, the order of the ORIG and RESP columns */
	snprintf(r->cell[C_PKTS], n, "%" PRIu64 "/%" PRIu64, f->orig_pkts, f->resp_pkts);
	snprintf(r->cell[C_BYTES], n, "%" PRIu64 "/%" PRIu64, f->orig_bytes, f->resp_bytes);
	snprintf(r->cell[C_ICMP], n, "%s", f->icmp ? f->icmp : "-");
}

/* print_row - one line of CELL padded to WIDTH, without trailing blanks. */
static void print_row(FILE *out, const char *const cell[NCOLS], const size_t width[NCOLS])
{
	for (int c = 0; c < NCOLS; c++) {
		int w = (int)width[c];

		if (c == NCOLS - 1)
			fprintf(out, "%s\n", cell[c]);
		else if (c == C_PKTS || c == C_BYTES)
			fprintf(out, "%*s  ", w, cell[c]);
		else
			fprintf(out, "%-*s  ", w, cell[c]);
	}
}

/* plural - "s" unless N is one. */
static const char *plural(uint64_t n)
{
	return n == 1 ? "" : "s";
}

void flows_print_table(FILE *out, const struct flow_table *ft, const char *title)
{
	const struct decode_stats *st = flow_table_stats(ft);
	size_t n = flow_table_size(ft), width[NCOLS];
	const char *cells[NCOLS];
	struct row r;

	if (title)
		fprintf(out, "%s\n", title);
	/* two passes, widths first, so that no row is kept in memory */
	for (int c = 0; c < NCOLS; c++)
		width[c] = strlen(col_name[c]);
	for (size_t i = 0; i < n; i++) {
		row_of(flow_table_at(ft, i), &r);
		for (int c = 0; c < NCOLS; c++)
			if (strlen(r.cell[c]) > width[c])
				width[c] = strlen(r.cell[c]);
	}
	if (n)
		print_row(out, col_name, width);
	for (int c = 0; c < NCOLS; c++)
		cells[c] = r.cell[c];
	for (size_t i = 0; i < n; i++) {
		row_of(flow_table_at(ft, i), &r);
		print_row(out, cells, width);
	}
	fprintf(out, "%zu flow%s, %" PRIu64 " packet%s, %" PRIu64 " too short to decode, %" PRIu64 " malformed\n",
		n, plural(n), st->packets, plural(st->packets), st->truncated, st->malformed);
}
