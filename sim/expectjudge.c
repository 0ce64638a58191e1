/*
 * expectjudge.c - judge compiled expectations against what a run measured
 * (docs/lab-format.md, "Expectations").
 *
 * Every check works on a list of records (events or flows) and the values
 * of one field in them, so that one small set of checks serves both the
 * socket API and the wire.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expectint.h"
#include "nameindex.h"
#include "record.h"
#include "util.h"

/* A selection: the records a subject names, and what could not be found. */
struct selection {
	const struct record **items;
	size_t n, cap;
	char *missing;          /* "no flow in X for Y" */
};


static bool call_matches(const char *calls, const char *call)
{
	size_t n = strlen(call);

	if (!strcmp(calls, "*"))
		return true;
	for (const char *c = calls; c; c = strchr(c, '|')) {
		if (*c == '|')
			c++;
		if (!strncmp(c, call, n) && (c[n] == '|' || c[n] == '\0'))
			return true;
	}
	return false;
}

static bool filters_match(const struct subject *s, const struct record *r)
{
	for (size_t i = 0; i < s->nfilters; i++) {
		const char *v = record_get(r, s->filters[i].key);
		if (!v || strcmp(v, s->filters[i].value))
			return false;
	}
	return true;
}

static void push(struct selection *sel, const struct record *r)
{
	if (sel->n == sel->cap) { /* doubling: 50,000 records must not copy 50,000 times */
		sel->cap = sel->cap ? 2 * sel->cap : 64;
		sel->items = xrealloc(sel->items, sizeof(*sel->items) * sel->cap);
	}
	sel->items[sel->n++] = r;
}

static const struct run_capture *find_capture(const struct run_data *run, const char *name)
{
	for (size_t i = 0; i < run->ncaptures; i++)
		if (!strcmp(run->captures[i].name, name))
			return &run->captures[i];
	return NULL;
}

/* unspecified - is the address part of endpoint E the wildcard (a failed connect's local)? */
static bool unspecified(const char *e, size_t len)
{
	return (len > 8 && !strncmp(e, "0.0.0.0:", 8)) || (len > 5 && !strncmp(e, "[::]:", 5));
}

/*
 * Which event names which flow: the same tuple, or, for an event whose local
 * address is the wildcard (a connect that failed), the same port and
 * responder. Both are looked up by hash, so that n events against n flows
 * cost n, not n * n.
 */
struct tuple_index {
	struct name_index whole;  /* "a:p -> b:q" */
	struct name_index tail;   /* ":p -> b:q", the originator's port onwards */
};

/* tuple_tail - ":p -> b:q" of tuple T, or NULL when T is no tuple. */
static const char *tuple_tail(const char *t)
{
	const char *arrow = t ? strstr(t, " -> ") : NULL;

	return arrow ? memrchr(t, ':', (size_t)(arrow - t)) : NULL;
}

/* wildcard - is the originator's address of tuple T unspecified? */
static bool wildcard(const char *t)
{
	return unspecified(t, (size_t)(strstr(t, " -> ") - t));
}

/* index_tuples - the tuples of the N records R; TAILS: index every tail, else only wildcards'. */
static void index_tuples(struct tuple_index *x, const struct record *const *r, size_t n, bool tails)
{
	memset(x, 0, sizeof(*x));
	for (size_t i = 0; i < n; i++) {
		const char *t = record_get(r[i], "tuple"), *tail = tuple_tail(t);
		if (!tail)
			continue;
		name_index_put(&x->whole, t, i);
		if (tails || wildcard(t))
			name_index_put(&x->tail, tail, i);
	}
}

/* event_has_flow - does some flow of X (indexed with every tail) carry event tuple ET? */
static bool event_has_flow(const struct tuple_index *x, const char *et)
{
	const char *tail = tuple_tail(et);

	if (!tail)
		return false;
	if (name_index_get(&x->whole, et, strlen(et)) >= 0)
		return true;
	return wildcard(et) && name_index_get(&x->tail, tail, strlen(tail)) >= 0;
}

/* flow_has_event - does some event of X (indexed with wildcards' tails) name flow tuple FT? */
static bool flow_has_event(const struct tuple_index *x, const char *ft)
{
	const char *tail = tuple_tail(ft);

	return tail && (name_index_get(&x->whole, ft, strlen(ft)) >= 0 ||
			name_index_get(&x->tail, tail, strlen(tail)) >= 0);
}

