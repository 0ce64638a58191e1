/*
 * cmd_run.c - portlab run: read the options, check the labs can run, run
 * each (run.c) and print what came of it (report.c): a report per lab and
 * a summary for people, one JSON document or one JUnit file for machines.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "cmds.h"
#include "json.h"
#include "lab.h"
#include "labcheck.h"
#include "labread.h"
#include "nest.h"
#include "paths.h"
#include "report.h"
#include "report_html.h"
#include "run.h"
#include "runfolder.h"
#include "util.h"
#include "version.h"

static volatile sig_atomic_t interrupted;

/* on_signal - remember the signal: the run takes the lab down, then portlab exits 128 + it. */
static void on_signal(int sig)
{
	interrupted = sig;
}

struct options {
	bool json, verbose, all;
	bool rootless;   /* in a user namespace of our own: only our uid is mapped */
	bool trace;      /* --trace: every program runs under the tracer */
	char **params;
	size_t nparams;
	char **use;
	size_t nuse;
	const char *captures;
	const char *junit_path;
	FILE *junit;     /* --junit: one <testsuite> per lab */
	struct json out; /* --json: one document for every lab */
};

/* What the summary prints, one line per lab. */
struct summary {
	const char *name;
	int status;
	size_t passed, total;
	double seconds;
	bool skipped;
	char *title;     /* the lab's, for the index page */
	char *dir;       /* the run's folder, when it has report.html */
};

static void usage(FILE *out)
{
	fputs("usage: portlab run [OPTIONS] LAB... | --all\n"
	      "  --json             print the results as one JSON document instead of a report\n"
	      "  --verbose          show every event and flow (with several labs: show events\n"
	      "                     and flows at all; otherwise only verdicts are shown)\n"
	      "  --param NAME=VALUE set a lab parameter (see the lab's 'param' lines)\n"
	      "  --use ROLE=PATH    run PATH in place of ROLE's program, traced: any binary,\n"
	      "                     a script, or source (FILE.c, a folder with .c files or a\n"
	      "                     Makefile) that portlab compiles into the run's folder\n"
	      "  --trace            trace every program's socket calls (their own event lines\n"
	      "                     are kept in <role>.stdout, not read as events)\n"
	      "  --captures DIR     write captures under DIR/<lab>/<run-id>/ (default: captures/)\n"
	      "  --junit FILE       also write the verdicts as JUnit XML, for CI and graders\n"
	      "  --all              run every lab\n"
	      "LAB is a lab's name ('portlab list') or the path of a lab file.\n"
	      "Exit status: 0 every expectation held, 1 one failed, 2 usage or lab-file error,\n"
	      "3 this machine cannot run labs, 128+N stopped by signal N (130 for Ctrl-C).\n", out);
}

/*
 * read_lab - the lab NAME, ready to run, or NULL with what was wrong in
 * *ERROR as well as on stderr (so that JSON and JUnit can carry it too).
 */
static struct lab *read_lab(const char *name, const struct options *opt, char **error,
			    struct expectations **expects)
{
	FILE *said = tmpfile();
	int saved = dup(STDERR_FILENO);
	struct lab *lab = NULL;

	fflush(stderr);
	if (said && saved >= 0 && dup2(fileno(said), STDERR_FILENO) >= 0) {
		char *file = lab_file(name);
		lab = file ? lab_read(file, opt->params, opt->nparams, expects) : NULL;
		free(file);
		if (lab && check_use(lab, opt->use, opt->nuse) < 0) {
			expectations_free(*expects);
			lab_free(lab);
			lab = NULL;
		}
		fflush(stderr);
		dup2(saved, STDERR_FILENO);
	} else {
		pl_warn_errno("keeping what the lab reader says");
	}
	*error = NULL;
	if (said) {
		char buf[4096];
		size_t n = (rewind(said), fread(buf, 1, sizeof(buf) - 1, said));
		buf[n] = '\0';
		fputs(buf, stderr); /* people see it as before */
		buf[strcspn(buf, "\n")] = '\0';
		if (!lab)
			*error = xstrdup(buf[0] ? buf : "the lab cannot be read");
		fclose(said);
	}
	if (saved >= 0)
		close(saved);
	return lab;
}

