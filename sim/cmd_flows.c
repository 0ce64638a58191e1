/*
 * cmd_flows.c - portlab flows [--json|--zeek|--csv] FILE...: the connections in captures.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "flowfields.h"
#include "flowout.h"
#include "flows.h"
#include "json.h"
#include "util.h"

static const char usage_text[] =
	"usage: portlab flows [--json | --zeek | --csv] FILE...\n"
	"\n"
	"Print every TCP connection, UDP flow and ICMP exchange in each pcap or\n"
	"pcapng FILE (\"-\": standard input), with zeek's conn_state and history.\n"
	"PKTS and BYTES (payload) are given orig/resp; ICMP names an error that\n"
	"came back for the flow. A pcapng file with several interfaces (portlab's\n"
	"run.pcapng) gives one table per interface, headed by its name: a\n"
	"connection appears once on each interface it crossed.\n"
	"\n"
	"  --json   one JSON document: {\"files\":[{\"file\",\"interface\",\"packets\",\"truncated\",\n"
	"           \"malformed\",\"other\",\"complete\",\"flows\":[...]}]}, zeek conn.log\n"
	"           names, one object per interface of each file (\"interface\" is\n"
	"           null for a pcap); truncated counts packets too short to decode, other the\n"
	"           packets that are no flow (ARP, neighbour discovery)\n"
	"  --zeek   zeek's conn.log: tab-separated, its #fields header, its column order\n"
	"           and names (uid made here; what portlab cannot know is \"-\")\n"
	"  --csv    one CSV table: file, interface, then every field of --json\n"
	"  --help   this text\n"
	"\n"
	"Exit status: 0 every file read whole, 1 a file ends in the middle of a\n"
	"record (the flows before that point are still shown), 2 usage error or\n"
	"a file that cannot be read.\n";

/* reason - ERR without the "PATH: " that flows_read_pcap puts first. */
static const char *reason(const char *err, const char *path)
{
	size_t n = strlen(path);

	if (!strncmp(err, path, n) && !strncmp(err + n, ": ", 2))
		return err + n + 2;
	return err;
}

/* warn_incomplete - say that PATH stopped early, after what its N tables read. */
static void warn_incomplete(const char *path, const struct iface_flows *ifs, size_t nifs,
			    const char *err)
{
	const char *why = reason(err, path);
	uint64_t n = 0;

	for (size_t i = 0; i < nifs; i++)
		n += flow_table_stats(ifs[i].ft)->packets;

	if (strstr(why, "truncated"))
		pl_warn("%s: capture is truncated after %" PRIu64 " packets; "
			"flows shown are from the part that was read", path, n);
	else
		pl_warn("%s: capture is damaged after %" PRIu64 " packets (%s); "
			"flows shown are from the part that was read", path, n, why);
}

/* file_json - the JSON object for interface IFC of PATH, read with result RC. */
static void file_json(struct json *j, const char *path, const struct iface_flows *ifc, int rc)
{
	const struct flow_table *ft = ifc->ft;
	const struct decode_stats *st = flow_table_stats(ft);

	json_begin_object(j, NULL);
	json_string(j, "file", path);
	json_string(j, "interface", ifc->name);
	json_int(j, "packets", (long long)st->packets);
	json_int(j, "truncated", (long long)st->truncated);
	json_int(j, "malformed", (long long)st->malformed);
	json_int(j, "other", (long long)st->other);
	json_bool(j, "complete", rc == 0);
	json_begin_array(j, "flows");
	for (size_t i = 0; i < flow_table_size(ft); i++)
		flow_json(j, NULL, flow_table_at(ft, i));
	json_end_array(j);
	json_end_object(j);
}

/* error_json - the JSON object for PATH that could not be read (ERR says why). */
static void error_json(struct json *j, const char *path, const char *err)
{
	json_begin_object(j, NULL);
	json_string(j, "file", path);
	json_string(j, "error", reason(err, path));
	json_bool(j, "complete", false);
	json_begin_array(j, "flows");
	json_end_array(j);
	json_end_object(j);
}

