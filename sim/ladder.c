/*
 * ladder.c - sightings of packets in, connections ready to draw out (see ladder.h).
 *
 * Every packet is decoded (decode.c) and put to its connection: a hash
 * table maps the direction-free (proto, endpoints) key to the newest
 * connection of that key, which links to older ones (a reused four-tuple is
 * two connections, told apart by the originator's ISN, as in flows.c). Only
 * connections to be drawn keep their sightings.
 */
#include "ladder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capsrc.h"
#include "decode.h"
#include "jsonread.h"
#include "util.h"

/* One sighting of a packet at one vantage point. */
struct sighting {
	double ts;
	uint16_t vantage;
	uint8_t kind;            /* enum arrow_kind */
	uint8_t flags;
	bool from_orig, tcp;
	uint32_t seq, ack, len;
	uint32_t order;          /* arrival order, to keep sorting stable */
	const char *icmp;
};

struct conn {
	struct conn *older;      /* the previous connection of the same key */
	struct pkt_id key;       /* as the originator sends */
	uint32_t hash;
	size_t number;
	double first_ts;
	bool isn_known, drawn;
	uint32_t isn;
	uint64_t syn_at;         /* vantage points where its SYN was seen */
	struct sighting *s;
	size_t ns, cap;
	struct lad_event *ev;
	size_t nev;
};

struct ladder {
	struct ladder_select sel;
	struct conn **slots;     /* newest connection per key */
	size_t nslots;
	struct conn **all;       /* every connection, by number - 1 */
	size_t n, cap;
	char *vantage[LADDER_MAX_VANTAGE];
	size_t nvantage;
	struct ladder_conn *out;
	size_t nout;
};

struct ladder *ladder_new(const struct ladder_select *sel)
{
	struct ladder *l = xcalloc(1, sizeof(*l));

	l->sel = *sel;
	l->nslots = 1024;
	l->slots = xcalloc(l->nslots, sizeof(*l->slots));
	return l;
}

void ladder_free(struct ladder *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->all[i]->s);
		free(l->all[i]->ev);
		free(l->all[i]);
	}
	for (size_t i = 0; i < l->nout; i++)
		free(l->out[i].arrows);
	for (size_t i = 0; i < l->nvantage; i++)
		free(l->vantage[i]);
	free(l->out);
	free(l->all);
	free(l->slots);
	free(l);
}

size_t ladder_count(const struct ladder *l)
{
	return l->n;
}

/* ---- keys ---- */

static bool addr_eq(const struct pl_addr *a, const struct pl_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, 16);
}

/* end_hash - a hash of one endpoint. */
static uint32_t end_hash(const struct pl_addr *a, uint16_t port)
{
	uint32_t h = 2166136261u ^ a->family;

	for (int i = 0; i < 16; i++)
		h = (h ^ a->a[i]) * 16777619u;
	return (h ^ port) * 16777619u;
}

/* key_hash - the same hash both ways. */
static uint32_t key_hash(const struct pkt_id *id)
{
	return (end_hash(&id->src, id->sport) + end_hash(&id->dst, id->dport)) * 2654435761u ^ id->proto;
}

/* same_key - true when ID is a packet of C's key; *FROM_ORIG says which way. */
static bool same_key(const struct conn *c, const struct pkt_id *id, bool *from_orig)
{
	const struct pkt_id *k = &c->key;

	if (k->proto != id->proto)
		return false;
	if (k->sport == id->sport && k->dport == id->dport &&
	    addr_eq(&k->src, &id->src) && addr_eq(&k->dst, &id->dst))
		return *from_orig = true;
	if (k->sport == id->dport && k->dport == id->sport &&
	    addr_eq(&k->src, &id->dst) && addr_eq(&k->dst, &id->src)) {
		*from_orig = false;
		return true;
	}
	return false;
}

/* slot_of - the slot of ID's key (its newest connection, or an empty slot). */
static size_t slot_of(const struct ladder *l, const struct pkt_id *id, uint32_t h, bool *from_orig)
{
	size_t mask = l->nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask)
		if (!l->slots[i] || (l->slots[i]->hash == h && same_key(l->slots[i], id, from_orig)))
			return i;
}

