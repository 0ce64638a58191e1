/*
 * visit_services - call each well-known service of a host once.
 *
 * The client needs no privilege: its own port is an ephemeral one. Only
 * the server's side sits on a well-known port.
 *
 *	1. for http (80), https (443), ssh (22) over TCP:
 *	   socket(), connect(), send() a request, recv() until 0, close()
 *	2. for domain (53) over UDP: socket(), sendto() a DNS query for
 *	   www.example.com, recvfrom() the answer (3 s at most), close()
 *
 * Every event is tagged with "service".
 *
 * usage: visit_services --addr ADDR
 */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

struct service {
	const char *name;
	unsigned short port;
	const char *request;
};

static const struct service tcp_services[] = {
	{ "http",  80,  "HEAD / HTTP/1.0\r\n\r\n" },
	{ "https", 443, "(a real client would start TLS here)\n" },
	{ "ssh",   22,  "SSH-2.0-visitor\r\n" },
};

/*
 * A DNS query: header (id 0x5053, RD, one question), then the name as
 * length-prefixed labels, type A (1), class IN (1).
 */
static const unsigned char dns_query[] = {
	0x50, 0x53, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0x00, 0x01, 0x00, 0x01,
};

static void usage(void)
{
	fprintf(stderr, "usage: visit_services --addr ADDR\n");
	exit(2);
}

/* endpoint - ADDR:PORT into SS; returns its length. */
static socklen_t endpoint(const char *addr, unsigned short port,
			  struct sockaddr_storage *ss)
{
	char text[64];
	socklen_t len;

	snprintf(text, sizeof(text), strchr(addr, ':') ? "[%s]:%u" : "%s:%u",
		 addr, port);
	if (parse_endpoint(text, ss, &len) < 0)
		usage();
	return len;
}

/* visit_tcp - one request and reply to S at ADDR; returns 0 or -1. */
static int visit_tcp(const struct service *s, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = endpoint(addr, s->port, &ss);
	char buf[512];
	ssize_t n;
	int fd;

	fd = report("socket", -1, socket(ss.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	if (report_to("connect", fd, connect(fd, (struct sockaddr *)&ss, len),
		      (struct sockaddr *)&ss, len) < 0) {
		report("close", fd, close(fd));
		return -1;
	}
	if (report_io("send", fd, send(fd, s->request, strlen(s->request),
				       MSG_NOSIGNAL)) < 0)
		die("send");
	while ((n = report_io("recv", fd, recv(fd, buf, sizeof(buf), 0))) > 0)
		;
	if (n < 0)
		die("recv");
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return 0;
}

/* visit_dns - one query to ADDR:53 and its answer; returns 0 or -1. */
static int visit_dns(const char *addr)
{
	struct sockaddr_storage ss, from;
	socklen_t len = endpoint(addr, 53, &ss), flen = sizeof(from);
	struct timeval wait = { .tv_sec = 3 };
	unsigned char buf[512];
	ssize_t n;
	int fd;

	fd = report("socket", -1, socket(ss.ss_family, SOCK_DGRAM, 0));
	if (fd < 0)
		die("socket");
	/* UDP promises nothing: do not wait for ever for an answer. */
	if (report_option(fd, setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait)),
			  "SO_RCVTIMEO") < 0)
		die("setsockopt SO_RCVTIMEO");
	if (report_to("sendto", fd, (int)sendto(fd, dns_query, sizeof(dns_query),
			0, (struct sockaddr *)&ss, len),
			(struct sockaddr *)&ss, len) < 0)
		die("sendto");
	n = report_from("recvfrom", fd, recvfrom(fd, buf, sizeof(buf), 0,
			(struct sockaddr *)&from, &flen),
			(struct sockaddr *)&from, flen);
	if (report("close", fd, close(fd)) < 0)
		die("close");
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	int failed = 0;

	if (argc != 3 || strcmp(argv[1], "--addr") != 0)
		usage();
	for (size_t i = 0; i < sizeof(tcp_services) / sizeof(tcp_services[0]); i++) {
		report_tag("service", tcp_services[i].name);
		if (visit_tcp(&tcp_services[i], argv[2]) < 0)
			failed++;
	}
	report_tag("service", "domain");
	if (visit_dns(argv[2]) < 0)
		failed++;
	return failed ? 1 : 0;
}
