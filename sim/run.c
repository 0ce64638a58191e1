/*
 * run.c - the life of one run (see run.h).
 *
 * The order matters: captures are active before the first program starts,
 * drained after the last one ends, and the topology is removed on every
 * path out, including Ctrl-C. Only then is what the engine measured moved
 * into the plain run_result, and the engine's state freed.
 */
#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "analyse.h"
#include "capture.h"
#include "cmds.h"
#include "compile.h"
#include "events.h"
#include "lab.h"
#include "netns.h"
#include "pcapng.h"
#include "record.h"
#include "runfolder.h"
#include "steps.h"
#include "util.h"

/* The live parts of a run: gone when run_lab returns. */
struct engine {
	struct runner runner;
	struct capture_set caps;
	bool built;              /* namespaces may exist: take them down */
};

/* iso_now - the time now as ISO 8601 with the zone, newly allocated. */
static char *iso_now(void)
{
	char buf[40];
	time_t now = time(NULL);
	struct tm tm;

	if (!localtime_r(&now, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm))
		return xstrdup("1970-01-01T00:00:00+00:00");
	size_t n = strlen(buf); /* +0100 -> +01:00, as ISO 8601 readers expect */
	memmove(buf + n - 1, buf + n - 2, 3);
	buf[n - 2] = ':';
	return xstrdup(buf);
}

/* wanted_captures - how many interfaces LAB captures: its list, or every one but lo. */
static size_t wanted_captures(const struct lab *lab)
{
	size_t n = lab->ncaptures;

	for (size_t h = 0; !lab->ncaptures && h < lab->nhosts; h++)
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
			n += strcmp(lab->hosts[h].ifaces[i].name, "lo") != 0;
	return n;
}

/* captured - does LAB capture interface I of host H? */
static bool captured(const struct lab *lab, size_t h, size_t i)
{
	if (!lab->ncaptures)
		return strcmp(lab->hosts[h].ifaces[i].name, "lo") != 0;
	for (size_t c = 0; c < lab->ncaptures; c++)
		if (lab->captures[c].host == h && lab->captures[c].iface == i)
			return true;
	return false;
}

/*
 * buffer_wanted - the ring each interface gets: the lab's capture_buffer
 * parameter ("32M", "512K"), else the default; 0 after saying what is wrong.
 */
static size_t buffer_wanted(const struct lab *lab)
{
	for (size_t i = 0; i < lab->nparams; i++) {
		if (strcmp(lab->params[i].name, "capture_buffer"))
			continue;
		char *end;
		double v = strtod(lab->params[i].value, &end);
		double unit = !strcmp(end, "M") ? 1 << 20 : !strcmp(end, "K") ? 1 << 10 :
			      !*end ? 1 : 0;
		if (unit == 0 || v * unit < 1 << 20 || v * unit > 256.0 * (1 << 20)) {
			fprintf(stderr, "%s: parameter capture_buffer is '%s': a size from 1M to 256M, "
				"e.g. 32M\n", lab->file, lab->params[i].value);
			return 0;
		}
		return (size_t)(v * unit);
	}
	return CAPTURE_BUFFER_DEFAULT;
}

static int capture_all(struct capture_set *set, const struct lab *lab, const char *run_id,
		       const char *dir)
{
	size_t wanted = buffer_wanted(lab);

	if (!wanted)
		return TOPO_LAB_ERROR;
	set->buffer_bytes = capture_buffer(wanted_captures(lab), wanted);
	for (size_t h = 0; h < lab->nhosts; h++) {
		const struct lab_host *host = &lab->hosts[h];
		char *watched = netns_name(run_id, host->name);
		capture_watch(set, watched);
		free(watched);
		for (size_t i = 0; i < host->nifaces; i++) {
			if (!captured(lab, h, i))
				continue;
			char *ns = netns_name(run_id, host->name);
			capture_add(set, host->name, host->ifaces[i].name, ns, dir);
			free(ns);
		}
	}
	return capture_start(set);
}

