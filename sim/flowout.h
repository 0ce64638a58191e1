/*
 * flowout.h - flows in the formats other tools read: zeek's conn.log (TSV
 * with its #fields header) and CSV, both from the one table of flow fields.
 */
#ifndef PORTLAB_FLOWOUT_H
#define PORTLAB_FLOWOUT_H

#include <stdio.h>

struct flow_table;

/* zeek_header / zeek_footer - conn.log's opening and closing lines. */
void zeek_header(FILE *out);
void zeek_footer(FILE *out);
/* zeek_rows - one conn.log line per flow of FT; SOURCE (file, interface) seeds the uids. */
void zeek_rows(FILE *out, const struct flow_table *ft, const char *source);

/* csv_header - file, interface, then every flow field's name. */
void csv_header(FILE *out);
/* csv_rows - one line per flow of FT, read from FILE's interface IFACE (NULL: none). */
void csv_rows(FILE *out, const struct flow_table *ft, const char *file, const char *iface);

#endif
