/*
 * labtopo.c - the statements that draw the network: host, link, segment,
 * capture. Hosts and segments are found through hash tables, so that a lab
 * of 10,000 hosts is read in linear time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "labparse.h"
#include "suggest.h"
#include "util.h"

int host_statement(struct parser *p, char **w, int n)
{
	struct lab *lab = p->lab;
	struct lab_host *h;

	if (n != 2 || !valid_name(w[1], 24))
		return bad(p, "usage: host NAME (letters, digits, - and _, at most 24)");
	if (lab_host_index(lab, w[1]) >= 0)
		return bad(p, "host '%s' is declared twice", w[1]);
	if (name_index_get(&p->segment_names, w[1], strlen(w[1])) >= 0)
		return bad(p, "host '%s' has the name of a segment", w[1]);
	h = &APPEND(lab->hosts, lab->nhosts);
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(w[1]);
	h->line = p->line;
	name_index_put(&lab->host_names, h->name, lab->nhosts - 1);
	p->host = (long)lab->nhosts - 1;
	return 0;
}

/* closest_host - the host whose name is closest to LEN bytes of NAME, or NULL. */
static const char *closest_host(const struct lab *lab, const char *name, size_t len)
{
	char word[64];
	struct suggester s;

	snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), name);
	suggest_begin(&s, word);
	for (size_t i = 0; i < lab->nhosts && i < 1000; i++) /* a slip is not worth more */
		suggest_try(&s, lab->hosts[i].name);
	return s.found ? s.found : NULL;
}

int parse_port(struct parser *p, const char *text, struct lab_port *port)
{
	const char *colon = strchr(text, ':');
	const struct lab *lab = p->lab;
	long h, i;

	if (!colon)
		return bad(p, "'%s' should be HOST:INTERFACE", text);
	h = name_index_get(&lab->host_names, text, (size_t)(colon - text));
	if (h < 0) {
		const char *near = closest_host(lab, text, (size_t)(colon - text));
		return bad(p, "no host '%.*s' (hosts are declared before links)%s",
			   (int)(colon - text), text, did_you_mean(near));
	}
	i = lab_iface_index(lab, (size_t)h, colon + 1);
	if (i < 0) {
		struct suggester s;
		suggest_begin(&s, colon + 1);
		for (size_t k = 0; k < lab->hosts[h].nifaces; k++)
			suggest_try(&s, lab->hosts[h].ifaces[k].name);
		return bad(p, "host '%s' has no interface '%s'%s", lab->hosts[h].name, colon + 1,
			   did_you_mean(s.found));
	}
	port->host = (size_t)h;
	port->iface = (size_t)i;
	return 0;
}

/* attach - put "HOST:IF" on a link or segment; each interface only once. */
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

int link_statement(struct parser *p, char **w, int n)
{
	struct lab_link l = { .line = p->line };

	(void)n;
	if (attach(p, w[1], &l.a) < 0 || attach(p, w[2], &l.b) < 0)
		return -1;
	if (l.a.host == l.b.host)
		return bad(p, "a link joins two different hosts");
	APPEND(p->lab->links, p->lab->nlinks) = l;
	return 0;
}

int segment_statement(struct parser *p, char **w, int n)
{
	struct lab *lab = p->lab;
	struct lab_segment *s;

	if (!valid_name(w[1], 24))
		return bad(p, "usage: segment NAME HOST:IF HOST:IF ... (a NAME of letters, digits, - and _)");
	if (lab_host_index(lab, w[1]) >= 0)
		return bad(p, "segment '%s' has the name of a host", w[1]);
	if (name_index_get(&p->segment_names, w[1], strlen(w[1])) >= 0)
		return bad(p, "segment '%s' is declared twice", w[1]);
	s = &APPEND(lab->segments, lab->nsegments);
	memset(s, 0, sizeof(*s));
	s->name = xstrdup(w[1]);
	s->line = p->line;
	name_index_put(&p->segment_names, s->name, lab->nsegments - 1);
	for (int i = 2; i < n; i++)
		if (attach(p, w[i], &APPEND(s->ports, s->nports)) < 0)
			return -1;
	return 0;
}

int capture_statement(struct parser *p, char **w, int n)
{
	for (int i = 1; i < n; i++)
		if (parse_port(p, w[i], &APPEND(p->lab->captures, p->lab->ncaptures)) < 0)
			return -1;
	return 0;
}
