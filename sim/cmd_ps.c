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
#include "runs.h"
#include "util.h"

static void print_json(const struct nested_run *runs, size_t n)
{
	struct json j;

	json_init(&j, stdout, true);
	json_begin_array(&j, NULL);
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j, NULL);
		json_string(&j, "name", runs[i].name[0] ? runs[i].name : NULL);
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
	printf("%-16s  %-8s  %-22s  %7s  %7s  %s\n", "UP AS", "RUN", "LAB", "PID", "INNER", "HOSTS");
	for (size_t i = 0; i < n; i++) {
		const struct nested_run *r = &runs[i];
		printf("%-16s  %-8s  %-22s  %7d  %7d ", r->name[0] ? r->name : "-", r->id[0] ? r->id : "-",
		       r->id[0] ? r->lab : "(starting)", r->outer, r->inner);
		for (size_t h = 0; h < r->nhosts; h++)
			printf(" %s", r->hosts[h]);
		putchar('\n');
	}
	printf("\nlook inside a host: portlab shell NAME HOST (a lab that is up), or\n"
	       "  nsenter -t INNER -m ip netns exec portlab-RUN-HOST sh\n");
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
	struct nested_run *runs = runs_list(&n);
	if (json_out)
		print_json(runs, n);
	else
		print_table(runs, n);
	runs_free(runs, n);
	return EXIT_PASS;
}
