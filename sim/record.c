/* record.c - named fields for events and flows (see record.h). */
#include "record.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

/*
 * intern - the one shared copy of S. Keys and short values repeat in every
 * event ("call", "ok", "client"): 100,000 events of a flood must cost
 * pointers, not 100,000 copies of each word. Kept until exit.
 */
static char *intern(const char *s)
{
	static char **table;
	static size_t cap, used;
	size_t h = 5381, i;

	if (2 * (used + 1) > cap) { /* rehash at half full */
		size_t ncap = cap ? 2 * cap : 1024;
		char **nt = xcalloc(ncap, sizeof(char *));
		for (size_t k = 0; k < cap; k++) {
			if (!table[k])
				continue;
			size_t g = 5381;
			for (const char *c = table[k]; *c; c++)
				g = g * 33 + (unsigned char)*c;
			for (i = g & (ncap - 1); nt[i]; i = (i + 1) & (ncap - 1))
				;
			nt[i] = table[k];
		}
		free(table);
		table = nt;
		cap = ncap;
	}
	for (const char *c = s; *c; c++)
		h = h * 33 + (unsigned char)*c;
	for (i = h & (cap - 1); table[i]; i = (i + 1) & (cap - 1))
		if (!strcmp(table[i], s))
			return table[i];
	used++;
	return table[i] = xstrdup(s);
}

#define SHARED_MAX 24 /* values this long or shorter are interned */

static void set_value(struct field *f, const char *value, enum field_type type)
{
	const char *v = value ? value : "";

	f->owned = strlen(v) > SHARED_MAX;
	f->value = f->owned ? xstrdup(v) : intern(v);
	f->type = value ? type : FIELD_NULL;
}

void record_set(struct record *r, const char *key, const char *value, enum field_type type)
{
	for (size_t i = 0; i < r->n; i++) {
		if (!strcmp(r->fields[i].key, key)) {
			if (r->fields[i].owned)
				free(r->fields[i].value);
			set_value(&r->fields[i], value, type);
			return;
		}
	}
	r->fields = xrealloc(r->fields, sizeof(*r->fields) * (r->n + 1));
	r->fields[r->n].key = intern(key);
	set_value(&r->fields[r->n], value, type);
	r->n++;
}

void record_setf(struct record *r, const char *key, enum field_type type, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = xvasprintf(fmt, ap);
	va_end(ap);
	record_set(r, key, s, type);
	free(s);
}

const char *record_get(const struct record *r, const char *key)
{
	for (size_t i = 0; i < r->n; i++)
		if (!strcmp(r->fields[i].key, key))
			return r->fields[i].type == FIELD_NULL ? NULL : r->fields[i].value;
	return NULL;
}

const char *record_text(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v ? v : "";
}

void record_clear(struct record *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->fields[i].owned)
			free(r->fields[i].value);
	free(r->fields);
	r->fields = NULL;
	r->n = 0;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return s;
}

/* json_number_end - the end of the JSON number at S (RFC 8259's grammar), or NULL. */
static const char *json_number_end(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (isdigit((unsigned char)*s))
		while (isdigit((unsigned char)*s))
			s++;
	else
		return NULL;
	if (*s == '.') {
		if (!isdigit((unsigned char)*++s))
			return NULL;
		while (isdigit((unsigned char)*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s))
			s++;
	}
	return s;
}

/* parse_string - a JSON string at S into a new buffer *OUT; returns the end or NULL. */
static const char *parse_string(const char *s, char **out)
{
	size_t cap = 32, len = 0;
	char *buf;

	if (*s++ != '"')
		return NULL;
	buf = xmalloc(cap);
	for (; *s && *s != '"'; s++) {
		char c = *s;
		if (len + 8 > cap)
			buf = xrealloc(buf, cap *= 2);
		if (c == '\\') {
			s++;
			switch (*s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '"': case '\\': case '/': c = *s; break;
			case 'u': {
				unsigned v = 0;
				for (int k = 1; k <= 4; k++) { /* exactly four hex digits, never past the end */
					if (!isxdigit((unsigned char)s[k]))
						goto bad;
					v = v * 16 + (unsigned)(isdigit((unsigned char)s[k]) ? s[k] - '0' :
								(tolower((unsigned char)s[k]) - 'a' + 10));
				}
				/* events are ASCII; a control character would reach the terminal */
				c = v >= 0x20 && v < 0x7f ? (char)v : '?';
				s += 4;
				break;
			}
			default:
				goto bad;
			}
		} else if ((unsigned char)c < 0x20) {
			goto bad;
		} else if ((unsigned char)c >= 0x7f) {
			c = '?'; /* events are ASCII: nothing else reaches a report or result.json */
		}
		buf[len++] = c;
	}
	if (*s != '"')
		goto bad;
	buf[len] = '\0';
	*out = buf;
	return s + 1;
bad:
	free(buf);
	return NULL;
}

