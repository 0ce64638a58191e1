/*
 * parallel_server - one listening port, many clients at the same time.
 *
 *   parallel_server --listen ADDR:PORT --accept N
 *
 * An epoll event loop accepts connections on one listening socket until it
 * holds N of them, all open at once; then it closes them all. Every accepted
 * connection is one "accept" event: the same local address and port each
 * time, and a different peer, so a different four-tuple.
 *
 * Each connection costs one file descriptor, so the program first raises
 * its RLIMIT_NOFILE soft limit to the hard limit, and stops with a clear
 * message when even the hard limit is too small for N.
 *
 * Notes at the end: "backlog" (how many finished handshakes the kernel may
 * queue for accept), "queue-peak" (the most that ever waited), "holding"
 * (connections open at once) and "closed".
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: parallel_server --listen ADDR:PORT --accept N\n");
	exit(2);
}

/* listen_on - a non-blocking listening TCP socket bound to EP; exits on failure. */
static int listen_on(const char *ep, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1;

	if (parse_endpoint(ep, &ss, &len) < 0)
		exit(2);
	fd = report("socket", -1,
		    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (fd < 0)
		die("socket");
	/* the previous server on this port may have left TIME_WAIT behind */
	if (report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)),
			  "SO_REUSEADDR=1") < 0)
		die("setsockopt SO_REUSEADDR");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0)
		die("bind");
	/* the kernel caps the backlog at net.core.somaxconn (4096) */
	if (report("listen", fd, listen(fd, backlog)) < 0)
		die("listen");
	return fd;
}

/*
 * queue_length - how many finished handshakes wait on listening socket LFD
 * for accept(), and in *LIMIT the most that may wait (the backlog). For a
 * listening socket, TCP_INFO reports these in tcpi_unacked and tcpi_sacked.
 */
static int queue_length(int lfd, int *limit)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("getsockopt TCP_INFO");
	*limit = (int)ti.tcpi_sacked;
	return (int)ti.tcpi_unacked;
}

/*
 * accept_ready - accept every connection waiting on LFD into CONNS, up to
 * WANT in all. Returns the new number of connections held.
 */
static int accept_ready(int lfd, int *conns, int held, int want)
{
	while (held < want) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break; /* queue empty: back to epoll_wait */
		if (report_accept(lfd, cfd) < 0) {
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			die("accept");
		}
		conns[held++] = cfd;
	}
	return held;
}

int main(int argc, char **argv)
{
	const char *ep = NULL;
	long want = -1;
	int lfd, ep_fd, held = 0, *conns, waiting, peak = 0, limit = 0;
	struct epoll_event ev = { .events = EPOLLIN };

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--accept") == 0)
			want = parse_number(argv[i + 1], "connection count", 1, 1000000);
		else
			usage();
	}
	if (argc % 2 == 0 || !ep || want < 0)
		usage();

	raise_fd_limit(want);
	conns = calloc((size_t)want, sizeof(*conns));
	if (!conns)
		die("calloc");

	lfd = listen_on(ep, (int)want);
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ep_fd < 0)
		die("epoll_create1");
	ev.data.fd = lfd;
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, lfd, &ev) < 0)
		die("epoll_ctl");

	/* the event loop: sleep until the listening socket is readable, accept */
	while (held < want) {
		int n = epoll_wait(ep_fd, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		/* how far the kernel got ahead of us: handshakes done, not accepted */
		waiting = queue_length(lfd, &limit);
		if (waiting > peak)
			peak = waiting;
		held = accept_ready(lfd, conns, held, (int)want);
	}
	report_note("backlog", "limit", limit);
	report_note("queue-peak", "connections", peak);
	report_note("holding", "connections", held);

	for (int i = 0; i < held; i++)
		if (close(conns[i]) < 0)
			die("close");
	report_note("closed", "connections", held);
	if (report("close", lfd, close(lfd)) < 0)
		die("close");
	free(conns);
	return 0;
}
