/* build_program.c - compile a submission with a time limit (see build_program.h). */
#include "build_program.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

/*
 * run_limited - run ARGV in folder CWD (NULL: here) with stdout and stderr
 * appended to LOG, killed after BUILD_SECONDS. Returns its exit status,
 * 124 when it took too long, -1 when it could not start.
 */
static int run_limited(char *const *argv, const char *cwd, int log)
{
	pid_t pid = fork();

	if (pid < 0) {
		pl_warn_errno("fork");
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0); /* make runs children of its own: kill them all at the limit */
		if (dup2(log, STDOUT_FILENO) < 0 || dup2(log, STDERR_FILENO) < 0 ||
		    (cwd && chdir(cwd) < 0))
			_exit(127);
		execvp(argv[0], argv);
		dprintf(log, "portlab: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	double deadline = now_seconds() + BUILD_SECONDS;
	int status;
	for (;;) {
		pid_t got = waitpid(pid, &status, WNOHANG);
		if (got == pid)
			break;
		if (got < 0 && errno != EINTR) {
			pl_warn_errno("waitpid");
			return -1;
		}
		if (now_seconds() > deadline) {
			kill(-pid, SIGKILL);
			waitpid(pid, &status, 0);
			dprintf(log, "portlab: the build took more than %d s and was stopped\n",
				BUILD_SECONDS);
			return 124;
		}
		nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* c_files - the .c files of folder DIR, sorted by name; NULL-terminated, *N of them. */
static char **c_files(const char *dir, size_t *n)
{
	struct dirent **list;
	int k = scandir(dir, &list, NULL, alphasort);
	char **files = xcalloc(k > 0 ? (size_t)k + 1 : 1, sizeof(char *));

	*n = 0;
	for (int i = 0; i < k; i++) {
		if (has_suffix(list[i]->d_name, ".c"))
			files[(*n)++] = xasprintf("%s/%s", dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return files;
}

/* compile - cc -O2 -Wall -o OUT SOURCES... */
static int compile(char **sources, size_t n, const char *out, int log)
{
	char **argv = xcalloc(n + 8, sizeof(char *));
	size_t a = 0;

	argv[a++] = "cc";
	argv[a++] = "-O2";
	argv[a++] = "-Wall";
	argv[a++] = "-o";
	argv[a++] = (char *)out;
	for (size_t i = 0; i < n; i++)
		argv[a++] = sources[i];
	argv[a++] = "-lpthread";
	int rc = run_limited(argv, NULL, log);
	free(argv);
	return rc;
}

/* made_program - the executable a Makefile left in DIR (the first by name), or NULL. */
static char *made_program(const char *dir)
{
	struct dirent **list;
	int k = scandir(dir, &list, NULL, alphasort);
	char *found = NULL;

	for (int i = 0; i < k; i++) {
		char *path = xasprintf("%s/%s", dir, list[i]->d_name);
		struct stat st;
		if (!found && list[i]->d_name[0] != '.' && stat(path, &st) == 0 &&
		    S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR) && !has_suffix(path, ".sh"))
			found = path;
		else
			free(path);
		free(list[i]);
	}
	free(list);
	return found;
}

/* build_folder - a folder: its Makefile, or every .c file in it compiled together. */
static int build_folder(const char *src, const char *outdir, const char *out, int log, char **binary)
{
	char *makefile = xasprintf("%s/Makefile", src);
	bool has_make = access(makefile, F_OK) == 0;
	int rc;

	free(makefile);
	if (has_make) { /* built in a copy: the class folder stays as it was handed in */
		char *copy = xasprintf("%s/src", outdir);
		char *cp[] = { "cp", "-r", "--", (char *)src, copy, NULL };
		char *mk[] = { "make", "-s", NULL };
		rc = run_limited(cp, NULL, log);
		if (rc == 0)
			rc = run_limited(mk, copy, log);
		if (rc == 0 && !(*binary = made_program(copy))) {
			dprintf(log, "portlab: make left no executable file in the folder\n");
			rc = 1;
		}
		free(copy);
		return rc;
	}
	size_t n;
	char **files = c_files(src, &n);
	if (!n) {
		dprintf(log, "portlab: %s holds no Makefile and no .c file\n", src);
		rc = 1;
	} else {
		rc = compile(files, n, out, log);
	}
	free_strings(files, n);
	if (rc == 0)
		*binary = xstrdup(out);
	return rc;
}

int build_program(const char *submission, const char *outdir, char **binary, char **log_path)
{
	char *out = xasprintf("%s/program", outdir);
	struct stat st;
	int rc, log;

	*binary = NULL;
	*log_path = xasprintf("%s/compile.log", outdir);
	log = open(*log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0) {
		pl_warn_errno("%s", *log_path);
		free(out);
		return BUILD_ERROR;
	}
	if (stat(submission, &st) < 0) {
		dprintf(log, "portlab: %s: %s\n", submission, strerror(errno));
		rc = 1;
	} else if (S_ISDIR(st.st_mode)) {
		rc = build_folder(submission, outdir, out, log, binary);
	} else if (has_suffix(submission, ".c")) {
		char *src[] = { (char *)submission };
		rc = compile(src, 1, out, log);
		if (rc == 0)
			*binary = xstrdup(out);
	} else if (S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR)) {
		*binary = realpath(submission, NULL);
		rc = *binary ? 0 : 1;
	} else {
		dprintf(log, "portlab: %s is neither a .c file, a folder nor an executable\n",
			submission);
		rc = 1;
	}
	close(log);
	free(out);
	if (rc < 0)
		return BUILD_ERROR;
	return rc == 0 && *binary ? BUILD_OK : BUILD_FAILED;
}
