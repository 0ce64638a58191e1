/* toolrun.c - run ip, nft and tc inside lab namespaces and read their logs (see toolrun.h). */
#include "toolrun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

#define AT_ONCE 8   /* ip processes at a time: enough to keep two cores busy while others wait for the kernel */

pid_t run_spawn(char *const argv[], const char *log, const char *netns)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pl_warn_errno("fork");
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0); /* Ctrl-C is portlab's to handle: ip must finish what it began */
		if (log) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
			if (fd >= 0) {
				dup2(fd, STDERR_FILENO);
				dup2(fd, STDOUT_FILENO);
			}
		}
		if (netns && netns_enter(netns) < 0) {
			fprintf(stderr, "portlab: enter %s: %s\n", netns, strerror(errno));
			_exit(126);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "portlab: run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

int run_reap(pid_t pid, const char *what)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pl_warn_errno("wait for %s", what);
			return -1;
		}
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int run_wait(char *const argv[], const char *log, const char *netns)
{
	pid_t pid = run_spawn(argv, log, netns);

	return pid < 0 ? -1 : run_reap(pid, argv[0]);
}

void show_log(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "    %s", line);
	fclose(f);
}

bool log_says(const char *log, const char *text)
{
	FILE *f = fopen(log, "r");
	char line[512];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = strstr(line, text) != NULL;
	if (f)
		fclose(f);
	return found;
}

int script_line(const char *log, const char *marker)
{
	FILE *f = fopen(log, "r");
	char text[512];
	int line = 0;

	while (f && !line && fgets(text, sizeof(text), f)) {
		char *at = strstr(text, marker);
		if (at)
			line = atoi(at + strlen(marker));
	}
	if (f)
		fclose(f);
	return line;
}

/* ip_failed - say why job J failed; -1, or TOPO_LAB_ERROR for a refused lab line. */
static int ip_failed(const struct ip_job *j, const char *lab_file)
{
	if (j->status == 127) {
		pl_warn("ip (iproute2) is not installed: apt-get install iproute2");
		return -1;
	}
	int bad = script_line(j->log, ".ip:");
	if (j->lines && bad >= 1 && (size_t)bad <= j->nlines && j->lines[bad - 1]) {
		fprintf(stderr, "%s:%d: the kernel refused this line (ip -batch %s:%d said):\n",
			lab_file, j->lines[bad - 1], j->file, bad);
		show_log(j->log);
		return TOPO_LAB_ERROR;
	}
	pl_warn("building the topology failed: ip -batch %s said:", j->file);
	show_log(j->log);
	return -1;
}

int ip_batches(struct ip_job *jobs, size_t n, const char *lab_file)
{
	size_t started = 0, reaped = 0;

	for (size_t i = 0; i < n; i++) /* each its own log: several write at once */
		if (truncate(jobs[i].log, 0) < 0 && errno != ENOENT)
			pl_warn_errno("%s", jobs[i].log);
	while (reaped < n) {
		while (started < n && started - reaped < AT_ONCE) {
			struct ip_job *j = &jobs[started++];
			char *argv[] = { "ip", "-batch", (char *)j->file, NULL };
			j->pid = run_spawn(argv, j->log, j->ns);
			j->status = j->pid < 0 ? -1 : 0;
		}
		struct ip_job *j = &jobs[reaped++];
		if (j->pid > 0)
			j->status = run_reap(j->pid, "ip");
	}
	for (size_t i = 0; i < n; i++)
		if (jobs[i].status != 0)
			return ip_failed(&jobs[i], lab_file);
	return 0;
}
