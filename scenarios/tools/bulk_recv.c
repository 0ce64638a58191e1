/*
 * bulk_recv - the receiving end of a bulk transfer: accept one connection,
 * read until the sender closes, report how much arrived, close.
 *
 *   bulk_recv --listen ADDR:PORT
 *
 * The reads are many and their sizes depend on timing, so they are not
 * reported one by one: a note "received" gives the total.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: bulk_recv --listen ADDR:PORT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static char buf[65536];
	struct sockaddr_storage ss;
	socklen_t len;
	long long total = 0;
	ssize_t n;
	int lfd, fd;

	if (argc != 3 || strcmp(argv[1], "--listen"))
		usage();
	if (parse_endpoint(argv[2], &ss, &len) < 0)
		exit(2);

	/* 1. socket, 2. bind, 3. listen, 4. accept */
	lfd = report("socket", -1, socket(ss.ss_family, SOCK_STREAM, 0));
	if (lfd < 0)
		die("socket");
	if (report("bind", lfd, bind(lfd, (struct sockaddr *)&ss, len)) < 0)
		die("bind");
	if (report("listen", lfd, listen(lfd, 1)) < 0)
		die("listen");
	fd = report_accept(lfd, accept(lfd, NULL, NULL));
	if (fd < 0)
		die("accept");
	/* 5. read until the peer's FIN: recv() returns 0 */
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0)
		total += n;
	if (n < 0)
		die("recv");
	report_note("received", "bytes", total);
	/* 6. close both */
	report("close", fd, close(fd));
	report("close", lfd, close(lfd));
	return 0;
}
