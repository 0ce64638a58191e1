/*
 * nameindex.h - names to indexes in constant time, so that reading a lab of
 * 10,000 hosts stays linear: a small open-addressing hash table.
 */
#ifndef PORTLAB_NAMEINDEX_H
#define PORTLAB_NAMEINDEX_H

#include <stddef.h>

struct name_index {
	const char **names; /* borrowed: the caller keeps each name alive */
	size_t *values;
	size_t cap, n;      /* cap is 0 or a power of two */
};

/* name_index_put - map NAME to VALUE (NAME must stay valid); replaces an older value. */
void name_index_put(struct name_index *x, const char *name, size_t value);
/* name_index_get - NAME's value, or -1. LEN bytes of NAME are compared (it need not end there). */
long name_index_get(const struct name_index *x, const char *name, size_t len);
void name_index_free(struct name_index *x);

#endif
