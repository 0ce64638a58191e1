/*
 * conflict_table - who may bind a port that another socket already holds?
 *
 * For every row of the table below, one socket takes the port first (bound,
 * or bound and listening), then a second socket asks for the same port:
 *
 *	1. socket() and setsockopt() the options of the row
 *	2. bind() the first socket, and listen() if the row says so
 *	3. socket(), setsockopt() and bind() the second socket
 *	4. if that bind worked and both are TCP: listen() on both
 *	5. close() both, so that the next row starts from a free port
 *
 * Every call is reported with the row's name as "case", and "sock" says
 * which of the two sockets made it. The program measures; the lab file
 * says what Linux is expected to answer for each row.
 *
 * usage: conflict_table --addr4 A --addr6 A6 --port P
 */
#include "report.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Which local address a socket asks for. */
enum where {
	ANY4,		/* 0.0.0.0 */
	LOOP4,		/* 127.0.0.1 */
	HOST4,		/* the host's own IPv4 address (--addr4) */
	ANY6,		/* :: */
	HOST6,		/* the host's own IPv6 address (--addr6) */
	LOOP6,		/* ::1 */
	MAPPED4,	/* ::ffff:127.0.0.1, 127.0.0.1 as an IPv6 socket sees it */
};

/* Socket options, set before bind(). */
#define REUSEADDR	0x1	/* SO_REUSEADDR */
#define REUSEPORT	0x2	/* SO_REUSEPORT */
#define V6ONLY		0x4	/* IPV6_V6ONLY = 1 (Linux's default is 0) */

struct side {
	int type;		/* SOCK_STREAM or SOCK_DGRAM */
	enum where where;
	int opts;
};

struct conflict_case {
	const char *name;
	struct side first;
	int first_listens;	/* 1: listen() before the second bind() */
	struct side second;
};

#define TCP	SOCK_STREAM
#define UDP	SOCK_DGRAM