static void tuple_index_free(struct tuple_index *x)
{
	name_index_free(&x->whole);
	name_index_free(&x->tail);
}

static void select_records(const struct subject *s, const struct run_data *run,
			   struct selection *sel);

/* select_flows_of - the flows of CAP that S's events (OF) name; every event must have its flow. */
static void select_flows_of(const struct subject *s, const struct run_capture *cap,
			    const struct selection *of, struct selection *sel)
{
	struct tuple_index events, flows;

	index_tuples(&events, of->items, of->n, false);
	for (size_t i = 0; i < cap->nflows; i++) {
		const struct record *f = &cap->flows[i];
		const char *proto = record_get(f, "proto");
		if ((s->proto && (!proto || strcmp(proto, s->proto))) || !filters_match(s, f))
			continue;
		if (flow_has_event(&events, record_get(f, "tuple")))
			push(sel, f);
	}
	index_tuples(&flows, sel->items, sel->n, true);
	for (size_t k = 0; k < of->n && !sel->missing; k++) {
		const char *et = record_get(of->items[k], "tuple");
		if (!et || !event_has_flow(&flows, et))
			sel->missing = xasprintf("no flow in %s for %s", s->capture,
						 et ? et : "an event without a four-tuple");
	}
	tuple_index_free(&events);
	tuple_index_free(&flows);
}

static void select_records(const struct subject *s, const struct run_data *run,
			   struct selection *sel)
{
	memset(sel, 0, sizeof(*sel));
	if (!s->flows) {
		int64_t role_id = record_key_find("role"), call_id = record_key_find("call");
		for (size_t i = 0; i < run->nevents; i++) {
			const struct record *r = &run->events[i];
			const char *role = record_get_id(r, role_id), *call = record_get_id(r, call_id);
			if (!role || !call_matches(s->role, role) ||
			    !call || !call_matches(s->calls, call) || !filters_match(s, r))
				continue;
			push(sel, r);
		}
		return;
	}
	const struct run_capture *cap = find_capture(run, s->capture);
	if (!cap) {
		sel->missing = xasprintf("%s was not captured", s->capture);
		return;
	}
	if (!s->of) {
		for (size_t i = 0; i < cap->nflows; i++) {
			const struct record *f = &cap->flows[i];
			const char *proto = record_get(f, "proto");
			if ((!s->proto || (proto && !strcmp(proto, s->proto))) && filters_match(s, f))
				push(sel, f);
		}
		return;
	}
	struct selection of = { 0 };
	select_records(s->of, run, &of);
	sel->missing = of.missing; /* the events' own problem comes first */
	select_flows_of(s, cap, &of, sel);
	if (of.n == 0 && !sel->missing)
		sel->missing = xasprintf("no events matched '%s'", s->of->text);
	free(of.items);
}

static const char *noun(const struct subject *s, size_t n)
{
	return s->flows ? (n == 1 ? "flow" : "flows") : (n == 1 ? "event" : "events");
}

static bool compare(enum op op, const char *have, const char *want, double lo, double hi)
{
	char *end1, *end2;
	double a, b;

	if (!have)
		return op == OP_NE || op == OP_HASNOT;
	if (op == OP_HAS || op == OP_HASNOT) /* text contains, e.g. history ~ F */
		return (strstr(have, want) != NULL) == (op == OP_HAS);
	a = strtod(have, &end1);
	b = strtod(want, &end2);
	bool numeric = end1 != have && !*end1 && end2 != want && !*end2;
	if (op == OP_IN)
		return end1 != have && !*end1 && a >= lo && a <= hi;
	if (!numeric) {
		int c = strcmp(have, want);
		switch (op) {
		case OP_EQ: return c == 0;
		case OP_NE: return c != 0;
		case OP_LT: return c < 0;
		case OP_LE: return c <= 0;
		case OP_GT: return c > 0;
		case OP_GE: return c >= 0;
		default: return false;
		}
	}
	switch (op) {
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return false;
	}
}

