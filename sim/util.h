/* util.h - error reporting and allocation that never returns NULL. */
#ifndef PORTLAB_UTIL_H
#define PORTLAB_UTIL_H

#include <stdarg.h>
#include <stddef.h>

/* pl_warn - "portlab: <message>" on stderr. */
void pl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* pl_warn_errno - "portlab: <message>: <strerror(errno)>" on stderr. */
void pl_warn_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
/* xasprintf - a newly allocated formatted string. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* join_words - the N words of W joined by single blanks, newly allocated. */
char *join_words(char *const *w, size_t n);
/* free_strings - free the N strings of V, and V. */
void free_strings(char **v, size_t n);

/* now_seconds - CLOCK_MONOTONIC in seconds. */
double now_seconds(void);

#endif
