/*
 * udp_sink - take UDP datagrams and answer none, until the line goes quiet.
 *
 *   udp_sink --listen ADDR:PORT [--quiet S]
 *
 * Binds ADDR:PORT and reports every datagram with recvfrom (who sent it,
 * how many bytes). It ends by itself when S seconds (default 1) pass
 * without a datagram, so that a lab can count what a sender it does not
 * control has sent, however many that is.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: udp_sink --listen ADDR:PORT [--quiet S]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss, peer;
	socklen_t len = 0, plen;
	long quiet = 1;
	char buf[2048];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &ss, &len) < 0)
				usage();
		} else if (!strcmp(argv[i], "--quiet") && i + 1 < argc) {
			quiet = parse_number(argv[++i], "seconds of quiet", 1, 60);
		} else {
			usage();
		}
	}
	if (!len)
		usage();
	int fd = report("socket", -1, socket(ss.ss_family, SOCK_DGRAM, 0));
	if (fd < 0 || report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0)
		return 1;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (poll(&p, 1, (int)quiet * 1000) > 0) {
		plen = sizeof(peer);
		report_from("recvfrom", fd, recvfrom(fd, buf, sizeof(buf), 0,
						     (struct sockaddr *)&peer, &plen),
			    (struct sockaddr *)&peer, plen);
	}
	report("close", fd, close(fd));
	return 0;
}
