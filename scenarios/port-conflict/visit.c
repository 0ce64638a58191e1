/*
 * visit - a TCP client that makes COUNT short visits to one server port.
 *
 * Each visit is a new connection, so the kernel picks a new source port:
 *
 *	1. socket() and connect() to ADDR:PORT
 *	2. send() one request line
 *	3. recv() until 0: the server's reply, then its FIN
 *	4. close()
 *
 * usage: visit --connect ADDR:PORT [--count N]
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: visit --connect ADDR:PORT [--count N]\n");
	exit(2);
}

/* visit_once - one connection to SS, request and reply; returns 0 or -1. */
static int visit_once(const struct sockaddr_storage *ss, socklen_t len)
{
	static const char request[] = "hello from the client\n";
	char buf[512];
	ssize_t n;
	int fd;

	fd = report("socket", -1, socket(ss->ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (report_to("connect", fd, connect(fd, (const struct sockaddr *)ss, len),
		      (const struct sockaddr *)ss, len) < 0) {
		report("close", fd, close(fd));
		return -1;
	}
	if (report_io("send", fd, send(fd, request, sizeof(request) - 1,
				       MSG_NOSIGNAL)) < 0)
		die("send");
	while ((n = report_io("recv", fd, recv(fd, buf, sizeof(buf), 0))) > 0)
		;
	if (n < 0)
		die("recv");
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *where = NULL;
	long count = 1, failed = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--connect") == 0)
			where = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			count = parse_number(argv[i + 1], "count", 1, 10000);
		else
			usage();
	}
	if (argc % 2 == 0 || !where || parse_endpoint(where, &ss, &len) < 0)
		usage();

	for (long i = 0; i < count; i++)
		if (visit_once(&ss, len) < 0)
			failed++;
	return failed ? 1 : 0;
}
