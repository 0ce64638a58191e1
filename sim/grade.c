/* grade.c - grade one submission (see grade.h). */
#include "grade.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build_program.h"
#include "cmds.h"
#include "exercise.h"
#include "expect.h"
#include "hints.h"
#include "lab.h"
#include "labread.h"
#include "overlap.h"
#include "report.h"
#include "report_html.h"
#include "run.h"
#include "runfolder.h"
#include "steps.h"
#include "util.h"

/* with_params - TEXT with every ${NAME} of LAB's parameters replaced, newly allocated. */
static char *with_params(const char *text, const struct lab *lab)
{
	char *out = xstrdup(text);

	for (size_t i = 0; i < lab->nparams; i++) {
		char *key = xasprintf("${%s}", lab->params[i].name), *at;
		while ((at = strstr(out, key))) {
			char *next = xasprintf("%.*s%s%s", (int)(at - out), out, lab->params[i].value,
					       at + strlen(key));
			free(out);
			out = next;
		}
		free(key);
	}
	return out;
}

/* compile_condition - one hint condition (words "SUBJECT...: CHECK...") against LAB, or NULL. */
static struct expect *compile_condition(const struct exercise *ex, const struct exercise_hint *h,
					char **words, size_t n, const struct lab *lab)
{
	char *w[n ? n : 1], err[256];
	size_t colon = n;
	struct expect *e = NULL;

	for (size_t i = 0; i < n; i++) {
		w[i] = with_params(words[i], lab);
		size_t len = strlen(w[i]);
		if (colon == n && len > 1 && w[i][len - 1] == ':') {
			w[i][len - 1] = '\0';
			colon = i;
		}
	}
	if (colon + 1 < n)
		e = expect_compile(lab, w, colon + 1, w + colon + 1, n - colon - 1, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "a ':' must separate the subject from the check");
	if (!e)
		fprintf(stderr, "%s:%d: hint condition: %s\n", ex->file, h->line, err);
	for (size_t i = 0; i < n; i++)
		free(w[i]);
	return e;
}

/* Every hint condition of one check, compiled. */
struct check_hints {
	struct expect ***conds;
	size_t *nconds;
	size_t nhints;
};

static void compile_hints(const struct exercise *ex, const struct exercise_check *c,
			  const struct lab *lab, struct check_hints *ch)
{
	ch->nhints = c->nhints;
	ch->conds = xcalloc(c->nhints + 1, sizeof(*ch->conds));
	ch->nconds = xcalloc(c->nhints + 1, sizeof(size_t));
	for (size_t h = 0; h < c->nhints; h++) {
		const struct exercise_hint *hint = &c->hints[h];
		ch->conds[h] = xcalloc(hint->nconds + 1, sizeof(struct expect *));
		ch->nconds[h] = hint->nconds;
		for (size_t k = 0; k < hint->nconds; k++)
			ch->conds[h][k] = compile_condition(ex, hint, hint->conds[k],
							    hint->ncond_words[k], lab);
	}
}

static void free_hints(struct check_hints *ch)
{
	for (size_t h = 0; h < ch->nhints; h++) {
		for (size_t k = 0; k < ch->nconds[h]; k++)
			expect_free(ch->conds[h][k]);
		free(ch->conds[h]);
	}
	free(ch->conds);
	free(ch->nconds);
}

/* find_verdict - the verdict called TEXT, or NULL. */
static const struct verdict *find_verdict(const struct run_result *res, const char *text)
{
	for (size_t i = 0; i < res->nverdicts; i++)
		if (!strcmp(res->verdicts[i].text, text))
			return &res->verdicts[i];
	return NULL;
}

/* exit_check - did ROLE's program end by itself with status 0? DETAIL says how it ended. */
static bool exit_check(const struct run_result *res, const char *role, char *detail, size_t len)
{
	for (size_t i = 0; i < res->nprograms; i++) {
		const struct program_end *p = &res->programs[i];
		if (strcmp(p->role, role))
			continue;
		if (p->timed_out)
			snprintf(detail, len, "your program was still running after %.1f s and was "
				 "killed: it must end by itself", p->seconds);
		else if (p->signal)
			snprintf(detail, len, "your program was killed by signal %s", p->signal);
		else
			snprintf(detail, len, "your program exited with status %d", p->exit_code);
		return !p->timed_out && !p->signal && p->exit_code == 0;
	}
	snprintf(detail, len, "your program did not run");
	return false;
}

