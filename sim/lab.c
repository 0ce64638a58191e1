/*
 * lab.c - read a lab file (docs/lab-format.md) into a struct lab: lines,
 * words and parameters, then each statement through one table (keyword,
 * handler, how many words, where it may stand), then the checks that need
 * the whole file. Everything that can be checked before a namespace exists
 * is checked here or in expect.c (see labread.h), so that a bad file never
 * leaves anything behind.
 */
#include "lab.h"

#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "labparse.h"
#include "suggest.h"
#include "utf8.h"
#include "util.h"
#include "words.h"

#define MAX_WORDS 256
#define MAX_LINE 4096
#define MAX_FILE (16 << 20) /* 10,000 hosts take well under 1 MiB */

int bad(struct parser *p, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%d: ", p->file, p->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (p->from_option)
		fprintf(stderr, " (this line uses --param %s)", p->from_option);
	fputc('\n', stderr);
	return -1;
}

bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* split - LINE into words (words.h); the count, or -1 after saying what is wrong. */
static int split(struct parser *p, char *line, char **w)
{
	const char *why;
	int n = split_words(line, w, MAX_WORDS, true, &why);

	if (n < 0 && !strcmp(why, "too many words"))
		return bad(p, "too many words (at most %d)", MAX_WORDS);
	if (n < 0)
		return bad(p, "%s", why);
	return n;
}

/* rest_of_line - WORDS = the keyword at LINE and the rest of the line as it is; returns 1 or 2. */
static int rest_of_line(char *line, char **words)
{
	char *s = line + strcspn(line, " \t");

	words[0] = line;
	if (!*s)
		return 1;
	*s++ = '\0';
	while (*s == ' ' || *s == '\t')
		s++;
	size_t end = strlen(s);
	while (end && (s[end - 1] == ' ' || s[end - 1] == '\t'))
		s[--end] = '\0';
	words[1] = s;
	return *s ? 2 : 1;
}

static const char *param_value(struct parser *p, const char *name, size_t len)
{
	for (size_t i = 0; i < p->lab->nparams; i++)
		if (strlen(p->lab->params[i].name) == len &&
		    !strncmp(p->lab->params[i].name, name, len)) {
			if (p->lab->params[i].overridden)
				p->from_option = p->lab->params[i].name;
			return p->lab->params[i].value;
		}
	return NULL;
}

/* no_param - the error for ${NAME} (LEN bytes) that no 'param' declared. */
static int no_param(struct parser *p, const char *name, size_t len)
{
	char word[64];
	struct suggester s;

	snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), name);
	suggest_begin(&s, word);
	for (size_t i = 0; i < p->lab->nparams; i++)
		suggest_try(&s, p->lab->params[i].name);
	return bad(p, "unknown parameter '%.*s' (declare it with 'param')%s", (int)len, name,
		   did_you_mean(s.found));
}

/* expand - LINE with every ${name} replaced; NULL after an error. */
static char *expand(struct parser *p, const char *line)
{
	size_t cap = strlen(line) + 64, len = 0;
	char *out = xmalloc(cap);
	bool quoted = false;

	while (*line) {
		const char *val = NULL;
		size_t add;

		if (*line == '"')
			quoted = !quoted;
		if (*line == '#' && !quoted)
			break; /* a comment: left out, so ${...} in it means nothing */
		if (line[0] == '$' && line[1] == '{') {
			const char *end = strchr(line, '}');
			if (!end) {
				bad(p, "'${' without '}'");
				free(out);
				return NULL;
			}
			val = param_value(p, line + 2, (size_t)(end - line - 2));
			if (!val) {
				no_param(p, line + 2, (size_t)(end - line - 2));
				free(out);
				return NULL;
			}
			line = end + 1;
		}
		add = val ? strlen(val) : 1;
		if (len + add > MAX_LINE) {
			bad(p, "the line grows past %d characters once parameters are replaced", MAX_LINE);
			free(out);
			return NULL;
		}
		if (len + add + 1 > cap)
			out = xrealloc(out, cap = (len + add + 1) * 2);
		if (val)
			memcpy(out + len, val, add);
		else
			out[len] = *line++;
		len += add;
	}
	out[len] = '\0';
	return out;
}

/* ---- statements outside the network: the lab's texts, parameters, expectations ---- */

