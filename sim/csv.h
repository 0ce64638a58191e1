/* csv.h - one field of a CSV table (RFC 4180), for grades and flows alike. */
#ifndef PORTLAB_CSV_H
#define PORTLAB_CSV_H

#include <stdio.h>

/* csv_field - TEXT to F, quoted (with quotes doubled) when it holds a comma, quote or line end. */
void csv_field(FILE *f, const char *text);

#endif
