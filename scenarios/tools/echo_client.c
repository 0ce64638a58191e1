/*
 * echo_client - check an echo server: connect, send one line, read until
 * the server closes, compare; one connection after another.
 *
 *   echo_client --connect ADDR:PORT [--connect ADDR:PORT ...] [--count N] [--wait S]
 *
 * Each server gets COUNT connections in a row (default 1). After each, an
 * "echo" event says whether the reply was the line sent (matched=1) and
 * whether the server closed the connection within S seconds (closed=1,
 * default 2). Every event carries "to", the server it was for.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "report.h"

#define MAX_SERVERS 8

static void usage(void)
{
	fprintf(stderr, "usage: echo_client --connect ADDR:PORT [--connect ...] [--count N] [--wait S]\n");
	exit(2);
}

/* talk - send LINE on FD, read the reply until the end of the stream or the timeout. */
static void talk(int fd, const char *line)
{
	char reply[512];
	size_t got = 0;
	ssize_t n;
	int closed = 0;

	report_io("send", fd, send(fd, line, strlen(line), MSG_NOSIGNAL));
	while (got < sizeof(reply) - 1) {
		n = report_io("recv", fd, recv(fd, reply + got, sizeof(reply) - 1 - got, 0));
		if (n == 0)
			closed = 1;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	reply[got] = '\0';
	report_note("echo", "matched", !strcmp(reply, line));
	report_note("echo-closed", "closed", closed);
}

/* visit - one connection to SERVER: connect, talk, close. */
static void visit(const struct sockaddr_storage *server, socklen_t len, double wait, long n)
{
	struct timeval tv = { .tv_sec = (time_t)wait,
			      .tv_usec = (suseconds_t)((wait - (double)(time_t)wait) * 1e6) };
	char line[96];
	int fd = report("socket", -1, socket(server->ss_family, SOCK_STREAM, 0));

	if (fd < 0)
		return;
	/* a server that never answers must not hold the client forever */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (report_to("connect", fd, connect(fd, (const struct sockaddr *)server, len),
		      (const struct sockaddr *)server, len) == 0) {
		snprintf(line, sizeof(line), "echo test %ld from pid %d\n", n, (int)getpid());
		talk(fd, line);
	}
	report("close", fd, close(fd));
}

int main(int argc, char **argv)
{
	struct sockaddr_storage servers[MAX_SERVERS];
	socklen_t lens[MAX_SERVERS];
	const char *names[MAX_SERVERS];
	int nservers = 0;
	long count = 1;
	double wait = 2;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc && nservers < MAX_SERVERS) {
			names[nservers] = argv[++i];
			if (parse_endpoint(argv[i], &servers[nservers], &lens[nservers]) < 0)
				usage();
			nservers++;
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = parse_number(argv[++i], "connection count", 1, 100);
		} else if (!strcmp(argv[i], "--wait") && i + 1 < argc) {
			wait = (double)parse_number(argv[++i], "seconds to wait", 1, 60);
		} else {
			usage();
		}
	}
	if (!nservers)
		usage();
	for (int s = 0; s < nservers; s++) {
		report_tag("to", names[s]);
		for (long i = 0; i < count; i++)
			visit(&servers[s], lens[s], wait, i + 1);
	}
	return 0;
}
