/* labfiles.c - a program's lab folder and run folder (see labfiles.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* program_invocation_short_name */
#endif
#include "labfiles.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* copy - TEXT into BUF; returns BUF, or NULL if it does not fit. */
static const char *copy(char *buf, size_t len, const char *text)
{
	if ((size_t)snprintf(buf, len, "%s", text) >= len)
		return NULL;
	return buf;
}

const char *run_folder(char *buf, size_t len)
{
	const char *env = getenv("PORTLAB_RUN_DIR");
	const char *role = getenv("PORTLAB_ROLE");
	char path[PATH_MAX], tail[128];
	ssize_t n;
	char *slash;

	if (env && *env && is_dir(env))
		return copy(buf, len, env);
	n = readlink("/proc/self/fd/2", path, sizeof(path) - 1);
	if (n < 0) {
		fprintf(stderr, "%s: where is the run folder? /proc/self/fd/2: %s\n",
			program_invocation_short_name, strerror(errno));
		return NULL;
	}
	path[n] = '\0';
	snprintf(tail, sizeof(tail), "/%s.stderr", role ? role : "");
	slash = strrchr(path, '/');
	if (!role || !slash || strcmp(slash, tail) != 0) {
		fprintf(stderr, "%s: where is the run folder? stderr is %s, not "
			"<run folder>/<role>.stderr (run me from a lab)\n",
			program_invocation_short_name, path);
		return NULL;
	}
	*slash = '\0';
	return copy(buf, len, path);
}

/* try_path - DIR/NAME into BUF if that file exists; returns BUF or NULL. */
static const char *try_path(const char *dir, const char *name, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", dir, name) >= len || !is_file(buf))
		return NULL;
	return buf;
}

/* in_lab_of - DIR/scenarios/LAB/NAME into BUF if that file exists. */
static const char *in_lab_of(const char *dir, const char *lab, const char *name,
			     char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/scenarios/%s/%s", dir, lab, name);

	if (n < 0 || (size_t)n >= len || !is_file(buf))
		return NULL;
	return buf;
}

const char *lab_path(const char *name, char *buf, size_t len)
{
	const char *env = getenv("PORTLAB_LAB_DIR");
	const char *scenarios = getenv("PORTLAB_SCENARIOS");
	char exe[PATH_MAX];
	char *slash, *lab;
	ssize_t n;

	if (strchr(name, '/')) /* a path: used as it is */
		return copy(buf, len, name);
	if (env && *env && try_path(env, name, buf, len))
		return buf;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "%s: /proc/self/exe: %s\n", program_invocation_short_name,
			strerror(errno));
		return NULL;
	}
	exe[n] = '\0';
	/* the program is <somewhere>/scenarios/<lab>/PROG: cut PROG, then <lab> */
	*strrchr(exe, '/') = '\0';
	if (try_path(exe, name, buf, len))
		return buf; /* an installed tree: the lab and its programs together */
	slash = strrchr(exe, '/');
	if (!slash)
		goto none;
	*slash = '\0';
	lab = slash + 1;
	if (scenarios && *scenarios) {
		int k = snprintf(buf, len, "%s/%s/%s", scenarios, lab, name);
		if (k > 0 && (size_t)k < len && is_file(buf))
			return buf;
	}
	/* a source tree: build/scenarios/<lab>/PROG, or build/san/scenarios/... */
	while ((slash = strrchr(exe, '/')) && slash != exe) {
		*slash = '\0';
		if (in_lab_of(exe, lab, name, buf, len))
			return buf;
	}
none:
	fprintf(stderr, "%s: %s: not in the lab folder (looked in $PORTLAB_LAB_DIR, "
		"$PORTLAB_SCENARIOS, beside the program, and in scenarios/ above it)\n",
		program_invocation_short_name, name);
	return NULL;
}
