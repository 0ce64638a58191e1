/*
 * chat - a long-lived connection on which both sides talk when they like.
 *
 *   chat --listen ADDR:PORT  --messages K --every MS
 *   chat --connect ADDR:PORT --messages K --every MS
 *
 * After the connection is set up (the listener accepts one, the other side
 * connects), both sides run the same loop: every MS milliseconds send a
 * message nobody asked for, and in between receive whatever the other side
 * sends, whenever it arrives. poll(2) waits for both at once: the socket
 * becoming readable, or the time for the next message.
 *
 * After its K messages a side shuts down its sending half (a FIN: "nothing
 * more from me") and keeps reading until the other side has done the same.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: chat --listen|--connect ADDR:PORT "
		"--messages K --every MS\n");
	exit(2);
}

/* now_ms - a monotonic clock in milliseconds. */
static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* accept_one - listen on SS and return the first connection; exits on failure. */
static int accept_one(const struct sockaddr_storage *ss, socklen_t len)
{
	int lfd, cfd;

	lfd = report("socket", -1, socket(ss->ss_family, SOCK_STREAM, 0));
	if (lfd < 0)
		die("socket");
	if (report("bind", lfd, bind(lfd, (const struct sockaddr *)ss, len)) < 0)
		die("bind");
	if (report("listen", lfd, listen(lfd, 1)) < 0)
		die("listen");
	cfd = report_accept(lfd, accept(lfd, NULL, NULL));
	if (cfd < 0)
		die("accept");
	/* one conversation only: the listening socket is no longer needed */
	if (report("close", lfd, close(lfd)) < 0)
		die("close");
	return cfd;
}

/* connect_to - a TCP socket connected to SS; exits on failure. */
static int connect_to(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd = report("socket", -1, socket(ss->ss_family, SOCK_STREAM, 0));

	if (fd < 0)
		die("socket");
	if (report_to("connect", fd, connect(fd, (const struct sockaddr *)ss, len),
		      (const struct sockaddr *)ss, len) < 0)
		die("connect");
	return fd;
}

/* say - send message number K on FD. */
static void say(int fd, const char *who, long k)
{
	char msg[64];
	int len = snprintf(msg, sizeof(msg), "%s: message %ld\n", who, k);

	if (report_io("send", fd, send(fd, msg, (size_t)len, 0)) != len)
		die("send");
}

/*
 * receive_ready - receive what has arrived on FD.
 * Returns 1 while the peer may send more, 0 once it has closed its side.
 */
static int receive_ready(int fd)
{
	char buf[512];
	ssize_t n = report_io("recv", fd, recv(fd, buf, sizeof(buf), 0));

	if (n < 0)
		die("recv");
	return n > 0;
}

/* converse - send K messages every MS ms while receiving, until both sides are done. */
static void converse(int fd, const char *who, long k, long ms)
{
	long sent = 0;
	int peer_open = 1;
	long long next = now_ms() + ms;

	while (sent < k || peer_open) {
		struct pollfd p = { .fd = fd, .events = peer_open ? POLLIN : 0 };
		int timeout = -1; /* nothing left to say: wait for the peer only */

		if (sent < k)
			timeout = next > now_ms() ? (int)(next - now_ms()) : 0;
		if (poll(&p, 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR))
			peer_open = receive_ready(fd);
		if (sent < k && now_ms() >= next) {
			say(fd, who, ++sent);
			next += ms;
			/* the last message: a FIN, but the other direction stays open */
			if (sent == k &&
			    report("shutdown", fd, shutdown(fd, SHUT_WR)) < 0)
				die("shutdown");
		}
	}
}

int main(int argc, char **argv)
{
	const char *listen_ep = NULL, *connect_ep = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	long k = -1, ms = -1;
	int fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			listen_ep = argv[i + 1];
		else if (strcmp(argv[i], "--connect") == 0)
			connect_ep = argv[i + 1];
		else if (strcmp(argv[i], "--messages") == 0)
			k = parse_number(argv[i + 1], "message count", 1, 10000);
		else if (strcmp(argv[i], "--every") == 0)
			ms = parse_number(argv[i + 1], "interval in ms", 1, 10000);
		else
			usage();
	}
	if (argc % 2 == 0 || !listen_ep == !connect_ep || k < 0 || ms < 0)
		usage();
	if (parse_endpoint(listen_ep ? listen_ep : connect_ep, &ss, &len) < 0)
		exit(2);

	fd = listen_ep ? accept_one(&ss, len) : connect_to(&ss, len);
	converse(fd, listen_ep ? "server" : "client", k, ms);
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}
