/* paths.c - find labs and programs (see paths.h). */
#include "paths.h"

#include <dirent.h>
#include <stdbool.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suggest.h"
#include "util.h"

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* has_labs - does DIR hold at least one lab (a folder with a lab file)? */
static bool has_labs(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	while (d && !found && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s/lab", dir, e->d_name);
		found = is_file(path);
		free(path);
	}
	if (d)
		closedir(d);
	return found;
}

const char *exe_dir(void)
{
	static char dir[PATH_MAX];

	if (!dir[0]) {
		ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
		if (n < 0)
			strcpy(dir, ".");
		else
			dir[n] = '\0';
		char *d = dirname(dir);
		memmove(dir, d, strlen(d) + 1);
	}
	return dir;
}

/*
 * programs_dir - the folder whose scenarios/ holds the built programs: the
 * binary's own folder in a build tree (build/scenarios/...), or
 * PREFIX/lib/portlab when the binary is PREFIX/bin/portlab (make install).
 */
const char *programs_dir(void)
{
	static char dir[PATH_MAX];

	if (dir[0])
		return dir;
	char *here = xasprintf("%s/scenarios", exe_dir());
	char *installed = xasprintf("%s/../lib/portlab", exe_dir());
	char *real = is_dir(here) ? NULL : realpath(installed, NULL);
	if (real && strlen(real) < sizeof(dir))
		strcpy(dir, real);
	else
		snprintf(dir, sizeof(dir), "%s", exe_dir());
	free(here);
	free(installed);
	free(real);
	return dir;
}

const char *labs_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("PORTLAB_SCENARIOS");

	if (dir[0])
		return dir;
	if (env && is_dir(env)) {
		snprintf(dir, sizeof(dir), "%s", env);
		return dir;
	}
	/* build/portlab (or build/san/portlab) below the source tree, or
	 * PREFIX/bin beside PREFIX/share/portlab */
	const char *const rel[] = { "../scenarios", "../../scenarios", "../share/portlab/scenarios" };
	for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
		char *try = xasprintf("%s/%s", exe_dir(), rel[i]);
		char *real = has_labs(try) ? realpath(try, NULL) : NULL;
		bool found = real && strlen(real) < sizeof(dir);
		if (found)
			strcpy(dir, real);
		free(try);
		free(real);
		if (found)
			return dir;
	}
	dir[0] = '\0';
	return NULL;
}

char *lab_file(const char *name)
{
	char *path;

	if (strchr(name, '/')) {
		if (is_file(name))
			return xstrdup(name);
		path = xasprintf("%s/lab", name);
		if (is_file(path))
			return path;
		free(path);
		pl_warn("%s: no lab file there", name);
		return NULL;
	}
	if (!labs_dir()) {
		pl_warn("cannot find the scenarios folder (set PORTLAB_SCENARIOS)");
		return NULL;
	}
	path = xasprintf("%s/%s/lab", labs_dir(), name);
	if (is_file(path))
		return path;
	free(path);
	/* four_tuple for four-tuple: the commonest slip; else the closest name */
	char *dashed = xstrdup(name);
	for (char *c = dashed; *c; c++)
		if (*c == '_' || *c == ' ')
			*c = '-';
	path = xasprintf("%s/%s/lab", labs_dir(), dashed);
	size_t n;
	char **names = lab_names(&n);
	const char *near = strcmp(dashed, name) && is_file(path) ? dashed :
			   suggest(name, (const char *const *)names, n);
	if (near)
		pl_warn("no lab '%s'; did you mean '%s'?", name, near);
	else
		pl_warn("no lab '%s' ('portlab list' shows the labs)", name);
	free_strings(names, n);
	free(path);
	free(dashed);
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **lab_names(size_t *n)
{
	char **names = NULL;
	struct dirent *d;
	DIR *dir;

	*n = 0;
	if (!labs_dir() || !(dir = opendir(labs_dir())))
		return NULL;
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s/lab", labs_dir(), d->d_name);
		if (is_file(path)) {
			names = xrealloc(names, sizeof(*names) * (*n + 1));
			names[(*n)++] = xstrdup(d->d_name);
		}
		free(path);
	}
	closedir(dir);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