static int text_statement(struct parser *p, char **w, int n)
{
	struct lab *lab = p->lab;
	char *text = join_words(w + 1, (size_t)(n - 1));

	if (w[0][0] == 'l') {
		if (!valid_name(text, 64)) { /* it names the captures folder */
			free(text);
			return bad(p, "a lab name has letters, digits, - and _ only (at most 64)");
		}
		free(lab->name);
		lab->name = text;
	} else if (w[0][0] == 't') {
		free(lab->title);
		lab->title = text;
	} else {
		char *all = lab->about ? xasprintf("%s %s", lab->about, text) : xstrdup(text);
		free(lab->about);
		free(text);
		lab->about = all;
	}
	return 0;
}

static int param_statement(struct parser *p, char **w, int n)
{
	struct lab_param *prm;

	if (n != 3 || !valid_name(w[1], 32))
		return bad(p, "usage: param NAME DEFAULT");
	if (param_value(p, w[1], strlen(w[1])))
		return bad(p, "parameter '%s' is declared twice", w[1]);
	prm = &APPEND(p->lab->params, p->lab->nparams);
	memset(prm, 0, sizeof(*prm));
	prm->name = xstrdup(w[1]);
	prm->value = xstrdup(w[2]);
	for (size_t i = 0; i < p->noverrides; i++) {
		const char *eq = strchr(p->overrides[i], '=');
		if (eq && (size_t)(eq - p->overrides[i]) == strlen(w[1]) &&
		    !strncmp(p->overrides[i], w[1], strlen(w[1]))) {
			free(prm->value);
			prm->value = xstrdup(eq + 1);
			prm->overridden = true;
			p->used[i] = true;
		}
	}
	return 0;
}

/* ---- the table of statements ---- */

enum place {
	TOP,         /* unindented, or indented outside a host block */
	HOST_BLOCK,  /* indented below 'host NAME' */
};

static const struct statement {
	const char *word;
	statement_fn *handle;
	int min, max;      /* words, the keyword included; max 0: no limit */
	enum place place;
	bool rest;         /* the rest of the line is one word, as it is (quotes and all) */
	bool header;       /* read for 'portlab list' too */
	const char *usage;
} statements[] = {
	{ "lab", text_statement, 2, 0, TOP, true, true, "lab NAME" },
	{ "title", text_statement, 2, 0, TOP, true, true, "title TEXT" },
	{ "about", text_statement, 2, 0, TOP, true, true, "about TEXT" },
	{ "param", param_statement, 3, 3, TOP, false, true, "param NAME DEFAULT" },
	{ "host", host_statement, 2, 2, TOP, false, false, "host NAME" },
	{ "iface", iface_statement, 2, 0, HOST_BLOCK, false, false, "iface NAME [ADDRESS/PREFIX ...]" },
	{ "route", route_statement, 3, 6, HOST_BLOCK, false, false,
	  "route DEST via GATEWAY [dev IF] | route DEST unreachable|prohibit|blackhole" },
	{ "sysctl", sysctl_statement, 4, 0, HOST_BLOCK, false, false, "sysctl KEY = VALUE" },
	{ "sysctl?", sysctl_statement, 4, 0, HOST_BLOCK, false, false, "sysctl? KEY = VALUE" },
	{ "forward", forward_statement, 1, 1, HOST_BLOCK, false, false, "forward" },
	{ "nft", nft_statement, 2, 0, HOST_BLOCK, false, false, "nft RULE" },
	{ "impair", impair_statement, 4, 10, HOST_BLOCK, false, false,
	  "impair IFACE [delay MS] [jitter MS] [loss PCT] [rate RATE]" },
	{ "link", link_statement, 3, 3, TOP, false, false, "link HOST:IF HOST:IF" },
	{ "segment", segment_statement, 4, 0, TOP, false, false, "segment NAME HOST:IF HOST:IF ..." },
	{ "capture", capture_statement, 2, 0, TOP, false, false, "capture HOST:IF ..." },
	{ "start", program_statement, 4, 0, TOP, false, false,
	  "start ROLE on HOST [as USER] [caps CAP,...] [timeout S]: PROGRAM [ARGS]" },
	{ "run", program_statement, 4, 0, TOP, false, false,
	  "run ROLE on HOST [as USER] [caps CAP,...] [timeout S]: PROGRAM [ARGS]" },
	{ "sockets", program_statement, 4, 4, TOP, false, false, "sockets ROLE on HOST" },
	{ "wait", wait_statement, 3, 5, TOP, false, false,
	  "wait ROLE listening tcp|udp ADDR:PORT | wait ROLE exit" },
	{ "stop", stop_statement, 2, 2, TOP, false, false, "stop ROLE" },
	{ "expect", expect_statement, 4, 0, TOP, false, false, "expect \"TEXT\" SUBJECT: CHECK" },
	{ "tag", tag_statement, 2, 0, TOP, false, false, "tag FIELD ..." },
	{ "note", note_statement, 2, 0, TOP, false, false, "note CALL [FIELD ...]" },
};

