/*
 * decode.c - link, IP and transport headers of one frame (see decode.h).
 *
 * Lengths come from the IP headers, never from the capture length, so a
 * capture cut by its snaplen still counts every payload byte. A header is
 * "truncated" when the capture stops inside it and "malformed" when its own
 * fields cannot be right; the two are counted apart, as tcpdump does.
 */
#include "decode.h"

#include <netinet/in.h>
#include <pcap/dlt.h>
#include <string.h>
#include <sys/socket.h>

#define ETHERTYPE_IPV4  0x0800
#define ETHERTYPE_IPV6  0x86dd
#define ETHERTYPE_VLAN  0x8100
#define ETHERTYPE_QINQ  0x88a8
#define ETHERTYPE_QINQ1 0x9100
#define MAX_VLAN_TAGS   4  /* more stacked tags than this is not a real frame */
#define MAX_V6_EXTHDRS  8  /* a packet with more is treated as malformed */
#define LINKTYPE_RAW    101 /* the file-format number, in case a caller passes it */

static enum pkt_kind decode_ip(struct cursor c, size_t wire_left,
			       struct pkt *p, bool quoted);

/* kind - record K as the verdict on P and return it. */
static enum pkt_kind kind(struct pkt *p, enum pkt_kind k)
{
	p->kind = k;
	return k;
}

/* icmp4_error_name - the name of an ICMPv4 error TYPE/CODE, or NULL. */
static const char *icmp4_error_name(uint8_t type, uint8_t code)
{
	switch (type) {
	case 3:
		switch (code) {
		case 0: case 6: case 11:
			return "net-unreachable";
		case 1: case 7: case 12:
			return "host-unreachable";
		case 2:
			return "protocol-unreachable";
		case 3:
			return "port-unreachable";
		case 4:
			/* "fragmentation needed": IPv4's packet-too-big */
			return "packet-too-big";
		case 9: case 10: case 13: case 14: case 15:
			return "admin-prohibited";
		default:
			return "unreachable";
		}
	case 11:
		return "time-exceeded";
	case 12:
		return "parameter-problem";
	default:
		return NULL;
	}
}

/* icmp6_error_name - the name of an ICMPv6 error TYPE/CODE, or NULL. */
static const char *icmp6_error_name(uint8_t type, uint8_t code)
{
	switch (type) {
	case 1:
		switch (code) {
		case 0: case 2:
			return "net-unreachable";
		case 1: case 5: case 6:
			return "admin-prohibited";
		case 3:
			return "host-unreachable";
		case 4:
			return "port-unreachable";
		default:
			return "unreachable";
		}
	case 2:
		return "packet-too-big";
	case 3:
		return "time-exceeded";
	case 4:
		return "parameter-problem";
	default:
		return NULL;
	}
}

/* is_echo - true for ICMP(v6) echo request and reply types. */
static bool is_echo(uint8_t proto, uint8_t type)
{
	if (proto == IPPROTO_ICMP)
		return type == 8 || type == 0;
	return type == 128 || type == 129;
}

/*
 * decode_tcp - ports, flags and sequence numbers from the TCP header at C,
 * whose segment is L4LEN bytes long by the IP header; returns the verdict.
 * Options are not needed, so only the fixed 20 bytes must be captured.
 */
static enum pkt_kind decode_tcp(struct cursor c, size_t l4len, struct pkt *p,
				bool quoted)
{
	uint8_t off, flags;
	uint16_t sport, dport;

	if (!quoted && l4len < 20)
		return kind(p, PKT_MALFORMED);
	if (!get_be16(&c, &sport) || !get_be16(&c, &dport) || !get_be32(&c, &p->seq))
		return kind(p, PKT_TRUNCATED);
	p->id.sport = sport;
	p->id.dport = dport;
	if (quoted)   /* an ICMP quote holds just 8 bytes of L4 */
		return kind(p, PKT_FLOW);
	if (!get_be32(&c, &p->ack) || !get_u8(&c, &off) || !get_u8(&c, &flags))
		return kind(p, PKT_TRUNCATED);
	off = (uint8_t)((off >> 4) * 4);
	if (off < 20 || off > l4len)
		return kind(p, PKT_MALFORMED);
	p->tcp_flags = flags;
	p->payload_len = (uint32_t)(l4len - off);
	return kind(p, PKT_FLOW);
}

