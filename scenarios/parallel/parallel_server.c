/*
 * parallel_server - one listening port, many clients at the same time.
 *
 *   parallel_server --listen ADDR:PORT --accept N [--greet]
 *   parallel_server --listen ADDR:PORT --reuseport WORKERS [--greet]
 *
 * An epoll event loop accepts connections on one listening socket until it
 * holds N of them, all open at once; then it closes them all. Every accepted
 * connection is one "accept" event: the same local address and port each
 * time, and a different peer, so a different four-tuple.
 *
 * --reuseport WORKERS starts that many server processes (workers) instead
 * of one. Each has a listening socket of its own on the same address and
 * port, which SO_REUSEPORT allows (set before bind, by sockets of one
 * user), and the kernel hands each new connection to one of them. A
 * worker's events carry "worker":"K". None of them knows its share in
 * advance, so they accept until they are told to stop (SIGTERM, portlab's
 * "stop"), then close what they hold.
 *
 * --greet writes one byte to every accepted connection: a client that waits
 * for it knows that a server program took its connection with accept(),
 * which a finished connect() alone does not tell (the kernel does the
 * handshake).
 *
 * Each connection costs one file descriptor, so the program first raises
 * its RLIMIT_NOFILE soft limit to the hard limit (a limit per process: each
 * worker has it), and stops with a clear message when even the hard limit
 * is too small for N.
 *
 * Notes at the end: "backlog" (how many finished handshakes the kernel may
 * queue for accept), "queue-peak" (the most that ever waited), "holding"
 * (connections open at once), "greeted" (with --greet) and "closed".
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report.h"

/* what the command line asked for */
struct options {
	const char *listen;  /* ADDR:PORT */
	long want;           /* --accept N, or -1: until SIGTERM */
	long workers;        /* --reuseport N, or 0: one process, no SO_REUSEPORT */
	bool greet;          /* one byte to every accepted connection */
};

/* the connections held, all open at once */
struct held {
	int *fds;
	long n, room;
};

static void usage(void)
{
	fprintf(stderr, "usage: parallel_server --listen ADDR:PORT --accept N [--greet]\n"
		"       parallel_server --listen ADDR:PORT --reuseport WORKERS [--greet]\n");
	exit(2);
}

static struct options parse_options(int argc, char **argv)
{
	struct options o = { .want = -1 };

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
			o.listen = argv[++i];
		else if (strcmp(argv[i], "--accept") == 0 && i + 1 < argc)
			o.want = parse_number(argv[++i], "connection count", 1, 1000000);
		else if (strcmp(argv[i], "--reuseport") == 0 && i + 1 < argc)
			o.workers = parse_number(argv[++i], "number of workers", 1, 16);
		else if (strcmp(argv[i], "--greet") == 0)
			o.greet = true;
		else
			usage();
	}
	/* one of the two: a count of its own, or a share of the port */
	if (!o.listen || (o.want < 0) == (o.workers == 0))
		usage();
	return o;
}

/* listen_on - a non-blocking listening TCP socket bound to O's address; exits on failure. */
static int listen_on(const struct options *o, int backlog)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, on = 1;

	if (parse_endpoint(o->listen, &ss, &len) < 0)
		exit(2);
	fd = report("socket", -1,
		    socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
	if (fd < 0)
		die("socket");
	/* the previous server on this port may have left TIME_WAIT behind */
	if (report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)),
			  "SO_REUSEADDR=1") < 0)
		die("setsockopt SO_REUSEADDR");
	/* every socket of the group sets it, before its bind */
	if (o->workers &&
	    report_option(fd, setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)),
			  "SO_REUSEPORT=1") < 0)
		die("setsockopt SO_REUSEPORT");
	if (report("bind", fd, bind(fd, (struct sockaddr *)&ss, len)) < 0)
		die("bind");
	/* the kernel caps the backlog at net.core.somaxconn (4096) */
	if (report("listen", fd, listen(fd, backlog)) < 0)
		die("listen");
	return fd;
}

/*
 * block_stop_signal - hold SIGTERM back, so that a worker can read it from
 * a signalfd in its event loop, like any other event.
 */
static void block_stop_signal(sigset_t *term)
{
	sigemptyset(term);
	sigaddset(term, SIGTERM);
	if (sigprocmask(SIG_BLOCK, term, NULL) < 0)
		die("sigprocmask");
}

/*
 * queue_length - how many finished handshakes wait on listening socket LFD
 * for accept(), and in *LIMIT the most that may wait (the backlog). For a
 * listening socket, TCP_INFO reports these in tcpi_unacked and tcpi_sacked.
 */
static int queue_length(int lfd, int *limit)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(lfd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		die("getsockopt TCP_INFO");
	*limit = (int)ti.tcpi_sacked;
	return (int)ti.tcpi_unacked;
}

/* hold - keep CFD open in H, making room as it fills. */
static void hold(struct held *h, int cfd)
{
	if (h->n == h->room) {
		h->room = h->room ? 2 * h->room : 1024;
		h->fds = realloc(h->fds, (size_t)h->room * sizeof(*h->fds));
		if (!h->fds)
			die("realloc");
	}
	h->fds[h->n++] = cfd;
}

/*
 * greet - write one byte to the accepted socket CFD. Returns 1 when it
 * went, 0 when not (the failed send is reported: the client has gone).
 */
