/*
 * labparse.h - what the parts of the lab-file reader share (lab.c reads
 * lines and dispatches statements from a table; labtopo.c, labhost.c,
 * labsteps.c and labexpect.c handle them). Not for use outside the reader.
 */
#ifndef PORTLAB_LABPARSE_H
#define PORTLAB_LABPARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "lab.h"
#include "util.h"

/*
 * APPEND - a new last element of ARR (N long), to be filled in. The array
 * doubles whenever N reaches a power of two, so that 10,000 hosts cost
 * 14 copies, not 10,000 (capacity is never stored: N tells it).
 */
#define APPEND(arr, n) (*((arr) = grow_array((arr), sizeof(*(arr)), (n)), &(arr)[(n)++]))

static inline void *grow_array(void *arr, size_t size, size_t n)
{
	if (n & (n - 1)) /* not a power of two (nor 0): there is room */
		return arr;
	return xrealloc(arr, size * (n ? 2 * n : 1));
}

struct parser {
	const char *file;
	int line;
	struct lab *lab;
	long host;               /* current host block, or -1 */
	char **overrides;
	size_t noverrides;
	bool *used;              /* which overrides matched a param */
	const char *from_option; /* the --param this line uses, if any, for errors */
	struct name_index segment_names;
	struct name_index programs;  /* role -> its start or run step */
};

/* bad - print "<file>:<line>: <message>"; returns -1. */
int bad(struct parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* valid_name - letters, digits, - and _, a letter first, at most MAX. */
bool valid_name(const char *s, size_t max);

/* A statement's handler: W[0] is its keyword, N its words; returns 0 or -1 (after bad). */
typedef int statement_fn(struct parser *p, char **w, int n);

/* labtopo.c: the network */
statement_fn host_statement, link_statement, segment_statement, capture_statement;
/* labhost.c: inside a host block */
statement_fn iface_statement, route_statement, sysctl_statement, forward_statement,
	nft_statement;
/* labimpair.c: link impairments (tc netem, tbf) */
statement_fn impair_statement;
/* labsteps.c: programs and what the run waits for */
statement_fn program_statement, wait_statement, stop_statement;
/* labexpect.c: expectations, and the event names programs add */
statement_fn expect_statement, tag_statement, note_statement;

/* parse_port - "HOST:IF" into PORT; returns 0 or -1. */
int parse_port(struct parser *p, const char *text, struct lab_port *port);

#endif
