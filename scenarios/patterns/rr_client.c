/*
 * rr_client - the client side of request-response, in two patterns.
 *
 *   rr_client --pattern keep-alive|per-request --connect ADDR:PORT --requests N
 *
 * keep-alive:  connect once, send N requests one after the other on that
 *              connection, each answered before the next; then close.
 *              One four-tuple for all N.
 * per-request: N times: connect, send one request, read the answer, read
 *              on until the server closes, close. N four-tuples.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: rr_client --pattern keep-alive|per-request "
		"--connect ADDR:PORT --requests N\n");
	exit(2);
}

/* connect_to - a TCP socket connected to PEER; exits on failure. */
static int connect_to(const struct sockaddr_storage *peer, socklen_t len)
{
	int fd = report("socket", -1, socket(peer->ss_family, SOCK_STREAM, 0));

	if (fd < 0)
		die("socket");
	if (report_to("connect", fd, connect(fd, (const struct sockaddr *)peer, len),
		      (const struct sockaddr *)peer, len) < 0)
		die("connect");
	return fd;
}

/* ask - send request number K on FD and read its one-line answer. */
static void ask(int fd, long k)
{
	char req[64], resp[160];
	ssize_t n;
	int len;

	len = snprintf(req, sizeof(req), "GET /item/%ld\n", k);
	if (report_io("send", fd, send(fd, req, (size_t)len, 0)) != len)
		die("send");
	n = report_io("recv", fd, recv(fd, resp, sizeof(resp) - 1, 0));
	if (n < 0)
		die("recv");
	if (n == 0 || resp[n - 1] != '\n') {
		fprintf(stderr, "rr_client: no whole answer to request %ld\n", k);
		exit(1);
	}
}

/* keep_alive - N requests on one connection. */
static void keep_alive(const struct sockaddr_storage *peer, socklen_t len, long n)
{
	int fd = connect_to(peer, len);

	for (long k = 1; k <= n; k++)
		ask(fd, k);
	if (report("close", fd, close(fd)) < 0)
		die("close");
}

/* per_request - N connections, one request each, closed by the server first. */
static void per_request(const struct sockaddr_storage *peer, socklen_t len, long n)
{
	char rest[64];

	for (long k = 1; k <= n; k++) {
		int fd = connect_to(peer, len);
		ssize_t got;

		ask(fd, k);
		/* the server closes after its answer: wait for that end of file */
		got = report_io("recv", fd, recv(fd, rest, sizeof(rest), 0));
		if (got != 0) {
			fprintf(stderr, "rr_client: expected the server to close\n");
			exit(1);
		}
		if (report("close", fd, close(fd)) < 0)
			die("close");
	}
}

int main(int argc, char **argv)
{
	const char *pattern = NULL, *ep = NULL;
	struct sockaddr_storage peer;
	socklen_t len;
	long n = -1;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pattern") == 0)
			pattern = argv[i + 1];
		else if (strcmp(argv[i], "--connect") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--requests") == 0)
			n = parse_number(argv[i + 1], "request count", 1, 100000);
		else
			usage();
	}
	if (argc % 2 == 0 || !pattern || !ep || n < 0)
		usage();
	if (parse_endpoint(ep, &peer, &len) < 0)
		exit(2);
	report_tag("pattern", pattern);

	if (strcmp(pattern, "keep-alive") == 0)
		keep_alive(&peer, len, n);
	else if (strcmp(pattern, "per-request") == 0)
		per_request(&peer, len, n);
	else
		usage();
	return 0;
}
