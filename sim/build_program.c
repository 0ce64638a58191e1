/*
 * build_program.c - a student's submission into a program portlab can run
 * (see build_program.h). Source is compiled by compile.c, the one place a
 * compiler runs, contained like a program (sandbox_tool).
 */
#include "build_program.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compile.h"
#include "util.h"

/* say - one line of portlab's own into the compile log at PATH. */
static void say(const char *path, const char *fmt, const char *arg)
{
	FILE *f = fopen(path, "a");

	if (!f) {
		pl_warn_errno("%s", path);
		return;
	}
	fprintf(f, fmt, arg);
	fputc('\n', f);
	fclose(f);
}

int build_program(const char *submission, const char *outdir, char **binary, char **log_path)
{
	struct stat st;
	char *why = NULL;

	*binary = NULL;
	*log_path = xasprintf("%s/compile.log", outdir);
	int log = open(*log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0) {
		pl_warn_errno("%s", *log_path);
		return BUILD_ERROR;
	}
	close(log);
	if (stat(submission, &st) < 0) {
		say(*log_path, "portlab: %s: no such submission", submission);
		return BUILD_FAILED;
	}
	if (!needs_compiling(submission)) { /* an executable is used as it is */
		if (S_ISREG(st.st_mode) && (st.st_mode & S_IXUSR))
			*binary = realpath(submission, NULL);
		if (!*binary)
			say(*log_path, "portlab: %s is neither a .c file, a folder nor an executable",
			    submission);
		return *binary ? BUILD_OK : BUILD_FAILED;
	}
	*binary = compile_program(submission, outdir, "program", *log_path, &why);
	if (!*binary && why) /* what portlab saw, after what the compiler said */
		say(*log_path, "portlab: %s", why);
	free(why);
	return *binary ? BUILD_OK : BUILD_FAILED;
}
