/*
 * try_connect - one TCP connect() to ADDR:PORT, and how long the kernel
 * took to say yes or no.
 *
 *   try_connect --connect 203.0.113.80:81 [--syn-retries N] [--lock-drops]
 *
 * The errno and the time together tell what happened on the way:
 *   ECONNREFUSED  at once   the host is there, nothing listens: it sent a RST
 *   EHOSTUNREACH  soon      a router sent ICMP unreachable (or prohibited)
 *   EHOSTUNREACH  later     nobody answered our ARP on the local link
 *   EACCES        at once   our own routing table prohibits the destination
 *   ETIMEDOUT     seconds   nobody answered at all: SYNs resent, then given up
 *
 * Steps: socket, (setsockopt TCP_SYNCNT), connect, close.
 * Events: socket, setsockopt, connect, then the note "connect_time"
 * (field elapsed_ms). With --lock-drops, also the note "lock_dropped_icmps"
 * (field count): how many ICMP errors reached this host's TCP sockets
 * while connect() itself held the socket busy, which Linux keeps only as
 * a "soft" error (see lock_dropped_icmps()). The counter is the host's,
 * so it is only meaningful while no other connect of the host gets ICMP.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static void usage(void)
{
	fprintf(stderr, "usage: try_connect --connect ADDR:PORT [--syn-retries N] [--lock-drops]\n");
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

int main(int argc, char **argv)
{
	struct sockaddr_storage server;
	socklen_t serverlen = 0;
	long syn_retries = -1;
	long long dropped = -1;
	int lock_drops = 0;
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

	/* 2. Connect, and time how long the answer takes. */
	if (lock_drops)
		dropped = lock_dropped_icmps();
	start = now_ms();
	report_to("connect", fd, connect(fd, (struct sockaddr *)&server, serverlen),
		  (struct sockaddr *)&server, serverlen);
	report_note("connect_time", "elapsed_ms", (long long)(now_ms() - start + 0.5));
	if (dropped >= 0)
		report_note("lock_dropped_icmps", "count", lock_dropped_icmps() - dropped);

	/* 3. Close: a failed connect still holds a descriptor. */
	report("close", fd, close(fd));
	return 0;
}
