/* cmdline.c - shared option and signal handling (see cmdline.h). */
#include "cmdline.h"

#include <signal.h>
#include <string.h>

#include "util.h"

bool name_value(const char *option, char *arg, char ***v, size_t *n)
{
	if (!strchr(arg, '=') || arg[0] == '=') {
		pl_warn("--%s wants NAME=VALUE, not '%s'", option, arg);
		return false;
	}
	*v = xrealloc(*v, sizeof(char *) * (*n + 1));
	(*v)[(*n)++] = arg;
	return true;
}

void catch_stop_signals(void (*handler)(int))
{
	static const int stops[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa = { .sa_handler = handler };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++)
		sigaction(stops[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
