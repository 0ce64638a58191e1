/* grade_io.c - a grade as the student's grade.tsv, and back (see grade.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "grade.h"
#include "util.h"

/* one_line - S with tabs and line ends made blanks: one field of one line. */
static void put_field(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, f);
}

int grade_write(const struct grade *g, const char *dir)
{
	char *path = xasprintf("%s/grade.tsv", dir);
	FILE *f = fopen(path, "w");

	if (!f) {
		pl_warn_errno("%s", path);
		free(path);
		return -1;
	}
	fputs("student\t", f);
	put_field(f, g->student);
	fprintf(f, "\nstatus\t%s\ndigest\t%s\n", g->status, g->digest ? g->digest : "-");
	if (g->variant)
		fprintf(f, "variant\t%s\n", g->variant);
	fprintf(f, "points\t%d\t%d\nseconds\t%.2f\n", g->points, g->max, g->seconds);
	for (size_t i = 0; i < g->nchecks; i++) {
		fputs("check\t", f);
		put_field(f, g->checks[i].name);
		fprintf(f, "\t%d\t%d\t", g->checks[i].points, g->checks[i].max);
		put_field(f, g->checks[i].hint);
		fputc('\n', f);
	}
	int rc = fclose(f) == 0 ? 0 : -1;
	if (rc < 0)
		pl_warn_errno("%s", path);
	free(path);
	return rc;
}

/* read_line - one line of grade.tsv into G; false when it is not one. */
static bool read_line(char *line, struct grade *g)
{
	char *f[5] = { line };
	int n = 1;

	line[strcspn(line, "\n")] = '\0';
	for (char *s = line; *s && n < 5; s++)
		if (*s == '\t') {
			*s = '\0';
			f[n++] = s + 1;
		}
	if (n == 2 && !strcmp(f[0], "student"))
		g->student = xstrdup(f[1]);
	else if (n == 2 && !strcmp(f[0], "status"))
		g->status = xstrdup(f[1]);
	else if (n == 2 && !strcmp(f[0], "digest"))
		g->digest = xstrdup(f[1]);
	else if (n == 2 && !strcmp(f[0], "variant"))
		g->variant = xstrdup(f[1]);
	else if (n == 2 && !strcmp(f[0], "seconds"))
		g->seconds = atof(f[1]);
	else if (n == 3 && !strcmp(f[0], "points"))
		g->points = atoi(f[1]), g->max = atoi(f[2]);
	else if (n == 5 && !strcmp(f[0], "check")) {
		g->checks = xrealloc(g->checks, sizeof(*g->checks) * (g->nchecks + 1));
		g->checks[g->nchecks++] = (struct grade_check){ .name = xstrdup(f[1]),
			.points = atoi(f[2]), .max = atoi(f[3]), .hint = f[4][0] ? xstrdup(f[4]) : NULL };
	} else
		return false;
	return true;
}

int grade_read(const char *dir, struct grade *g)
{
	char *path = xasprintf("%s/grade.tsv", dir), line[8192];
	FILE *f = fopen(path, "r");
	int rc = 0, lineno = 0;

	memset(g, 0, sizeof(*g));
	if (!f) {
		pl_warn_errno("%s", path);
		free(path);
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof(line), f)) {
		lineno++;
		if (!read_line(line, g)) {
			fprintf(stderr, "%s:%d: not a line of a grade\n", path, lineno);
			rc = -1;
		}
	}
	fclose(f);
	if (rc == 0 && (!g->student || !g->status)) {
		fprintf(stderr, "%s: not a whole grade (no student or status)\n", path);
		rc = -1;
	}
	free(path);
	return rc;
}

void grade_free(struct grade *g)
{
	for (size_t i = 0; i < g->nchecks; i++) {
		free(g->checks[i].name);
		free(g->checks[i].hint);
	}
	free(g->checks);
	free(g->student), free(g->status), free(g->digest), free(g->variant);
	memset(g, 0, sizeof(*g));
}

/* hash_file - fold PATH's bytes into H (FNV-1a, 64 bits). */
static uint64_t hash_file(const char *path, uint64_t h)
{
	unsigned char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			h = (h ^ buf[i]) * 1099511628211ull;
	if (fd >= 0)
		close(fd);
	return h;
}

char *submission_digest(const char *submission)
{
	uint64_t h = 14695981039346656037ull;
	struct stat st;

	if (stat(submission, &st) == 0 && S_ISDIR(st.st_mode)) {
		struct dirent **list;
		int k = scandir(submission, &list, NULL, alphasort);
		for (int i = 0; i < k; i++) { /* the top level's files, in name order */
			char *path = xasprintf("%s/%s", submission, list[i]->d_name);
			if (list[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode))
				h = hash_file(path, h);
			free(path);
			free(list[i]);
		}
		free(list);
	} else {
		h = hash_file(submission, h);
	}
	return xasprintf("%016llx", (unsigned long long)h);
}
