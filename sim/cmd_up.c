/*
 * cmd_up.c - portlab up: build a lab, start its captures and its background
 * programs, and leave it up for people to work in (portlab shell, exec,
 * capture, run-step); portlab down ends it with the usual report.
 *
 * The lab lives in a process of its own (setsid: it outlives the terminal),
 * nested like every run (nest.h), so that even a SIGKILL leaves nothing.
 * 'up' itself returns once the lab is ready, or says why it is not.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmdline.h"
#include "cmds.h"
#include "lab.h"
#include "labcheck.h"
#include "labread.h"
#include "nest.h"
#include "paths.h"
#include "report.h"
#include "report_html.h"
#include "run.h"
#include "uplab.h"
#include "util.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = sig;
}

struct up {
	struct lab *lab;
	struct expectations *expects;
	char **params, **use;
	size_t nparams, nuse;
	const char *captures;
	char name[UP_NAME_MAX + 8];
	int listener;            /* portlab/up/<name> */
	int ready;               /* tells the 'up' command how it went */
};

static void usage(FILE *out)
{
	fputs("usage: portlab up [OPTIONS] LAB\n"
	      "  --name NAME        the name to use in the commands below (default: the lab's;\n"
	      "                     a second copy of a lab gets NAME-2)\n"
	      "  --param NAME=VALUE set a lab parameter\n"
	      "  --use ROLE=PATH    run PATH in place of ROLE's program\n"
	      "  --captures DIR     write captures under DIR/<lab>/<run-id>/\n"
	      "Builds LAB, starts its captures and background programs (its steps up to the\n"
	      "first 'run' step), and leaves it up. Then:\n"
	      "  portlab shell NAME HOST          a shell inside HOST\n"
	      "  portlab exec NAME HOST -- CMD    one command inside HOST\n"
	      "  portlab capture NAME HOST:IFACE  a live pcapng stream (| wireshark -k -i -)\n"
	      "  portlab run-step NAME [--all]    the lab's next step (or all that are left)\n"
	      "  portlab down NAME                stop it: the report and verdicts\n", out);
}

/* tell - one line to the waiting 'up' command: "ready RUN DIR" or "failed STATUS". */
static void tell(struct up *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tell(struct up *u, const char *fmt, ...)
{
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (u->ready >= 0 && (n < 0 || write(u->ready, line, strlen(line)) < 0))
		pl_warn_errno("tell 'portlab up'");
	if (u->ready >= 0)
		close(u->ready);
	u->ready = -1;
}

/* first_run_step - the index of the lab's first foreground step: 'up' stops before it. */
static size_t first_run_step(const struct lab *lab)
{
	for (size_t i = 0; i < lab->nsteps; i++)
		if (lab->steps[i].kind == STEP_RUN)
			return i;
	return lab->nsteps;
}

/* detach - from here on nobody reads our stdout or stderr: the run folder keeps them. */
static void detach(const char *dir)
{
	char *log = xasprintf("%s/up.log", dir);
	int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		close(null);
	}
	free(log);
}

/*
 * serve_one - carry out one request with the asker's stdout and stderr;
 * returns 1 when the lab went down (*STATUS its exit status), else 0.
 */
static int serve_one(struct session *s, struct run_result *res, const char *cmd, int *status)
{
	const struct lab *lab = res->lab;

	*status = EXIT_PASS;
	if (!strcmp(cmd, "down")) {
		*status = session_close(s, true);
		if (*status == EXIT_PASS || *status == EXIT_FAIL) {
			report_write_result(res);
			report_html_folder(res);
			report_text(stdout, res, DETAIL_NORMAL);
		}
		return 1;
	}
	if (!strcmp(cmd, "step") || !strcmp(cmd, "steps")) {
		size_t next = session_next_step(s);
		if (next >= lab->nsteps) {
			printf("lab %s has no step left: 'portlab down' ends it\n", lab->name);
			return 0;
		}
		if (session_steps(s, !strcmp(cmd, "step") ? next + 1 : lab->nsteps) != 0)
			*status = EXIT_FAIL;
		session_hold_programs(s);
		return 0;
	}
	fprintf(stderr, "portlab: the lab does not know the request '%s'\n", cmd);
	*status = EXIT_USAGE;
	return 0;
}

