/*
 * rr_server - the server side of request-response, in two patterns.
 *
 *   rr_server --pattern keep-alive  --listen ADDR:PORT
 *   rr_server --pattern per-request --listen ADDR:PORT --requests N
 *
 * keep-alive:  accept one connection and answer every request on it until
 *              the client closes; then close.
 * per-request: N times: accept a connection, answer one request, close.
 *              The server closes first, as an HTTP/1.0 server does to mark
 *              the end of its response.
 *
 * A request is one line, "GET /item/K\n"; the answer is one line,
 * "200 item K\n". The client sends its next request only after the answer,
 * so a recv never holds more than one request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: rr_server --pattern keep-alive|per-request "
		"--listen ADDR:PORT [--requests N]\n");
	exit(2);
}

/* listen_on - a listening TCP socket bound to EP; exits on failure. */
static int listen_on(const char *ep)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd;

	if (parse_endpoint(ep, &ss, &len) < 0)
		exit(2);
	fd = report("socket", -1, socket(ss.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0)
		die("bind");
	if (report("listen", fd, listen(fd, 16)) < 0)
		die("listen");
	return fd;
}

/*
 * answer - read one request line on FD and send its answer.
 * Returns 1 when it answered, 0 when the client had closed instead.
 */
static int answer(int fd)
{
	char req[128], resp[160];
	ssize_t n;
	int len;

	n = report_io("recv", fd, recv(fd, req, sizeof(req) - 1, 0));
	if (n < 0)
		die("recv");
	if (n == 0)
		return 0; /* end of file: the client closed its side */
	req[n] = '\0';
	if (strncmp(req, "GET /item/", 10) != 0 || req[n - 1] != '\n') {
		fprintf(stderr, "rr_server: bad request '%s'\n", req);
		exit(1);
	}
	len = snprintf(resp, sizeof(resp), "200 item %s", req + 10);
	if (report_io("send", fd, send(fd, resp, (size_t)len, 0)) != len)
		die("send");
	return 1;
}

/* accept_one - the next connection on LFD; exits on failure. */
static int accept_one(int lfd)
{
	int cfd = report_accept(lfd, accept(lfd, NULL, NULL));

	if (cfd < 0)
		die("accept");
	return cfd;
}

/* keep_alive - one connection, as many requests as the client sends. */
static void keep_alive(int lfd)
{
	int cfd = accept_one(lfd);

	while (answer(cfd))
		;
	if (report("close", cfd, close(cfd)) < 0)
		die("close");
}

/* per_request - N connections, one request each; the server closes first. */
static void per_request(int lfd, long n)
{
	for (long i = 0; i < n; i++) {
		int cfd = accept_one(lfd);

		if (!answer(cfd)) {
			fprintf(stderr, "rr_server: client closed before asking\n");
			exit(1);
		}
		if (report("close", cfd, close(cfd)) < 0)
			die("close");
	}
}

int main(int argc, char **argv)
{
	const char *pattern = NULL, *ep = NULL;
	long n = -1;
	int lfd;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--pattern") == 0)
			pattern = argv[i + 1];
		else if (strcmp(argv[i], "--listen") == 0)
			ep = argv[i + 1];
		else if (strcmp(argv[i], "--requests") == 0)
			n = parse_number(argv[i + 1], "request count", 1, 100000);
		else
			usage();
	}
	if (argc % 2 == 0 || !pattern || !ep)
		usage();
	report_tag("pattern", pattern);

	if (strcmp(pattern, "keep-alive") == 0) {
		lfd = listen_on(ep);
		keep_alive(lfd);
	} else if (strcmp(pattern, "per-request") == 0 && n > 0) {
		lfd = listen_on(ep);
		per_request(lfd, n);
	} else {
		usage();
	}
	if (report("close", lfd, close(lfd)) < 0)
		die("close");
	return 0;
}