#define NSTATEMENTS (sizeof(statements) / sizeof(statements[0]))

static const struct statement *find_statement(const char *word, size_t len)
{
	for (size_t i = 0; i < NSTATEMENTS; i++)
		if (strlen(statements[i].word) == len && !strncmp(statements[i].word, word, len))
			return &statements[i];
	return NULL;
}

/* unknown - the error for a first word that is no statement (here, or at all). */
static int unknown(struct parser *p, const char *word, bool in_host)
{
	struct suggester s;

	suggest_begin(&s, word);
	for (size_t i = 0; i < NSTATEMENTS; i++)
		if ((statements[i].place == HOST_BLOCK) == in_host || !in_host)
			suggest_try(&s, statements[i].word);
	if (in_host)
		return bad(p, "unknown host statement '%s' (iface, route, sysctl, sysctl?, forward, nft, "
			   "impair)%s",
			   word, did_you_mean(s.found));
	return bad(p, "unknown statement '%s'%s", word, did_you_mean(s.found));
}

/* statement - one line's words W through the table; INDENTED as the line was written. */
static int statement(struct parser *p, const struct statement *st, char **w, int n, bool indented)
{
	bool in_host = indented && p->host >= 0;

	if (!st)
		return unknown(p, w[0], in_host);
	if (st->place == HOST_BLOCK && !in_host)
		return bad(p, "'%s' belongs in a host block: indent it below 'host NAME'", w[0]);
	if (st->place == TOP && in_host)
		return unknown(p, w[0], true);
	if (st->place == TOP)
		p->host = -1;
	if (n < st->min || (st->max && n > st->max))
		return bad(p, "usage: %s", st->usage);
	return st->handle(p, w, n);
}

/* ---- checks that need the whole file ---- */

static int unused_override(struct parser *p, const char *override)
{
	const struct lab *lab = p->lab;
	char name[64];
	struct suggester s;

	snprintf(name, sizeof(name), "%.*s", (int)strcspn(override, "="), override);
	suggest_begin(&s, name);
	fprintf(stderr, "%s: no parameter '%s' in this lab (", p->file, name);
	if (!lab->nparams)
		fputs("it has none", stderr);
	for (size_t k = 0; k < lab->nparams; k++) {
		fprintf(stderr, "%s%s=%s", k ? ", " : "parameters: ", lab->params[k].name,
			lab->params[k].value);
		suggest_try(&s, lab->params[k].name);
	}
	fprintf(stderr, ")%s\n", did_you_mean(s.found));
	return -1;
}

/* A capture file's name, "<host>-<iface>", and the interface it belongs to. */
struct capture_name {
	char *name;
	size_t host, iface;
};

static int cmp_capture_names(const void *a, const void *b)
{
	const struct capture_name *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return c ? c : (x->host > y->host) - (x->host < y->host);
}

/*
 * clashing_captures - captures are <host>-<iface>.pcap, so a-b + c and
 * a + b-c would share a file. Sorting the names finds every clash in
 * n log n; the one reported is the first in the file.
 */
static int clashing_captures(struct parser *p)
{
	const struct lab *lab = p->lab;
	struct capture_name *v = NULL, *clash = NULL;
	size_t n = 0;
	int rc = 0;

	for (size_t h = 0; h < lab->nhosts; h++)
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
			APPEND(v, n) = (struct capture_name){
				xasprintf("%s-%s", lab->hosts[h].name, lab->hosts[h].ifaces[i].name), h, i };
	if (n)
		qsort(v, n, sizeof(*v), cmp_capture_names);
	for (size_t k = 1; k < n; k++)
		if (!strcmp(v[k].name, v[k - 1].name) &&
		    (!clash || lab->hosts[v[k].host].ifaces[v[k].iface].line <
			       lab->hosts[clash->host].ifaces[clash->iface].line))
			clash = &v[k];
	if (clash) {
		const struct capture_name *other = clash - 1;
		const struct lab_host *h = &lab->hosts[clash->host], *g = &lab->hosts[other->host];
		p->line = h->ifaces[clash->iface].line;
		rc = bad(p, "%s:%s and %s:%s would both be captured as %s.pcap: rename one", h->name,
			 h->ifaces[clash->iface].name, g->name, g->ifaces[other->iface].name, clash->name);
	}
	for (size_t k = 0; k < n; k++)
		free(v[k].name);
	free(v);
	return rc;
}