/*
 * take_down - remove the run from the machine: first any process that
 * slipped out of its process group (it would keep a namespace alive,
 * unseen), then the namespaces. Warns about what is left.
 */
static void take_down(struct engine *e, const char *run_id)
{
	int strays = netns_kill_strays(run_id);

	if (strays)
		runner_problem(&e->runner, "%d process%s outlived %s program and stayed in the lab; "
			       "portlab killed %s", strays, strays == 1 ? "" : "es",
			       strays == 1 ? "its" : "their", strays == 1 ? "it" : "them");
	int left = topo_destroy(run_id);
	e->built = left > 0;
	if (left)
		pl_warn("%d namespace%s of run %s %s left: 'portlab clean' removes them", left,
			left == 1 ? "" : "s", run_id, left == 1 ? "is" : "are");
}

/* set_up - build the network and start capturing; an exit status, or -1 to go on. */
static int set_up(struct engine *e, struct run_result *res, const struct run_options *opt)
{
	double t0 = now_seconds();

	e->built = true; /* from here on, whatever exists is removed at the end */
	int rc = topo_build(res->lab, res->run_id, res->dir);
	if (rc < 0)
		return rc == TOPO_LAB_ERROR ? EXIT_USAGE : EXIT_ENV;
	res->build_seconds = now_seconds() - t0;
	if (*opt->interrupted) {
		res->interrupted = true;
		return -1;
	}
	rc = capture_all(&e->caps, res->lab, res->run_id, res->dir);
	if (rc < 0)
		return rc == TOPO_LAB_ERROR ? EXIT_USAGE : EXIT_ENV;
	return -1;
}

/* keep_programs - how each program ended, copied out of the runner. */
static void keep_programs(struct run_result *res, const struct runner *r)
{
	res->programs = xcalloc(r->nprocs ? r->nprocs : 1, sizeof(*res->programs));
	res->nprograms = r->nprocs;
	for (size_t i = 0; i < r->nprocs; i++) {
		const struct proc *p = &r->procs[i];
		const char *sig = WIFSIGNALED(p->status) ? sigabbrev_np(WTERMSIG(p->status)) : NULL;
		res->programs[i] = (struct program_end){
			.role = xstrdup(p->role), .host = xstrdup(p->host),
			.program = xstrdup(p->path),
			.exit_code = WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1,
			.signal = sig ? xstrdup(sig) : WIFSIGNALED(p->status) ? xstrdup("?") : NULL,
			.timed_out = p->timed_out, .stopped = p->stopped,
			.seconds = p->ended - p->started, .stderr_file = xstrdup(p->errlog),
			.stdout_file = p->outlog ? xstrdup(p->outlog) : NULL, .traced = p->traced,
		};
	}
}

/* keep_captures - each capture's counts and flows; the pcaps merged into run.pcapng. */
static void keep_captures(struct run_result *res, const struct capture_set *caps)
{
	char *files[caps->n ? caps->n : 1], *names[caps->n ? caps->n : 1];

	res->captures = xcalloc(caps->n ? caps->n : 1, sizeof(*res->captures));
	res->data.captures = xcalloc(caps->n ? caps->n : 1, sizeof(*res->data.captures));
	res->data.ncaptures = caps->n;
	for (size_t i = 0; i < caps->n; i++) {
		const struct capture *c = &caps->caps[i];
		struct capture_end *k = &res->captures[i];
		struct capture_summary sum;
		*k = (struct capture_end){
			.name = xstrdup(c->name), .host = xstrdup(c->host), .iface = xstrdup(c->iface),
			.file = xstrdup(c->file), .written = c->written, .received = c->received,
			.dropped = c->dropped + c->if_dropped,
		};
		analyse_capture(&res->data.captures[i], c->name, c->file, &sum);
		k->packets = sum.packets;
		k->truncated = sum.truncated;
		k->malformed = sum.malformed;
		k->read_status = sum.read_status;
		if (sum.read_status != 0) {
			k->read_error = xstrdup(sum.error);
			pl_warn("%s", sum.error);
		}
		files[i] = c->file;
		names[i] = c->name;
	}
	res->pcapng = xasprintf("%s/run.pcapng", res->dir);
	res->pcapng_packets = caps->n ? pcapng_merge(res->pcapng, files, names, caps->n) : -1;
	if (res->pcapng_packets < 0) {
		free(res->pcapng);
		res->pcapng = NULL;
	}
}

