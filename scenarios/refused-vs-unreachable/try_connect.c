/*
 * try_connect - one TCP connect() to ADDR:PORT, and how long the kernel
 * took to say yes or no.
 *
 *   try_connect --connect 203.0.113.80:81 [--syn-retries N] [--lock-drops] [--nonblock]
 *
 * The errno and the time together tell what happened on the way:
 *   ECONNREFUSED  at once   the host is there, nothing listens: it sent a RST
 *   EHOSTUNREACH  soon      a router sent ICMP unreachable (or prohibited)
 *   EHOSTUNREACH  later     nobody answered our ARP on the local link
 *   EACCES        at once   our own routing table prohibits the destination
 *   ETIMEDOUT     seconds   nobody answered at all: SYNs resent, then given up
 *
 * With --nonblock the socket is O_NONBLOCK: connect() returns EINPROGRESS
 * at once, poll() waits until the socket is writable (connected, or
 * failed), and getsockopt(SO_ERROR) tells which; that outcome is reported
 * as the event "so_error" (ok, or the errno).
 *
 * Steps: socket, (setsockopt TCP_SYNCNT), connect, (poll, so_error), close.
 * Events: socket, setsockopt, connect, then the note "connect_time"
 * (field elapsed_ms). With --lock-drops, also the note "lock_dropped_icmps"
 * (field count): how many ICMP errors reached this host's TCP sockets
 * while connect() itself held the socket busy, which Linux keeps only as
 * a "soft" error (see lock_dropped_icmps()). The counter is the host's,
 * so it is only meaningful while no other connect of the host gets ICMP.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: try_connect --connect ADDR:PORT [--syn-retries N] [--lock-drops] "
		"[--nonblock]\n");
	exit(2);
}

/* now_ms - a monotonic clock in milliseconds. */
static double now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
		die("clock_gettime");
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/*
 * lock_dropped_icmps - this host's TcpExt LockDroppedIcmps counter from
 * /proc/net/netstat, or -1. On a virtual link the ICMP error can come back
 * while connect() is still sending the SYN and holds the socket locked;
 * Linux then records it only as a soft error and waits for the next SYN.
 */
static long long lock_dropped_icmps(void)
{
	char names[8192], values[8192];
	long long value = -1;
	FILE *f;

	f = fopen("/proc/net/netstat", "r");
	if (!f)
		return -1;
	/* Pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: 1 2 ...". */
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		char *nsave, *vsave;
		char *n = strtok_r(names, " \n", &nsave);
		char *v = strtok_r(values, " \n", &vsave);

		if (!n || !v || strcmp(n, "TcpExt:"))
			continue;
		while ((n = strtok_r(NULL, " \n", &nsave)) &&
		       (v = strtok_r(NULL, " \n", &vsave)))
			if (!strcmp(n, "LockDroppedIcmps"))
				value = strtoll(v, NULL, 10);
	}
	fclose(f);
	return value;
}

/*
 * finish_nonblocking - after connect() said EINPROGRESS on FD: poll() until
 * the handshake has ended one way or the other, then SO_ERROR says how.
 */
static void finish_nonblocking(int fd, const struct sockaddr *peer, socklen_t len)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0, rc;
	socklen_t n = sizeof(err);

	do
		rc = poll(&p, 1, -1); /* the kernel's own SYN timeout ends it */
	while (rc < 0 && errno == EINTR);
	report_io("poll", fd, rc);
	if (rc < 0)
		return;
	/* POLLOUT: the handshake is over; POLLERR: with an error, POLLHUP: closed */
	report_note("poll_revents", "revents", p.revents);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &n) < 0)
		die("getsockopt SO_ERROR");
	errno = err;
	report_to("so_error", fd, err ? -1 : 0, peer, len);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage server;
	socklen_t serverlen = 0;
	long syn_retries = -1;
	long long dropped = -1;
	int lock_drops = 0, nonblock = 0, rc;
	double start;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--connect") && i + 1 < argc) {
			if (parse_endpoint(argv[++i], &server, &serverlen) < 0)
				usage();
		} else if (!strcmp(argv[i], "--syn-retries") && i + 1 < argc) {
			syn_retries = parse_number(argv[++i], "syn retries", 1, 255);
		} else if (!strcmp(argv[i], "--lock-drops")) {
			lock_drops = 1;
		} else if (!strcmp(argv[i], "--nonblock")) {
			nonblock = 1;
		} else {
			usage();
		}
	}
	if (serverlen == 0)
		usage();

	/* 1. Create a TCP socket. */
	fd = report("socket", -1, socket(server.ss_family, SOCK_STREAM, 0));
	if (fd < 0)
		return 1;

	/*
	 * How many times to resend an unanswered SYN before connect() gives
	 * up; without it the host's net.ipv4.tcp_syn_retries applies.
	 */
	if (syn_retries > 0) {
		int n = (int)syn_retries;

		if (report_option(fd, setsockopt(fd, IPPROTO_TCP, TCP_SYNCNT, &n, sizeof(n)),
				  "TCP_SYNCNT") < 0)
			return 1;
	}

	if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		die("fcntl O_NONBLOCK");

	/* 2. Connect, and time how long the answer takes. */
	if (lock_drops)
		dropped = lock_dropped_icmps();
	start = now_ms();
	rc = report_to("connect", fd, connect(fd, (struct sockaddr *)&server, serverlen),
		       (struct sockaddr *)&server, serverlen);
	if (nonblock && rc < 0 && errno == EINPROGRESS)
		finish_nonblocking(fd, (struct sockaddr *)&server, serverlen);
	report_note("connect_time", "elapsed_ms", (long long)(now_ms() - start + 0.5));
	if (dropped >= 0)
		report_note("lock_dropped_icmps", "count", lock_dropped_icmps() - dropped);

	/* 3. Close: a failed connect still holds a descriptor. */
	report("close", fd, close(fd));
	return 0;
}
