/*
 * pcapngread.h - a pcapng block reader that keeps each packet's interface.
 *
 * libpcap reads pcapng but hides which interface a packet came from; a
 * run.pcapng holds every interface of a lab, so that matters here. This
 * reader streams one block at a time from a FILE (a file, a pipe, or
 * fmemopen'd bytes for the fuzzer), checks every length before it is
 * trusted, and keeps "the file ends too soon" (truncated) apart from
 * "a length or field that cannot be right" (malformed).
 *
 * Blocks understood: section header (either byte order; a new section
 * starts a new set of interfaces), interface description (link type,
 * snaplen, if_name, if_tsresol, if_tsoffset), enhanced packet, simple
 * packet and the obsolete packet block. Any other block is skipped.
 */
#ifndef PORTLAB_PCAPNGREAD_H
#define PORTLAB_PCAPNGREAD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PCAPNG_SHB_TYPE 0x0A0D0D0A  /* also the file's first four bytes */

struct pcapng_iface {
	uint16_t linktype;
	uint32_t snaplen;          /* 0: no limit */
	char name[128];            /* if_name, or "" when the file names none */
	uint64_t units;            /* timestamp units per second (if_tsresol) */
	int64_t offset;            /* seconds added to every timestamp (if_tsoffset) */
};

struct pcapng_packet {
	uint32_t iface;            /* index into the file's interfaces, all sections counted */
	double ts;                 /* seconds since the epoch */
	uint32_t caplen, len;      /* bytes captured, bytes on the wire */
	const uint8_t *data;       /* CAPLEN bytes, valid until the next call */
};

enum pcapng_status {
	PCAPNG_PACKET = 1,
	PCAPNG_END = 0,            /* the file ended between two blocks */
	PCAPNG_TRUNCATED = -1,     /* the file ended inside a block */
	PCAPNG_MALFORMED = -2,     /* a block that cannot be right */
	PCAPNG_IOERROR = -3,       /* reading failed (errno's words in the message) */
};

struct pcapng_reader;

/*
 * pcapng_open - a reader of F, whose first NHEAD bytes (at most 8) were
 * already read into HEAD to tell the format. F stays the caller's.
 */
struct pcapng_reader *pcapng_open(FILE *f, const uint8_t *head, size_t nhead);
void pcapng_close(struct pcapng_reader *r);

/* pcapng_next - the next packet in *P, or why there is none (enum pcapng_status). */
int pcapng_next(struct pcapng_reader *r, struct pcapng_packet *p);

/* pcapng_error - what the last PCAPNG_TRUNCATED, _MALFORMED or _IOERROR was. */
const char *pcapng_error(const struct pcapng_reader *r);

/* The interfaces described so far (they grow as the file is read). */
size_t pcapng_ninterfaces(const struct pcapng_reader *r);
const struct pcapng_iface *pcapng_interface(const struct pcapng_reader *r, size_t i);

#endif
