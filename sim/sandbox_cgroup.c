/*
 * sandbox_cgroup.c - a cgroup per sandboxed program for its process count
 * and its memory, made under portlab's own cgroup. cgroup v1 (a folder per
 * controller, as on hybrid machines) or v2 (one folder), found at run time;
 * without either, the rlimits alone bound the program.
 */
#include "sandbox.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

#define CGROOT "/sys/fs/cgroup"

static const char *const v1_names[CG_KINDS] = { "pids", "memory" };

/* own_path - portlab's cgroup for CONTROLLER ("" for v2's unified line), or NULL. */
static char *own_path(const char *controller)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[512], *found = NULL;

	if (!f)
		return NULL;
	/* lines "ID:CONTROLLERS:PATH"; v2's is "0::PATH" */
	while (!found && fgets(line, sizeof(line), f)) {
		char *ctrls = strchr(line, ':'), *path = ctrls ? strchr(ctrls + 1, ':') : NULL;
		if (!path)
			continue;
		*ctrls++ = '\0';
		*path++ = '\0';
		path[strcspn(path, "\n")] = '\0';
		if (!*controller) {
			if (!strcmp(line, "0") && !*ctrls)
				found = xstrdup(path);
			continue;
		}
		for (char *c = strtok(ctrls, ","); c && !found; c = strtok(NULL, ","))
			if (!strcmp(c, controller))
				found = xstrdup(path);
	}
	fclose(f);
	return found;
}

static int write_file(const char *dir, const char *file, const char *text)
{
	char *path = xasprintf("%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC), rc = -1;

	free(path);
	if (fd < 0)
		return -1;
	if (write(fd, text, strlen(text)) == (ssize_t)strlen(text))
		rc = 0;
	close(fd);
	return rc;
}

static bool has_file(const char *dir, const char *file)
{
	char *path = xasprintf("%s/%s", dir, file);
	bool yes = access(path, F_OK) == 0;

	free(path);
	return yes;
}

/* make_dir - PARENT/NAME as a new cgroup folder, or NULL. */
static char *make_dir(const char *parent, const char *name)
{
	char *dir = xasprintf("%s/%s", parent, name);

	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		free(dir);
		return NULL;
	}
	return dir;
}

static int make_v1(struct sandbox *sb, const char *name)
{
	for (int k = 0; k < CG_KINDS; k++) {
		char *root = xasprintf(CGROOT "/%s", v1_names[k]), *own = own_path(v1_names[k]);
		char *parent = own ? xasprintf("%s%s", root, strcmp(own, "/") ? own : "") : NULL;
		if (parent && has_file(parent, "cgroup.procs"))
			sb->cgroup[k] = make_dir(parent, name);
		free(root);
		free(own);
		free(parent);
	}
	char num[32];
	snprintf(num, sizeof(num), "%lld", sb->lim.procs);
	if (sb->cgroup[CG_PIDS] && write_file(sb->cgroup[CG_PIDS], "pids.max", num) < 0)
		pl_warn_errno("cgroup %s: pids.max", sb->cgroup[CG_PIDS]);
	snprintf(num, sizeof(num), "%lld", sb->lim.memory);
	if (sb->cgroup[CG_MEMORY]) {
		if (write_file(sb->cgroup[CG_MEMORY], "memory.limit_in_bytes", num) < 0)
			pl_warn_errno("cgroup %s: memory.limit_in_bytes", sb->cgroup[CG_MEMORY]);
		/* memory plus swap too, where swap is accounted; no matter if not */
		(void)write_file(sb->cgroup[CG_MEMORY], "memory.memsw.limit_in_bytes", num);
	}
	return sb->cgroup[CG_PIDS] || sb->cgroup[CG_MEMORY] ? 1 : 0;
}