static int greet(int cfd)
{
	if (send(cfd, "!", 1, MSG_NOSIGNAL) == 1)
		return 1;
	report_io("send", cfd, -1);
	return 0;
}

/*
 * accept_ready - accept every connection waiting on LFD into H, up to
 * O's count if it has one; greet each when asked. Returns how many it greeted.
 */
static long accept_ready(int lfd, struct held *h, const struct options *o)
{
	long greeted = 0;

	while (o->want < 0 || h->n < o->want) {
		int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (cfd < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break; /* queue empty: back to epoll_wait */
		if (report_accept(lfd, cfd) < 0) {
			if (errno == ECONNABORTED || errno == EINTR)
				continue;
			die("accept");
		}
		hold(h, cfd);
		if (o->greet)
			greeted += greet(cfd);
	}
	return greeted;
}

/* watch - add FD to epoll instance EP_FD, for reading. */
static void watch(int ep_fd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(ep_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die("epoll_ctl");
}

/*
 * serve - the event loop on listening socket LFD: sleep until it is
 * readable, accept, until O's count is held or SIGTERM (in TERM) comes.
 * Then the notes, and every socket closed.
 */
static void serve(int lfd, const struct options *o, const sigset_t *term)
{
	struct held h = { 0 };
	struct epoll_event ev;
	int ep_fd, sig_fd, waiting, peak = 0, limit = 0;
	long greeted = 0;
	bool stopped = false;

	sig_fd = signalfd(-1, term, SFD_CLOEXEC);
	if (sig_fd < 0)
		die("signalfd");
	ep_fd = epoll_create1(EPOLL_CLOEXEC);
	if (ep_fd < 0)
		die("epoll_create1");
	watch(ep_fd, lfd);
	watch(ep_fd, sig_fd);

	while ((o->want < 0 || h.n < o->want) && !stopped) {
		int n = epoll_wait(ep_fd, &ev, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		if (ev.data.fd == sig_fd)
			stopped = true; /* but first take what is still queued, below */
		/* how far the kernel got ahead of us: handshakes done, not accepted */
		waiting = queue_length(lfd, &limit);
		if (waiting > peak)
			peak = waiting;
		greeted += accept_ready(lfd, &h, o);
	}
	report_note("backlog", "limit", limit);
	report_note("queue-peak", "connections", peak);
	report_note("holding", "connections", h.n);
	if (o->greet)
		report_note("greeted", "connections", greeted);

	for (long i = 0; i < h.n; i++)
		if (close(h.fds[i]) < 0)
			die("close");
	report_note("closed", "connections", h.n);
	if (report("close", lfd, close(lfd)) < 0)
		die("close");
	free(h.fds);
}

/*
 * start_workers - O's workers, each a process with a listening socket of
 * its own on the one port, made before any of them runs, so that the group
 * is whole once the port listens. This process stays as their master: it
 * passes SIGTERM on to them (portlab signals it alone) and collects them.
 * Returns 0 if every worker ended well.
 */
static int start_workers(const struct options *o, const sigset_t *term)
{
	int lfds[16], status, failed = 0;
	pid_t pids[16];
	long alive = 0;
	char name[24];
	sigset_t master;

	for (long k = 0; k < o->workers; k++) {
		snprintf(name, sizeof(name), "%ld", k + 1);
		report_tag("worker", name);
		lfds[k] = listen_on(o, 4096);
	}
	/* held back from here on, so that sigwaitinfo() below sees it */
	sigemptyset(&master);
	sigaddset(&master, SIGTERM);
	sigaddset(&master, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &master, NULL) < 0)
		die("sigprocmask");
	for (long k = 0; k < o->workers; k++) {
		pids[k] = fork();
		if (pids[k] < 0)
			die("fork");
		if (pids[k] == 0) {
			snprintf(name, sizeof(name), "%ld", k + 1);
			report_tag("worker", name);
			for (long other = 0; other < o->workers; other++)
				if (other != k && close(lfds[other]) < 0)
					die("close");
			serve(lfds[k], o, term);
			exit(0);
		}
		alive++;
	}
	for (long k = 0; k < o->workers; k++)
		if (close(lfds[k]) < 0)
			die("close");

	while (alive > 0) {
		int sig = sigwaitinfo(&master, NULL);

		if (sig < 0 && errno == EINTR)
			continue;
		if (sig < 0)
			die("sigwaitinfo");
		if (sig == SIGTERM)
			for (long k = 0; k < o->workers; k++)
				if (kill(pids[k], SIGTERM) < 0 && errno != ESRCH)
					die("kill");
		/* SIGCHLD: one or more workers ended */
		for (pid_t pid; alive > 0 && (pid = waitpid(-1, &status, WNOHANG)) != 0; alive--) {
			if (pid < 0)
				die("waitpid");
			failed |= !WIFEXITED(status) || WEXITSTATUS(status) != 0;
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct options o = parse_options(argc, argv);
	sigset_t term;

	/* without a count, as many as the hard limit allows */
	raise_fd_limit(o.want > 0 ? o.want : 1);
	block_stop_signal(&term);
	if (o.workers)
		return start_workers(&o, &term);
	serve(listen_on(&o, o.want < 4096 ? (int)o.want : 4096), &o, &term);
	return 0;
}
