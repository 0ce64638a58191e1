/* flowfields.c - the fields of a flow, named once (see flowfields.h). */
#include "flowfields.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "flows.h"
#include "json.h"
#include "suggest.h"

/* copy_text - S into BUF of LEN bytes, cut to fit. */
static void copy_text(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (!len)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
}

void format_count(char *buf, size_t len, unsigned long long v)
{
	char digits[24];
	size_t n = 0;

	do
		digits[n++] = (char)('0' + v % 10);
	while ((v /= 10) && n < sizeof(digits));
	for (size_t i = 0; i < n && i + 1 < len; i++)
		buf[i] = digits[n - 1 - i];
	if (len)
		buf[n < len ? n : len - 1] = '\0';
}

/*
 * format_seconds - V as "%.6f" would write it. Capture times are whole
 * microseconds (or nanoseconds) since the epoch, so V * 1e6 rounds to the
 * same microsecond printf picks; printf's exact rounding was a tenth of
 * `portlab flows --json`.
 */
static void format_seconds(char *buf, size_t len, double v)
{
	if (v < 0 || v > 9e9) {
		snprintf(buf, len, "%.6f", v);
		return;
	}
	long long us = (long long)(v * 1e6 + 0.5);
	char frac[8];

	format_count(buf, len, (unsigned long long)(us / 1000000));
	format_count(frac, sizeof(frac), (unsigned long long)(us % 1000000 + 1000000));
	frac[0] = '.'; /* "1xxxxxx": the leading 1 keeps the zeros, and becomes the point */
	size_t n = strlen(buf);
	if (n + 7 < len)
		memcpy(buf + n, frac, 8);
}

/*
 * The formatters copy and write digits by hand: a big capture's table
 * prints a quarter of a million rows, and snprintf was most of that time.
 */
#define TEXT(name, expr)                                                          \
	static bool name(const struct flow *f, char *buf, size_t len)             \
	{                                                                         \
		const char *s = (expr);                                           \
		if (!s)                                                           \
			return false;                                             \
		copy_text(buf, len, s);                                           \
		return true;                                                      \
	}
#define COUNT(name, expr)                                                         \
	static bool name(const struct flow *f, char *buf, size_t len)             \
	{                                                                         \
		format_count(buf, len, (expr));                                   \
		return true;                                                      \
	}
#define SECONDS(name, expr)                                                       \
	static bool name(const struct flow *f, char *buf, size_t len)             \
	{                                                                         \
		double v = (expr);                                                \
		if (!isfinite(v))                                                 \
			return false;                                             \
		format_seconds(buf, len, v);                                      \
		return true;                                                      \
	}

SECONDS(f_ts, f->ts)
SECONDS(f_duration, f->last_ts - f->ts)
COUNT(f_orig_p, f->orig_p)
COUNT(f_resp_p, f->resp_p)
COUNT(f_orig_bytes, f->orig_bytes)
COUNT(f_resp_bytes, f->resp_bytes)
COUNT(f_orig_pkts, f->orig_pkts)
COUNT(f_resp_pkts, f->resp_pkts)
COUNT(f_orig_ip_bytes, f->orig_ip_bytes)
COUNT(f_resp_ip_bytes, f->resp_ip_bytes)
COUNT(f_syn_count, f->syn_count)
TEXT(f_proto, flow_proto_str(f))
TEXT(f_conn_state, f->conn_state)
TEXT(f_history, f->history)
TEXT(f_icmp, f->icmp)

static bool f_orig_h(const struct flow *f, char *buf, size_t len)
{
	pl_addr_str(&f->orig_h, buf, len);
	return true;
}

static bool f_resp_h(const struct flow *f, char *buf, size_t len)
{
	pl_addr_str(&f->resp_h, buf, len);
	return true;
}

static bool f_tuple(const struct flow *f, char *buf, size_t len)
{
	flow_tuple_str(f, buf, len);
	return true;
}

const struct flow_field flow_fields[] = {
	{ "ts", FIELD_NUMBER, f_ts, "time of the first packet, seconds since the epoch" },
	{ "proto", FIELD_STRING, f_proto, "tcp, udp, icmp or icmp6" },
	{ "id.orig_h", FIELD_STRING, f_orig_h, "address of the side that opened the flow" },
	{ "id.orig_p", FIELD_NUMBER, f_orig_p, "its port (ICMP: type)" },
	{ "id.resp_h", FIELD_STRING, f_resp_h, "address of the side that answered" },
	{ "id.resp_p", FIELD_NUMBER, f_resp_p, "its port (ICMP: code)" },
	{ "conn_state", FIELD_STRING, f_conn_state, "zeek's conn_state: SF, REJ, S0, ..." },
	{ "history", FIELD_STRING, f_history, "zeek's history letters, e.g. ShADadFf" },
	{ "orig_pkts", FIELD_NUMBER, f_orig_pkts, "packets sent by orig" },
	{ "resp_pkts", FIELD_NUMBER, f_resp_pkts, "packets sent by resp" },
	{ "orig_bytes", FIELD_NUMBER, f_orig_bytes, "payload bytes sent by orig" },
	{ "resp_bytes", FIELD_NUMBER, f_resp_bytes, "payload bytes sent by resp" },
	{ "orig_ip_bytes", FIELD_NUMBER, f_orig_ip_bytes, "IP bytes sent by orig" },
	{ "resp_ip_bytes", FIELD_NUMBER, f_resp_ip_bytes, "IP bytes sent by resp" },
	{ "syn_count", FIELD_NUMBER, f_syn_count, "SYNs sent by orig: 1 + retransmissions" },
	{ "icmp", FIELD_STRING, f_icmp, "the ICMP error that answered the flow, or null" },
	{ "duration", FIELD_NUMBER, f_duration, "seconds from the first packet to the last" },
	{ "tuple", FIELD_STRING, f_tuple, "orig_addr:port -> resp_addr:port" },
	{ NULL, FIELD_NULL, NULL, NULL },
};

const char *flow_field_suggest(const char *word)
{
	struct suggester s;

	suggest_begin(&s, word);
	for (const struct flow_field *ff = flow_fields; ff->name; ff++)
		suggest_try(&s, ff->name);
	return s.found;
}

const struct flow_field *flow_field_find(const char *name)
{
	for (const struct flow_field *ff = flow_fields; ff->name; ff++)
		if (!strcmp(ff->name, name))
			return ff;
	return NULL;
}

/* The longest value: a tuple of two "[v6 address]:port". */
#define VALUE_MAX 160

void flow_record(struct record *r, const struct flow *f)
{
	char buf[VALUE_MAX];
	size_t n = 0;

	for (const struct flow_field *ff = flow_fields; ff->name; ff++)
		n++;
	record_reserve(r, n, 256); /* one block to build in, then one of the right size */
	for (const struct flow_field *ff = flow_fields; ff->name; ff++)
		record_set(r, ff->name, ff->format(f, buf, sizeof(buf)) ? buf : NULL, ff->type);
	record_pack(r);
}

void flow_json(struct json *j, const char *key, const struct flow *f)
{
	char buf[VALUE_MAX];

	json_begin_object(j, key);
	for (const struct flow_field *ff = flow_fields; ff->name; ff++) {
		if (!ff->format(f, buf, sizeof(buf)))
			json_null(j, ff->name);
		else if (ff->type == FIELD_NUMBER)
			json_raw(j, ff->name, buf);
		else
			json_string(j, ff->name, buf);
	}
	json_end_object(j);
}
