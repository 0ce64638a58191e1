/*
 * cmd_clean.c - portlab clean: remove the namespaces portlab-<run>-* that
 * runs which are gone left behind. A run whose portlab process is still
 * alive is left alone. Links need no sweep: portlab creates none in the
 * root namespace (veth pairs are made inside the lab's namespaces and die
 * with them), and a pl* link found there is somebody else's.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "json.h"
#include "netns.h"
#include "util.h"

/* run_alive - is the portlab process that owns RUN_ID still running? */
static bool run_alive(const char *run_id)
{
	char *path = xasprintf(RUNS_DIR "/%s.pid", run_id);
	FILE *f = fopen(path, "r");
	int pid = 0;
	bool alive = false;

	if (f) {
		if (fscanf(f, "%d", &pid) == 1 && pid > 0)
			alive = kill(pid, 0) == 0 || errno == EPERM;
		fclose(f);
		if (!alive)
			unlink(path);
	}
	free(path);
	return alive;
}

int cmd_clean(int argc, char **argv)
{
	bool json_out = false, force = false;
	size_t removed = 0, kept = 0, failed = 0;
	struct dirent *d;
	DIR *dir;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json_out = true;
		else if (!strcmp(argv[i], "--force"))
			force = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: portlab clean [--force] [--json]\n"
			     "Removes the namespaces portlab-* that runs left behind (a SIGKILLed run\n"
			     "cannot remove its own). Runs still in progress are kept, unless --force.");
			return EXIT_PASS;
		} else {
			pl_warn("clean: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (geteuid() != 0) {
		pl_warn("clean needs root, like run");
		return EXIT_ENV;
	}
	dir = opendir(NETNS_DIR);
	while (dir && (d = readdir(dir))) {
		char run_id[32];
		const char *dash;

		if (strncmp(d->d_name, NETNS_PREFIX, strlen(NETNS_PREFIX)))
			continue;
		dash = strchr(d->d_name + strlen(NETNS_PREFIX), '-');
		snprintf(run_id, sizeof(run_id), "%.*s",
			 dash ? (int)(dash - d->d_name - strlen(NETNS_PREFIX)) : 0,
			 d->d_name + strlen(NETNS_PREFIX));
		if (!force && run_alive(run_id)) {
			if (!json_out)
				printf("kept     %s (run %s is still going)\n", d->d_name, run_id);
			kept++;
			continue;
		}
		char *args[] = { "ip", "netns", "delete", d->d_name, NULL };
		if (run_wait(args, NULL, NULL) == 0) {
			if (!json_out)
				printf("removed  namespace %s\n", d->d_name);
			removed++;
		} else {
			failed++;
		}
	}
	if (dir)
		closedir(dir);
	if (json_out)
		printf("{\"removed\": %zu, \"kept\": %zu, \"failed\": %zu}\n", removed, kept, failed);
	else if (!removed && !kept && !failed)
		printf("nothing to clean\n");
	return failed ? EXIT_FAIL : EXIT_PASS;
}
