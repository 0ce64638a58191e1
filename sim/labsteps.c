/*
 * labsteps.c - the statements that make up the run: start, run and sockets
 * (a program, or a socket table, in a host), wait and stop.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labparse.h"
#include "sandbox.h"
#include "launch.h"
#include "suggest.h"
#include "util.h"

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

/* find_program - the start or run step of ROLE, or NULL (by hash: labs may have many). */
static const struct lab_step *find_program(struct parser *p, const char *role)
{
	long i = name_index_get(&p->programs, role, strlen(role));

	return i < 0 ? NULL : &p->lab->steps[i];
}

/* no_host - the error for a step in host NAME, which the lab lacks. */
static int no_host(struct parser *p, const char *name)
{
	struct suggester s;

	suggest_begin(&s, name);
	for (size_t i = 0; i < p->lab->nhosts && i < 1000; i++)
		suggest_try(&s, p->lab->hosts[i].name);
	return bad(p, "no host '%s'%s", name, did_you_mean(s.found));
}

/* no_program - the error for wait or stop naming ROLE, which started no background program. */
static int no_program(struct parser *p, const char *role)
{
	struct suggester s;

	suggest_begin(&s, role);
	for (size_t i = 0; i < p->lab->nsteps; i++)
		if (p->lab->steps[i].kind == STEP_START)
			suggest_try(&s, p->lab->steps[i].role);
	return bad(p, "no background program '%s' started before this line%s", role,
		   did_you_mean(s.found));
}

static const char *const options[] = { "as", "caps", "timeout", "limit" };

/* program_statement - start/run/sockets: "ROLE on HOST [options]:" then the command. */
int program_statement(struct parser *p, char **w, int n)
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
			   "usage: %s ROLE on HOST [as USER] [caps CAP,...] [timeout S] [limit NAME=VALUE,...]: "
			   "PROGRAM [ARGS]", w[0]);
	if (!valid_name(w[1], 32))
		return bad(p, "'%s' is not a valid role name", w[1]);
	if (kind != STEP_SOCKETS && find_program(p, w[1]))
		return bad(p, "role '%s' already has a program (line %d)", w[1], find_program(p, w[1])->line);
	host = lab_host_index(p->lab, w[3]);
	if (host < 0)
		return no_host(p, w[3]);

	struct lab_step *s = new_step(p, kind, w[1]);
	if (kind != STEP_SOCKETS)
		name_index_put(&p->programs, s->role, p->lab->nsteps - 1);
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
		} else if (!strcmp(w[i], "limit")) { /* a sandbox limit raised for this program */
			struct sandbox_limits scratch;
			char why[200];
			sandbox_default_limits(&scratch);
			if (sandbox_limit_apply(&scratch, w[i + 1], why, sizeof(why)) < 0)
				return bad(p, "%s", why);
			APPEND(s->limits, s->nlimits) = xstrdup(w[i + 1]);
		} else {
			return bad(p, "unknown option '%s' (as, caps, timeout, limit)%s", w[i],
				   did_you_mean(suggest(w[i], options, 4)));
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

int wait_statement(struct parser *p, char **w, int n)
{
	const struct lab_step *prog;
	struct lab_step *s;

	if (n < 3)
		return bad(p, "usage: wait ROLE listening tcp|udp ADDR:PORT | wait ROLE exit");
	prog = find_program(p, w[1]);
	if (!prog || prog->kind != STEP_START)
		return no_program(p, w[1]);
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

int stop_statement(struct parser *p, char **w, int n)
{
	const struct lab_step *prog;

	if (n != 2)
		return bad(p, "usage: stop ROLE");
	prog = find_program(p, w[1]);
	if (!prog || prog->kind != STEP_START)
		return no_program(p, w[1]);
	size_t host = prog->host;
	new_step(p, STEP_STOP, w[1])->host = host;
	return 0;
}

