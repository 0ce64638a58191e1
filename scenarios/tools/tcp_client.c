/*
 * tcp_client - the textbook TCP client: socket, connect, send a request,
 * read the reply, close.
 *
 *   tcp_client --connect ADDR:PORT [--connect ADDR:PORT ...] [--count N]
 *              [--bind ADDR:PORT] [--send TEXT]
 *
 * It opens COUNT connections to each server (default 1), all at the same
 * time, and only then talks on them and closes them. A failed connect is
 * reported, not fatal: showing it is often the point of a lab.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_SERVERS 16
#define MAX_CONNS 1024

static void usage(void)
{
	fprintf(stderr, "usage: tcp_client --connect ADDR:PORT [--connect ...] [--count N] "
		"[--bind ADDR:PORT] [--send TEXT]\n");
	exit(2);
}

/* open_connection - a socket connected to SERVER, or -1 (the failure is reported). */
static int open_connection(const struct sockaddr_storage *server, socklen_t len,
			   const struct sockaddr_storage *local, socklen_t local_len)
{
	int one = 1;
	/* 1. create a socket */
	int fd = report("socket", -1, socket(server->ss_family, SOCK_STREAM, 0));

	if (fd < 0)
		return -1;
	if (local_len) {
		/* choosing our own source port is unusual: normally the kernel picks one */
		/* and SO_REUSEADDR, so that a port left in TIME_WAIT by a
		 * previous run can be bound again */
		report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)),
			      "SO_REUSEADDR=1");
		if (report("bind", fd, bind(fd, (const struct sockaddr *)local, local_len)) < 0) {
			close(fd);
			return -1;
		}
	}
	/* 2. connect: the kernel picks our address and port, then sends a SYN */
	report_calling();
	if (report_to("connect", fd, connect(fd, (const struct sockaddr *)server, len),
		      (const struct sockaddr *)server, len) < 0) {
		report("close", fd, close(fd));
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_storage servers[MAX_SERVERS], local;
	socklen_t lens[MAX_SERVERS], local_len = 0;
	const char *request = "hello from the client\n";
	int nservers = 0, nconns = 0, conns[MAX_CONNS];
	long count = 1;
	char buf[512];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc && nservers < MAX_SERVERS) {
			if (parse_endpoint(argv[++i], &servers[nservers], &lens[nservers]) < 0)
				usage();
			nservers++;
		} else if (!strcmp(argv[i], "--bind") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &local, &local_len) < 0)
				usage();
		} else if (!strcmp(argv[i], "--count") && i + 1 < argc) {
			count = parse_number(argv[++i], "connection count", 1, MAX_CONNS);
		} else if (!strcmp(argv[i], "--send") && i + 1 < argc) {
			request = argv[++i];
		} else {
			usage();
		}
	}
	if (!nservers || nservers * count > MAX_CONNS)
		usage();

	for (int s = 0; s < nservers; s++)
		for (long i = 0; i < count; i++) {
			int fd = open_connection(&servers[s], lens[s], &local, local_len);
			if (fd >= 0)
				conns[nconns++] = fd;
		}
	/* 3. read and write, 4. close */
	for (int i = 0; i < nconns; i++) {
		report_io("send", conns[i], send(conns[i], request, strlen(request), MSG_NOSIGNAL));
		report_io("recv", conns[i], recv(conns[i], buf, sizeof(buf), 0));
		report("close", conns[i], close(conns[i]));
	}
	return 0;
}
