/*
 * verdicts.c - judge a finished run (see run.h): the lab's expectations,
 * then portlab's own two checks, all from the run's plain value.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lab.h"
#include "run.h"
#include "util.h"

static void add_verdict(struct run_result *r, const char *text, const char *check, bool passed,
			const char *detail, int line, double seconds)
{
	r->verdicts = xrealloc(r->verdicts, sizeof(*r->verdicts) * (r->nverdicts + 1));
	r->verdicts[r->nverdicts++] = (struct verdict){
		.text = xstrdup(text), .check = xstrdup(check), .passed = passed,
		.detail = xstrdup(detail), .line = line, .seconds = seconds,
	};
}

/* programs_verdict - every program ended as planned: no crash, no timeout, nothing stray. */
static void programs_verdict(struct run_result *r)
{
	char detail[1024];

	if (r->interrupted)
		snprintf(detail, sizeof(detail), "interrupted");
	else if (r->nproblems)
		snprintf(detail, sizeof(detail), "%s%s", r->problems[0],
			 r->nproblems > 1 ? " (and more: see problems in result.json)" : "");
	else
		snprintf(detail, sizeof(detail), "%zu program%s, no timeout, no crash", r->nprograms,
			 r->nprograms == 1 ? "" : "s");
	add_verdict(r, "every program ran as planned", "programs",
		    !r->nproblems && !r->interrupted, detail, 0, 0);
}

/* captures_verdict - no capture dropped a packet, and every one reads back whole. */
static void captures_verdict(struct run_result *r)
{
	uint64_t packets = 0, dropped = 0, damaged = 0;
	char detail[256];

	for (size_t i = 0; i < r->data.ncaptures; i++) {
		const struct capture_end *c = &r->captures[i];
		packets += c->written;
		dropped += c->dropped;
		damaged += c->truncated + c->malformed + (c->read_status != 0);
	}
	snprintf(detail, sizeof(detail), "%zu interface%s, %llu packets, %llu dropped%s",
		 r->data.ncaptures, r->data.ncaptures == 1 ? "" : "s", (unsigned long long)packets,
		 (unsigned long long)dropped, damaged ? ", some records unreadable" : "");
	add_verdict(r, "the captures hold every packet", "captures", dropped == 0 && !damaged,
		    detail, 0, 0);
}

void judge_run(struct run_result *r)
{
	const struct lab *lab = r->lab;
	char detail[1024];

	for (size_t i = 0; i < lab->nexpects; i++) {
		const struct lab_expect *e = &lab->expects[i];
		double t0 = now_seconds();
		bool ok = expectations_judge(r->expects, i, &r->data, detail, sizeof(detail));
		add_verdict(r, e->text, e->source, ok, detail, e->line, now_seconds() - t0);
	}
	programs_verdict(r);
	captures_verdict(r);
	r->passed = !r->interrupted;
	for (size_t i = 0; i < r->nverdicts; i++)
		r->passed &= r->verdicts[i].passed;
}
