/*
 * trace_fds.c - which descriptors of a traced process are Internet sockets
 * (see trace_int.h): read and write on anything else are no events.
 */
#include "trace_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = xcalloc(1, sizeof(*t));

	t->refs = 1;
	return t;
}

struct fdtable *fdtable_copy(const struct fdtable *t)
{
	struct fdtable *c = fdtable_new();

	if (t->n) {
		c->fd = xmalloc(t->n * sizeof(*c->fd));
		memcpy(c->fd, t->fd, t->n * sizeof(*c->fd));
		c->n = t->n;
	}
	return c;
}

void fdtable_put(struct fdtable *t)
{
	if (t && --t->refs == 0) {
		free(t->fd);
		free(t);
	}
}

bool fdtable_is_socket(const struct fdtable *t, long fd)
{
	return fd >= 0 && (size_t)fd < t->n && t->fd[fd].sock;
}

/* slot - FD's entry, growing the table; NULL for a descriptor no process can have. */
static struct fdinfo *slot(struct fdtable *t, long fd)
{
	if (fd < 0 || fd > (1L << 24))
		return NULL;
	if ((size_t)fd >= t->n) {
		size_t n = t->n ? t->n : 64;
		while (n <= (size_t)fd)
			n *= 2;
		t->fd = xrealloc(t->fd, n * sizeof(*t->fd));
		memset(t->fd + t->n, 0, (n - t->n) * sizeof(*t->fd));
		t->n = n;
	}
	return &t->fd[fd];
}

void fdtable_mark(struct fdtable *t, long fd, const char *peer)
{
	struct fdinfo *f = slot(t, fd);

	if (f) {
		memset(f, 0, sizeof(*f));
		f->sock = true;
		snprintf(f->peer, sizeof(f->peer), "%s", peer ? peer : "");
	}
}

void fdtable_clear(struct fdtable *t, long fd)
{
	if (fd >= 0 && (size_t)fd < t->n)
		memset(&t->fd[fd], 0, sizeof(t->fd[fd]));
}

void fdtable_dup(struct fdtable *t, long oldfd, long newfd)
{
	if (oldfd == newfd)
		return;
	if (fdtable_is_socket(t, oldfd))
		fdtable_mark(t, newfd, t->fd[oldfd].peer);
	else
		fdtable_clear(t, newfd);
}

const char *fdtable_peer(const struct fdtable *t, long fd)
{
	return fdtable_is_socket(t, fd) && t->fd[fd].peer[0] ? t->fd[fd].peer : NULL;
}

void fdtable_set_peer(struct fdtable *t, long fd, const char *peer)
{
	if (fdtable_is_socket(t, fd))
		snprintf(t->fd[fd].peer, sizeof(t->fd[fd].peer), "%s", peer);
}

void fdtable_connecting(struct fdtable *t, long fd, const char *target)
{
	if (!fdtable_is_socket(t, fd))
		return;
	t->fd[fd].connecting = target != NULL;
	snprintf(t->fd[fd].target, sizeof(t->fd[fd].target), "%s", target ? target : "");
}

const char *fdtable_target(const struct fdtable *t, long fd)
{
	return fdtable_is_socket(t, fd) && t->fd[fd].connecting ? t->fd[fd].target : NULL;
}

void fdtable_prune(struct fdtable *t, pid_t pid)
{
	char path[64], link[64];

	for (size_t fd = 0; fd < t->n; fd++) {
		if (!t->fd[fd].sock)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%zu", (int)pid, fd);
		ssize_t n = readlink(path, link, sizeof(link) - 1);
		if (n < 0 || strncmp(link, "socket:", 7)) /* closed on exec */
			fdtable_clear(t, (long)fd);
	}
}
