/*
 * many_connect - open COUNT TCP connections to each server endpoint and
 * keep them all open, to watch the kernel hand out source ports.
 *
 *   many_connect --count N ADDR:PORT [ADDR:PORT ...]
 *
 * The client never picks its port: connect() on an unbound socket asks
 * the kernel for one from net.ipv4.ip_local_port_range. A port is only
 * "in use" together with the rest of the four-tuple, so the same source
 * port may serve one connection to every different server endpoint.
 *
 * Steps: read the port range; then for each endpoint, COUNT times:
 * socket, connect (the socket stays open); at the end close them all.
 * Events: notes "range_low" and "range_high" (field port), then socket,
 * connect and close events.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_CONNS 1000

static void usage(void)
{
	fprintf(stderr, "usage: many_connect --count N ADDR:PORT [ADDR:PORT ...]\n");
	exit(2);
}

/* report_port_range - report this host's ephemeral range; returns 0 or -1. */
static int report_port_range(void)
{
	const char *path = "/proc/sys/net/ipv4/ip_local_port_range";
	long low, high;
	FILE *f;

	f = fopen(path, "r");
	if (!f) {
		perror(path);
		return -1;
	}
	if (fscanf(f, "%ld %ld", &low, &high) != 2) {
		fprintf(stderr, "many_connect: %s: cannot parse\n", path);
		fclose(f);
		return -1;
	}
	fclose(f);
	report_note("range_low", "port", low);
	report_note("range_high", "port", high);
	return 0;
}

/* connect_one - a new socket connected to SERVER; returns its fd, or -1. */
static int connect_one(const struct sockaddr_storage *server, socklen_t len)
{
	int fd;

	fd = report("socket", -1, socket(server->ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		return -1;
	if (report_to("connect", fd, connect(fd, (const struct sockaddr *)server, len),
		      (const struct sockaddr *)server, len) < 0) {
		report("close", fd, close(fd));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static int fds[MAX_CONNS];
	size_t nfds = 0;
	long count = 0;
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "--count")) {
		count = parse_number(argv[2], "count", 1, MAX_CONNS);
		i = 3;
	}
	if (count == 0 || i >= argc || (argc - i) * count > MAX_CONNS)
		usage();

	if (report_port_range() < 0)
		return 1;

	for (; i < argc; i++) {
		struct sockaddr_storage server;
		socklen_t len;

		if (parse_endpoint(argv[i], &server, &len) < 0)
			usage();
		for (long n = 0; n < count; n++) {
			int fd = connect_one(&server, len);

			/*
			 * EADDRNOTAVAIL means: no port left for this four-tuple.
			 * Stop trying this server; the next one may still work.
			 */
			if (fd < 0)
				break;
			fds[nfds++] = fd; /* kept open: it holds its port */
		}
	}

	for (size_t k = 0; k < nfds; k++)
		report("close", fds[k], close(fds[k]));
	return 0;
}
