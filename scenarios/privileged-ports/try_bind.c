/*
 * try_bind - may this process bind these ports? Ask the kernel.
 *
 * Linux refuses bind() to a port below net.ipv4.ip_unprivileged_port_start
 * (1024 unless someone changed it, per network namespace) with EACCES,
 * unless the process has CAP_NET_BIND_SERVICE. Root has every capability;
 * "nobody" has none. The program first says who it is, then tries:
 *
 *	1. report the uid, the capability, and the sysctl of this namespace
 *	2. for each ADDR:PORT: socket(), bind(), close()
 *
 * Each attempt is tagged "want": the ADDR:PORT asked for (a failed bind
 * has no local address to show). A refused bind is a result, not an error.
 *
 * usage: try_bind [--udp] ADDR:PORT...
 */
#include "report.h"

#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSCTL	"/proc/sys/net/ipv4/ip_unprivileged_port_start"

static void usage(void)
{
	fprintf(stderr, "usage: try_bind [--udp] ADDR:PORT...\n");
	exit(2);
}

/* unprivileged_port_start - the sysctl as this namespace sees it. */
static long unprivileged_port_start(void)
{
	FILE *f = fopen(SYSCTL, "r");
	long v;

	if (!f)
		die(SYSCTL);
	if (fscanf(f, "%ld", &v) != 1) {
		fprintf(stderr, "try_bind: %s: not a number\n", SYSCTL);
		exit(1);
	}
	fclose(f);
	return v;
}

/* can_bind_service - 1 if CAP_NET_BIND_SERVICE is in our effective set. */
static int can_bind_service(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long long eff = 0;
	char line[256];

	if (!f)
		die("/proc/self/status");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	return (eff >> CAP_NET_BIND_SERVICE) & 1;
}

/* try_one - socket, bind to TEXT, close; returns 0 or -1 (bind refused). */
static int try_one(const char *text, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, rc;

	if (parse_endpoint(text, &ss, &len) < 0)
		usage();
	report_tag("want", text);
	fd = report("socket", -1, socket(ss.ss_family, type, 0));
	if (fd < 0)
		die("socket");
	rc = report("bind", fd, bind(fd, (struct sockaddr *)&ss, len));
	if (report("close", fd, close(fd)) < 0)
		die("close");
	report_tag("want", NULL);
	return rc;
}

int main(int argc, char **argv)
{
	int type = SOCK_STREAM, i = 1;

	if (i < argc && strcmp(argv[i], "--udp") == 0) {
		type = SOCK_DGRAM;
		i++;
	}
	if (i >= argc)
		usage();

	report_note("uid", "uid", (long long)getuid());
	report_note("cap_net_bind_service", "value", can_bind_service());
	report_note("ip_unprivileged_port_start", "value",
		    unprivileged_port_start());
	for (; i < argc; i++)
		try_one(argv[i], type);
	return 0;
}
