/*
 * capsrc.h - packets from any capture: a pcap file (read by libpcap) or a
 * pcapng file (read by pcapngread.c, which keeps each packet's interface),
 * named by a path or "-" for standard input. One packet at a time, so
 * memory stays flat however long the capture.
 */
#ifndef PORTLAB_CAPSRC_H
#define PORTLAB_CAPSRC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cap_pkt {
	uint32_t iface;        /* index of the interface it was seen on (0 in a pcap) */
	double ts;             /* seconds since the epoch */
	uint32_t caplen, len;  /* bytes captured, bytes on the wire */
	const uint8_t *data;   /* valid until the next capsrc_next */
};

struct capsrc;

/* capsrc_open - PATH ("-": standard input), or NULL with ERR "PATH: why". */
struct capsrc *capsrc_open(const char *path, char *err, size_t errlen);
void capsrc_close(struct capsrc *s);

/*
 * capsrc_next - 1 and the next packet in *P; 0 at the end; -1 when the
 * file stops early: capsrc_error then says why (with "truncated" in it
 * when the file ends inside a record).
 */
int capsrc_next(struct capsrc *s, struct cap_pkt *p);
const char *capsrc_error(const struct capsrc *s);

/* The interfaces known so far: a pcapng file describes them as it goes. */
size_t capsrc_ninterfaces(const struct capsrc *s);
/* capsrc_iface_name - interface I's name (pcapng if_name), or NULL when it has none. */
const char *capsrc_iface_name(const struct capsrc *s, size_t i);
/* capsrc_iface_dlt - interface I's link type (a DLT_ value). */
int capsrc_iface_dlt(const struct capsrc *s, size_t i);
/* capsrc_is_pcapng - true for a pcapng file. */
bool capsrc_is_pcapng(const struct capsrc *s);

#endif
