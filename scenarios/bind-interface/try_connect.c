/*
 * try_connect - try a list of TCP endpoints, one after the other, and
 * report what each connect() said.
 *
 *   try_connect NAME=ADDR:PORT ...
 *
 * For each endpoint: socket, connect. When the connect succeeds, the client
 * reads until the server closes (read returns 0), so that the server has
 * taken the connection before the next one starts; then it closes its own
 * end. A refused connect is reported and the list goes on. Every event
 * carries NAME as "binding": the server's way of binding that the endpoint
 * tries.
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
	fprintf(stderr, "usage: try_connect NAME=ADDR:PORT ...\n");
	exit(2);
}

/* try_one - connect to PEER and wait for the server's close; returns connect's result. */
static int try_one(const struct sockaddr *peer, socklen_t peerlen)
{
	char buf[512];
	ssize_t n;
	int fd, rc;

	fd = report("socket", -1, socket(peer->sa_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	rc = connect(fd, peer, peerlen);
	report_to("connect", fd, rc, peer, peerlen);
	if (rc == 0) {
		/* The server closes at once: read until end of file. */
		do
			n = report_io("read", fd, read(fd, buf, sizeof(buf)));
		while (n > 0 || (n < 0 && errno == EINTR));
	}
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return rc;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc < 2)
		usage();
	for (int i = 1; i < argc; i++) {
		char *endpoint = strchr(argv[i], '=');

		if (!endpoint || endpoint == argv[i])
			usage();
		*endpoint++ = '\0';
		if (parse_endpoint(endpoint, &ss, &len) < 0)
			exit(2);
		report_tag("binding", argv[i]);
		try_one((struct sockaddr *)&ss, len);
	}
	return 0;
}
