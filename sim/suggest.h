/*
 * suggest.h - "did you mean X?": the known name closest to a misspelt one.
 */
#ifndef PORTLAB_SUGGEST_H
#define PORTLAB_SUGGEST_H

#include <stddef.h>

/* edit_distance - insertions, deletions, substitutions and swaps of neighbours turning A into B. */
size_t edit_distance(const char *a, const char *b);

/* A search for the closest name: begin, try each candidate, read FOUND (NULL: none close). */
struct suggester {
	const char *word;
	size_t best, limit;
	const char *found;
};

void suggest_begin(struct suggester *s, const char *word);
/* suggest_try - keep NAME when it is closer than any before and close enough to be a slip. */
void suggest_try(struct suggester *s, const char *name);

/* suggest - the closest of the N NAMES (or up to a NULL), or NULL. */
const char *suggest(const char *word, const char *const *names, size_t n);

/* did_you_mean - " (did you mean 'X'?)" for X, or "" for NULL: to end a message (static buffer). */
const char *did_you_mean(const char *x);

#endif