/* overlap_check - were two TCP connections open at once on some wire? DETAIL says which. */
static bool overlap_check(const struct run_result *res, char *detail, size_t len)
{
	snprintf(detail, len, "no capture");
	for (size_t c = 0; c < res->data.ncaptures; c++)
		if (tcp_overlap(res->captures[c].file, detail, len) == 1) {
			size_t used = strlen(detail);
			snprintf(detail + used, len - used, ", in %s", res->captures[c].file);
			return true;
		}
	return false;
}

static void add_check(struct grade *g, const struct exercise_check *c, bool passed, char *hint)
{
	g->checks = xrealloc(g->checks, sizeof(*g->checks) * (g->nchecks + 1));
	g->checks[g->nchecks++] = (struct grade_check){ .name = xstrdup(c->text),
		.points = passed ? c->points : 0, .max = c->points, .hint = passed ? NULL : hint };
	if (passed)
		free(hint);
	g->points += passed ? c->points : 0;
}

/* make_hint - the hint for C, with the lab's ${param} values in it. */
static char *make_hint(const struct exercise_check *c, const struct check_hints *ch,
		       const struct verdict *v, const struct run_result *res, const char *role)
{
	char *raw = hint_for(c, ch->conds, ch->nconds, v, res, role);
	char *hint = with_params(raw, res->lab);

	free(raw);
	return hint;
}

/* score - every check of EX from the run RES. */
static void score(const struct exercise *ex, const struct run_result *res, struct grade *g)
{
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct exercise_check *c = &ex->checks[i];
		struct check_hints ch;
		compile_hints(ex, c, res->lab, &ch);
		if (!strcmp(c->text, CHECK_EXITS_0) || !strcmp(c->text, CHECK_OVERLAP)) {
			char detail[512];
			struct verdict v = { .text = c->text, .detail = detail };
			bool ok = !strcmp(c->text, CHECK_OVERLAP) ? overlap_check(res, detail, sizeof(detail)) :
				  exit_check(res, ex->role, detail, sizeof(detail));
			add_check(g, c, ok, ok ? NULL : make_hint(c, &ch, &v, res, ex->role));
		} else {
			const struct verdict *v = find_verdict(res, c->text);
			bool ok = v && v->passed && !res->interrupted;
			add_check(g, c, ok, ok ? NULL : v ? make_hint(c, &ch, v, res, ex->role) :
				  xasprintf("the lab has no expectation \"%s\" (%s:%d)", c->text,
					    ex->file, c->line));
		}
		free_hints(&ch);
	}
}

/* first_error - the compiler's first line that says "error", for the hint. */
static char *first_error(const char *log)
{
	FILE *f = fopen(log, "r");
	char line[512], *found = NULL;

	while (f && !found && fgets(line, sizeof(line), f))
		if (strstr(line, " error:") || strstr(line, " Error ") || strstr(line, "portlab:")) {
			line[strcspn(line, "\r\n")] = '\0';
			found = xstrdup(line);
		}
	if (f)
		fclose(f);
	return found ? found : xstrdup("see compile.log");
}

static void fail_all(const struct exercise *ex, struct grade *g, const char *why)
{
	for (size_t i = 0; i < ex->nchecks; i++)
		add_check(g, &ex->checks[i], false, xstrdup(why));
}

/* write_run - the run's report for people and its result.json, in the student's folder; report.html in the run's. */
static void write_run(const struct run_result *res, const char *dir)
{
	char *paths[2] = { xasprintf("%s/report.txt", dir), xasprintf("%s/result.json", dir) };

	for (int i = 0; i < 2; i++) {
		FILE *f = fopen(paths[i], "w");
		if (!f) {
			pl_warn_errno("%s", paths[i]);
		} else {
			if (i == 0)
				report_text(f, res, DETAIL_ALL);
			else
				report_json(f, res);
			if (fclose(f) != 0)
				pl_warn_errno("%s", paths[i]);
		}
		free(paths[i]);
	}
	report_html_folder(res); /* the page in the run's own folder, as `portlab run` leaves it */
}

