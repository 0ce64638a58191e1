/*
 * tw_server - serve one client, close first, and leave a TIME_WAIT behind.
 *
 * The side that sends the first FIN (the "active close") keeps the
 * connection in TIME_WAIT for 60 seconds on Linux. Here that side is the
 * server, so its own port stays taken after it has exited:
 *
 *	1. socket(), setsockopt(SO_REUSEADDR) with --reuseaddr
 *	2. bind() and listen() on ADDR:PORT
 *	3. accept() one client, recv() its request, send() a reply
 *	4. shutdown(SHUT_WR): our FIN goes first - the active close
 *	5. recv() until 0: the client's FIN; our side is now in TIME_WAIT
 *	6. close() the connection and the listening socket
 *
 * usage: tw_server --listen ADDR:PORT [--reuseaddr]
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: tw_server --listen ADDR:PORT [--reuseaddr]\n");
	exit(2);
}

/* listen_on - a listening TCP socket on SS; returns its descriptor. */
static int listen_on(const struct sockaddr_storage *ss, socklen_t len,
		     int reuseaddr)
{
	int fd, on = 1;

	fd = report("socket", -1, socket(ss->ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	/* The TIME_WAIT socket inherits this flag from the listener. */
	if (reuseaddr && report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
						      sizeof(on)), "SO_REUSEADDR=1") < 0)
		die("setsockopt SO_REUSEADDR");
	if (report("bind", fd, bind(fd, (const struct sockaddr *)ss, len)) < 0)
		die("bind");
	if (report("listen", fd, listen(fd, 8)) < 0)
		die("listen");
	return fd;
}

/* serve - answer one request on CFD and close first; returns nothing. */
static void serve(int cfd)
{
	static const char reply[] = "bye from the server\n";
	char buf[512];
	ssize_t n;

	if (report_io("recv", cfd, recv(cfd, buf, sizeof(buf), 0)) < 0)
		die("recv");
	if (report_io("send", cfd, send(cfd, reply, sizeof(reply) - 1,
					MSG_NOSIGNAL)) < 0)
		die("send");
	if (report("shutdown", cfd, shutdown(cfd, SHUT_WR)) < 0)
		die("shutdown");
	/* Wait for the client's FIN instead of sleeping. */
	while ((n = report_io("recv", cfd, recv(cfd, buf, sizeof(buf), 0))) > 0)
		;
	if (n < 0)
		die("recv");
	if (report("close", cfd, close(cfd)) < 0)
		die("close");
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *where = NULL;
	int reuseaddr = 0, lfd, cfd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			where = argv[++i];
		else if (strcmp(argv[i], "--reuseaddr") == 0)
			reuseaddr = 1;
		else
			usage();
	}
	if (!where || parse_endpoint(where, &ss, &len) < 0)
		usage();

	lfd = listen_on(&ss, len, reuseaddr);
	cfd = report_accept(lfd, accept(lfd, NULL, NULL));
	if (cfd < 0)
		die("accept");
	serve(cfd);
	if (report("close", lfd, close(lfd)) < 0)
		die("close");
	return 0;
}
