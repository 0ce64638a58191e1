/*
 * cmd_grade.c - portlab grade: grade submissions of an exercise, one run
 * each, several at a time, and write the class's grades (grade_out.c).
 *
 *   portlab grade EXERCISE SUBMISSION...    a .c file, a folder or an executable each
 *   portlab grade EXERCISE --class DIR      every file or folder in DIR
 *   portlab grade --merge DIR...            join the outputs of --shard runs
 *   portlab grade EXERCISE --handout NAME   the task as student NAME gets it
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmdline.h"
#include "cmds.h"
#include "exercise.h"
#include "grade.h"
#include "grade_out.h"
#include "lab.h"
#include "labcheck.h"
#include "labread.h"
#include "nest.h"
#include "runfolder.h"
#include "util.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

struct submission {
	char *student, *path;
};

struct options {
	const char *class_dir, *out, *handout;
	long jobs, shard_k, shard_n;
	bool points, variants, merge;
};

static void usage(FILE *out)
{
	fputs("usage: portlab grade EXERCISE SUBMISSION...   (a .c file, a folder or an executable)\n"
	      "       portlab grade EXERCISE --class DIR     (every file or folder in DIR)\n"
	      "       portlab grade --merge DIR... [--out DIR]\n"
	      "       portlab grade EXERCISE --handout STUDENT\n"
	      "  -j, --jobs N      grade N submissions at a time (default: one per core)\n"
	      "  --out DIR         write the grades there (default grades/EXERCISE/TIMESTAMP/)\n"
	      "  --points          print points/max as the last line\n"
	      "  --shard K/N       grade only the K-th of N slices of the class\n"
	      "  --variants        derive the port from each student's name\n"
	      "Exit status: one submission: 0 at full marks, 1 below; a class: 0 when every\n"
	      "submission was graded; 2 usage error, 3 this machine cannot run labs.\n", out);
}

static int parse_shard(const char *arg, struct options *o)
{
	char tail;

	if (sscanf(arg, "%ld/%ld%c", &o->shard_k, &o->shard_n, &tail) != 2 || o->shard_n < 1 ||
	    o->shard_k < 1 || o->shard_k > o->shard_n) {
		pl_warn("--shard wants K/N with 1 <= K <= N, such as 2/4, not '%s'", arg);
		return -1;
	}
	return 0;
}

/* parse_options - ARGV into O; -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "class", required_argument, NULL, 'C' }, { "out", required_argument, NULL, 'o' },
		{ "jobs", required_argument, NULL, 'j' }, { "points", no_argument, NULL, 'P' },
		{ "shard", required_argument, NULL, 'S' }, { "variants", no_argument, NULL, 'V' },
		{ "merge", no_argument, NULL, 'M' }, { "handout", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	int ch;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "j:o:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'C': o->class_dir = optarg; break;
		case 'o': o->out = optarg; break;
		case 'P': o->points = true; break;
		case 'V': o->variants = true; break;
		case 'M': o->merge = true; break;
		case 'H': o->handout = optarg; break;
		case 'S':
			if (parse_shard(optarg, o) < 0)
				return EXIT_USAGE;
			break;
		case 'j':
			o->jobs = strtol(optarg, &end, 10);
			if (*end || o->jobs < 1 || o->jobs > 256) {
				pl_warn("--jobs wants a number from 1 to 256, not '%s'", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	return -1;
}

/* student_name - a submission's file name without its extension, or its folder's name. */
static char *student_name(const char *path)
{
	char *copy = xstrdup(path);
	size_t n = strlen(copy);

	while (n > 1 && copy[n - 1] == '/')
		copy[--n] = '\0';
	const char *base = strrchr(copy, '/') ? strrchr(copy, '/') + 1 : copy;
	char *name = xstrdup(base), *dot = strrchr(name, '.');
	struct stat st;
	if (dot && dot != name && stat(path, &st) == 0 && !S_ISDIR(st.st_mode))
		*dot = '\0';
	free(copy);
	return name;
}

static void add_submission(struct submission **v, size_t *n, const char *path)
{
	*v = xrealloc(*v, sizeof(**v) * (*n + 1));
	(*v)[(*n)++] = (struct submission){ .student = student_name(path), .path = xstrdup(path) };
}

/* list_class - every file or folder in DIR, in name order; -1 after saying why. */
static int list_class(const char *dir, struct submission **v, size_t *n)
{
	struct dirent **list;
	int k = scandir(dir, &list, NULL, alphasort);

	if (k < 0) {
		pl_warn_errno("--class %s", dir);
		return -1;
	}
	for (int i = 0; i < k; i++) {
		if (list[i]->d_name[0] != '.') {
			char *path = xasprintf("%s/%s", dir, list[i]->d_name);
			add_submission(v, n, path);
			free(path);
		}
		free(list[i]);
	}
	free(list);
	return 0;
}

/* check_names - no two submissions share a student name; 0 or -1 after saying which. */
static int check_names(const struct submission *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (!strcmp(s[i].student, s[k].student)) {
				pl_warn("%s and %s are both student '%s': rename one", s[i].path,
					s[k].path, s[i].student);
				return -1;
			}
	return 0;
}

