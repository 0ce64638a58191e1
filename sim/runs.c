/*
 * runs.c - the runs going on now (see runs.h): each outer portlab process
 * holds an abstract unix socket portlab/run/<outer>/<inner>[/<name>]; the
 * kernel removes it when the process dies, so the list cannot go stale.
 */
#include "runs.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nest.h"
#include "netns.h"
#include "util.h"

static struct nested_run *announced(size_t *n)
{
	FILE *f = fopen("/proc/net/unix", "r");
	struct nested_run *runs = NULL;
	char line[512];

	*n = 0;
	if (!f) {
		pl_warn_errno("/proc/net/unix");
		return NULL;
	}
	while (fgets(line, sizeof(line), f)) {
		char *at = strstr(line, " @" NEST_ANNOUNCE);
		int outer, inner, used = 0;
		if (!at || sscanf(at + 2 + strlen(NEST_ANNOUNCE), "%d/%d%n", &outer, &inner, &used) < 2)
			continue;
		runs = xrealloc(runs, sizeof(*runs) * (*n + 1));
		runs[*n] = (struct nested_run){ .outer = outer, .inner = inner };
		const char *name = at + 2 + strlen(NEST_ANNOUNCE) + used;
		if (*name == '/')
			snprintf(runs[*n].name, sizeof(runs[*n].name), "%.*s", (int)strcspn(name + 1, " \n"),
				 name + 1);
		(*n)++;
	}
	fclose(f);
	return runs;
}

/* read_pidfile - the lab and folder of R's current run, from its private /run/portlab. */
static void read_pidfile(struct nested_run *r)
{
	char *dir = xasprintf("/proc/%d/root" RUNS_DIR, r->inner);
	DIR *d = opendir(dir);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len != RUN_ID_LEN + 4 || strcmp(e->d_name + RUN_ID_LEN, ".pid"))
			continue;
		char *path = xasprintf("%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "r");
		free(path);
		if (!f)
			continue;
		char skip[64];
		if (fgets(skip, sizeof(skip), f) && fgets(r->lab, sizeof(r->lab), f) &&
		    fgets(r->dir, sizeof(r->dir), f)) {
			r->lab[strcspn(r->lab, "\n")] = '\0';
			r->dir[strcspn(r->dir, "\n")] = '\0';
			snprintf(r->id, sizeof(r->id), "%.*s", RUN_ID_LEN, e->d_name);
		}
		fclose(f);
	}
	if (d)
		closedir(d);
	free(dir);
}

/* read_hosts - the namespaces of R's run, seen through its inner process's root. */
static void read_hosts(struct nested_run *r)
{
	char *dir = xasprintf("/proc/%d/root" NETNS_DIR, r->inner);
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t skip = strlen(NETNS_PREFIX) + RUN_ID_LEN + 1;

	while (r->id[0] && d && (e = readdir(d))) {
		if (strncmp(e->d_name, NETNS_PREFIX, strlen(NETNS_PREFIX)) ||
		    strncmp(e->d_name + strlen(NETNS_PREFIX), r->id, RUN_ID_LEN) ||
		    strlen(e->d_name) <= skip)
			continue;
		r->hosts = xrealloc(r->hosts, sizeof(char *) * (r->nhosts + 1));
		r->hosts[r->nhosts++] = xstrdup(e->d_name + skip);
	}
	if (d)
		closedir(d);
	free(dir);
}

struct nested_run *runs_list(size_t *n)
{
	struct nested_run *runs = announced(n);

	for (size_t i = 0; i < *n; i++) {
		read_pidfile(&runs[i]);
		read_hosts(&runs[i]);
	}
	return runs;
}

void runs_free(struct nested_run *runs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free_strings(runs[i].hosts, runs[i].nhosts);
	free(runs);
}
