/*
 * bound_client - a TCP client that chooses its own source port.
 *
 *   bound_client --bind ADDR:PORT --connect ADDR:PORT
 *
 * Most clients let connect() pick an ephemeral port. This one calls bind()
 * first, with a fixed port (e.g. *:50000), then connects, reads what the
 * server says until the server closes, and closes. Two machines can both
 * do this with the same port towards the same server: their four-tuples
 * still differ, by the source address.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: bound_client --bind ADDR:PORT --connect ADDR:PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage me, server;
	socklen_t melen = 0, serverlen = 0;
	char buf[512];
	ssize_t n;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &me, &melen) < 0)
				exit(2);
		} else if (strcmp(argv[i], "--connect") == 0 && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &server, &serverlen) < 0)
				exit(2);
		} else {
			usage();
		}
	}
	if (!melen || !serverlen)
		usage();

	fd = report("socket", -1, socket(server.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	/* The source port is ours to choose, before connect(). */
	if (report("bind", fd, bind(fd, (struct sockaddr *)&me, melen)) < 0)
		die("bind");
	if (report_to("connect", fd, connect(fd, (struct sockaddr *)&server, serverlen),
		      (struct sockaddr *)&server, serverlen) < 0)
		die("connect");
	/* The server answers once every client is in, then closes. */
	do
		n = report_io("read", fd, read(fd, buf, sizeof(buf)));
	while (n > 0 || (n < 0 && errno == EINTR));
	if (n < 0)
		die("read");
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}