/* keep_runner - move the runner's events, problems and notes into RES. */
static void keep_runner(struct run_result *res, struct runner *r)
{
	keep_programs(res, r);
	events_finish(r->events, r->nevents);
	res->data.events = r->events;
	res->data.nevents = r->nevents;
	res->problems = r->problems;
	res->nproblems = r->nproblems;
	res->notes = r->notes;
	res->nnotes = r->nnotes;
	r->events = NULL;
	r->nevents = r->events_cap = 0;
	r->problems = r->notes = NULL;
	r->nproblems = r->nnotes = 0;
}

struct session {
	struct engine e;
	struct run_result *res;
	const struct run_options *opt;
	char *pidfile;
	bool made_parent;
	int status;              /* an exit status once set-up failed; -1 while it goes on */
	size_t next;             /* the next step of the lab to run */
	double steps_started;
};

/* open_folder - the run's id, folder and time; 0, or -1 when the folder cannot be made. */
static int open_folder(struct session *s, struct lab *lab, struct expectations *expects)
{
	char run_id[RUN_ID_LEN + 1];
	const char *root = captures_root(s->opt->captures_root);
	struct run_result *res = s->res;

	memset(res, 0, sizeof(*res));
	res->lab = lab;
	res->expects = expects;
	make_run_id(run_id, sizeof(run_id));
	res->run_id = xstrdup(run_id);
	res->dir = xasprintf("%s/%s/%s", root, lab->name, run_id);
	res->started = iso_now();
	char *parent = xasprintf("%s/%s", root, lab->name);
	s->made_parent = access(parent, F_OK) != 0;
	free(parent);
	return mkdirs(res->dir);
}

struct session *session_open(struct lab *lab, struct expectations *expects,
			     const struct run_options *opt, struct run_result *res)
{
	struct session *s = xcalloc(1, sizeof(*s));

	s->res = res;
	s->opt = opt;
	if (open_folder(s, lab, expects) < 0) {
		s->status = EXIT_ENV;
		return s;
	}
	if (opt->progress)
		fprintf(stderr, "portlab: lab %s, run %s: building %zu hosts\n", lab->name,
			res->run_id, lab->nhosts);
	s->e.runner = (struct runner){ .lab = lab, .run_id = res->run_id, .dir = res->dir,
				       .use = opt->use, .nuse = opt->nuse, .trace_all = opt->trace_all,
				       .progress = opt->progress, .interrupted = opt->interrupted };
	runner_compile(&s->e.runner); /* before the build: a compile error is a verdict, not a stop */
	s->pidfile = register_run(res->run_id, lab->name, res->dir);
	s->status = set_up(&s->e, res, opt);
	s->steps_started = now_seconds();
	return s;
}

int session_steps(struct session *s, size_t upto)
{
	const struct lab *lab = s->res->lab;

	if (s->status >= 0 || s->res->interrupted)
		return -1;
	if (upto > lab->nsteps)
		upto = lab->nsteps;
	while (s->next < upto) {
		int rc = runner_step(&s->e.runner, s->next++);
		if (rc < 0) {
			s->res->interrupted = true;
			return -1;
		}
		if (rc > 0) { /* the steps after a failed one cannot hold: skip them all */
			runner_problem(&s->e.runner, "the remaining steps were not run");
			s->next = lab->nsteps;
			return 1;
		}
	}
	return 0;
}

