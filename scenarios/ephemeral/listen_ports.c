/*
 * listen_ports - a TCP server listening on several ports at once.
 *
 *   listen_ports ADDR:PORT [ADDR:PORT ...]
 *
 * Steps: for each endpoint socket, bind, listen; then accept connections
 * from whichever listener has one waiting (ppoll), until SIGTERM; then
 * close every connection and listener. Every accept event shows the
 * client's address and port: the four-tuple seen from the server's side.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_LISTEN 8
#define MAX_CONNS 1000

static volatile sig_atomic_t stopping;

static void usage(void)
{
	fprintf(stderr, "usage: listen_ports ADDR:PORT [ADDR:PORT ...]\n");
	exit(2);
}

static void on_sigterm(int sig)
{
	(void)sig;
	stopping = 1;
}

/* listen_on - a listening socket on the endpoint TEXT; returns its fd, or -1. */
static int listen_on(const char *text)
{
	struct sockaddr_storage addr;
	socklen_t len;
	int fd, on = 1;

	if (parse_endpoint(text, &addr, &len) < 0)
		usage();
	fd = report("socket", -1, socket(addr.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		return -1;
	/* The usual server habit: restart without waiting out old TIME_WAITs. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) < 0)
		die("setsockopt SO_REUSEADDR");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&addr, len)) < 0 ||
	    report("listen", fd, listen(fd, SOMAXCONN)) < 0) {
		report("close", fd, close(fd));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static int conns[MAX_CONNS];
	struct pollfd pfd[MAX_LISTEN];
	struct sigaction sa;
	sigset_t term, waitmask;
	int nlisten = 0, nconns = 0;

	if (argc < 2 || argc - 1 > MAX_LISTEN)
		usage();

	/*
	 * SIGTERM means "close up and exit". It is blocked except while we
	 * wait in ppoll(), so it cannot slip in between the check and the wait.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sigterm;
	if (sigaction(SIGTERM, &sa, NULL) < 0)
		die("sigaction");
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &term, &waitmask) < 0)
		die("sigprocmask");

	/* 1-3. socket, bind, listen on every endpoint. */
	for (int i = 1; i < argc; i++) {
		pfd[nlisten].fd = listen_on(argv[i]);
		if (pfd[nlisten].fd < 0)
			return 1;
		pfd[nlisten++].events = POLLIN;
	}

	/* 4. Accept from whichever port has a connection ready. */
	while (!stopping && nconns < MAX_CONNS) {
		if (ppoll(pfd, (nfds_t)nlisten, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			die("ppoll");
		}
		for (int i = 0; i < nlisten && nconns < MAX_CONNS; i++) {
			int cfd;

			if (!(pfd[i].revents & POLLIN))
				continue;
			cfd = accept(pfd[i].fd, NULL, NULL);
			if (report_accept(pfd[i].fd, cfd) < 0)
				return 1;
			conns[nconns++] = cfd;
		}
	}

	/* 5. Told to stop: close every connection, then the listeners. */
	for (int i = 0; i < nconns; i++)
		report("close", conns[i], close(conns[i]));
	for (int i = 0; i < nlisten; i++)
		report("close", pfd[i].fd, close(pfd[i].fd));
	return 0;
}
