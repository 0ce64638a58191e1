/*
 * sandbox_limits.c - a sandboxed program's limits: the defaults, a lab's
 * "limit NAME=VALUE" to raise one, and the rlimits set in the program
 * (always, whether or not cgroups are there as well).
 */
#include "sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define MiB (1024LL * 1024)

void sandbox_default_limits(struct sandbox_limits *lim)
{
	*lim = (struct sandbox_limits){
		.procs = 64,
		.memory = 512 * MiB,
		.cpu = 60,
		.fsize = 64 * MiB,
		.nofile = 4096,
		.tmp = 64 * MiB,
		.events = 100000,
		.output = 16 * MiB,
	};
}

static const struct {
	const char *name;
	size_t offset;
	bool size;               /* takes K/M/G suffixes */
	long long max;
} limit_names[] = {
	{ "procs", offsetof(struct sandbox_limits, procs), false, 100000 },
	{ "memory", offsetof(struct sandbox_limits, memory), true, 1LL << 40 },
	{ "cpu", offsetof(struct sandbox_limits, cpu), false, 24 * 3600 },
	{ "fsize", offsetof(struct sandbox_limits, fsize), true, 1LL << 40 },
	{ "nofile", offsetof(struct sandbox_limits, nofile), false, 1 << 20 },
	{ "tmp", offsetof(struct sandbox_limits, tmp), true, 1LL << 40 },
	{ "events", offsetof(struct sandbox_limits, events), false, 100000000 },
	{ "output", offsetof(struct sandbox_limits, output), true, 1LL << 36 },
};

/* parse_value - "20000", "512M", "1G" (SIZE: suffixes allowed); -1 if it is none. */
static long long parse_value(const char *text, bool size)
{
	char *end;
	errno = 0;
	long long v = strtoll(text, &end, 10);

	if (errno || end == text || v <= 0 || !isdigit((unsigned char)text[0]))
		return -1;
	if (size && *end) {
		const char *units = "KMGT";
		const char *u = strchr(units, toupper((unsigned char)*end));
		if (!u)
			return -1;
		for (long i = 0; i <= u - units; i++)
			v *= 1024;
		end++;
		if (*end == 'i' || *end == 'I') /* MiB */
			end++;
		if (*end == 'b' || *end == 'B')
			end++;
	}
	return *end ? -1 : v;
}

int sandbox_limit_apply(struct sandbox_limits *lim, const char *text, char *why, size_t whylen)
{
	char *copy = strdup(text), *save = NULL;
	int rc = 0;

	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (char *item = strtok_r(copy, ",", &save); item && rc == 0;
	     item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		size_t i, n = sizeof(limit_names) / sizeof(limit_names[0]);
		if (eq)
			*eq = '\0';
		for (i = 0; i < n && strcmp(limit_names[i].name, item); i++)
			;
		if (!eq || i == n) {
			snprintf(why, whylen, "'%s' is not a limit (procs, memory, cpu, fsize, nofile, "
				 "tmp, events, output, each as NAME=VALUE)", item);
			rc = -1;
			break;
		}
		long long v = parse_value(eq + 1, limit_names[i].size);
		if (v < 0 || v > limit_names[i].max) {
			snprintf(why, whylen, "limit %s: '%s' is not a %s up to %lld", item, eq + 1,
				 limit_names[i].size ? "size (e.g. 512M, 2G)" : "positive number",
				 limit_names[i].max);
			rc = -1;
			break;
		}
		*(long long *)((char *)lim + limit_names[i].offset) = v;
	}
	free(copy);
	return rc;
}

/* set - one rlimit, soft SOFT and hard HARD; never above the hard limit we have. */
static int set(int resource, long long soft, long long hard)
{
	struct rlimit now, want;

	if (getrlimit(resource, &now) < 0)
		return -1;
	want.rlim_cur = (rlim_t)soft;
	want.rlim_max = (rlim_t)hard;
	if (now.rlim_max != RLIM_INFINITY && want.rlim_max > now.rlim_max)
		want.rlim_max = now.rlim_max;
	if (want.rlim_cur > want.rlim_max)
		want.rlim_cur = want.rlim_max;
	return setrlimit(resource, &want);
}

int sandbox_rlimits(const struct sandbox *sb)
{
	const struct sandbox_limits *l = &sb->lim;

	/* SIGXCPU at the limit, SIGKILL a second later for a program that catches it */
	if (set(RLIMIT_CPU, l->cpu, l->cpu + 1) < 0 || set(RLIMIT_FSIZE, l->fsize, l->fsize) < 0 ||
	    set(RLIMIT_NOFILE, l->nofile, l->nofile) < 0 || set(RLIMIT_CORE, 0, 0) < 0)
		return -1;
	if (!sb->shared_uid && set(RLIMIT_NPROC, l->procs, l->procs) < 0)
		return -1;
	/*
	 * Without a memory cgroup, address space is the only bound there is. Not
	 * in a sanitizer build, whose programs reserve terabytes of shadow
	 * address space at start (they would all die at once).
	 */
#if !defined(__SANITIZE_ADDRESS__)
	if (!sb->cgroup[CG_MEMORY] && set(RLIMIT_AS, l->memory, l->memory) < 0)
		return -1;
#endif
	return 0;
}

const char *sandbox_size(long long bytes)
{
	static char buf[32];

	if (bytes >= 1024 * MiB && bytes % (1024 * MiB) == 0)
		snprintf(buf, sizeof(buf), "%lld GiB", bytes / (1024 * MiB));
	else if (bytes >= MiB && bytes % MiB == 0)
		snprintf(buf, sizeof(buf), "%lld MiB", bytes / MiB);
	else if (bytes >= 1024 && bytes % 1024 == 0)
		snprintf(buf, sizeof(buf), "%lld KiB", bytes / 1024);
	else
		snprintf(buf, sizeof(buf), "%lld bytes", bytes);
	return buf;
}