static const struct conflict_case cases[] = {
	/* TCP, the first socket is a listening server: the usual situation. */
	{ "same-address",		{ TCP, HOST4, 0 }, 1, { TCP, HOST4, 0 } },
	{ "wildcard-then-specific",	{ TCP, ANY4, 0 }, 1, { TCP, HOST4, 0 } },
	{ "specific-then-wildcard",	{ TCP, HOST4, 0 }, 1, { TCP, ANY4, 0 } },
	{ "loopback-then-wildcard",	{ TCP, LOOP4, 0 }, 1, { TCP, ANY4, 0 } },
	{ "wildcard-then-loopback",	{ TCP, ANY4, 0 }, 1, { TCP, LOOP4, 0 } },
	{ "loopback-then-specific",	{ TCP, LOOP4, 0 }, 1, { TCP, HOST4, 0 } },
	{ "any4-then-any6",		{ TCP, ANY4, 0 }, 1, { TCP, ANY6, 0 } },
	{ "any4-then-any6-v6only",	{ TCP, ANY4, 0 }, 1, { TCP, ANY6, V6ONLY } },
	{ "any6-then-any4",		{ TCP, ANY6, 0 }, 1, { TCP, ANY4, 0 } },
	{ "any6-v6only-then-any4",	{ TCP, ANY6, V6ONLY }, 1, { TCP, ANY4, 0 } },
	{ "any6-then-specific4",	{ TCP, ANY6, 0 }, 1, { TCP, HOST4, 0 } },
	{ "any6-then-specific6",	{ TCP, ANY6, 0 }, 1, { TCP, HOST6, 0 } },
	/* The rows that surprise: see the handout's grid. */
	{ "specific4-then-any6",	{ TCP, HOST4, 0 }, 1, { TCP, ANY6, 0 } },
	{ "specific4-then-any6-v6only",	{ TCP, HOST4, 0 }, 1, { TCP, ANY6, V6ONLY } },
	{ "loopback-then-mapped",	{ TCP, LOOP4, 0 }, 1, { TCP, MAPPED4, 0 } },
	{ "mapped-then-wildcard",	{ TCP, MAPPED4, 0 }, 1, { TCP, ANY4, 0 } },
	{ "wildcard-then-mapped-v6only", { TCP, ANY4, 0 }, 1, { TCP, MAPPED4, V6ONLY } },
	{ "specific6-then-any4",	{ TCP, HOST6, 0 }, 1, { TCP, ANY4, 0 } },
	{ "loopback6-then-loopback4",	{ TCP, LOOP6, 0 }, 1, { TCP, LOOP4, 0 } },
	{ "any6-v6only-then-any6",	{ TCP, ANY6, V6ONLY }, 1, { TCP, ANY6, 0 } },
	{ "any6-v6only-then-any6-v6only", { TCP, ANY6, V6ONLY }, 1, { TCP, ANY6, V6ONLY } },

	/* SO_REUSEADDR does not get past a socket that is listening. */
	{ "reuseaddr-same-address-listening",
	  { TCP, HOST4, REUSEADDR }, 1, { TCP, HOST4, REUSEADDR } },
	{ "reuseaddr-wildcard-then-specific-listening",
	  { TCP, ANY4, REUSEADDR }, 1, { TCP, HOST4, REUSEADDR } },

	/* The first socket is only bound: bind() alone reserves the port... */
	{ "bound-same-address",		{ TCP, HOST4, 0 }, 0, { TCP, HOST4, 0 } },
	/* ...unless both sockets set SO_REUSEADDR; then listen() decides. */
	{ "bound-reuseaddr-same-address",
	  { TCP, HOST4, REUSEADDR }, 0, { TCP, HOST4, REUSEADDR } },
	{ "bound-reuseaddr-wildcard-then-specific",
	  { TCP, ANY4, REUSEADDR }, 0, { TCP, HOST4, REUSEADDR } },
	{ "bound-reuseaddr-second-only",
	  { TCP, HOST4, 0 }, 0, { TCP, HOST4, REUSEADDR } },

	/* SO_REUSEPORT: both sockets listen on one port, if both opt in. */
	{ "reuseport-same-address",
	  { TCP, HOST4, REUSEPORT }, 1, { TCP, HOST4, REUSEPORT } },
	{ "reuseport-wildcard-then-specific",
	  { TCP, ANY4, REUSEPORT }, 1, { TCP, HOST4, REUSEPORT } },
	{ "reuseport-first-only",	{ TCP, HOST4, REUSEPORT }, 1, { TCP, HOST4, 0 } },
	{ "reuseport-second-only",	{ TCP, HOST4, 0 }, 1, { TCP, HOST4, REUSEPORT } },

	/* TCP port 8080 and UDP port 8080 are two different ports. */
	{ "tcp-then-udp",		{ TCP, ANY4, 0 }, 1, { UDP, ANY4, 0 } },
	{ "udp-then-tcp",		{ UDP, ANY4, 0 }, 0, { TCP, ANY4, 0 } },

	/* UDP has no listening state, so SO_REUSEADDR lets both bind. */
	{ "udp-same-address",		{ UDP, ANY4, 0 }, 0, { UDP, ANY4, 0 } },
	{ "udp-reuseaddr",		{ UDP, ANY4, REUSEADDR }, 0, { UDP, ANY4, REUSEADDR } },
};

static struct in_addr host4;
static struct in6_addr host6;
static unsigned short port;

static void usage(void)
{
	fprintf(stderr, "usage: conflict_table --addr4 A --addr6 A6 --port P\n");
	exit(2);
}

/* address - fill SS with the address WHERE and the port; returns its length. */
static socklen_t address(enum where where, struct sockaddr_storage *ss)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	switch (where) {
	case ANY4:
	case LOOP4:
	case HOST4:
		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (where == ANY4)
			in->sin_addr.s_addr = htonl(INADDR_ANY);
		else if (where == LOOP4)
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else
			in->sin_addr = host4;
		return sizeof(*in);
	case ANY6:
	case HOST6:
	case LOOP6:
	case MAPPED4:
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (where == ANY6)
			in6->sin6_addr = in6addr_any;
		else if (where == LOOP6)
			in6->sin6_addr = in6addr_loopback;
		else if (where == MAPPED4)
			inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6->sin6_addr);
		else
			in6->sin6_addr = host6;
		return sizeof(*in6);
	}
	return 0;
}

