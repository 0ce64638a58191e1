/*
 * flows.c - the flow table (see flows.h).
 *
 * One pass, O(1) per packet: a hash table maps a direction-independent
 * (proto, address, port, address, port) key to the newest flow with that
 * key. A TCP SYN that cannot belong to that flow (a new ISN, or the flow is
 * over) starts a new flow and takes the key over, so a reused four-tuple
 * stays two connections while both keep their place in first-seen order.
 *
 * TCP endpoint states and the conn_state verdict follow zeek's TCP analyzer
 * and conn.log, so that zeek users read the same words the same way.
 */
#include "flows.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"
#include "util.h"

#define REC_CHUNK   4096  /* flows per allocation: pointers stay put as the table grows */
#define FRAG_SLOTS  1024  /* open fragmented datagrams remembered at once */

/* A TCP endpoint's state, as zeek names them. */
enum ep_state {
	EP_INACTIVE,
	EP_SYN_SENT,
	EP_SYN_ACK_SENT,
	EP_PARTIAL,
	EP_ESTABLISHED,
	EP_CLOSED,
	EP_RESET,
};

struct endpoint {
	uint8_t state, prev_state;
	bool seq_valid;
	uint32_t seq_end;  /* one past the highest sequence number sent */
	uint16_t letters;  /* history letters already written for this side */
};

struct rec {
	struct flow f;
	uint16_t kp_orig, kp_resp; /* key ports: TCP/UDP ports, ICMP echo id or type/code */
	uint32_t hash;
	bool error;                /* an ICMP error flow: its key never matches an echo's */
	bool isn_known;            /* f.isn holds orig's ISN (from its SYN, or a SYN-ACK's ack) */
	bool any_syn;              /* a SYN was seen from either side */
	struct endpoint ep[2];     /* [0] orig, [1] resp */
};

struct frag_slot {
	uint32_t flow;             /* index + 1; 0 = empty */
	uint32_t ident;
	bool from_orig;
	struct pl_addr src, dst;
};

struct flow_table {
	struct rec **chunks;
	size_t n, nchunks;
	size_t forgotten;          /* chunks freed by flow_table_forget */
	uint64_t *slots;           /* key hash << 32 | flow index + 1 of the newest flow per key; 0 = empty */
	size_t nslots;             /* a power of two, kept at most half full */
	struct frag_slot *frags;   /* allocated at the first fragment seen */
	struct decode_stats stats;
};

/* rec_at - flow record I. */
static struct rec *rec_at(const struct flow_table *ft, size_t i)
{
	return &ft->chunks[i / REC_CHUNK][i % REC_CHUNK];
}

struct flow_table *flow_table_new(void)
{
	struct flow_table *ft = xcalloc(1, sizeof(*ft));

	ft->nslots = 1024;
	ft->slots = xcalloc(ft->nslots, sizeof(*ft->slots));
	return ft;
}

void flow_table_free(struct flow_table *ft)
{
	if (!ft)
		return;
	for (size_t i = 0; i < ft->nchunks; i++)
		free(ft->chunks[i]);
	free(ft->chunks);
	free(ft->slots);
	free(ft->frags);
	free(ft);
}

size_t flow_table_size(const struct flow_table *ft)
{
	return ft->n;
}

const struct flow *flow_table_at(const struct flow_table *ft, size_t i)
{
	return i < ft->n ? &rec_at(ft, i)->f : NULL;
}

void flow_table_forget(struct flow_table *ft, size_t i)
{
	for (; ft->forgotten < i / REC_CHUNK && ft->forgotten < ft->nchunks; ft->forgotten++) {
		free(ft->chunks[ft->forgotten]);
		ft->chunks[ft->forgotten] = NULL;
	}
	free(ft->slots); /* no more packets: the key index is done with */
	ft->slots = NULL;
}

const struct decode_stats *flow_table_stats(const struct flow_table *ft)
{
	return &ft->stats;
}

/* ---- hashing ---- */

/* mix64 - a well-spread 64-bit value from X (the splitmix64 finaliser). */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* side_hash - the hash of one endpoint, address A and port PORT. */
static uint64_t side_hash(const struct pl_addr *a, uint16_t port)
{
	uint64_t w0, w1;

	memcpy(&w0, a->a, 8);
	memcpy(&w1, a->a + 8, 8);
	return mix64(w0 ^ mix64(w1 ^ ((uint64_t)port << 8 | a->family)));
}

