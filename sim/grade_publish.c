/*
 * grade_publish.c - a class's grades published: the outputs in the grade
 * folder, the summary and the points line (grade_out.c writes the files),
 * for a grading run and for --merge, which joins the folders of shards.
 */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cmds.h"
#include "grade_out.h"
#include "runfolder.h"
#include "util.h"

/* grades_default_out - grades/EXERCISE/YYYYmmdd-HHMMSS: a new folder for every grading. */
char *grades_default_out(const char *exercise)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm))
		snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	return xasprintf("grades/%s/%s", exercise, stamp);
}

static uid_t owner_uid;
static gid_t owner_gid;

static int give_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	if (lchown(path, owner_uid, owner_gid) < 0)
		pl_warn_errno("chown %s", path);
	return 0;
}

void grades_give_back(const char *out)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");

	if (!uid || !gid || geteuid() != 0)
		return;
	owner_uid = (uid_t)strtoul(uid, NULL, 10);
	owner_gid = (gid_t)strtoul(gid, NULL, 10);
	if (nftw(out, give_one, 16, FTW_PHYS) < 0)
		pl_warn_errno("chown %s", out);
}

/* write_marker - OUT/exercise.txt names the exercise, for --merge. */
static void write_marker(const char *out, const char *exercise)
{
	char *path = xasprintf("%s/exercise.txt", out);
	FILE *f = fopen(path, "w");

	if (!f || fprintf(f, "%s\n", exercise) < 0 || fclose(f) != 0)
		pl_warn_errno("%s", path);
	free(path);
}

int grades_publish(const char *exercise, const struct grade *g, size_t n, const char *out,
		   bool points, int status)
{
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s/results.json", out, g[i].student);
		struct stat st;
		char *dir = xasprintf("%s/%s", out, g[i].student);
		if (stat(dir, &st) == 0) /* a merge reads other folders: write only where they are */
			gradescope_write(path, &g[i]);
		free(dir);
		free(path);
	}
	write_marker(out, exercise);
	if (grades_write(out, exercise, g, n) < 0 && !status)
		status = EXIT_ENV;
	grades_summary(stdout, g, n);
	printf("grades in %s/ (grades.csv, junit.xml, results.json, a folder per student)\n", out);
	if (n == 1 && !status) {
		for (size_t c = 0; c < g[0].nchecks; c++)
			if (g[0].checks[c].hint)
				printf("  FAIL  %s (%d points): %s\n", g[0].checks[c].name,
				       g[0].checks[c].max, g[0].checks[c].hint);
		status = g[0].points == g[0].max ? EXIT_PASS : EXIT_FAIL;
	}
	if (points) {
		int pts = 0, max = 0;
		for (size_t i = 0; i < n; i++)
			pts += g[i].points, max += g[i].max;
		printf("%d/%d\n", pts, max);
	}
	return status;
}

/* merge_dir - every student folder of DIR with a grade into *G; -1 after saying why. */
static int merge_dir(const char *dir, struct grade **g, size_t *n, char **exercise)
{
	struct dirent **list;
	int k = scandir(dir, &list, NULL, alphasort);
	char *marker = xasprintf("%s/exercise.txt", dir), name[256];
	FILE *f = fopen(marker, "r");

	if (!f || !fgets(name, sizeof(name), f) || k < 0) {
		pl_warn("--merge %s: not the output of portlab grade (no exercise.txt)", dir);
		free(marker);
		if (f)
			fclose(f);
		for (int i = 0; i < k; i++)
			free(list[i]);
		free(k >= 0 ? list : NULL);
		return -1;
	}
	fclose(f);
	free(marker);
	name[strcspn(name, "\n")] = '\0';
	if (!*exercise)
		*exercise = xstrdup(name);
	for (int i = 0; i < k; i++) {
		char *sub = xasprintf("%s/%s", dir, list[i]->d_name), *tsv = xasprintf("%s/grade.tsv", sub);
		if (list[i]->d_name[0] != '.' && access(tsv, F_OK) == 0) {
			*g = xrealloc(*g, sizeof(**g) * (*n + 1));
			if (grade_read(sub, &(*g)[*n]) == 0)
				(*n)++;
		}
		free(sub), free(tsv), free(list[i]);
	}
	free(list);
	return strcmp(*exercise, name) ? (pl_warn("--merge %s: grades of %s, not %s", dir, name,
						   *exercise), -1) : 0;
}

static int cmp_grades(const void *a, const void *b)
{
	return strcmp(((const struct grade *)a)->student, ((const struct grade *)b)->student);
}

int grades_merge(char **dirs, int ndirs, const char *out_dir, bool points)
{
	struct grade *g = NULL;
	size_t n = 0;
	char *exercise = NULL;
	int status = EXIT_PASS;

	for (int i = 0; i < ndirs && status == EXIT_PASS; i++)
		if (merge_dir(dirs[i], &g, &n, &exercise) < 0)
			status = EXIT_USAGE;
	if (status == EXIT_PASS && n) {
		qsort(g, n, sizeof(*g), cmp_grades);
		for (size_t i = 0; i + 1 < n; i++)
			if (!strcmp(g[i].student, g[i + 1].student)) {
				pl_warn("--merge: student %s is graded twice", g[i].student);
				status = EXIT_USAGE;
			}
	}
	char *out = out_dir ? xstrdup(out_dir) : exercise ? grades_default_out(exercise) : NULL;
	if (status == EXIT_PASS && out && mkdirs(out) == 0) {
		status = grades_publish(exercise, g, n, out, points, EXIT_PASS);
		grades_give_back(out);
	}
	for (size_t i = 0; i < n; i++)
		grade_free(&g[i]);
	free(g), free(out), free(exercise);
	return status;
}
