/*
 * ladderevents.c - the socket calls of result.json, tied to the connections
 * of a ladder (see ladder.h): first by their endpoints, then by their
 * descriptor, so that send, recv and close land on the connection too.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "jsonread.h"
#include "ladderint.h"
#include "util.h"

/* parse_addr - TEXT as an address into A; false when it is none. */
static bool parse_addr(const char *text, struct pl_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (!text)
		return false;
	if (inet_pton(AF_INET, text, a->a) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, text, a->a) == 1)
		a->family = AF_INET6;
	return a->family != 0;
}

/* unspecified - true for 0.0.0.0 and ::, a socket not bound to an address yet. */
static bool unspecified(const struct pl_addr *a)
{
	static const uint8_t zero[16];

	return !memcmp(a->a, zero, 16);
}

/* newest_before - the connection of chain C that began last before T (or its oldest). */
static struct conn *newest_before(struct conn *c, double t)
{
	struct conn *last = c;

	for (; c; c = c->older) {
		if (c->first_ts <= t + 0.5)
			return c;
		last = c;
	}
	return last;
}

/*
 * event_conn - the drawn connection event EV (at time T) is about, looking
 * at its local and remote endpoints; *ORIG_SIDE says which end made it.
 */
static struct conn *event_conn(struct ladder *l, const struct jvalue *ev, double t, bool *orig_side)
{
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	struct pkt_id id = { 0 };

	if (!parse_addr(jstr(ev, "remote_addr"), &id.dst) || jnum(ev, "local_port", -1) < 0 ||
	    !parse_addr(jstr(ev, "local_addr"), &id.src))
		return NULL;
	id.sport = (uint16_t)jnum(ev, "local_port", 0);
	id.dport = (uint16_t)jnum(ev, "remote_port", 0);
	if (!unspecified(&id.src)) {
		for (size_t i = 0; i < sizeof(protos); i++) {
			uint32_t h;
			size_t slot;
			struct conn *c;

			id.proto = protos[i];
			h = lad_key_hash(&id);
			slot = lad_slot_of(l, &id, h, orig_side);
			c = l->slots[slot] ? newest_before(l->slots[slot], t) : NULL;
			if (c && c->drawn)
				return lad_same_key(c, &id, orig_side) ? c : NULL;
		}
		return NULL;
	}
	/* not bound to an address yet (a failed connect): look through them all */
	for (size_t i = l->n; i-- > 0;) {
		struct conn *c = l->all[i];
		const struct pkt_id *k = &c->key;

		if (c->drawn && c->first_ts <= t + 0.5 && k->sport == id.sport &&
		    k->dport == id.dport && lad_addr_eq(&k->dst, &id.dst) && k->src.family == id.src.family) {
			*orig_side = true;
			return c;
		}
	}
	return NULL;
}

/* add_event - event text TEXT at T, made on HOST (the ORIG side's or not), to C. */
static struct lad_event *add_event(struct conn *c, double t, const char *host, bool orig,
				   const char *text)
{
	struct lad_event *e;

	c->ev = xrealloc(c->ev, (c->nev + 1) * sizeof(*c->ev));
	e = &c->ev[c->nev];
	e->order = 2 * (unsigned)c->nev++ + 2;
	e->called = false;
	e->t = t;
	e->col = 0;
	e->orig_side = orig;
	snprintf(e->host, sizeof(e->host), "%s", host);
	snprintf(e->text, sizeof(e->text), "%s", text);
	return e;
}

/* event_text - "client connect() ok", "server accept() = fd 4", "client recv() 22 bytes". */
static void event_text(const struct jvalue *ev, char *buf, size_t len)
{
	const char *role = jstr(ev, "role"), *call = jstr(ev, "call"), *err = jstr(ev, "errno");
	const struct jvalue *ok = jget(ev, "ok");
	double bytes = jnum(ev, "bytes", -1);

	if (ok && ok->type == J_BOOL && !ok->b)
		snprintf(buf, len, "%s %s() %s", role, call, err ? err : "failed");
	else if (!strcmp(call, "accept"))
		snprintf(buf, len, "%s accept() = fd %.0f", role, jnum(ev, "fd", -1));
	else if (bytes >= 0)
		snprintf(buf, len, "%s %s() %.0f bytes", role, call, bytes);
	else
		snprintf(buf, len, "%s %s() ok", role, call);
}

/* A descriptor tied to a connection: later calls on it (send, close) are the connection's. */
struct binding {
	const char *role;
	double fd;
	struct conn *c;
	bool orig;
	unsigned order;          /* connect: the order of its event */
};

