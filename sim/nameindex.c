/* nameindex.c - a hash table from names to indexes (see nameindex.h). */
#include "nameindex.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* hash - FNV-1a of LEN bytes. */
static size_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return (size_t)h;
}

/* slot - where NAME is, or the empty slot where it would go. */
static size_t slot(const struct name_index *x, const char *name, size_t len)
{
	size_t i = hash(name, len) & (x->cap - 1);

	while (x->names[i] && (strncmp(x->names[i], name, len) || x->names[i][len]))
		i = (i + 1) & (x->cap - 1);
	return i;
}

static void grow(struct name_index *x)
{
	struct name_index bigger = { .cap = x->cap ? x->cap * 2 : 16 };

	bigger.names = xcalloc(bigger.cap, sizeof(*bigger.names));
	bigger.values = xcalloc(bigger.cap, sizeof(*bigger.values));
	for (size_t i = 0; i < x->cap; i++)
		if (x->names[i])
			name_index_put(&bigger, x->names[i], x->values[i]);
	name_index_free(x);
	*x = bigger;
}

void name_index_put(struct name_index *x, const char *name, size_t value)
{
	size_t i;

	if (2 * (x->n + 1) > x->cap) /* at most half full: probes stay short */
		grow(x);
	i = slot(x, name, strlen(name));
	if (!x->names[i])
		x->n++;
	x->names[i] = name;
	x->values[i] = value;
}

long name_index_get(const struct name_index *x, const char *name, size_t len)
{
	size_t i;

	if (!x->cap)
		return -1;
	i = slot(x, name, len);
	return x->names[i] ? (long)x->values[i] : -1;
}

void name_index_free(struct name_index *x)
{
	free(x->names);
	free(x->values);
	memset(x, 0, sizeof(*x));
}
