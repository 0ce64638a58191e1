/*
 * cmd_check.c - portlab check LAB...: read and check lab files the way a
 * run does (every name, address, step and expectation, and that each
 * program is there), without building anything and without root.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "lab.h"
#include "launch.h"
#include "labread.h"
#include "paths.h"
#include "steps.h"
#include "util.h"

static void usage(FILE *out)
{
	fputs("usage: portlab check [OPTIONS] LAB... | --all\n"
	      "Read and check lab files as 'portlab run' does, building nothing; no root needed.\n"
	      "  --param NAME=VALUE check with this parameter value (see the lab's 'param' lines)\n"
	      "  --all              check every lab\n"
	      "  --quiet            print nothing when a lab is good\n"
	      "LAB is a lab's name ('portlab list') or the path of a lab file or its folder.\n"
	      "Exit status: 0 every lab is good, 2 a lab file has an error (file:line: what).\n", out);
}

/* programs_found - 0 when every program LAB runs is found, as a run looks for it; else -1. */
static int programs_found(const struct lab *lab)
{
	const struct runner probe = { .lab = lab };
	int rc = 0;

	for (size_t i = 0; i < lab->nsteps; i++) {
		if (lab->steps[i].kind > STEP_RUN)
			continue;
		char *path = program_path(&probe, &lab->steps[i]);
		if (!path)
			rc = -1;
		free(path);
	}
	return rc;
}

/* check_one - 0 when lab NAME reads cleanly, else -1 (the errors are on stderr). */
static int check_one(const char *name, char **params, size_t nparams, bool quiet)
{
	char *file = lab_file(name);
	struct lab *lab;

	if (!file)
		return -1;
	lab = lab_read(file, params, nparams, NULL);
	if (lab && programs_found(lab) < 0) {
		lab_free(lab);
		lab = NULL;
	}
	if (lab && !quiet)
		printf("%s: ok: lab %s, %zu host%s, %zu step%s, %zu expectation%s\n", file, lab->name,
		       lab->nhosts, lab->nhosts == 1 ? "" : "s", lab->nsteps,
		       lab->nsteps == 1 ? "" : "s", lab->nexpects, lab->nexpects == 1 ? "" : "s");
	free(file);
	if (!lab)
		return -1;
	lab_free(lab);
	return 0;
}

int cmd_check(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "param", required_argument, NULL, 'p' },
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **params = xcalloc((size_t)argc + 1, sizeof(*params)), **names;
	size_t nparams = 0, nnames = 0;
	bool all = false, quiet = false;
	int ch, status = EXIT_PASS;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "p:aqh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'p':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				pl_warn("--param wants NAME=VALUE, not '%s'", optarg);
				free(params);
				return EXIT_USAGE;
			}
			params[nparams++] = optarg;
			break;
		case 'a': all = true; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); free(params); return EXIT_PASS;
		default: usage(stderr); free(params); return EXIT_USAGE;
		}
	}
	if (all == (optind < argc)) {
		pl_warn(all ? "--all checks every lab: name no lab with it" : "which lab? ('portlab list')");
		usage(stderr);
		free(params);
		return EXIT_USAGE;
	}
	if (all) {
		names = lab_names(&nnames);
		if (!nnames) {
			pl_warn("no labs found in %s", labs_dir() ? labs_dir() : "(no scenarios folder)");
			status = EXIT_USAGE;
		}
	} else {
		nnames = (size_t)(argc - optind);
		names = xcalloc(nnames + 1, sizeof(*names));
		for (size_t i = 0; i < nnames; i++)
			names[i] = xstrdup(argv[optind + (int)i]);
	}
	for (size_t i = 0; i < nnames; i++)
		if (check_one(names[i], params, nparams, quiet) < 0)
			status = EXIT_USAGE;
	free_strings(names, nnames);
	free(params);
	return status;
}
