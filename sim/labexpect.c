/*
 * labexpect.c - the statements about what a run must show: expect (kept as
 * words, for expect.c to compile once the whole lab is known), and tag and
 * note, which declare the event fields and calls that the lab's own
 * programs add, so that expectations naming them can be checked.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "labparse.h"
#include "util.h"

static char **copy_words(char **w, size_t n)
{
	char **v = xcalloc(n + 1, sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = xstrdup(w[i]);
	return v;
}

/* expect_statement - keep the words; expect.c compiles them once the whole lab is known. */
int expect_statement(struct parser *p, char **w, int n)
{
	struct lab_expect *e;
	int colon = -1;

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
	e->nsubject = (size_t)(colon - 1);
	e->subject = copy_words(w + 2, e->nsubject);
	e->ncheck = (size_t)(n - colon - 1);
	e->check = copy_words(w + colon + 1, e->ncheck);
	e->param = p->from_option ? xstrdup(p->from_option) : NULL;
	char *subject = join_words(e->subject, e->nsubject);
	char *check = join_words(e->check, e->ncheck);
	e->source = xasprintf("%s: %s", subject, check);
	free(subject);
	free(check);
	return 0;
}

/* valid_field - an event field or call a program may add: no blanks, '=', ':' or '|'. */
static bool valid_field(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("-_.", *s))
			return false;
	return true;
}

/* add_name - NAME into the list V (N long) unless it is there already. */
static int add_name(struct parser *p, char ***v, size_t *n, const char *name)
{
	if (!valid_field(name))
		return bad(p, "'%s' is not a field or call name (letters, digits, -, _ and .)", name);
	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*v)[i], name))
			return 0;
	APPEND(*v, *n) = xstrdup(name);
	return 0;
}

/* tag_statement - "tag KEY...": fields the programs add with report_tag(KEY, ...). */
int tag_statement(struct parser *p, char **w, int n)
{
	for (int i = 1; i < n; i++)
		if (add_name(p, &p->lab->fields, &p->lab->nfields, w[i]) < 0)
			return -1;
	return 0;
}

/* note_statement - "note CALL [KEY...]": an event a program writes with report_note(CALL, KEY, ...). */
int note_statement(struct parser *p, char **w, int n)
{
	if (add_name(p, &p->lab->calls, &p->lab->ncalls, w[1]) < 0)
		return -1;
	return tag_statement(p, w + 1, n - 1);
}