/* serve - answer requests until 'down' or a signal; the exit status. */
static int serve(struct up *u, struct session *s, struct run_result *res)
{
	int status = EXIT_PASS;

	for (;;) {
		struct pollfd p = { .fd = u->listener, .events = POLLIN };
		if (session_idle(s, 0) < 0 || interrupted) { /* killed: down, quietly */
			status = session_close(s, true);
			if (status == EXIT_PASS || status == EXIT_FAIL) {
				report_write_result(res);
				report_html_folder(res);
			}
			return interrupted ? 128 + interrupted : status;
		}
		if (poll(&p, 1, 50) <= 0)
			continue;
		char cmd[64];
		int fds[2];
		int conn = up_accept(u->listener, cmd, sizeof(cmd), fds);
		if (conn < 0)
			continue;
		fflush(NULL);
		int saved[2] = { dup(STDOUT_FILENO), dup(STDERR_FILENO) };
		dup2(fds[0], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		int done = serve_one(s, res, cmd, &status);
		fflush(NULL);
		dup2(saved[0], STDOUT_FILENO);
		dup2(saved[1], STDERR_FILENO);
		for (int i = 0; i < 2; i++) {
			close(saved[i]);
			close(fds[i]);
		}
		up_answer(conn, status);
		if (done)
			return status;
	}
}

/* up_body - in the lab's own namespaces: build, start, tell 'up', serve. */
static int up_body(void *arg)
{
	struct up *u = arg;
	struct run_options ropt = { .use = u->use, .nuse = u->nuse, .captures_root = u->captures,
				    .progress = true, .interrupted = &interrupted };
	struct run_result res = { 0 };
	catch_stop_signals(on_signal);
	struct session *s = session_open(u->lab, u->expects, &ropt, &res);
	if (session_steps(s, first_run_step(u->lab)) < 0 && !res.interrupted) {
		int status = session_close(s, true);
		tell(u, "failed %d\n", status == EXIT_PASS || status == EXIT_FAIL ? EXIT_ENV : status);
		run_result_free(&res);
		return status;
	}
	session_hold_programs(s);
	tell(u, "ready %s %s\n", res.run_id, res.dir);
	detach(res.dir);
	int status = serve(u, s, &res);
	run_result_free(&res);
	return status;
}

/* wait_ready - what the lab told us, printed for people; the exit status of 'up'. */
static int wait_ready(const struct up *u, int from)
{
	char line[2048] = "", id[16], dir[1900];
	ssize_t n;
	int status;

	while ((n = read(from, line, sizeof(line) - 1)) < 0 && errno == EINTR)
		;
	line[n > 0 ? n : 0] = '\0';
	if (sscanf(line, "ready %15s %1899s", id, dir) == 2) {
		printf("lab %s is up as %s (run %s, captures in %s/)\n"
		       "  portlab shell %s HOST   portlab exec %s HOST -- CMD   portlab capture %s HOST:IFACE\n"
		       "  portlab run-step %s     portlab down %s\n", u->lab->name, u->name, id, dir,
		       u->name, u->name, u->name, u->name, u->name);
		return EXIT_PASS;
	}
	if (sscanf(line, "failed %d", &status) == 1)
		return status;
	pl_warn("lab %s did not come up (see above)", u->lab->name);
	return EXIT_ENV;
}

/*
 * let_go - in the outer process of a lab that is up: hold on to nothing of
 * the terminal, so that whoever ran 'up' sees its output end once the lab
 * is ready (the inner process keeps them until then, see detach).
 */
static void let_go(void *arg)
{
	struct up *u = arg;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	if (null >= 0)
		close(null);
	if (u->ready >= 0)
		close(u->ready);
	u->ready = -1;
}

/* go_up - leave the lab to a process of its own, in its own session; 'up' waits until it is ready. */
static int go_up(struct up *u, bool rootless)
{
	int ready[2];

	if (pipe2(ready, O_CLOEXEC) < 0) {
		pl_warn_errno("pipe");
		return EXIT_ENV;
	}
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		pl_warn_errno("fork");
		return EXIT_ENV;
	}
	if (pid == 0) {
		close(ready[0]);
		u->ready = ready[1];
		if (setsid() < 0)
			pl_warn_errno("setsid");
		signal(SIGHUP, SIG_IGN); /* the terminal may close under the outer process */
		int status = nest_run(up_body, u, rootless, u->name, let_go);
		_exit(status < 0 ? EXIT_ENV : status);
	}
	close(ready[1]);
	close(u->listener);
	int status = wait_ready(u, ready[0]);
	close(ready[0]);
	return status;
}


/* parse - the options into U; -1 to go on, else the exit status. */
static int parse(int argc, char **argv, struct up *u, const char **name)
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "param", required_argument, NULL, 'p' },
		{ "use", required_argument, NULL, 'u' },
		{ "captures", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "n:p:u:c:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'n': *name = optarg; break;
		case 'c': u->captures = optarg; break;
		case 'p':
			if (!name_value("param", optarg, &u->params, &u->nparams))
				return EXIT_USAGE;
			break;
		case 'u':
			if (!name_value("use", optarg, &u->use, &u->nuse))
				return EXIT_USAGE;
			break;
		case 'h': usage(stdout); return EXIT_PASS;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		pl_warn("up takes one lab ('portlab list')");
		usage(stderr);
		return EXIT_USAGE;
	}
	return -1;
}

int cmd_up(int argc, char **argv)
{
	struct up u = { .listener = -1, .ready = -1 };
	const char *name = NULL, *why;
	int status = parse(argc, argv, &u, &name);
	char *file = NULL;

	if (status >= 0)
		goto out;
	why = missing_privilege();
	status = EXIT_ENV;
	if (why && geteuid() == 0) {
		pl_warn("labs need %s, which this root lacks", why);
		goto out;
	}
	status = EXIT_USAGE;
	file = lab_file(argv[optind]);
	u.lab = file ? lab_read(file, u.params, u.nparams, &u.expects) : NULL;
	if (!u.lab || check_use(u.lab, u.use, u.nuse) < 0)
		goto out;
	u.listener = up_listen(name ? name : u.lab->name, !name, u.name, sizeof(u.name));
	if (u.listener < 0)
		goto out;
	status = go_up(&u, why != NULL);
	u.listener = -1;
out:
	if (u.listener >= 0)
		close(u.listener);
	if (u.lab)
		lab_free(u.lab);
	expectations_free(u.expects);
	free(file);
	free(u.params);
	free(u.use);
	return status;
}
