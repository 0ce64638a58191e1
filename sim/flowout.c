/* flowout.c - zeek conn.log and CSV (see flowout.h). */
#include "flowout.h"

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "csv.h"
#include "flowfields.h"
#include "flows.h"

/*
 * zeek's conn.log columns, in zeek's order, with their types; a name of
 * ours where we have the field, NULL where portlab knows nothing of it
 * (written as zeek's unset "-"), "uid" made here.
 */
static const struct {
	const char *zeek, *type, *ours;
} columns[] = {
	{ "ts", "time", "ts" }, { "uid", "string", NULL },
	{ "id.orig_h", "addr", "id.orig_h" }, { "id.orig_p", "port", "id.orig_p" },
	{ "id.resp_h", "addr", "id.resp_h" }, { "id.resp_p", "port", "id.resp_p" },
	{ "proto", "enum", "proto" }, { "service", "string", NULL },
	{ "duration", "interval", "duration" }, { "orig_bytes", "count", "orig_bytes" },
	{ "resp_bytes", "count", "resp_bytes" }, { "conn_state", "string", "conn_state" },
	{ "local_orig", "bool", NULL }, { "local_resp", "bool", NULL },
	{ "missed_bytes", "count", NULL }, { "history", "string", "history" },
	{ "orig_pkts", "count", "orig_pkts" }, { "orig_ip_bytes", "count", "orig_ip_bytes" },
	{ "resp_pkts", "count", "resp_pkts" }, { "resp_ip_bytes", "count", "resp_ip_bytes" },
	{ "tunnel_parents", "set[string]", NULL },
};
#define NCOLUMNS (sizeof(columns) / sizeof(columns[0]))

static void stamp(FILE *out, const char *what)
{
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	strftime(when, sizeof(when), "%Y-%m-%d-%H-%M-%S", localtime_r(&now, &tm));
	fprintf(out, "#%s\t%s\n", what, when);
}

void zeek_header(FILE *out)
{
	fputs("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
	      "#path\tconn\n", out);
	stamp(out, "open");
	fputs("#fields", out);
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(out, "\t%s", columns[i].zeek);
	fputs("\n#types", out);
	for (size_t i = 0; i < NCOLUMNS; i++)
		fprintf(out, "\t%s", columns[i].type);
	fputc('\n', out);
}

void zeek_footer(FILE *out)
{
	stamp(out, "close");
}

/* uid - a zeek-like connection id: "C" and 17 letters and digits from a hash of WHAT. */
static void uid(char *buf, const char *source, size_t i)
{
	static const char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
	uint64_t h = 1469598103934665603ULL;

	for (const char *c = source; *c; c++)
		h = (h ^ (unsigned char)*c) * 1099511628211ULL;
	h ^= i * 0x9E3779B97F4A7C15ULL;
	buf[0] = 'C';
	for (int k = 1; k < 18; k++) {
		h = h * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[k] = digits[(h >> 33) % 62];
	}
	buf[18] = '\0';
}

void zeek_rows(FILE *out, const struct flow_table *ft, const char *source)
{
	char value[256], id[20];

	for (size_t i = 0; i < flow_table_size(ft); i++) {
		const struct flow *f = flow_table_at(ft, i);
		for (size_t c = 0; c < NCOLUMNS; c++) {
			const struct flow_field *field = columns[c].ours ? flow_field_find(columns[c].ours) : NULL;
			const char *text = "-";
			if (!strcmp(columns[c].zeek, "uid")) {
				uid(id, source, i);
				text = id;
			} else if (!strcmp(columns[c].zeek, "missed_bytes")) {
				text = "0"; /* portlab reads every byte it was given */
			} else if (field && field->format(f, value, sizeof(value))) {
				text = value[0] ? value : "(empty)";
			}
			fprintf(out, "%s%s", c ? "\t" : "", text);
		}
		fputc('\n', out);
	}
}

void csv_header(FILE *out)
{
	fputs("file,interface", out);
	for (size_t i = 0; flow_fields[i].name; i++) {
		fputc(',', out);
		csv_field(out, flow_fields[i].name);
	}
	fputs("\r\n", out);
}

void csv_rows(FILE *out, const struct flow_table *ft, const char *file, const char *iface)
{
	char value[256];

	for (size_t i = 0; i < flow_table_size(ft); i++) {
		const struct flow *f = flow_table_at(ft, i);
		csv_field(out, file);
		fputc(',', out);
		csv_field(out, iface ? iface : "");
		for (size_t k = 0; flow_fields[k].name; k++) {
			fputc(',', out);
			csv_field(out, flow_fields[k].format(f, value, sizeof(value)) ? value : "");
		}
		fputs("\r\n", out);
	}
}
