/*
 * pcapng.c - merge a run's per-interface pcaps into one pcapng (see pcapng.h).
 *
 * Written by hand, block by block (the format is a sequence of blocks:
 * a section header, one interface description per interface, then one
 * enhanced packet block per packet), streaming: one packet per input is
 * held at a time.
 */
#include "pcapng.h"

#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BT_SHB 0x0A0D0D0A
#define BT_IDB 0x00000001
#define BT_EPB 0x00000006
#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_IF_NAME 2
#define OPT_SHB_USERAPPL 4

struct input {
	pcap_t *pcap;
	struct pcap_pkthdr *hdr;
	const u_char *data;
	int live;          /* a packet is waiting in hdr/data */
};

static size_t pad4(size_t n)
{
	return (n + 3) & ~(size_t)3;
}

static int put(FILE *f, const void *p, size_t n)
{
	static const uint8_t zero[4];
	size_t padding = pad4(n) - n;

	return fwrite(p, 1, n, f) == n && fwrite(zero, 1, padding, f) == padding ? 0 : -1;
}

static int put32(FILE *f, uint32_t v)
{
	return put(f, &v, 4);
}

/* option_len - the bytes an option with a text VALUE takes. */
static size_t option_len(const char *value)
{
	return 4 + pad4(strlen(value));
}

static int put_option(FILE *f, uint16_t code, const char *value)
{
	uint16_t head[2] = { code, (uint16_t)strlen(value) };

	return put(f, head, 4) || put(f, value, strlen(value)) ? -1 : 0;
}

static int put_end(FILE *f)
{
	return put32(f, OPT_END);
}

int pcapng_put_section(FILE *f)
{
	const char *app = "portlab";
	uint32_t len = (uint32_t)(28 + option_len(app) + 4);
	uint16_t version[2] = { 1, 0 };
	int64_t section_len = -1; /* not known: we stream */

	return put32(f, BT_SHB) || put32(f, len) || put32(f, 0x1A2B3C4D) || put(f, version, 4) ||
	       put(f, &section_len, 8) || put_option(f, OPT_SHB_USERAPPL, app) || put_end(f) ||
	       put32(f, len) ? -1 : 0;
}

int pcapng_put_interface(FILE *f, int linktype, int snaplen, const char *name)
{
	uint32_t len = (uint32_t)(20 + option_len(name) + 4);
	uint16_t type[2] = { (uint16_t)linktype, 0 };

	return put32(f, BT_IDB) || put32(f, len) || put(f, type, 4) || put32(f, (uint32_t)snaplen) ||
	       put_option(f, OPT_IF_NAME, name) || put_end(f) || put32(f, len) ? -1 : 0;
}

/* packet - an enhanced packet block; timestamps in microseconds, the pcapng default. */
int pcapng_put_packet(FILE *f, uint32_t ifindex, const struct pcap_pkthdr *h, const u_char *data)
{
	uint64_t us = (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
	uint32_t len = (uint32_t)(32 + pad4(h->caplen));

	return put32(f, BT_EPB) || put32(f, len) || put32(f, ifindex) ||
	       put32(f, (uint32_t)(us >> 32)) || put32(f, (uint32_t)us) || put32(f, h->caplen) ||
	       put32(f, h->len) || put(f, data, h->caplen) || put32(f, len) ? -1 : 0;
}

static void advance(struct input *in)
{
	in->live = pcap_next_ex(in->pcap, &in->hdr, &in->data) == 1;
}

static int earlier(const struct pcap_pkthdr *a, const struct pcap_pkthdr *b)
{
	return a->ts.tv_sec < b->ts.tv_sec ||
	       (a->ts.tv_sec == b->ts.tv_sec && a->ts.tv_usec < b->ts.tv_usec);
}

long pcapng_merge(const char *out, char *const *files, char *const *names, size_t n)
{
	struct input *in = xcalloc(n, sizeof(*in));
	char err[PCAP_ERRBUF_SIZE];
	FILE *f = NULL;
	long written = -1, count = 0;

	for (size_t i = 0; i < n; i++) {
		in[i].pcap = pcap_open_offline(files[i], err);
		if (!in[i].pcap) {
			pl_warn("%s: %s", files[i], err);
			goto out;
		}
	}
	f = fopen(out, "w");
	if (!f) {
		pl_warn_errno("%s", out);
		goto out;
	}
	if (pcapng_put_section(f) < 0)
		goto write_error;
	for (size_t i = 0; i < n; i++) {
		if (pcapng_put_interface(f, pcap_datalink(in[i].pcap), pcap_snapshot(in[i].pcap), names[i]) < 0)
			goto write_error;
		advance(&in[i]);
	}
	for (;;) { /* the earliest waiting packet of all interfaces, each time */
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (in[i].live && (best == n || earlier(in[i].hdr, in[best].hdr)))
				best = i;
		if (best == n)
			break;
		if (pcapng_put_packet(f, (uint32_t)best, in[best].hdr, in[best].data) < 0)
			goto write_error;
		count++;
		advance(&in[best]);
	}
	if (fclose(f) != 0) {
		f = NULL;
		goto write_error;
	}
	f = NULL;
	written = count;
	goto out;
write_error:
	pl_warn_errno("write %s", out);
out:
	if (f)
		fclose(f);
	for (size_t i = 0; i < n; i++)
		if (in[i].pcap)
			pcap_close(in[i].pcap);
	free(in);
	return written;
}
