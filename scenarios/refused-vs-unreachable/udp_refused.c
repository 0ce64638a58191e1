/*
 * udp_refused - a UDP datagram to a port where nobody is bound.
 *
 *   udp_refused --connect 203.0.113.80:9999 [--wait-ms MS]
 *
 * UDP has no handshake: connect() on a UDP socket only records the peer,
 * and send() succeeds as soon as the datagram leaves. The "refusal" comes
 * back later as an ICMP port unreachable, and the kernel hands it to a
 * connected socket as ECONNREFUSED on its next call (here: recv).
 *
 * Steps: socket, connect, send, recv (which fails), close.
 * recv waits at most --wait-ms (default 2000) so that a lost ICMP
 * cannot hang the lab; it then fails with EAGAIN instead.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: udp_refused --connect ADDR:PORT [--wait-ms MS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage server;
	socklen_t serverlen = 0;
	long wait_ms = 2000;
	const char msg[] = "anyone there?\n";
	struct timeval tv;
	char buf[512];
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &server, &serverlen) < 0)
				usage();
		} else if (!strcmp(argv[i], "--wait-ms") && i + 1 < argc) {
			wait_ms = parse_number(argv[++i], "wait", 1, 60000);
		} else {
			usage();
		}
	}
	if (serverlen == 0)
		usage();

	/* 1. Create a UDP socket. */
	fd = report("socket", -1, socket(server.ss_family, SOCK_DGRAM, 0));
	if (fd < 0)
		return 1;

	/* A watchdog for recv, not a pause: recv returns as soon as the ICMP is in. */
	tv.tv_sec = wait_ms / 1000;
	tv.tv_usec = (wait_ms % 1000) * 1000;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		die("setsockopt SO_RCVTIMEO");

	/* 2. Connect: no packet is sent, the kernel just remembers the peer. */
	if (report_to("connect", fd, connect(fd, (struct sockaddr *)&server, serverlen),
		      (struct sockaddr *)&server, serverlen) < 0)
		goto out;

	/* 3. Send: succeeds, because the datagram did leave. */
	if (report_io("send", fd, send(fd, msg, sizeof(msg) - 1, 0)) < 0)
		goto out;

	/* 4. Receive: the ICMP port unreachable arrives as ECONNREFUSED. */
	report_io("recv", fd, recv(fd, buf, sizeof(buf), 0));

out:
	/* 5. Close. A failed step above is an outcome, and already reported. */
	report("close", fd, close(fd));
	return 0;
}
