/* events.c - order events and orient their four-tuples (see events.h). */
#include "events.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "util.h"

/* An event's place in time: read once, not at every comparison of the sort. */
struct when {
	double t;
	long seq;
	size_t event;
};

static int by_time(const void *a, const void *b)
{
	const struct when *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	if (x->seq != y->seq) /* keep each program's order */
		return x->seq < y->seq ? -1 : 1;
	return x->event < y->event ? -1 : x->event > y->event;
}

/* sort_by_time - EV in time order; the sort moves records, never their fields. */
static void sort_by_time(struct record *ev, size_t n)
{
	struct when *w = xcalloc(n, sizeof(*w));
	struct record *sorted = xcalloc(n, sizeof(*sorted));

	for (size_t i = 0; i < n; i++)
		w[i] = (struct when){ .t = atof(record_text(&ev[i], "t")),
				      .seq = atol(record_text(&ev[i], "seq")), .event = i };
	qsort(w, n, sizeof(*w), by_time);
	for (size_t i = 0; i < n; i++)
		sorted[i] = ev[w[i].event];
	memcpy(ev, sorted, n * sizeof(*ev));
	free(sorted);
	free(w);
}

/* opener - 'l' if CALL says the local side opened, 'r' the remote side, 0 if it cannot tell. */
static char opener(const struct record *r)
{
	static const char *const local[] = { "connect", "send", "sendto", "sendmsg", "write", NULL };
	static const char *const remote[] = { "accept", "recv", "recvfrom", "recvmsg", "read", NULL };
	const char *call = record_text(r, "call"), *by = record_get(r, "opened_by");

	if (by)
		return !strcmp(by, "remote") ? 'r' : 'l';
	for (size_t i = 0; local[i]; i++)
		if (!strcmp(call, local[i]))
			return 'l';
	for (size_t i = 0; remote[i]; i++)
		if (!strcmp(call, remote[i]))
			return 'r';
	return 0;
}

/* An endpoint's text: addresses come from endpoint_split (at most 63 bytes), ports are numbers. */
#define ENDPOINT_MAX 96

/* wire_endpoint - ADDR:PORT as the wire shows it, in BUF: IPv4-mapped as plain IPv4. */
static const char *wire_endpoint(const char *addr, const char *port, char *buf, size_t len)
{
	if (!strncmp(addr, "::ffff:", 7) && strchr(addr + 7, '.'))
		snprintf(buf, len, "%s:%s", addr + 7, port);
	else if (strchr(addr, ':'))
		snprintf(buf, len, "[%s]:%s", addr, port);
	else
		snprintf(buf, len, "%s:%s", addr, port);
	return buf;
}

struct pair {
	size_t key;     /* in the keys buffer: host, then the two endpoints in sorted order */
	size_t event;
};

static int by_key(const void *a, const void *b, void *keys)
{
	const struct pair *x = a, *y = b;
	int c = strcmp((char *)keys + x->key, (char *)keys + y->key);

	return c ? c : (x->event < y->event ? -1 : x->event > y->event);
}

/*
 * add_endpoints - local_addr/port and remote_addr/port of event E, with room
 * for its tuple too: they are added after the programs, not while they
 * run, so that the events held then (with the capture rings, the run's
 * peak) are a quarter smaller.
 */
static void add_endpoints(struct record *e)
{
	const char *l = record_get(e, "local"), *r = record_get(e, "remote");
	/* each address and port, no longer than its endpoint, then the tuple of both */
	size_t more = 2 * (l ? strlen(l) : 0) + 2 * (r ? strlen(r) : 0) + 16;

	record_reserve(e, e->n + 5, e->len + more);
	record_add_endpoints(e);
}

/*
 * pair_keys - number EV in order, add their endpoints, and a pair for each event that has both
 * endpoints; their keys go in one buffer (*KEYS), not one string each.
 * Returns how many pairs.
 */
static size_t pair_keys(struct record *ev, size_t n, struct pair *pairs, char **keys)
{
	size_t np = 0, used = 0, cap = 0;

	for (size_t i = 0; i < n; i++) {
		record_setf(&ev[i], "seq", FIELD_NUMBER, "%zu", i + 1);
		add_endpoints(&ev[i]);
		const char *l = record_get(&ev[i], "local"), *r = record_get(&ev[i], "remote");
		if (!l || !r || !record_get(&ev[i], "local_port") || !record_get(&ev[i], "remote_port"))
			continue;
		bool swap = strcmp(l, r) > 0;
		const char *host = record_text(&ev[i], "host");
		size_t len = strlen(host) + strlen(l) + strlen(r) + 3;
		while (used + len > cap)
			*keys = xrealloc(*keys, cap = cap ? 2 * cap : 4096);
		snprintf(*keys + used, len, "%s|%s|%s", host, swap ? r : l, swap ? l : r);
		pairs[np++] = (struct pair){ .key = used, .event = i };
		used += len;
	}
	return np;
}

/* orient - the tuple of each event of one pair of endpoints (PAIRS[0..N)), from who opened it. */
static void orient(struct record *ev, const struct pair *pairs, size_t n)
{
	/* the first event that can tell names the endpoint that opened; it
	 * holds for every event of the pair, from either end (a host can
	 * connect to itself) */
	char *opened = NULL; /* a copy: setting a tuple moves the record's text */
	for (size_t k = 0; k < n && !opened; k++) {
		char side = opener(&ev[pairs[k].event]);
		if (side)
			opened = xstrdup(record_text(&ev[pairs[k].event], side == 'l' ? "local" : "remote"));
	}
	for (size_t k = 0; k < n; k++) {
		struct record *r = &ev[pairs[k].event];
		bool local_opened = !opened || !strcmp(opened, record_text(r, "local"));
		char la[ENDPOINT_MAX], ra[ENDPOINT_MAX];
		const char *a = wire_endpoint(record_text(r, "local_addr"), record_text(r, "local_port"),
					      la, sizeof(la));
		const char *b = wire_endpoint(record_text(r, "remote_addr"), record_text(r, "remote_port"),
					      ra, sizeof(ra));
		record_setf(r, "tuple", FIELD_STRING, "%s -> %s", local_opened ? a : b,
			    local_opened ? b : a);
	}
	free(opened);
}

void events_finish(struct record *ev, size_t n)
{
	if (n == 0)
		return;
	struct pair *pairs = xcalloc(n, sizeof(*pairs));
	char *keys = NULL;

	sort_by_time(ev, n);
	size_t np = pair_keys(ev, n, pairs, &keys);
	qsort_r(pairs, np, sizeof(*pairs), by_key, keys);
	for (size_t g = 0; g < np;) {
		size_t end = g;
		while (end < np && !strcmp(keys + pairs[end].key, keys + pairs[g].key))
			end++;
		orient(ev, pairs + g, end - g);
		g = end;
	}
	free(keys);
	free(pairs);
	for (size_t i = 0; i < n; i++)
		record_pack(&ev[i]);
}