/* decode_udp - ports of the UDP header at C (L4LEN bytes by IP); the verdict. */
static enum pkt_kind decode_udp(struct cursor c, size_t l4len, struct pkt *p,
				bool quoted)
{
	if (!quoted && l4len < 8)
		return kind(p, PKT_MALFORMED);
	if (!get_be16(&c, &p->id.sport) || !get_be16(&c, &p->id.dport))
		return kind(p, PKT_TRUNCATED);
	if (!quoted && !skip(&c, 4))
		return kind(p, PKT_TRUNCATED);
	p->payload_len = quoted ? 0 : (uint32_t)(l4len - 8);
	return kind(p, PKT_FLOW);
}

/*
 * decode_quote - decode the packet an ICMP error quotes at C into P->quoted;
 * a quote that cannot be decoded leaves P->quote_ok false, and the error
 * then stands as a flow of its own.
 */
static void decode_quote(struct cursor c, struct pkt *p)
{
	struct pkt q;

	memset(&q, 0, sizeof(q));
	if (decode_ip(c, c.left, &q, true) == PKT_FLOW) {
		p->quoted = q.id;
		p->quote_ok = true;
	}
}

/* decode_icmp - an ICMP or ICMPv6 message at C (L4LEN bytes); the verdict. */
static enum pkt_kind decode_icmp(struct cursor c, size_t l4len, struct pkt *p,
				 bool quoted)
{
	uint8_t type, code;
	uint16_t echo_id;

	if (!quoted && l4len < 8)
		return kind(p, PKT_MALFORMED);
	if (!get_u8(&c, &type) || !get_u8(&c, &code) || !skip(&c, 2))
		return kind(p, PKT_TRUNCATED);
	p->icmp_type = type;
	p->icmp_code = code;
	if (is_echo(p->id.proto, type)) {
		if (!get_be16(&c, &echo_id) || !skip(&c, 2))
			return kind(p, PKT_TRUNCATED);
		/* request and reply share the id: it keys the flow */
		p->id.sport = p->id.dport = echo_id;
		p->payload_len = quoted ? 0 : (uint32_t)(l4len - 8);
		return kind(p, PKT_FLOW);
	}
	if (quoted)   /* an error about an error is not followed further */
		return kind(p, PKT_OTHER);
	if (p->id.proto == IPPROTO_ICMP)
		p->icmp_error = icmp4_error_name(type, code);
	else
		p->icmp_error = icmp6_error_name(type, code);
	if (!p->icmp_error)
		return kind(p, PKT_OTHER);   /* ND, router ads, redirects, ... */
	if (!skip(&c, 4))
		return kind(p, PKT_TRUNCATED);
	/* an error standing alone is keyed by its type and code, like zeek */
	p->id.sport = type;
	p->id.dport = code;
	p->id.error = true;
	p->payload_len = (uint32_t)(l4len - 8);
	decode_quote(c, p);
	return kind(p, PKT_ICMP_ERR);
}

/* decode_l4 - the transport header at C of protocol P->id.proto; the verdict. */
static enum pkt_kind decode_l4(struct cursor c, size_t l4len, struct pkt *p,
			       bool quoted)
{
	/* the bytes past the IP datagram (Ethernet padding) are not ours */
	if (c.left > l4len)
		c.left = l4len;
	switch (p->id.proto) {
	case IPPROTO_TCP:
		return decode_tcp(c, l4len, p, quoted);
	case IPPROTO_UDP:
		return decode_udp(c, l4len, p, quoted);
	case IPPROTO_ICMP:
		if (p->id.src.family != AF_INET)
			return kind(p, PKT_OTHER);
		return decode_icmp(c, l4len, p, quoted);
	case IPPROTO_ICMPV6:
		if (p->id.src.family != AF_INET6)
			return kind(p, PKT_OTHER);
		return decode_icmp(c, l4len, p, quoted);
	default:
		return kind(p, PKT_OTHER);
	}
}

/*
 * decode_ipv4 - the IPv4 header at C (WIRE_LEFT bytes were on the wire);
 * the verdict. QUOTED: C is the partial copy inside an ICMP error, whose
 * length fields describe the original packet, not the copy.
 */
static enum pkt_kind decode_ipv4(struct cursor c, size_t wire_left,
				 struct pkt *p, bool quoted)
{
	uint8_t vihl, proto;
	uint16_t len16, ident, frag;
	size_t ihl, totlen, l4len;

