/*
 * launch.c - turn a forked child into a lab's program: enter the host,
 * become the step's user with its capabilities, exec. Also where programs
 * are found.
 *
 * Everything a child needs is prepared before fork(): the capture thread
 * may hold locks, so the child only makes system calls until it execs.
 */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <linux/securebits.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "compile.h"
#include "lab.h"
#include "paths.h"
#include "sandbox.h"
#include "steps.h"
#include "trace.h"
#include "util.h"

extern char **environ;

static const struct {
	const char *name;
	int number;
} cap_names[] = {
	{ "chown", CAP_CHOWN }, { "dac_override", CAP_DAC_OVERRIDE },
	{ "net_bind_service", CAP_NET_BIND_SERVICE }, { "net_broadcast", CAP_NET_BROADCAST },
	{ "net_admin", CAP_NET_ADMIN }, { "net_raw", CAP_NET_RAW },
	{ "sys_admin", CAP_SYS_ADMIN }, { "sys_resource", CAP_SYS_RESOURCE },
};

int cap_number(const char *name)
{
	if (!strncasecmp(name, "cap_", 4))
		name += 4;
	for (size_t i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++)
		if (!strcasecmp(name, cap_names[i].name))
			return cap_names[i].number;
	return -1;
}

static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

const char *used_program(const struct runner *r, const char *role)
{
	size_t rl = strlen(role);
	const char *prog = NULL;

	for (size_t i = 0; i < r->nuse; i++) /* the last one counts */
		if (!strncmp(r->use[i], role, rl) && r->use[i][rl] == '=')
			prog = r->use[i] + rl + 1;
	return prog;
}

char *program_path(const struct runner *r, const struct lab_step *step)
{
	const char *prog = used_program(r, step->role);
	char *lab_base = strrchr(r->lab->dir, '/') ? strrchr(r->lab->dir, '/') + 1 : r->lab->dir;

	if (prog && built_program(r, step->role))
		return xstrdup(built_program(r, step->role));
	if (prog && needs_compiling(prog)) { /* compiled once the run's folder exists */
		char *real = realpath(prog, NULL);
		if (!real)
			pl_warn_errno("%s (role %s)", prog, step->role);
		return real;
	}
	if (!prog)
		prog = step->argv[0];
	if (strchr(prog, '/')) {
		if (executable(prog))
			return realpath(prog, NULL);
		pl_warn("%s (role %s): not an executable file", prog, step->role);
		return NULL;
	}
	char *tries[] = {
		xasprintf("%s/scenarios/%s/%s", programs_dir(), lab_base, prog),
		xasprintf("%s/%s", r->lab->dir, prog),
		/* a copied lab keeps its name: its programs are the original's */
		xasprintf("%s/scenarios/%s/%s", programs_dir(), r->lab->name, prog),
		xasprintf("%s/scenarios/tools/%s", programs_dir(), prog),
		labs_dir() ? xasprintf("%s/tools/%s", labs_dir(), prog) : NULL,
	};
	char *found = NULL;
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (!found && tries[i] && executable(tries[i]))
			found = tries[i];
	if (!found) {
		fprintf(stderr, "%s:%d: program '%s' not found (is it built? 'make' builds "
			"scenarios/*/*.c). Looked in:\n", r->lab->file, step->line, prog);
		for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
			if (tries[i])
				fprintf(stderr, "    %s\n", tries[i]);
	}
	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++)
		if (tries[i] != found)
			free(tries[i]);
	return found;
}

const char *launch_stage_name(int stage)
{
	static const char *const names[] = { "start", "enter the host's namespace",
		"become the step's user", "execute", "start the sandbox for",
		"join the sandbox's cgroups with", "mount the sandbox's file system for",
		"set the sandbox's limits for", "load the sandbox's seccomp filter for",
		"start tracing" };

	return names[stage >= LAUNCH_SETNS && stage <= LAUNCH_TRACE ? stage : 0];
}

void launch_failed(int report_fd, int stage)
{
	int msg[2] = { stage, errno };

	(void)!write(report_fd, msg, sizeof(msg));
	_exit(126);
}

int launch_become_user(const struct launch *l)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { 0 };

	for (size_t i = 0; i < l->ncaps; i++) {
		data[l->caps[i] / 32].effective |= 1u << (l->caps[i] % 32);
		data[l->caps[i] / 32].permitted |= 1u << (l->caps[i] % 32);
		data[l->caps[i] / 32].inheritable |= 1u << (l->caps[i] % 32);
	}
	/* staying uid 0 (a rootless sandbox): exec must not give root's capabilities back;
	 * set while we still hold CAP_SETPCAP */
	if (l->sandbox && l->uid == 0 &&
	    prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED, 0L, 0L, 0L) < 0)
		return -1;
	/* a rootless run may not set groups (setgroups is "deny"), nor need to: it keeps its ids */
	bool own_ids = l->uid == getuid() && l->gid == getgid();
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0 ||
	    (setgroups(0, NULL) < 0 && !(errno == EPERM && own_ids)) ||
	    setresgid(l->gid, l->gid, l->gid) < 0 || setresuid(l->uid, l->uid, l->uid) < 0 ||
	    syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	/* ambient capabilities survive exec of an ordinary binary */
	for (size_t i = 0; i < l->ncaps; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (long)l->caps[i], 0L, 0L) < 0)
			return -1;
	return 0;
}

