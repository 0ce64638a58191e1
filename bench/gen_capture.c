/*
 * gen_capture.c - write the big capture that `make bench` reads: N complete
 * TCP connections as a router's client-side interface would see them.
 *
 *   gen_capture FILE [CONNECTIONS]     (default 243750: 1.95 M packets, 193 MB)
 *
 * Each connection is 8 frames with consistent sequence numbers: SYN,
 * SYN-ACK, ACK, 120 bytes of request, its ACK, FIN from the client, FIN
 * from the server, last ACK (Ethernet, IPv4 with checksums, TCP with
 * timestamps, as Linux sends them). Connections go 1,000 at a time, each
 * step of the 1,000 before the next, so a reader holds 1,000 open flows at
 * once. Four-tuples are distinct: clients 198.51.100.1-254 and 192.0.2.1-254
 * from port 32768 up, to 203.0.113.80:443. The output is the same every time.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BATCH = 1000, STEPS = 8, PAYLOAD = 120, CLIENTS = 508 };
enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

struct conn {
	uint32_t client;	/* IPv4 address, host order */
	uint16_t port;
	uint32_t isn_c, isn_s;
};

static uint32_t clock_us;	/* microseconds since the first frame */

static void put16(uint8_t *p, unsigned v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p + 2, v & 0xffff);
}

