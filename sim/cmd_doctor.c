/*
 * cmd_doctor.c - portlab doctor: can labs run here, and what to do where
 * they cannot. One line per check (OK, WARN or MISSING, what was found, how
 * to fix it); exit 0 when labs can run, 3 when something they need is
 * missing. WARN is for what only the tests, the report page or later
 * features need.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "doctor.h"
#include "json.h"
#include "util.h"
#include "version.h"

static const struct {
	const char *name;
	void (*fn)(struct check *c);
} checks[] = {
	{ "privileges", check_privileges },
	{ "rootless", check_rootless },
	{ "labs", check_labs },
	{ "libpcap", check_libpcap },
	{ "kernel", check_kernel },
	{ "iproute2", check_iproute2 },
	{ "nftables", check_nftables },
	{ "netem", check_netem },
	{ "cgroups", check_cgroups },
	{ "open files", check_open_files },
	{ "/run/netns", check_run_netns },
	{ "tshark", check_tshark },
	{ "tcpdump", check_tcpdump },
	{ "browser", check_browser },
	{ "C compiler", check_compiler },
};
#define NCHECKS (sizeof(checks) / sizeof(checks[0]))

static const char *const status_names[] = { "OK", "WARN", "MISSING" };

static void print_text(const struct check *c, size_t n, size_t missing)
{
	size_t width = 0;

	for (size_t i = 0; i < n; i++)
		if (strlen(c[i].name) > width)
			width = strlen(c[i].name);
	for (size_t i = 0; i < n; i++) {
		printf("%-7s  %-*s  %s", status_names[c[i].status], (int)width, c[i].name, c[i].found);
		if (c[i].fix)
			printf("; fix: %s", c[i].fix);
		putchar('\n');
	}
	if (!missing) {
		printf("\nlabs can run here\n");
		return;
	}
	printf("\nlabs cannot run here: %zu missing (", missing);
	for (size_t i = 0, k = 0; i < n; i++)
		if (c[i].status == CHECK_MISSING)
			printf("%s%s", k++ ? ", " : "", c[i].name);
	printf(")\n");
}

static void print_json(const struct check *c, size_t n, size_t missing)
{
	struct json j;

	json_init(&j, stdout, true);
	json_begin_object(&j, NULL);
	json_string(&j, "format", "portlab-doctor/1");
	json_string(&j, "portlab", portlab_version);
	json_bool(&j, "labs_can_run", missing == 0);
	json_begin_array(&j, "checks");
	for (size_t i = 0; i < n; i++) {
		json_begin_object(&j, NULL);
		json_string(&j, "check", c[i].name);
		json_string(&j, "status", status_names[c[i].status]);
		json_string(&j, "found", c[i].found);
		json_string(&j, "fix", c[i].fix);
		json_end_object(&j);
	}
	json_end_array(&j);
	json_end_object(&j);
	json_end(&j);
}

int cmd_doctor(int argc, char **argv)
{
	struct check c[NCHECKS];
	bool json_out = false;
	size_t missing = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json_out = true;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			puts("usage: portlab doctor [--json]\n"
			     "Checks what portlab needs on this machine and says how to fix each gap.\n"
			     "OK: present; WARN: labs run without it (tests, report page, later features);\n"
			     "MISSING: labs cannot run until it is fixed.\n"
			     "Exit status: 0 labs can run here, 3 something they need is missing.");
			return EXIT_PASS;
		} else {
			pl_warn("doctor: unknown option '%s'", argv[i]);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < NCHECKS; i++) {
		c[i] = (struct check){ .name = checks[i].name };
		checks[i].fn(&c[i]);
		missing += c[i].status == CHECK_MISSING;
	}
	if (json_out)
		print_json(c, NCHECKS, missing);
	else
		print_text(c, NCHECKS, missing);
	for (size_t i = 0; i < NCHECKS; i++) {
		free(c[i].found);
		free(c[i].fix);
	}
	return missing ? EXIT_ENV : EXIT_PASS;
}
