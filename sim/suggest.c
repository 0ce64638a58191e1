/* suggest.c - the closest known name to a misspelt one (see suggest.h). */
#include "suggest.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Longer words are not names anyone misspells: compare only their start. */
#define MAX_WORD 64

size_t edit_distance(const char *a, const char *b)
{
	size_t la = strnlen(a, MAX_WORD), lb = strnlen(b, MAX_WORD);
	size_t d[MAX_WORD + 1][MAX_WORD + 1];

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t k = 0; k <= lb; k++)
		d[0][k] = k;
	for (size_t i = 1; i <= la; i++) {
		for (size_t k = 1; k <= lb; k++) {
			size_t best = d[i - 1][k - 1] + (a[i - 1] != b[k - 1]);
			if (d[i - 1][k] + 1 < best)
				best = d[i - 1][k] + 1;
			if (d[i][k - 1] + 1 < best)
				best = d[i][k - 1] + 1;
			/* "conenct": two letters swapped is one slip, not two */
			if (i > 1 && k > 1 && a[i - 1] == b[k - 2] && a[i - 2] == b[k - 1] &&
			    d[i - 2][k - 2] + 1 < best)
				best = d[i - 2][k - 2] + 1;
			d[i][k] = best;
		}
	}
	return d[la][lb];
}

void suggest_begin(struct suggester *s, const char *word)
{
	size_t len = strlen(word);

	s->word = word;
	s->best = SIZE_MAX;
	s->limit = len < 4 ? 1 : len / 3 + 1; /* about one slip in three letters */
	s->found = NULL;
}

void suggest_try(struct suggester *s, const char *name)
{
	size_t d;

	if (!strcmp(name, s->word))
		return; /* the same word is no suggestion */
	d = edit_distance(s->word, name);
	if (d > s->limit && strlen(s->word) >= 3 && !strncmp(name, s->word, strlen(s->word)))
		d = s->limit; /* "con" for "conns": the start of the name is close enough */
	if (d < s->best && d <= s->limit && d < strlen(name)) {
		s->best = d;
		s->found = name;
	}
}

const char *suggest(const char *word, const char *const *names, size_t n)
{
	struct suggester s;

	suggest_begin(&s, word);
	for (size_t i = 0; i < n && names[i]; i++)
		suggest_try(&s, names[i]);
	return s.found;
}

const char *did_you_mean(const char *x)
{
	static char buf[128];

	if (!x)
		return "";
	snprintf(buf, sizeof(buf), " (did you mean '%.80s'?)", x);
	return buf;
}
