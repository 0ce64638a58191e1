/* report.c - print a run's outcome (see report.h). */
#include "report.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flows.h"
#include "json.h"
#include "lab.h"
#include "record.h"
#include "util.h"
#include "version.h"

#define MAX_EVENT_ROWS 40
#define MAX_FLOW_ROWS 12

static bool colour(FILE *out)
{
	return isatty(fileno(out)) && !getenv("NO_COLOR");
}

/* Fields every event has, or that portlab derives: not worth a DETAIL entry. */
static bool plain_field(const char *key)
{
	static const char *const keys[] = { "t", "call", "ok", "errno", "error", "fd", "local",
		"remote", "bytes", "role", "host", "seq", "local_addr", "local_port", "remote_addr",
		"remote_port", "tuple", "opened_by", "state", NULL };

	for (size_t i = 0; keys[i]; i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

/* report_event_detail - what else the event says (tags such as case=..., a note's numbers), as k=v. */
void report_event_detail(const struct record *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n && used < len; i++) {
		if (plain_field(record_key_at(r, i)))
			continue;
		int k = snprintf(buf + used, len - used, "%s%s=%s", used ? " " : "",
				 record_key_at(r, i), record_value_at(r, i));
		if (k > 0)
			used += (size_t)k;
	}
}

void report_event_result(const struct record *r, char *buf, size_t len)
{
	const char *call = record_text(r, "call");

	if (!strcmp(call, "socket-table"))
		snprintf(buf, len, "%s", record_text(r, "state"));
	else if (!record_get(r, "ok"))
		snprintf(buf, len, "-"); /* a note, not a call */
	else if (!strcmp(record_text(r, "ok"), "false"))
		snprintf(buf, len, "%s", record_text(r, "errno"));
	else if (!strcmp(call, "socket") || !strcmp(call, "accept") || !strcmp(call, "close"))
		snprintf(buf, len, "ok fd %s", record_text(r, "fd"));
	else if (record_get(r, "bytes"))
		snprintf(buf, len, "ok %s bytes", record_text(r, "bytes"));
	else
		snprintf(buf, len, "ok");
}

/* always_shown - rows the lesson is about: failed calls, socket tables, notes. */
static bool always_shown(const struct record *r)
{
	return !strcmp(record_text(r, "ok"), "false") || !record_get(r, "ok") ||
	       !strcmp(record_text(r, "call"), "socket-table");
}

#define MAX_ALWAYS_ROWS 200

static void print_events(FILE *out, const struct run_result *o, bool verbose)
{
	size_t wrole = 4, wcall = 4, wres = 6, wlocal = 5, wremote = 6, shown = 0, always = 0;
	const size_t n = o->data.nevents;
	bool *show;
	char res[64], more[512];

	if (!n)
		return;
	show = calloc(n, sizeof(bool));
	if (!show)
		return;
	for (size_t i = 0; i < n; i++) {
		const struct record *r = &o->data.events[i];
		if (verbose || shown < MAX_EVENT_ROWS)
			show[i] = true, shown++;
		else if (always_shown(r) && always < MAX_ALWAYS_ROWS)
			show[i] = true, always++;
		if (!show[i])
			continue;
		report_event_result(r, res, sizeof(res));
#define WIDEN(w, s) do { size_t l_ = strlen(s); if (l_ > (w)) (w) = l_; } while (0)
		WIDEN(wrole, record_text(r, "role"));
		WIDEN(wcall, record_text(r, "call"));
		WIDEN(wres, res);
		WIDEN(wlocal, record_text(r, "local"));
		WIDEN(wremote, record_text(r, "remote"));
#undef WIDEN
	}
	fprintf(out, "\nsocket events\n  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int)wrole, "ROLE",
		(int)wcall, "CALL", (int)wres, "RESULT", (int)wlocal, "LOCAL", (int)wremote, "REMOTE",
		"DETAIL");
	size_t hidden = 0;
	for (size_t i = 0; i < n; i++) {
		const struct record *r = &o->data.events[i];
		if (!show[i]) {
			hidden++;
			continue;
		}
		if (hidden) {
			fprintf(out, "  ... %zu more\n", hidden);
			hidden = 0;
		}
		report_event_result(r, res, sizeof(res));
		report_event_detail(r, more, sizeof(more));
		char row[1024];
		size_t end = (size_t)snprintf(row, sizeof(row), "  %-*s  %-*s  %-*s  %-*s  %-*s  %s",
			(int)wrole, record_text(r, "role"), (int)wcall, record_text(r, "call"),
			(int)wres, res, (int)wlocal, record_text(r, "local"), (int)wremote,
			record_text(r, "remote"), more);
		if (end >= sizeof(row))
			end = sizeof(row) - 1;
		while (end && row[end - 1] == ' ') /* no trailing blanks */
			row[--end] = '\0';
		fprintf(out, "%s\n", row);
	}
	if (hidden)
		fprintf(out, "  ... %zu more\n", hidden);
	if (!verbose && shown + always < n)
		fprintf(out, "  (%zu of %zu events shown: failed calls, notes and socket tables always;"
			" --verbose or result.json for all)\n", shown + always, n);
	free(show);
}

/* print_flows - each capture's flows, in the table of `portlab flows` (flowfmt.c). */
static void print_flows(FILE *out, const struct run_result *o, bool verbose)
{
	fprintf(out, "\nconnections on the wire\n");
	for (size_t c = 0; c < o->data.ncaptures; c++) {
		const struct run_capture *cap = &o->data.captures[c];
		size_t shown = verbose ? cap->nflows : cap->nflows < MAX_FLOW_ROWS ? cap->nflows : MAX_FLOW_ROWS;

		fprintf(out, "  %s: %zu flow%s\n", cap->name, cap->nflows, cap->nflows == 1 ? "" : "s");
		flows_print_records(out, cap->flows, shown, "    ");
		if (shown < cap->nflows)
			fprintf(out, "    ... %zu more (portlab flows %s)\n", cap->nflows - shown,
				o->captures[c].file);
	}
}

/* print_wrapped - TEXT in lines of at most WIDTH columns, indented by INDENT. */
static void print_wrapped(FILE *out, const char *text, int indent, int width)
{
	int col = 0;

	while (*text) {
		size_t word = strcspn(text, " ");
		if (col && col + 1 + (int)word > width) {
			fputc('\n', out);
			col = 0;
		}
		if (!col)
			col = fprintf(out, "%*s", indent, "");
		else
			col += fprintf(out, " ");
		col += fprintf(out, "%.*s", (int)word, text);
		text += word;
		while (*text == ' ')
			text++;
	}
	if (col)
		fputc('\n', out);
}

void report_text(FILE *out, const struct run_result *o, enum detail_level level)
{
	bool verbose = level == DETAIL_ALL;
	const struct lab *lab = o->lab;
	bool c = colour(out);
	size_t wtext = 10, passed = 0;

	/* people read the local time without its zone: 2026-11-30 20:21:46 */
	fprintf(out, "lab %s (run %s, %.10s %.8s)\n", lab->name, o->run_id, o->started,
		strlen(o->started) > 11 ? o->started + 11 : "");
	if (lab->title)
		fprintf(out, "  %s\n", lab->title);
	if (lab->about && level > DETAIL_BRIEF)
		print_wrapped(out, lab->about, 4, 78);
	if (level > DETAIL_BRIEF)
		print_events(out, o, verbose);
	if (o->data.ncaptures && level > DETAIL_BRIEF)
		print_flows(out, o, verbose);
	for (size_t i = 0; i < o->nverdicts; i++)
		if (strlen(o->verdicts[i].text) > wtext)
			wtext = strlen(o->verdicts[i].text);
	fprintf(out, "\nverdicts\n");
	for (size_t i = 0; i < o->nverdicts; i++) {
		const struct verdict *v = &o->verdicts[i];
		passed += v->passed;
		fprintf(out, "  %s%s%s  %-*s  %s\n", c ? (v->passed ? "\033[32m" : "\033[1;31m") : "",
			v->passed ? "PASS" : "FAIL", c ? "\033[0m" : "", (int)wtext, v->text, v->detail);
		if (!v->passed && v->line)
			fprintf(out, "        %*s  %s:%d: %s\n", (int)wtext, "", lab->file, v->line, v->check);
	}
	for (size_t i = 0; i < o->nnotes; i++)
		fprintf(out, "  note  %s\n", o->notes[i]);
	fprintf(out, "\n%s%s%s: %zu of %zu expectations hold%s\n",
		c ? (o->passed ? "\033[1;32m" : "\033[1;31m") : "", o->passed ? "PASS" : "FAIL",
		c ? "\033[0m" : "", passed, o->nverdicts, o->interrupted ? " (interrupted)" : "");
	if (o->data.ncaptures) {
		if (o->pcapng)
			fprintf(out, "captures in %s/, every interface in one file: wireshark %s\n",
				o->dir, o->pcapng);
		else
			fprintf(out, "captures in %s/ (open in Wireshark: wireshark %s)\n", o->dir,
				o->captures[0].file);
		fprintf(out, "result in %s/result.json\n", o->dir);
	}
}

static void json_programs(struct json *j, const struct run_result *o)
{
	json_begin_array(j, "programs");
	for (size_t i = 0; i < o->nprograms; i++) {
		const struct program_end *p = &o->programs[i];
		json_begin_object(j, NULL);
		json_string(j, "role", p->role);
		json_string(j, "host", p->host);
		json_string(j, "program", p->program);
		if (p->exit_code >= 0)
			json_int(j, "exit", p->exit_code);
		else
			json_null(j, "exit");
		json_string(j, "signal", p->signal);
		json_bool(j, "timed_out", p->timed_out);
		json_bool(j, "stopped", p->stopped);
		json_double(j, "seconds", p->seconds);
		json_string(j, "stderr", p->stderr_file);
		json_bool(j, "traced", p->traced); /* its events came from the tracer */
		json_string(j, "stdout", p->stdout_file);
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_captures(struct json *j, const struct run_result *o)
{
	json_begin_array(j, "captures");
	for (size_t i = 0; i < o->data.ncaptures; i++) {
		const struct capture_end *c = &o->captures[i];
		json_begin_object(j, NULL);
		json_string(j, "name", c->name);
		json_string(j, "host", c->host);
		json_string(j, "iface", c->iface);
		json_string(j, "file", c->file);
		json_int(j, "written", (long long)c->written);
		json_int(j, "received", (long long)c->received);
		json_int(j, "dropped", (long long)c->dropped);
		json_int(j, "packets", (long long)c->packets);
		json_int(j, "truncated", (long long)c->truncated);
		json_int(j, "malformed", (long long)c->malformed);
		json_string(j, "read_error", c->read_error);
		json_begin_array(j, "flows");
		for (size_t k = 0; k < o->data.captures[i].nflows; k++)
			record_json(j, NULL, &o->data.captures[i].flows[k]);
		json_end_array(j);
		json_end_object(j);
	}
	json_end_array(j);
}

/* xml_text - TEXT with XML's five special characters escaped. */
void xml_text(FILE *out, const char *text)
{
	for (; text && *text; text++) {
		switch (*text) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&apos;", out); break;
		default: fputc(*text, out);
		}
	}
}

void report_junit(FILE *out, const struct run_result *o)
{
	size_t failures = 0;

	for (size_t i = 0; i < o->nverdicts; i++)
		failures += !o->verdicts[i].passed;
	fputs("  <testsuite name=\"", out);
	xml_text(out, o->lab->name);
	fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" time=\"%.3f\" timestamp=\"",
		o->nverdicts, failures, o->build_seconds + o->run_seconds);
	xml_text(out, o->started);
	fputs("\">\n", out);
	for (size_t i = 0; i < o->nverdicts; i++) {
		const struct verdict *v = &o->verdicts[i];
		fputs("    <testcase classname=\"portlab.", out);
		xml_text(out, o->lab->name);
		fputs("\" name=\"", out);
		xml_text(out, v->text);
		fprintf(out, "\" time=\"%.6f\"", v->seconds);
		if (v->passed) {
			fputs("/>\n", out);
			continue;
		}
		fputs(">\n      <failure message=\"", out);
		xml_text(out, v->detail);
		fputs("\">", out);
		if (v->line)
			fprintf(out, "%s:%d: ", o->lab->file, v->line);
		xml_text(out, v->check);
		fputs("</failure>\n    </testcase>\n", out);
	}
	fputs("  </testsuite>\n", out);
}

/*
 * junit_not_run - a <testsuite> for lab NAME that did not run: one testcase
 * holding an <error> (ERROR true) or a <skipped>, with TEXT as its message.
 */
static void junit_not_run(FILE *out, const char *name, bool error, const char *text)
{
	fputs("  <testsuite name=\"", out);
	xml_text(out, name);
	fprintf(out, "\" tests=\"1\" failures=\"0\" errors=\"%d\"%s time=\"0.000\">\n"
		"    <testcase classname=\"portlab.", error, error ? "" : " skipped=\"1\"");
	xml_text(out, name);
	fprintf(out, "\" name=\"the lab can run\" time=\"0.000000\">\n      <%s message=\"",
		error ? "error" : "skipped");
	xml_text(out, text);
	if (error) {
		fputs("\">", out);
		xml_text(out, text);
		fputs("</error>", out);
	} else {
		fputs("\"/>", out);
	}
	fputs("\n    </testcase>\n  </testsuite>\n", out);
}

void report_junit_error(FILE *out, const char *name, const char *error)
{
	junit_not_run(out, name, true, error);
}

void report_junit_skip(FILE *out, const char *name, const char *why)
{
	junit_not_run(out, name, false, why);
}

static void json_verdicts(struct json *j, const struct run_result *o)
{
	json_begin_array(j, "verdicts");
	for (size_t i = 0; i < o->nverdicts; i++) {
		const struct verdict *v = &o->verdicts[i];
		json_begin_object(j, NULL);
		json_string(j, "text", v->text);
		json_string(j, "check", v->check);
		json_bool(j, "passed", v->passed);
		json_string(j, "detail", v->detail);
		if (v->line)
			json_int(j, "line", v->line);
		else
			json_null(j, "line");
		json_end_object(j);
	}
	json_end_array(j);
}

static void json_strings(struct json *j, const char *key, char *const *v, size_t n)
{
	json_begin_array(j, key);
	for (size_t i = 0; i < n; i++)
		json_string(j, NULL, v[i]);
	json_end_array(j);
}

void report_json_value(struct json *j, const struct run_result *o)
{
	const struct lab *lab = o->lab;

	flockfile(j->f); /* json.c writes without taking it at every character */
	json_begin_object(j, NULL);
	json_string(j, "format", RESULT_FORMAT);
	json_string(j, "portlab", portlab_version);
	json_string(j, "lab", lab->name);
	json_string(j, "title", lab->title);
	json_string(j, "file", lab->file);
	json_string(j, "run_id", o->run_id);
	json_string(j, "started", o->started);
	json_string(j, "dir", o->dir);
	json_string(j, "pcapng", o->pcapng);
	json_bool(j, "passed", o->passed);
	json_bool(j, "interrupted", o->interrupted);
	json_double(j, "build_seconds", o->build_seconds);
	json_double(j, "run_seconds", o->run_seconds);
	json_double(j, "drain_seconds", o->drain_seconds);
	json_begin_object(j, "params");
	for (size_t i = 0; i < lab->nparams; i++)
		json_string(j, lab->params[i].name, lab->params[i].value);
	json_end_object(j);
	json_verdicts(j, o);
	json_strings(j, "problems", o->problems, o->nproblems);
	json_strings(j, "notes", o->notes, o->nnotes);
	json_programs(j, o);
	json_captures(j, o);
	json_begin_array(j, "events");
	for (size_t i = 0; i < o->data.nevents; i++)
		record_json(j, NULL, &o->data.events[i]);
	json_end_array(j);
	json_end_object(j);
	funlockfile(j->f);
}

void report_json(FILE *out, const struct run_result *o)
{
	struct json j;

	json_init(&j, out, true);
	report_json_value(&j, o);
	json_end(&j);
}

void report_write_result(const struct run_result *res)
{
	char *path = xasprintf("%s/result.json", res->dir);
	FILE *f = fopen(path, "w");

	if (!f) {
		pl_warn_errno("%s", path);
	} else {
		report_json(f, res);
		if (fclose(f) != 0)
			pl_warn_errno("%s", path);
	}
	free(path);
}
