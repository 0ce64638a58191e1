/*
 * parallel_client - many connections to one server port, all open at once.
 *
 *   parallel_client --connect ADDR:PORT --count N [--share K/M]
 *                   [--await-greeting] [--window W]
 *
 * Opens N TCP connections with non-blocking connect(): every SYN leaves
 * before any handshake has finished. epoll tells when each handshake is
 * over; each one is a "connect" event with the outcome from SO_ERROR. Only
 * when all N are connected (all open together) does the program close them.
 *
 * --share K/M: N is split between M client hosts and this is host K; it
 * opens its share, N/M connections, one more for the first N%M hosts. Its
 * events carry "hosts":"M" so that a lab can count the M hosts together.
 *
 * --await-greeting: a connection is done only when the server's first byte
 * has arrived as well (parallel_server --greet). A finished connect() says
 * that the two kernels did the handshake; the byte says that a server
 * program accepted the connection.
 *
 * --window W: at most W connections under way (started, not yet done) at
 * any moment; the next connect starts when one is done. With
 * --await-greeting, a connection is under way until a server accepted it,
 * so W bounds what waits in the servers' accept queues.
 *
 * To keep 10000 connections readable, only the outcome of each connect is
 * an event; socket(), the greetings and close() are summed up in the notes
 * "holding", "greeted" and "closed".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

/* one connection: its socket, and whether its handshake is over */
struct conn {
	int fd;
	bool connected;
};

/* the whole client: where to, how many, and how far it got */
struct client {
	struct sockaddr_storage peer;
	socklen_t len;
	long mine, window;      /* connections to open; most under way at once */
	bool await;             /* done only when the server's byte came */
	int ep_fd;
	struct conn *conns;
	long started, opened, pending, connected, greeted;
};

static void usage(void)
{
	fprintf(stderr, "usage: parallel_client --connect ADDR:PORT --count N "
		"[--share K/M] [--await-greeting] [--window W]\n");
	exit(2);
}

/* my_share - how many of N connections host K of M opens. */
static long my_share(long n, const char *share)
{
	char k_text[16], m_text[16], tag[16];
	long k, m;

	if (sscanf(share, "%15[0-9]/%15[0-9]", k_text, m_text) != 2)
		usage();
	m = parse_number(m_text, "number of hosts", 1, 1000);
	k = parse_number(k_text, "host number", 1, m);
	snprintf(tag, sizeof(tag), "%ld", m);
	report_tag("hosts", tag);
	return n / m + (k <= n % m ? 1 : 0);
}

/*
 * start_connect - a non-blocking socket whose connect to PEER has begun,
 * watched by epoll for writability under the number ID. Returns the socket,
 * or -1 when connect failed at once (reported).
 */
static int start_connect(int ep_fd, const struct sockaddr_storage *peer,
			 socklen_t len, long id)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = (uint64_t)id };
	int fd;

	fd = socket(peer->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	if (connect(fd, (const struct sockaddr *)peer, len) < 0 &&
	    errno != EINPROGRESS) {
		/* e.g. EADDRNOTAVAIL: no ephemeral port left */
		report_to("connect", fd, -1, (const struct sockaddr *)peer, len);
		if (close(fd) < 0)
			die("close");
		return -1;
	}
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	return fd;
}

/*
 * finish_connect - the handshake on C is over: report its outcome, taken
 * from SO_ERROR, as the connect event. Returns 0 if connected, -1 if not.
 */
static int finish_connect(struct conn *c, const struct sockaddr_storage *peer,
			  socklen_t len)
{
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		die("getsockopt SO_ERROR");
	errno = err;
	c->connected = err == 0;
	return report_to("connect", c->fd, err ? -1 : 0,
			 (const struct sockaddr *)peer, len);
}

/*
 * read_greeting - C is readable: 1 when the server's byte is there, 0 when
 * the server closed or failed instead (reported), -1 when nothing came yet.
 */
static int read_greeting(const struct conn *c)
{
	char byte;
	ssize_t got = recv(c->fd, &byte, 1, 0);

	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return -1;
	if (got == 1)
		return 1;
	report_io("recv", c->fd, got);
	return 0;
}

/* mute - epoll reports nothing more about C, or (AWAIT) only its first byte. */
static void mute(int ep_fd, const struct conn *c, long id, bool await)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)id };

	if (epoll_ctl(ep_fd, await ? EPOLL_CTL_MOD : EPOLL_CTL_DEL, c->fd, &ev) < 0)
		die("epoll_ctl");
}

/*
 * start_more - start connects until CL has its share started, or its
 * window of connections under way is full.
 */
static void start_more(struct client *cl)
{
	while (cl->started < cl->mine && cl->pending < cl->window) {
		int fd = start_connect(cl->ep_fd, &cl->peer, cl->len, cl->opened);

		cl->started++;
		if (fd >= 0) {
			cl->conns[cl->opened++].fd = fd;
			cl->pending++;
		}
	}
}

/* progress - epoll said that connection ID of CL is ready: a handshake or a greeting. */
static void progress(struct client *cl, long id)
{
	struct conn *c = &cl->conns[id];
	int got;

	if (!c->connected) {
		if (finish_connect(c, &cl->peer, cl->len) < 0) {
			mute(cl->ep_fd, c, id, false);
			cl->pending--;
			return;
		}
		cl->connected++;
		mute(cl->ep_fd, c, id, cl->await);
		if (!cl->await) /* done; else done when its byte comes */
			cl->pending--;
	} else if ((got = read_greeting(c)) >= 0) {
		cl->greeted += got;
		mute(cl->ep_fd, c, id, false);
		cl->pending--;
	}
}

int main(int argc, char **argv)
{
	const char *ep = NULL, *share = NULL;
	struct epoll_event ready[256];
	struct client cl = { .window = -1 };
	long n = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc)
			ep = argv[++i];
		else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			n = parse_number(argv[++i], "connection count", 1, 1000000);
		else if (strcmp(argv[i], "--share") == 0 && i + 1 < argc)
			share = argv[++i];
		else if (strcmp(argv[i], "--await-greeting") == 0)
			cl.await = true;
		else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
			cl.window = parse_number(argv[++i], "window", 1, 1000000);
		else
			usage();
	}
	if (!ep || n < 0)
		usage();
	if (parse_endpoint(ep, &cl.peer, &cl.len) < 0)
		exit(2);
	cl.mine = share ? my_share(n, share) : n;
	if (cl.window < 0) /* no window: every SYN leaves before any handshake is over */
		cl.window = cl.mine;

	raise_fd_limit(cl.mine);
	cl.conns = calloc((size_t)cl.mine + 1, sizeof(*cl.conns));
	if (!cl.conns)
		die("calloc");
	cl.ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (cl.ep_fd < 0)
		die("epoll_create1");

	/* collect the handshakes (and greetings) as they finish, in whatever order */
	for (start_more(&cl); cl.pending > 0; start_more(&cl)) {
		int nready = epoll_wait(cl.ep_fd, ready, 256, -1);

		if (nready < 0 && errno == EINTR)
			continue;
		if (nready < 0)
			die("epoll_wait");
		for (int i = 0; i < nready; i++)
			progress(&cl, (long)ready[i].data.u64);
	}
	report_note("holding", "connections", cl.connected);
	if (cl.await)
		report_note("greeted", "connections", cl.greeted);

	for (long i = 0; i < cl.opened; i++)
		if (close(cl.conns[i].fd) < 0)
			die("close");
	report_note("closed", "connections", cl.opened);
	free(cl.conns);
	return cl.connected == cl.mine && (!cl.await || cl.greeted == cl.mine) ? 0 : 1;
}