/* key_hash - the hash of ID, the same in both directions. */
static uint32_t key_hash(const struct pkt_id *id)
{
	/* a sum of the two sides does not depend on their order */
	uint64_t h = side_hash(&id->src, id->sport) + side_hash(&id->dst, id->dport);

	return (uint32_t)mix64(h ^ id->proto ^ (uint64_t)id->error << 8);
}

/* addr_eq - true when A and B are the same address. */
static bool addr_eq(const struct pl_addr *a, const struct pl_addr *b)
{
	return a->family == b->family && memcmp(a->a, b->a, 16) == 0;
}

/*
 * rec_match - true when ID is a packet of R's key; *FROM_ORIG then says
 * whether its source is R's originator.
 */
static bool rec_match(const struct rec *r, const struct pkt_id *id, bool *from_orig)
{
	if (r->f.proto != id->proto || r->error != id->error)
		return false;
	if (id->sport == r->kp_orig && id->dport == r->kp_resp &&
	    addr_eq(&id->src, &r->f.orig_h) && addr_eq(&id->dst, &r->f.resp_h)) {
		*from_orig = true;
		return true;
	}
	if (id->sport == r->kp_resp && id->dport == r->kp_orig &&
	    addr_eq(&id->src, &r->f.resp_h) && addr_eq(&id->dst, &r->f.orig_h)) {
		*from_orig = false;
		return true;
	}
	return false;
}

/*
 * find_slot - the slot holding the newest flow of ID's key, or the empty
 * slot where it would go; *R is that flow or NULL.
 */
static size_t find_slot(const struct flow_table *ft, const struct pkt_id *id,
			uint32_t hash, struct rec **r, bool *from_orig)
{
	size_t mask = ft->nslots - 1;

	for (size_t i = hash & mask; ; i = (i + 1) & mask) {
		uint64_t v = ft->slots[i];
		struct rec *cand;

		if (!v) {
			*r = NULL;
			return i;
		}
		if ((uint32_t)(v >> 32) != hash)
			continue; /* the hash in the slot spares a visit to the flow (a cache miss) */
		cand = rec_at(ft, (uint32_t)v - 1);
		if (rec_match(cand, id, from_orig)) {
			*r = cand;
			return i;
		}
	}
}

/* rec_id - the key of R as a packet from its originator would carry it. */
static struct pkt_id rec_id(const struct rec *r)
{
	struct pkt_id id = {
		.proto = r->f.proto,
		.src = r->f.orig_h,
		.dst = r->f.resp_h,
		.sport = r->kp_orig,
		.dport = r->kp_resp,
		.error = r->error,
	};

	return id;
}

/* grow_slots - double the hash table and put every key back. */
static void grow_slots(struct flow_table *ft)
{
	free(ft->slots);
	ft->nslots *= 2;
	ft->slots = xcalloc(ft->nslots, sizeof(*ft->slots));
	/* in first-seen order, so the newest flow of a key wins its slot */
	for (size_t i = 0; i < ft->n; i++) {
		struct rec *r = rec_at(ft, i), *old;
		struct pkt_id id = rec_id(r);
		bool dir;

		ft->slots[find_slot(ft, &id, r->hash, &old, &dir)] = (uint64_t)r->hash << 32 | (i + 1);
	}
}

/* ---- history and state ---- */

/* history_add - write letter C (uppercase from orig) once per side. */
static void history_add(struct rec *r, bool from_orig, char c)
{
	static const char letters[] = "SHADFRTIQ";
	const char *at = strchr(letters, c);
	struct endpoint *ep = &r->ep[!from_orig];
	size_t len = strlen(r->f.history);
	uint16_t bit;

	if (!at || !c)
		return;
	bit = (uint16_t)(1u << (at - letters));
	if ((ep->letters & bit) || len + 1 >= sizeof(r->f.history))
		return;
	ep->letters |= bit;
	r->f.history[len] = from_orig ? c : (char)(c - 'A' + 'a');
	r->f.history[len + 1] = '\0';
}

