/*
 * crowd_client - many clients at once, served in an order a one-at-a-time
 * server cannot follow.
 *
 *   crowd_client --connect ADDR:PORT [--count N] [--wait S]
 *
 * Opens N connections to the server at the same time (non-blocking
 * connects, given S seconds to complete, default 2). Then, starting with
 * the LAST connection, sends a line on each and waits up to S seconds for
 * it to come back ("echo" event, matched=1). A server that serves one
 * client at a time sits waiting for the first client's line and never
 * answers the last one: the client stops at the first reply that does not
 * come, and reports "stuck".
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "report.h"

#define MAX_CONNS 1000

static void usage(void)
{
	fprintf(stderr, "usage: crowd_client --connect ADDR:PORT [--count N] [--wait S]\n");
	exit(2);
}

/* connect_all - N non-blocking connects to SERVER; FDS[i] stays -1 for those that failed. */
static void connect_all(int *fds, long n, const struct sockaddr_storage *server, socklen_t len,
			long wait)
{
	struct pollfd p[MAX_CONNS];

	for (long i = 0; i < n; i++) {
		fds[i] = report("socket", -1, socket(server->ss_family, SOCK_STREAM | SOCK_NONBLOCK, 0));
		p[i] = (struct pollfd){ .fd = fds[i], .events = POLLOUT };
		if (fds[i] >= 0 && connect(fds[i], (const struct sockaddr *)server, len) < 0 &&
		    errno != EINPROGRESS)
			p[i].fd = -1; /* reported below with its error */
	}
	struct timeval t0, t;
	gettimeofday(&t0, NULL);
	for (long left = n; left > 0;) {
		gettimeofday(&t, NULL);
		long ms = wait * 1000 - ((t.tv_sec - t0.tv_sec) * 1000 + (t.tv_usec - t0.tv_usec) / 1000);
		if (ms <= 0 || poll(p, (nfds_t)n, (int)ms) <= 0)
			break;
		left = 0;
		for (long i = 0; i < n; i++) {
			if (p[i].revents)
				p[i].events = 0; /* done: stop watching it */
			left += p[i].events != 0 && p[i].fd >= 0;
		}
	}
	for (long i = 0; i < n; i++) {
		int err = 0;
		socklen_t el = sizeof(err);
		if (fds[i] < 0)
			continue;
		if (getsockopt(fds[i], SOL_SOCKET, SO_ERROR, &err, &el) < 0)
			err = errno;
		else if (!err && p[i].events) /* still waiting when the time was up */
			err = ETIMEDOUT;
		errno = err;
		if (report_to("connect", fds[i], err ? -1 : 0, (const struct sockaddr *)server, len) < 0) {
			close(fds[i]);
			fds[i] = -1;
		} else {
			fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) & ~O_NONBLOCK);
		}
	}
}

/* echo - send a line on FD and wait for it to come back; 1 if it did. */
static int echo(int fd, long i, long wait)
{
	struct timeval tv = { .tv_sec = wait };
	char line[64], reply[64];
	size_t got = 0;
	ssize_t n;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	snprintf(line, sizeof(line), "client %ld of the crowd\n", i + 1);
	report_io("send", fd, send(fd, line, strlen(line), MSG_NOSIGNAL));
	while (got < strlen(line) &&
	       (n = report_io("recv", fd, recv(fd, reply + got, sizeof(reply) - 1 - got, 0))) > 0)
		got += (size_t)n;
	reply[got] = '\0';
	report_note("echo", "matched", !strcmp(reply, line));
	return !strcmp(reply, line);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage server;
	socklen_t len = 0;
	long count = 100, wait = 2, served = 0;
	int fds[MAX_CONNS];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &server, &len) < 0)
				usage();
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = parse_number(argv[++i], "connection count", 1, MAX_CONNS);
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			wait = parse_number(argv[++i], "seconds to wait", 1, 60);
		} else {
			usage();
		}
	}
	if (!len)
		usage();
	raise_fd_limit(count);
	connect_all(fds, count, &server, len, wait);
	for (long i = count; i-- > 0;) { /* the last to connect goes first */
		if (fds[i] < 0)
			continue;
		if (!echo(fds[i], i, wait)) {
			report_note("stuck", "at", i + 1);
			break;
		}
		served++;
	}
	for (long i = 0; i < count; i++)
		if (fds[i] >= 0)
			report("close", fds[i], close(fds[i]));
	report_note("crowd", "served", served);
	return 0;
}
