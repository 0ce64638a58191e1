/* exercise.c - read an exercise file (see exercise.h and docs/teaching.md). */
#include "exercise.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "paths.h"
#include "util.h"
#include "words.h"

#define MAX_WORDS 64

struct reader {
	struct exercise *ex;
	const char *file;
	int line;
};

static int bad(const struct reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(const struct reader *r, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", r->file, r->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* split - LINE into words (words.h); the count, or -1 after saying what is wrong. */
static int split(const struct reader *r, char *line, char **w)
{
	const char *why;
	int n = split_words(line, w, MAX_WORDS, false, &why);

	if (n < 0 && !strcmp(why, "too many words"))
		return bad(r, "too many words (at most %d)", MAX_WORDS);
	if (n < 0)
		return bad(r, "%s", why);
	return n;
}

/* rest - the words W[FROM..N) joined, or the empty string. */
static char *rest(char **w, int from, int n)
{
	return from < n ? join_words(w + from, (size_t)(n - from)) : xstrdup("");
}

static void append_text(char **to, const char *text)
{
	char *old = *to;

	*to = old ? xasprintf("%s\n%s", old, text) : xstrdup(text);
	free(old);
}

/* add_condition - WORDS (SUBJECT... CHECK..., with a ':' ending the subject) to hint H. */
static int add_condition(const struct reader *r, struct exercise_hint *h, char **w, int n)
{
	bool colon = false;

	for (int i = 0; i < n; i++)
		colon |= w[i][strlen(w[i]) - 1] == ':';
	if (!n || !colon || (strcmp(w[0], "events") && strcmp(w[0], "flows")))
		return bad(r, "hint: 'when' wants SUBJECT: CHECK, as in an expect line");
	h->conds = xrealloc(h->conds, sizeof(*h->conds) * (h->nconds + 1));
	h->ncond_words = xrealloc(h->ncond_words, sizeof(size_t) * (h->nconds + 1));
	char **c = xcalloc((size_t)n + 1, sizeof(char *));
	for (int i = 0; i < n; i++)
		c[i] = xstrdup(w[i]);
	h->conds[h->nconds] = c;
	h->ncond_words[h->nconds++] = (size_t)n;
	return 0;
}

/* hint_statement - hint "TEXT" [when SUBJECT: CHECK [and SUBJECT: CHECK ...]] */
static int hint_statement(struct reader *r, char **w, int n)
{
	struct exercise *ex = r->ex;

	if (!ex->nchecks)
		return bad(r, "a hint belongs to a check: write the check line first");
	if (n < 2 || (n > 2 && strcmp(w[2], "when")) || n == 3)
		return bad(r, "usage: hint \"TEXT\" [when SUBJECT: CHECK [and SUBJECT: CHECK]]");
	struct exercise_check *c = &ex->checks[ex->nchecks - 1];
	c->hints = xrealloc(c->hints, sizeof(*c->hints) * (c->nhints + 1));
	struct exercise_hint *h = &c->hints[c->nhints++];
	*h = (struct exercise_hint){ .text = xstrdup(w[1]), .line = r->line };
	for (int from = 3, i = 3; i <= n; i++) {
		if (i < n && strcmp(w[i], "and"))
			continue;
		if (add_condition(r, h, w + from, i - from) < 0)
			return -1;
		from = i + 1;
	}
	return 0;
}

/* check_statement - check "TEXT" POINTS [exit CODE] */
static int check_statement(struct reader *r, char **w, int n)
{
	struct exercise *ex = r->ex;
	char *end;

	if (n < 3)
		return bad(r, "usage: check \"TEXT\" POINTS");
	long pts = strtol(w[2], &end, 10);
	if (*end || end == w[2] || pts < 0 || pts > 1000)
		return bad(r, "check: points must be a number from 0 to 1000, not '%s'", w[2]);
	if (strstr(w[1], "${"))
		return bad(r, "check \"%s\": a check's text names it in every student's grades, "
			   "so it cannot hold a ${parameter}", w[1]);
	for (size_t i = 0; i < ex->nchecks; i++)
		if (!strcmp(ex->checks[i].text, w[1]))
			return bad(r, "check \"%s\" is already graded on line %d", w[1],
				   ex->checks[i].line);
	ex->checks = xrealloc(ex->checks, sizeof(*ex->checks) * (ex->nchecks + 1));
	ex->checks[ex->nchecks++] = (struct exercise_check){ .text = xstrdup(w[1]),
		.points = (int)pts, .line = r->line };
	ex->max_points += (int)pts;
	return n == 3 ? 0 : bad(r, "check: unexpected '%s' after the points", w[3]);
}

/* variant_statement - variant PARAM LO-HI */
static int variant_statement(struct reader *r, char **w, int n)
{
	long lo, hi;
	char tail;

	if (n != 3 || sscanf(w[2], "%ld-%ld%c", &lo, &hi, &tail) != 2 || lo < 1 || hi > 65535 ||
	    lo > hi)
		return bad(r, "usage: variant PARAM LO-HI (a port range such as 8000-8999)");
	free(r->ex->variant_param);
	r->ex->variant_param = xstrdup(w[1]);
	r->ex->variant_lo = lo;
	r->ex->variant_hi = hi;
	return 0;
}

static int statement(struct reader *r, char **w, int n)
{
	struct exercise *ex = r->ex;

	if (!strcmp(w[0], "role") && n >= 2) {
		free(ex->role);
		free_strings(ex->roles, ex->nroles);
		ex->role = xstrdup(w[1]);
		ex->nroles = (size_t)n - 1;
		ex->roles = xcalloc(ex->nroles, sizeof(char *));
		for (int i = 1; i < n; i++)
			ex->roles[i - 1] = xstrdup(w[i]);
	} else if (!strcmp(w[0], "title")) {
		free(ex->title);
		ex->title = rest(w, 1, n);
	} else if (!strcmp(w[0], "task")) {
		char *t = rest(w, 1, n);
		append_text(&ex->task, t);
		free(t);
	} else if (!strcmp(w[0], "catches")) {
		if (!ex->nchecks)
			return bad(r, "'catches' belongs to a check: write the check line first");
		char *t = rest(w, 1, n);
		append_text(&ex->checks[ex->nchecks - 1].catches, t);
		free(t);
	} else if (!strcmp(w[0], "check")) {
		return check_statement(r, w, n);
	} else if (!strcmp(w[0], "hint")) {
		return hint_statement(r, w, n);
	} else if (!strcmp(w[0], "variant")) {
		return variant_statement(r, w, n);
	} else {
		return bad(r, "unknown statement '%s' (role, title, task, variant, check, catches, hint)",
			   w[0]);
	}
	return 0;
}

/* read_file - every line of EX->file; 0 or -1 after saying why. */
static int read_file(struct exercise *ex)
{
	struct reader r = { .ex = ex, .file = ex->file };
	FILE *f = fopen(ex->file, "r");
	char *line = NULL, *w[MAX_WORDS];
	size_t cap = 0;
	int rc = 0;

	if (!f) {
		pl_warn_errno("%s", ex->file);
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		r.line++;
		line[strcspn(line, "\r\n")] = '\0';
		int n = split(&r, line, w);
		if (n > 0)
			rc = statement(&r, w, n);
		else if (n < 0)
			rc = -1;
	}
	free(line);
	fclose(f);
	r.line++;
	if (rc == 0 && !ex->role)
		rc = bad(&r, "the exercise names no role: add 'role ROLE' (the student's program)");
	if (rc == 0 && !ex->nchecks)
		rc = bad(&r, "the exercise has no check: add 'check \"TEXT\" POINTS'");
	return rc;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

char *exercises_dir(void)
{
	char *dir = labs_dir() ? xasprintf("%s/exercises", labs_dir()) : NULL;

	if (dir && !is_dir(dir)) {
		free(dir);
		dir = NULL;
	}
	return dir;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **exercise_names(size_t *n)
{
	char *top = exercises_dir(), **names = NULL;
	DIR *d = top ? opendir(top) : NULL;
	struct dirent *e;

	*n = 0;
	while (d && (e = readdir(d))) {
		char *file = xasprintf("%s/%s/exercise", top, e->d_name);
		struct stat st;
		if (e->d_name[0] != '.' && stat(file, &st) == 0) {
			names = xrealloc(names, sizeof(*names) * (*n + 1));
			names[(*n)++] = xstrdup(e->d_name);
		}
		free(file);
	}
	if (d)
		closedir(d);
	free(top);
	if (*n)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

struct exercise *exercise_load(const char *name)
{
	struct exercise *ex = xcalloc(1, sizeof(*ex));
	char *top = exercises_dir();

	if (strchr(name, '/'))
		ex->dir = xstrdup(name);
	else if (top)
		ex->dir = xasprintf("%s/%s", top, name);
	free(top);
	ex->file = ex->dir ? xasprintf("%s/exercise", ex->dir) : NULL;
	struct stat st;
	if (!ex->file || stat(ex->file, &st) < 0) {
		pl_warn("no exercise '%s' ('portlab list --exercises' shows them)", name);
		exercise_free(ex);
		return NULL;
	}
	while (strlen(ex->dir) > 1 && ex->dir[strlen(ex->dir) - 1] == '/')
		ex->dir[strlen(ex->dir) - 1] = '\0';
	const char *base = strrchr(ex->dir, '/');
	ex->name = xstrdup(base ? base + 1 : ex->dir);
	ex->lab_file = xasprintf("%s/lab", ex->dir);
	ex->reference = xasprintf("%s/reference.c", ex->dir);
	if (read_file(ex) < 0) {
		exercise_free(ex);
		return NULL;
	}
	return ex;
}

static void free_hint(struct exercise_hint *h)
{
	for (size_t i = 0; i < h->nconds; i++)
		free_strings(h->conds[i], h->ncond_words[i]);
	free(h->conds);
	free(h->ncond_words);
	free(h->text);
}

void exercise_free(struct exercise *ex)
{
	if (!ex)
		return;
	for (size_t i = 0; i < ex->nchecks; i++) {
		for (size_t k = 0; k < ex->checks[i].nhints; k++)
			free_hint(&ex->checks[i].hints[k]);
		free(ex->checks[i].hints);
		free(ex->checks[i].text);
		free(ex->checks[i].catches);
	}
	free(ex->checks);
	free(ex->name), free(ex->dir), free(ex->file), free(ex->lab_file), free(ex->reference);
	free_strings(ex->roles, ex->nroles);
	free(ex->role), free(ex->title), free(ex->task), free(ex->variant_param);
	free(ex);
}

long variant_value(const struct exercise *ex, const char *student)
{
	uint32_t h = 2166136261u; /* FNV-1a: the same name gives the same port everywhere */

	for (const unsigned char *s = (const unsigned char *)student; *s; s++)
		h = (h ^ *s) * 16777619u;
	return ex->variant_lo + (long)(h % (uint32_t)(ex->variant_hi - ex->variant_lo + 1));
}