void launch_close_fds(const struct launch *l, bool keep_exec_fd)
{
	/* the program starts with 0, 1 and 2 only: its first socket is descriptor 3,
	 * as in a textbook, and it holds none of portlab's capture sockets */
	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) < 0)
		for (int fd = 3; fd < 1024; fd++)
			fcntl(fd, F_SETFD, FD_CLOEXEC);
	/* a #! script run by descriptor is read by its interpreter as /dev/fd/N */
	if (keep_exec_fd && l->exec_fd >= 0)
		fcntl(l->exec_fd, F_SETFD, 0);
}

void launch_exec(const struct launch *l)
{
	/* by descriptor: another user may not be able to walk the path to the
	 * program (a home folder of mode 750), though it may run the file */
	if (l->exec_fd >= 0)
		syscall(SYS_execveat, l->exec_fd, "", l->argv, l->envp, AT_EMPTY_PATH);
	execve(l->path, l->argv, l->envp); /* a script, or no execveat */
	launch_failed(l->report_w, LAUNCH_EXEC);
}

/*
 * keep - become the keeper of a traced program that runs uncontained (a
 * lab's own step 'as root'): fork it, then exec portlab _trace, which seizes
 * it, lets it go on and writes its events to our stdout (the run's pipe).
 * The program writes to prog_out instead. (A contained program is traced by
 * its sandbox's keeper: sandbox.c.)
 */
static void __attribute__((noreturn)) keep(const struct launch *l)
{
	int go[2];
	char pid_text[16], fd_text[16];

	if (pipe(go) < 0)
		launch_failed(l->report_w, LAUNCH_TRACE);
	pid_t pid = fork();
	if (pid < 0)
		launch_failed(l->report_w, LAUNCH_TRACE);
	if (pid == 0) {
		close(go[1]);
		dup2(l->prog_out, STDOUT_FILENO);
		if (l->drop && launch_become_user(l) < 0)
			launch_failed(l->report_w, LAUNCH_USER);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L); /* after setuid, which clears it */
		launch_close_fds(l, false);
		/* only once the keeper holds us, or the filter's calls fail with ENOSYS */
		if (trace_wait_go(go[0]) < 0 || trace_install_filter(l->trace_flags) < 0)
			launch_failed(l->report_w, LAUNCH_TRACE);
		launch_exec(l);
	}
	close(go[0]);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L);
	launch_close_fds(l, false);
	fcntl(go[1], F_SETFD, 0); /* for portlab _trace */
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	snprintf(fd_text, sizeof(fd_text), "%d", go[1]);
	char *argv[] = { "portlab", "_trace", "--pid", pid_text, "--go-fd", fd_text, NULL };
	execve(l->keeper_path, argv, l->envp);
	launch_failed(l->report_w, LAUNCH_EXEC);
}

/* launch_child - become the program (or its keeper); only system calls from here to exec. */
void launch_child(const struct launch *l)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	sigset_t none;

	setpgid(0, 0); /* Ctrl-C reaches portlab, which stops the programs itself */
	/* start as from a shell: portlab ignores SIGPIPE, a program must not */
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	dup2(l->null_fd, STDIN_FILENO);
	dup2(l->out_w, STDOUT_FILENO);
	dup2(l->err_fd, STDERR_FILENO);
	if (setns(l->netns_fd, CLONE_NEWNET) < 0)
		launch_failed(l->report_w, LAUNCH_SETNS);
	if (l->sandbox)
		sandbox_keeper(l, l->sandbox);
	if (l->trace)
		keep(l);
	if (l->drop && launch_become_user(l) < 0)
		launch_failed(l->report_w, LAUNCH_USER);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0L, 0L, 0L); /* after setuid, which clears it */
	launch_close_fds(l, false);
	launch_exec(l);
}

char **launch_env(const struct launch_names *names, bool traced)
{
	size_t n = 0, k = 0;
	char **env;
	const char *asan = getenv("ASAN_OPTIONS");

	while (environ[n])
		n++;
	env = xcalloc(n + 7, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		if (!traced || strncmp(environ[i], "ASAN_OPTIONS=", 13))
			env[k++] = environ[i];
	env[k++] = xasprintf("PORTLAB_ROLE=%s", names->role);
	env[k++] = xasprintf("PORTLAB_HOST=%s", names->host);
	env[k++] = xasprintf("PORTLAB_RUN=%s", names->run_id);
	/* where a lab's own program finds its lab's files (a reference table) and
	 * the run's folder, wherever portlab is installed */
	env[k++] = xasprintf("PORTLAB_LAB_DIR=%s", names->lab_dir);
	env[k++] = xasprintf("PORTLAB_RUN_DIR=%s", names->run_dir);
	/* a program built with ASan cannot check for leaks under a tracer (LeakSanitizer
	 * itself uses ptrace): it would fail for that alone */
	if (traced)
		env[k++] = xasprintf("ASAN_OPTIONS=%s%sdetect_leaks=0", asan ? asan : "", asan ? ":" : "");
	return env;
}

void launch_env_free(char **env)
{
	for (size_t i = 0; env[i]; i++) {
		bool ours = true; /* made here, not borrowed from environ */
		for (size_t k = 0; environ[k] && ours; k++)
			ours = env[i] != environ[k];
		if (ours)
			free(env[i]);
	}
	free(env);
}

/* resolve_user - NAME or a number into UID/GID; returns 0 or -1. */
int resolve_user(const char *name, uid_t *uid, gid_t *gid)
{
	struct passwd *pw;
	char *end;
	long v = strtol(name, &end, 10);

	if (!*end && end != name && v >= 0) {
		*uid = (uid_t)v;
		*gid = (gid_t)v;
		return 0;
	}
	pw = getpwnam(name);
	if (!pw)
		return -1;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}