/* describe - a short name for record R: its tuple, or its call and outcome. */
static void describe(const struct record *r, char *buf, size_t len)
{
	const char *tuple = record_get(r, "tuple"), *call = record_get(r, "call");
	const char *role = record_get(r, "role"), *err = record_get(r, "errno");

	if (call)
		snprintf(buf, len, "%s %s%s%s%s%s", role ? role : "?", call,
			 err ? " " : "", err ? err : "", tuple ? " " : "", tuple ? tuple : "");
	else
		snprintf(buf, len, "%s %s", record_get(r, "proto") ? record_get(r, "proto") : "",
			 tuple ? tuple : "?");
}

/* A value of a field, read as a number once: sorting compares it many times. */
struct value {
	const char *s;
	double d;
	bool num;
};

/* cmp_value - numbers in numeric order (4 before 10), text in text order. */
static int cmp_value(const void *a, const void *b)
{
	const struct value *x = a, *y = b;

	if (x->num && y->num && x->d != y->d)
		return x->d < y->d ? -1 : 1;
	return strcmp(x->s, y->s);
}

/* values - the sorted values of FIELD in SEL (absent ones as "-"). */
static struct value *values(const struct selection *sel, const char *field)
{
	struct value *v = xcalloc(sel->n + 1, sizeof(*v));
	int64_t id = record_key_find(field);

	for (size_t i = 0; i < sel->n; i++) {
		const char *s = record_get_id(sel->items[i], id);
		char *end;
		v[i].s = s ? s : "-";
		v[i].d = strtod(v[i].s, &end);
		v[i].num = end != v[i].s && !*end;
	}
	qsort(v, sel->n, sizeof(*v), cmp_value);
	return v;
}

/* list_values - "a, b, c and 7 more" from distinct sorted values. */
static void list_values(const struct value *v, size_t n, char *buf, size_t len)
{
	size_t shown = 0, used = 0, distinct = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(v[i].s, v[i - 1].s))
			continue;
		distinct++;
		if (shown < 4 && used < len) {
			int k = snprintf(buf + used, len - used, "%s%s", shown ? ", " : "", v[i].s);
			if (k > 0)
				used += (size_t)k;
			shown++;
		}
	}
	if (distinct > shown && used < len)
		snprintf(buf + used, len - used, " and %zu more", distinct - shown);
}

static bool judge_same(const struct expect *e, const struct selection *a,
		       const struct run_data *run, char *detail, size_t len)
{
	struct selection b;
	struct value *va = values(a, e->field), *vb;
	char only_a[256] = "", only_b[256] = "", list[256];
	size_t i = 0, k = 0, na = 0, nb = 0;
	bool ok;

	select_records(&e->other, run, &b);
	vb = values(&b, e->field);
	/* walk both sorted lists, comparing them as sets */
	struct value oa[4], ob[4];
	while (i < a->n || k < b.n) {
		int c = i >= a->n ? 1 : k >= b.n ? -1 : cmp_value(&va[i], &vb[k]); /* the sort's order */
		const struct value *cur = c <= 0 ? &va[i] : &vb[k];
		if (c < 0 && na < 4)
			oa[na] = *cur;
		if (c < 0)
			na++;
		if (c > 0 && nb < 4)
			ob[nb] = *cur;
		if (c > 0)
			nb++;
		const char *text = cur->s; /* CUR moves on with I or K */
		while (c <= 0 && i < a->n && !strcmp(va[i].s, text))
			i++;
		while (c >= 0 && k < b.n && !strcmp(vb[k].s, text))
			k++;
	}
	ok = !na && !nb && a->n && b.n && !b.missing;
	if (b.missing) {
		snprintf(detail, len, "%s", b.missing);
	} else if (!a->n || !b.n) {
		snprintf(detail, len, "%zu %s against %zu %s: nothing to compare", a->n,
			 noun(&e->subject, a->n), b.n, noun(&e->other, b.n));
	} else if (ok) {
		list_values(va, a->n, list, sizeof(list));
		snprintf(detail, len, "the same %s: %s", e->field, list);
	} else {
		list_values(oa, na < 4 ? na : 4, only_a, sizeof(only_a));
		list_values(ob, nb < 4 ? nb : 4, only_b, sizeof(only_b));
		snprintf(detail, len, "%zu only in '%s'%s%s; %zu only in '%s'%s%s", na,
			 e->subject.text, na ? ": " : "", only_a, nb, e->other.text,
			 nb ? ": " : "", only_b);
	}
	free(va);
	free(vb);
	free(b.items);
	free(b.missing);
	return ok;
}