	if (!get_u8(&c, &vihl))
		return kind(p, PKT_TRUNCATED);
	ihl = (size_t)(vihl & 0x0f) * 4;
	if (vihl >> 4 != 4 || ihl < 20)
		return kind(p, PKT_MALFORMED);
	if (!skip(&c, 1) || !get_be16(&c, &len16) || !get_be16(&c, &ident) ||
	    !get_be16(&c, &frag) || !skip(&c, 1) || !get_u8(&c, &proto) ||
	    !skip(&c, 2) || !get_bytes(&c, p->id.src.a, 4) ||
	    !get_bytes(&c, p->id.dst.a, 4))
		return kind(p, PKT_TRUNCATED);
	p->id.src.family = p->id.dst.family = AF_INET;
	p->id.proto = proto;
	totlen = len16;
	/* zero: a segmentation-offload packet captured before the NIC split
	 * it; the frame says how long it is (Wireshark reads it so too) */
	if (totlen == 0 && !quoted)
		totlen = wire_left;
	if (totlen < ihl)
		return kind(p, PKT_MALFORMED);
	if (!quoted && totlen > wire_left)
		return kind(p, PKT_TRUNCATED);   /* cut before it was captured */
	if (!skip(&c, ihl - 20))
		return kind(p, PKT_TRUNCATED);
	l4len = totlen - ihl;
	p->ip_len = (uint32_t)totlen;
	if (quoted && l4len > c.left)
		l4len = c.left;
	if (frag & 0x1fff) {
		/* only the first fragment carries the transport header */
		p->frag_ident = ident;
		p->payload_len = (uint32_t)l4len;
		return kind(p, quoted ? PKT_OTHER : PKT_FRAGMENT);
	}
	if (frag & 0x2000) {
		p->first_frag = true;
		p->frag_ident = ident;
	}
	return decode_l4(c, l4len, p, quoted);
}

/* v6_ext_len - the length of IPv6 extension header NH with length byte LEN. */
static size_t v6_ext_len(uint8_t nh, uint8_t len)
{
	if (nh == IPPROTO_AH)
		return ((size_t)len + 2) * 4;
	return ((size_t)len + 1) * 8;
}

/*
 * decode_ipv6 - the IPv6 header at C and its extension headers; the
 * verdict. WIRE_LEFT and QUOTED as for decode_ipv4.
 */
static enum pkt_kind decode_ipv6(struct cursor c, size_t wire_left,
				 struct pkt *p, bool quoted)
{
	uint8_t vtc, nh, cur, len;
	uint16_t plen, offflags;
	uint32_t ident;
	size_t l4len, hlen;

	if (!get_u8(&c, &vtc))
		return kind(p, PKT_TRUNCATED);
	if (vtc >> 4 != 6)
		return kind(p, PKT_MALFORMED);
	if (!skip(&c, 3) || !get_be16(&c, &plen) || !get_u8(&c, &nh) ||
	    !skip(&c, 1) || !get_bytes(&c, p->id.src.a, 16) ||
	    !get_bytes(&c, p->id.dst.a, 16))
		return kind(p, PKT_TRUNCATED);
	p->id.src.family = p->id.dst.family = AF_INET6;
	if (quoted) {
		l4len = plen < c.left ? plen : c.left;
	} else if (plen == 0) {
		/* a jumbogram (RFC 2675): the frame says how long it is */
		if (wire_left < 40)
			return kind(p, PKT_MALFORMED);
		l4len = wire_left - 40;
	} else {
		if ((size_t)plen + 40 > wire_left)
			return kind(p, PKT_TRUNCATED);
		l4len = plen;
	}
	p->ip_len = (uint32_t)(l4len + 40);
	for (int n = 0; ; n++) {
		if (n == MAX_V6_EXTHDRS)
			return kind(p, PKT_MALFORMED);
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
			if (l4len < 8)
				return kind(p, quoted ? PKT_TRUNCATED : PKT_MALFORMED);
			cur = nh;
			if (!get_u8(&c, &nh) || !get_u8(&c, &len))
				return kind(p, PKT_TRUNCATED);
			hlen = v6_ext_len(cur, len);
			break;
		case IPPROTO_FRAGMENT:
			if (l4len < 8)
				return kind(p, quoted ? PKT_TRUNCATED : PKT_MALFORMED);
			if (!get_u8(&c, &nh) || !skip(&c, 1) ||
			    !get_be16(&c, &offflags) || !get_be32(&c, &ident))
				return kind(p, PKT_TRUNCATED);
			l4len -= 8;
			p->frag_ident = ident;
			if (offflags & 0xfff8) {
				/* a later fragment: its transport header is in the first */
				p->payload_len = (uint32_t)l4len;
				return kind(p, quoted ? PKT_OTHER : PKT_FRAGMENT);
			}
			p->first_frag = offflags & 1;
			continue;
		default:
			p->id.proto = nh;
			return decode_l4(c, l4len, p, quoted);
		}
		if (hlen > l4len)
			return kind(p, quoted ? PKT_TRUNCATED : PKT_MALFORMED);
		if (!skip(&c, hlen - 2))
			return kind(p, PKT_TRUNCATED);
		l4len -= hlen;
	}
}

