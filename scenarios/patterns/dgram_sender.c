/*
 * dgram_sender - fire and forget: send datagrams, expect nothing back.
 *
 *   dgram_sender --to ADDR:PORT --count N
 *
 * One UDP socket, N sendto() calls, close. There is no handshake before
 * the first datagram and no answer after the last: a successful sendto()
 * only means that the datagram left this host.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: dgram_sender --to ADDR:PORT --count N\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *ep = NULL;
	struct sockaddr_storage peer;
	socklen_t len;
	long n = -1;
	int fd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--to") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--count") == 0)
			n = parse_number(argv[i + 1], "datagram count", 1, 10000);
		else
			usage();
	}
	if (argc % 2 == 0 || !ep || n < 0)
		usage();
	if (parse_endpoint(ep, &peer, &len) < 0)
		exit(2);

	fd = report("socket", -1, socket(peer.ss_family, SOCK_DGRAM, 0));
	if (fd < 0)
		die("socket");
	for (long k = 1; k <= n; k++) {
		char msg[64];
		int mlen = snprintf(msg, sizeof(msg), "metric requests=%ld\n", k);

		ssize_t sent;

		sent = sendto(fd, msg, (size_t)mlen, 0, (struct sockaddr *)&peer, len);
		if (report_sendto(fd, sent, (struct sockaddr *)&peer, len) != mlen)
			die("sendto");
	}
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}
