/*
 * expect.c - compile a lab's expectations (docs/lab-format.md,
 * "Expectations") against a read-only view of the lab, checking every name
 * they use when the lab is read: roles, calls, event and flow fields,
 * interfaces. Judging is in expectjudge.c.
 */
#include "expect.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eventnames.h"
#include "expectint.h"
#include "flowfields.h"
#include "lab.h"
#include "record.h"
#include "suggest.h"
#include "util.h"

const char *const op_names[] = { "=", "!=", "<", "<=", ">", ">=", "~", "!~", "in" };

/* What compiling needs: the lab, and room for the first error. */
struct compiler {
	const struct lab *lab;
	char err[512];
};

static int fail(struct compiler *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct compiler *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

static void free_subject(struct subject *s)
{
	free(s->role);
	free(s->calls);
	free(s->capture);
	free(s->proto);
	for (size_t i = 0; i < s->nfilters; i++) {
		free(s->filters[i].key);
		free(s->filters[i].value);
	}
	free(s->filters);
	if (s->of) {
		free_subject(s->of);
		free(s->of);
	}
	free(s->text);
}

void expect_free(struct expect *e)
{
	if (!e)
		return;
	free_subject(&e->subject);
	free_subject(&e->other);
	free(e->field);
	free(e->value);
	free(e);
}

/* ---- names ---- */

/* check_roles - every role of ROLES ("a", "a|b", "*") runs in the lab. */
static int check_roles(struct compiler *c, const char *roles)
{
	if (!strcmp(roles, "*"))
		return 0;
	for (const char *r = roles; *r; r += strcspn(r, "|"), r += *r == '|') {
		size_t n = strcspn(r, "|");
		if (lab_role_known(c->lab, r, n))
			continue;
		char word[64];
		struct suggester s;
		snprintf(word, sizeof(word), "%.*s", (int)(n < 63 ? n : 63), r);
		suggest_begin(&s, word);
		for (size_t i = 0; i < c->lab->nsteps; i++)
			suggest_try(&s, c->lab->steps[i].role);
		return fail(c, "no role '%s' runs in this lab%s", word, did_you_mean(s.found));
	}
	return 0;
}

static bool in_list(char *const *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i], name))
			return true;
	return false;
}

/* check_calls - every call of CALLS ("connect", "send|recv", "*") is one events can have. */
static int check_calls(struct compiler *c, const char *calls)
{
	const struct lab *lab = c->lab;

	if (!strcmp(calls, "*"))
		return 0;
	for (const char *r = calls; *r; r += strcspn(r, "|"), r += *r == '|') {
		char word[64];
		size_t n = strcspn(r, "|");
		snprintf(word, sizeof(word), "%.*s", (int)(n < 63 ? n : 63), r);
		if (event_call_known(word) || in_list(lab->calls, lab->ncalls, word))
			continue;
		struct suggester s;
		suggest_begin(&s, word);
		for (size_t i = 0; event_calls[i]; i++)
			suggest_try(&s, event_calls[i]);
		for (size_t i = 0; i < lab->ncalls; i++)
			suggest_try(&s, lab->calls[i]);
		return fail(c, "no event has call '%s'%s; a program's own notes are declared "
			    "with 'note CALL FIELD'", word, did_you_mean(s.found));
	}
	return 0;
}

/* check_field - NAME is a field of events (FLOWS false) or of flows. */
static int check_field(struct compiler *c, bool flows, const char *name)
{
	const struct lab *lab = c->lab;
	struct suggester s;

	if (flows) {
		if (flow_field_find(name))
			return 0;
		const char *near = flow_field_suggest(name);
		if (near)
			return fail(c, "flows have no field '%s'%s", name, did_you_mean(near));
		size_t used = (size_t)snprintf(c->err, sizeof(c->err), "flows have no field '%s' (fields:", name);
		for (const struct flow_field *f = flow_fields; f->name && used < sizeof(c->err); f++)
			used += (size_t)snprintf(c->err + used, sizeof(c->err) - used, " %s", f->name);
		if (used < sizeof(c->err))
			snprintf(c->err + used, sizeof(c->err) - used, ")");
		return -1;
	}
	if (event_field_known(name) || in_list(lab->fields, lab->nfields, name))
		return 0;
	suggest_begin(&s, name);
	for (size_t i = 0; event_fields[i]; i++)
		suggest_try(&s, event_fields[i]);
	for (size_t i = 0; i < lab->nfields; i++)
		suggest_try(&s, lab->fields[i]);
	return fail(c, "events have no field '%s'%s; fields a program adds are declared "
		    "with 'tag FIELD' or 'note CALL FIELD'", name, did_you_mean(s.found));
}

