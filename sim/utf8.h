/* utf8.h - is this text UTF-8? For lab files (refused) and JSON output (escaped). */
#ifndef PORTLAB_UTF8_H
#define PORTLAB_UTF8_H

#include <stddef.h>

/*
 * utf8_char - the length (1-4) of the well-formed UTF-8 character at S,
 * which has N bytes left, or 0 when it is not one (a stray continuation
 * byte, an overlong form, a surrogate, past U+10FFFF, cut short).
 */
size_t utf8_char(const unsigned char *s, size_t n);

/* utf8_invalid - the offset of the first byte of S (N bytes) that is not UTF-8, or N. */
size_t utf8_invalid(const char *s, size_t n);

#endif
