/*
 * parallel_client - many connections to one server port, all open at once.
 *
 *   parallel_client --connect ADDR:PORT --count N [--share K/M]
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
 * To keep 10000 connections readable, only the outcome of each connect is
 * an event; socket() and close() are summed up in the notes "holding" and
 * "closed".
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: parallel_client --connect ADDR:PORT --count N "
		"[--share K/M]\n");
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
 * watched by epoll for writability. Returns the socket, or -1 when connect
 * failed at once (reported).
 */
static int start_connect(int ep_fd, const struct sockaddr_storage *peer,
			 socklen_t len)
{
	struct epoll_event ev = { .events = EPOLLOUT };
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
	ev.data.fd = fd;
	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
	return fd;
}

/*
 * finish_connect - the handshake on FD is over: report its outcome, taken
 * from SO_ERROR, as the connect event. Returns 0 if connected, -1 if not.
 */
static int finish_connect(int ep_fd, int fd, const struct sockaddr_storage *peer,
			  socklen_t len)
{
	int err = 0;
	socklen_t errlen = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) < 0)
		die("getsockopt SO_ERROR");
	if (epoll_ctl(ep_fd, EPOLL_CTL_DEL, fd, NULL) < 0)
		die("epoll_ctl");
	errno = err;
	return report_to("connect", fd, err ? -1 : 0,
			 (const struct sockaddr *)peer, len);
}

int main(int argc, char **argv)
{
	const char *ep = NULL, *share = NULL;
	struct sockaddr_storage peer;
	struct epoll_event ready[256];
	socklen_t len;
	long n = -1, mine, opened = 0, pending = 0, connected = 0;
	int ep_fd, *fds;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--connect") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			n = parse_number(argv[i + 1], "connection count", 1, 1000000);
		else if (strcmp(argv[i], "--share") == 0)
			share = argv[i + 1];
		else
			usage();
	}
	if (argc % 2 == 0 || !ep || n < 0)
		usage();
	if (parse_endpoint(ep, &peer, &len) < 0)
		exit(2);
	mine = share ? my_share(n, share) : n;

	raise_fd_limit(mine);
	fds = calloc((size_t)mine + 1, sizeof(*fds));
	if (!fds)
		die("calloc");
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ep_fd < 0)
		die("epoll_create1");

	/* every SYN goes out now; none of the connects waits for its answer */
	for (long i = 0; i < mine; i++) {
		int fd = start_connect(ep_fd, &peer, len);

		if (fd >= 0) {
			fds[opened++] = fd;
			pending++;
		}
	}

	/* collect the handshakes as they finish, in whatever order */
	while (pending > 0) {
		int nready = epoll_wait(ep_fd, ready, 256, -1);

		if (nready < 0 && errno == EINTR)
			continue;
		if (nready < 0)
			die("epoll_wait");
		for (int i = 0; i < nready; i++, pending--)
			if (finish_connect(ep_fd, ready[i].data.fd, &peer, len) == 0)
				connected++;
	}
	report_note("holding", "connections", connected);

	for (long i = 0; i < opened; i++)
		if (close(fds[i]) < 0)
			die("close");
	report_note("closed", "connections", opened);
	free(fds);
	return connected == mine ? 0 : 1;
}
