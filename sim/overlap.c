/*
 * overlap.c - connection overlap from packet order (see overlap.h).
 *
 * Flow records keep only a connection's first and last packet, and the
 * last may be the server's FIN long after the client closed. What tells
 * "at the same time" apart from "one after the other" is the order on the
 * wire of the second SYN and the first connection's FIN from its opener.
 */
#include "overlap.h"

#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"
#include "flows.h"

#define MAX_CONNS 256

struct conn {
	struct pkt_id id;        /* as the opener sent its SYN */
	double opened, closed;   /* closed: 0 while the opener has not closed it */
};

static bool same_addr(const struct pl_addr *a, const struct pl_addr *b)
{
	return a->family == b->family && !memcmp(a->a, b->a, sizeof(a->a));
}

/* from_opener - is P (TCP) a packet of C sent by the side that opened it? */
static bool from_opener(const struct conn *c, const struct pkt_id *p)
{
	return c->id.sport == p->sport && c->id.dport == p->dport &&
	       same_addr(&c->id.src, &p->src) && same_addr(&c->id.dst, &p->dst);
}

/* account - one TCP packet P at time TS into the N connections of CS. */
static void account(struct conn *cs, size_t *n, const struct pkt *p, double ts)
{
	if ((p->tcp_flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		for (size_t i = 0; i < *n; i++)
			if (from_opener(&cs[i], &p->id) && !cs[i].closed)
				return; /* a resent SYN */
		if (*n < MAX_CONNS)
			cs[(*n)++] = (struct conn){ .id = p->id, .opened = ts };
		return;
	}
	if (!(p->tcp_flags & (TH_FIN | TH_RST)))
		return;
	for (size_t i = *n; i-- > 0;)
		if (from_opener(&cs[i], &p->id)) {
			if (!cs[i].closed)
				cs[i].closed = ts;
			return;
		}
}

static void describe(const struct conn *a, const struct conn *b, char *detail, size_t len)
{
	struct flow fa = { .proto = IPPROTO_TCP, .orig_h = a->id.src, .resp_h = a->id.dst,
			   .orig_p = a->id.sport, .resp_p = a->id.dport };
	struct flow fb = { .proto = IPPROTO_TCP, .orig_h = b->id.src, .resp_h = b->id.dst,
			   .orig_p = b->id.sport, .resp_p = b->id.dport };
	char ta[128], tb[128];

	snprintf(detail, len, "%s opened %.3f s after %s, before that one was closed",
		 flow_tuple_str(&fb, tb, sizeof(tb)), b->opened - a->opened,
		 flow_tuple_str(&fa, ta, sizeof(ta)));
}

int tcp_overlap(const char *pcap, char *detail, size_t len)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	pcap_t *pc = pcap_open_offline(pcap, ebuf);
	struct pcap_pkthdr *hdr;
	const u_char *data;
	static struct conn cs[MAX_CONNS];
	size_t n = 0;

	if (!pc) {
		snprintf(detail, len, "%s: %s", pcap, ebuf);
		return -1;
	}
	int dlt = pcap_datalink(pc);
	while (pcap_next_ex(pc, &hdr, &data) == 1) {
		struct pkt p;
		if (decode_packet(data, hdr->caplen, hdr->len, dlt, &p) == PKT_FLOW &&
		    p.id.proto == IPPROTO_TCP)
			account(cs, &n, &p, (double)hdr->ts.tv_sec + (double)hdr->ts.tv_usec / 1e6);
	}
	pcap_close(pc);
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			if (!cs[a].closed || cs[b].opened < cs[a].closed) {
				describe(&cs[a], &cs[b], detail, len);
				return 1;
			}
	snprintf(detail, len, "%zu TCP connection%s in %s, each closed before the next opened", n,
		 n == 1 ? "" : "s", pcap);
	return 0;
}