/* tcp_history - the history letter P stands for, as zeek picks it. */
static void tcp_history(struct rec *r, bool from_orig, const struct pkt *p)
{
	uint8_t fl = p->tcp_flags;
	int ctl = !!(fl & TH_SYN) + !!(fl & TH_FIN) + !!(fl & TH_RST);

	if (ctl > 1)
		history_add(r, from_orig, (fl & TH_FIN) && (fl & TH_RST) ? 'I' : 'Q');
	else if (fl & TH_SYN)
		history_add(r, from_orig, fl & TH_ACK ? 'H' : 'S');
	else if (fl & TH_FIN)
		history_add(r, from_orig, 'F');
	else if (fl & TH_RST)
		history_add(r, from_orig, 'R');
	else if (p->payload_len)
		history_add(r, from_orig, 'D');
	else if (fl & TH_ACK)
		history_add(r, from_orig, 'A');
}

/* seq_after - true when sequence number A comes after B (mod 2^32). */
static bool seq_after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

/*
 * tcp_sequence - track the highest sequence number each side sent, and mark
 * data that does not go past it as a retransmission ('T').
 */
static void tcp_sequence(struct rec *r, bool from_orig, const struct pkt *p)
{
	struct endpoint *ep = &r->ep[!from_orig];
	uint8_t fl = p->tcp_flags;
	uint32_t end = p->seq + p->payload_len + !!(fl & TH_SYN) + !!(fl & TH_FIN);

	if (fl & TH_RST)   /* a RST's sequence number is not part of the stream */
		return;
	if (!ep->seq_valid) {
		ep->seq_valid = true;
		ep->seq_end = end;
	} else if (seq_after(end, ep->seq_end)) {
		ep->seq_end = end;
	} else if (p->payload_len) {
		history_add(r, from_orig, 'T');
	}
}

/* set_state - move endpoint E to state S, remembering where it was. */
static void set_state(struct endpoint *e, uint8_t s)
{
	e->prev_state = e->state;
	e->state = s;
}

/* tcp_inactive - a packet from an endpoint that has sent nothing that counts yet. */
static void tcp_inactive(struct rec *r, struct endpoint *ep, struct endpoint *peer,
			 bool from_orig, const struct pkt *p)
{
	uint8_t fl = p->tcp_flags;

	if (fl & TH_SYN) {
		if (from_orig) {
			set_state(ep, fl & TH_ACK ? EP_SYN_ACK_SENT : EP_SYN_SENT);
		} else {
			/* the answer to a SYN: both sides are now established */
			if (peer->state == EP_SYN_SENT)
				set_state(peer, EP_ESTABLISHED);
			set_state(ep, EP_ESTABLISHED);
		}
	}
	if (fl & TH_FIN)
		set_state(ep, EP_CLOSED);
	if (fl & TH_RST)
		set_state(ep, EP_RESET);
	if (ep->state != EP_INACTIVE)
		return;
	/* no control flag: a bare ACK of a SYN does not make the answer partial */
	if (!from_orig && p->payload_len == 0 && r->ep[0].state == EP_SYN_SENT)
		return;
	if ((fl & TH_ACK) && peer->state == EP_ESTABLISHED)
		set_state(ep, EP_ESTABLISHED);   /* we missed only this side's SYN */
	else
		set_state(ep, EP_PARTIAL);       /* mid-stream */
}

/* tcp_established - a packet from an endpoint that is partial or established. */
static void tcp_established(struct endpoint *ep, struct endpoint *peer, uint8_t fl)
{
	if ((fl & TH_SYN) && !(fl & TH_ACK) && ep->state == EP_PARTIAL &&
	    peer->state == EP_INACTIVE)
		set_state(ep, EP_SYN_SENT);
	if ((fl & TH_FIN) && !(fl & TH_RST)) {
		set_state(ep, EP_CLOSED);
		/* a FIN, then a RST, then the peer's FIN: a normal close after all */
		if (peer->state == EP_RESET && peer->prev_state == EP_CLOSED)
			set_state(peer, EP_CLOSED);
	}
	if (fl & TH_RST)
		set_state(ep, EP_RESET);
}