/* judge_all - all or none of SEL have FIELD OP VALUE. */
static bool judge_all(const struct expect *e, const struct selection *sel, char *detail, size_t len)
{
	char what[256], list[256];

	if (e->kind == CHK_ALL && sel->n == 0) {
		snprintf(detail, len, "no %s matched '%s'", noun(&e->subject, 2), e->subject.text);
		return false;
	}
	int64_t id = record_key_find(e->field);
	for (size_t i = 0; i < sel->n; i++) {
		const char *have = record_get_id(sel->items[i], id);
		const char *want = e->value;
		if (want[0] == '.' && want[1]) /* another field of the same record */
			want = record_get(sel->items[i], want + 1) ? record_get(sel->items[i], want + 1) : "";
		bool hit = compare(e->op, have, want, e->lo, e->hi);
		if (hit != (e->kind == CHK_ALL)) {
			describe(sel->items[i], what, sizeof(what));
			snprintf(detail, len, "%s has %s %s, want %s%s %s%s%s%s", what, e->field,
				 have ? have : "(none)", e->kind == CHK_NONE ? "not " : "",
				 op_names[e->op], e->value, want != e->value ? " (" : "",
				 want != e->value ? want : "", want != e->value ? ")" : "");
			return false;
		}
	}
	struct value *v = values(sel, e->field);
	list_values(v, sel->n, list, sizeof(list));
	free(v);
	snprintf(detail, len, "%zu %s, %s %s %s %s (seen: %s)", sel->n,
		 noun(&e->subject, sel->n), e->kind == CHK_NONE ? "none with" : "all",
		 e->field, op_names[e->op], e->value, sel->n ? list : "none");
	return true;
}

/* judge_distinct - no two of SEL share FIELD; an empty SEL proves nothing, like all. */
static bool judge_distinct(const struct expect *e, const struct selection *sel, char *detail,
			   size_t len)
{
	struct value *v = values(sel, e->field);
	char list[256];
	bool ok = sel->n > 0;

	if (!ok)
		snprintf(detail, len, "no %s matched '%s'", noun(&e->subject, 2), e->subject.text);
	for (size_t i = 1; i < sel->n && ok; i++) {
		if (!strcmp(v[i].s, v[i - 1].s)) {
			size_t k = i;
			while (k < sel->n && !strcmp(v[k].s, v[i].s))
				k++;
			ok = false;
			snprintf(detail, len, "%s %s is shared by %zu %s", e->field, v[i].s,
				 k - i + 1, noun(&e->subject, 2));
		}
	}
	if (ok) {
		list_values(v, sel->n, list, sizeof(list));
		snprintf(detail, len, "%zu distinct: %s", sel->n, list);
	}
	free(v);
	return ok;
}

bool expect_judge(const struct expect *e, const struct run_data *run, char *detail, size_t len)
{
	struct selection sel;
	char n[32], want[32];
	bool ok = false;

	select_records(&e->subject, run, &sel);
	if (sel.missing) {
		snprintf(detail, len, "%s", sel.missing);
	} else if (e->kind == CHK_COUNT) {
		snprintf(n, sizeof(n), "%zu", sel.n);
		snprintf(want, sizeof(want), "%g", e->lo);
		ok = compare(e->op, n, want, 0, 0);
		snprintf(detail, len, "%zu %s (want %s %g)", sel.n, noun(&e->subject, sel.n),
			 op_names[e->op], e->lo);
	} else if (e->kind == CHK_ALL || e->kind == CHK_NONE) {
		ok = judge_all(e, &sel, detail, len);
	} else if (e->kind == CHK_DISTINCT) {
		ok = judge_distinct(e, &sel, detail, len);
	} else {
		ok = judge_same(e, &sel, run, detail, len);
	}
	free(sel.items);
	free(sel.missing);
	return ok;
}

bool expectations_judge(const struct expectations *x, size_t i, const struct run_data *run,
			char *detail, size_t len)
{
	return expect_judge(x->items[i], run, detail, len);
}