/* grow - double the hash table once it is half full. */
static void grow(struct ladder *l)
{
	size_t old_n = l->nslots;
	struct conn **old = l->slots;
	bool dir;

	l->nslots *= 2;
	l->slots = xcalloc(l->nslots, sizeof(*l->slots));
	for (size_t i = 0; i < old_n; i++)
		if (old[i])
			l->slots[slot_of(l, &old[i]->key, old[i]->hash, &dir)] = old[i];
	free(old);
}

/* selected - true when the selection draws connection C. */
static bool selected(const struct ladder *l, const struct conn *c)
{
	const struct ladder_select *s = &l->sel;
	struct pkt_id want = { .proto = c->key.proto, .src = s->a, .dst = s->b,
			       .sport = s->ap, .dport = s->bp };
	bool dir;

	if (s->by_tuple)
		return same_key(c, &want, &dir);
	return s->flow == 0 || s->flow == c->number;
}

/* new_conn - a new connection whose first packet is P (at TS), newest of its key. */
static struct conn *new_conn(struct ladder *l, const struct pkt *p, double ts, uint32_t h,
			     struct conn *older)
{
	struct conn *c = xcalloc(1, sizeof(*c));
	uint8_t fl = p->tcp_flags & (TH_SYN | TH_ACK);
	bool flip = p->id.proto == IPPROTO_TCP && fl == (TH_SYN | TH_ACK);

	c->key = p->id;
	if (flip) {   /* a SYN-ACK first: the side it answers opened the connection */
		c->key.src = p->id.dst;
		c->key.dst = p->id.src;
		c->key.sport = p->id.dport;
		c->key.dport = p->id.sport;
	}
	c->key.error = false;
	c->older = older;
	c->hash = h;
	c->first_ts = ts;
	if (l->n == l->cap)
		l->all = xrealloc(l->all, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof(*l->all));
	l->all[l->n++] = c;
	c->number = l->n;
	c->drawn = selected(l, c);
	return c;
}

/*
 * conn_of - the connection TCP/UDP/ICMP packet P (at TS, at VANTAGE) belongs
 * to, made when it is new; *FROM_ORIG says which way it goes.
 */
