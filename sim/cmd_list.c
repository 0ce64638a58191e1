/* cmd_list.c - portlab list: the labs and what each shows. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "exercise.h"
#include "json.h"
#include "lab.h"
#include "paths.h"
#include "util.h"

/* list_exercises - the exercises ('portlab grade'), each with what it asks for. */
static int list_exercises(bool json_out)
{
	size_t n, width = 8;
	char **names = exercise_names(&n);
	struct json j;

	if (json_out) {
		json_init(&j, stdout, true);
		json_begin_array(&j, NULL);
	} else {
		for (size_t i = 0; i < n; i++)
			width = strlen(names[i]) > width ? strlen(names[i]) : width;
		printf("%-*s  %s\n", (int)width, "EXERCISE", "WHAT THE STUDENT WRITES");
	}
	for (size_t i = 0; i < n; i++) {
		char *dir = exercises_dir(), *file = xasprintf("%s/%s/lab", dir, names[i]);
		struct lab *lab = lab_header(file);
		const char *title = lab && lab->title ? lab->title : "(no title)";
		if (json_out) {
			json_begin_object(&j, NULL);
			json_string(&j, "name", names[i]);
			json_string(&j, "title", title);
			json_end_object(&j);
		} else {
			printf("%-*s  %s\n", (int)width, names[i], title);
		}
		lab_free(lab);
		free(file);
		free(dir);
	}
	if (json_out) {
		json_end_array(&j);
		json_end(&j);
	} else {
		printf("\ngrade a class with: portlab grade EXERCISE --class DIR\n");
	}
	free_strings(names, n);
	return EXIT_PASS;
}

int cmd_list(int argc, char **argv)
{
	bool exercises = false;
	bool json_out = false;
	size_t n, width = 4;
	char **names;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json_out = true;
		} else if (!strcmp(argv[i], "--exercises")) {
			exercises = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: portlab list [--json] [--exercises]\nLists the labs in the scenarios "
			     "folder; --exercises lists the exercises that 'portlab grade' grades.");
			return EXIT_PASS;
		} else {
			pl_warn("list: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (exercises)
		return list_exercises(json_out);
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
