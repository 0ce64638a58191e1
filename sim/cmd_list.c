/* cmd_list.c - portlab list: the labs and what each shows. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "json.h"
#include "lab.h"
#include "paths.h"
#include "util.h"

int cmd_list(int argc, char **argv)
{
	bool json_out = false;
	size_t n, width = 4;
	char **names;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json_out = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: portlab list [--json]\nLists the labs in the scenarios folder.");
			return EXIT_PASS;
		} else {
			pl_warn("list: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	names = lab_names(&n);
	if (!names) {
		pl_warn("no labs found (scenarios folder: %s)", labs_dir() ? labs_dir() : "none");
		return EXIT_USAGE;
	}
	struct lab *labs[n];
	for (size_t i = 0; i < n; i++) {
		char *file = lab_file(names[i]);
		labs[i] = file ? lab_header(file) : NULL;
		free(file);
		if (strlen(names[i]) > width)
			width = strlen(names[i]);
	}
	if (json_out) {
		struct json j;
		json_init(&j, stdout, true);
		json_begin_array(&j, NULL);
		for (size_t i = 0; i < n; i++) {
			json_begin_object(&j, NULL);
			json_string(&j, "name", names[i]);
			json_string(&j, "title", labs[i] ? labs[i]->title : NULL);
			json_string(&j, "about", labs[i] ? labs[i]->about : NULL);
			json_end_object(&j);
		}
		json_end_array(&j);
		json_end(&j);
	} else {
		printf("%-*s  %s\n", (int)width, "LAB", "WHAT IT SHOWS");
		for (size_t i = 0; i < n; i++)
			printf("%-*s  %s\n", (int)width, names[i],
			       labs[i] && labs[i]->title ? labs[i]->title : "(no title)");
		printf("\nrun one with: portlab run LAB   (all of them: portlab run --all)\n");
	}
	for (size_t i = 0; i < n; i++)
		lab_free(labs[i]);
	free_strings(names, n);
	return EXIT_PASS;
}