/* decode_ip - an IPv4 or IPv6 packet at C, told apart by its version; the verdict. */
static enum pkt_kind decode_ip(struct cursor c, size_t wire_left,
			       struct pkt *p, bool quoted)
{
	if (c.left < 1)
		return kind(p, PKT_TRUNCATED);
	switch (c.p[0] >> 4) {
	case 4:
		return decode_ipv4(c, wire_left, p, quoted);
	case 6:
		return decode_ipv6(c, wire_left, p, quoted);
	default:
		return kind(p, PKT_MALFORMED);
	}
}

/* decode_ethertype - the packet after ethertype TYPE at C (VLAN tags skipped). */
static enum pkt_kind decode_ethertype(struct cursor c, size_t wire_left,
				      uint16_t type, struct pkt *p)
{
	for (int tags = 0; type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ ||
			   type == ETHERTYPE_QINQ1; tags++) {
		if (tags == MAX_VLAN_TAGS)
			return kind(p, PKT_MALFORMED);
		if (!skip(&c, 2) || !get_be16(&c, &type))
			return kind(p, PKT_TRUNCATED);
		wire_left = wire_left >= 4 ? wire_left - 4 : 0;
	}
	if (type == ETHERTYPE_IPV4) {
		if (c.left >= 1 && c.p[0] >> 4 != 4)
			return kind(p, PKT_MALFORMED);
		return decode_ip(c, wire_left, p, false);
	}
	if (type == ETHERTYPE_IPV6) {
		if (c.left >= 1 && c.p[0] >> 4 != 6)
			return kind(p, PKT_MALFORMED);
		return decode_ip(c, wire_left, p, false);
	}
	return kind(p, PKT_OTHER);
}

/* link_hdr_len - the fixed link header length of DLT, or 0. */
static size_t link_hdr_len(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
		return 14;
	case DLT_LINUX_SLL:
		return 16;
	case DLT_LINUX_SLL2:
		return 20;
	default:
		return 0;
	}
}

bool decode_dlt_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case LINKTYPE_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		return true;
	default:
		return false;
	}
}

enum pkt_kind decode_packet(const uint8_t *data, uint32_t caplen,
			    uint32_t wirelen, int dlt, struct pkt *p)
{
	struct cursor c = cursor_init(data, caplen);
	/* a record whose wire length is below its capture length is damaged:
	 * trust the bytes we have */
	size_t wire = wirelen >= caplen ? wirelen : caplen;
	size_t hlen = link_hdr_len(dlt);
	uint16_t type;

	memset(p, 0, sizeof(*p));
	if (!decode_dlt_supported(dlt))
		return kind(p, PKT_OTHER);
	if (hlen) {
		if (dlt == DLT_LINUX_SLL2) {
			if (!get_be16(&c, &type) || !skip(&c, 18))
				return kind(p, PKT_TRUNCATED);
		} else if (!skip(&c, hlen - 2) || !get_be16(&c, &type)) {
			return kind(p, PKT_TRUNCATED);
		}
		return decode_ethertype(c, wire - hlen, type, p);
	}
	if (c.left < 1)
		return kind(p, PKT_TRUNCATED);
	if ((dlt == DLT_IPV4 && c.p[0] >> 4 != 4) ||
	    (dlt == DLT_IPV6 && c.p[0] >> 4 != 6))
		return kind(p, PKT_MALFORMED);
	return decode_ip(c, wire, p, false);
}
