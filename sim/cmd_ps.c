/*
 * cmd_ps.c - portlab ps: the runs going on now.
 *
 * A run lives in namespaces of its own (nest.h): 'ip netns list' does not
 * show its hosts. Each run announces itself with an abstract unix socket
 * portlab/run/<outer pid>/<inner pid>, which the kernel removes when the
 * run dies; its namespaces and pid files are seen through /proc/<inner>/root.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "json.h"
#include "nest.h"
#include "netns.h"
#include "util.h"

struct nested_run {
	int outer, inner;
	char id[RUN_ID_LEN + 1];
	char lab[128], dir[1024];
	char **hosts;
	size_t nhosts;
};

/* read_runs - every run announced in /proc/net/unix, newly allocated; *N their count. */
static struct nested_run *read_runs(size_t *n)
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
		int outer, inner;
		if (!at || sscanf(at + 2 + strlen(NEST_ANNOUNCE), "%d/%d", &outer, &inner) != 2)
			continue;
		runs = xrealloc(runs, sizeof(*runs) * (*n + 1));
		runs[(*n)++] = (struct nested_run){ .outer = outer, .inner = inner };
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

static void print_json(const struct nested_run *runs, size_t n)
{
	struct json j;

	json_init(&j, stdout, true);
	json_begin_array(&j, NULL);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j, NULL);
		json_string(&j, "run_id", runs[i].id[0] ? runs[i].id : NULL);
		json_string(&j, "lab", runs[i].id[0] ? runs[i].lab : NULL);
		json_string(&j, "dir", runs[i].id[0] ? runs[i].dir : NULL);
		json_int(&j, "pid", runs[i].outer);
		json_int(&j, "inner_pid", runs[i].inner);
		json_begin_array(&j, "namespaces");
		for (size_t h = 0; h < runs[i].nhosts; h++)
			json_string(&j, NULL, runs[i].hosts[h]);
		json_end_array(&j);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end(&j);
}

static void print_table(const struct nested_run *runs, size_t n)
{
	if (!n) {
		puts("no run is going on");
		return;
	}
	printf("%-8s  %-22s  %7s  %7s  %s\n", "RUN", "LAB", "PID", "INNER", "HOSTS");
	for (size_t i = 0; i < n; i++) {
		const struct nested_run *r = &runs[i];
		printf("%-8s  %-22s  %7d  %7d ", r->id[0] ? r->id : "-", r->id[0] ? r->lab : "(starting)",
		       r->outer, r->inner);
		for (size_t h = 0; h < r->nhosts; h++)
			printf(" %s", r->hosts[h]);
		putchar('\n');
	}
	printf("\nlook inside a host: nsenter -t INNER -m -p ip netns exec portlab-RUN-HOST sh\n");
}

int cmd_ps(int argc, char **argv)
{
	bool json_out = false;
	size_t n;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json_out = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: portlab ps [--json]\n"
			     "Lists the runs going on now: run id, lab, portlab's pid, the pid of the\n"
			     "run's inner process (init of its own PID namespace) and its hosts.");
			return EXIT_PASS;
		} else {
			pl_warn("ps: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	struct nested_run *runs = read_runs(&n);
	for (size_t i = 0; i < n; i++) {
		read_pidfile(&runs[i]);
		read_hosts(&runs[i]);
	}
	if (json_out)
		print_json(runs, n);
	else
		print_table(runs, n);
	for (size_t i = 0; i < n; i++)
		free_strings(runs[i].hosts, runs[i].nhosts);
	free(runs);
	return EXIT_PASS;
}
