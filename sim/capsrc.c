/*
 * capsrc.c - open a pcap or pcapng capture, from a file or a pipe (see capsrc.h).
 *
 * The first four bytes tell the format. A pcapng file goes to our own block
 * reader; a pcap file goes to libpcap, from the start again: a file is
 * rewound, and a pipe, which cannot be, is handed over through a stream
 * that gives back the four bytes first (fopencookie).
 */
#include "capsrc.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "pcapngread.h"
#include "util.h"

struct capsrc {
	FILE *f;                  /* ours to close, unless stdin */
	pcap_t *pcap;             /* a pcap file */
	struct pcapng_reader *ng; /* or a pcapng file */
	char err[PCAP_ERRBUF_SIZE + 64];
};

/* A pipe with the bytes already read from it put back in front. */
struct replay {
	FILE *in;
	uint8_t head[4];
	size_t n, pos;
};

static ssize_t replay_read(void *cookie, char *buf, size_t size)
{
	struct replay *r = cookie;
	size_t got = 0;

	while (got < size && r->pos < r->n)
		buf[got++] = (char)r->head[r->pos++];
	if (got < size)
		got += fread(buf + got, 1, size - got, r->in);
	return ferror(r->in) && !got ? -1 : (ssize_t)got;
}

static int replay_close(void *cookie)
{
	free(cookie);   /* the pipe itself (stdin) is not ours */
	return 0;
}

/* replayed - a stream giving the N bytes HEAD, then the rest of IN. */
static FILE *replayed(FILE *in, const uint8_t *head, size_t n)
{
	static const cookie_io_functions_t io = { .read = replay_read, .close = replay_close };
	struct replay *r = xcalloc(1, sizeof(*r));
	FILE *f;

	r->in = in;
	memcpy(r->head, head, n);
	r->n = n;
	f = fopencookie(r, "r", io);
	if (!f)
		free(r);
	return f;
}

/* open_pcap - hand F (positioned at its start) to libpcap; 0 or -1 with S->err set. */
static int open_pcap(struct capsrc *s, FILE *f, const char *path)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";

	/* nanoseconds: the finest a capture can hold, scaled down otherwise */
	s->pcap = pcap_fopen_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (s->pcap)
		return 0;
	if (strstr(ebuf, "unknown file format"))
		snprintf(s->err, sizeof(s->err), "%s: not a pcap or pcapng capture", path);
	else
		snprintf(s->err, sizeof(s->err), "%s: %s", path, ebuf);
	return -1;
}

/* open_stream - F, whose format its first bytes tell; 0 or -1 with S->err set. */
static int open_stream(struct capsrc *s, FILE *f, const char *path, bool is_stdin)
{
	uint8_t head[4];
	size_t n = fread(head, 1, sizeof(head), f);
	uint32_t magic = 0;
	FILE *again;

	if (n == 0) {
		snprintf(s->err, sizeof(s->err), "%s: %s", path, ferror(f) ? strerror(errno) :
			 is_stdin ? "empty input, not a pcap or pcapng capture" :
			 "empty file, not a pcap or pcapng capture");
		return -1;
	}
	memcpy(&magic, head, n);
	if (n == 4 && magic == PCAPNG_SHB_TYPE) {
		s->ng = pcapng_open(f, head, n);
		return 0;
	}
	if (!is_stdin && fseek(f, 0, SEEK_SET) == 0)
		return open_pcap(s, f, path) == 0 ? (s->f = NULL, 0) : -1;
	again = replayed(f, head, n);
	if (!again) {
		snprintf(s->err, sizeof(s->err), "%s: %s", path, strerror(errno));
		return -1;
	}
	if (open_pcap(s, again, path) < 0) {
		fclose(again);   /* libpcap leaves the stream to us when it fails */
		return -1;
	}
	return 0;
}

struct capsrc *capsrc_open(const char *path, char *err, size_t errlen)
{
	struct capsrc *s = xcalloc(1, sizeof(*s));
	bool is_stdin = !strcmp(path, "-");
	struct stat st;

	s->f = is_stdin ? stdin : fopen(path, "rb");
	if (!s->f) {
		snprintf(s->err, sizeof(s->err), "%s: %s", path, strerror(errno));
	} else if (fstat(fileno(s->f), &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(s->err, sizeof(s->err), "%s: %s", path, strerror(EISDIR));
	} else if (open_stream(s, s->f, is_stdin ? "stdin" : path, is_stdin) == 0) {
		if (is_stdin && s->pcap)
			s->f = NULL;     /* read through the replay stream libpcap owns */
		return s;
	}
	snprintf(err, errlen, "%s", s->err);
	capsrc_close(s);
	return NULL;
}

void capsrc_close(struct capsrc *s)
{
	if (!s)
		return;
	if (s->pcap)
		pcap_close(s->pcap);   /* closes the stream it was given */
	pcapng_close(s->ng);
	if (s->f && s->f != stdin)
		fclose(s->f);
	free(s);
}

int capsrc_next(struct capsrc *s, struct cap_pkt *p)
{
	if (s->pcap) {
		struct pcap_pkthdr *hdr;
		const u_char *data;
		int rc = pcap_next_ex(s->pcap, &hdr, &data);

		if (rc == 1) {
			p->iface = 0;
			p->ts = (double)hdr->ts.tv_sec + (double)hdr->ts.tv_usec / 1e9;
			p->caplen = hdr->caplen;
			p->len = hdr->len;
			p->data = data;
			return 1;
		}
		if (rc == PCAP_ERROR_BREAK)
			return 0;
		snprintf(s->err, sizeof(s->err), "%s", pcap_geterr(s->pcap));
		return -1;
	}
	struct pcapng_packet pk;
	int rc = pcapng_next(s->ng, &pk);

	if (rc == PCAPNG_PACKET) {
		p->iface = pk.iface;
		p->ts = pk.ts;
		p->caplen = pk.caplen;
		p->len = pk.len;
		p->data = pk.data;
		return 1;
	}
	if (rc == PCAPNG_END)
		return 0;
	snprintf(s->err, sizeof(s->err), "%s", pcapng_error(s->ng));
	return -1;
}

const char *capsrc_error(const struct capsrc *s)
{
	return s->err;
}

size_t capsrc_ninterfaces(const struct capsrc *s)
{
	return s->pcap ? 1 : pcapng_ninterfaces(s->ng);
}

const char *capsrc_iface_name(const struct capsrc *s, size_t i)
{
	const struct pcapng_iface *ifc = s->ng ? pcapng_interface(s->ng, i) : NULL;

	return ifc && ifc->name[0] ? ifc->name : NULL;
}

int capsrc_iface_dlt(const struct capsrc *s, size_t i)
{
	const struct pcapng_iface *ifc;

	if (s->pcap)
		return pcap_datalink(s->pcap);
	ifc = pcapng_interface(s->ng, i);
	/* a LINKTYPE_ value; decode.c takes LINKTYPE_RAW (101) as well as DLT_RAW */
	return ifc ? ifc->linktype : -1;
}

bool capsrc_is_pcapng(const struct capsrc *s)
{
	return s->ng != NULL;
}
