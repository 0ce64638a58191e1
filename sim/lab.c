/*
 * lab.c - read a lab file (docs/lab-format.md) into a struct lab, checking
 * everything that can be checked before a namespace exists, so that a bad
 * file never leaves anything behind.
 */
#include "lab.h"
#include "launch.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expect.h"
#include "sandbox.h"
#include "steps.h"
#include "util.h"

#define MAX_WORDS 256
#define MAX_LINE 4096
#define APPEND(arr, n) (*((arr) = xrealloc((arr), sizeof(*(arr)) * ((n) + 1)), &(arr)[(n)++]))

struct parser {
	const char *file;
	int line;
	struct lab *lab;
	long host;              /* current host block, or -1 */
	char **overrides;
	size_t noverrides;
	bool *used;             /* which overrides matched a param */
	const char *from_option; /* the --param this line uses, if any, for errors */
};

static int bad(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* bad - print "<file>:<line>: <message>"; returns -1. */
static int bad(struct parser *p, const char *fmt, ...)
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

/* split - cut LINE into words (quotes group, # outside quotes ends); returns the count or -1. */
static int split(struct parser *p, char *line, char **words)
{
	int n = 0;
	char *s = line, *out;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == MAX_WORDS)
			return bad(p, "too many words (at most %d)", MAX_WORDS);
		words[n++] = out = s;
		if (*s == '"') {
			words[n - 1] = out = ++s;
			while (*s && *s != '"')
				s++;
			if (!*s)
				return bad(p, "unterminated quote");
			*s++ = '\0';
			if (*s && *s != ' ' && *s != '\t')
				return bad(p, "a quoted word must end at the quote");
			continue;
		}
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

/*
 * rest_of_line - "lab", "title" and "about" take the rest of the line as it is,
 * quotes and all; returns 2 with WORDS set, or 0 for other statements.
 */
static int rest_of_line(char *line, char **words)
{
	static const char *const keys[] = { "lab", "title", "about" };
	char *s = line;

	while (*s == ' ' || *s == '\t')
		s++;
	if (s != line) /* indented: a host statement */
		return 0;
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(keys[i]);
		if (strncmp(s, keys[i], n) || (s[n] != ' ' && s[n] != '\t'))
			continue;
		s[n] = '\0';
		words[0] = s;
		s += n + 1;
		while (*s == ' ' || *s == '\t')
			s++;
		size_t end = strlen(s);
		while (end && (s[end - 1] == ' ' || s[end - 1] == '\t'))
			s[--end] = '\0';
		words[1] = s;
		return *s ? 2 : 1;
	}
	return 0;
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
				bad(p, "unknown parameter '%.*s' (declare it with 'param')",
				    (int)(end - line - 2), line + 2);
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
		if (val) {
			memcpy(out + len, val, add);
		} else {
			out[len] = *line++;
		}
		len += add;
	}
	out[len] = '\0';
	return out;
}

