/*
 * ladder.h - connections as time-sequence ladders: which packet was seen
 * where and when, with the socket calls that caused them.
 *
 * Packets are read from captures one at a time. Every connection gets a
 * number (first seen, first numbered) and a few bytes of bookkeeping; only
 * the connections to be drawn keep their packets, so memory follows the
 * connection drawn, not the file. A packet seen at several vantage points
 * (laptop:eth0, router:eth0, router:eth1, server:eth0) becomes one arrow
 * across them, so a router's forwarding shows as an arrow that crosses it.
 */
#ifndef PORTLAB_LADDER_H
#define PORTLAB_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "flows.h"

struct jvalue;

/* Which connections to draw. */
struct ladder_select {
	size_t flow;                  /* 0: every one; N: the Nth */
	bool by_tuple;                /* --tuple: the connections between A and B */
	struct pl_addr a, b;
	uint16_t ap, bp;
};

enum arrow_kind { ARROW_PACKET, ARROW_ICMP_ERROR };

#define LADDER_MAX_VANTAGE 64

/* One packet, seen at one or more vantage points on its way. */
struct arrow {
	double t0, t1;                /* first and last sighting */
	enum arrow_kind kind;
	bool from_orig;               /* travels from the originator to the responder */
	uint8_t flags;                /* TCP flags */
	uint32_t seq, ack, len;       /* relative to each side's ISN; payload bytes */
	bool has_seq;                 /* TCP: seq and ack mean something */
	const char *icmp;             /* ARROW_ICMP_ERROR: what it says */
	int first, last;              /* columns of the first and last sighting */
	uint64_t seen;                /* columns where it was seen */
};

/* One socket call tied to the connection (from result.json). */
struct lad_event {
	double t;
	int col;                      /* the column of the host that made it */
	bool orig_side;               /* made by the originator's end */
	bool called;                  /* a call's start, known to the millisecond only */
	unsigned order;               /* order of telling: keeps "called" before its return */
	char host[48];
	char text[96];                /* "client connect() called", "server accept() = fd 4" */
};

/* A connection, ready to draw. */
struct ladder_conn {
	size_t number;
	struct flow id;               /* proto and the two endpoints (orig first) */
	double t0;                    /* time zero of the drawing */
	size_t ncols;
	const char *col_name[LADDER_MAX_VANTAGE];
	struct arrow *arrows;
	size_t narrows;
	struct lad_event *events;
	size_t nevents;
};

struct ladder;

/* ladder_new - an empty ladder that keeps the connections SEL selects. */
struct ladder *ladder_new(const struct ladder_select *sel);
void ladder_free(struct ladder *l);

/*
 * ladder_read - stream the capture PATH into L; each interface is a vantage
 * point, named by its pcapng name or by NAME (used when it has none).
 * Returns as flows_read_pcap.
 */
int ladder_read(struct ladder *l, const char *path, const char *name, char *err, size_t errlen);

/* ladder_events - tie the socket events of result.json's EVENTS array to the connections. */
void ladder_events(struct ladder *l, const struct jvalue *events);

/* ladder_count - how many connections the captures hold. */
size_t ladder_count(const struct ladder *l);

/*
 * ladder_conns - the selected connections, arranged for drawing (arrows
 * grouped, columns in path order); *N gets their number. Valid until
 * ladder_free.
 */
const struct ladder_conn *ladder_conns(struct ladder *l, size_t *n);

/* ladder_print - connection C as text, one row per arrow or event. */
void ladder_print(FILE *out, const struct ladder_conn *c);
/* ladder_svg - the N connections C as one self-contained SVG document. */
void ladder_svg(FILE *out, const struct ladder_conn *c, size_t n, const char *title);
/* ladder_svg_element - the same <svg> element without the XML declaration, to go inside HTML. */
void ladder_svg_element(FILE *out, const struct ladder_conn *c, size_t n, const char *title);

#endif