/* iface_title - the heading of interface IFC of PATH (one of N): "PATH, interface NAME". */
static char *iface_title(const char *path, const struct iface_flows *ifc, size_t n)
{
	if (ifc->name)
		return xasprintf("%s, interface %s", path, ifc->name);
	if (n > 1)   /* unnamed: its number, as Wireshark's frame.interface_id */
		return xasprintf("%s, interface %zu", path, ifc->index);
	return xstrdup(path);
}

enum format { TEXT, JSON, ZEEK, CSV };

/* print_iface - interface I (of N) of PATH, in FORMAT. */
static void print_iface(enum format format, struct json *j, const char *path,
			const struct iface_flows *ifs, size_t i, size_t n, int rc, bool first)
{
	char *title = iface_title(path, &ifs[i], n);

	switch (format) {
	case JSON:
		file_json(j, path, &ifs[i], rc);
		break;
	case ZEEK:
		zeek_rows(stdout, ifs[i].ft, title);
		break;
	case CSV:
		csv_rows(stdout, ifs[i].ft, path, ifs[i].name);
		break;
	case TEXT:
		if (!first || i)
			putchar('\n');
		flows_print_table(stdout, ifs[i].ft, title);
		break;
	}
	free(title);
}

/* flows_file - read and print PATH; returns the exit status it deserves. */
static int flows_file(const char *path, enum format format, struct json *j, bool first)
{
	struct iface_flows *ifs = NULL;
	size_t n = 0;
	char err[512];
	int rc = flows_read_ifaces(path, &ifs, &n, err, sizeof(err));

	if (rc < 0) {
		pl_warn("%s", err);
		if (format == JSON)
			error_json(j, path, err);
		iface_flows_free(ifs, n);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < n; i++)
		flow_table_finish(ifs[i].ft);
	if (rc > 0)
		warn_incomplete(path, ifs, n, err);
	/* one table per interface: a connection is seen once on each it crossed */
	for (size_t i = 0; i < n; i++)
		print_iface(format, j, path, ifs, i, n, rc, first);
	iface_flows_free(ifs, n);
	return rc > 0 ? EXIT_FAIL : EXIT_PASS;
}

int cmd_flows(int argc, char **argv)
{
	char **files = xcalloc((size_t)argc + 1, sizeof(*files));
	enum format format = TEXT;
	bool opts = true;
	int nfiles = 0, status = EXIT_PASS;
	struct json j;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && !strcmp(a, "--json")) {
			format = JSON;
		} else if (opts && !strcmp(a, "--zeek")) {
			format = ZEEK;
		} else if (opts && !strcmp(a, "--csv")) {
			format = CSV;
		} else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			fputs(usage_text, stdout);
			free(files);
			return EXIT_PASS;
		} else if (opts && a[0] == '-' && a[1]) {   /* "-" alone is standard input */
			pl_warn("flows: unknown option '%s'", a);
			fputs(usage_text, stderr);
			free(files);
			return EXIT_USAGE;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles) {
		pl_warn("flows: no capture file given");
		fputs(usage_text, stderr);
		free(files);
		return EXIT_USAGE;
	}
	if (format == JSON) {
		json_init(&j, stdout, false);
		json_begin_object(&j, NULL);
		json_begin_array(&j, "files");
	} else if (format == ZEEK) {
		zeek_header(stdout);
	} else if (format == CSV) {
		csv_header(stdout);
	}
	for (int i = 0; i < nfiles; i++) {
		int rc = flows_file(files[i], format, &j, i == 0);

		/* the worst wins: unreadable (2) over truncated (1) over whole (0) */
		if (rc > status)
			status = rc;
	}
	if (format == JSON) {
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	} else if (format == ZEEK) {
		zeek_footer(stdout);
	}
	fflush(stdout);
	free(files);
	return status;
}
