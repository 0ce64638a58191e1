/*
 * cmd_clean.c - portlab clean: remove the namespaces portlab-<run>-* that
 * runs of older portlab versions left behind in /run/netns when they were
 * killed. Runs of this version live in namespaces of their own (nest.h) and
 * leave nothing, even when killed. A run whose portlab process is still
 * alive is left alone. Links need no sweep: portlab creates none in the
 * root namespace, and a pl* link found there is somebody else's.
 */
#include <ctype.h>
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
#include "toolrun.h"
#include "runfolder.h"
#include "sandbox.h"
#include "util.h"

/*
 * run_alive - is the portlab process that owns RUN_ID still running? The
 * pid file says "PID STARTTIME": a new process that got the same pid has
 * another start time. (Files of old versions hold the pid alone.)
 */
static bool run_alive(const char *run_id)
{
	char *path = xasprintf(RUNS_DIR "/%s.pid", run_id);
	FILE *f = fopen(path, "r");
	int pid = 0;
	unsigned long long start = 0;
	bool alive = false;

	if (f) {
		int got = fscanf(f, "%d %llu", &pid, &start);
		if (got >= 1 && pid > 0)
			alive = kill(pid, 0) == 0 || errno == EPERM;
		if (alive && got == 2)
			alive = process_start(pid) == start;
		fclose(f);
		if (!alive)
			unlink(path);
	}
	free(path);
	return alive;
}

/* gone - for --force: every run counts as ended. */
static bool gone(const char *run_id)
{
	(void)run_id;
	return false;
}

/* run_namespace - is NAME portlab-<run id>-<host>? Its run id into ID. */
static bool run_namespace(const char *name, char *id, size_t len)
{
	const char *s = name + strlen(NETNS_PREFIX);
	size_t n = 0;

	if (strncmp(name, NETNS_PREFIX, strlen(NETNS_PREFIX)))
		return false;
	while (s[n] && s[n] != '-' && (islower((unsigned char)s[n]) || isdigit((unsigned char)s[n])))
		n++;
	if (n != RUN_ID_LEN || s[n] != '-' || !s[n + 1] || n >= len)
		return false;
	snprintf(id, len, "%.*s", (int)n, s);
	return true;
}

/* sweep_pidfiles - forget runs whose portlab is gone: a reused pid must not keep them. */
static void sweep_pidfiles(void)
{
	DIR *dir = opendir(RUNS_DIR);
	struct dirent *d;

	while (dir && (d = readdir(dir))) {
		char id[32];
		size_t n = strlen(d->d_name);
		if (n < 5 || strcmp(d->d_name + n - 4, ".pid") || n - 4 >= sizeof(id))
			continue;
		snprintf(id, sizeof(id), "%.*s", (int)(n - 4), d->d_name);
		run_alive(id); /* removes the file of a dead run */
	}
	if (dir)
		closedir(dir);
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
		pl_warn("clean needs root, like run: sudo portlab clean");
		return EXIT_ENV;
	}
	dir = opendir(NETNS_DIR);
	while (dir && (d = readdir(dir))) {
		char run_id[32];

		if (!run_namespace(d->d_name, run_id, sizeof(run_id)))
			continue; /* not made by a portlab run: not ours to remove */
		if (!force && run_alive(run_id)) {
			if (!json_out)
				printf("kept     %s (run %s is still going)\n", d->d_name, run_id);
			kept++;
			continue;
		}
		/* a process inside would keep the namespace alive, nameless and unseen */
		int killed = netns_kill_strays(run_id);
		if (killed && !json_out)
			printf("killed   %d process%s in %s\n", killed, killed == 1 ? "" : "es", d->d_name);
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
	/* a SIGKILLed run's sandboxes die with it, their cgroup folders do not */
	size_t cgroups = sandbox_cgroups_sweep(force ? gone : run_alive);
	if (cgroups && !json_out)
		printf("removed  %zu cgroup%s of sandboxes\n", cgroups, cgroups == 1 ? "" : "s");
	removed += cgroups;
	sweep_pidfiles();
	if (json_out)
		printf("{\"removed\": %zu, \"kept\": %zu, \"failed\": %zu}\n", removed, kept, failed);
	else if (!removed && !kept && !failed)
		printf("nothing to clean\n");
	return failed ? EXIT_FAIL : EXIT_PASS;
}