size_t session_next_step(const struct session *s)
{
	return s->next;
}

int session_idle(struct session *s, int wait_ms)
{
	return runner_idle(&s->e.runner, wait_ms);
}

void session_hold_programs(struct session *s)
{
	for (size_t i = 0; i < s->e.runner.nprocs; i++)
		s->e.runner.procs[i].deadline = 1e300; /* an interactive lab stays up */
}

/* wait_programs - let the background programs end within their timeouts, or stop them now. */
static void wait_programs(struct session *s, bool stop)
{
	struct runner *r = &s->e.runner;

	if (stop) {
		runner_stop_all(r, 1.0);
		return;
	}
	if (!s->res->interrupted && runner_wait_all(r) < 0)
		s->res->interrupted = true;
}

int session_close(struct session *s, bool stop_programs)
{
	struct run_result *res = s->res;
	int status = s->status;

	if (status < 0)
		wait_programs(s, stop_programs);
	res->run_seconds = now_seconds() - s->steps_started;
	runner_kill(&s->e.runner);
	capture_stop(&s->e.caps);
	res->drain_seconds = s->e.caps.drain_seconds;
	if (s->e.caps.busy_left > 0)
		runner_note(&s->e.runner, "the captures stopped %.1f s after the programs with %d TCP "
			    "socket%s still sending: later packets are not captured",
			    s->e.caps.drain_seconds, s->e.caps.busy_left,
			    s->e.caps.busy_left == 1 ? "" : "s");
	if (s->e.built)
		take_down(&s->e, res->run_id);
	res->interrupted |= *s->opt->interrupted != 0;
	if (status < 0) { /* the run went its whole way: keep what it measured */
		keep_runner(res, &s->e.runner);
		keep_captures(res, &s->e.caps);
		if (!res->interrupted) /* half a run proves nothing */
			judge_run(res);
		status = res->passed ? EXIT_PASS : EXIT_FAIL;
	}
	if (s->pidfile)
		unregister_run(s->pidfile);
	if (res->dir)
		give_back(res->dir, s->made_parent);
	capture_free(&s->e.caps);
	runner_free(&s->e.runner);
	free(s);
	return status;
}

int run_lab(struct lab *lab, struct expectations *expects, const struct run_options *opt,
	    struct run_result *res)
{
	struct session *s = session_open(lab, expects, opt, res);

	session_steps(s, lab->nsteps);
	return session_close(s, false);
}

void run_result_free(struct run_result *r)
{
	for (size_t i = 0; i < r->nverdicts; i++) {
		free(r->verdicts[i].text);
		free(r->verdicts[i].check);
		free(r->verdicts[i].detail);
	}
	free(r->verdicts);
	for (size_t i = 0; i < r->data.ncaptures; i++) {
		for (size_t k = 0; k < r->data.captures[i].nflows; k++)
			record_clear(&r->data.captures[i].flows[k]);
		free(r->data.captures[i].flows);
		free(r->data.captures[i].name);
		struct capture_end *c = &r->captures[i];
		free(c->name), free(c->host), free(c->iface), free(c->file), free(c->read_error);
	}
	free(r->data.captures);
	free(r->captures);
	for (size_t i = 0; i < r->data.nevents; i++)
		record_clear(&r->data.events[i]);
	free(r->data.events);
	for (size_t i = 0; i < r->nprograms; i++) {
		struct program_end *p = &r->programs[i];
		free(p->role), free(p->host), free(p->program), free(p->signal), free(p->stderr_file);
		free(p->stdout_file);
	}
	free(r->programs);
	free_strings(r->problems, r->nproblems);
	free_strings(r->notes, r->nnotes);
	free(r->pcapng);
	free(r->run_id);
	free(r->dir);
	free(r->started);
	expectations_free(r->expects);
	lab_free(r->lab);
	memset(r, 0, sizeof(*r));
}
