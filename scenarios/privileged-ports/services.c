/*
 * services - well-known services on their well-known ports, run as root.
 *
 * One process stands in for four daemons, each on the port that
 * /etc/services gives it: http 80/tcp, https 443/tcp, ssh 22/tcp and
 * domain 53/udp. Ports below 1024 need root (or CAP_NET_BIND_SERVICE).
 *
 *	1. for each service: socket(), bind(ADDR:PORT), listen() if TCP
 *	2. poll() them all
 *	3. TCP: accept(), recv() the request, send() a reply, close()
 *	   UDP: recvfrom() a DNS query, sendto() an answer with one A record:
 *	   ADDR itself, as if every name were served by this host
 *	4. stop when every service has answered ROUNDS times
 *
 * The replies only look like the real protocols: enough for tshark to
 * name them, not enough for a real client. Every event is tagged with
 * "service".
 *
 * usage: services --addr ADDR [--rounds N]
 */
#include "report.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct service {
	const char *name;
	int type;
	unsigned short port;
	const char *reply;	/* TCP only */
};

static const struct service services[] = {
	{ "http",   SOCK_STREAM, 80,  "HTTP/1.0 204 No Content\r\n\r\n" },
	{ "https",  SOCK_STREAM, 443, "(a real server would answer with TLS)\n" },
	{ "ssh",    SOCK_STREAM, 22,  "SSH-2.0-portlab\r\n" },
	{ "domain", SOCK_DGRAM,  53,  NULL },
};

#define NSERVICES (sizeof(services) / sizeof(services[0]))

static void usage(void)
{
	fprintf(stderr, "usage: services --addr ADDR [--rounds N]\n");
	exit(2);
}

/* open_service - S's socket bound to ADDR:S->port; returns its fd. */
static int open_service(const struct service *s, const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char text[64];
	int fd;

	snprintf(text, sizeof(text), strchr(addr, ':') ? "[%s]:%u" : "%s:%u",
		 addr, s->port);
	if (parse_endpoint(text, &ss, &len) < 0)
		usage();
	fd = report("socket", -1, socket(ss.ss_family, s->type, 0));
	if (fd < 0)
		die("socket");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0)
		die("bind");
	if (s->type == SOCK_STREAM && report("listen", fd, listen(fd, 8)) < 0)
		die("listen");
	return fd;
}

/* serve_stream - one TCP client on listener LFD; returns nothing. */
static void serve_stream(const struct service *s, int lfd)
{
	char buf[512];
	int cfd;

	cfd = report_accept(lfd, accept(lfd, NULL, NULL));
	if (cfd < 0)
		die("accept");
	if (report_io("recv", cfd, recv(cfd, buf, sizeof(buf), 0)) < 0)
		die("recv");
	if (report_io("send", cfd, send(cfd, s->reply, strlen(s->reply),
					MSG_NOSIGNAL)) < 0)
		die("send");
	if (report("close", cfd, close(cfd)) < 0)
		die("close");
}

/*
 * serve_dns - answer one DNS query on FD: its header and question as they
 * came, with QR (this is an answer) and RA set, and one answer record that
 * gives the IPv4 address ME to whatever name was asked (no record if ME is
 * NULL). Returns nothing.
 */
static void serve_dns(int fd, const struct in_addr *me)
{
	/*
	 * An A record: the name as a pointer to the question's name (offset
	 * 12), type A, class IN, TTL 300 s, then 4 bytes of address.
	 */
	static const unsigned char a_record[] = {
		0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x04,
	};
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	unsigned char msg[512 + sizeof(a_record) + 4];	/* a query, and room to answer */
	size_t end = 12;				/* the question starts after the header */
	ssize_t n;

	n = report_from("recvfrom", fd, recvfrom(fd, msg, 512, 0,
			(struct sockaddr *)&peer, &plen),
			(struct sockaddr *)&peer, plen);
	if (n < 0)
		die("recvfrom");
	/* The question: a name of length-prefixed labels ending in 0, type, class. */
	while (end < (size_t)n && msg[end] != 0)
		end += 1 + msg[end];
	end += 1 + 4;
	if (n < 12 || end > (size_t)n || msg[4] != 0 || msg[5] != 1) {
		fprintf(stderr, "services: not a DNS query with one question (%zd bytes)\n", n);
		return;
	}
	msg[2] |= 0x80;	/* QR: response */
	msg[3] |= 0x80;	/* RA: recursion available; RCODE 0 */
	/* 1 question, 1 answer (or none), no authority or additional records */
	memset(msg + 6, 0, 6);
	if (me) {
		msg[7] = 1;
		memcpy(msg + end, a_record, sizeof(a_record));
		memcpy(msg + end + sizeof(a_record), me, 4);
		end += sizeof(a_record) + 4;
	}
	if (report_to("sendto", fd, (int)sendto(fd, msg, end, 0,
			(struct sockaddr *)&peer, plen),
			(struct sockaddr *)&peer, plen) < 0)
		die("sendto");
}

int main(int argc, char **argv)
{
	struct pollfd pfd[NSERVICES];
	long served[NSERVICES] = { 0 }, rounds = 1, done = 0;
	const char *addr = NULL;
	struct in_addr me;
	int have_me;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--addr") == 0)
			addr = argv[i + 1];
		else if (strcmp(argv[i], "--rounds") == 0)
			rounds = parse_number(argv[i + 1], "rounds", 1, 1000);
		else
			usage();
	}
	if (argc % 2 == 0 || !addr)
		usage();
	/* The DNS answer: this host's own IPv4 address (none for an IPv6 ADDR). */
	have_me = inet_pton(AF_INET, addr, &me) == 1;

	for (size_t i = 0; i < NSERVICES; i++) {
		report_tag("service", services[i].name);
		pfd[i].fd = open_service(&services[i], addr);
		pfd[i].events = POLLIN;
	}

	while (done < (long)NSERVICES) {
		if (poll(pfd, NSERVICES, -1) < 0)
			die("poll");
		for (size_t i = 0; i < NSERVICES; i++) {
			if (!(pfd[i].revents & POLLIN))
				continue;
			report_tag("service", services[i].name);
			if (services[i].type == SOCK_STREAM)
				serve_stream(&services[i], pfd[i].fd);
			else
				serve_dns(pfd[i].fd, have_me ? &me : NULL);
			if (++served[i] == rounds) {
				done++;
				pfd[i].events = 0; /* enough: stop watching it */
			}
		}
	}

	for (size_t i = 0; i < NSERVICES; i++) {
		report_tag("service", services[i].name);
		if (report("close", pfd[i].fd, close(pfd[i].fd)) < 0)
			die("close");
	}
	return 0;
}