static struct conn *conn_of(struct ladder *l, const struct pkt *p, double ts, unsigned vantage,
			    bool *from_orig)
{
	uint32_t h = key_hash(&p->id);
	bool is_syn = p->id.proto == IPPROTO_TCP && (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
	size_t slot;
	struct conn *c;

	if ((l->n + 1) * 2 > l->nslots)
		grow(l);
	slot = slot_of(l, &p->id, h, from_orig);
	if (!l->slots[slot]) {
		c = l->slots[slot] = new_conn(l, p, ts, h, NULL);
		same_key(c, &p->id, from_orig);
	} else if (is_syn && *from_orig) {
		/* a SYN: the connection with its ISN, or a new one */
		for (c = l->slots[slot]; c && !(c->isn_known && c->isn == p->seq); c = c->older)
			;
		if (!c)
			c = l->slots[slot] = new_conn(l, p, ts, h, l->slots[slot]);
	} else {
		/* the newest whose SYN was seen here, else the newest of all */
		for (c = l->slots[slot]; c && !(c->syn_at >> vantage & 1); c = c->older)
			;
		if (!c)
			c = l->slots[slot];
	}
	if (is_syn && *from_orig) {
		c->isn_known = true;
		c->isn = p->seq;
		c->syn_at |= (uint64_t)1 << vantage;
	}
	return c;
}

/* add_sighting - keep what P looked like at VANTAGE, when C is drawn. */
static void add_sighting(struct conn *c, const struct pkt *p, double ts, unsigned vantage,
			 bool from_orig, enum arrow_kind kind)
{
	struct sighting *s;

	if (!c->drawn)
		return;
	if (c->ns == c->cap)
		c->s = xrealloc(c->s, (c->cap = c->cap ? 2 * c->cap : 32) * sizeof(*c->s));
	s = &c->s[c->ns];
	s->order = (uint32_t)c->ns++;
	s->ts = ts;
	s->vantage = (uint16_t)vantage;
	s->kind = (uint8_t)kind;
	s->from_orig = from_orig;
	s->tcp = p->id.proto == IPPROTO_TCP && kind == ARROW_PACKET;
	s->flags = p->tcp_flags;
	s->seq = p->seq;
	s->ack = p->ack;
	s->len = p->payload_len;
	s->icmp = kind == ARROW_ICMP_ERROR ? p->icmp_error : NULL;
}

/* icmp_sighting - an ICMP error goes to the connection it quotes, if any. */
static void icmp_sighting(struct ladder *l, const struct pkt *p, double ts, unsigned vantage)
{
	uint32_t h = key_hash(&p->quoted);
	bool dir;
	size_t slot = slot_of(l, &p->quoted, h, &dir);
	struct conn *c = l->slots[slot];

	if (!p->quote_ok || !c)
		return;
	/* toward the originator when it is addressed to the originator's host */
	add_sighting(c, p, ts, vantage, !addr_eq(&p->id.dst, &c->key.src), ARROW_ICMP_ERROR);
}

/* vantage_id - the number of vantage point NAME, added when new; -1 when full. */
static int vantage_id(struct ladder *l, const char *name)
{
	for (size_t i = 0; i < l->nvantage; i++)
		if (!strcmp(l->vantage[i], name))
			return (int)i;
	if (l->nvantage == LADDER_MAX_VANTAGE)
		return -1;
	l->vantage[l->nvantage] = xstrdup(name);
	return (int)l->nvantage++;
}

/* packet_vantage - the vantage point of interface IFACE of S, read as NAME. */
static int packet_vantage(struct ladder *l, const struct capsrc *s, uint32_t iface, const char *name)
{
	const char *ifname = capsrc_iface_name(s, iface);
	char buf[300];

	if (ifname)
		return vantage_id(l, ifname);
	if (capsrc_ninterfaces(s) > 1) {
		snprintf(buf, sizeof(buf), "%s#%u", name, iface);
		return vantage_id(l, buf);
	}
	return vantage_id(l, name);
}

int ladder_read(struct ladder *l, const char *path, const char *name, char *err, size_t errlen)
{
	struct capsrc *s = capsrc_open(path, err, errlen);
	struct cap_pkt cp;
	struct pkt p;
	int rc;

	if (!s)
		return -1;
	while ((rc = capsrc_next(s, &cp)) == 1) {
		int v = packet_vantage(l, s, cp.iface, name);
		bool from_orig;

		if (v < 0) {
			snprintf(err, errlen, "%s: more than %d interfaces", path, LADDER_MAX_VANTAGE);
			capsrc_close(s);
			return -1;
		}
		switch (decode_packet(cp.data, cp.caplen, cp.len, capsrc_iface_dlt(s, cp.iface), &p)) {
		case PKT_FLOW: {
			struct conn *c = conn_of(l, &p, cp.ts, (unsigned)v, &from_orig);

			add_sighting(c, &p, cp.ts, (unsigned)v, from_orig, ARROW_PACKET);
			break;
		}
		case PKT_ICMP_ERR:
			icmp_sighting(l, &p, cp.ts, (unsigned)v);
			break;
		default:
			break;   /* fragments, ARP, damaged frames: not part of a ladder */
		}
	}
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, capsrc_error(s));
	capsrc_close(s);
	return rc < 0 ? 1 : 0;
}

/* ---- socket events ---- */

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
			h = key_hash(&id);
			slot = slot_of(l, &id, h, orig_side);
			c = l->slots[slot] ? newest_before(l->slots[slot], t) : NULL;
			if (c && c->drawn)
				return same_key(c, &id, orig_side) ? c : NULL;
		}
		return NULL;
	}
	/* not bound to an address yet (a failed connect): look through them all */
	for (size_t i = l->n; i-- > 0;) {
		struct conn *c = l->all[i];
		const struct pkt_id *k = &c->key;

		if (c->drawn && c->first_ts <= t + 0.5 && k->sport == id.sport &&
		    k->dport == id.dport && addr_eq(&k->dst, &id.dst) && k->src.family == id.src.family) {
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

/* ---- arranging a connection for drawing ---- */

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
