/* eventnames.c - the calls and fields events have (see eventnames.h). */
#include "eventnames.h"

#include <string.h>

/*
 * Socket calls as scenarios/lib/report.c names them (report's first
 * argument), the "sockets" step's socket-table, and the notes that the
 * library itself writes (raise_fd_limit), and "output": a line a program
 * printed that is no event (a traced program's every line), with its text.
 * Notes of a lab's own programs are declared in its lab file with 'note'.
 */
const char *const event_calls[] = {
	"socket", "socketpair", "bind", "listen", "accept", "accept4", "connect",
	"send", "sendto", "sendmsg", "sendmmsg", "recv", "recvfrom", "recvmsg", "recvmmsg",
	"read", "write", "readv", "writev", "setsockopt", "getsockopt", "getsockname",
	"getpeername", "shutdown", "close", "poll", "select", "epoll_wait",
	"socket-table", "rlimit-nofile", "output", NULL,
};

/*
 * What report.c writes (t, call, fd, ok, errno, error, local, remote,
 * option, listen_fd, bytes, soft for rlimit-nofile), what the socket-table
 * step writes (proto, state, opened_by), and what portlab adds (role, host,
 * seq, the four endpoint parts, tuple). A lab's report_tag keys and note
 * keys are declared in its lab file with 'tag' and 'note'.
 */
const char *const event_fields[] = {
	"t", "call", "fd", "ok", "errno", "error", "local", "remote", "option",
	"listen_fd", "bytes", "soft", "proto", "state", "opened_by", "role", "host", "seq",
	"local_addr", "local_port", "remote_addr", "remote_port", "tuple", "text", "t_called",
	NULL,
};

static bool listed(const char *const *list, const char *name)
{
	for (size_t i = 0; list[i]; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

bool event_call_known(const char *call)
{
	return listed(event_calls, call);
}

bool event_field_known(const char *field)
{
	return listed(event_fields, field);
}