static int finish(struct parser *p)
{
	struct lab *lab = p->lab;

	for (size_t i = 0; i < p->noverrides; i++)
		if (!p->used[i])
			return unused_override(p, p->overrides[i]);
	if (lab->nhosts == 0) {
		fprintf(stderr, "%s: the lab has no host\n", p->file);
		return -1;
	}
	if (clashing_captures(p) < 0)
		return -1;
	for (size_t h = 0; h < lab->nhosts; h++)
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++) {
			struct lab_iface *ifc = &lab->hosts[h].ifaces[i];
			if (!ifc->attached && strcmp(ifc->name, "lo")) {
				p->line = ifc->line;
				return bad(p, "interface %s:%s is on no link or segment",
					   lab->hosts[h].name, ifc->name);
			}
		}
	return 0;
}

/* ---- lines ---- */

/*
 * clean_line - LINE (LEN bytes, newline included) without its line end, or
 * -1 after saying what makes it no lab text: a NUL or other control byte
 * (tab excepted), a byte that is not UTF-8, too many characters.
 */
static int clean_line(struct parser *p, char *line, size_t len)
{
	size_t bad_at;

	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (len && line[len - 1] == '\r') /* a file written on Windows */
		line[--len] = '\0';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c == 0)
			return bad(p, "a NUL byte at column %zu: is this a lab file?", i + 1);
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return bad(p, "a control character (0x%02x) at column %zu: is this a lab file?",
				   c, i + 1);
	}
	bad_at = utf8_invalid(line, len);
	if (bad_at < len)
		return bad(p, "byte 0x%02x at column %zu is not UTF-8: lab files are UTF-8 text",
			   (unsigned char)line[bad_at], bad_at + 1);
	if (len > MAX_LINE)
		return bad(p, "line too long (at most %d characters)", MAX_LINE);
	return 0;
}

/* first_word - the statement that LINE starts with (NULL if none), and its length in *LEN. */
static const struct statement *first_word(const char *line, size_t *len)
{
	line += strspn(line, " \t");
	*len = strcspn(line, " \t");
	return find_statement(line, *len);
}

/* one_line - read one line of the file, LEN bytes long; returns 0 or -1. */
static int one_line(struct parser *p, char *line, size_t len, bool header_only)
{
	char *words[MAX_WORDS], *text;
	bool indented = line[0] == ' ' || line[0] == '\t';
	const struct statement *st;
	size_t wlen;
	int n, rc = 0;

	if (clean_line(p, line, len) < 0)
		return -1;
	st = first_word(line, &wlen);
	if (header_only && (!st || !st->header || indented))
		return 0;
	p->from_option = NULL;
	text = expand(p, line);
	if (!text)
		return -1;
	st = first_word(text, &wlen); /* a ${param} may have given the first word */
	if (st && st->rest && !indented) /* lab, title, about: the rest of the line as it is */
		n = rest_of_line(text, words);
	else
		n = split(p, text, words);
	if (n < 0)
		rc = -1;
	else if (n > 0)
		rc = statement(p, st, words, n, indented);
	free(text);
	return rc;
}

/* open_lab - PATH opened for reading, once it is known to be a lab-sized regular file; or NULL. */
static FILE *open_lab(const char *path)
{
	struct stat st;
	FILE *f = fopen(path, "r");

	if (!f) {
		pl_warn_errno("%s", path);
		return NULL;
	}
	if (fstat(fileno(f), &st) < 0) {
		pl_warn_errno("%s", path);
	} else if (S_ISDIR(st.st_mode)) {
		pl_warn("%s: is a folder, not a lab file (a lab's file is %s/lab)", path, path);
	} else if (!S_ISREG(st.st_mode)) {
		pl_warn("%s: not a regular file: a lab file is a text file", path);
	} else if (st.st_size == 0) {
		pl_warn("%s: the file is empty: a lab file needs at least a host", path);
	} else if (st.st_size > MAX_FILE) {
		pl_warn("%s: %lld bytes is too big for a lab file (at most %d)", path,
			(long long)st.st_size, MAX_FILE);
	} else {
		return f;
	}
	fclose(f);
	return NULL;
}

/* default_name - the lab's name from its folder (or from a file ./x.lab: x). */
static char *default_name(const char *path, const char *dir)
{
	char *tmp = xstrdup(dir), *name = NULL;

	if (valid_name(basename(tmp), 64))
		name = xstrdup(basename(tmp));
	free(tmp);
	if (name)
		return name;
	tmp = xstrdup(path);
	char *base = basename(tmp);
	base[strcspn(base, ".")] = '\0';
	name = xstrdup(valid_name(base, 64) ? base : "lab");
	free(tmp);
	return name;
}

