/*
 * sandbox_outcome.c - what a contained program ran into, in words, read by
 * the runner after the keeper ended: its cgroups' counters, how it ended,
 * and what it said on stderr (a refusal, or init's count of the processes
 * it left running).
 */
#include "sandbox.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

const char *sandbox_thousands(long long n)
{
	static char buf[32];
	char raw[24];
	int len = snprintf(raw, sizeof(raw), "%lld", n), o = 0;

	for (int i = 0; i < len; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = '\0';
	return buf;
}

/* refusals - lines of the tail of ERRLOG where the program says it was refused. */
static void refusals(const char *errlog, void (*fn)(void *, const char *, bool), void *arg)
{
	static const char *const said[] = { "Read-only file system", "Permission denied",
		"Operation not permitted", "Cannot allocate memory", "Resource temporarily unavailable" };
	char tail[4096], *save = NULL;
	int fd = open(errlog, O_RDONLY | O_CLOEXEC), shown = 0;
	off_t size;
	ssize_t n;

	if (fd < 0)
		return;
	size = lseek(fd, 0, SEEK_END);
	n = pread(fd, tail, sizeof(tail) - 1, size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0);
	close(fd);
	if (n <= 0)
		return;
	tail[n] = '\0';
	for (char *line = strtok_r(tail, "\n", &save); line && shown < 6; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, SANDBOX_LEFT_PREFIX, strlen(SANDBOX_LEFT_PREFIX))) {
			fn(arg, line + strlen(SANDBOX_LEFT_PREFIX), true);
			continue;
		}
		for (size_t i = 0; i < sizeof(said) / sizeof(said[0]); i++) {
			char *at = strstr(line, said[i]);
			if (!at)
				continue;
			for (char *c = at; *c; c++) /* "read-only file system", as in a sentence */
				*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
			for (char *c = line; *c; c++)
				if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
					*c = '?';
			char *msg = xasprintf("refused: %.200s", line);
			fn(arg, msg, false);
			free(msg);
			shown++;
			break;
		}
	}
}

void sandbox_outcome(const struct sandbox *sb, int status, double cpu_seconds,
		     const char *errlog, void (*fn)(void *arg, const char *what, bool limit),
		     void *arg)
{
	long long refused = sandbox_cgroup_count(sb, CG_PIDS, "pids.events", "max");
	long long oom = sandbox_cgroup_count(sb, CG_MEMORY, sb->cgroup_version == 2 ?
					     "memory.events" : "memory.oom_control", "oom_kill");
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	char *msg = NULL;

	if (!sb->on)
		return;
	if (refused > 0)
		msg = xasprintf("%lld processes: fork refused %s times", sb->lim.procs, sandbox_thousands(refused));
	if (msg) {
		fn(arg, msg, true);
		free(msg);
		msg = NULL;
	}
	if (oom > 0)
		msg = xasprintf("killed: memory limit %s", sandbox_size(sb->lim.memory));
	else if (sig == SIGXCPU || (sig == SIGKILL && cpu_seconds + 0.5 >= (double)sb->lim.cpu))
		msg = xasprintf("killed: CPU time limit %lld s", sb->lim.cpu);
	else if (sig == SIGXFSZ)
		msg = xasprintf("stopped: file size limit %s", sandbox_size(sb->lim.fsize));
	if (msg) {
		fn(arg, msg, true);
		free(msg);
	}
	refusals(errlog, fn, arg);
}
