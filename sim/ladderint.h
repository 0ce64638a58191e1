/*
 * ladderint.h - what ladder.c (reading), ladderevents.c (socket calls) and
 * ladderarrange.c (arrows and columns) share: the connection records and
 * the key helpers. Not for use outside the ladder.
 */
#ifndef PORTLAB_LADDERINT_H
#define PORTLAB_LADDERINT_H

#include <stdbool.h>
#include <stdint.h>

#include "decode.h"
#include "ladder.h"

/* One sighting of a packet at one vantage point. */
struct sighting {
	double ts;
	uint16_t vantage;
	uint8_t kind;            /* enum arrow_kind */
	uint8_t flags;
	bool from_orig, tcp;
	uint32_t seq, ack, len;
	uint32_t order;          /* arrival order, to keep sorting stable */
	const char *icmp;
};

struct conn {
	struct conn *older;      /* the previous connection of the same key */
	struct pkt_id key;       /* as the originator sends */
	uint32_t hash;
	size_t number;
	double first_ts;
	bool isn_known, drawn;
	uint32_t isn;
	uint64_t syn_at;         /* vantage points where its SYN was seen */
	struct sighting *s;
	size_t ns, cap;
	struct lad_event *ev;
	size_t nev;
};

struct ladder {
	struct ladder_select sel;
	struct conn **slots;     /* newest connection per key */
	size_t nslots;
	struct conn **all;       /* every connection, by number - 1 */
	size_t n, cap;
	char *vantage[LADDER_MAX_VANTAGE];
	size_t nvantage;
	struct ladder_conn *out;
	size_t nout;
};

/* lad_addr_eq - true when A and B are the same address. */
bool lad_addr_eq(const struct pl_addr *a, const struct pl_addr *b);
/* lad_key_hash - a hash of ID's key, the same both ways. */
uint32_t lad_key_hash(const struct pkt_id *id);
/* lad_same_key - true when ID is a packet of C's key; *FROM_ORIG says which way. */
bool lad_same_key(const struct conn *c, const struct pkt_id *id, bool *from_orig);
/* lad_slot_of - L's slot of ID's key (hash H): its newest connection, or an empty slot. */
size_t lad_slot_of(const struct ladder *l, const struct pkt_id *id, uint32_t h, bool *from_orig);

#endif
