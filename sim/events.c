/* events.c - order events and orient their four-tuples (see events.h). */
#include "events.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "util.h"

/* an event's time and program order, read once, so that sorting 100,000
 * events compares numbers instead of parsing text at every comparison */
struct when {
	double t;
	long seq;
	struct record rec;
};

static int by_time(const void *a, const void *b)
{
	const struct when *x = a, *y = b;

	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return (x->seq > y->seq) - (x->seq < y->seq); /* keep each program's order */
}

static void sort_by_time(struct record *ev, size_t n)
{
	struct when *w = xcalloc(n, sizeof(*w));

	for (size_t i = 0; i < n; i++) {
		w[i].t = atof(record_text(&ev[i], "t"));
		w[i].seq = atol(record_text(&ev[i], "seq"));
		w[i].rec = ev[i];
	}
	qsort(w, n, sizeof(*w), by_time);
	for (size_t i = 0; i < n; i++)
		ev[i] = w[i].rec;
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

/* wire_endpoint - ADDR:PORT as the wire shows it: IPv4-mapped as plain IPv4. */
static char *wire_endpoint(const char *addr, const char *port)
{
	if (!strncmp(addr, "::ffff:", 7) && strchr(addr + 7, '.'))
		return xasprintf("%s:%s", addr + 7, port);
	if (strchr(addr, ':'))
		return xasprintf("[%s]:%s", addr, port);
	return xasprintf("%s:%s", addr, port);
}

struct pair {
	char *key;      /* host, then the two endpoints in sorted order */
	size_t event;
};

static int by_key(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	int c = strcmp(x->key, y->key);

	return c ? c : (x->event < y->event ? -1 : x->event > y->event);
}

void events_finish(struct record *ev, size_t n)
{
	struct pair *pairs;
	size_t np = 0;

	if (n == 0)
		return;
	pairs = xcalloc(n, sizeof(*pairs));
	sort_by_time(ev, n);
	for (size_t i = 0; i < n; i++) {
		record_setf(&ev[i], "seq", FIELD_NUMBER, "%zu", i + 1);
		const char *l = record_get(&ev[i], "local"), *r = record_get(&ev[i], "remote");
		if (!l || !r || !record_get(&ev[i], "local_port") || !record_get(&ev[i], "remote_port"))
			continue;
		bool swap = strcmp(l, r) > 0;
		pairs[np].key = xasprintf("%s|%s|%s", record_text(&ev[i], "host"), swap ? r : l, swap ? l : r);
		pairs[np].event = i;
		np++;
	}
	qsort(pairs, np, sizeof(*pairs), by_key);
	for (size_t g = 0; g < np;) {
		size_t end = g;

		while (end < np && !strcmp(pairs[end].key, pairs[g].key))
			end++;
		/* the first event that can tell names the endpoint that opened; it
		 * holds for every event of the pair, from either end (a host can
		 * connect to itself) */
		const char *opened = NULL;
		for (size_t k = g; k < end && !opened; k++) {
			char side = opener(&ev[pairs[k].event]);
			if (side)
				opened = record_text(&ev[pairs[k].event], side == 'l' ? "local" : "remote");
		}
		for (size_t k = g; k < end; k++) {
			struct record *r = &ev[pairs[k].event];
			bool local_opened = !opened || !strcmp(opened, record_text(r, "local"));
			char *a = wire_endpoint(record_text(r, "local_addr"), record_text(r, "local_port"));
			char *b = wire_endpoint(record_text(r, "remote_addr"), record_text(r, "remote_port"));
			record_setf(r, "tuple", FIELD_STRING, "%s -> %s", local_opened ? a : b,
				    local_opened ? b : a);
			free(a);
			free(b);
		}
		for (size_t k = g; k < end; k++)
			free(pairs[k].key);
		g = end;
	}
	free(pairs);
}
