/* main.c - portlab: dispatch to a sub-command from one table. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "sockets.h"
#include "version.h"

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "run",   cmd_run,   "run a lab (or --all) and check its expectations" },
	{ "check", cmd_check, "read and check lab files without building anything" },
	{ "list",  cmd_list,  "list the labs and what each shows" },
	{ "flows", cmd_flows, "print the connections in pcap files" },
	{ "grade", cmd_grade, "grade students' programs for an exercise" },
	{ "up",    cmd_up,    "build a lab and leave it up to work in" },
	{ "shell", cmd_shell, "a shell inside a host of a lab that is up" },
	{ "exec",  cmd_exec,  "one command inside a host of a lab that is up" },
	{ "capture", cmd_capture, "a live pcapng stream of an interface of a lab that is up" },
	{ "run-step", cmd_run_step, "run the next step of a lab that is up" },
	{ "down",  cmd_down,  "stop a lab that is up: its report and verdicts" },
	{ "trace", cmd_trace, "run any program and show its socket calls" },
	{ "ladder", cmd_ladder, "draw a connection as a ladder, at every interface it crossed" },
	{ "ps",    cmd_ps,    "list the runs and labs going on now" },
	{ "clean", cmd_clean, "remove what runs of older portlab versions left behind" },
	{ "doctor", cmd_doctor, "check that this machine can run labs, and say how to fix it" },
};

static int usage(FILE *out)
{
	fputs("usage: portlab COMMAND [OPTIONS] [ARGS]\n\ncommands:\n", out);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fputs("\n'portlab COMMAND --help' tells more; 'portlab --version' its version.\n"
	      "Exit status: 0 pass, 1 fail, 2 usage or lab-file error, 3 this machine cannot run labs,\n"
	      "128+N stopped by signal N (130 for Ctrl-C).\n", out);
	return out == stdout ? EXIT_PASS : EXIT_USAGE;
}

/* finish - the exit status, unless what we printed could not be written (a full disk, /dev/full). */
static int finish(int status)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "portlab: writing the output: %s\n", strerror(errno ? errno : EIO));
		return status ? status : EXIT_FAIL;
	}
	return status;
}

int main(int argc, char **argv)
{
	/* a parent that ignored SIGCHLD would make every waitpid() fail */
	signal(SIGCHLD, SIG_DFL);
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return usage(stdout);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("portlab %s\n", portlab_version);
		return finish(EXIT_PASS);
	}
	if (!strcmp(argv[1], "_sockets")) /* the "sockets" step, run inside a host */
		return finish(cmd_sockets_internal(argc - 1, argv + 1));
	if (!strcmp(argv[1], "_trace")) /* the keeper of a traced program in a run */
		return cmd_trace_internal(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return finish(cmds[i].fn(argc - 1, argv + 1));
	fprintf(stderr, "portlab: unknown command '%s'\n", argv[1]);
	return usage(stderr);
}