static enum detail_level detail_level(const struct options *opt, size_t nlabs)
{
	if (opt->verbose)
		return nlabs > 1 ? DETAIL_NORMAL : DETAIL_ALL;
	return nlabs > 1 ? DETAIL_BRIEF : DETAIL_NORMAL;
}

/* json_not_run - lab NAME that did not run, in the JSON document: its STATUS and KEY: TEXT. */
static void json_not_run(struct options *opt, const char *name, int status, const char *key,
			 const char *text)
{
	json_begin_object(&opt->out, NULL);
	json_string(&opt->out, "format", RESULT_FORMAT);
	json_string(&opt->out, "lab", name);
	json_int(&opt->out, "status", status);
	json_string(&opt->out, key, text);
	json_end_object(&opt->out);
}

/* print_error - a lab that did not run, in the machine outputs: NAME, exit STATUS, ERROR. */
static void print_error(struct options *opt, const char *name, int status, const char *error)
{
	if (opt->json)
		json_not_run(opt, name, status, "error", error);
	if (opt->junit)
		report_junit_error(opt->junit, name, error);
}

/* print_run - a run that went its way: result.json, then the report, JSON or JUnit asked for. */
static void print_run(struct options *opt, const struct run_result *res, size_t nlabs)
{
	char *page = xasprintf("%s/report.html", res->dir);

	report_write_result(res);
	if (report_html(res, page) < 0)
		pl_warn("the run has no report page");
	if (opt->json)
		report_json_value(&opt->out, res);
	else if (res->interrupted)
		printf("lab %s (run %s): INTERRUPTED after %.1f s; captures so far in %s/\n",
		       res->lab->name, res->run_id, res->run_seconds, res->dir);
	else
		report_text(stdout, res, detail_level(opt, nlabs));
	if (!opt->json && !res->interrupted)
		printf("report page in %s\n", page);
	if (opt->junit && !res->interrupted)
		report_junit(opt->junit, res);
	free(page);
}

/*
 * rootless_skip - why LAB cannot run rootless, or NULL: a program that runs
 * as another user needs that uid mapped in our user namespace, and an
 * ordinary user can map only its own.
 */
static char *rootless_skip(const struct lab *lab)
{
	for (size_t i = 0; i < lab->nsteps; i++)
		if (lab->steps[i].user && !user_is_root(lab->steps[i].user))
			return xasprintf("%s:%d runs %s as user %s: a rootless run maps only your own "
					 "uid; run this lab with sudo", lab->file, lab->steps[i].line,
					 lab->steps[i].role, lab->steps[i].user);
	return NULL;
}

/* print_skip - lab NAME was skipped for WHY, in every output asked for. */
static void print_skip(struct options *opt, const char *name, const char *why)
{
	if (opt->json) {
		json_not_run(opt, name, EXIT_PASS, "skipped", why);
	} else {
		printf("lab %s: SKIP: %s\n", name, why);
	}
	if (opt->junit)
		report_junit_skip(opt->junit, name, why);
}

/* run_one - read, run and report lab NAME; returns its exit status. */
static int run_one(const char *name, struct options *opt, size_t nlabs, struct summary *sum)
{
	struct run_options ropt = { .use = opt->use, .nuse = opt->nuse,
				    .captures_root = opt->captures, .progress = !opt->json,
				    .trace_all = opt->trace,
				    .interrupted = &interrupted };
	struct run_result res = { 0 };
	char *error;
	struct expectations *expects = NULL;
	struct lab *lab = read_lab(name, opt, &error, &expects);

	if (!lab) {
		print_error(opt, name, EXIT_USAGE, error);
		free(error);
		return EXIT_USAGE;
	}
	char *skip = opt->rootless ? rootless_skip(lab) : NULL;
	if (skip) {
		print_skip(opt, name, skip);
		sum->skipped = true;
		free(skip);
		expectations_free(expects);
		lab_free(lab);
		return EXIT_PASS;
	}
	sum->title = lab->title ? xstrdup(lab->title) : NULL;
	int status = run_lab(lab, expects, &ropt, &res);
	if (status == EXIT_PASS || status == EXIT_FAIL) {
		print_run(opt, &res, nlabs);
		sum->dir = xstrdup(res.dir);
	} else {
		print_error(opt, name, status, status == EXIT_USAGE ?
			    "the kernel refused a line of the lab file (see stderr)" :
			    "this machine could not build or capture the lab (see stderr)");
	}
	for (size_t i = 0; i < res.nverdicts; i++)
		sum->passed += res.verdicts[i].passed;
	sum->total = res.nverdicts;
	if (interrupted) {
		status = 128 + interrupted;
		if (!opt->json)
			fprintf(stderr, "portlab: interrupted; run %s was taken down\n", res.run_id);
	}
	run_result_free(&res);
	return status;
}