/* run_submission - the lab with BINARY as the student's role; scores into G. */
static int run_submission(const struct exercise *ex, const char *binary, const char *dir,
			  const struct grade_options *opt, struct grade *g)
{
	char *override = g->variant, *use[ex->nroles];
	struct expectations *expects = NULL;
	struct lab *lab = lab_read(ex->lab_file, override ? &override : NULL, override ? 1 : 0, &expects);
	struct run_result res = { 0 };
	struct run_options ropt = { .use = use, .nuse = ex->nroles, .captures_root = dir,
				    .interrupted = opt->interrupted };

	for (size_t i = 0; i < ex->nroles; i++) /* a server started twice is the student's twice */
		use[i] = xasprintf("%s=%s", ex->roles[i], binary);
	int status = EXIT_ENV;

	if (!lab) {
		fail_all(ex, g, "the exercise's lab cannot be read (see stderr)");
		g->status = xstrdup("error");
	} else {
		status = run_lab(lab, expects, &ropt, &res);
		if (status == EXIT_PASS || status == EXIT_FAIL) {
			write_run(&res, dir);
			score(ex, &res, g);
			g->status = xstrdup("graded");
		} else {
			fail_all(ex, g, "the lab could not run on this machine (see stderr)");
			g->status = xstrdup("error");
		}
		run_result_free(&res);
	}
	for (size_t i = 0; i < ex->nroles; i++)
		free(use[i]);
	return status == EXIT_ENV ? -1 : 0;
}

/* role_in_lab - does LAB start or run a program as ROLE? */
static bool role_in_lab(const struct lab *lab, const char *role)
{
	for (size_t i = 0; i < lab->nsteps; i++)
		if (lab->steps[i].kind <= STEP_RUN && !strcmp(lab->steps[i].role, role))
			return true;
	return false;
}

/* check_against_lab - EX's roles, checks and hint conditions fit LAB; false after saying why. */
static bool check_against_lab(const struct exercise *ex, const struct lab *lab)
{
	bool ok = true;

	for (size_t i = 0; i < ex->nroles; i++)
		if (!role_in_lab(lab, ex->roles[i])) {
			fprintf(stderr, "%s: role '%s' runs no program in %s\n", ex->file, ex->roles[i],
				lab->file);
			ok = false;
		}
	for (size_t i = 0; i < ex->nchecks; i++) {
		const struct exercise_check *c = &ex->checks[i];
		bool found = !strcmp(c->text, CHECK_EXITS_0) || !strcmp(c->text, CHECK_OVERLAP);
		for (size_t k = 0; k < lab->nexpects && !found; k++)
			found = !strcmp(lab->expects[k].text, c->text);
		if (!found) {
			fprintf(stderr, "%s:%d: check \"%s\" is no expectation of %s, nor one of "
				"portlab's (\"%s\", \"%s\")\n", ex->file, c->line, c->text, lab->file,
				CHECK_EXITS_0, CHECK_OVERLAP);
			ok = false;
		}
		struct check_hints ch;
		compile_hints(ex, c, lab, &ch);
		for (size_t h = 0; h < ch.nhints; h++)
			for (size_t k = 0; k < ch.nconds[h]; k++)
				ok &= ch.conds[h][k] != NULL;
		free_hints(&ch);
	}
	return ok;
}

int grade_check_exercise(const struct exercise *ex)
{
	struct lab *lab = lab_read(ex->lab_file, NULL, 0, NULL);
	bool ok = lab && check_against_lab(ex, lab);

	lab_free(lab);
	return ok ? 0 : -1;
}

int grade_submission(const struct exercise *ex, const char *student, const char *submission,
		     const char *dir, const struct grade_options *opt, struct grade *g)
{
	char *binary = NULL, *log = NULL;
	double t0 = now_seconds();
	int rc = 0;

	memset(g, 0, sizeof(*g));
	g->student = xstrdup(student);
	g->max = ex->max_points;
	g->digest = submission_digest(submission);
	if (opt->variants && ex->variant_param)
		g->variant = xasprintf("%s=%ld", ex->variant_param, variant_value(ex, student));
	if (mkdirs(dir) < 0) {
		fail_all(ex, g, "portlab could not make the student's folder");
		g->status = xstrdup("error");
		return -1;
	}
	switch (build_program(submission, dir, &binary, &log)) {
	case BUILD_OK:
		rc = run_submission(ex, binary, dir, opt, g);
		break;
	case BUILD_FAILED: {
		char *err = first_error(log), *why = xasprintf("your program does not compile: %s "
			"(the whole compiler output is in compile.log)", err);
		fail_all(ex, g, why);
		g->status = xstrdup("compile-error");
		free(err);
		free(why);
		break;
	}
	default:
		fail_all(ex, g, "portlab could not build the submission (see stderr)");
		g->status = xstrdup("error");
		rc = -1;
	}
	free(binary);
	free(log);
	g->seconds = now_seconds() - t0;
	if (grade_write(g, dir) < 0)
		rc = -1;
	return rc;
}