/* set_option - setsockopt(LEVEL, NAME) to ON, reported; returns 0 or -1. */
static int set_option(int fd, int level, int name, const char *text, int on)
{
	return report_option(fd, setsockopt(fd, level, name, &on, sizeof(on)), text);
}

/*
 * open_side - a socket of S's type and family with S's options, bound to
 * S's address. Returns the descriptor, or -1 if bind() said no (the socket
 * is closed then). Anything else that fails ends the program.
 */
static int open_side(const struct side *s)
{
	struct sockaddr_storage ss;
	socklen_t len = address(s->where, &ss);
	int fd;

	fd = report("socket", -1, socket(ss.ss_family, s->type, 0));
	if (fd < 0)
		die("socket");
	if (s->opts & REUSEADDR &&
	    set_option(fd, SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", 1) < 0)
		die("setsockopt SO_REUSEADDR");
	if (s->opts & REUSEPORT &&
	    set_option(fd, SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", 1) < 0)
		die("setsockopt SO_REUSEPORT");
	/* Set either way, so that the row does not hang on net.ipv6.bindv6only. */
	if (ss.ss_family == AF_INET6 &&
	    set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY,
		       s->opts & V6ONLY ? "IPV6_V6ONLY=1" : "IPV6_V6ONLY=0",
		       (s->opts & V6ONLY) != 0) < 0)
		die("setsockopt IPV6_V6ONLY");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0) {
		if (report("close", fd, close(fd)) < 0)
			die("close");
		return -1;
	}
	return fd;
}

/* run_case - play one row of the table; returns 0, or -1 if it went wrong. */
static int run_case(const struct conflict_case *c)
{
	int first, second;

	report_tag("case", c->name);
	report_tag("sock", "first");
	first = open_side(&c->first);
	if (first < 0) {
		/* Nothing held the port, so the row cannot be measured. */
		fprintf(stderr, "conflict_table: %s: first bind failed\n", c->name);
		return -1;
	}
	if (c->first_listens && report("listen", first, listen(first, 8)) < 0)
		die("listen");

	report_tag("sock", "second");
	second = open_side(&c->second);

	/* Both bound: a TCP server also needs listen() to go through. */
	if (second >= 0 && c->second.type == SOCK_STREAM) {
		if (!c->first_listens && c->first.type == SOCK_STREAM) {
			report_tag("sock", "first");
			report("listen", first, listen(first, 8));
			report_tag("sock", "second");
		}
		report("listen", second, listen(second, 8));
	}

	if (second >= 0 && report("close", second, close(second)) < 0)
		die("close");
	report_tag("sock", "first");
	if (report("close", first, close(first)) < 0)
		die("close");
	report_tag("sock", NULL);
	report_tag("case", NULL);
	return 0;
}

int main(int argc, char **argv)
{
	int have = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--addr4") == 0) {
			if (inet_pton(AF_INET, argv[++i], &host4) != 1)
				usage();
			have |= 1;
		} else if (strcmp(argv[i], "--addr6") == 0) {
			if (inet_pton(AF_INET6, argv[++i], &host6) != 1)
				usage();
			have |= 2;
		} else if (strcmp(argv[i], "--port") == 0) {
			port = (unsigned short)parse_number(argv[++i], "port", 1, 65535);
			have |= 4;
		} else {
			usage();
		}
	}
	if (have != 7)
		usage();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (run_case(&cases[i]) < 0)
			failed++;
	report_note("cases", "count", (long long)(sizeof(cases) / sizeof(cases[0])));
	return failed ? 1 : 0;
}
