/*
 * bulk_send - a bulk transfer: connect, send N bytes as fast as the
 * connection takes them, close.
 *
 *   bulk_send --connect ADDR:PORT --bytes N
 *
 * Each send() of up to 64 KiB is reported; the kernel cuts them into
 * segments of at most one MSS on the wire (when offloads are off).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define CHUNK 65536

static void usage(void)
{
	fprintf(stderr, "usage: bulk_send --connect ADDR:PORT --bytes N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char buf[CHUNK];
	const char *ep = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	long total = -1;
	int fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--connect") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--bytes") == 0)
			total = parse_number(argv[i + 1], "byte count", 1, 1L << 30);
		else
			usage();
	}
	if (argc % 2 == 0 || !ep || total < 0)
		usage();
	if (parse_endpoint(ep, &ss, &len) < 0)
		exit(2);
	memset(buf, 'x', sizeof(buf));

	/* 1. socket, 2. connect */
	fd = report("socket", -1, socket(ss.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (report_to("connect", fd, connect(fd, (struct sockaddr *)&ss, len),
		      (struct sockaddr *)&ss, len) < 0)
		die("connect");
	/* 3. send everything: send() may take less than it was given */
	for (long left = total; left > 0;) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;
		ssize_t sent = report_io("send", fd, send(fd, buf, n, MSG_NOSIGNAL));

		if (sent < 0)
			die("send");
		left -= sent;
	}
	/* 4. close */
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}