int record_parse_json(struct record *r, const char *line)
{
	const char *s = skip_space(line);

	if (*s++ != '{')
		return -1;
	s = skip_space(s);
	if (*s == '}')
		return *skip_space(s + 1) ? -1 : 0;
	for (;;) {
		char *key = NULL, *str = NULL;
		s = parse_string(skip_space(s), &key);
		if (!s)
			return -1;
		s = skip_space(s);
		if (*s++ != ':') {
			free(key);
			return -1;
		}
		s = skip_space(s);
		if (*s == '"') {
			s = parse_string(s, &str);
			if (!s) {
				free(key);
				return -1;
			}
			record_set(r, key, str, FIELD_STRING);
			free(str);
		} else if (!strncmp(s, "true", 4) || !strncmp(s, "false", 5)) {
			record_set(r, key, *s == 't' ? "true" : "false", FIELD_BOOL);
			s += *s == 't' ? 4 : 5;
		} else if (!strncmp(s, "null", 4)) {
			record_set(r, key, NULL, FIELD_NULL);
			s += 4;
		} else {
			const char *end = json_number_end(s);
			if (!end) {
				free(key);
				return -1;
			}
			str = xasprintf("%.*s", (int)(end - s), s);
			record_set(r, key, str, FIELD_NUMBER);
			free(str);
			s = end;
		}
		free(key);
		s = skip_space(s);
		if (*s == '}')
			return *skip_space(s + 1) ? -1 : 0;
		if (*s++ != ',')
			return -1;
	}
}

void record_json(struct json *j, const char *key, const struct record *r)
{
	bool pretty = j->pretty;

	json_begin_object(j, key);
	j->pretty = false; /* one line per event or flow: 10,000 of them stay readable */
	for (size_t i = 0; i < r->n; i++) {
		const struct field *f = &r->fields[i];
		switch (f->type) {
		case FIELD_STRING: json_string(j, f->key, f->value); break;
		case FIELD_NUMBER:
		case FIELD_BOOL: json_raw(j, f->key, f->value); break;
		case FIELD_NULL: json_null(j, f->key); break;
		}
	}
	json_end_object(j);
	j->pretty = pretty;
}

bool endpoint_split(const char *text, char *addr, size_t len, unsigned *port)
{
	const char *colon, *start = text, *end;
	char *stop;
	unsigned long p;

	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return false;
		start = text + 1;
		colon = end + 1;
	} else {
		colon = strrchr(text, ':');
		if (!colon)
			return false;
		end = colon;
	}
	if ((size_t)(end - start) >= len)
		return false;
	p = strtoul(colon + 1, &stop, 10);
	if (*stop || stop == colon + 1 || p > 65535)
		return false;
	memcpy(addr, start, (size_t)(end - start));
	addr[end - start] = '\0';
	*port = (unsigned)p;
	return true;
}

void record_add_endpoints(struct record *r)
{
	const char *local = record_get(r, "local"), *remote = record_get(r, "remote");
	char laddr[64], raddr[64];
	unsigned lport = 0, rport = 0;
	bool have_l = local && endpoint_split(local, laddr, sizeof(laddr), &lport);
	bool have_r = remote && endpoint_split(remote, raddr, sizeof(raddr), &rport);

	if (have_l) {
		record_set(r, "local_addr", laddr, FIELD_STRING);
		record_setf(r, "local_port", FIELD_NUMBER, "%u", lport);
	}
	if (have_r) {
		record_set(r, "remote_addr", raddr, FIELD_STRING);
		record_setf(r, "remote_port", FIELD_NUMBER, "%u", rport);
	}
}
