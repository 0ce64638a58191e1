/*
 * pcapngread.c - a bounds-checked pcapng block reader (see pcapngread.h).
 *
 * Every block is read whole into one buffer after its length has been
 * checked (at least 12 bytes, a multiple of 4, at most MAX_BLOCK), and its
 * trailing copy of the length must agree. Fields inside a block are then
 * read only after checking that the block holds them.
 */
#include "pcapngread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BT_IDB 0x00000001
#define BT_OPB 0x00000002  /* obsolete packet block: still in old files */
#define BT_SPB 0x00000003
#define BT_EPB 0x00000006
#define BOM 0x1A2B3C4D

#define OPT_END 0
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_IF_TSOFFSET 14

#define MAX_BLOCK (16u << 20)  /* libpcap refuses larger blocks too */
#define MAX_IFACES 65536

struct pcapng_reader {
	FILE *f;
	uint8_t head[8];          /* bytes the caller read before us */
	size_t nhead, headpos;
	uint64_t offset;          /* bytes consumed so far, for messages */
	bool swap;                /* the section was written in the other byte order */
	bool started;             /* a section header was read */
	size_t section_base;      /* index of this section's interface 0 */
	struct pcapng_iface *ifs;
	size_t nifs;
	uint8_t *buf;             /* the current block's body and trailer */
	size_t cap;
	double last_ts;           /* simple packet blocks carry no time: the one before */
	char err[200];
};

struct pcapng_reader *pcapng_open(FILE *f, const uint8_t *head, size_t nhead)
{
	struct pcapng_reader *r = xcalloc(1, sizeof(*r));

	r->f = f;
	r->nhead = nhead < sizeof(r->head) ? nhead : sizeof(r->head);
	memcpy(r->head, head, r->nhead);
	return r;
}

void pcapng_close(struct pcapng_reader *r)
{
	if (!r)
		return;
	free(r->ifs);
	free(r->buf);
	free(r);
}

const char *pcapng_error(const struct pcapng_reader *r)
{
	return r->err;
}

size_t pcapng_ninterfaces(const struct pcapng_reader *r)
{
	return r->nifs;
}

const struct pcapng_iface *pcapng_interface(const struct pcapng_reader *r, size_t i)
{
	return i < r->nifs ? &r->ifs[i] : NULL;
}

/* fail - remember why reading stopped (STATUS), and return STATUS. */
__attribute__((format(printf, 3, 4)))
static int fail(struct pcapng_reader *r, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return status;
}

/* rd - read up to N bytes (the caller's head bytes first); returns how many. */
static size_t rd(struct pcapng_reader *r, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t got = 0;

	while (got < n && r->headpos < r->nhead)
		d[got++] = r->head[r->headpos++];
	if (got < n)
		got += fread(d + got, 1, n - got, r->f);
	r->offset += got;
	return got;
}

/* short_read - the status of a read that got less than it asked for, inside WHAT. */
static int short_read(struct pcapng_reader *r, const char *what)
{
	if (ferror(r->f))
		return fail(r, PCAPNG_IOERROR, "read: %s", strerror(errno ? errno : EIO));
	return fail(r, PCAPNG_TRUNCATED, "truncated: the file ends inside %s", what);
}

static uint16_t u16(const struct pcapng_reader *r, const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return r->swap ? __builtin_bswap16(v) : v;
}

static uint32_t u32(const struct pcapng_reader *r, const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return r->swap ? __builtin_bswap32(v) : v;
}

static uint64_t u64(const struct pcapng_reader *r, const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return r->swap ? __builtin_bswap64(v) : v;
}

/*
 * read_block - the next block's type in *TYPE and its body (without the
 * two lengths) in r->buf, *LEN bytes. Returns 1, PCAPNG_END or an error.
 */
