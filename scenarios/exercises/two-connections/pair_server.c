/*
 * pair_server - accept two connections and tell what four-tuple each had,
 * as the client sees it.
 *
 *   pair_server --listen ADDR:PORT [--wait S]
 *
 * For each accepted connection a "seen" event carries "text", written as a
 * client would print it: "client_ip:port -> server_ip:port". Waits at most
 * S seconds (default 5) for each client. Whether the two were open at the
 * same time is for the wire to tell: the server may accept the second
 * after the client has closed both.
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
	fprintf(stderr, "usage: pair_server --listen ADDR:PORT [--wait S]\n");
	exit(2);
}

/* seen - report the connection FD as "client -> server". */
static void seen(int fd, long n)
{
	struct sockaddr_storage local, peer;
	socklen_t ll = sizeof(local), pl = sizeof(peer);
	char a[80], b[80], text[200];

	if (getsockname(fd, (struct sockaddr *)&local, &ll) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return;
	snprintf(text, sizeof(text), "%s -> %s", format_endpoint((struct sockaddr *)&peer, a, sizeof(a)),
		 format_endpoint((struct sockaddr *)&local, b, sizeof(b)));
	report_tag("text", text);
	report_note("seen", "n", n);
	report_tag("text", NULL);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	long wait = 5;
	int one = 1, conns[2], n = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--listen") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &ss, &len) < 0)
				usage();
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			wait = parse_number(argv[++i], "seconds to wait", 1, 60);
		} else {
			usage();
		}
	}
	if (!len)
		usage();
	int lfd = report("socket", -1, socket(ss.ss_family, SOCK_STREAM, 0));
	if (lfd < 0)
		return 1;
	report_option(lfd, setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)),
		      "SO_REUSEADDR=1");
	if (report("bind", lfd, bind(lfd, (struct sockaddr *)&ss, len)) < 0 ||
	    report("listen", lfd, listen(lfd, 8)) < 0)
		return 1;
	struct pollfd p = { .fd = lfd, .events = POLLIN };
	while (n < 2 && poll(&p, 1, (int)wait * 1000) > 0) {
		int fd = report_accept(lfd, accept(lfd, NULL, NULL));
		if (fd < 0)
			continue;
		conns[n++] = fd;
		seen(fd, n);
	}
	for (int i = 0; i < n; i++)
		report("close", conns[i], close(conns[i]));
	report("close", lfd, close(lfd));
	return 0;
}
