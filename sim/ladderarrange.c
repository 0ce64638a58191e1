/*
 * ladderarrange.c - a connection's sightings arranged for drawing (see
 * ladder.h): columns in path order, sightings of one packet grouped into
 * one arrow, sequence numbers made relative, socket calls in their columns.
 */
#include <stdlib.h>
#include <string.h>

#include "ladderint.h"
#include "util.h"

static int by_time(const void *a, const void *b)
{
	const struct sighting *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/*
 * columns - OUT's columns: C's vantage points in the order that the
 * originator's packets reach them; MAP[v] gets vantage v's column.
 */
static void columns(const struct ladder *l, const struct conn *c, struct ladder_conn *out,
		    int map[LADDER_MAX_VANTAGE])
{
	double when[LADDER_MAX_VANTAGE];
	bool orig_seen[LADDER_MAX_VANTAGE] = { false };
	size_t order[LADDER_MAX_VANTAGE], n = 0;

	for (size_t v = 0; v < LADDER_MAX_VANTAGE; v++)
		map[v] = -1;
	for (size_t i = 0; i < c->ns; i++) {
		const struct sighting *s = &c->s[i];
		bool orig = s->from_orig && s->kind == ARROW_PACKET;

		if (map[s->vantage] < 0) {
			map[s->vantage] = 0;
			order[n++] = s->vantage;
			when[s->vantage] = s->ts;
		}
		if (orig && !orig_seen[s->vantage]) {
			orig_seen[s->vantage] = true;
			when[s->vantage] = s->ts;
		}
	}
	/* insertion sort: a handful of columns; equal times keep the capture's order */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && when[order[j]] < when[order[j - 1]]; j--) {
			size_t t = order[j];

			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		map[order[i]] = (int)i;
		out->col_name[i] = l->vantage[order[i]];
	}
	out->ncols = n;
}

/* joins - true when sighting S (in column COL) is one more sighting of arrow A. */
static bool joins(const struct arrow *a, const struct sighting *s, int col)
{
	return a->kind == s->kind && a->from_orig == s->from_orig && a->flags == s->flags &&
	       a->seq == s->seq && a->ack == s->ack && a->len == s->len && a->icmp == s->icmp &&
	       !(a->seen >> col & 1) && s->ts - a->t1 < 0.5;
}

/* base_seq - the ISN of one side (FROM_ORIG) of C: its SYN's sequence number, or its first. */
static uint32_t base_seq(const struct conn *c, bool from_orig)
{
	for (size_t i = 0; i < c->ns; i++)
		if (c->s[i].tcp && c->s[i].from_orig == from_orig && (c->s[i].flags & TH_SYN))
			return c->s[i].seq;
	for (size_t i = 0; i < c->ns; i++)
		if (c->s[i].tcp && c->s[i].from_orig == from_orig)
			return c->s[i].seq;
	return 0;
}

/* add_arrow - a new arrow for sighting S in column COL. */
static void add_arrow(struct ladder_conn *out, size_t *cap, const struct sighting *s, int col)
{
	struct arrow *a;

	if (out->narrows == *cap)
		out->arrows = xrealloc(out->arrows, (*cap = *cap ? 2 * *cap : 32) * sizeof(*a));
	a = &out->arrows[out->narrows++];
	memset(a, 0, sizeof(*a));
	a->t0 = a->t1 = s->ts;
	a->kind = (enum arrow_kind)s->kind;
	a->from_orig = s->from_orig;
	a->flags = s->flags;
	a->seq = s->seq;
	a->ack = s->ack;
	a->len = s->len;
	a->has_seq = s->tcp;
	a->icmp = s->icmp;
	a->seen = (uint64_t)1 << col;
}

/* arrows - C's sightings grouped into arrows, with relative sequence numbers. */
static void arrows(struct conn *c, struct ladder_conn *out, const int map[LADDER_MAX_VANTAGE])
{
	uint32_t base_o = base_seq(c, true), base_r = base_seq(c, false);
	size_t cap = 0;

	for (size_t i = 0; i < c->ns; i++) {
		const struct sighting *s = &c->s[i];
		int col = map[s->vantage];
		struct arrow *a = NULL;

		/* the same packet further along its way joins its arrow */
		for (size_t k = out->narrows, tries = 0; k-- > 0 && tries < 64; tries++)
			if (joins(&out->arrows[k], s, col)) {
				a = &out->arrows[k];
				break;
			}
		if (!a) {
			add_arrow(out, &cap, s, col);
			continue;
		}
		a->seen |= (uint64_t)1 << col;
		a->t1 = s->ts;
	}
	for (size_t i = 0; i < out->narrows; i++) {
		struct arrow *a = &out->arrows[i];
		int lo = __builtin_ctzll(a->seen), hi = 63 - __builtin_clzll(a->seen);

		a->first = a->from_orig ? lo : hi;
		a->last = a->from_orig ? hi : lo;
		if (a->has_seq) {
			a->seq -= a->from_orig ? base_o : base_r;
			a->ack = a->flags & TH_ACK ? a->ack - (a->from_orig ? base_r : base_o) : 0;
		}
	}
}

static int by_event_time(const void *a, const void *b)
{
	const struct lad_event *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* event_columns - put each event of OUT in the column of its host, in time order. */
static void event_columns(struct ladder_conn *out)
{
	for (size_t i = 0; i < out->nevents; i++) {
		struct lad_event *e = &out->events[i];

		/* a call starts before the first packet it causes: the millisecond hid that */
		if (e->called && e->t >= out->arrows[0].t0)
			e->t = out->arrows[0].t0 - 1e-6;
	}
	if (out->nevents)
		qsort(out->events, out->nevents, sizeof(*out->events), by_event_time);
	for (size_t i = 0; i < out->nevents; i++) {
		struct lad_event *e = &out->events[i];
		size_t n = strlen(e->host);

		e->col = e->orig_side ? 0 : (int)out->ncols - 1;
		for (size_t k = 0; k < out->ncols; k++)
			if (!strncmp(out->col_name[k], e->host, n) && out->col_name[k][n] == ':') {
				e->col = (int)k;
				break;
			}
		if (e->t < out->t0)
			out->t0 = e->t;
	}
}

const struct ladder_conn *ladder_conns(struct ladder *l, size_t *n)
{
	if (!l->out) {
		l->out = xcalloc(l->n + 1, sizeof(*l->out));
		for (size_t i = 0; i < l->n; i++) {
			struct conn *c = l->all[i];
			struct ladder_conn *o = &l->out[l->nout];
			int map[LADDER_MAX_VANTAGE];

			if (!c->drawn || !c->ns)
				continue;
			l->nout++;
			qsort(c->s, c->ns, sizeof(*c->s), by_time);
			o->number = c->number;
			o->id.proto = c->key.proto;
			o->id.orig_h = c->key.src;
			o->id.resp_h = c->key.dst;
			o->id.orig_p = c->key.sport;
			o->id.resp_p = c->key.dport;
			columns(l, c, o, map);
			arrows(c, o, map);
			o->t0 = o->arrows[0].t0;
			o->events = c->ev;
			o->nevents = c->nev;
			event_columns(o);
		}
	}
	*n = l->nout;
	return l->out;
}