static void print_summary(const struct summary *sums, size_t n)
{
	int width = 3;

	for (size_t i = 0; i < n; i++)
		if ((int)strlen(sums[i].name) > width)
			width = (int)strlen(sums[i].name);
	printf("summary\n  %-*s  %-6s  %-13s %s\n", width, "LAB", "RESULT", "EXPECTATIONS",
	       "SECONDS");
	for (size_t i = 0; i < n; i++)
		printf("  %-*s  %-6s  %4zu of %-5zu %7.1f\n", width, sums[i].name,
		       sums[i].skipped ? "SKIP" : sums[i].status == EXIT_PASS ? "PASS" :
		       sums[i].status == EXIT_FAIL ? "FAIL" : "ERROR", sums[i].passed, sums[i].total,
		       sums[i].seconds);
}

/*
 * write_index - with --all, <captures root>/index.html: a line per lab of
 * SUMS (N of them) linking its report page, relative to the root.
 */
static void write_index(const struct options *opt, const struct summary *sums, size_t n)
{
	const char *root = captures_root(opt->captures);
	char *path = xasprintf("%s/index.html", root);
	struct html_index_row *rows = xcalloc(n + 1, sizeof(*rows));
	size_t rootlen = strlen(root);

	for (size_t i = 0; i < n; i++) {
		const struct summary *s = &sums[i];
		const char *dir = s->dir;
		if (dir && !strncmp(dir, root, rootlen) && dir[rootlen] == '/')
			dir += rootlen + 1;
		rows[i] = (struct html_index_row){ .lab = s->name, .title = s->title,
			.report = dir ? xasprintf("%s/report.html", dir) : NULL,
			.outcome = s->skipped ? "SKIP" : s->status == EXIT_PASS ? "PASS" :
				   s->status == EXIT_FAIL ? "FAIL" : "ERROR",
			.passed = s->passed, .total = s->total };
	}
	if (report_html_index(path, rows, n) == 0 && !opt->json)
		printf("index of the report pages in %s\n", path);
	for (size_t i = 0; i < n; i++)
		free((char *)rows[i].report);
	free(rows);
	free(path);
}

/* open_outputs - the JSON document's head and the JUnit file; 0 or -1 after saying why. */
static int open_outputs(struct options *opt)
{
	if (opt->junit_path) {
		opt->junit = fopen(opt->junit_path, "w");
		if (!opt->junit) {
			pl_warn_errno("--junit %s", opt->junit_path);
			return -1;
		}
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"portlab\">\n",
		      opt->junit);
	}
	if (opt->json) { /* the same shape for one lab and for many */
		json_init(&opt->out, stdout, true);
		json_begin_object(&opt->out, NULL);
		json_string(&opt->out, "format", RUNS_FORMAT);
		json_string(&opt->out, "portlab", portlab_version);
		json_begin_array(&opt->out, "labs");
	}
	return 0;
}

/* close_outputs - finish the JSON document and the JUnit file; STATUS, worse if writing failed. */
static int close_outputs(struct options *opt, int status)
{
	if (opt->json) {
		json_end_array(&opt->out);
		json_end_object(&opt->out);
		json_end(&opt->out);
	}
	if (opt->junit) {
		fputs("</testsuites>\n", opt->junit);
		if (fclose(opt->junit) != 0) {
			pl_warn_errno("--junit %s", opt->junit_path);
			status = status ? status : EXIT_FAIL;
		}
	}
	return status;
}

