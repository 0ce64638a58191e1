/*
 * trace_int.h - what the tracer's files share: which descriptors of a
 * traced process are Internet sockets (trace_fds.c), one traced thread
 * (trace.c), and turning a finished call into an event (trace_event.c).
 */
#ifndef PORTLAB_TRACE_INT_H
#define PORTLAB_TRACE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PEER_LEN 64

/*
 * One descriptor: a socket or not, the last peer it was seen connected to,
 * and the peer of a non-blocking connect still under way (EINPROGRESS).
 */
struct fdinfo {
	bool sock;
	bool connecting;
	char peer[PEER_LEN];
	char target[PEER_LEN];
};

/* A descriptor table, shared by the threads (and CLONE_FILES children) that share it. */
struct fdtable {
	int refs;
	size_t n;
	struct fdinfo *fd;
};

struct fdtable *fdtable_new(void);
/* fdtable_copy - a table of its own, as fork() gives (refs 1). */
struct fdtable *fdtable_copy(const struct fdtable *t);
/* fdtable_put - one user less; freed with the last. */
void fdtable_put(struct fdtable *t);
bool fdtable_is_socket(const struct fdtable *t, long fd);
/* fdtable_mark - FD is now a socket (with PEER, or none). */
void fdtable_mark(struct fdtable *t, long fd, const char *peer);
void fdtable_clear(struct fdtable *t, long fd);
/* fdtable_dup - NEWFD is now what OLDFD is (a socket or not). */
void fdtable_dup(struct fdtable *t, long oldfd, long newfd);
/* fdtable_peer - the last peer of FD, or NULL. */
const char *fdtable_peer(const struct fdtable *t, long fd);
void fdtable_set_peer(struct fdtable *t, long fd, const char *peer);
/* fdtable_connecting - FD's connect to TARGET is under way (TARGET NULL: no longer). */
void fdtable_connecting(struct fdtable *t, long fd, const char *target);
/* fdtable_target - the peer of FD's connect under way, or NULL. */
const char *fdtable_target(const struct fdtable *t, long fd);
/* fdtable_prune - after exec: forget every FD that /proc/PID/fd no longer shows as a socket. */
void fdtable_prune(struct fdtable *t, pid_t pid);

/* One traced thread. */
struct task {
	pid_t tid;
	pid_t tgid;              /* 0 until needed */
	int pidfd;               /* of tgid, for pidfd_getfd; -1 until needed */
	struct fdtable *fds;     /* NULL until its parent's fork event says which */
	bool held;               /* stopped, waiting for that event */
	bool in_call;            /* between a traced call's entry and exit */
	long nr;
	uint64_t args[6];
};

/* trace_read_mem - LEN bytes at ADDR in T's memory into BUF; true when all came. */
bool trace_read_mem(const struct task *t, uint64_t addr, void *buf, size_t len);
/* trace_option_text - T's setsockopt option as report_option names it: "SO_REUSEADDR=1" (trace_option.c). */
void trace_option_text(const struct task *t, char *buf, size_t cap);

/* call_started - at a traced call's entry: an event it settles first (a pending connect), or 0. */
size_t call_started(struct task *t, char *buf, size_t cap);
/* call_wants_exit - at a traced call's entry: is its outcome worth a stop at its exit? */
bool call_wants_exit(const struct task *t);
/*
 * call_finished - at its exit: update T's descriptors, and write the event
 * line (with its newline) into BUF. Returns the line's length, 0 for none.
 */
size_t call_finished(struct task *t, long rval, bool is_error, char *buf, size_t cap);

#endif
