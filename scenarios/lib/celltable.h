/*
 * celltable.h - a measured table of cells, kept as text and compared with
 * a reference table, cell by cell.
 *
 * The file has one cell a line, "FIRST | SECOND | RESULT", under
 * "[section]" lines; "#" starts a comment. A lab keeps the reference in its
 * folder (see labfiles.h), a program writes what it measured into the run
 * folder, and compares the two: a kernel that behaves differently is
 * listed cell by cell.
 */
#ifndef PORTLAB_CELLTABLE_H
#define PORTLAB_CELLTABLE_H

#include <stddef.h>
#include <stdio.h>

struct cell {
	const char *section;	/* the section's title, without the brackets */
	char pair[200];		/* "FIRST | SECOND" */
	char result[48];
	int seen;		/* table_compare(): matched by a cell of the other table */
};

struct cell_table {
	struct cell *cells;
	size_t n, cap;
};

/* table_add - a cell at the end of T; SECTION must outlive T. */
void table_add(struct cell_table *t, const char *section, const char *pair,
	       const char *result);

/* table_write - T to PATH, HEADER (comment lines) first; exits on error. */
void table_write(const struct cell_table *t, const char *path, const char *header);

/* table_read - the cells of PATH into T; a bad line exits, naming PATH:LINE. */
void table_read(struct cell_table *t, const char *path);

/*
 * table_compare - MEASURED against REFERENCE: every cell that differs, is
 * missing from one of them, or has another result. The differences go to
 * BUF ("[section] FIRST | SECOND | RESULT (reference: RESULT)", "; "
 * between them, as many as fit) and, one a line, to ALL if it is not NULL.
 * Returns how many differ.
 */
size_t table_compare(struct cell_table *measured, struct cell_table *reference,
		     char *buf, size_t len, FILE *all);

#endif
