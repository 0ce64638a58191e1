/* celltable.c - measured tables and their references (see celltable.h). */
#include "celltable.h"
#include "report.h"

#include <stdlib.h>
#include <string.h>

void table_add(struct cell_table *t, const char *section, const char *pair,
	       const char *result)
{
	struct cell *c;

	if (t->n == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->cells = realloc(t->cells, t->cap * sizeof(*t->cells));
		if (!t->cells)
			die("realloc");
	}
	c = &t->cells[t->n++];
	memset(c, 0, sizeof(*c));
	c->section = section;
	snprintf(c->pair, sizeof(c->pair), "%s", pair);
	snprintf(c->result, sizeof(c->result), "%s", result);
}

void table_write(const struct cell_table *t, const char *path, const char *header)
{
	const char *section = NULL;
	FILE *f = fopen(path, "w");

	if (!f)
		die(path);
	fputs(header, f);
	for (size_t i = 0; i < t->n; i++) {
		if (!section || strcmp(t->cells[i].section, section))
			fprintf(f, "\n[%s]\n", section = t->cells[i].section);
		fprintf(f, "%s | %s\n", t->cells[i].pair, t->cells[i].result);
	}
	if (fclose(f) != 0)
		die(path);
}

/* trim - TEXT without blanks at either end (in place). */
static char *trim(char *text)
{
	size_t n;

	while (*text == ' ' || *text == '\t')
		text++;
	n = strlen(text);
	while (n && strchr(" \t\r\n", text[n - 1]))
		text[--n] = '\0';
	return text;
}

void table_read(struct cell_table *t, const char *path)
{
	char line[512];
	const char *section = "";
	int lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		die(path);
	while (fgets(line, sizeof(line), f)) {
		char *text = trim(line), *bar;

		lineno++;
		if (!*text || *text == '#')
			continue;
		if (*text == '[' && text[strlen(text) - 1] == ']') {
			text[strlen(text) - 1] = '\0';
			section = strdup(text + 1); /* kept as long as the cells */
			if (!section)
				die("strdup");
			continue;
		}
		bar = strrchr(text, '|');
		if (!bar || bar == strchr(text, '|')) {
			fprintf(stderr, "%s:%d: want FIRST | SECOND | RESULT\n", path, lineno);
			exit(1);
		}
		*bar = '\0';
		table_add(t, section, trim(text), trim(bar + 1));
	}
	if (ferror(f) || fclose(f) != 0)
		die(path);
}

/* add_difference - "[SECTION] PAIR | WHAT" to BUF and ALL; counts it in *N. */
static void add_difference(char *buf, size_t len, FILE *all, size_t *n,
			   const struct cell *c, const char *what)
{
	size_t used = strlen(buf);

	(*n)++;
	if (all)
		fprintf(all, "[%s] %s | %s\n", c->section, c->pair, what);
	if (used < len)
		snprintf(buf + used, len - used, "%s[%s] %s | %s", used ? "; " : "",
			 c->section, c->pair, what);
}

/* find - the first cell of T not yet seen with C's section and pair, or NULL. */
static struct cell *find(struct cell_table *t, const struct cell *c)
{
	for (size_t k = 0; k < t->n; k++)
		if (!t->cells[k].seen && !strcmp(t->cells[k].section, c->section) &&
		    !strcmp(t->cells[k].pair, c->pair))
			return &t->cells[k];
	return NULL;
}

size_t table_compare(struct cell_table *measured, struct cell_table *reference,
		     char *buf, size_t len, FILE *all)
{
	char what[128];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < measured->n; i++) {
		struct cell *m = &measured->cells[i], *r = find(reference, m);

		if (!r) {
			add_difference(buf, len, all, &n, m, "? (not in the reference)");
			continue;
		}
		r->seen = m->seen = 1;
		if (strcmp(r->result, m->result)) {
			snprintf(what, sizeof(what), "%s (reference: %s)", m->result, r->result);
			add_difference(buf, len, all, &n, m, what);
		}
	}
	for (size_t k = 0; k < reference->n; k++)
		if (!reference->cells[k].seen)
			add_difference(buf, len, all, &n, &reference->cells[k],
				       "not measured (in the reference)");
	return n;
}
