/*
 * hold_server - accept N connections on one listening socket, hold them
 * all open at the same time, then answer and close each one.
 *
 *   hold_server --listen ADDR:PORT --clients N
 *
 * The steps of a TCP server: socket, bind, listen, then accept N times.
 * Each accept() returns a new descriptor; the listening socket stays open
 * and goes on accepting. Only when all N are open does the server write to
 * each client the four-tuple it sees ("you are A:P, I am B:Q") and close
 * it, so that the N connections are sure to have existed together.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_CLIENTS 64

static void usage(void)
{
	fprintf(stderr, "usage: hold_server --listen ADDR:PORT --clients N\n");
	exit(2);
}

/* listen_on - socket, bind, listen; returns the listening socket. */
static int listen_on(const struct sockaddr *addr, socklen_t len)
{
	int fd;

	fd = report("socket", -1, socket(addr->sa_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (report("bind", fd, bind(fd, addr, len)) < 0)
		die("bind");
	if (report("listen", fd, listen(fd, MAX_CLIENTS)) < 0)
		die("listen");
	return fd;
}

/* answer - tell the client on FD the four-tuple the server sees; returns write's result. */
static ssize_t answer(int fd)
{
	struct sockaddr_storage me, peer;
	socklen_t melen = sizeof(me), peerlen = sizeof(peer);
	char a[80], b[80], line[200];
	int n;

	if (getsockname(fd, (struct sockaddr *)&me, &melen) < 0)
		die("getsockname");
	if (getpeername(fd, (struct sockaddr *)&peer, &peerlen) < 0)
		die("getpeername");
	n = snprintf(line, sizeof(line), "you are %s, I am %s\n",
		     format_endpoint((struct sockaddr *)&peer, a, sizeof(a)),
		     format_endpoint((struct sockaddr *)&me, b, sizeof(b)));
	return report_io("write", fd, write(fd, line, (size_t)n));
}

int main(int argc, char **argv)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	int lfd, cfd[MAX_CLIENTS], clients = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &addr, &addrlen) < 0)
				exit(2);
		} else if (strcmp(argv[i], "--clients") == 0 && i + 1 < argc) {
			clients = (int)parse_number(argv[++i], "clients", 1, MAX_CLIENTS);
		} else {
			usage();
		}
	}
	if (!addrlen || !clients)
		usage();

	lfd = listen_on((struct sockaddr *)&addr, addrlen);
	/* Name the listening descriptor, to match every accept against it. */
	report_note("listening", "listen_fd", lfd);

	/* One listening socket, and a new socket for every client. */
	for (int i = 0; i < clients; i++) {
		cfd[i] = accept(lfd, NULL, NULL);
		if (report_accept(lfd, cfd[i]) < 0)
			die("accept");
	}

	/* All of them are open now: the listener has not moved. */
	for (int i = 0; i < clients; i++) {
		if (answer(cfd[i]) < 0)
			die("write");
		if (report("close", cfd[i], close(cfd[i])) < 0)
			die("close");
	}
	if (report("close", lfd, close(lfd)) < 0)
		die("close");
	return 0;
}
