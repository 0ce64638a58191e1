/*
 * cmd_flows.c - portlab flows [--json] FILE...: the connections in captures.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "flowfields.h"
#include "flows.h"
#include "json.h"
#include "util.h"

static const char usage_text[] =
	"usage: portlab flows [--json] FILE...\n"
	"\n"
	"Print every TCP connection, UDP flow and ICMP exchange in each pcap or\n"
	"pcapng FILE, with zeek's conn_state and history. PKTS and BYTES (payload)\n"
	"are given orig/resp; ICMP names an error that came back for the flow.\n"
	"\n"
	"  --json   one JSON document: {\"files\":[{\"file\",\"packets\",\"truncated\",\n"
	"           \"malformed\",\"other\",\"complete\",\"flows\":[...]}]}, zeek conn.log\n"
	"           names; truncated counts packets too short to decode, other the\n"
	"           packets that are no flow (ARP, neighbour discovery)\n"
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

/* warn_incomplete - say that PATH stopped early, after what FT read. */
static void warn_incomplete(const char *path, const struct flow_table *ft, const char *err)
{
	uint64_t n = flow_table_stats(ft)->packets;
	const char *why = reason(err, path);

	if (strstr(why, "truncated"))
		pl_warn("%s: capture is truncated after %" PRIu64 " packets; "
			"flows shown are from the part that was read", path, n);
	else
		pl_warn("%s: capture is damaged after %" PRIu64 " packets (%s); "
			"flows shown are from the part that was read", path, n, why);
}

/* file_json - the JSON object for PATH, read into FT with result RC. */
static void file_json(struct json *j, const char *path, const struct flow_table *ft, int rc)
{
	const struct decode_stats *st = flow_table_stats(ft);

	json_begin_object(j, NULL);
	json_string(j, "file", path);
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

/*
 * pcapng_interfaces - how many interface descriptions the pcapng file PATH
 * holds (0 for a pcap file, or one that cannot be read). Only block
 * headers are read, each length checked before it is trusted.
 */
static unsigned pcapng_interfaces(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint32_t head[2];
	unsigned idbs = 0;
	bool swapped = false;

	if (!f)
		return 0;
	for (int blocks = 0; blocks < 100000 && fread(head, 4, 2, f) == 2; blocks++) {
		if (blocks == 0) {
			uint32_t magic;
			if (head[0] != 0x0A0D0D0A || fread(&magic, 4, 1, f) != 1)
				break; /* not pcapng */
			swapped = magic == 0x4D3C2B1A;
			if (fseek(f, -4, SEEK_CUR) != 0)
				break;
		}
		uint32_t type = swapped ? __builtin_bswap32(head[0]) : head[0];
		uint32_t len = swapped ? __builtin_bswap32(head[1]) : head[1];
		if (len < 12 || len % 4)
			break;
		idbs += type == 1;
		if (type == 6 || type == 3) /* packets begin: the interfaces are all declared */
			break;
		if (fseek(f, (long)len - 8, SEEK_CUR) != 0)
			break;
	}
	fclose(f);
	return idbs;
}

/* flows_file - read and print PATH; returns the exit status it deserves. */
static int flows_file(const char *path, bool as_json, struct json *j, bool first)
{
	struct flow_table *ft = flow_table_new();
	char err[512];
	int rc = flows_read_pcap(ft, path, err, sizeof(err));

	if (rc < 0) {
		pl_warn("%s", err);
		if (as_json)
			error_json(j, path, err);
		flow_table_free(ft);
		return EXIT_USAGE;
	}
	flow_table_finish(ft);
	if (rc > 0)
		warn_incomplete(path, ft, err);
	unsigned ifaces = pcapng_interfaces(path);
	if (ifaces > 1)
		pl_warn("%s: note: it holds %u interfaces (portlab's run.pcapng?); a connection seen "
			"on several is counted once for each: the per-interface pcaps give one table each",
			path, ifaces);
	if (as_json) {
		file_json(j, path, ft, rc);
	} else {
		if (!first)
			putchar('\n');
		flows_print_table(stdout, ft, path);
	}
	flow_table_free(ft);
	return rc > 0 ? EXIT_FAIL : EXIT_PASS;
}

int cmd_flows(int argc, char **argv)
{
	char **files = xcalloc((size_t)argc + 1, sizeof(*files));
	bool as_json = false, opts = true;
	int nfiles = 0, status = EXIT_PASS;
	struct json j;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && !strcmp(a, "--json")) {
			as_json = true;
		} else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			fputs(usage_text, stdout);
			free(files);
			return EXIT_PASS;
		} else if (opts && a[0] == '-' && a[1]) {
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
	if (as_json) {
		json_init(&j, stdout, false);
		json_begin_object(&j, NULL);
		json_begin_array(&j, "files");
	}
	for (int i = 0; i < nfiles; i++) {
		int rc = flows_file(files[i], as_json, &j, i == 0);

		/* the worst wins: unreadable (2) over truncated (1) over whole (0) */
		if (rc > status)
			status = rc;
	}
	if (as_json) {
		json_end_array(&j);
		json_end_object(&j);
		json_end(&j);
	}
	fflush(stdout);
	free(files);
	return status;
}
