/*
 * await_listener - wait until this host has a socket listening (TCP) or
 * bound (UDP) on PORT, on any address, or until the time is up. It never
 * fails: a student's server that listens elsewhere, or not at all, must
 * still meet the clients, so that the run shows what they saw.
 *
 *   await_listener --port PORT [--udp] [--timeout S]
 *
 * Reports one "await" event: found=1 when the listener came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "report.h"

/* has_listener - does /proc/net/FILE hold a socket on PORT in state STATE (hex, "0A" LISTEN)? */
static int has_listener(const char *file, long port, unsigned state)
{
	char path[64], line[512];
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "/proc/net/%s", file);
	if (!(f = fopen(path, "r")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned lport, st;
		/* "  0: 0100007F:1F90 00000000:0000 0A ..." (IPv6: 32 hex digits) */
		if (sscanf(line, " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x", &lport, &st) == 2)
			found = (long)lport == port && st == state;
	}
	fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	long port = 0, timeout = 3;
	int udp = 0, found = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--port") && i + 1 < argc)
			port = parse_number(argv[++i], "port", 1, 65535);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = parse_number(argv[++i], "timeout", 1, 60);
		else if (!strcmp(argv[i], "--udp"))
			udp = 1;
		else
			port = 0, i = argc;
	}
	if (!port) {
		fprintf(stderr, "usage: await_listener --port PORT [--udp] [--timeout S]\n");
		return 2;
	}
	/* 0A is TCP_LISTEN; an unconnected UDP socket is 07 (TCP_CLOSE) in /proc/net/udp */
	const char *v4 = udp ? "udp" : "tcp", *v6 = udp ? "udp6" : "tcp6";
	unsigned state = udp ? 0x07 : 0x0A;
	for (long tries = 0; tries < timeout * 100 && !found; tries++) {
		found = has_listener(v4, port, state) || has_listener(v6, port, state);
		if (!found)
			nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
	report_note("await", "found", found);
	return 0;
}