/* run_labs - run the N labs NAMES in turn; the worst exit status. */
static int run_labs(struct options *opt, char **names, size_t n)
{
	struct summary sums[n ? n : 1];
	size_t done = 0;
	int status = EXIT_PASS;

	for (size_t i = 0; i < n && !interrupted; i++, done++) {
		if (!opt->json && n > 1)
			fprintf(stderr, "portlab: [%zu/%zu] %s\n", i + 1, n, names[i]);
		sums[i] = (struct summary){ .name = names[i] };
		double t0 = now_seconds();
		sums[i].status = run_one(names[i], opt, n, &sums[i]);
		sums[i].seconds = now_seconds() - t0;
		if (sums[i].status > status)
			status = sums[i].status;
		if (!opt->json && n > 1)
			fputs("\n", stdout);
		fflush(stdout);
	}
	if (!opt->json && n > 1)
		print_summary(sums, done);
	if (opt->all)
		write_index(opt, sums, done);
	for (size_t i = 0; i < done; i++) {
		free(sums[i].title);
		free(sums[i].dir);
	}
	return status;
}

static void add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, sizeof(char *) * (*n + 1));
	(*v)[(*n)++] = (char *)s;
}

/* parse_options - ARGV into OPT; -1 to go on, else the exit status. */
static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "param", required_argument, NULL, 'p' },
		{ "use", required_argument, NULL, 'u' },
		{ "captures", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'a' },
		{ "junit", required_argument, NULL, 'J' },
		{ "trace", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "jvp:u:c:ah", longopts, NULL)) != -1) {
		switch (ch) {
		case 'J': opt->junit_path = optarg; break;
		case 'j': opt->json = true; break;
		case 't': opt->trace = true; break;
		case 'v': opt->verbose = true; break;
		case 'a': opt->all = true; break;
		case 'c': opt->captures = optarg; break;
		case 'p':
			if (!name_value("param", optarg, &opt->params, &opt->nparams))
				return EXIT_USAGE;
			break;
		case 'u':
			if (!name_value("use", optarg, &opt->use, &opt->nuse))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (opt->all == (optind < argc)) {
		pl_warn(opt->all ? "--all runs every lab: name no lab with it" : "which lab? ('portlab list')");
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}


/* What the inner process of a run needs (nest.h). */
struct body {
	struct options *opt;
	char **names;
	size_t nnames;
};

/* run_body - in the run's own namespaces: every lab, and the JSON and JUnit around them. */
static int run_body(void *arg)
{
	struct body *b = arg;

	if (open_outputs(b->opt) < 0)
		return EXIT_USAGE;
	catch_stop_signals(on_signal);
	int status = b->nnames ? run_labs(b->opt, b->names, b->nnames) : EXIT_USAGE;
	return close_outputs(b->opt, status);
}

int cmd_run(int argc, char **argv)
{
	struct options opt = { 0 };
	struct body body = { .opt = &opt };
	const char *why;
	int status = parse_options(argc, argv, &opt);

	if (status >= 0)
		goto out;
	why = missing_privilege();
	if (why && geteuid() == 0) { /* root, yet without capabilities: a container, say */
		pl_warn("labs need %s (building network namespaces and capturing), which this "
			"root lacks", why);
		status = EXIT_ENV;
		goto out;
	}
	opt.rootless = why != NULL; /* an ordinary user: a user namespace of our own */
	if (opt.all) {
		body.names = lab_names(&body.nnames);
		if (!body.nnames)
			pl_warn("no labs found in %s", labs_dir() ? labs_dir() : "(no scenarios folder)");
	} else {
		for (int i = optind; i < argc; i++)
			add(&body.names, &body.nnames, xstrdup(argv[i]));
	}
	status = nest_run(run_body, &body, opt.rootless, NULL, NULL);
	if (status < 0)
		status = EXIT_ENV;
	free_strings(body.names, body.nnames);
out:
	free(opt.params);
	free(opt.use);
	return status;
}
