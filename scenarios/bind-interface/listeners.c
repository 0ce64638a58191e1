/*
 * listeners - one server with several listening sockets, one per way of
 * binding, so that one run shows which of them each client can reach.
 *
 *   listeners NAME=ADDR:PORT[,v6only][,dev=IF] ...
 *
 *   any=*:7000              bind 0.0.0.0: every local IPv4 address
 *   a-only=192.0.2.1:7001   bind one address
 *   dual=[::]:7003          bind ::, IPv4 clients too (as ::ffff:a.b.c.d)
 *   v6=[::]:7004,v6only     bind ::, IPv6 clients only
 *   a-dev=*:7006,dev=eth0   SO_BINDTODEVICE: only what arrives on eth0
 *
 * Every listener is opened in the order a textbook gives (socket, options,
 * bind, listen); then the server accepts on all of them with poll(), and
 * closes each accepted socket at once. Every event carries the listener's
 * NAME as "binding". SIGTERM (portlab's `stop`) ends the loop.
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "report.h"

#define MAX_LISTENERS 16

struct listener {
	const char *name;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int v6only;              /* bound to ::, IPV6_V6ONLY=1 */
	const char *dev;         /* SO_BINDTODEVICE, or NULL */
	int fd;
};

static void usage(void)
{
	fprintf(stderr, "usage: listeners NAME=ADDR:PORT[,v6only][,dev=IF] ...\n");
	exit(2);
}

/* is_any6 - is SS the IPv6 wildcard address ::? */
static int is_any6(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *in6 = (const void *)ss;

	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
}

/* parse_listener - fill L from "NAME=ADDR:PORT[,v6only][,dev=IF]"; exits 2 if malformed. */
static void parse_listener(char *arg, struct listener *l)
{
	char *endpoint, *opt;

	endpoint = strchr(arg, '=');
	if (!endpoint || endpoint == arg)
		usage();
	*endpoint++ = '\0';
	l->name = arg;
	opt = strchr(endpoint, ',');	/* no endpoint holds a comma */
	if (opt)
		*opt++ = '\0';
	if (parse_endpoint(endpoint, &l->addr, &l->addrlen) < 0)
		exit(2);
	while (opt) {
		char *next = strchr(opt, ',');

		if (next)
			*next++ = '\0';
		if (strcmp(opt, "v6only") == 0 && is_any6(&l->addr))
			l->v6only = 1;
		else if (strncmp(opt, "dev=", 4) == 0 && opt[4] &&
			 strlen(opt + 4) < IFNAMSIZ)
			l->dev = opt + 4;
		else
			usage();
		opt = next;
	}
}

/* set_option - setsockopt, reported with the option's name; returns its result. */
static int set_option(int fd, int level, int name, const void *val,
		      socklen_t len, const char *what)
{
	return report_option(fd, setsockopt(fd, level, name, val, len), what);
}

/* open_listener - socket, options, bind, listen; returns the listening socket. */
static int open_listener(const struct listener *l)
{
	int fd, v6only = l->v6only;

	fd = report("socket", -1, socket(l->addr.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		die("socket");
	/*
	 * An IPv6 socket bound to :: takes IPv4 connections too unless
	 * IPV6_V6ONLY is set. Set it either way, so that the lab does not
	 * depend on the net.ipv6.bindv6only sysctl.
	 */
	if (is_any6(&l->addr) &&
	    set_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof(v6only),
		       v6only ? "IPV6_V6ONLY=1" : "IPV6_V6ONLY=0") < 0)
		die("setsockopt IPV6_V6ONLY");
	/* The strict form: only packets that arrive on this interface. */
	if (l->dev && set_option(fd, SOL_SOCKET, SO_BINDTODEVICE, l->dev,
				 (socklen_t)strlen(l->dev), "SO_BINDTODEVICE") < 0)
		die("setsockopt SO_BINDTODEVICE");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&l->addr, l->addrlen)) < 0)
		die("bind");
	if (report("listen", fd, listen(fd, 16)) < 0)
		die("listen");
	return fd;
}

/* serve - accept one connection on L and close it; returns 0, or -1 if accept failed. */
static int serve(const struct listener *l)
{
	int cfd;

	report_tag("binding", l->name);
	cfd = accept(l->fd, NULL, NULL);
	if (report_accept(l->fd, cfd) < 0)
		return -1;	/* e.g. ECONNABORTED: the client gave up first */
	if (report("close", cfd, close(cfd)) < 0)
		die("close");
	return 0;
}

/* block_stop - block SIGTERM and SIGINT, to be read from a signalfd; fills MASK. */
static void block_stop(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, mask, NULL) < 0)
		die("sigprocmask");
}

int main(int argc, char **argv)
{
	struct listener l[MAX_LISTENERS] = { 0 };
	struct pollfd pfd[MAX_LISTENERS + 1];
	sigset_t mask;
	int n = argc - 1, stop = 0;

	if (n < 1 || n > MAX_LISTENERS)
		usage();
	for (int i = 0; i < n; i++)
		parse_listener(argv[i + 1], &l[i]);

	/* Block the signals first: a `stop` must not kill us half-way. */
	block_stop(&mask);
	for (int i = 0; i < n; i++) {
		report_tag("binding", l[i].name);
		l[i].fd = open_listener(&l[i]);
		pfd[i].fd = l[i].fd;
		pfd[i].events = POLLIN;
	}
	report_tag("binding", NULL);
	/* The signal descriptor last, so that the first listener is fd 3. */
	pfd[n].fd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (pfd[n].fd < 0)
		die("signalfd");
	pfd[n].events = POLLIN;

	while (!stop) {
		if (poll(pfd, (nfds_t)n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		/* Connections first: a client that got in before `stop` is served. */
		for (int i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				serve(&l[i]);
		stop = pfd[n].revents & POLLIN;
	}

	for (int i = 0; i < n; i++) {
		report_tag("binding", l[i].name);
		if (report("close", l[i].fd, close(l[i].fd)) < 0)
			die("close");
	}
	return 0;
}
