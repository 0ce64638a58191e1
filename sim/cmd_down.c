/*
 * cmd_down.c - portlab down and portlab run-step: requests to a lab that is
 * up (uplab.h). The lab answers on our own stdout and stderr.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "uplab.h"
#include "util.h"

/* request - send COMMAND to the lab named by ARGV's one argument; the exit status. */
static int request(int argc, char **argv, const char *command, const char *help)
{
	const char *name = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return EXIT_PASS;
		} else if (!strcmp(argv[i], "--all") && !strcmp(command, "step")) {
			command = "steps";
		} else if (argv[i][0] == '-' || name) {
			pl_warn("%s: unexpected '%s'", argv[0], argv[i]);
			fputs(help, stderr);
			return EXIT_USAGE;
		} else {
			name = argv[i];
		}
	}
	if (!name) {
		pl_warn("%s: which lab? ('portlab ps' lists those that are up)", argv[0]);
		return EXIT_USAGE;
	}
	int status = up_request(name, command);
	return status < 0 ? EXIT_USAGE : status;
}

int cmd_down(int argc, char **argv)
{
	return request(argc, argv, "down",
		       "usage: portlab down NAME\n"
		       "Stops the lab up as NAME: its programs, then its captures (drained), takes\n"
		       "it down, and prints the report and verdicts. Exit status as 'portlab run'.\n");
}

int cmd_run_step(int argc, char **argv)
{
	return request(argc, argv, "step",
		       "usage: portlab run-step NAME [--all]\n"
		       "Runs the next step of the lab up as NAME (with --all, every step left),\n"
		       "showing its progress here. Programs it starts stay up until 'portlab down'.\n");
}
