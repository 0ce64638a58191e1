/*
 * jsonread.c - a small recursive-descent JSON reader (see jsonread.h).
 */
#include "jsonread.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_DEPTH 64

struct reader {
	const char *p, *start, *end;
	char *err;
	size_t errlen;
	int depth;
};

static bool parse_value(struct reader *r, struct jvalue *v);

/* bad - note what is wrong at the reader's position; returns false. */
static bool bad(struct reader *r, const char *what)
{
	if (!r->err[0])
		snprintf(r->err, r->errlen, "%s at byte %td", what, r->p - r->start);
	return false;
}

static void skip_ws(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

/* literal - true and past WORD when it comes next. */
static bool literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n))
		return false;
	r->p += n;
	return true;
}

/* put_utf8 - code point C as UTF-8 at *OUT. */
static void put_utf8(char **out, unsigned c)
{
	char *o = *out;

	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xC0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3F));
	} else {
		*o++ = (char)(0xE0 | c >> 12);
		*o++ = (char)(0x80 | (c >> 6 & 0x3F));
		*o++ = (char)(0x80 | (c & 0x3F));
	}
	*out = o;
}

/* hex4 - the four hex digits at P, or -1. */
static long hex4(const char *p)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* parse_string - a string (at its opening quote) into a new *OUT. */
static bool parse_string(struct reader *r, char **out)
{
	const char *q = ++r->p;
	char *o;

	while (q < r->end && *q != '"')   /* the text is never longer than its escapes */
		q += *q == '\\' ? 2 : 1;
	if (q >= r->end)
		return bad(r, "unterminated string");
	*out = o = xmalloc((size_t)(q - r->p) + 1);
	while (r->p < q) {
		char c = *r->p++;
		long u;

		if ((unsigned char)c < 0x20)
			return bad(r, "control character in a string");
		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = *r->p++;
		switch (c) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case '"': case '\\': case '/': *o++ = c; break;
		case 'u':
			if (q - r->p < 4 || (u = hex4(r->p)) < 0)
				return bad(r, "bad \\u escape");
			r->p += 4;
			/* surrogates stand for one '?': nothing portlab writes has them */
			put_utf8(&o, u >= 0xD800 && u <= 0xDFFF ? '?' : (unsigned)u);
			break;
		default:
			return bad(r, "bad escape");
		}
	}
	*o = '\0';
	r->p = q + 1;
	return true;
}

/* parse_items - the items of an array or object, up to CLOSE, into V. */
static bool parse_items(struct reader *r, struct jvalue *v, char close)
{
	size_t cap = 0;

	r->p++;
	skip_ws(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return true;
	}
	for (;;) {
		if (v->n == cap) {
			cap = cap ? 2 * cap : 8;
			v->items = xrealloc(v->items, cap * sizeof(*v->items));
			if (close == '}')
				v->keys = xrealloc(v->keys, cap * sizeof(*v->keys));
		}
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		skip_ws(r);
		if (close == '}') {
			v->keys[v->n] = NULL;
			if (r->p >= r->end || *r->p != '"') {
				v->n++;
				return bad(r, "expected a key");
			}
			if (!parse_string(r, &v->keys[v->n])) {
				v->n++;
				return false;
			}
			skip_ws(r);
			if (r->p >= r->end || *r->p++ != ':') {
				v->n++;
				return bad(r, "expected ':'");
			}
		}
		bool ok = parse_value(r, &v->items[v->n]);

		v->n++;
		if (!ok)
			return false;
		skip_ws(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return true;
		}
		return bad(r, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool parse_number(struct reader *r, struct jvalue *v)
{
	char buf[64];
	size_t n = 0;
	char *end;

	while (r->p + n < r->end && n < sizeof(buf) - 1 && strchr("+-0123456789.eE", r->p[n]))
		n++;
	memcpy(buf, r->p, n);
	buf[n] = '\0';
	errno = 0;
	v->num = strtod(buf, &end);
	if (!n || end != buf + n)
		return bad(r, "bad number");
	v->type = J_NUMBER;
	r->p += n;
	return true;
}

static bool parse_value(struct reader *r, struct jvalue *v)
{
	bool ok;

	skip_ws(r);
	if (r->p >= r->end)
		return bad(r, "unexpected end");
	switch (*r->p) {
	case '{':
	case '[':
		if (++r->depth > MAX_DEPTH)
			return bad(r, "nested too deep");
		v->type = *r->p == '{' ? J_OBJECT : J_ARRAY;
		ok = parse_items(r, v, *r->p == '{' ? '}' : ']');
		r->depth--;
		return ok;
	case '"':
		v->type = J_STRING;
		return parse_string(r, &v->str);
	case 't':
	case 'f':
		v->type = J_BOOL;
		v->b = *r->p == 't';
		return literal(r, v->b ? "true" : "false") || bad(r, "bad literal");
	case 'n':
		v->type = J_NULL;
		return literal(r, "null") || bad(r, "bad literal");
	default:
		return parse_number(r, v);
	}
}

static void free_inside(struct jvalue *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free_inside(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

void jfree(struct jvalue *v)
{
	if (v) {
		free_inside(v);
		free(v);
	}
}

struct jvalue *jread(const char *text, size_t len, char *err, size_t errlen)
{
	struct reader r = { text, text, text + len, err, errlen, 0 };
	struct jvalue *v = xcalloc(1, sizeof(*v));

	err[0] = '\0';
	if (parse_value(&r, v)) {
		skip_ws(&r);
		if (r.p == r.end)
			return v;
		bad(&r, "text after the value");
	}
	jfree(v);
	return NULL;
}

struct jvalue *jread_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL, why[160];
	size_t len = 0, cap = 0, got;
	struct jvalue *v;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	do {
		if (len == cap)
			text = xrealloc(text, cap = cap ? 2 * cap : 65536);
		got = fread(text + len, 1, cap - len, f);
		len += got;
	} while (got);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		fclose(f);
		free(text);
		return NULL;
	}
	fclose(f);
	v = jread(text, len, why, sizeof(why));
	if (!v)
		snprintf(err, errlen, "%s: not JSON: %s", path, why);
	free(text);
	return v;
}

const struct jvalue *jget(const struct jvalue *v, const char *key)
{
	if (!v || v->type != J_OBJECT)
		return NULL;
	for (size_t i = 0; i < v->n; i++)
		if (v->keys[i] && !strcmp(v->keys[i], key))
			return &v->items[i];
	return NULL;
}

const char *jstr(const struct jvalue *v, const char *key)
{
	const struct jvalue *m = jget(v, key);

	return m && m->type == J_STRING ? m->str : NULL;
}

double jnum(const struct jvalue *v, const char *key, double def)
{
	const struct jvalue *m = jget(v, key);

	return m && m->type == J_NUMBER ? m->num : def;
}
