/*
 * labimpair.c - the "impair" statement: delay, jitter, loss and rate on one
 * interface of a host, turned into the tc qdisc that makes them (netem; tbf
 * for a rate alone, which needs no netem).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labparse.h"
#include "suggest.h"
#include "util.h"

/* number_with - TEXT as a number in [0, MAX] followed by exactly UNIT (or none, if UNIT is ""). */
static bool number_with(const char *text, const char *unit, double max, double *v)
{
	char *end;

	*v = strtod(text, &end);
	return end != text && !strcmp(end, unit) && *v >= 0 && *v <= max;
}

/* rate - TEXT as a tc rate: a number and bit, kbit, mbit or gbit. */
static bool rate(const char *text)
{
	static const char *const units[] = { "bit", "kbit", "mbit", "gbit" };
	double v;

	for (size_t i = 0; i < 4; i++)
		if (number_with(text, units[i], 1e12, &v) && v > 0)
			return true;
	return false;
}

/* What the statement asked, option by option. */
struct impairment {
	const char *delay, *jitter, *loss, *rate;
};

/* options - W's option words (from 2 on) into IM; 0, or -1 after bad(). */
static int options(struct parser *p, char **w, int n, struct impairment *im)
{
	static const char *const names[] = { "delay", "jitter", "loss", "rate" };
	double v;

	if ((n - 2) % 2)
		return bad(p, "option '%s' needs a value", w[n - 1]);
	for (int i = 2; i < n; i += 2) {
		const char *o = w[i], *val = w[i + 1];
		if (!strcmp(o, "delay") || !strcmp(o, "jitter")) {
			if (!number_with(val, "ms", 60000, &v))
				return bad(p, "%s '%s': milliseconds, e.g. 50ms", o, val);
			*(o[0] == 'd' ? &im->delay : &im->jitter) = val;
		} else if (!strcmp(o, "loss")) {
			if (!number_with(val, "%", 100, &v))
				return bad(p, "loss '%s': a percentage, e.g. 5%%", val);
			im->loss = val;
		} else if (!strcmp(o, "rate")) {
			if (!rate(val))
				return bad(p, "rate '%s': e.g. 1mbit, 500kbit", val);
			im->rate = val;
		} else {
			return bad(p, "unknown impairment '%s' (delay, jitter, loss, rate)%s", o,
				   did_you_mean(suggest(o, names, 4)));
		}
	}
	if (im->jitter && !im->delay)
		return bad(p, "jitter goes with delay: it varies the delay");
	return 0;
}

int impair_statement(struct parser *p, char **w, int n)
{
	struct lab_host *h = &p->lab->hosts[p->host];
	struct impairment im = { 0 };
	long iface = lab_iface_index(p->lab, (size_t)p->host, w[1]);

	if (iface < 0)
		return bad(p, "host '%s' has no interface '%s'", h->name, w[1]);
	if (!strcmp(w[1], "lo"))
		return bad(p, "lo cannot be impaired: only a link carries packets between hosts");
	for (size_t i = 0; i < h->nimpairs; i++)
		if (h->impairs[i].iface == (size_t)iface)
			return bad(p, "%s is impaired already (line %d): one impair line an interface",
				   w[1], h->impairs[i].line);
	if (options(p, w, n, &im) < 0)
		return -1;
	struct lab_impair *x = &APPEND(h->impairs, h->nimpairs);
	x->iface = (size_t)iface;
	x->line = p->line;
	x->netem = im.delay || im.loss;
	if (!x->netem) /* a rate alone: the token bucket, which every kernel has */
		x->qdisc = xasprintf("tbf rate %s burst 32kbit latency 400ms", im.rate);
	else
		x->qdisc = xasprintf("netem%s%s%s%s%s%s%s%s", im.delay ? " delay " : "",
				     im.delay ? im.delay : "", im.jitter ? " " : "",
				     im.jitter ? im.jitter : "", im.loss ? " loss " : "",
				     im.loss ? im.loss : "", im.rate ? " rate " : "",
				     im.rate ? im.rate : "");
	return 0;
}