/* tcp_state - move the sender of P through zeek's endpoint states. */
static void tcp_state(struct rec *r, bool from_orig, const struct pkt *p)
{
	struct endpoint *ep = &r->ep[!from_orig], *peer = &r->ep[from_orig];
	uint8_t fl = p->tcp_flags;

	switch (ep->state) {
	case EP_INACTIVE:
		tcp_inactive(r, ep, peer, from_orig, p);
		break;
	case EP_SYN_SENT:
	case EP_SYN_ACK_SENT:
		if (fl & TH_FIN)
			set_state(ep, EP_CLOSED);
		if (fl & TH_RST)
			set_state(ep, EP_RESET);
		break;
	case EP_PARTIAL:
	case EP_ESTABLISHED:
		tcp_established(ep, peer, fl);
		break;
	case EP_CLOSED:
		/* a RST after both FINs changes nothing: the close was complete */
		if ((fl & TH_RST) && peer->state != EP_CLOSED)
			set_state(ep, EP_RESET);
		break;
	default:
		break;   /* nothing moves a reset endpoint */
	}
}

/* tcp_packet - account TCP packet P to R. */
static void tcp_packet(struct rec *r, bool from_orig, const struct pkt *p)
{
	uint8_t fl = p->tcp_flags;

	if (fl & TH_SYN)
		r->any_syn = true;
	if (from_orig && (fl & (TH_SYN | TH_ACK)) == TH_SYN)
		r->f.syn_count++;
	tcp_history(r, from_orig, p);
	tcp_sequence(r, from_orig, p);
	tcp_state(r, from_orig, p);
}

/* tcp_finished - true when R's connection is over: a RST, or FINs both ways. */
static bool tcp_finished(const struct rec *r)
{
	uint8_t o = r->ep[0].state, s = r->ep[1].state;

	return o == EP_RESET || s == EP_RESET || (o == EP_CLOSED && s == EP_CLOSED);
}

/*
 * starts_new_flow - true when TCP packet P cannot belong to R, the newest
 * flow of its key, and opens a connection of its own.
 */
static bool starts_new_flow(const struct rec *r, bool from_orig, const struct pkt *p)
{
	uint8_t fl = p->tcp_flags & (TH_SYN | TH_ACK | TH_RST);

	if (r->f.proto != IPPROTO_TCP)
		return false;
	if (fl == TH_SYN) {
		if (from_orig)   /* same ISN: a retransmission; any other: a new attempt */
			return !r->isn_known || p->seq != r->f.isn;
		/* from the other side: only after the end, or after mid-stream traffic */
		return tcp_finished(r) || !r->any_syn;
	}
	if (fl == (TH_SYN | TH_ACK)) {
		/* an answer to a SYN we did not see, once the old connection is over */
		return tcp_finished(r) &&
		       !(!from_orig && r->isn_known && p->ack - 1 == r->f.isn);
	}
	return false;
}

/* ---- accounting ---- */

/* new_rec - a zeroed record appended to FT, and its index in *IDX. */
static struct rec *new_rec(struct flow_table *ft, size_t *idx)
{
	struct rec *r;

	if (ft->n == ft->nchunks * REC_CHUNK) {
		ft->chunks = xrealloc(ft->chunks, (ft->nchunks + 1) * sizeof(*ft->chunks));
		ft->chunks[ft->nchunks++] = xmalloc(REC_CHUNK * sizeof(struct rec));
	}
	*idx = ft->n++;
	r = rec_at(ft, *idx);
	memset(r, 0, sizeof(*r));
	return r;
}

/*
 * new_flow - a new flow for P at time TS, put in SLOT of the hash table;
 * *FROM_ORIG says whether P came from its originator.
 */
