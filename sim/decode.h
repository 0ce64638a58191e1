/*
 * decode.h - one captured frame in, the few fields a flow table needs out.
 *
 * Every byte is read through the cursor accessors below, which fail instead
 * of reading past the end, so a damaged or hostile packet can only ever be
 * counted as truncated or malformed. Nothing here allocates or keeps state.
 */
#ifndef PORTLAB_DECODE_H
#define PORTLAB_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flows.h"

/* A read position in a buffer; every get_* checks the bytes left first. */
struct cursor {
	const uint8_t *p;
	size_t left;
};

/* cursor_init - a cursor over the LEN bytes at P. */
static inline struct cursor cursor_init(const uint8_t *p, size_t len)
{
	struct cursor c = { p, len };

	return c;
}

/* get_u8 - true and the next byte in *V, or false when none is left. */
static inline bool get_u8(struct cursor *c, uint8_t *v)
{
	if (c->left < 1)
		return false;
	*v = c->p[0];
	c->p += 1;
	c->left -= 1;
	return true;
}

/* get_be16 - true and the next big-endian 16-bit value in *V, or false. */
static inline bool get_be16(struct cursor *c, uint16_t *v)
{
	if (c->left < 2)
		return false;
	*v = (uint16_t)(c->p[0] << 8 | c->p[1]);
	c->p += 2;
	c->left -= 2;
	return true;
}

/* get_be32 - true and the next big-endian 32-bit value in *V, or false. */
static inline bool get_be32(struct cursor *c, uint32_t *v)
{
	if (c->left < 4)
		return false;
	*v = (uint32_t)c->p[0] << 24 | (uint32_t)c->p[1] << 16 |
	     (uint32_t)c->p[2] << 8 | (uint32_t)c->p[3];
	c->p += 4;
	c->left -= 4;
	return true;
}

/* get_bytes - true and the next N bytes copied to DST, or false. */
static inline bool get_bytes(struct cursor *c, void *dst, size_t n)
{
	const uint8_t *s = c->p;
	uint8_t *d = dst;

	if (c->left < n)
		return false;
	for (size_t i = 0; i < n; i++)
		d[i] = s[i];
	c->p += n;
	c->left -= n;
	return true;
}

/* skip - true when N bytes could be stepped over, or false. */
static inline bool skip(struct cursor *c, size_t n)
{
	if (c->left < n)
		return false;
	c->p += n;
	c->left -= n;
	return true;
}

/* What one frame turned out to be. */
enum pkt_kind {
	PKT_FLOW,      /* TCP, UDP or ICMP echo: belongs to a flow */
	PKT_FRAGMENT,  /* a later IP fragment: belongs to its first fragment's flow */
	PKT_ICMP_ERR,  /* an ICMP error quoting a packet of some flow */
	PKT_OTHER,     /* not a flow: ARP, ND, routing protocols, unknown links */
	PKT_TRUNCATED, /* a header we need is cut short by the capture */
	PKT_MALFORMED, /* a header field that cannot be right */
};

/* The addressing of an IP packet: enough to find its flow. */
struct pkt_id {
	uint8_t proto;           /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 */
	struct pl_addr src, dst;
	uint16_t sport, dport;   /* ICMP echo: both are the echo id */
	bool error;              /* an ICMP error keyed by sport = type, dport = code */
};

struct pkt {
	enum pkt_kind kind;
	struct pkt_id id;
	uint32_t ip_len;         /* IP datagram bytes, from the IP header */
	uint32_t payload_len;    /* L4 payload bytes, from the IP lengths */

	/* TCP */
	uint8_t tcp_flags;       /* TH_* bits: FIN 0x01 SYN 0x02 RST 0x04 ACK 0x10 */
	uint32_t seq, ack;

	/* ICMP: type and code of this packet (echo, or the error itself) */
	uint8_t icmp_type, icmp_code;

	/* IP fragments: the datagram's identity (src, dst, proto, ident). */
	bool first_frag;         /* offset 0 with more fragments to come */
	uint32_t frag_ident;

	/* PKT_ICMP_ERR: what went wrong, and the packet it quotes. */
	const char *icmp_error;  /* "port-unreachable", ... */
	bool quote_ok;           /* QUOTED could be decoded */
	struct pkt_id quoted;
};

enum {
	TH_FIN = 0x01,
	TH_SYN = 0x02,
	TH_RST = 0x04,
	TH_PSH = 0x08,
	TH_ACK = 0x10,
};

/*
 * decode_packet - fill P from the CAPLEN captured bytes at DATA of a frame
 * of WIRELEN bytes on a link of type DLT; returns P->kind.
 */
enum pkt_kind decode_packet(const uint8_t *data, uint32_t caplen,
			    uint32_t wirelen, int dlt, struct pkt *p);

/* decode_dlt_supported - true when decode_packet understands link type DLT. */
bool decode_dlt_supported(int dlt);

#endif
