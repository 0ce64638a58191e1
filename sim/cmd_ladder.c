/*
 * cmd_ladder.c - portlab ladder: a connection as a time-sequence ladder,
 * in the terminal or as SVG, at every vantage point that saw it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "cmds.h"
#include "jsonread.h"
#include "ladder.h"
#include "util.h"

static const char usage_text[] =
	"usage: portlab ladder [--flow N | --tuple A:P-B:P] [--svg FILE] CAPTURE...\n"
	"\n"
	"Draw each connection in the captures as a ladder: one column per vantage\n"
	"point (interface), time going down, one arrow per packet from the first to\n"
	"the last interface that saw it (o marks each one that did), with its TCP\n"
	"flags, sequence and acknowledgement numbers relative to each side's first,\n"
	"and payload length. ICMP errors appear on the connection they quote.\n"
	"\n"
	"CAPTURE is a pcap or pcapng file, \"-\" for standard input, or a run folder\n"
	"(captures/<lab>/<run-id>/): its run.pcapng gives every interface of the\n"
	"lab, and its result.json the socket calls (# marks, in the host's column).\n"
	"\n"
	"  --flow N             only connection N (numbered in order of first packet)\n"
	"  --tuple A:P-B:P      only connections between these two endpoints, either\n"
	"                       way ([2001:db8::5]:40000-[2001:db8::80]:443 for IPv6)\n"
	"  --svg FILE           also write the ladders as one SVG drawing (\"-\": to\n"
	"                       standard output, instead of the text)\n"
	"  --help               this text\n"
	"\n"
	"Only the connections drawn keep their packets in memory.\n"
	"Exit status: 0 drawn, 1 a capture ends in the middle of a record,\n"
	"2 usage error, a capture that cannot be read, or no such connection.\n";

struct options {
	struct ladder_select sel;
	const char *svg;
	char **inputs;
	int ninputs;
	const char *tuple_text;
};

/* parse_end - "ADDR:PORT" or "[V6]:PORT" at *S into A and P, moving *S past it. */
static bool parse_end(const char **s, struct pl_addr *a, uint16_t *p)
{
	char host[64];
	const char *h = *s, *colon;
	size_t n;
	char *end;
	long port;

	if (*h == '[') {
		const char *close = strchr(h, ']');
		if (!close || close[1] != ':')
			return false;
		n = (size_t)(close - h - 1);
		h++;
		colon = close + 1;
	} else {
		colon = strchr(h, ':');
		if (!colon)
			return false;
		n = (size_t)(colon - h);
	}
	if (n == 0 || n >= sizeof(host))
		return false;
	memcpy(host, h, n);
	host[n] = '\0';
	memset(a, 0, sizeof(*a));
	a->family = inet_pton(AF_INET, host, a->a) == 1 ? AF_INET :
		    inet_pton(AF_INET6, host, a->a) == 1 ? AF_INET6 : 0;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (!a->family || errno || end == colon + 1 || port < 0 || port > 65535)
		return false;
	*p = (uint16_t)port;
	*s = end;
	return true;
}

/* parse_tuple - "A:P-B:P" into SEL; false when it is not one. */
static bool parse_tuple(const char *text, struct ladder_select *sel)
{
	const char *s = text;

	if (!parse_end(&s, &sel->a, &sel->ap) || *s++ != '-' || !parse_end(&s, &sel->b, &sel->bp) || *s)
		return false;
	sel->by_tuple = true;
	return true;
}

/* usage_error - say WHAT, then the usage; returns EXIT_USAGE. */
static int usage_error(const char *what, const char *arg)
{
	pl_warn("ladder: %s%s%s%s", what, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
	fputs(usage_text, stderr);
	return EXIT_USAGE;
}

/* parse_args - ARGV into O; returns -1 when all is well, or the exit status. */
static int parse_args(int argc, char **argv, struct options *o)
{
	bool opts = true;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;

		if (opts && !strcmp(a, "--")) {
			opts = false;
		} else if (opts && (!strcmp(a, "--help") || !strcmp(a, "-h"))) {
			fputs(usage_text, stdout);
			return EXIT_PASS;
		} else if (opts && !strcmp(a, "--flow") && has_value) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || n < 1)
				return usage_error("--flow wants a connection number from 1:", argv[i]);
			o->sel.flow = (size_t)n;
		} else if (opts && !strcmp(a, "--tuple") && has_value) {
			o->tuple_text = argv[++i];
			if (!parse_tuple(o->tuple_text, &o->sel))
				return usage_error("--tuple wants ADDR:PORT-ADDR:PORT, not", o->tuple_text);
		} else if (opts && !strcmp(a, "--svg") && has_value) {
			o->svg = argv[++i];
		} else if (opts && a[0] == '-' && a[1]) {
			return usage_error("unknown option (or one without its value)", a);
		} else {
			o->inputs[o->ninputs++] = argv[i];
		}
	}
	if (!o->ninputs)
		return usage_error("no capture given", NULL);
	if (o->sel.flow && o->sel.by_tuple)
		return usage_error("give --flow or --tuple, not both", NULL);
	return -1;
}