/* the Internet checksum of LEN bytes, folded into SUM */
static uint32_t sum_bytes(const uint8_t *p, size_t len, uint32_t sum)
{
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static unsigned fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

/* one frame into F: the pcap record header, Ethernet, IPv4, TCP, payload */
static int put_frame(FILE *f, uint32_t src, uint32_t dst, unsigned sport, unsigned dport,
		     uint32_t seq, uint32_t ack, unsigned flags, size_t payload)
{
	uint8_t fr[14 + 20 + 40 + PAYLOAD], rec[16];
	size_t optlen = (flags & F_SYN) ? 20 : 12, tcplen = 20 + optlen + payload;
	size_t len = 14 + 20 + tcplen;
	uint8_t *ip = fr + 14, *tcp = ip + 20, *opt = tcp + 20;
	uint32_t sum;

	memset(fr, 0, sizeof(fr));
	memcpy(fr, dport == 443 ? "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"
				: "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	put16(fr + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (unsigned)(20 + tcplen));
	put16(ip + 6, 0x4000);	/* don't fragment */
	ip[8] = 64;
	ip[9] = 6;
	put32(ip + 12, src);
	put32(ip + 16, dst);
	put16(ip + 10, fold(sum_bytes(ip, 20, 0)));
	put16(tcp, sport);
	put16(tcp + 2, dport);
	put32(tcp + 4, seq);
	put32(tcp + 8, (flags & F_ACK) ? ack : 0);
	tcp[12] = (uint8_t)((20 + optlen) / 4 << 4);
	tcp[13] = (uint8_t)flags;
	put16(tcp + 14, 64240);
	if (flags & F_SYN) {	/* MSS 1460, SACK permitted, timestamps, window scale 7 */
		memcpy(opt, "\x02\x04\x05\xb4\x04\x02\x08\x0a", 8);
		memcpy(opt + 16, "\x01\x03\x03\x07", 4);
		put32(opt + 8, clock_us / 1000);
	} else {
		memcpy(opt, "\x01\x01\x08\x0a", 4);
		put32(opt + 4, clock_us / 1000);
	}
	memset(opt + optlen, 'r', payload);
	sum = sum_bytes(ip + 12, 8, 6 + (uint32_t)tcplen);	/* pseudo-header */
	put16(tcp + 16, fold(sum_bytes(tcp, tcplen, sum)));

	clock_us += 2;
	put32(rec, 1796083200u + clock_us / 1000000);	/* 2026-12-01 00:00 UTC on */
	put32(rec + 4, clock_us % 1000000);
	put32(rec + 8, (uint32_t)len);
	put32(rec + 12, (uint32_t)len);
	for (int i = 0; i < 16; i += 4) {	/* pcap records are little-endian */
		uint8_t t = rec[i]; rec[i] = rec[i + 3]; rec[i + 3] = t;
		t = rec[i + 1]; rec[i + 1] = rec[i + 2]; rec[i + 2] = t;
	}
	return fwrite(rec, 16, 1, f) == 1 && fwrite(fr, len, 1, f) == 1 ? 0 : -1;
}

/* step S (0-7) of connection C */
static int put_step(FILE *f, const struct conn *c, int s)
{
	const uint32_t srv = 0xcb007150;	/* 203.0.113.80 */
	uint32_t cs = c->isn_c, ss = c->isn_s;

	switch (s) {
	case 0: return put_frame(f, c->client, srv, c->port, 443, cs, 0, F_SYN, 0);
	case 1: return put_frame(f, srv, c->client, 443, c->port, ss, cs + 1, F_SYN | F_ACK, 0);
	case 2: return put_frame(f, c->client, srv, c->port, 443, cs + 1, ss + 1, F_ACK, 0);
	case 3: return put_frame(f, c->client, srv, c->port, 443, cs + 1, ss + 1, F_PSH | F_ACK, PAYLOAD);
	case 4: return put_frame(f, srv, c->client, 443, c->port, ss + 1, cs + 1 + PAYLOAD, F_ACK, 0);
	case 5: return put_frame(f, c->client, srv, c->port, 443, cs + 1 + PAYLOAD, ss + 1, F_FIN | F_ACK, 0);
	case 6: return put_frame(f, srv, c->client, 443, c->port, ss + 1, cs + 2 + PAYLOAD, F_FIN | F_ACK, 0);
	default: return put_frame(f, c->client, srv, c->port, 443, cs + 2 + PAYLOAD, ss + 2, F_ACK, 0);
	}
}

static struct conn nth_conn(unsigned long i)
{
	unsigned k = (unsigned)(i % CLIENTS);
	struct conn c = {
		.client = k < 254 ? 0xc6336401u + k : 0xc0000201u + (k - 254),
		.port = (uint16_t)(32768 + i / CLIENTS),
		.isn_c = (uint32_t)(i * 2654435761u),
		.isn_s = (uint32_t)(i * 40503u + 0x9e3779b9u),
	};
	return c;
}

int main(int argc, char **argv)
{
	static const uint8_t header[24] = { 0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0,
					    0, 0, 0, 0, 0xea, 0x05, 0, 0, 1, 0, 0, 0 };
	unsigned long n = 243750, i, j;
	char *end;
	FILE *f;
	int s;

	if (argc == 3) {
		errno = 0;
		n = strtoul(argv[2], &end, 10);
		if (errno || *end || n == 0 || n > CLIENTS * 32767ul) {
			fprintf(stderr, "gen_capture: connections: '%s' is not 1-%lu\n",
				argv[2], CLIENTS * 32767ul);
			return 2;
		}
	}
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gen_capture FILE [CONNECTIONS]\n");
		return 2;
	}
	if (!(f = fopen(argv[1], "wb"))) {
		fprintf(stderr, "gen_capture: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	setvbuf(f, NULL, _IOFBF, 1 << 20);
	if (fwrite(header, sizeof(header), 1, f) != 1)
		goto fail;
	for (i = 0; i < n; i += BATCH)
		for (s = 0; s < STEPS; s++)
			for (j = i; j < n && j < i + BATCH; j++) {
				struct conn c = nth_conn(j);

				if (put_step(f, &c, s))
					goto fail;
			}
	if (fclose(f)) {
		fprintf(stderr, "gen_capture: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	printf("%lu connections, %lu packets\n", n, n * STEPS);
	return 0;
fail:
	fprintf(stderr, "gen_capture: %s: %s\n", argv[1], strerror(errno));
	fclose(f);
	return 1;
}
