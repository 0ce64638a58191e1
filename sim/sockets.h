/*
 * sockets.h - a namespace's socket table, read from /proc/<pid>/net/{tcp,udp}[6]
 * (the table of the namespace that process is in), as ss(8) shows it.
 */
#ifndef PORTLAB_SOCKETS_H
#define PORTLAB_SOCKETS_H

#include <stdbool.h>

struct socket_entry {
	int proto;            /* IPPROTO_TCP or IPPROTO_UDP */
	char local[64];       /* "addr:port" or "[v6]:port" */
	char remote[64];
	const char *state;    /* "LISTEN", "ESTABLISHED", "TIME_WAIT", ... ("UNCONN" for unconnected UDP) */
	unsigned local_port;
	char local_addr[48];
};

/*
 * socktable_each - call FN for every TCP or UDP (PROTO) socket of the
 * namespace seen through NETDIR ("/proc/123/net"); stops when FN returns
 * true. Returns 1 if FN stopped it, 0 at the end, -1 if the table cannot be read.
 */
int socktable_each(const char *netdir, int proto,
		   bool (*fn)(const struct socket_entry *e, void *arg), void *arg);

/* socktable_has_listener - a listener (TCP) or bound socket (UDP) on ENDPOINT ("a:p", "*:p"), or on the wildcard of its port? */
bool socktable_has_listener(const char *netdir, int proto, const char *endpoint);

/* cmd_sockets_internal - print this namespace's sockets as JSON events (the "sockets" step). */
int cmd_sockets_internal(int argc, char **argv);

#endif