static struct rec *new_flow(struct flow_table *ft, size_t slot, uint32_t hash,
			    double ts, const struct pkt *p, bool *from_orig)
{
	size_t idx;
	struct rec *r = new_rec(ft, &idx);
	uint8_t fl = p->tcp_flags & (TH_SYN | TH_ACK | TH_RST);
	/* a SYN-ACK first: the side it answers is the originator (zeek's '^') */
	bool flip = p->id.proto == IPPROTO_TCP && fl == (TH_SYN | TH_ACK);

	r->hash = hash;
	r->error = p->id.error;
	r->f.proto = p->id.proto;
	r->f.orig_h = flip ? p->id.dst : p->id.src;
	r->f.resp_h = flip ? p->id.src : p->id.dst;
	r->kp_orig = flip ? p->id.dport : p->id.sport;
	r->kp_resp = flip ? p->id.sport : p->id.dport;
	if (p->id.proto == IPPROTO_ICMP || p->id.proto == IPPROTO_ICMPV6) {
		r->f.orig_p = p->icmp_type;
		r->f.resp_p = p->icmp_code;
	} else {
		r->f.orig_p = r->kp_orig;
		r->f.resp_p = r->kp_resp;
	}
	r->f.ts = r->f.last_ts = ts;
	if (flip) {
		r->f.isn = p->ack - 1;
		r->isn_known = true;
		strcpy(r->f.history, "^");
	} else if (p->id.proto == IPPROTO_TCP && fl == TH_SYN) {
		r->f.isn = p->seq;
		r->isn_known = true;
	}
	ft->slots[slot] = (uint64_t)hash << 32 | (idx + 1);
	*from_orig = !flip;
	return r;
}

/* count - add packet P to R's counters, in the direction FROM_ORIG. */
static void count(struct rec *r, bool from_orig, double ts, const struct pkt *p)
{
	if (from_orig) {
		r->f.orig_pkts++;
		r->f.orig_bytes += p->payload_len;
		r->f.orig_ip_bytes += p->ip_len;
	} else {
		r->f.resp_pkts++;
		r->f.resp_bytes += p->payload_len;
		r->f.resp_ip_bytes += p->ip_len;
	}
	if (ts > r->f.last_ts)
		r->f.last_ts = ts;
}

/* frag_slot - where the fragmented datagram SRC->DST IDENT is remembered. */
static struct frag_slot *frag_slot(struct flow_table *ft, const struct pl_addr *src,
				   const struct pl_addr *dst, uint32_t ident)
{
	uint64_t h = side_hash(src, 0) ^ mix64(side_hash(dst, 1) + ident);

	if (!ft->frags)
		ft->frags = xcalloc(FRAG_SLOTS, sizeof(*ft->frags));
	return &ft->frags[h % FRAG_SLOTS];
}

/* remember_fragment - note that the datagram of first fragment P is flow IDX's. */
static void remember_fragment(struct flow_table *ft, const struct pkt *p,
			      size_t idx, bool from_orig)
{
	struct frag_slot *s = frag_slot(ft, &p->id.src, &p->id.dst, p->frag_ident);

	/* a newer datagram may take the slot of an older one: its rest is then "other" */
	s->flow = (uint32_t)(idx + 1);
	s->ident = p->frag_ident;
	s->from_orig = from_orig;
	s->src = p->id.src;
	s->dst = p->id.dst;
}

/* fragment_packet - a later fragment counts toward its first fragment's flow. */
static void fragment_packet(struct flow_table *ft, double ts, const struct pkt *p)
{
	struct frag_slot *s = frag_slot(ft, &p->id.src, &p->id.dst, p->frag_ident);

	if (!s->flow || s->ident != p->frag_ident || !addr_eq(&s->src, &p->id.src) ||
	    !addr_eq(&s->dst, &p->id.dst)) {
		ft->stats.other++;   /* its first fragment was not seen (yet) */
		return;
	}
	count(rec_at(ft, s->flow - 1), s->from_orig, ts, p);
	ft->stats.decoded++;
}

/* flow_packet - account P, a TCP, UDP or ICMP packet, to its flow. */
static void flow_packet(struct flow_table *ft, double ts, const struct pkt *p)
{
	uint32_t hash = key_hash(&p->id);
	bool from_orig = true;
	struct rec *r;
	size_t slot;

	if ((ft->n + 1) * 2 > ft->nslots)
		grow_slots(ft);
	slot = find_slot(ft, &p->id, hash, &r, &from_orig);
	if (!r || starts_new_flow(r, from_orig, p))
		r = new_flow(ft, slot, hash, ts, p, &from_orig);
	count(r, from_orig, ts, p);
	if (p->id.proto == IPPROTO_TCP)
		tcp_packet(r, from_orig, p);
	else if (p->id.proto == IPPROTO_UDP)
		history_add(r, from_orig, 'D');
	if (p->kind == PKT_ICMP_ERR)
		r->f.icmp = p->icmp_error;
	if (p->first_frag)
		remember_fragment(ft, p, (uint32_t)ft->slots[slot] - 1, from_orig);
	ft->stats.decoded++;
}

