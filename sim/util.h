/* util.h - error reporting and allocation that never returns NULL. */
#ifndef PORTLAB_UTIL_H
#define PORTLAB_UTIL_H

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

/* now_seconds - CLOCK_MONOTONIC in seconds. */
double now_seconds(void);

#endif
