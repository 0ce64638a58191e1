/* json.c - a streaming JSON writer (see json.h). */
#include "json.h"

#include <math.h>
#include <string.h>

#include "utf8.h"

/*
 * A document is written by one thread: the stdio calls below take no lock
 * each (10,000 flows are a million of them); record_json and report.c hold
 * the FILE's lock around a whole value (flockfile).
 */
#define fputc fputc_unlocked
#define fwrite fwrite_unlocked
#define fputs fputs_unlocked

void json_init(struct json *j, FILE *f, bool pretty)
{
	j->f = f;
	j->depth = 0;
	j->pretty = pretty;
	j->first[0] = true;
}

/*
 * put_escaped - S as a JSON string that strict readers accept whatever S
 * holds: quotes and backslashes escaped, control characters as \u00XX, and
 * each byte that is not part of well-formed UTF-8 as U+FFFD.
 */
static void put_escaped(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t left = strlen(s);

	fputc('"', f);
	while (left) {
		size_t plain = 0, len;

		/* a run of printable ASCII goes out in one write */
		while (plain < left && u[plain] >= 0x20 && u[plain] < 0x7f && u[plain] != '"' &&
		       u[plain] != '\\')
			plain++;
		if (plain) {
			fwrite(u, 1, plain, f);
			u += plain;
			left -= plain;
			continue;
		}
		unsigned char c = *u;
		len = c < 0x80 ? 1 : utf8_char(u, left);
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x80) /* control characters and DEL */
			fprintf(f, "\\u%04x", c);
		else if (!len)
			fputs("\\ufffd", f);
		else
			fwrite(u, 1, len, f);
		len = len ? len : 1;
		u += len;
		left -= len;
	}
	fputc('"', f);
}

/* member - the separator, indentation and "key": before a value. */
static void member(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->f);
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	if (key) {
		put_escaped(j->f, key);
		fputs(j->pretty ? ": " : ":", j->f);
	}
}

static void open_container(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth < JSON_MAX_DEPTH - 1)
		j->depth++;
	j->first[j->depth] = true;
}

static void close_container(struct json *j, char c)
{
	bool empty = j->first[j->depth];

	if (j->depth > 0)
		j->depth--;
	if (j->pretty && !empty) {
		fputc('\n', j->f);
		for (int i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
}

void json_begin_object(struct json *j, const char *key) { open_container(j, key, '{'); }
void json_end_object(struct json *j) { close_container(j, '}'); }
void json_begin_array(struct json *j, const char *key) { open_container(j, key, '['); }
void json_end_array(struct json *j) { close_container(j, ']'); }

void json_string(struct json *j, const char *key, const char *value)
{
	member(j, key);
	if (value)
		put_escaped(j->f, value);
	else
		fputs("null", j->f);
}

void json_int(struct json *j, const char *key, long long value)
{
	member(j, key);
	fprintf(j->f, "%lld", value);
}

void json_double(struct json *j, const char *key, double value)
{
	member(j, key);
	if (isfinite(value))
		fprintf(j->f, "%.6f", value);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, bool value)
{
	member(j, key);
	fputs(value ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_raw(struct json *j, const char *key, const char *value)
{
	member(j, key);
	fputs(value, j->f);
}

void json_end(struct json *j)
{
	fputc('\n', j->f);
	fflush(j->f);
}