static bool valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !isalpha((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* doc_address - is A (network order) inside an address block that labs may use? */
static bool doc_address(int family, const unsigned char *a)
{
	if (family == AF_INET)
		return (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
		       (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		       (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
		       a[0] == 127;
	return (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	       !memcmp(a, in6addr_loopback.s6_addr, 16);
}

/* parse_address - check "ADDR[/PREFIX]"; returns its family or -1. */
static int parse_address(struct parser *p, const char *text, bool need_prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	char *slash, *end;
	int family;
	long prefix;

	if (strlen(text) >= sizeof(buf))
		return bad(p, "'%s' is not an address", text);
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		family = AF_INET6;
	else
		return bad(p, "'%s' is not an IPv4 or IPv6 address", text);
	if (!slash && need_prefix)
		return bad(p, "'%s' needs a prefix length, e.g. %s/24", text, buf);
	if (slash) {
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || prefix < 0 ||
		    prefix > (family == AF_INET ? 32 : 128))
			return bad(p, "'%s': bad prefix length", text);
	}
	if (!doc_address(family, a))
		return bad(p, "'%s' is not a documentation address: labs use 192.0.2.0/24, "
			   "198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 or loopback, "
			   "so that no lab can reach a real network", text);
	return family;
}

/* parse_port - "HOST:IF" into PORT; returns 0 or -1. */
static int parse_port(struct parser *p, const char *text, struct lab_port *port)
{
	const char *colon = strchr(text, ':');
	struct lab *lab = p->lab;

	if (!colon)
		return bad(p, "'%s' should be HOST:INTERFACE", text);
	for (size_t h = 0; h < lab->nhosts; h++) {
		if (strlen(lab->hosts[h].name) != (size_t)(colon - text) ||
		    strncmp(lab->hosts[h].name, text, (size_t)(colon - text)))
			continue;
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++) {
			if (!strcmp(lab->hosts[h].ifaces[i].name, colon + 1)) {
				port->host = h;
				port->iface = i;
				return 0;
			}
		}
		return bad(p, "host '%s' has no interface '%s'", lab->hosts[h].name, colon + 1);
	}
	return bad(p, "no host '%.*s' (hosts are declared before links)",
		   (int)(colon - text), text);
}

static int attach(struct parser *p, const char *text, struct lab_port *port)
{
	struct lab_iface *ifc;

	if (parse_port(p, text, port) < 0)
		return -1;
	ifc = &p->lab->hosts[port->host].ifaces[port->iface];
	if (!strcmp(ifc->name, "lo"))
		return bad(p, "'%s': lo cannot be linked", text);
	if (ifc->attached)
		return bad(p, "'%s' is already on a link or segment", text);
	ifc->attached = true;
	return 0;
}

/* add_route_line - where the next route of H was written, for errors at build time. */
static void add_route_line(struct lab_host *h, int line)
{
	h->route_lines = xrealloc(h->route_lines, sizeof(int) * (h->nroutes + 1));
	h->route_lines[h->nroutes] = line;
}

static int host_statement(struct parser *p, char **w, int n)
{
	struct lab_host *h = &p->lab->hosts[p->host];

	if (!strcmp(w[0], "iface")) {
		struct lab_iface *ifc;
		if (n < 2)
			return bad(p, "usage: iface NAME [ADDRESS/PREFIX ...]");
		if (!valid_name(w[1], IFNAME_MAX))
			return bad(p, "'%s' is not a valid interface name (letters, digits, - and _, at most %d)",
				   w[1], IFNAME_MAX);
		for (size_t i = 0; i < h->nifaces; i++)
			if (!strcmp(h->ifaces[i].name, w[1]))
				return bad(p, "host '%s' already has an interface '%s'", h->name, w[1]);
		ifc = &APPEND(h->ifaces, h->nifaces);
		memset(ifc, 0, sizeof(*ifc));
		ifc->name = xstrdup(w[1]);
		ifc->line = p->line;
		for (int i = 2; i < n; i++) {
			if (parse_address(p, w[i], true) < 0)
				return -1;
			APPEND(ifc->addrs, ifc->naddrs) = xstrdup(w[i]);
		}
		return 0;
	}
	if (!strcmp(w[0], "route")) {
		if (n == 3 && (!strcmp(w[2], "unreachable") || !strcmp(w[2], "prohibit") ||
			       !strcmp(w[2], "blackhole"))) {
			if (strcmp(w[1], "default") && strcmp(w[1], "default6") &&
			    parse_address(p, w[1], false) < 0)
				return -1;
			add_route_line(h, p->line);
			APPEND(h->routes, h->nroutes) = xasprintf("%s %s", w[2],
				!strcmp(w[1], "default6") ? "::/0" : w[1]);
			return 0;
		}
		if ((n != 4 && n != 6) || strcmp(w[2], "via") || (n == 6 && strcmp(w[4], "dev")))
			return bad(p, "usage: route DEST via GATEWAY [dev IF] | route DEST unreachable|prohibit|blackhole");
		int gw = parse_address(p, w[3], false);
		if (gw < 0)
			return -1;
		const char *dest = w[1];
		if (!strcmp(dest, "default") || !strcmp(dest, "default6")) {
			dest = gw == AF_INET6 ? "::/0" : "0.0.0.0/0";
		} else {
			int fam = parse_address(p, dest, false);
			if (fam < 0)
				return -1;
			if (fam != gw)
				return bad(p, "route to %s via %s: the gateway must be of the same family", dest, w[3]);
		}
		if (n == 6) {
			bool found = false;
			for (size_t i = 0; i < h->nifaces; i++)
				found |= !strcmp(h->ifaces[i].name, w[5]);
			if (!found)
				return bad(p, "host '%s' has no interface '%s'", h->name, w[5]);
		}
		add_route_line(h, p->line);
		APPEND(h->routes, h->nroutes) = n == 6 ?
			xasprintf("%s via %s dev %s", dest, w[3], w[5]) :
			xasprintf("%s via %s", dest, w[3]);
		return 0;
	}
	if (!strcmp(w[0], "sysctl") || !strcmp(w[0], "sysctl?")) {
		bool optional = w[0][6] == '?';
		if (n < 4 || strcmp(w[2], "="))
			return bad(p, "usage: sysctl KEY = VALUE (sysctl? when the kernel may lack KEY)");
		if (strncmp(w[1], "net.", 4) || strstr(w[1], "..") || strchr(w[1], '/'))
			return bad(p, "'%s': only net.* sysctls can be set, and only inside a host", w[1]);
		char *value = join_words(w + 3, (size_t)(n - 3));
		h->sysctl_lines = xrealloc(h->sysctl_lines, sizeof(int) * (h->nsysctls + 1));
		h->sysctl_lines[h->nsysctls] = p->line;
		APPEND(h->sysctls, h->nsysctls) = xasprintf("%s%s=%s", optional ? "?" : "", w[1], value);
		free(value);
		return 0;
	}
	if (!strcmp(w[0], "forward")) {
		if (n != 1)
			return bad(p, "usage: forward");
		h->forward = true;
		return 0;
	}
	if (!strcmp(w[0], "nft")) {
		if (n < 2)
			return bad(p, "usage: nft RULE");
		h->nft_lines = xrealloc(h->nft_lines, sizeof(int) * (h->nnft + 1));
		h->nft_lines[h->nnft] = p->line;
		APPEND(h->nft, h->nnft) = join_words(w + 1, (size_t)(n - 1));
		return 0;
	}
	return bad(p, "unknown host statement '%s' (iface, route, sysctl, sysctl?, forward, nft)", w[0]);
}

/* check_user - a user name known here, or a uid in range; returns 0 or -1. */
static int check_user(struct parser *p, const char *name)
{
	char *end;
	unsigned long long v;

	if (isdigit((unsigned char)name[0])) {
		errno = 0;
		v = strtoull(name, &end, 10);
		if (errno || *end || v >= 0xffffffffULL) /* (uid_t)-1 means "no change" */
			return bad(p, "'%s' is not a user id", name);
		return 0;
	}
	if (!getpwnam(name))
		return bad(p, "no user '%s' on this machine", name);
	return 0;
}

static double parse_seconds(struct parser *p, const char *text)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || *end || end == text || !(v > 0 && v <= 3600)) { /* NaN fails too */
		bad(p, "'%s' is not a timeout in seconds (0 < t <= 3600)", text);
		return -1;
	}
	return v;
}

static struct lab_step *new_step(struct parser *p, enum step_kind kind, const char *role)
{
	struct lab_step *s = &APPEND(p->lab->steps, p->lab->nsteps);

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->role = xstrdup(role);
	s->timeout = 20;
	s->line = p->line;
	return s;
}

static const struct lab_step *find_program(struct parser *p, const char *role)
{
	for (size_t i = 0; i < p->lab->nsteps; i++)
		if (p->lab->steps[i].kind <= STEP_RUN && !strcmp(p->lab->steps[i].role, role))
			return &p->lab->steps[i];
	return NULL;
}

/* program_statement - start/run/sockets: "ROLE on HOST [options]:" then the command. */
static int program_statement(struct parser *p, char **w, int n)
{
	enum step_kind kind = !strcmp(w[0], "start") ? STEP_START :
			      !strcmp(w[0], "run") ? STEP_RUN : STEP_SOCKETS;
	int colon = -1;
	long host;

	for (int i = 1; i < n && colon < 0; i++) {
		size_t len = strlen(w[i]);
		if (len && w[i][len - 1] == ':') {
			w[i][len - 1] = '\0';
			colon = i;
		}
	}
	if (kind == STEP_SOCKETS && colon < 0 && n == 4)
		colon = 3;
	if (colon < 0 || n < 4 || strcmp(w[2], "on"))
		return bad(p, kind == STEP_SOCKETS ? "usage: sockets ROLE on HOST" :
			   "usage: %s ROLE on HOST [as USER] [caps CAP,...] [timeout S] [limit NAME=VALUE,...]: PROGRAM [ARGS]", w[0]);
	if (!valid_name(w[1], 32))
		return bad(p, "'%s' is not a valid role name", w[1]);
	if (kind != STEP_SOCKETS && find_program(p, w[1]))
		return bad(p, "role '%s' already has a program (line %d)", w[1], find_program(p, w[1])->line);
	host = lab_host_index(p->lab, w[3]);
	if (host < 0)
		return bad(p, "no host '%s'", w[3]);

	struct lab_step *s = new_step(p, kind, w[1]);
	s->host = (size_t)host;
	int last = w[colon][0] ? colon : colon - 1; /* a lone ":" ends the options too */
	for (int i = 4; i <= last; i += 2) {
		if (i + 1 > last)
			return bad(p, "option '%s' needs a value", w[i]);
		if (!strcmp(w[i], "as")) {
			if (s->user)
				return bad(p, "'as' given twice");
			if (check_user(p, w[i + 1]) < 0)
				return -1;
			s->user = xstrdup(w[i + 1]);
		} else if (!strcmp(w[i], "caps")) {
			for (char *c = strtok(w[i + 1], ","); c; c = strtok(NULL, ",")) {
				if (cap_number(c) < 0)
					return bad(p, "unknown capability '%s' (e.g. net_bind_service)", c);
				if (s->ncaps == MAX_STEP_CAPS)
					return bad(p, "at most %d capabilities", MAX_STEP_CAPS);
				APPEND(s->caps, s->ncaps) = xstrdup(c);
			}
		} else if (!strcmp(w[i], "timeout")) {
			if ((s->timeout = parse_seconds(p, w[i + 1])) < 0)
				return -1;
		} else if (!strcmp(w[i], "limit")) {
			struct sandbox_limits scratch;
			char why[200];
			sandbox_default_limits(&scratch);
			if (sandbox_limit_apply(&scratch, w[i + 1], why, sizeof(why)) < 0)
				return bad(p, "%s", why);
			APPEND(s->limits, s->nlimits) = xstrdup(w[i + 1]);
		} else {
			return bad(p, "unknown option '%s' (as, caps, timeout, limit)", w[i]);
		}
	}
	if (s->ncaps && !s->user)
		return bad(p, "'caps' goes with 'as USER' (root has every capability)");
	if (kind == STEP_SOCKETS) {
		if (colon + 1 < n)
			return bad(p, "usage: sockets ROLE on HOST");
		return 0;
	}
	if (colon + 1 >= n)
		return bad(p, "no program after ':'");
	s->argc = (size_t)(n - colon - 1);
	s->argv = xcalloc(s->argc + 1, sizeof(char *));
	for (size_t i = 0; i < s->argc; i++)
		s->argv[i] = xstrdup(w[colon + 1 + (int)i]);
	return 0;
}

static int wait_statement(struct parser *p, char **w, int n)
{
	const struct lab_step *prog;
	struct lab_step *s;

	if (n < 3)
		return bad(p, "usage: wait ROLE listening tcp|udp ADDR:PORT | wait ROLE exit");
	prog = find_program(p, w[1]);
	if (!prog || prog->kind != STEP_START)
		return bad(p, "no background program '%s' started before this line", w[1]);
	size_t host = prog->host; /* new_step moves the steps, prog with them */
	double timeout = prog->timeout;
	if (n == 3 && !strcmp(w[2], "exit")) {
		new_step(p, STEP_WAIT_EXIT, w[1])->host = host;
		return 0;
	}
	if (n != 5 || strcmp(w[2], "listening") || (strcmp(w[3], "tcp") && strcmp(w[3], "udp")))
		return bad(p, "usage: wait ROLE listening tcp|udp ADDR:PORT | wait ROLE exit");
	const char *colon = strrchr(w[4], ':');
	char *end, addr[INET6_ADDRSTRLEN + 2];
	unsigned char bin[16];
	long port = colon ? strtol(colon + 1, &end, 10) : -1;
	if (!colon || !colon[1] || *end || port < 1 || port > 65535)
		return bad(p, "'%s' should be ADDR:PORT (or *:PORT)", w[4]);
	snprintf(addr, sizeof(addr), "%.*s", (int)(colon - w[4]), w[4]);
	if (addr[0] == '[' && addr[strlen(addr) - 1] == ']') { /* [v6]:port */
		memmove(addr, addr + 1, strlen(addr));
		addr[strlen(addr) - 1] = '\0';
	}
	if (strcmp(addr, "*") && inet_pton(AF_INET, addr, bin) != 1 &&
	    inet_pton(AF_INET6, addr, bin) != 1)
		return bad(p, "'%s': '%s' is not an address (or * for any)", w[4], addr);
	s = new_step(p, STEP_WAIT_LISTEN, w[1]);
	s->host = host;
	s->proto = !strcmp(w[3], "tcp") ? IPPROTO_TCP : IPPROTO_UDP;
	s->endpoint = xstrdup(w[4]);
	s->timeout = timeout;
	return 0;
}

static int stop_statement(struct parser *p, char **w, int n)
{
	const struct lab_step *prog;

	if (n != 2)
		return bad(p, "usage: stop ROLE");
	prog = find_program(p, w[1]);
	if (!prog || prog->kind != STEP_START)
		return bad(p, "no background program '%s' started before this line", w[1]);
	size_t host = prog->host;
	new_step(p, STEP_STOP, w[1])->host = host;
	return 0;
}

static int expect_statement(struct parser *p, char **w, int n)
{
	struct lab_expect *e;
	char err[256];
	int colon = -1;

	if (n < 4)
		return bad(p, "usage: expect \"TEXT\" SUBJECT: CHECK");
	for (int i = 2; i < n && colon < 0; i++) {
		size_t len = strlen(w[i]);
		if (len > 1 && w[i][len - 1] == ':' && w[i][len - 2] != ':') {
			w[i][len - 1] = '\0';
			colon = i;
		}
	}
	if (colon < 0 || colon + 1 >= n)
		return bad(p, "expect: a ':' must separate the subject from the check");
	e = &APPEND(p->lab->expects, p->lab->nexpects);
	memset(e, 0, sizeof(*e));
	e->text = xstrdup(w[1]);
	e->line = p->line;
	e->compiled = expect_compile(p->lab, w + 2, (size_t)(colon - 1), w + colon + 1,
				     (size_t)(n - colon - 1), err, sizeof(err));
	if (!e->compiled)
		return bad(p, "expect: %s", err);
	char *subject = join_words(w + 2, (size_t)(colon - 1));
	char *check = join_words(w + colon + 1, (size_t)(n - colon - 1));
	e->source = xasprintf("%s: %s", subject, check);
	free(subject);
	free(check);
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

static long segment_index(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nsegments; i++)
		if (!strcmp(lab->segments[i].name, name))
			return (long)i;
	return -1;
}

static int statement(struct parser *p, char **w, int n, bool indented)
{
	struct lab *lab = p->lab;

	if (indented && p->host >= 0)
		return host_statement(p, w, n);
	p->host = -1;
	if (!strcmp(w[0], "lab") || !strcmp(w[0], "title") || !strcmp(w[0], "about")) {
		if (n < 2)
			return bad(p, "usage: %s TEXT", w[0]);
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
	if (!strcmp(w[0], "param"))
		return param_statement(p, w, n);
	if (!strcmp(w[0], "host")) {
		if (n != 2 || !valid_name(w[1], 24))
			return bad(p, "usage: host NAME (letters, digits, - and _, at most 24)");
		if (lab_host_index(lab, w[1]) >= 0)
			return bad(p, "host '%s' is declared twice", w[1]);
		if (segment_index(lab, w[1]) >= 0)
			return bad(p, "host '%s' has the name of a segment", w[1]);
		struct lab_host *h = &APPEND(lab->hosts, lab->nhosts);
		memset(h, 0, sizeof(*h));
		h->name = xstrdup(w[1]);
		h->line = p->line;
		p->host = (long)lab->nhosts - 1;
		return 0;
	}
	if (!strcmp(w[0], "link")) {
		struct lab_link l = { .line = p->line };
		if (n != 3)
			return bad(p, "usage: link HOST:IF HOST:IF");
		if (attach(p, w[1], &l.a) < 0 || attach(p, w[2], &l.b) < 0)
			return -1;
		if (l.a.host == l.b.host)
			return bad(p, "a link joins two different hosts");
		APPEND(lab->links, lab->nlinks) = l;
		return 0;
	}
	if (!strcmp(w[0], "segment")) {
		if (n < 4 || !valid_name(w[1], 24))
			return bad(p, "usage: segment NAME HOST:IF HOST:IF ...");
		if (lab_host_index(lab, w[1]) >= 0)
			return bad(p, "segment '%s' has the name of a host", w[1]);
		if (segment_index(lab, w[1]) >= 0)
			return bad(p, "segment '%s' is declared twice", w[1]);
		struct lab_segment *s = &APPEND(lab->segments, lab->nsegments);
		memset(s, 0, sizeof(*s));
		s->name = xstrdup(w[1]);
		s->line = p->line;
		for (int i = 2; i < n; i++)
			if (attach(p, w[i], &APPEND(s->ports, s->nports)) < 0)
				return -1;
		return 0;
	}
	if (!strcmp(w[0], "capture")) {
		if (n < 2)
			return bad(p, "usage: capture HOST:IF ...");
		for (int i = 1; i < n; i++)
			if (parse_port(p, w[i], &APPEND(lab->captures, lab->ncaptures)) < 0)
				return -1;
		return 0;
	}
	if (!strcmp(w[0], "start") || !strcmp(w[0], "run") || !strcmp(w[0], "sockets"))
		return program_statement(p, w, n);
	if (!strcmp(w[0], "wait"))
		return wait_statement(p, w, n);
	if (!strcmp(w[0], "stop"))
		return stop_statement(p, w, n);
	if (!strcmp(w[0], "expect"))
		return expect_statement(p, w, n);
	if (indented)
		return bad(p, "indented '%s' outside a host block", w[0]);
	return bad(p, "unknown statement '%s'", w[0]);
}

/* finish - checks that need the whole file. */
static int finish(struct parser *p)
{
	struct lab *lab = p->lab;

	for (size_t i = 0; i < p->noverrides; i++)
		if (!p->used[i]) {
			fprintf(stderr, "%s: no parameter '%.*s' in this lab (", p->file,
				(int)strcspn(p->overrides[i], "="), p->overrides[i]);
			if (!lab->nparams)
				fputs("it has none", stderr);
			for (size_t k = 0; k < lab->nparams; k++)
				fprintf(stderr, "%s%s=%s", k ? ", " : "parameters: ", lab->params[k].name,
					lab->params[k].value);
			fputs(")\n", stderr);
			return -1;
		}
	if (lab->nhosts == 0) {
		fprintf(stderr, "%s: the lab has no host\n", p->file);
		return -1;
	}
	/* captures are <host>-<iface>.pcap: a-b + c and a + b-c would share a file */
	for (size_t h = 0; h < lab->nhosts; h++)
		for (size_t i = 0; i < lab->hosts[h].nifaces; i++)
			for (size_t g = 0; g < h; g++)
				for (size_t k = 0; k < lab->hosts[g].nifaces; k++) {
					char *x = xasprintf("%s-%s", lab->hosts[h].name, lab->hosts[h].ifaces[i].name);
					char *y = xasprintf("%s-%s", lab->hosts[g].name, lab->hosts[g].ifaces[k].name);
					bool clash = !strcmp(x, y);
					free(x);
					free(y);
					if (clash) {
						p->line = lab->hosts[h].ifaces[i].line;
						return bad(p, "%s:%s and %s:%s would both be captured as %s-%s.pcap: rename one",
							   lab->hosts[h].name, lab->hosts[h].ifaces[i].name,
							   lab->hosts[g].name, lab->hosts[g].ifaces[k].name,
							   lab->hosts[h].name, lab->hosts[h].ifaces[i].name);
					}
				}
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

static struct lab *parse(const char *path, char **overrides, size_t noverrides, bool header_only)
{
	struct parser p = { .file = path, .host = -1, .overrides = overrides,
			    .noverrides = noverrides };
	char *line = NULL, *words[MAX_WORDS];
	size_t cap = 0;
	FILE *f;
	int rc = 0;

	f = fopen(path, "r");
	if (!f) {
		pl_warn_errno("%s", path);
		return NULL;
	}
	p.lab = xcalloc(1, sizeof(*p.lab));
	p.used = xcalloc(noverrides + 1, sizeof(bool));
	p.lab->file = xstrdup(path);
	char *tmp = xstrdup(path);
	p.lab->dir = xstrdup(dirname(tmp));
	free(tmp);
	tmp = xstrdup(p.lab->dir);
	p.lab->name = xstrdup(basename(tmp));
	free(tmp);
	if (!valid_name(p.lab->name, 64)) { /* a lab file given as ./x.lab: name it after the file */
		free(p.lab->name);
		tmp = xstrdup(path);
		char *base = basename(tmp);
		base[strcspn(base, ".")] = '\0';
		p.lab->name = xstrdup(valid_name(base, 64) ? base : "lab");
		free(tmp);
	}

	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		char *text;
		int n;

		p.line++;
		line[strcspn(line, "\r\n")] = '\0';
		if (strlen(line) > MAX_LINE) {
			rc = bad(&p, "line too long (at most %d characters)", MAX_LINE);
			break;
		}
		for (const char *c = line; *c; c++)
			if ((unsigned char)*c < 0x20 && *c != '\t') {
				rc = bad(&p, "a control character (0x%02x): is this a lab file?",
					 (unsigned char)*c);
				break;
			}
		if (rc)
			break;
		if (header_only && strncmp(line, "lab", 3) && strncmp(line, "title", 5) &&
		    strncmp(line, "about", 5) && strncmp(line, "param", 5))
			continue;
		p.from_option = NULL;
		text = expand(&p, line);
		if (!text) {
			rc = -1;
			break;
		}
		n = rest_of_line(text, words);
		if (n == 0)
			n = split(&p, text, words);
		if (n < 0)
			rc = -1;
		else if (n > 0)
			rc = statement(&p, words, n, line[0] == ' ' || line[0] == '\t');
		free(text);
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
	if (rc < 0) {
		lab_free(p.lab);
		return NULL;
	}
	return p.lab;
}

struct lab *lab_load(const char *path, char **overrides, size_t noverrides)
{
	return parse(path, overrides, noverrides, false);
}

struct lab *lab_header(const char *path)
{
	return parse(path, NULL, 0, true);
}

long lab_host_index(const struct lab *lab, const char *name)
{
	for (size_t i = 0; i < lab->nhosts; i++)
		if (!strcmp(lab->hosts[i].name, name))
			return (long)i;
	return -1;
}

void lab_free(struct lab *lab)
{
	if (!lab)
		return;
	for (size_t h = 0; h < lab->nhosts; h++) {
		struct lab_host *host = &lab->hosts[h];
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
		free(host->name);
	}
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
		free(lab->expects[i].text);
		free(lab->expects[i].source);
		expect_free(lab->expects[i].compiled);
	}
	for (size_t i = 0; i < lab->nparams; i++) {
		free(lab->params[i].name);
		free(lab->params[i].value);
	}
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
