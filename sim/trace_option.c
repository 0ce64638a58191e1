/*
 * trace_option.c - a setsockopt call's option as the lab programs' report_option
 * names it: "SO_REUSEADDR=1" for an int option, the bare name for others
 * (SO_BINDTODEVICE, SO_RCVTIMEO), "level L option N" for one we do not know.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <sys/socket.h>

#include "trace_int.h"

static const struct option_name {
	int level, name;
	const char *text;
	bool number;             /* an int option: "NAME=value" */
} option_names[] = {
	{ SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR", true },
	{ SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT", true },
	{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE", true },
	{ SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST", true },
	{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF", true },
	{ SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF", true },
	{ SOL_SOCKET, SO_OOBINLINE, "SO_OOBINLINE", true },
	{ SOL_SOCKET, SO_PRIORITY, "SO_PRIORITY", true },
	{ SOL_SOCKET, SO_MARK, "SO_MARK", true },
	{ SOL_SOCKET, SO_LINGER, "SO_LINGER", false },
	{ SOL_SOCKET, SO_RCVTIMEO, "SO_RCVTIMEO", false },
	{ SOL_SOCKET, SO_SNDTIMEO, "SO_SNDTIMEO", false },
	{ SOL_SOCKET, SO_BINDTODEVICE, "SO_BINDTODEVICE", false },
	{ IPPROTO_IP, IP_TTL, "IP_TTL", true },
	{ IPPROTO_IP, IP_TOS, "IP_TOS", true },
	{ IPPROTO_IP, IP_FREEBIND, "IP_FREEBIND", true },
	{ IPPROTO_IP, IP_TRANSPARENT, "IP_TRANSPARENT", true },
	{ IPPROTO_IP, IP_RECVERR, "IP_RECVERR", true },
	{ IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, "IP_BIND_ADDRESS_NO_PORT", true },
	{ IPPROTO_IP, IP_MTU_DISCOVER, "IP_MTU_DISCOVER", true },
	{ IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY", true },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS", true },
	{ IPPROTO_IPV6, IPV6_RECVERR, "IPV6_RECVERR", true },
	{ IPPROTO_IPV6, IPV6_TCLASS, "IPV6_TCLASS", true },
	{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY", true },
	{ IPPROTO_TCP, TCP_SYNCNT, "TCP_SYNCNT", true },
	{ IPPROTO_TCP, TCP_KEEPIDLE, "TCP_KEEPIDLE", true },
	{ IPPROTO_TCP, TCP_KEEPINTVL, "TCP_KEEPINTVL", true },
	{ IPPROTO_TCP, TCP_KEEPCNT, "TCP_KEEPCNT", true },
	{ IPPROTO_TCP, TCP_USER_TIMEOUT, "TCP_USER_TIMEOUT", true },
	{ IPPROTO_TCP, TCP_MAXSEG, "TCP_MAXSEG", true },
	{ IPPROTO_TCP, TCP_CORK, "TCP_CORK", true },
	{ IPPROTO_TCP, TCP_QUICKACK, "TCP_QUICKACK", true },
	{ IPPROTO_TCP, TCP_DEFER_ACCEPT, "TCP_DEFER_ACCEPT", true },
	{ IPPROTO_TCP, TCP_FASTOPEN, "TCP_FASTOPEN", true },
};

void trace_option_text(const struct task *t, char *buf, size_t cap)
{
	int level = (int)t->args[1], name = (int)t->args[2], value;

	for (size_t i = 0; i < sizeof(option_names) / sizeof(option_names[0]); i++) {
		const struct option_name *o = &option_names[i];
		if (o->level != level || o->name != name)
			continue;
		if (o->number && t->args[4] >= sizeof(int) && trace_read_mem(t, t->args[3], &value, sizeof(value)))
			snprintf(buf, cap, "%s=%d", o->text, value);
		else
			snprintf(buf, cap, "%s", o->text);
		return;
	}
	snprintf(buf, cap, "level %d option %d", level, name);
}