/* check_capture - "HOST:IF" names an interface of the lab. */
static int check_capture(struct compiler *c, const char *text)
{
	const struct lab *lab = c->lab;
	const char *colon = strchr(text, ':');
	struct suggester s;
	char host[64];
	long h;

	if (!colon)
		return fail(c, "'%s' is not an interface of this lab (HOST:IF)", text);
	snprintf(host, sizeof(host), "%.*s", (int)(colon - text < 63 ? colon - text : 63), text);
	h = lab_host_index(lab, host);
	if (h < 0) {
		suggest_begin(&s, host);
		for (size_t i = 0; i < lab->nhosts && i < 1000; i++)
			suggest_try(&s, lab->hosts[i].name);
		return fail(c, "'%s': no host '%s' in this lab%s", text, host, did_you_mean(s.found));
	}
	if (lab_iface_index(lab, (size_t)h, colon + 1) >= 0)
		return 0;
	suggest_begin(&s, colon + 1);
	for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
		suggest_try(&s, lab->hosts[h].ifaces[i].name);
	return fail(c, "'%s': host '%s' has no interface '%s'%s", text, host, colon + 1,
		    did_you_mean(s.found));
}

/* ---- subjects ---- */

static void add_filter(struct subject *s, const char *key, const char *value)
{
	s->filters = xrealloc(s->filters, sizeof(*s->filters) * (s->nfilters + 1));
	s->filters[s->nfilters].key = xstrdup(key);
	s->filters[s->nfilters].value = xstrdup(value);
	s->nfilters++;
}

/* parse_filter - "ok", "failed" or "KEY=VALUE", KEY a field of the subject's records. */
static int parse_filter(struct compiler *c, struct subject *s, const char *w)
{
	const char *eq = strchr(w, '=');

	if (!strcmp(w, "ok")) {
		add_filter(s, "ok", "true");
	} else if (!strcmp(w, "failed")) {
		add_filter(s, "ok", "false");
	} else if (eq && eq != w) {
		char *key = xasprintf("%.*s", (int)(eq - w), w);
		int rc = check_field(c, s->flows, key);
		add_filter(s, key, eq + 1);
		free(key);
		return rc;
	} else {
		return fail(c, "'%s' is not a filter (ok, failed, FIELD=VALUE)", w);
	}
	return 0;
}

static int parse_subject(struct compiler *c, struct subject *s, char *const *w, size_t n);

static int parse_events(struct compiler *c, struct subject *s, char *const *w, size_t n)
{
	if (check_roles(c, w[1]) < 0 || check_calls(c, w[2]) < 0)
		return -1;
	s->role = xstrdup(w[1]);
	s->calls = xstrdup(w[2]);
	for (size_t i = 3; i < n; i++)
		if (parse_filter(c, s, w[i]) < 0)
			return -1;
	return 0;
}