static struct lab *parse(const char *path, char **overrides, size_t noverrides, bool header_only)
{
	struct parser p = { .file = path, .host = -1, .overrides = overrides,
			    .noverrides = noverrides };
	char *line = NULL, *tmp;
	size_t cap = 0;
	ssize_t len;
	FILE *f = open_lab(path);
	int rc = 0;

	if (!f)
		return NULL;
	p.lab = xcalloc(1, sizeof(*p.lab));
	p.used = xcalloc(noverrides + 1, sizeof(bool));
	p.lab->file = xstrdup(path);
	tmp = xstrdup(path);
	p.lab->dir = xstrdup(dirname(tmp));
	free(tmp);
	p.lab->name = default_name(path, p.lab->dir);
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		p.line++;
		rc = one_line(&p, line, (size_t)len, header_only);
	}
	if (rc == 0 && ferror(f)) {
		pl_warn_errno("%s", path);
		rc = -1;
	}
	free(line);
	fclose(f);
	if (rc == 0 && !header_only)
		rc = finish(&p);
	free(p.used);
	name_index_free(&p.segment_names);
	name_index_free(&p.programs);
	if (rc < 0) {
		lab_free(p.lab);
		return NULL;
	}
	return p.lab;
}

struct lab *lab_parse(const char *path, char **overrides, size_t noverrides)
{
	return parse(path, overrides, noverrides, false);
}

struct lab *lab_header(const char *path)
{
	return parse(path, NULL, 0, true);
}

long lab_host_index(const struct lab *lab, const char *name)
{
	return name_index_get(&lab->host_names, name, strlen(name));
}

long lab_iface_index(const struct lab *lab, size_t h, const char *name)
{
	for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
		if (!strcmp(lab->hosts[h].ifaces[i].name, name))
			return (long)i;
	return -1;
}

bool lab_role_known(const struct lab *lab, const char *role, size_t len)
{
	for (size_t i = 0; i < lab->nsteps; i++)
		if (strlen(lab->steps[i].role) == len && !strncmp(lab->steps[i].role, role, len))
			return true;
	return false;
}

static void free_host(struct lab_host *host)
{
	for (size_t i = 0; i < host->nifaces; i++) {
		free(host->ifaces[i].name);
		free_strings(host->ifaces[i].addrs, host->ifaces[i].naddrs);
	}
	free(host->ifaces);
	free_strings(host->routes, host->nroutes);
	free_strings(host->sysctls, host->nsysctls);
	free_strings(host->nft, host->nnft);
	free(host->sysctl_lines);
	free(host->route_lines);
	free(host->nft_lines);
	for (size_t i = 0; i < host->nimpairs; i++)
		free(host->impairs[i].qdisc);
	free(host->impairs);
	free(host->name);
}

bool user_is_root(const char *user)
{
	return !strcmp(user, "root") || !strcmp(user, "0");
}

void lab_free(struct lab *lab)
{
	if (!lab)
		return;
	for (size_t h = 0; h < lab->nhosts; h++)
		free_host(&lab->hosts[h]);
	for (size_t i = 0; i < lab->nsegments; i++) {
		free(lab->segments[i].name);
		free(lab->segments[i].ports);
	}
	for (size_t i = 0; i < lab->nsteps; i++) {
		struct lab_step *s = &lab->steps[i];
		free(s->role);
		free_strings(s->argv, s->argc);
		free(s->user);
		free_strings(s->caps, s->ncaps);
		free_strings(s->limits, s->nlimits);
		free(s->endpoint);
	}
	for (size_t i = 0; i < lab->nexpects; i++) {
		struct lab_expect *e = &lab->expects[i];
		free(e->text);
		free_strings(e->subject, e->nsubject);
		free_strings(e->check, e->ncheck);
		free(e->source);
		free(e->param);
	}
	for (size_t i = 0; i < lab->nparams; i++) {
		free(lab->params[i].name);
		free(lab->params[i].value);
	}
	free_strings(lab->calls, lab->ncalls);
	free_strings(lab->fields, lab->nfields);
	name_index_free(&lab->host_names);
	free(lab->hosts);
	free(lab->links);
	free(lab->segments);
	free(lab->captures);
	free(lab->steps);
	free(lab->expects);
	free(lab->params);
	free(lab->name);
	free(lab->title);
	free(lab->about);
	free(lab->file);
	free(lab->dir);
	free(lab);
}
