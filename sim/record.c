/* record.c - named fields for events and flows (see record.h). */
#include "record.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "util.h"

#define FIELD_BYTES sizeof(struct field)

static struct field *fields_of(const struct record *r)
{
	return (struct field *)(void *)r->mem;
}

static char *text_of(const struct record *r)
{
	return r->mem + (size_t)r->cap * FIELD_BYTES;
}

/*
 * room_for - R can take NEW_FIELD more fields (0 or 1) and EXTRA more bytes of text. A
 * record being built doubles its room; a packed one grows by just that,
 * so that adding a field to many finished records leaves no holes behind.
 */
static void room_for(struct record *r, bool new_field, size_t extra)
{
	bool packed = r->mem && r->cap == r->n && r->room == r->len;
	uint32_t cap = r->cap, room = r->room;

	if (new_field && r->n == cap)
		cap = packed ? cap + 1 : cap ? 2 * cap : 8;
	if ((size_t)r->len + extra > room)
		room = packed ? r->len + (uint32_t)extra : room ? room : 128;
	while ((size_t)r->len + extra > room)
		room *= 2;
	if (cap == r->cap && room == r->room)
		return;
	r->mem = xrealloc(r->mem, (size_t)cap * FIELD_BYTES + room);
	if (cap != r->cap) /* the text moves up behind the new fields */
		memmove(r->mem + (size_t)cap * FIELD_BYTES, r->mem + (size_t)r->cap * FIELD_BYTES, r->len);
	r->cap = cap;
	r->room = room;
}

/* find - the field with key number ID, or NULL. */
static struct field *find(const struct record *r, uint32_t id)
{
	struct field *f = fields_of(r);

	for (uint32_t i = 0; i < r->n; i++)
		if (f[i].key == id)
			return &f[i];
	return NULL;
}

void record_set(struct record *r, const char *key, const char *value, enum field_type type)
{
	const char *v = value ? value : "";
	size_t vlen = strlen(v);
	uint32_t id = record_key_id(key);
	struct field *f = find(r, id);
	char *own = NULL;

	if (r->mem && (uintptr_t)v >= (uintptr_t)r->mem &&
	    (uintptr_t)v < (uintptr_t)(text_of(r) + r->room))
		v = own = xstrdup(v); /* R's own text: growing R would move it */
	if (f && strlen(text_of(r) + f->at) >= vlen) { /* it fits where the old value was */
		memmove(text_of(r) + f->at, v, vlen + 1);
	} else {
		room_for(r, !f, vlen + 1);
		if (!f) {
			f = &fields_of(r)[r->n++];
			f->key = id;
		} else {
			f = find(r, id); /* the block may have moved */
		}
		f->at = r->len;
		memcpy(text_of(r) + r->len, v, vlen + 1);
		r->len += (uint32_t)vlen + 1;
	}
	f->type = value ? type : FIELD_NULL;
	free(own);
}

void record_setf(struct record *r, const char *key, enum field_type type, const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(buf)) {
		record_set(r, key, buf, type);
		return;
	}
	va_start(ap, fmt);
	char *s = xvasprintf(fmt, ap);
	va_end(ap);
	record_set(r, key, s, type);
	free(s);
}

const char *record_get_id(const struct record *r, int64_t id)
{
	const struct field *f = id < 0 ? NULL : find(r, (uint32_t)id);

	return !f || f->type == FIELD_NULL ? NULL : text_of(r) + f->at;
}

const char *record_get(const struct record *r, const char *key)
{
	return r->n ? record_get_id(r, record_key_find(key)) : NULL;
}

const char *record_text(const struct record *r, const char *key)
{
	const char *v = record_get(r, key);

	return v ? v : "";
}

const char *record_key_at(const struct record *r, size_t i)
{
	return record_key_name(fields_of(r)[i].key);
}

const char *record_value_at(const struct record *r, size_t i)
{
	return text_of(r) + fields_of(r)[i].at;
}

enum field_type record_type_at(const struct record *r, size_t i)
{
	return (enum field_type)fields_of(r)[i].type;
}

void record_clear(struct record *r)
{
	free(r->mem);
	memset(r, 0, sizeof(*r));
}

void record_reserve(struct record *r, size_t fields, size_t bytes)
{
	if (fields <= r->cap && bytes <= r->room)
		return;
	uint32_t cap = fields > r->cap ? (uint32_t)fields : r->cap;
	uint32_t room = bytes > r->room ? (uint32_t)bytes : r->room;
	r->mem = xrealloc(r->mem, (size_t)cap * FIELD_BYTES + room);
	if (cap != r->cap)
		memmove(r->mem + (size_t)cap * FIELD_BYTES, r->mem + (size_t)r->cap * FIELD_BYTES, r->len);
	r->cap = cap;
	r->room = room;
}