static int make_v2(struct sandbox *sb, const char *name)
{
	char *own = own_path(""), *parent, *dir;
	char num[32];

	if (!own || !has_file(CGROOT, "cgroup.controllers")) {
		free(own);
		return 0;
	}
	parent = xasprintf(CGROOT "%s", strcmp(own, "/") ? own : "");
	free(own);
	dir = make_dir(parent, name);
	if (dir && !has_file(dir, "pids.max")) /* the controllers may need enabling below us */
		(void)write_file(parent, "cgroup.subtree_control", "+pids +memory");
	free(parent);
	if (!dir)
		return 0;
	if (!has_file(dir, "pids.max") && !has_file(dir, "memory.max")) {
		rmdir(dir);
		free(dir);
		return 0;
	}
	sb->cgroup[CG_PIDS] = has_file(dir, "pids.max") ? xstrdup(dir) : NULL;
	sb->cgroup[CG_MEMORY] = has_file(dir, "memory.max") ? xstrdup(dir) : NULL;
	snprintf(num, sizeof(num), "%lld", sb->lim.procs);
	if (sb->cgroup[CG_PIDS] && write_file(dir, "pids.max", num) < 0)
		pl_warn_errno("cgroup %s: pids.max", dir);
	free(dir);
	snprintf(num, sizeof(num), "%lld", sb->lim.memory);
	if (sb->cgroup[CG_MEMORY]) {
		if (write_file(sb->cgroup[CG_MEMORY], "memory.max", num) < 0)
			pl_warn_errno("cgroup %s: memory.max", sb->cgroup[CG_MEMORY]);
		(void)write_file(sb->cgroup[CG_MEMORY], "memory.swap.max", "0");
	}
	return 2;
}

int sandbox_cgroups_make(struct sandbox *sb, const char *run_id, const char *role)
{
	char *name = xasprintf("portlab-%s-%s", run_id, role);
	struct stat st;

	/* v1 where its controllers are mounted (this covers hybrid machines), else v2 */
	if (stat(CGROOT "/pids/cgroup.procs", &st) == 0 || stat(CGROOT "/memory/cgroup.procs", &st) == 0)
		sb->cgroup_version = make_v1(sb, name);
	else
		sb->cgroup_version = make_v2(sb, name);
	free(name);
	return sb->cgroup_version;
}

int sandbox_cgroups_join(const struct sandbox *sb, pid_t pid)
{
	char num[32];
	int rc = 0;

	snprintf(num, sizeof(num), "%d", (int)pid);
	for (int k = 0; k < CG_KINDS; k++)
		if (sb->cgroup[k] && (k == 0 || !sb->cgroup[0] || strcmp(sb->cgroup[k], sb->cgroup[0])) &&
		    write_file(sb->cgroup[k], "cgroup.procs", num) < 0)
			rc = -1;
	return rc;
}

long long sandbox_cgroup_count(const struct sandbox *sb, enum cgroup_kind kind, const char *file,
			       const char *key)
{
	char *path, line[256];
	FILE *f;
	long long v = -1;
	size_t kl = key ? strlen(key) : 0;

	if (!sb->cgroup[kind])
		return -1;
	path = xasprintf("%s/%s", sb->cgroup[kind], file);
	f = fopen(path, "r");
	free(path);
	if (!f)
		return -1;
	while (v < 0 && fgets(line, sizeof(line), f))
		if (!key)
			v = strtoll(line, NULL, 10);
		else if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = strtoll(line + kl + 1, NULL, 10);
	fclose(f);
	return v;
}

void sandbox_cgroups_remove(struct sandbox *sb)
{
	for (int k = 0; k < CG_KINDS; k++) {
		if (!sb->cgroup[k])
			continue;
		/* its last processes may still be on their way out: wait up to 2 s */
		int tries = 200, rc;
		while ((rc = rmdir(sb->cgroup[k])) < 0 && errno == EBUSY && tries-- > 0)
			nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
		if (rc < 0 && errno != ENOENT)
			pl_warn_errno("cannot remove cgroup %s", sb->cgroup[k]);
		free(sb->cgroup[k]);
		sb->cgroup[k] = NULL;
	}
}

/* sweep - remove below DIR (DEPTH levels at most) the empty cgroups of runs not ALIVE. */
static size_t sweep(const char *dir, int depth, bool (*alive)(const char *run_id))
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t removed = 0;

	while (d && (e = readdir(d))) {
		if (e->d_type != DT_DIR || e->d_name[0] == '.')
			continue;
		char *sub = xasprintf("%s/%s", dir, e->d_name);
		const char *id = e->d_name + strlen("portlab-");
		size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyz0123456789");
		if (!strncmp(e->d_name, "portlab-", strlen("portlab-")) && n == 6 && id[n] == '-') {
			char run_id[8];
			snprintf(run_id, sizeof(run_id), "%.6s", id);
			if (!alive(run_id) && rmdir(sub) == 0)
				removed++;
		} else if (depth > 0) {
			removed += sweep(sub, depth - 1, alive);
		}
		free(sub);
	}
	if (d)
		closedir(d);
	return removed;
}

size_t sandbox_cgroups_sweep(bool (*alive)(const char *run_id))
{
	return sweep(CGROOT, 4, alive);
}
