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
#include "ladderint.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "capsrc.h"
#include "decode.h"
#include "util.h"

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

bool lad_addr_eq(const struct pl_addr *a, const struct pl_addr *b)
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
uint32_t lad_key_hash(const struct pkt_id *id)
{
	return (end_hash(&id->src, id->sport) + end_hash(&id->dst, id->dport)) * 2654435761u ^ id->proto;
}

/* same_key - true when ID is a packet of C's key; *FROM_ORIG says which way. */
bool lad_same_key(const struct conn *c, const struct pkt_id *id, bool *from_orig)
{
	const struct pkt_id *k = &c->key;

	if (k->proto != id->proto)
		return false;
	if (k->sport == id->sport && k->dport == id->dport &&
	    lad_addr_eq(&k->src, &id->src) && lad_addr_eq(&k->dst, &id->dst))
		return *from_orig = true;
	if (k->sport == id->dport && k->dport == id->sport &&
	    lad_addr_eq(&k->src, &id->dst) && lad_addr_eq(&k->dst, &id->src)) {
		*from_orig = false;
		return true;
	}
	return false;
}

/* slot_of - the slot of ID's key (its newest connection, or an empty slot). */
size_t lad_slot_of(const struct ladder *l, const struct pkt_id *id, uint32_t h, bool *from_orig)
{
	size_t mask = l->nslots - 1;

	for (size_t i = h & mask;; i = (i + 1) & mask)
		if (!l->slots[i] || (l->slots[i]->hash == h && lad_same_key(l->slots[i], id, from_orig)))
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
			l->slots[lad_slot_of(l, &old[i]->key, old[i]->hash, &dir)] = old[i];
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
		return lad_same_key(c, &want, &dir);
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
	uint32_t h = lad_key_hash(&p->id);
	bool is_syn = p->id.proto == IPPROTO_TCP && (p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN;
	size_t slot;
	struct conn *c;

	if ((l->n + 1) * 2 > l->nslots)
		grow(l);
	slot = lad_slot_of(l, &p->id, h, from_orig);
	if (!l->slots[slot]) {
		c = l->slots[slot] = new_conn(l, p, ts, h, NULL);
		lad_same_key(c, &p->id, from_orig);
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
	uint32_t h = lad_key_hash(&p->quoted);
	bool dir;
	size_t slot = lad_slot_of(l, &p->quoted, h, &dir);
	struct conn *c = l->slots[slot];

	if (!p->quote_ok || !c)
		return;
	/* toward the originator when it is addressed to the originator's host */
	add_sighting(c, p, ts, vantage, !lad_addr_eq(&p->id.dst, &c->key.src), ARROW_ICMP_ERROR);
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
