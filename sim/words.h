/* words.h - a line of a portlab file (lab, exercise) cut into words. */
#ifndef PORTLAB_WORDS_H
#define PORTLAB_WORDS_H

#include <stdbool.h>

/*
 * split_words - cut LINE, in place, into at most MAX words in W: blanks
 * separate them, double quotes group one, '#' outside quotes ends the line.
 * STRICT: a quoted word must end at its quote (a lab file); otherwise what
 * follows the quote is the next word (an exercise's prose: "a:1 -> b:2".).
 * Returns the count, or -1 with *WHY saying what is wrong ("too many
 * words", "unterminated quote", ...).
 */
int split_words(char *line, char **w, int max, bool strict, const char **why);

#endif
