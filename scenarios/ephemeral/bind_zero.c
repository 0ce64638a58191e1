/*
 * bind_zero - bind sockets to port 0 and ask which port the kernel chose.
 *
 *   bind_zero --bind ADDR:0 [--count N]
 *
 * Port 0 in bind() means "any free port": the kernel picks one from
 * net.ipv4.ip_local_port_range, and getsockname() tells which. Each
 * socket stays open until the end, so that every bind gets a new port.
 *
 * Steps, N times (default 5): socket, bind, getsockname (the "local"
 * field of the bind event); then close them all. A failed bind (no port
 * left: EADDRINUSE) is reported and ends the binding, not the program.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_SOCKS 100

static void usage(void)
{
	fprintf(stderr, "usage: bind_zero --bind ADDR:0 [--count N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = 0;
	int fds[MAX_SOCKS];
	long count = 5;
	int n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bind") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &addr, &addrlen) < 0)
				usage();
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = parse_number(argv[++i], "count", 1, MAX_SOCKS);
		} else {
			usage();
		}
	}
	if (addrlen == 0)
		usage();

	while (n < count) {
		/* 1. Create a TCP socket. */
		int fd = report("socket", -1, socket(addr.ss_family, SOCK_STREAM, 0));

		if (fd < 0)
			break;
		/*
		 * 2. Bind to port 0. report() reads getsockname() right after
		 * the call, so the event's "local" shows the port chosen.
		 */
		if (report("bind", fd, bind(fd, (struct sockaddr *)&addr, addrlen)) < 0) {
			report("close", fd, close(fd));
			break;
		}
		fds[n++] = fd; /* kept open: it holds its port */
	}

	/* 3. Close: the ports go back to the pool. */
	for (int k = 0; k < n; k++)
		report("close", fds[k], close(fds[k]));
	return 0;
}
