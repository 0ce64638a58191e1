/*
 * cmd_exec.c - portlab exec and portlab shell: a command, or a shell, inside
 * a host of a lab that is up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "enter.h"
#include "util.h"

/* become - inside HOST of lab NAME, exec ARGV with the lab named in the environment. */
static int become(const char *name, const char *host, char **argv)
{
	struct nested_run run;

	if (enter_host(name, host, &run) < 0)
		return EXIT_USAGE;
	setenv("PORTLAB_LAB", run.lab, 1);
	setenv("PORTLAB_RUN", run.id, 1);
	setenv("PORTLAB_HOST", host, 1);
	free_strings(run.hosts, run.nhosts);
	fflush(NULL);
	execvp(argv[0], argv);
	pl_warn_errno("%s", argv[0]);
	return 127;
}

int cmd_exec(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		puts("usage: portlab exec NAME HOST -- COMMAND [ARGS]\n"
		     "Runs COMMAND inside HOST of the lab up as NAME (its network namespace),\n"
		     "with PORTLAB_LAB, PORTLAB_RUN and PORTLAB_HOST set. Its exit status is\n"
		     "the command's.");
		return EXIT_PASS;
	}
	int cmd = argc >= 4 && !strcmp(argv[3], "--") ? 4 : 3;
	if (argc <= cmd) {
		pl_warn("usage: portlab exec NAME HOST -- COMMAND [ARGS]");
		return EXIT_USAGE;
	}
	return become(argv[1], argv[2], argv + cmd);
}

int cmd_shell(int argc, char **argv)
{
	if (argc != 3 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs("usage: portlab shell NAME HOST\n"
		      "Opens a shell inside HOST of the lab up as NAME; its prompt names the\n"
		      "lab and the host. 'exit' leaves it; the lab stays up.\n",
		      argc == 2 ? stdout : stderr);
		return argc == 2 ? EXIT_PASS : EXIT_USAGE;
	}
	char *prompt = xasprintf("[%s %s] \\w\\$ ", argv[1], argv[2]);
	setenv("PS1", prompt, 1);
	free(prompt);
	/* bash without its rc files, so the prompt stays ours; sh where there is no bash */
	char *bash[] = { "bash", "--norc", "--noprofile", "-i", NULL };
	char *sh[] = { "sh", "-i", NULL };
	return become(argv[1], argv[2], access("/bin/bash", X_OK) == 0 ? bash : sh);
}
