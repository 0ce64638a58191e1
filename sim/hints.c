/* hints.c - hints with their evidence (see hints.h). */
#include "hints.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exercise.h"
#include "expect.h"
#include "record.h"
#include "util.h"

/* Text that grows. */
struct text {
	char *s;
	size_t len;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	char *more = xvasprintf(fmt, ap);
	va_end(ap);
	t->s = xrealloc(t->s, t->len + strlen(more) + 1);
	strcpy(t->s + t->len, more);
	t->len += strlen(more);
	free(more);
}

static bool is(const struct record *r, const char *key, const char *value)
{
	const char *v = record_get(r, key);

	return v && !strcmp(v, value);
}

/* has_tables - did the run read HOST's socket table? */
static bool has_tables(const struct run_result *res, const char *host)
{
	for (size_t i = 0; i < res->data.nevents; i++)
		if (is(&res->data.events[i], "call", "socket-table") &&
		    is(&res->data.events[i], "host", host))
			return true;
	return false;
}

char *listening_on(const struct run_result *res, const char *host, const char *role)
{
	struct text t = { 0 };
	bool tables = has_tables(res, host);

	for (size_t i = 0; i < res->data.nevents; i++) {
		const struct record *e = &res->data.events[i];
		if (!is(e, "call", "socket-table") || !is(e, "host", host))
			continue;
		if (is(e, "state", "LISTEN") && (!t.s || !strstr(t.s, record_text(e, "local"))))
			add(&t, "%s%s", t.s ? ", " : "", record_text(e, "local"));
	}
	for (size_t i = 0; !tables && i < res->data.nevents; i++) {
		const struct record *e = &res->data.events[i];
		if (is(e, "role", role) && is(e, "call", "listen") && is(e, "ok", "true"))
			add(&t, "%s%s", t.s ? ", " : "", record_text(e, "local"));
	}
	return t.s ? t.s : xstrdup("no address at all");
}

/* role_in - does ROLE match the subject's role word WANT ("a", "a|b", "*")? */
static bool role_in(const char *role, const char *want)
{
	size_t n = strlen(role);

	if (!strcmp(want, "*"))
		return true;
	for (const char *s = want; s; s = strchr(s, '|') ? strchr(s, '|') + 1 : NULL)
		if (!strncmp(s, role, n) && (s[n] == '|' || !s[n]))
			return true;
	return false;
}

/* subject_role - the role word of an "events ROLE ..." check, or NULL. */
static char *subject_role(const char *check)
{
	char word[128];

	if (!check || sscanf(check, "events %127s", word) != 1)
		return NULL;
	return xstrdup(word);
}

/* explain_flow - what flow F says, in words. */
static const char *explain_flow(const struct record *f)
{
	const char *st = record_text(f, "conn_state");

	if (!strcmp(st, "REJ"))
		return "the SYN was answered by a RST: nothing listened there";
	if (!strcmp(st, "S0"))
		return "the SYN got no answer";
	if (!strcmp(st, "SF"))
		return "opened and closed normally";
	if (!strncmp(st, "RST", 3))
		return "the connection was reset";
	if (!strcmp(st, "S1"))
		return "the connection opened and was never closed";
	return "see its history letters";
}

/* flow_evidence - the flow of event E in some capture, in words, into T. */
static void flow_evidence(struct text *t, const struct run_result *res, const struct record *e)
{
	const char *remote = record_get(e, "remote_addr"), *rport = record_get(e, "remote_port");
	const char *lport = record_get(e, "local_port");

	for (size_t c = 0; remote && rport && c < res->data.ncaptures; c++)
		for (size_t k = 0; k < res->data.captures[c].nflows; k++) {
			const struct record *f = &res->data.captures[c].flows[k];
			if (!is(f, "id.resp_h", remote) || !is(f, "id.resp_p", rport) ||
			    (lport && strcmp(lport, "0") && !is(f, "id.orig_p", lport)))
				continue;
			add(t, "; on the wire, %s %s: %s (%s, history %s) in %s",
			    record_text(f, "proto"), record_text(f, "tuple"), explain_flow(f),
			    record_text(f, "conn_state"), record_text(f, "history"),
			    res->captures[c].file);
			return;
		}
	add(t, "; no packet of it was captured");
}

