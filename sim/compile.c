/*
 * compile.c - take source (see compile.h): a .c file, a folder with .c
 * files, or a folder with a Makefile becomes a program in the run's folder.
 */
#include "compile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "steps.h"
#include "sandbox.h"
#include "util.h"

bool needs_compiling(const char *path)
{
	struct stat st;
	size_t n = strlen(path);

	if (n > 2 && !strcmp(path + n - 2, ".c"))
		return true;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* run_tool - ARGV in folder CWD (or here), output into LOG, at most COMPILE_TIMEOUT s; its wait status or -1. */
static int run_tool(char *const argv[], const char *cwd, const char *log, char **why,
		    bool contained)
{
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int status = -1;

	if (out < 0) {
		*why = xasprintf("%s: %s", log, strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		*why = xasprintf("fork: %s", strerror(errno));
		close(out);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		setpgid(0, 0); /* the timeout stops make and everything it started */
		if (null < 0 || dup2(null, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0 ||
		    (cwd && chdir(cwd) < 0))
			_exit(127);
		/* a student's Makefile or source is input like any other: contained */
		if (contained && sandbox_tool() < 0) {
			fprintf(stderr, "portlab: cannot contain %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		setenv("LC_ALL", "C", 1); /* plain quotes in messages: they reach a terminal */
		execvp(argv[0], argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(out);
	setpgid(pid, pid);
	double deadline = now_seconds() + COMPILE_TIMEOUT;
	pid_t got;
	while ((got = waitpid(pid, &status, WNOHANG)) == 0 && now_seconds() < deadline)
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	if (got == 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, &status, 0);
		*why = xasprintf("%s took more than %d s and was stopped", argv[0], COMPILE_TIMEOUT);
		return -1;
	}
	if (got < 0) {
		*why = xasprintf("waitpid: %s", strerror(errno));
		return -1;
	}
	return status;
}

/* first_errors - the compiler's first error lines in LOG (else its first lines), joined by "; ". */
static char *first_errors(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512], *text = xstrdup(""), *first = xstrdup("");
	int errors = 0, lines = 0;

	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		for (char *c = line; *c; c++) /* it goes to a terminal */
			if ((unsigned char)*c < 0x20 || (unsigned char)*c >= 0x7f)
				*c = '?';
		char **into = strstr(line, "error") ? &text : &first;
		int *count = into == &text ? &errors : &lines;
		if (*count >= 3 || !line[0])
			continue;
		char *joined = xasprintf("%s%s%s", *into, **into ? "; " : "", line);
		free(*into);
		*into = joined;
		(*count)++;
	}
	if (f)
		fclose(f);
	if (!errors) {
		free(text);
		return first;
	}
	free(first);
	return text;
}

/* sources - the .c files in folder SRC as compiler arguments (names only) after the N0 given; NULL if none. */
static char **sources(const char *src, char **head, size_t n0)
{
	DIR *d = opendir(src);
	struct dirent *e;
	char **argv = xcalloc(n0 + 1, sizeof(char *));
	size_t n = n0;

	memcpy(argv, head, n0 * sizeof(char *));
	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 3 || strcmp(e->d_name + len - 2, ".c") || e->d_name[0] == '.')
			continue;
		argv = xrealloc(argv, (n + 2) * sizeof(char *));
		argv[n++] = xstrdup(e->d_name); /* the compiler runs in SRC */
	}
	if (d)
		closedir(d);
	argv[n] = NULL;
	if (n == n0) {
		free(argv);
		return NULL;
	}
	return argv;
}

/* made_program - the one executable file that make made in BUILD (absent from SRC), or NULL. */
static char *made_program(const char *build, const char *src, char **why)
{
	DIR *d = opendir(build);
	struct dirent *e;
	char *found = NULL;
	int n = 0;

	while (d && (e = readdir(d))) {
		char *path = xasprintf("%s/%s", build, e->d_name), *orig = xasprintf("%s/%s", src, e->d_name);
		struct stat st;
		if (e->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & S_IXUSR) && access(orig, F_OK) != 0) {
			n++;
			free(found);
			found = xstrdup(path);
		}
		free(path);
		free(orig);
	}
	if (d)
		closedir(d);
	if (n != 1) {
		*why = xasprintf("make built %d new programs in %s; portlab wants exactly one", n, build);
		free(found);
		return NULL;
	}
	return found;
}

/*
 * build_folder - DIR/NAME.build with a copy of SRC (a file, or a folder's
 * contents), owned by the uid the compiler runs as; NULL with *WHY.
 */
static char *build_folder(const char *src, const char *dir, const char *name, const char *log,
			  bool is_dir, char **why)
{
	char *build = xasprintf("%s/%s.build", dir, name);
	char *from = is_dir ? xasprintf("%s/.", src) : xstrdup(src);
	char owner[32];
	char *cp[] = { "cp", "-R", from, build, NULL }, *own[] = { "chown", "-R", owner, build, NULL };

	snprintf(owner, sizeof(owner), "%u:%u", SANDBOX_TOOL_UID, SANDBOX_TOOL_UID);
	if (mkdir(build, 0755) < 0 && errno != EEXIST)
		*why = xasprintf("mkdir %s: %s", build, strerror(errno));
	else if (run_tool(cp, NULL, log, why, false) != 0)
		*why = *why ? *why : xasprintf("could not copy %s to %s", src, build);
	else if (uid_mapped(SANDBOX_TOOL_UID) && run_tool(own, NULL, log, why, false) != 0)
		*why = *why ? *why : xasprintf("could not give %s to the compiler's uid", build);
	free(from);
	if (*why) {
		free(build);
		return NULL;
	}
	return build;
}

char *compile_program(const char *src, const char *dir, const char *name, const char *log,
		      char **why)
{
	char *makefile = xasprintf("%s/Makefile", src), *made = NULL;
	struct stat st = { 0 };

	*why = NULL;
	bool is_dir = stat(src, &st) == 0 && S_ISDIR(st.st_mode);
	bool make = is_dir && access(makefile, F_OK) == 0;
	free(makefile);
	char *build = build_folder(src, dir, name, log, is_dir, why);
	if (!build)
		return NULL;
	if (make) {
		char *argv[] = { "make", NULL };
		if (run_tool(argv, build, log, why, true) != 0)
			*why = *why ? *why : first_errors(log);
		else
			made = made_program(build, src, why);
		free(build);
		return made;
	}
	char *head[] = { "cc", "-O2", "-Wall", "-o", (char *)name };
	char **argv = sources(build, head, 5);
	if (!argv)
		*why = xasprintf("%s holds no Makefile and no .c file", src);
	else if (run_tool(argv, build, log, why, true) != 0 && !*why)
		*why = first_errors(log);
	for (size_t i = 5; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
	if (!*why) { /* the program beside the run's other files, where it always was */
		char *in = xasprintf("%s/%s", build, name);
		made = xasprintf("%s/%s", dir, name);
		if (rename(in, made) < 0) {
			*why = xasprintf("rename %s: %s", in, strerror(errno));
			free(made);
			made = NULL;
		}
		free(in);
	}
	free(build);
	return made;
}

/* how_built - what compile_program will do with SRC, for the progress line. */
static const char *how_built(const char *src)
{
	static char text[4200];
	struct stat st;
	char *makefile = xasprintf("%s/Makefile", src);
	bool folder = stat(src, &st) == 0 && S_ISDIR(st.st_mode);

	if (folder && access(makefile, F_OK) == 0)
		snprintf(text, sizeof(text), "make, in a copy of %s", src);
	else
		snprintf(text, sizeof(text), "cc -O2 -Wall %s%s", src, folder ? "/*.c" : "");
	free(makefile);
	return text;
}

static void add_built(struct runner *r, const char *role, char *path)
{
	r->built = xrealloc(r->built, (r->nbuilt + 1) * sizeof(*r->built));
	r->built[r->nbuilt++] = (struct built){ .role = xstrdup(role), .path = path };
}

void runner_compile(struct runner *r)
{
	for (size_t i = 0; i < r->nuse; i++) {
		size_t rl = strcspn(r->use[i], "=");
		char *role = xasprintf("%.*s", (int)rl, r->use[i]);
		const char *src = used_program(r, role);
		if (src != r->use[i] + rl + 1 || !needs_compiling(src)) { /* a later --use counts */
			free(role);
			continue;
		}
		char *log = xasprintf("%s/%s.compile", r->dir, role), *why = NULL;
		if (r->progress)
			fprintf(stderr, "  build %s: %s\n", role, how_built(src));
		char *path = compile_program(src, r->dir, role, log, &why);
		if (!path)
			runner_problem(r, "%s: %s did not compile: %s (all of it in %s)", role, src, why, log);
		add_built(r, role, path);
		free(why);
		free(log);
		free(role);
	}
}

const char *built_program(const struct runner *r, const char *role)
{
	for (size_t i = 0; i < r->nbuilt; i++)
		if (!strcmp(r->built[i].role, role))
			return r->built[i].path;
	return NULL;
}

bool compile_failed(const struct runner *r, const char *role)
{
	for (size_t i = 0; i < r->nbuilt; i++)
		if (!strcmp(r->built[i].role, role))
			return !r->built[i].path;
	return false;
}
