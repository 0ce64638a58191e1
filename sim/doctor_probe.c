/* doctor_probe.c - find a program and run it for its output, for `portlab doctor`. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "doctor.h"
#include "util.h"

void check_set(struct check *c, enum check_status status, const char *fix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	free(c->found);
	c->found = xvasprintf(fmt, ap);
	va_end(ap);
	free(c->fix);
	c->fix = fix ? xstrdup(fix) : NULL;
	c->status = status;
}

static bool executable_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

char *find_program(const char *name)
{
	const char *env = getenv("PATH");
	char *dirs = xasprintf("%s:/usr/local/sbin:/usr/sbin:/sbin", env ? env : "/usr/bin:/bin");
	char *save = NULL, *found = NULL;

	for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
		char *path = xasprintf("%s/%s", *d ? d : ".", name);
		if (executable_file(path))
			found = path;
		else
			free(path);
	}
	free(dirs);
	return found;
}

/* read_all - read FD into OUT until end of file, keeping at most LEN-1 bytes. */
static void read_all(int fd, char *out, size_t len)
{
	size_t used = 0;
	char sink[512];

	for (;;) {
		bool full = used + 1 >= len;
		ssize_t n = full ? read(fd, sink, sizeof(sink)) : read(fd, out + used, len - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (!full)
			used += (size_t)n;
	}
	while (used && (out[used - 1] == '\n' || out[used - 1] == ' '))
		used--;
	out[used] = '\0';
}

int probe_output(char *const argv[], bool with_stderr, char *out, size_t len)
{
	int pipefd[2], status;
	pid_t pid;

	out[0] = '\0';
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		pl_warn_errno("doctor: pipe");
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pl_warn_errno("doctor: fork");
		close(pipefd[0]);
		close(pipefd[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(pipefd[1], STDOUT_FILENO);
		if (with_stderr || null < 0)
			dup2(pipefd[1], STDERR_FILENO);
		else
			dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s", argv[0], strerror(errno));
		_exit(127);
	}
	close(pipefd[1]);
	read_all(pipefd[0], out, len);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pl_warn_errno("doctor: wait for %s", argv[0]);
			return -1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