/* event_evidence - the first failed event of the check's roles, with its flow, into T. */
static void event_evidence(struct text *t, const struct run_result *res, const char *check)
{
	char *want = subject_role(check);

	for (size_t i = 0; want && i < res->data.nevents; i++) {
		const struct record *e = &res->data.events[i];
		if (!role_in(record_text(e, "role"), want) || !is(e, "ok", "false"))
			continue;
		add(t, "; event %s: %s's %s to %s failed with %s", record_text(e, "seq"),
		    record_text(e, "role"), record_text(e, "call"), record_text(e, "remote"),
		    record_text(e, "errno"));
		flow_evidence(t, res, e);
		break;
	}
	free(want);
}

/* wire - the first flows of the capture CHECK names (else of the first capture with any), newly allocated. */
static char *wire(const struct run_result *res, const char *check)
{
	struct text t = { 0 };
	char name[128] = "";
	size_t from = 0;

	if (check && sscanf(check, "flows %127s", name) == 1)
		for (size_t c = 0; c < res->data.ncaptures; c++)
			if (!strcmp(res->data.captures[c].name, name))
				from = c;
	for (size_t i = 0; i < res->data.ncaptures && !t.s; i++) { /* one capture is enough */
		size_t c = (from + i) % res->data.ncaptures;
		const struct run_capture *cap = &res->data.captures[c];
		for (size_t k = 0; k < cap->nflows && k < 4; k++)
			add(&t, "%s%s %s (%s)", t.s ? ", " : "", record_text(&cap->flows[k], "proto"),
			    record_text(&cap->flows[k], "tuple"),
			    record_text(&cap->flows[k], "conn_state"));
		if (cap->nflows)
			add(&t, " in %s", res->captures[c].file);
	}
	return t.s ? t.s : xstrdup("no packet at all");
}

/* fill - TEXT with {listening} and {wire} replaced. */
static void fill(struct text *t, const char *text, const char *listening,
		 const struct run_result *res, const char *check)
{
	const char *at;

	while ((at = strchr(text, '{'))) {
		if (!strncmp(at, "{listening}", 11)) {
			add(t, "%.*s%s", (int)(at - text), text, listening);
			text = at + 11;
		} else if (!strncmp(at, "{wire}", 6)) {
			char *w = wire(res, check);
			add(t, "%.*s%s", (int)(at - text), text, w);
			free(w);
			text = at + 6;
		} else {
			add(t, "%.*s", (int)(at - text) + 1, text);
			text = at + 1;
		}
	}
	add(t, "%s", text);
}

/* role_host - the host ROLE ran on, or "". */
static const char *role_host(const struct run_result *res, const char *role)
{
	for (size_t i = 0; i < res->nprograms; i++)
		if (!strcmp(res->programs[i].role, role))
			return res->programs[i].host;
	return "";
}

/* stderr_evidence - the first line the student's program (every role it took) wrote on stderr. */
static void stderr_evidence(struct text *t, const struct run_result *res, const char *role)
{
	const char *path = NULL;

	for (size_t i = 0; i < res->nprograms && !path; i++)
		if (!strcmp(res->programs[i].role, role))
			path = res->programs[i].program;
	for (size_t i = 0; path && i < res->nprograms; i++) {
		const struct program_end *p = &res->programs[i];
		FILE *f = strcmp(p->program, path) ? NULL : fopen(p->stderr_file, "r");
		char line[200];
		if (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\r\n")] = '\0';
			add(t, "; as %s your program wrote on stderr: %s", p->role, line);
		}
		if (f)
			fclose(f);
	}
}

char *hint_for(const struct exercise_check *c, struct expect ***conds, const size_t *nconds,
	       const struct verdict *v, const struct run_result *res, const char *role)
{
	struct text t = { 0 };
	char detail[512];
	const struct exercise_hint *chosen = NULL;

	for (size_t h = 0; h < c->nhints && !chosen; h++) {
		bool all = true;
		for (size_t k = 0; k < nconds[h] && all; k++)
			all = conds[h][k] && expect_judge(conds[h][k], &res->data, detail, sizeof(detail));
		if (all)
			chosen = &c->hints[h];
	}
	const char *host = role_host(res, role);
	char *listening = listening_on(res, host, role);
	fill(&t, chosen ? chosen->text : c->text, listening, res, v ? v->check : NULL);
	add(&t, " (evidence: the check saw %s", v ? v->detail : "nothing");
	if (v)
		event_evidence(&t, res, v->check);
	if (has_tables(res, host))
		add(&t, "; on host %s your program listened on %s", host, listening);
	stderr_evidence(&t, res, role);
	add(&t, ")");
	free(listening);
	return t.s;
}
