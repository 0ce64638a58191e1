/*
 * reuseport_pair - two listening sockets on one port, sharing the work.
 *
 * With SO_REUSEPORT set on both before bind(), Linux lets two sockets
 * listen on the same ADDR:PORT and hands each new connection to one of
 * them, chosen by a hash of the connection's four-tuple:
 *
 *	1. twice: socket(), setsockopt(SO_REUSEPORT), bind(), listen()
 *	2. poll() both; accept() on whichever has a connection waiting
 *	3. recv() the request, send() a reply, close()
 *	4. after N connections in all, say how many each listener took
 *
 * Every event of a listener is tagged "listener": "first" or "second".
 * (Two server processes would share the port the same way.)
 *
 * usage: reuseport_pair --listen ADDR:PORT --accept N
 */
#include "report.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const names[2] = { "first", "second" };

static void usage(void)
{
	fprintf(stderr, "usage: reuseport_pair --listen ADDR:PORT --accept N\n");
	exit(2);
}

/* listen_shared - a listener on SS with SO_REUSEPORT; returns its fd. */
static int listen_shared(const struct sockaddr_storage *ss, socklen_t len)
{
	int fd, on = 1;

	fd = report("socket", -1, socket(ss->ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)),
			  "SO_REUSEPORT=1") < 0)
		die("setsockopt SO_REUSEPORT");
	if (report("bind", fd, bind(fd, (const struct sockaddr *)ss, len)) < 0)
		die("bind");
	if (report("listen", fd, listen(fd, 64)) < 0)
		die("listen");
	return fd;
}

/* serve_one - accept one connection on LFD and answer it; returns nothing. */
static void serve_one(int lfd)
{
	static const char reply[] = "hello from the server\n";
	char buf[512];
	int cfd;

	cfd = report_accept(lfd, accept(lfd, NULL, NULL));
	if (cfd < 0)
		die("accept");
	if (report_io("recv", cfd, recv(cfd, buf, sizeof(buf), 0)) < 0)
		die("recv");
	if (report_io("send", cfd, send(cfd, reply, sizeof(reply) - 1,
					MSG_NOSIGNAL)) < 0)
		die("send");
	if (report("close", cfd, close(cfd)) < 0)
		die("close");
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd pfd[2];
	long want = 0, total = 0, taken[2] = { 0, 0 };
	const char *where = NULL;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			where = argv[i + 1];
		else if (strcmp(argv[i], "--accept") == 0)
			want = parse_number(argv[i + 1], "accept", 1, 10000);
		else
			usage();
	}
	if (argc % 2 == 0 || !where || !want || parse_endpoint(where, &ss, &len) < 0)
		usage();

	for (int i = 0; i < 2; i++) {
		report_tag("listener", names[i]);
		pfd[i].fd = listen_shared(&ss, len);
		pfd[i].events = POLLIN;
	}

	while (total < want) {
		if (poll(pfd, 2, -1) < 0)
			die("poll");
		for (int i = 0; i < 2; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			report_tag("listener", names[i]);
			serve_one(pfd[i].fd);
			taken[i]++;
			total++;
		}
	}

	for (int i = 0; i < 2; i++) {
		report_tag("listener", names[i]);
		report_note("accepted", "count", taken[i]);
		if (report("close", pfd[i].fd, close(pfd[i].fd)) < 0)
			die("close");
	}
	return 0;
}