/* bound - the binding of ROLE's descriptor FD among the N of B, or NULL. */
static struct binding *bound(struct binding *b, size_t n, const char *role, double fd)
{
	for (size_t i = n; i-- > 0;)
		if (b[i].c && b[i].fd == fd && !strcmp(b[i].role, role))
			return &b[i];
	return NULL;
}

/*
 * connect_called - a connect_time note EV: the connect LAST, which returned
 * at T_CONNECT, began ELAPSED_MS earlier (whole milliseconds only).
 */
static void connect_called(const struct binding *last, double t_connect, const char *host,
			   const struct jvalue *ev)
{
	double ms = jnum(ev, "elapsed_ms", 0);
	char text[96];
	struct lad_event *e;

	if (!last || !last->c)
		return;
	snprintf(text, sizeof(text), "%s connect() called (%.0f ms before it returned)", last->role, ms);
	e = add_event(last->c, t_connect - ms / 1000.0, host, last->orig, text);
	e->called = true;
	e->order = last->order - 1;
}

/* A socket() event, kept until a later call on its descriptor names the connection. */
struct opened {
	const char *role, *host;
	double fd, t;
};

/* tie_socket - the socket() of ROLE's FD among the N of OPENED, now known to be C's. */
static void tie_socket(struct opened *op, size_t n, const char *role, double fd, struct conn *c,
		       bool orig)
{
	char text[96];

	for (size_t i = n; i-- > 0;)
		if (op[i].role && op[i].fd == fd && !strcmp(op[i].role, role)) {
			snprintf(text, sizeof(text), "%s socket() = fd %.0f", role, fd);
			add_event(c, op[i].t, op[i].host, orig, text);
			op[i].role = NULL;
			return;
		}
}

/* tie - event EV (ROLE's, at T on HOST) to connection C, binding its descriptor FD. */
static void tie(struct binding **b, size_t *nb, struct binding *bd, struct opened *op, size_t nop,
		const struct jvalue *ev, struct conn *c, bool orig)
{
	const char *role = jstr(ev, "role"), *call = jstr(ev, "call");
	double fd = jnum(ev, "fd", -1);
	char text[96];
	struct lad_event *e;

	if (!bd && fd >= 0)
		tie_socket(op, nop, role, fd, c, orig);
	/* a program that said when a blocking call began (report_calling) */
	if (jnum(ev, "t_called", -1) > 0) {
		snprintf(text, sizeof(text), "%s %s() called", role, call);
		add_event(c, jnum(ev, "t_called", 0), jstr(ev, "host"), orig, text);
	}
	event_text(ev, text, sizeof(text));
	e = add_event(c, jnum(ev, "t", 0), jstr(ev, "host"), orig, text);
	if (!strcmp(call, "close") && bd) {
		bd->c = NULL;
	} else if (!bd && fd >= 0) {
		*b = xrealloc(*b, (*nb + 1) * sizeof(**b));
		(*b)[(*nb)++] = (struct binding){ role, fd, c, orig, e->order };
	}
}

void ladder_events(struct ladder *l, const struct jvalue *events)
{
	struct binding *b = NULL, last_connect = { 0 };
	struct opened *op = NULL;
	size_t nb = 0, nop = 0;
	double t_connect = 0;

	if (!events || events->type != J_ARRAY)
		return;
	for (size_t i = 0; i < events->n; i++) {
		const struct jvalue *ev = &events->items[i];
		const char *role = jstr(ev, "role"), *call = jstr(ev, "call"), *host = jstr(ev, "host");
		double t = jnum(ev, "t", 0), fd = jnum(ev, "fd", -1);
		struct binding *bd;
		bool orig = false;
		struct conn *c;

		if (!role || !call || !host)
			continue;
		bd = bound(b, nb, role, fd);
		if (!strcmp(call, "connect_time")) {
			if (last_connect.role && !strcmp(last_connect.role, role))
				connect_called(&last_connect, t_connect, host, ev);
			continue;
		}
		if (!strcmp(call, "socket") && fd >= 0) {
			op = xrealloc(op, (nop + 1) * sizeof(*op));
			op[nop++] = (struct opened){ role, host, fd, t };
			continue;
		}
		c = event_conn(l, ev, t, &orig);
		if (!c && bd) {
			c = bd->c;
			orig = bd->orig;
		}
		if (c)
			tie(&b, &nb, bd, op, nop, ev, c, orig);
		if (!strcmp(call, "connect")) {
			bd = bound(b, nb, role, fd);
			last_connect = (struct binding){ role, fd, c, orig, bd && bd->c == c ? bd->order : 0 };
			t_connect = t;
		}
	}
	free(op);
	free(b);
}
