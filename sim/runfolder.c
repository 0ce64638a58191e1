/* runfolder.c - a run's id, folder and pid file (see runfolder.h). */
#include "runfolder.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "netns.h"
#include "paths.h"
#include "util.h"

void make_run_id(char *id, size_t len)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char r[8];

	if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		for (size_t i = 0; i < sizeof(r); i++)
			r[i] = (unsigned char)(rand() ^ getpid() ^ (int)i);
	for (size_t i = 0; i + 1 < len && i < sizeof(r); i++)
		id[i] = alphabet[r[i] % (sizeof(alphabet) - 1)];
	id[len - 1 < sizeof(r) ? len - 1 : sizeof(r)] = '\0';
	id[0] = alphabet[r[0] % 26]; /* a letter first: friendlier in names */
}

int mkdirs(const char *path)
{
	char *p = xstrdup(path);

	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			pl_warn_errno("mkdir %s", p);
			free(p);
			return -1;
		}
		*s = '/';
	}
	free(p);
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		pl_warn_errno("mkdir %s", path);
		return -1;
	}
	return 0;
}

/* writable - may we make files in PATH, or make PATH in its parent? */
static bool writable(const char *path)
{
	if (access(path, F_OK) == 0)
		return access(path, W_OK | X_OK) == 0;
	char *parent = xstrdup(path), *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	bool ok = access(slash ? parent : ".", W_OK | X_OK) == 0;
	free(parent);
	return ok;
}

/* state_dir - $XDG_STATE_HOME/portlab, or ~/.local/state/portlab: a user's own place. */
static const char *state_dir(void)
{
	static char buf[4096];
	const char *xdg = getenv("XDG_STATE_HOME"), *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(buf, sizeof(buf), "%s/portlab", xdg);
	else
		snprintf(buf, sizeof(buf), "%s/.local/state/portlab", home && *home ? home : "/tmp");
	return buf;
}

/* default_captures - the captures/ folder beside the labs, as people would type it, in BUF. */
static const char *default_captures(char *buf, size_t size)
{
	/* the captures/ folder beside scenarios/, in a source tree */
	char *try = xasprintf("%s/../captures", labs_dir() ? labs_dir() : exe_dir());
	char *real = realpath(try, NULL);
	char cwd[4096];
	free(try);
	if (real && strlen(real) < size) {
		/* say it as people typed their way here: relative to where they are */
		size_t n = getcwd(cwd, sizeof(cwd)) ? strlen(cwd) : 0;
		if (n && !strncmp(real, cwd, n) && real[n] == '/')
			snprintf(buf, size, "%s", real + n + 1);
		else
			snprintf(buf, size, "%s", real);
		free(real);
		return buf;
	}
	free(real);
	return "captures";
}

const char *captures_root(const char *root)
{
	static char buf[4096];

	if (root)
		return root;
	const char *beside = default_captures(buf, sizeof(buf));
	return writable(beside) ? beside : state_dir();
}

unsigned long long process_start(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long start = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* the command name may hold blanks and parentheses: count fields after the last ')' */
	char *p = strrchr(buf, ')');
	if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			"%*d %*d %*d %*d %llu", &start) != 1)
		start = 0;
	return start;
}

char *register_run(const char *run_id, const char *lab, const char *dir)
{
	char *path = xasprintf(RUNS_DIR "/%s.pid", run_id);
	FILE *f;

	if (mkdir(RUNS_DIR, 0755) < 0 && errno != EEXIST) {
		pl_warn_errno("mkdir " RUNS_DIR);
		return path;
	}
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d %llu\n%s\n%s\n", (int)getpid(), process_start(getpid()), lab,
			  dir) < 0 || fclose(f) != 0)
		pl_warn_errno("%s", path);
	return path;
}

void unregister_run(char *path)
{
	if (path && unlink(path) < 0 && errno != ENOENT)
		pl_warn_errno("%s", path);
	free(path);
}

void give_back(const char *dir, bool made_parent)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");
	struct dirent *d;
	DIR *folder;

	if (!uid || !gid || geteuid() != 0)
		return;
	uid_t u = (uid_t)strtoul(uid, NULL, 10);
	gid_t g = (gid_t)strtoul(gid, NULL, 10);
	if (chown(dir, u, g) < 0)
		pl_warn_errno("chown %s", dir);
	char *parent = xstrdup(dir), *slash = strrchr(parent, '/');
	if (slash && made_parent) { /* captures/<lab>/, if this run made it: nothing older */
		*slash = '\0';
		if (chown(parent, u, g) < 0)
			pl_warn_errno("chown %s", parent);
	}
	free(parent);
	folder = opendir(dir);
	while (folder && (d = readdir(folder))) {
		if (d->d_name[0] == '.')
			continue;
		char *path = xasprintf("%s/%s", dir, d->d_name);
		if (lchown(path, u, g) < 0)
			pl_warn_errno("chown %s", path);
		free(path);
	}
	if (folder)
		closedir(folder);
}