/* take_shard - keep the K-th of N slices: every N-th submission from the K-th. */
static void take_shard(struct submission *s, size_t *n, const struct options *o)
{
	size_t kept = 0;

	for (size_t i = 0; i < *n; i++) {
		if ((long)(i % (size_t)o->shard_n) == o->shard_k - 1) {
			s[kept++] = s[i];
		} else {
			free(s[i].student);
			free(s[i].path);
		}
	}
	*n = kept;
}

static void free_submissions(struct submission *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].student);
		free(s[i].path);
	}
	free(s);
}

/* progress - "graded D/T, about S s left" on stderr. */
static void progress(size_t done, size_t total, double started)
{
	double elapsed = now_seconds() - started;
	double left = done ? elapsed / (double)done * (double)(total - done) : 0;

	fprintf(stderr, "portlab: graded %zu/%zu, %.0f s so far", done, total, elapsed);
	if (done < total && done)
		fprintf(stderr, ", about %.0f s left", left);
	fputs(isatty(STDERR_FILENO) && done < total ? "\r" : "\n", stderr);
}

/* grade_child - in a worker: grade submission S into OUT/student; never returns. */
static void grade_child(const struct exercise *ex, const struct submission *s, const char *out,
			const struct options *o)
{
	struct grade_options gopt = { .variants = o->variants, .interrupted = &interrupted };
	struct grade g;
	char *dir = xasprintf("%s/%s", out, s->student);
	int rc = grade_submission(ex, s->student, s->path, dir, &gopt, &g);

	grade_free(&g);
	free(dir);
	fflush(NULL);
	_exit(rc == 0 ? 0 : EXIT_ENV);
}

/* wait_one - reap a worker; its slot index in PIDS, or -1. */
static long wait_one(pid_t *pids, size_t n, int *status)
{
	for (;;) {
		pid_t pid = waitpid(-1, status, 0);
		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (pids[i] == pid)
				return (long)i;
	}
}

/* run_workers - grade every submission, JOBS at a time; the worst worker status. */
static int run_workers(const struct exercise *ex, const struct submission *s, size_t n,
		       const char *out, const struct options *o)
{
	pid_t pids[n ? n : 1];
	size_t next = 0, running = 0, done = 0;
	double started = now_seconds();
	int worst = 0, status;

	while (done < n) {
		while (running < (size_t)o->jobs && next < n && !interrupted) {
			fflush(NULL);
			pids[next] = fork();
			if (pids[next] < 0) {
				pl_warn_errno("fork");
				interrupted = SIGTERM;
				break;
			}
			if (pids[next] == 0)
				grade_child(ex, &s[next], out, o);
			next++, running++;
		}
		if (!running)
			break;
		long i = wait_one(pids, next, &status);
		if (i < 0)
			break;
		running--, done++;
		pids[i] = 0;
		int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		if (rc > worst)
			worst = rc;
		progress(done, n, started);
	}
	return interrupted ? 128 + interrupted : worst;
}

/* lost_grade - the grade of a submission whose worker died without writing one. */
static void lost_grade(const struct exercise *ex, const char *student, struct grade *g)
{
	memset(g, 0, sizeof(*g));
	g->student = xstrdup(student);
	g->status = xstrdup("error");
	g->max = ex->max_points;
	for (size_t i = 0; i < ex->nchecks; i++) {
		g->checks = xrealloc(g->checks, sizeof(*g->checks) * (g->nchecks + 1));
		g->checks[g->nchecks++] = (struct grade_check){ .name = xstrdup(ex->checks[i].text),
			.max = ex->checks[i].points,
			.hint = xstrdup("portlab could not grade this submission (see stderr)") };
	}
}

/* collect - the grades the workers wrote, in class order. */
static struct grade *collect(const struct exercise *ex, const struct submission *s, size_t n,
			     const char *out)
{
	struct grade *g = xcalloc(n ? n : 1, sizeof(*g));

	for (size_t i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", out, s[i].student);
		if (grade_read(dir, &g[i]) < 0) {
			grade_free(&g[i]);
			lost_grade(ex, s[i].student, &g[i]);
		}
		free(dir);
	}
	return g;
}

/* What the inner process of a grading needs (nest.h). */
struct class_to_grade {
	const struct exercise *ex;
	struct submission *s;
	size_t n;
	const struct options *o;
};

static int grade_class(const struct exercise *ex, struct submission *s, size_t n,
		       const struct options *o);

static int grade_body(void *arg)
{
	struct class_to_grade *c = arg;

	catch_stop_signals(on_signal);
	return grade_class(c->ex, c->s, c->n, c->o);
}

/*
 * grade_nested - grade the class inside namespaces that die with portlab,
 * as 'portlab run' does (nest.h): a killed grading leaves nothing; without
 * root it grades in a user namespace of its own.
 */
