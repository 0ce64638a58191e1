/*
 * tcp_server - the textbook TCP server: socket, bind, listen, then accept
 * each client, read its request, send a reply and close.
 *
 *   tcp_server --listen ADDR:PORT [--accept N] [--reuseaddr] [--reply TEXT]
 *
 * It accepts N clients (default 1) before serving any of them, so that all
 * N connections are open at the same time, then exits. Every call is
 * reported as a JSON event (see report.h).
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_CLIENTS 1024

static void usage(void)
{
	fprintf(stderr, "usage: tcp_server --listen ADDR:PORT [--accept N] [--reuseaddr] [--reply TEXT]\n");
	exit(2);
}

/* serve - read one request from FD, answer it and close; returns 0 or -1. */
static int serve(int fd, const char *reply)
{
	char buf[512];
	ssize_t n;

	n = report_io("recv", fd, recv(fd, buf, sizeof(buf), 0));
	if (n >= 0)
		report_io("send", fd, send(fd, reply, strlen(reply), MSG_NOSIGNAL));
	return report("close", fd, close(fd));
}

int main(int argc, char **argv)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	const char *reply = "hello from the server\n";
	long want = 1;
	int reuse = 0, lfd, clients[MAX_CLIENTS];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &addr, &addrlen) < 0)
				usage();
		} else if (!strcmp(argv[i], "--accept") && i + 1 < argc) {
			want = parse_number(argv[++i], "client count", 0, MAX_CLIENTS);
		} else if (!strcmp(argv[i], "--reply") && i + 1 < argc) {
			reply = argv[++i];
		} else if (!strcmp(argv[i], "--reuseaddr")) {
			reuse = 1;
		} else {
			usage();
		}
	}
	if (!addrlen)
		usage();

	/* 1. create a socket */
	lfd = report("socket", -1, socket(addr.ss_family, SOCK_STREAM, 0));
	if (lfd < 0)
		return 1;
	if (reuse && report_option(lfd, setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &reuse,
						   sizeof(reuse)), "SO_REUSEADDR=1") < 0)
		return 1;
	/* 2. bind it to the local address and port */
	if (report("bind", lfd, bind(lfd, (struct sockaddr *)&addr, addrlen)) < 0)
		return 1;
	/* 3. listen: from now on the kernel completes handshakes for us */
	if (report("listen", lfd, listen(lfd, SOMAXCONN)) < 0)
		return 1;
	/* 4. accept: each call hands us a NEW socket for one client */
	for (long i = 0; i < want; i++) {
		report_calling();
		clients[i] = report_accept(lfd, accept(lfd, NULL, NULL));
		if (clients[i] < 0)
			return 1;
	}
	/* 5. talk to each client on its own socket, 6. close it */
	for (long i = 0; i < want; i++)
		serve(clients[i], reply);
	report("close", lfd, close(lfd));
	return 0;
}
