/*
 * recordkeys.c - the names of record fields, each kept once and known by a
 * number (see record.h). Every event repeats "call", "role", "local"...:
 * 200,000 events cost a 4-byte number per field, not a copy of each name.
 * The table lives until exit; a program can add names only as far as its
 * sandbox lets it print events.
 */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct {
	char **names;     /* by number */
	uint32_t n, cap;
	uint32_t *slots;  /* open addressing: number + 1, 0 for empty */
	size_t nslots;
} keys;

static size_t hash(const char *s)
{
	size_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* slot_of - where NAME is in the table, or the empty slot where it would go. */
static size_t slot_of(const char *name)
{
	size_t mask = keys.nslots - 1, i = hash(name) & mask;

	while (keys.slots[i] && strcmp(keys.names[keys.slots[i] - 1], name))
		i = (i + 1) & mask;
	return i;
}

/* grow - twice the slots, rehashed, once the table is half full. */
static void grow(void)
{
	size_t n = keys.nslots ? 2 * keys.nslots : 256;

	free(keys.slots);
	keys.slots = xcalloc(n, sizeof(*keys.slots));
	keys.nslots = n;
	for (uint32_t id = 0; id < keys.n; id++)
		keys.slots[slot_of(keys.names[id])] = id + 1;
}

uint32_t record_key_id(const char *name)
{
	if (2 * ((size_t)keys.n + 1) > keys.nslots)
		grow();
	size_t i = slot_of(name);
	if (keys.slots[i])
		return keys.slots[i] - 1;
	if (keys.n == keys.cap)
		keys.names = xrealloc(keys.names, sizeof(char *) * (keys.cap = keys.cap ? 2 * keys.cap : 64));
	keys.names[keys.n] = xstrdup(name);
	keys.slots[i] = ++keys.n;
	return keys.n - 1;
}

int64_t record_key_find(const char *name)
{
	if (!keys.nslots)
		return -1;
	size_t i = slot_of(name);
	return keys.slots[i] ? (int64_t)keys.slots[i] - 1 : -1;
}

const char *record_key_name(uint32_t id)
{
	return id < keys.n ? keys.names[id] : "";
}