static int read_block(struct pcapng_reader *r, uint32_t *type, size_t *len)
{
	uint64_t at = r->offset;
	uint8_t hdr[8], bom[4];
	size_t got = rd(r, hdr, 8), have = 0;
	uint32_t total;

	if (got == 0 && !ferror(r->f))
		return PCAPNG_END;
	if (got < 8)
		return short_read(r, "a block header");
	memcpy(type, hdr, 4);   /* the section header's type reads the same both ways */
	if (*type == PCAPNG_SHB_TYPE) {
		uint32_t b;

		if (rd(r, bom, 4) < 4)
			return short_read(r, "a section header");
		memcpy(&b, bom, 4);
		if (b != BOM && b != __builtin_bswap32(BOM))
			return fail(r, PCAPNG_MALFORMED, "malformed: section header at byte %" PRIu64
				    " has no byte-order magic (0x%08x)", at, b);
		r->swap = b != BOM;
		have = 4;
	} else if (!r->started) {
		return fail(r, PCAPNG_MALFORMED, "malformed: the file does not start with a section header");
	} else {
		*type = u32(r, hdr);
	}
	total = u32(r, hdr + 4);
	if (total < 12 + have || total % 4 || total > MAX_BLOCK)
		return fail(r, PCAPNG_MALFORMED, "malformed: block at byte %" PRIu64
			    " has length %" PRIu32 " (at least 12, a multiple of 4, at most %u)",
			    at, total, MAX_BLOCK);
	if (r->cap < total) {
		r->buf = xrealloc(r->buf, total);
		r->cap = total;
	}
	memcpy(r->buf, bom, have);   /* the section header's body starts with its magic */
	*len = total - 12;
	if (rd(r, r->buf + have, total - 8 - have) < total - 8 - have)
		return short_read(r, "a block");
	if (u32(r, r->buf + *len) != total)
		return fail(r, PCAPNG_MALFORMED, "malformed: block at byte %" PRIu64
			    " ends with length %" PRIu32 ", not %" PRIu32, at,
			    u32(r, r->buf + *len), total);
	return 1;
}

/* tsresol - units per second for an if_tsresol byte V, or 0 when it cannot be. */
static uint64_t tsresol(uint8_t v)
{
	uint64_t u = 1;

	if (v & 0x80) {
		if ((v & 0x7f) > 63)
			return 0;
		return (uint64_t)1 << (v & 0x7f);
	}
	if (v > 19)   /* 10^19 is the largest power of ten in 64 bits */
		return 0;
	while (v--)
		u *= 10;
	return u;
}

