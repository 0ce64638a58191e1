/*
 * cmd_run.c - portlab run: build a lab, run its programs under capture,
 * take it all down again, and judge its expectations.
 *
 * The order matters: captures are active before the first program starts,
 * drained after the last one ends, and the topology is removed on every
 * path out, including Ctrl-C.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "analyse.h"
#include "capture.h"
#include "cmds.h"
#include "compile.h"
#include "events.h"
#include "expect.h"
#include "json.h"
#include "lab.h"
#include "launch.h"
#include "netns.h"
#include "paths.h"
#include "pcapng.h"
#include "record.h"
#include "report.h"
#include "steps.h"
#include "util.h"

static volatile sig_atomic_t interrupted;

/* on_signal - remember the signal: the run loop takes the lab down, then exits 128 + it. */
static void on_signal(int sig)
{
	interrupted = sig;
}

struct options {
	bool json, verbose, all, brief;
	bool trace;      /* --trace: every program runs under the tracer */
	char **params;
	size_t nparams;
	char **use;
	size_t nuse;
	const char *captures;
	FILE *junit;     /* --junit: one <testsuite> per lab */
};

static void usage(FILE *out)
{
	fputs("usage: portlab run [OPTIONS] LAB... | --all\n"
	      "  --json             print the result as JSON (result.json) instead of a report\n"
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

/* missing_privilege - NULL when we may build namespaces, else what is missing. */
static const char *missing_privilege(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	unsigned long long eff = 0;

	if (!f)
		return "cannot read /proc/self/status";
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	if (!(eff & (1ULL << CAP_NET_ADMIN)))
		return "CAP_NET_ADMIN";
	if (!(eff & (1ULL << CAP_SYS_ADMIN)))
		return "CAP_SYS_ADMIN";
	if (!(eff & (1ULL << CAP_NET_RAW)))
		return "CAP_NET_RAW";
	return NULL;
}

static void make_run_id(char *id, size_t len)
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

/* mkdirs - mkdir -p; returns 0 or -1 after saying why. */
static int mkdirs(const char *path)
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

static const char *captures_root(const struct options *opt)
{
	static char buf[4096];

	if (opt->captures)
		return opt->captures;
	/* the captures/ folder beside scenarios/, in a source tree */
	char *try = xasprintf("%s/../captures", labs_dir() ? labs_dir() : exe_dir());
	char *real = realpath(try, NULL);
	char cwd[4096];
	free(try);
	if (real && strlen(real) < sizeof(buf)) {
		/* say it as people typed their way here: relative to where they are */
		size_t n = getcwd(cwd, sizeof(cwd)) ? strlen(cwd) : 0;
		if (n && !strncmp(real, cwd, n) && real[n] == '/')
			snprintf(buf, sizeof(buf), "%s", real + n + 1);
		else
			snprintf(buf, sizeof(buf), "%s", real);
		free(real);
		return buf;
	}
	free(real);
	return "captures";
}

/* register_run - note in /run/portlab that this process owns RUN_ID, for 'portlab clean'. */
static char *register_run(const char *run_id)
{
	char *path = xasprintf(RUNS_DIR "/%s.pid", run_id);
	FILE *f;

	if (mkdir(RUNS_DIR, 0755) < 0 && errno != EEXIST) {
		pl_warn_errno("mkdir " RUNS_DIR);
		return path;
	}
	f = fopen(path, "w");
	if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0)
		pl_warn_errno("%s", path);
	return path;
}

static void add_verdict(struct outcome *o, const char *text, const char *check, bool passed,
			const char *detail, int line)
{
	o->verdicts = xrealloc(o->verdicts, sizeof(*o->verdicts) * (o->nverdicts + 1));
	o->verdicts[o->nverdicts++] = (struct verdict){
		.text = xstrdup(text), .check = xstrdup(check), .passed = passed,
		.detail = xstrdup(detail), .line = line,
	};
}

/* judge - the lab's expectations, then portlab's own: programs ended well, nothing dropped. */
static void judge(struct outcome *o)
{
	const struct lab *lab = o->lab;
	char detail[1024];
	uint64_t packets = 0, dropped = 0, damaged = 0;

	for (size_t i = 0; i < lab->nexpects; i++) {
		const struct lab_expect *e = &lab->expects[i];
		bool ok = expect_judge(e->compiled, &o->data, detail, sizeof(detail));
		add_verdict(o, e->text, e->source, ok, detail, e->line);
	}
	const struct runner *r = o->runner;
	if (r->nproblems)
		snprintf(detail, sizeof(detail), "%s%s", r->problems[0],
			 r->nproblems > 1 ? " (and more: see problems in result.json)" : "");
	else
		snprintf(detail, sizeof(detail), "%zu program%s, no timeout, no crash", r->nprocs,
			 r->nprocs == 1 ? "" : "s");
	add_verdict(o, "every program ran as planned", "programs", !r->nproblems && !o->interrupted,
		    o->interrupted ? "interrupted" : detail, 0);
	for (size_t i = 0; i < o->captures->n; i++) {
		packets += o->captures->caps[i].written;
		dropped += o->captures->caps[i].dropped + o->captures->caps[i].if_dropped;
		damaged += o->summaries[i].truncated + o->summaries[i].malformed +
			   (o->summaries[i].read_status != 0);
	}
	snprintf(detail, sizeof(detail), "%zu interface%s, %llu packets, %llu dropped%s",
		 o->captures->n, o->captures->n == 1 ? "" : "s", (unsigned long long)packets,
		 (unsigned long long)dropped, damaged ? ", some records unreadable" : "");
	add_verdict(o, "the captures hold every packet", "captures", dropped == 0 && !damaged,
		    detail, 0);
	o->passed = !o->interrupted;
	for (size_t i = 0; i < o->nverdicts; i++)
		o->passed &= o->verdicts[i].passed;
}

static int capture_all(struct capture_set *set, const struct lab *lab, const char *run_id,
		       const char *dir)
{
	size_t n = lab->ncaptures;

	for (size_t h = 0; !lab->ncaptures && h < lab->nhosts; h++)
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
			n += strcmp(lab->hosts[h].ifaces[i].name, "lo") != 0;
	set->buffer_bytes = capture_buffer(n);
	for (size_t h = 0; h < lab->nhosts; h++) {
		const struct lab_host *host = &lab->hosts[h];
		for (size_t i = 0; i < host->nifaces; i++) {
			bool want = !lab->ncaptures && strcmp(host->ifaces[i].name, "lo");
			for (size_t c = 0; c < lab->ncaptures; c++)
				want |= lab->captures[c].host == h && lab->captures[c].iface == i;
			if (!want)
				continue;
			char *ns = netns_name(run_id, host->name);
			int rc = capture_add(set, host->name, host->ifaces[i].name, ns, dir);
			free(ns);
			if (rc < 0)
				return -1;
		}
	}
	return capture_start(set);
}

static void free_outcome(struct outcome *o)
{
	for (size_t i = 0; i < o->nverdicts; i++) {
		free(o->verdicts[i].text);
		free(o->verdicts[i].check);
		free(o->verdicts[i].detail);
	}
	free(o->verdicts);
	for (size_t i = 0; i < o->data.ncaptures; i++) {
		for (size_t k = 0; k < o->data.captures[i].nflows; k++)
			record_clear(&o->data.captures[i].flows[k]);
		free(o->data.captures[i].flows);
		free(o->data.captures[i].name);
	}
	free(o->data.captures);
	free(o->summaries);
	free(o->pcapng);
}

/*
 * give_back - under sudo, hand the run's folder to the user who asked for it,
 * so that they can open, move and delete their captures without root.
 */
static void give_back(const char *dir, bool made_parent)
{
	const char *uid = getenv("SUDO_UID"), *gid = getenv("SUDO_GID");
	char *parent = xstrdup(dir), *slash;
	struct dirent *d;
	DIR *folder;

	if (!uid || !gid || geteuid() != 0) {
		free(parent);
		return;
	}
	uid_t u = (uid_t)strtoul(uid, NULL, 10);
	gid_t g = (gid_t)strtoul(gid, NULL, 10);
	if (chown(dir, u, g) < 0)
		pl_warn_errno("chown %s", dir);
	slash = strrchr(parent, '/');
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

/* merge_captures - DIR/run.pcapng from every capture, or NULL; *PACKETS its packet count. */
static char *merge_captures(const struct capture_set *caps, const char *dir, long *packets)
{
	char *files[caps->n ? caps->n : 1], *names[caps->n ? caps->n : 1];
	char *path = xasprintf("%s/run.pcapng", dir);

	for (size_t i = 0; i < caps->n; i++) {
		files[i] = caps->caps[i].file;
		names[i] = caps->caps[i].name;
	}
	*packets = caps->n ? pcapng_merge(path, files, names, caps->n) : -1;
	if (*packets < 0) {
		free(path);
		return NULL;
	}
	return path;
}

/* write_result - result.json in the run's folder. */
static void write_result(const struct outcome *o)
{
	char *path = xasprintf("%s/result.json", o->dir);
	FILE *f = fopen(path, "w");

	if (!f) {
		pl_warn_errno("%s", path);
	} else {
		report_json(f, o);
		if (fclose(f) != 0)
			pl_warn_errno("%s", path);
	}
	free(path);
}

/* What --all prints at the end, one line per lab. */
struct summary {
	size_t passed, total;
	double seconds;
	bool printed;    /* its JSON is on stdout */
};

/*
 * take_down - remove run RUN_ID from the machine: first any process that
 * slipped out of its process group (it would keep a namespace alive,
 * unseen), then the namespaces. Returns how many namespaces are left.
 */
static int take_down(struct runner *r, const char *run_id)
{
	int strays = netns_kill_strays(run_id);

	if (strays)
		runner_problem(r, "%d process%s outlived %s program and stayed in the lab; portlab "
			       "killed %s", strays, strays == 1 ? "" : "es", strays == 1 ? "its" : "their",
			       strays == 1 ? "it" : "them");
	return topo_destroy(run_id);
}

/* run_one - the whole life of one run of LAB; returns the exit status. */
static int run_one(const char *name, const struct options *opt, struct summary *sum)
{
	char run_id[RUN_ID_LEN + 1], *file, *dir = NULL, *pidfile = NULL;
	struct outcome o = { 0 };
	struct capture_set caps = { 0 };
	struct runner runner = { 0 };
	struct lab *lab;
	int status = EXIT_FAIL, left = 0;
	bool built = false, made_parent = false;
	time_t now = time(NULL);

	file = lab_file(name);
	if (!file)
		return EXIT_USAGE;
	lab = lab_load(file, opt->params, opt->nparams);
	free(file);
	if (!lab)
		return EXIT_USAGE;
	for (size_t u = 0; u < opt->nuse; u++) { /* a misspelt role must not pass unnoticed */
		size_t rl = strcspn(opt->use[u], "=");
		bool found = false;
		for (size_t i = 0; i < lab->nsteps && !found; i++)
			found = lab->steps[i].kind <= STEP_RUN && strlen(lab->steps[i].role) == rl &&
				!strncmp(lab->steps[i].role, opt->use[u], rl);
		if (!found) {
			fprintf(stderr, "portlab: --use %s: lab %s has no role '%.*s' (roles:",
				opt->use[u], lab->name, (int)rl, opt->use[u]);
			for (size_t i = 0; i < lab->nsteps; i++)
				if (lab->steps[i].kind <= STEP_RUN)
					fprintf(stderr, " %s", lab->steps[i].role);
			fputs(")\n", stderr);
			lab_free(lab);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < lab->nsteps; i++) /* every program must exist before we build */
		if (lab->steps[i].kind <= STEP_RUN) {
			struct runner probe = { .lab = lab, .use = opt->use, .nuse = opt->nuse };
			char *path = program_path(&probe, &lab->steps[i]);
			if (!path) {
				lab_free(lab);
				return EXIT_USAGE;
			}
			free(path);
		}

	make_run_id(run_id, sizeof(run_id));
	dir = xasprintf("%s/%s/%s", captures_root(opt), lab->name, run_id);
	char *parent = xasprintf("%s/%s", captures_root(opt), lab->name);
	made_parent = access(parent, F_OK) != 0;
	free(parent);
	if (mkdirs(dir) < 0) {
		status = EXIT_ENV;
		goto out;
	}
	o.lab = lab;
	o.run_id = run_id;
	o.dir = dir;
	strftime(o.started, sizeof(o.started), "%Y-%m-%d %H:%M:%S", localtime(&now));
	runner = (struct runner){ .lab = lab, .run_id = run_id, .dir = dir, .use = opt->use,
				  .nuse = opt->nuse, .progress = !opt->json, .trace_all = opt->trace,
				  .interrupted = &interrupted };
	o.runner = &runner;
	o.captures = &caps;
	if (!opt->json)
		fprintf(stderr, "portlab: lab %s, run %s: building %zu hosts\n", lab->name, run_id,
			lab->nhosts);

	runner_compile(&runner); /* before the build: a compile error is a verdict, not a stop */
	pidfile = register_run(run_id);
	double t0 = now_seconds();
	built = true; /* from here on, whatever exists is removed at the end */
	int built_rc = topo_build(lab, run_id, dir);
	if (built_rc < 0) {
		status = built_rc == TOPO_LAB_ERROR ? EXIT_USAGE : EXIT_ENV;
		goto out;
	}
	o.build_seconds = now_seconds() - t0;
	if (interrupted)
		goto out;
	if (capture_all(&caps, lab, run_id, dir) < 0) {
		status = EXIT_ENV;
		goto out;
	}
	t0 = now_seconds();
	if (!interrupted && runner_run(&runner) < 0)
		o.interrupted = true;
	o.interrupted |= interrupted != 0;
	o.run_seconds = now_seconds() - t0;
	capture_stop(&caps);
	left = take_down(&runner, run_id);
	built = left > 0;

	o.pcapng = merge_captures(&caps, dir, &o.pcapng_packets);
	events_finish(runner.events, runner.nevents);
	o.data.events = runner.events;
	o.data.nevents = runner.nevents;
	o.summaries = xcalloc(caps.n, sizeof(*o.summaries));
	o.data.captures = xcalloc(caps.n, sizeof(*o.data.captures));
	o.data.ncaptures = caps.n;
	for (size_t i = 0; i < caps.n; i++) {
		analyse_capture(&o.data.captures[i], caps.caps[i].name, caps.caps[i].file,
				&o.summaries[i]);
		if (o.summaries[i].read_status != 0)
			pl_warn("%s", o.summaries[i].error);
	}
	if (o.interrupted) { /* half a run proves nothing: say so, keep what was captured */
		write_result(&o);
		if (opt->json)
			report_json(stdout, &o);
		else
			printf("lab %s (run %s): INTERRUPTED after %.1f s; captures so far in %s/\n",
			       lab->name, run_id, o.run_seconds, dir);
		sum->printed = opt->json;
		goto out;
	}
	judge(&o);
	for (size_t i = 0; i < o.nverdicts; i++)
		sum->passed += o.verdicts[i].passed;
	sum->total = o.nverdicts;
	write_result(&o);
	if (opt->json)
		report_json(stdout, &o);
	else
		report_text(stdout, &o, opt->verbose ? (opt->brief ? DETAIL_NORMAL : DETAIL_ALL) :
			    opt->brief ? DETAIL_BRIEF : DETAIL_NORMAL);
	sum->printed = opt->json;
	if (opt->junit)
		report_junit(opt->junit, &o);
	status = o.passed ? EXIT_PASS : EXIT_FAIL;
out:
	runner_kill(&runner);
	capture_stop(&caps);
	if (built)
		left = take_down(&runner, run_id);
	if (left)
		pl_warn("%d namespace%s of run %s %s left: 'portlab clean' removes them", left,
			left == 1 ? "" : "s", run_id, left == 1 ? "is" : "are");
	if (interrupted) {
		status = 128 + interrupted;
		if (!opt->json && !left)
			fprintf(stderr, "portlab: interrupted; run %s was taken down\n", run_id);
	}
	if (dir && o.lab)
		give_back(dir, made_parent);
	if (pidfile && unlink(pidfile) < 0 && errno != ENOENT)
		pl_warn_errno("%s", pidfile);
	free(pidfile);
	capture_free(&caps);
	free_outcome(&o);
	runner_free(&runner);
	lab_free(lab);
	free(dir);
	return status;
}

static void add(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, sizeof(char *) * (*n + 1));
	(*v)[(*n)++] = (char *)s;
}

int cmd_run(int argc, char **argv)
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
	struct options opt = { 0 };
	const char *why;
	int ch, status = EXIT_PASS;
	char **names = NULL;
	size_t nnames = 0;

	optind = 1;
	const char *junit_path = NULL;
	while ((ch = getopt_long(argc, argv, "jvp:u:c:ah", longopts, NULL)) != -1) {
		switch (ch) {
		case 'J': junit_path = optarg; break;
		case 'j': opt.json = true; break;
		case 't': opt.trace = true; break;
		case 'v': opt.verbose = true; break;
		case 'a': opt.all = true; break;
		case 'c': opt.captures = optarg; break;
		case 'p':
		case 'u':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				pl_warn("--%s wants NAME=VALUE, not '%s'", ch == 'p' ? "param" : "use", optarg);
				return EXIT_USAGE;
			}
			if (ch == 'p')
				add(&opt.params, &opt.nparams, optarg);
			else
				add(&opt.use, &opt.nuse, optarg);
			break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (opt.all == (optind < argc)) {
		pl_warn(opt.all ? "--all runs every lab: name no lab with it" : "which lab? ('portlab list')");
		usage(stderr);
		free(opt.params);
		free(opt.use);
		return EXIT_USAGE;
	}
	why = missing_privilege();
	if (why) {
		pl_warn("labs need root: building network namespaces and capturing needs %s. "
			"Run it as root (sudo %s run ...).", why, "portlab");
		free(opt.params);
		free(opt.use);
		return EXIT_ENV;
	}
	if (junit_path) {
		opt.junit = fopen(junit_path, "w");
		if (!opt.junit) {
			pl_warn_errno("--junit %s", junit_path);
			free(opt.params);
			free(opt.use);
			return EXIT_USAGE;
		}
		fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"portlab\">\n",
		      opt.junit);
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (opt.all) {
		names = lab_names(&nnames);
		if (!nnames) {
			pl_warn("no labs found in %s", labs_dir() ? labs_dir() : "(no scenarios folder)");
			status = EXIT_USAGE;
		}
	} else {
		for (int i = optind; i < argc; i++)
			add(&names, &nnames, xstrdup(argv[i]));
	}
	struct summary sums[nnames ? nnames : 1];
	int codes[nnames ? nnames : 1];
	size_t done = 0, width = 3;
	opt.brief = nnames > 1; /* a catalogue: one verdict table per lab, then a summary */
	if (opt.json && nnames > 1)
		fputs("{\"labs\":[\n", stdout);
	for (size_t i = 0; i < nnames && !interrupted; i++) {
		if (opt.json && nnames > 1 && i)
			fputs(",\n", stdout);
		fflush(stdout);
		if (!opt.json && nnames > 1)
			fprintf(stderr, "portlab: [%zu/%zu] %s\n", i + 1, nnames, names[i]);
		memset(&sums[i], 0, sizeof(sums[i]));
		double t0 = now_seconds();
		codes[i] = run_one(names[i], &opt, &sums[i]);
		sums[i].seconds = now_seconds() - t0;
		if (opt.json && nnames > 1 && !sums[i].printed)
			fputs("null", stdout); /* the lab did not run: its error is on stderr */
		if (codes[i] > status)
			status = codes[i];
		if (strlen(names[i]) > width)
			width = strlen(names[i]);
		done++;
		if (!opt.json && nnames > 1)
			fputs("\n", stdout);
	}
	if (opt.json && nnames > 1)
		fputs("]}\n", stdout);
	if (!opt.json && nnames > 1) {
		printf("summary\n  %-*s  %-6s  %-13s %s\n", (int)width, "LAB", "RESULT", "EXPECTATIONS",
		       "SECONDS");
		for (size_t i = 0; i < done; i++)
			printf("  %-*s  %-6s  %4zu of %-5zu %7.1f\n", (int)width, names[i],
			       codes[i] == EXIT_PASS ? "PASS" : codes[i] == EXIT_FAIL ? "FAIL" : "ERROR",
			       sums[i].passed, sums[i].total, sums[i].seconds);
	}
	if (opt.junit) {
		fputs("</testsuites>\n", opt.junit);
		if (fclose(opt.junit) != 0) {
			pl_warn_errno("--junit %s", junit_path);
			status = status ? status : EXIT_FAIL;
		}
	}
	free_strings(names, nnames);
	free(opt.params);
	free(opt.use);
	return status;
}