/* icmp_error - attach ICMP error P to the flow it quotes, or make it a flow. */
static void icmp_error(struct flow_table *ft, double ts, const struct pkt *p)
{
	struct rec *r = NULL;
	bool dir;

	if (p->quote_ok)
		find_slot(ft, &p->quoted, key_hash(&p->quoted), &r, &dir);
	if (!r) {
		/* nothing we saw: the error stands as a flow of its own, as in zeek */
		flow_packet(ft, ts, p);
		return;
	}
	r->f.icmp = p->icmp_error;
	ft->stats.decoded++;
}

void flow_table_packet(struct flow_table *ft, double ts, const uint8_t *data,
		       uint32_t caplen, uint32_t wirelen, int dlt)
{
	struct pkt p;

	ft->stats.packets++;
	switch (decode_packet(data, caplen, wirelen, dlt, &p)) {
	case PKT_FLOW:
		flow_packet(ft, ts, &p);
		break;
	case PKT_FRAGMENT:
		fragment_packet(ft, ts, &p);
		break;
	case PKT_ICMP_ERR:
		icmp_error(ft, ts, &p);
		break;
	case PKT_TRUNCATED:
		ft->stats.truncated++;
		break;
	case PKT_MALFORMED:
		ft->stats.malformed++;
		break;
	case PKT_OTHER:
		ft->stats.other++;
		break;
	}
}

/* ---- conn_state ---- */

/* rst_after_bare_syn - true when HISTORY matches zeek's ^?S[^HAFGIQ]*R. */
static bool rst_after_bare_syn(const char *h)
{
	if (*h == '^')
		h++;
	if (*h++ != 'S')
		return false;
	for (; *h && !strchr("HAFGIQ", *h); h++)
		if (*h == 'R')
			return true;
	return false;
}

/* tcp_conn_state - zeek's conn_state for the TCP flow R. */
static const char *tcp_conn_state(const struct rec *r)
{
	uint8_t os = r->ep[0].state, rs = r->ep[1].state;
	bool o_inactive = os == EP_INACTIVE || os == EP_PARTIAL;
	bool r_inactive = rs == EP_INACTIVE || rs == EP_PARTIAL;

	if (rs == EP_RESET) {
		if (os == EP_SYN_SENT || os == EP_SYN_ACK_SENT ||
		    (os == EP_RESET && r->f.orig_bytes == 0 && r->f.resp_bytes == 0))
			return "REJ";
		return o_inactive ? "RSTRH" : "RSTR";
	}
	if (os == EP_RESET) {
		if (!r_inactive)
			return "RSTO";
		return rst_after_bare_syn(r->f.history) ? "RSTOS0" : "OTH";
	}
	if (os == EP_CLOSED && rs == EP_CLOSED)
		return "SF";
	if (os == EP_CLOSED)
		return r_inactive ? "SH" : "S2";
	if (rs == EP_CLOSED)
		return o_inactive ? "SHR" : "S3";
	if (os == EP_SYN_SENT && rs == EP_INACTIVE)
		return "S0";
	if (os == EP_ESTABLISHED && rs == EP_ESTABLISHED)
		return "S1";
	return "OTH";
}

/* conn_state - zeek's conn_state for flow R. */
static const char *conn_state(const struct rec *r)
{
	switch (r->f.proto) {
	case IPPROTO_TCP:
		return tcp_conn_state(r);
	case IPPROTO_UDP:
		if (r->f.orig_pkts)
			return r->f.resp_pkts ? "SF" : "S0";
		return r->f.resp_pkts ? "SHR" : "OTH";
	default:
		return "OTH";
	}
}

void flow_table_finish(struct flow_table *ft)
{
	for (size_t i = 0; i < ft->n; i++) {
		struct rec *r = rec_at(ft, i);

		r->f.conn_state = conn_state(r);
	}
}