static int parse_flows(struct compiler *c, struct subject *s, char *const *w, size_t n)
{
	if (check_capture(c, w[1]) < 0)
		return -1;
	s->flows = true;
	s->capture = xstrdup(w[1]);
	for (size_t i = 2; i < n; i++) {
		if (!strcmp(w[i], "tcp") || !strcmp(w[i], "udp") || !strcmp(w[i], "icmp") ||
		    !strcmp(w[i], "icmp6")) {
			free(s->proto);
			s->proto = xstrdup(w[i]);
		} else if (!strcmp(w[i], "of")) {
			s->of = xcalloc(1, sizeof(*s->of));
			if (parse_subject(c, s->of, w + i + 1, n - i - 1) < 0)
				return -1;
			if (s->of->flows)
				return fail(c, "'of' takes events, not flows");
			return 0;
		} else if (parse_filter(c, s, w[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

/* parse_subject - "events ROLE CALL ..." or "flows HOST:IF ..."; returns 0 or -1. */
static int parse_subject(struct compiler *c, struct subject *s, char *const *w, size_t n)
{
	memset(s, 0, sizeof(*s));
	s->text = join_words(w, n);
	if (n >= 3 && !strcmp(w[0], "events"))
		return parse_events(c, s, w, n);
	if (n >= 2 && !strcmp(w[0], "flows"))
		return parse_flows(c, s, w, n);
	return fail(c, "the subject is 'events ROLE CALL [FILTER...]' or "
		    "'flows HOST:IF [tcp|udp|icmp] [FILTER...] [of events ...]'");
}

/* ---- checks ---- */

static int parse_op(const char *w, enum op *op)
{
	for (size_t i = 0; i <= OP_IN; i++)
		if (!strcmp(w, op_names[i]) || (i == OP_EQ && !strcmp(w, "==")))
			return (int)(*op = (enum op)i);
	return -1;
}

static int parse_range(struct expect *e, const char *w)
{
	char *end;

	e->lo = strtod(w, &end);
	if (end == w || *end != '-')
		return -1;
	w = end + 1;
	e->hi = strtod(w, &end);
	return end == w || *end || !isfinite(e->lo) || !isfinite(e->hi) || e->hi < e->lo ? -1 : 0;
}

static bool is_number(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	return end != s && !*end && isfinite(v);
}

/*
 * check_value - FIELD OP VALUE makes sense for flows' typed fields: a
 * number field compares with numbers, a text field is the one that '~'
 * searches. Event fields are whatever a program wrote: not checked.
 */
static int check_value(struct compiler *c, const struct expect *e)
{
	const struct flow_field *f = e->subject.flows ? flow_field_find(e->field) : NULL;

	if (!f)
		return 0;
	if (f->type == FIELD_NUMBER && (e->op == OP_HAS || e->op == OP_HASNOT))
		return fail(c, "%s is a number: '%s' is for text", f->name, op_names[e->op]);
	if (f->type != FIELD_NUMBER && e->op == OP_IN)
		return fail(c, "%s is text: 'in LO-HI' is for numbers", f->name);
	if (f->type == FIELD_NUMBER && e->op != OP_IN && e->value[0] != '.' && !is_number(e->value))
		return fail(c, "%s is a number: '%s' is not", f->name, e->value);
	return 0;
}

static int compile_count(struct compiler *c, struct expect *e, char *const *w, size_t n)
{
	char *end;

	e->kind = CHK_COUNT;
	if (n != 3 || parse_op(w[1], &e->op) < 0 || e->op > OP_GE)
		return fail(c, "usage: count =|!=|<|<=|>|>= N");
	e->lo = strtod(w[2], &end);
	if (*end || end == w[2] || !isfinite(e->lo))
		return fail(c, "'%s' is not a number", w[2]);
	return 0;
}

static int compile_all_none(struct compiler *c, struct expect *e, char *const *w, size_t n)
{
	e->kind = w[0][0] == 'a' ? CHK_ALL : CHK_NONE;
	if (n != 4 || parse_op(w[2], &e->op) < 0)
		return fail(c, "usage: %s FIELD OP VALUE (OP: = != < <= > >= ~ !~, or in LO-HI)", w[0]);
	if (e->op == OP_IN && parse_range(e, w[3]) < 0)
		return fail(c, "'%s' is not a range LO-HI", w[3]);
	e->field = xstrdup(w[1]);
	e->value = xstrdup(w[3]);
	if (check_field(c, e->subject.flows, e->field) < 0)
		return -1;
	if (e->value[0] == '.' && e->value[1] && check_field(c, e->subject.flows, e->value + 1) < 0)
		return -1;
	return check_value(c, e);
}

static int compile_check(struct compiler *c, struct expect *e, char *const *w, size_t n)
{
	if (!strcmp(w[0], "count"))
		return compile_count(c, e, w, n);
	if (!strcmp(w[0], "all") || !strcmp(w[0], "none"))
		return compile_all_none(c, e, w, n);
	if (!strcmp(w[0], "distinct")) {
		e->kind = CHK_DISTINCT;
		if (n != 2)
			return fail(c, "usage: distinct FIELD");
		e->field = xstrdup(w[1]);
		return check_field(c, e->subject.flows, e->field);
	}
	if (!strcmp(w[0], "same")) {
		e->kind = CHK_SAME;
		if (n < 5 || strcmp(w[2], "as"))
			return fail(c, "usage: same FIELD as SUBJECT");
		e->field = xstrdup(w[1]);
		if (check_field(c, e->subject.flows, e->field) < 0 ||
		    parse_subject(c, &e->other, w + 3, n - 3) < 0)
			return -1;
		return check_field(c, e->other.flows, e->field);
	}
	static const char *const checks[] = { "count", "all", "none", "distinct", "same" };
	return fail(c, "unknown check '%s' (count, all, none, distinct, same)%s", w[0],
		    did_you_mean(suggest(w[0], checks, 5)));
}

/* compile - one expectation, or NULL with the reason in C->err. */
static struct expect *compile(struct compiler *c, const struct lab_expect *le)
{
	struct expect *e = xcalloc(1, sizeof(*e));

	if (parse_subject(c, &e->subject, le->subject, le->nsubject) < 0 ||
	    compile_check(c, e, le->check, le->ncheck) < 0) {
		expect_free(e);
		return NULL;
	}
	return e;
}

struct expect *expect_compile(const struct lab *lab, char **subject, size_t nsubject,
			      char **check, size_t ncheck, char *err, size_t errlen)
{
	struct compiler c = { .lab = lab };
	struct lab_expect le = { .subject = subject, .nsubject = nsubject, .check = check,
				 .ncheck = ncheck };
	struct expect *e = compile(&c, &le);

	if (!e)
		snprintf(err, errlen, "%s", c.err);
	return e;
}

struct expectations *expectations_compile(const struct lab *lab)
{
	struct expectations *x = xcalloc(1, sizeof(*x));
	struct compiler c = { .lab = lab };
	bool ok = true;

	x->items = xcalloc(lab->nexpects + 1, sizeof(*x->items));
	for (size_t i = 0; i < lab->nexpects; i++) {
		const struct lab_expect *le = &lab->expects[i];
		x->items[i] = compile(&c, le);
		x->n = i + 1;
		if (x->items[i])
			continue;
		ok = false;
		fprintf(stderr, "%s:%d: expect: %s", lab->file, le->line, c.err);
		if (le->param)
			fprintf(stderr, " (this line uses --param %s)", le->param);
		fputc('\n', stderr);
	}
	if (!ok) {
		expectations_free(x);
		return NULL;
	}
	return x;
}

size_t expectations_count(const struct expectations *x)
{
	return x ? x->n : 0;
}

void expectations_free(struct expectations *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		expect_free(x->items[i]);
	free(x->items);
	free(x);
}
