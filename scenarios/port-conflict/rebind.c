/*
 * rebind - a restarted server asks for its port again, twice:
 *
 *	1. socket(), bind(ADDR:PORT) and listen(), without SO_REUSEADDR
 *	2. socket(), setsockopt(SO_REUSEADDR), bind(ADDR:PORT) and listen()
 *
 * Each attempt is tagged "attempt": "plain" or "reuseaddr". A failed
 * bind is the thing to see, so it does not make the program fail.
 *
 * usage: rebind --bind ADDR:PORT
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: rebind --bind ADDR:PORT\n");
	exit(2);
}

/* attempt - socket, [SO_REUSEADDR], bind, listen, close; returns 0 or -1. */
static int attempt(const struct sockaddr_storage *ss, socklen_t len,
		   int reuseaddr)
{
	int fd, on = 1, rc;

	report_tag("attempt", reuseaddr ? "reuseaddr" : "plain");
	fd = report("socket", -1, socket(ss->ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (reuseaddr && report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on,
						      sizeof(on)), "SO_REUSEADDR=1") < 0)
		die("setsockopt SO_REUSEADDR");
	rc = report("bind", fd, bind(fd, (const struct sockaddr *)ss, len));
	if (rc == 0)
		rc = report("listen", fd, listen(fd, 8));
	if (report("close", fd, close(fd)) < 0)
		die("close");
	report_tag("attempt", NULL);
	return rc;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (argc != 3 || strcmp(argv[1], "--bind") != 0)
		usage();
	if (parse_endpoint(argv[2], &ss, &len) < 0)
		usage();

	attempt(&ss, len, 0);
	attempt(&ss, len, 1);
	return 0;
}
