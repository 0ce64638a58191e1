/* sockets.c - read a namespace's socket table (see sockets.h). */
#include "sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "record.h"

static const char *const tcp_states[] = {
	"?", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2", "TIME_WAIT",
	"CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN", "CLOSING", "NEW_SYN_RECV",
};

/* decode_address - the kernel prints each 32-bit word of an address in host order. */
static bool decode_address(const char *hex, unsigned port, char *addr, size_t alen, char *out, size_t olen)
{
	uint8_t bytes[16];
	size_t words = strlen(hex) / 8;

	if (words != 1 && words != 4)
		return false;
	for (size_t i = 0; i < words; i++) {
		char chunk[9];
		memcpy(chunk, hex + i * 8, 8);
		chunk[8] = '\0';
		uint32_t w = (uint32_t)strtoul(chunk, NULL, 16);
		memcpy(bytes + i * 4, &w, 4);
	}
	if (!inet_ntop(words == 1 ? AF_INET : AF_INET6, bytes, addr, (socklen_t)alen))
		return false;
	snprintf(out, olen, words == 1 ? "%s:%u" : "[%s]:%u", addr, port);
	return true;
}

int socktable_each(const char *netdir, int proto,
		   bool (*fn)(const struct socket_entry *e, void *arg), void *arg)
{
	const char *names[2] = { proto == IPPROTO_TCP ? "tcp" : "udp",
				 proto == IPPROTO_TCP ? "tcp6" : "udp6" };
	int read_any = 0;

	for (int t = 0; t < 2; t++) {
		char path[256], line[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", netdir, names[t]);
		f = fopen(path, "r");
		if (!f)
			continue;
		read_any = 1;
		if (!fgets(line, sizeof(line), f)) { /* the heading */
			fclose(f);
			continue;
		}
		while (fgets(line, sizeof(line), f)) {
			struct socket_entry e = { .proto = proto };
			char lhex[40], rhex[40], raddr[48];
			unsigned lport, rport, st;

			if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x", lhex, &lport,
				   rhex, &rport, &st) != 5)
				continue;
			if (!decode_address(lhex, lport, e.local_addr, sizeof(e.local_addr), e.local, sizeof(e.local)) ||
			    !decode_address(rhex, rport, raddr, sizeof(raddr), e.remote, sizeof(e.remote)))
				continue;
			e.local_port = lport;
			if (proto == IPPROTO_UDP)
				e.state = st == 1 ? "ESTABLISHED" : "UNCONN";
			else
				e.state = st < sizeof(tcp_states) / sizeof(tcp_states[0]) ? tcp_states[st] : "?";
			if (fn(&e, arg)) {
				fclose(f);
				return 1;
			}
		}
		fclose(f);
	}
	return read_any ? 0 : -1;
}

struct listener_query {
	const char *addr;  /* NULL: any */
	unsigned port;
};

static bool is_listener(const struct socket_entry *e, void *arg)
{
	const struct listener_query *q = arg;

	if (e->local_port != q->port)
		return false;
	if (e->proto == IPPROTO_TCP && strcmp(e->state, "LISTEN"))
		return false;
	if (!q->addr || !strcmp(q->addr, e->local_addr))
		return true;
	/* a wildcard listener takes the address too: a client can reach it there
	 * (:: takes IPv4 as well unless IPV6_V6ONLY, which the table does not show) */
	return !strcmp(e->local_addr, "::") ||
	       (!strcmp(e->local_addr, "0.0.0.0") && !strchr(q->addr, ':'));
}

bool socktable_has_listener(const char *netdir, int proto, const char *endpoint)
{
	char addr[64];
	struct listener_query q;

	if (!strncmp(endpoint, "*:", 2)) {
		q.addr = NULL;
		q.port = (unsigned)atoi(endpoint + 2);
	} else if (endpoint_split(endpoint, addr, sizeof(addr), &q.port)) {
		q.addr = addr;
	} else {
		return false;
	}
	return socktable_each(netdir, proto, is_listener, &q) == 1;
}

/* The host's ephemeral range, to tell which side of a connection opened it. */
static unsigned range_lo = 32768, range_hi = 60999;

static bool ephemeral(unsigned port)
{
	return port >= range_lo && port <= range_hi;
}

static bool print_entry(const struct socket_entry *e, void *arg)
{
	char addr[64];
	unsigned rport = 0;

	struct timeval tv;

	(void)arg;
	gettimeofday(&tv, NULL); /* so that the table sorts where it was read among the events */
	printf("{\"t\":%lld.%06ld,\"call\":\"socket-table\",\"proto\":\"%s\",\"state\":\"%s\","
	       "\"local\":\"%s\"", (long long)tv.tv_sec, (long)tv.tv_usec,
	       e->proto == IPPROTO_TCP ? "tcp" : "udp", e->state, e->local);
	if (strcmp(e->state, "LISTEN") && strcmp(e->state, "UNCONN")) {
		printf(",\"remote\":\"%s\"", e->remote);
		/* the table does not say who connected; an ephemeral port on one
		 * side only is the client's */
		if (endpoint_split(e->remote, addr, sizeof(addr), &rport) &&
		    ephemeral(rport) && !ephemeral(e->local_port))
			printf(",\"opened_by\":\"remote\"");
		else if (ephemeral(e->local_port) && !ephemeral(rport))
			printf(",\"opened_by\":\"local\"");
	}
	printf("}\n");
	return false;
}

int cmd_sockets_internal(int argc, char **argv)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	(void)argc;
	(void)argv;
	if (f) {
		if (fscanf(f, "%u %u", &range_lo, &range_hi) != 2)
			range_lo = 32768, range_hi = 60999;
		fclose(f);
	}
	if (socktable_each("/proc/self/net", IPPROTO_TCP, print_entry, NULL) < 0 ||
	    socktable_each("/proc/self/net", IPPROTO_UDP, print_entry, NULL) < 0) {
		fprintf(stderr, "portlab: cannot read /proc/self/net\n");
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