static int grade_nested(const struct exercise *ex, struct submission *s, size_t n,
			const struct options *o)
{
	struct class_to_grade c = { ex, s, n, o };
	const char *why = missing_privilege();

	if (why && geteuid() == 0) {
		pl_warn("grading needs %s (building network namespaces), which this root lacks", why);
		return EXIT_ENV;
	}
	int status = nest_run(grade_body, &c, why != NULL, NULL, NULL);
	return status < 0 ? EXIT_ENV : status;
}

/* grade_class - grade the N submissions S of EX into OUT. */
static int grade_class(const struct exercise *ex, struct submission *s, size_t n,
		       const struct options *o)
{
	char *out = o->out ? xstrdup(o->out) : grades_default_out(ex->name);
	int status;

	if (mkdirs(out) < 0) {
		free(out);
		return EXIT_ENV;
	}
	fprintf(stderr, "portlab: grading %zu submission%s of %s, %ld at a time, into %s/\n", n,
		n == 1 ? "" : "s", ex->name, o->jobs, out);
	status = run_workers(ex, s, n, out, o);
	if (interrupted) {
		fprintf(stderr, "portlab: interrupted; the grades made so far are in %s/\n", out);
		grades_give_back(out);
		free(out);
		return status;
	}
	struct grade *g = collect(ex, s, n, out);
	status = grades_publish(ex->name, g, n, out, o->points, status);
	grades_give_back(out);
	for (size_t i = 0; i < n; i++)
		grade_free(&g[i]);
	free(g);
	free(out);
	return status;
}

/* print_params - TEXT with each ${NAME} of LAB's parameters replaced by its value. */
static void print_params(const char *text, const struct lab *lab)
{
	for (const char *t = text ? text : ""; *t; t++) {
		size_t i;
		for (i = 0; i < lab->nparams; i++) {
			size_t len = strlen(lab->params[i].name);
			if (!strncmp(t, "${", 2) && !strncmp(t + 2, lab->params[i].name, len) &&
			    t[2 + len] == '}') {
				fputs(lab->params[i].value, stdout);
				t += 2 + len;
				break;
			}
		}
		if (i == lab->nparams)
			putchar(*t);
	}
}

/* handout - the exercise as STUDENT gets it: task and checks, with their variant's values. */
static int handout(const struct exercise *ex, const char *student)
{
	char *override = ex->variant_param ?
		xasprintf("%s=%ld", ex->variant_param, variant_value(ex, student)) : NULL;
	struct lab *lab = lab_read(ex->lab_file, override ? &override : NULL, override ? 1 : 0, NULL);

	free(override);
	if (!lab)
		return EXIT_USAGE;
	printf("# %s: ", ex->name);
	print_params(ex->title, lab);
	printf("\n\nHandout for %s.\n\n", student);
	print_params(ex->task, lab);
	printf("\n\nYour program is graded on (%d points):\n", ex->max_points);
	for (size_t i = 0; i < ex->nchecks; i++)
		printf("- %s (%d point%s)\n", ex->checks[i].text, ex->checks[i].points,
		       ex->checks[i].points == 1 ? "" : "s");
	lab_free(lab);
	return EXIT_PASS;
}

/* submissions - what to grade, from the command line or --class; -1 after saying why. */
static int submissions(char **args, int nargs, const struct options *o, struct submission **s,
		       size_t *n)
{
	if (o->class_dir && list_class(o->class_dir, s, n) < 0)
		return -1;
	for (int i = 0; i < nargs; i++) {
		if (access(args[i], F_OK) < 0) {
			pl_warn_errno("submission %s", args[i]);
			return -1;
		}
		add_submission(s, n, args[i]);
	}
	if (!*n) {
		pl_warn(o->class_dir ? "--class %s holds no submission" :
			"what to grade? name submissions or --class DIR", o->class_dir);
		return -1;
	}
	if (check_names(*s, *n) < 0)
		return -1;
	if (o->shard_n)
		take_shard(*s, n, o);
	return 0;
}

int cmd_grade(int argc, char **argv)
{
	struct options o = { .jobs = sysconf(_SC_NPROCESSORS_ONLN) };
	struct submission *s = NULL;
	size_t n = 0;
	int status = parse_options(argc, argv, &o);

	if (status >= 0)
		return status;
	if (o.jobs < 1)
		o.jobs = 1;
	if (o.merge)
		return optind < argc ? grades_merge(argv + optind, argc - optind, o.out, o.points) :
		       (pl_warn("--merge wants the folders of the shards"), EXIT_USAGE);
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	struct exercise *ex = exercise_load(argv[optind]);
	if (!ex)
		return EXIT_USAGE;
	if (grade_check_exercise(ex) < 0) {
		exercise_free(ex);
		return EXIT_USAGE;
	}
	if (o.handout) {
		status = handout(ex, o.handout);
	} else if (submissions(argv + optind + 1, argc - optind - 1, &o, &s, &n) < 0) {
		status = EXIT_USAGE;
	} else {
		status = grade_nested(ex, s, n, &o);
	}
	free_submissions(s, n);
	exercise_free(ex);
	return status;
}