/* base_name - PATH's last part without its extension: the vantage point's name. */
static char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *name = xstrdup(slash ? slash + 1 : path), *dot = strrchr(name, '.');

	if (dot && dot != name)
		*dot = '\0';
	return name;
}

/*
 * read_captures - the per-interface pcaps that RESULT lists, from folder DIR
 * (where run.pcapng is missing: a run stopped before it was written).
 */
static int read_captures(struct ladder *l, const char *dir, const struct jvalue *result,
			 char *err, size_t errlen)
{
	const struct jvalue *caps = jget(result, "captures");
	int status = 0;

	for (size_t i = 0; caps && caps->type == J_ARRAY && i < caps->n; i++) {
		const char *name = jstr(&caps->items[i], "name"), *file = jstr(&caps->items[i], "file");
		const char *base = file ? strrchr(file, '/') : NULL;
		char *path;
		int rc;

		if (!name || !file)
			continue;
		path = xasprintf("%s/%s", dir, base ? base + 1 : file);
		rc = ladder_read(l, path, name, err, errlen);
		free(path);
		if (rc < 0)
			return rc;
		if (rc > 0)
			status = rc;
	}
	return status;
}

/* read_folder - run folder DIR into L: run.pcapng and result.json's events. */
static int read_folder(struct ladder *l, const char *dir, char *err, size_t errlen)
{
	char *pcapng = xasprintf("%s/run.pcapng", dir), *result = xasprintf("%s/result.json", dir);
	char jerr[300];
	struct jvalue *v = jread_file(result, jerr, sizeof(jerr));
	struct stat st;
	int rc;

	if (stat(pcapng, &st) == 0 || !v)
		rc = ladder_read(l, pcapng, "run", err, errlen);
	else
		rc = read_captures(l, dir, v, err, errlen);
	if (rc >= 0 && v)
		ladder_events(l, jget(v, "events"));
	else if (rc >= 0)
		pl_warn("%s; the ladder has no socket calls", jerr);
	jfree(v);
	free(pcapng);
	free(result);
	return rc;
}

/* read_inputs - every input of O into L; returns the exit status so far, or EXIT_USAGE. */
static int read_inputs(struct ladder *l, const struct options *o)
{
	int status = EXIT_PASS;

	for (int i = 0; i < o->ninputs; i++) {
		const char *in = o->inputs[i];
		struct stat st;
		char err[512];
		int rc;

		if (strcmp(in, "-") && stat(in, &st) == 0 && S_ISDIR(st.st_mode)) {
			rc = read_folder(l, in, err, sizeof(err));
		} else {
			char *name = base_name(in);
			rc = ladder_read(l, in, name, err, sizeof(err));
			free(name);
		}
		if (rc < 0) {
			pl_warn("%s", err);
			return EXIT_USAGE;
		}
		if (rc > 0) {
			pl_warn("%s; the ladder shows the part before it", err);
			status = EXIT_FAIL;
		}
	}
	return status;
}

/* write_svg - the N connections C into PATH ("-": stdout); 0 or -1 after saying why. */
static int write_svg(const char *path, const struct ladder_conn *c, size_t n, const struct options *o)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "w") : stdout;
	char *title = join_words(o->inputs, (size_t)o->ninputs);
	char *full = xasprintf("portlab ladder %s", title);

	if (!f) {
		pl_warn_errno("%s", path);
		free(title);
		free(full);
		return -1;
	}
	ladder_svg(f, c, n, full);
	free(title);
	free(full);
	if (f != stdout && fclose(f) != 0) {
		pl_warn_errno("write %s", path);
		return -1;
	}
	return 0;
}

/* not_found - say that the selection of O found nothing among COUNT connections. */
static int not_found(const struct options *o, size_t count)
{
	if (o->sel.by_tuple)
		pl_warn("ladder: no connection between %s in the captures", o->tuple_text);
	else if (o->sel.flow)
		pl_warn("ladder: no connection %zu: the captures hold %zu", o->sel.flow, count);
	else
		pl_warn("ladder: the captures hold no connection");
	return o->sel.flow || o->sel.by_tuple ? EXIT_USAGE : EXIT_PASS;
}

int cmd_ladder(int argc, char **argv)
{
	struct options o = { .inputs = xcalloc((size_t)argc + 1, sizeof(char *)) };
	struct ladder *l;
	const struct ladder_conn *c;
	size_t n;
	int status = parse_args(argc, argv, &o);

	if (status >= 0) {
		free(o.inputs);
		return status;
	}
	l = ladder_new(&o.sel);
	status = read_inputs(l, &o);
	if (status != EXIT_USAGE) {
		c = ladder_conns(l, &n);
		if (n == 0)
			status = not_found(&o, ladder_count(l));
		for (size_t i = 0; i < n && !(o.svg && !strcmp(o.svg, "-")); i++) {
			if (i)
				putchar('\n');
			ladder_print(stdout, &c[i]);
		}
		if (n && o.svg && write_svg(o.svg, c, n, &o) < 0)
			status = EXIT_USAGE;
	}
	ladder_free(l);
	free(o.inputs);
	return status;
}