/* iface_option - apply option CODE of LEN bytes at P to IFC; 0 or an error. */
static int iface_option(struct pcapng_reader *r, struct pcapng_iface *ifc, uint16_t code,
			const uint8_t *p, uint16_t len)
{
	if (code == OPT_IF_NAME) {
		size_t n = len < sizeof(ifc->name) - 1 ? len : sizeof(ifc->name) - 1;

		for (size_t i = 0; i < n && p[i]; i++)   /* printable only: it goes to a terminal */
			ifc->name[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	} else if (code == OPT_IF_TSRESOL) {
		if (len < 1 || !(ifc->units = tsresol(p[0])))
			return fail(r, PCAPNG_MALFORMED, "malformed: if_tsresol %u cannot be",
				    len ? p[0] : 0);
	} else if (code == OPT_IF_TSOFFSET) {
		if (len < 8)
			return fail(r, PCAPNG_MALFORMED, "malformed: if_tsoffset of %u bytes", len);
		ifc->offset = (int64_t)u64(r, p);
	}
	return 0;
}

/* parse_options - the options in the N bytes at P, applied to IFC when not NULL. */
static int parse_options(struct pcapng_reader *r, const uint8_t *p, size_t n,
			 struct pcapng_iface *ifc)
{
	size_t at = 0;

	while (n - at >= 4) {
		uint16_t code = u16(r, p + at), olen = u16(r, p + at + 2);
		size_t padded = ((size_t)olen + 3) & ~(size_t)3;

		at += 4;
		if (code == OPT_END)
			return 0;
		if (padded > n - at)
			return fail(r, PCAPNG_MALFORMED, "malformed: option %u of %u bytes runs "
				    "past the end of its block", code, olen);
		if (ifc && iface_option(r, ifc, code, p + at, olen) < 0)
			return PCAPNG_MALFORMED;
		at += padded;
	}
	return 0;
}

/* section_header - a new section: its own byte order and interfaces. */
static int section_header(struct pcapng_reader *r, size_t len)
{
	if (len < 16)
		return fail(r, PCAPNG_MALFORMED, "malformed: section header of %zu bytes", len);
	if (u16(r, r->buf + 4) != 1)
		return fail(r, PCAPNG_MALFORMED, "pcapng version %u.%u is not supported",
			    u16(r, r->buf + 4), u16(r, r->buf + 6));
	r->started = true;
	r->section_base = r->nifs;
	return parse_options(r, r->buf + 16, len - 16, NULL);
}

/* interface_block - one more interface. */
static int interface_block(struct pcapng_reader *r, size_t len)
{
	struct pcapng_iface ifc = { .units = 1000000 };

	if (len < 8)
		return fail(r, PCAPNG_MALFORMED, "malformed: interface description of %zu bytes", len);
	if (r->nifs >= MAX_IFACES)
		return fail(r, PCAPNG_MALFORMED, "malformed: more than %d interfaces", MAX_IFACES);
	ifc.linktype = u16(r, r->buf);
	ifc.snaplen = u32(r, r->buf + 4);
	if (parse_options(r, r->buf + 8, len - 8, &ifc) < 0)
		return PCAPNG_MALFORMED;
	r->ifs = xrealloc(r->ifs, (r->nifs + 1) * sizeof(*r->ifs));
	r->ifs[r->nifs++] = ifc;
	return 0;
}

/* iface_of - the global index of this section's interface ID, or an error. */
static int iface_of(struct pcapng_reader *r, uint32_t id, uint32_t *out)
{
	if (id >= r->nifs - r->section_base)
		return fail(r, PCAPNG_MALFORMED, "malformed: a packet on interface %" PRIu32
			    ", but this section describes %zu", id, r->nifs - r->section_base);
	*out = (uint32_t)(r->section_base + id);
	return 0;
}

/* timed_packet - an enhanced (FIELDS = 20 bytes, 32-bit id) or obsolete (16-bit id) packet. */
static int timed_packet(struct pcapng_reader *r, size_t len, bool obsolete,
			struct pcapng_packet *p)
{
	const uint8_t *b = r->buf;
	const struct pcapng_iface *ifc;
	uint64_t t;

	if (len < 20)
		return fail(r, PCAPNG_MALFORMED, "malformed: packet block of %zu bytes", len);
	if (iface_of(r, obsolete ? u16(r, b) : u32(r, b), &p->iface) < 0)
		return PCAPNG_MALFORMED;
	p->caplen = u32(r, b + 12);
	p->len = u32(r, b + 16);
	if (p->caplen > len - 20)
		return fail(r, PCAPNG_MALFORMED, "malformed: %" PRIu32 " captured bytes in a "
			    "packet block of %zu", p->caplen, len);
	p->data = b + 20;
	ifc = &r->ifs[p->iface];
	t = (uint64_t)u32(r, b + 4) << 32 | u32(r, b + 8);
	p->ts = (double)(t / ifc->units) + (double)(t % ifc->units) / (double)ifc->units +
		(double)ifc->offset;
	r->last_ts = p->ts;
	return PCAPNG_PACKET;
}

/* simple_packet - a packet of interface 0, without time or captured length. */
static int simple_packet(struct pcapng_reader *r, size_t len, struct pcapng_packet *p)
{
	uint32_t snap;

	if (len < 4)
		return fail(r, PCAPNG_MALFORMED, "malformed: simple packet block of %zu bytes", len);
	if (iface_of(r, 0, &p->iface) < 0)
		return PCAPNG_MALFORMED;
	p->len = u32(r, r->buf);
	p->caplen = p->len < len - 4 ? p->len : (uint32_t)(len - 4);
	snap = r->ifs[p->iface].snaplen;
	if (snap && p->caplen > snap)
		p->caplen = snap;
	p->data = r->buf + 4;
	p->ts = r->last_ts;
	return PCAPNG_PACKET;
}

int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *p)
{
	for (;;) {
		uint32_t type = 0;
		size_t len = 0;
		int rc = read_block(r, &type, &len);

		if (rc != 1)
			return rc;
		switch (type) {
		case PCAPNG_SHB_TYPE:
			rc = section_header(r, len);
			break;
		case BT_IDB:
			rc = interface_block(r, len);
			break;
		case BT_EPB:
		case BT_OPB:
			return timed_packet(r, len, type == BT_OPB, p);
		case BT_SPB:
			return simple_packet(r, len, p);
		default:
			rc = 0;   /* statistics, name resolution, comments...: not needed */
			break;
		}
		if (rc < 0)
			return rc;
	}
}
