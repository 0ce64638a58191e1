/*
 * dgram_sink - the receiving end of fire and forget: take, never answer.
 *
 *   dgram_sink --listen ADDR:PORT --count N
 *
 * One UDP socket bound to ADDR:PORT; recvfrom() N datagrams, reporting who
 * sent each; close. It sends nothing back, so the sender never learns
 * whether anything arrived.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: dgram_sink --listen ADDR:PORT --count N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ep = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	long n = -1;
	int fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			n = parse_number(argv[i + 1], "datagram count", 1, 10000);
		else
			usage();
	}
	if (argc % 2 == 0 || !ep || n < 0)
		usage();
	if (parse_endpoint(ep, &ss, &len) < 0)
		exit(2);

	fd = report("socket", -1, socket(ss.ss_family, SOCK_DGRAM, 0));
	if (fd < 0)
		die("socket");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0)
		die("bind");
	for (long k = 1; k <= n; k++) {
		struct sockaddr_storage from;
		socklen_t fromlen = sizeof(from);
		char buf[512];

		if (report_from("recvfrom", fd, recvfrom(fd, buf, sizeof(buf), 0,
				(struct sockaddr *)&from, &fromlen),
				(struct sockaddr *)&from, fromlen) < 0)
			die("recvfrom");
	}
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}
