/* words.c - cut a line into words (see words.h). */
#include "words.h"

#include <stddef.h>

int split_words(char *s, char **w, int max, bool strict, const char **why)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max) {
			*why = "too many words";
			return -1;
		}
		if (*s == '"') {
			w[n++] = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s) {
				*why = "unterminated quote";
				return -1;
			}
			*s++ = '\0';
			if (strict && *s && *s != ' ' && *s != '\t') {
				*why = "a quoted word must end at the quote";
				return -1;
			}
			continue;
		}
		w[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}