/*
 * record_pack - into a block of its own size: a new one, so that the room
 * a record grew in is free for building the next one.
 */
void record_pack(struct record *r)
{
	if (!r->mem || (r->cap == r->n && r->room == r->len))
		return;
	char *mem = xmalloc((size_t)r->n * FIELD_BYTES + r->len);
	memcpy(mem, r->mem, (size_t)r->n * FIELD_BYTES);
	memcpy(mem + (size_t)r->n * FIELD_BYTES, text_of(r), r->len);
	free(r->mem);
	r->mem = mem;
	r->cap = r->n;
	r->room = r->len;
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

/*
 * parse_string - the JSON string at S, decoded into BUF (which has room for
 * as many bytes as are left in S: decoding never lengthens); the end of the
 * string in S, or NULL.
 */
static const char *parse_string(const char *s, char *buf)
{
	size_t len = 0;

	if (*s++ != '"')
		return NULL;
	for (; *s && *s != '"'; s++) {
		char c = *s;
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
						return NULL;
					v = v * 16 + (unsigned)(isdigit((unsigned char)s[k]) ? s[k] - '0' :
								(tolower((unsigned char)s[k]) - 'a' + 10));
				}
				/* events are ASCII; a control character would reach the terminal */
				c = v >= 0x20 && v < 0x7f ? (char)v : '?';
				s += 4;
				break;
			}
			default:
				return NULL;
			}
		} else if ((unsigned char)c < 0x20) {
			return NULL;
		} else if ((unsigned char)c >= 0x7f) {
			c = '?'; /* events are ASCII: nothing else reaches a report or result.json */
		}
		buf[len++] = c;
	}
	if (*s != '"')
		return NULL;
	buf[len] = '\0';
	return s + 1;
}

/* parse_value - the JSON value at S as member KEY of R, decoded in BUF; its end or NULL. */
static const char *parse_value(struct record *r, const char *key, const char *s, char *buf)
{
	if (*s == '"') {
		s = parse_string(s, buf);
		if (s)
			record_set(r, key, buf, FIELD_STRING);
		return s;
	}
	if (!strncmp(s, "true", 4) || !strncmp(s, "false", 5)) {
		record_set(r, key, *s == 't' ? "true" : "false", FIELD_BOOL);
		return s + (*s == 't' ? 4 : 5);
	}
	if (!strncmp(s, "null", 4)) {
		record_set(r, key, NULL, FIELD_NULL);
		return s + 4;
	}
	const char *end = json_number_end(s);
	if (end) {
		memcpy(buf, s, (size_t)(end - s));
		buf[end - s] = '\0';
		record_set(r, key, buf, FIELD_NUMBER);
	}
	return end;
}

int record_parse_json(struct record *r, const char *line)
{
	const char *s = skip_space(line);
	size_t len = strlen(line), colons = 0;
	char *key = xmalloc(len + 1); /* the key, then its value: both fit */
	int rc = -1;

	for (const char *c = strchr(line, ':'); c; c = strchr(c + 1, ':'))
		colons++;
	/* at most a field per colon, its text no longer than the line; and room
	 * for what portlab adds (role, host, endpoints, tuple) before packing */
	record_reserve(r, r->n + colons + 8, r->len + len + 128);

	if (*s++ != '{')
		goto out;
	s = skip_space(s);
	if (*s == '}') {
		rc = *skip_space(s + 1) ? -1 : 0;
		goto out;
	}
	for (;;) {
		s = parse_string(skip_space(s), key);
		if (!s)
			break;
		s = skip_space(s);
		if (*s++ != ':')
			break;
		s = parse_value(r, key, skip_space(s), key + strlen(key) + 1);
		if (!s)
			break;
		s = skip_space(s);
		if (*s == '}') {
			rc = *skip_space(s + 1) ? -1 : 0;
			break;
		}
		if (*s++ != ',')
			break;
	}
out:
	free(key);
	return rc;
}

void record_json(struct json *j, const char *key, const struct record *r)
{
	bool pretty = j->pretty;

	flockfile(j->f);
	json_begin_object(j, key);
	j->pretty = false; /* one line per event or flow: 10,000 of them stay readable */
	for (size_t i = 0; i < r->n; i++) {
		const char *k = record_key_at(r, i), *v = record_value_at(r, i);
		switch (record_type_at(r, i)) {
		case FIELD_STRING: json_string(j, k, v); break;
		case FIELD_NUMBER:
		case FIELD_BOOL: json_raw(j, k, v); break;
		case FIELD_NULL: json_null(j, k); break;
		}
	}
	json_end_object(j);
	j->pretty = pretty;
	funlockfile(j->f);
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
