/*
 * flowfields.h - the one table of a flow's fields: zeek conn.log names,
 * their JSON type, and how each is written as text. Run records
 * (result.json), `portlab flows --json`, the text tables and the lab-file
 * checks of expectations all read it, so they always name the same fields.
 */
#ifndef PORTLAB_FLOWFIELDS_H
#define PORTLAB_FLOWFIELDS_H

#include <stdbool.h>
#include <stddef.h>

#include "record.h"

struct flow;
struct json;

struct flow_field {
	const char *name;
	enum field_type type;  /* FIELD_STRING or FIELD_NUMBER: numbers compare as numbers */
	/* format - F's value as text in BUF; false when F has none (JSON null) */
	bool (*format)(const struct flow *f, char *buf, size_t len);
	const char *about;     /* for docs and error messages */
};

/* The fields, in the order JSON output lists them; NULL-name terminated. */
extern const struct flow_field flow_fields[];

/* flow_field_find - the field called NAME, or NULL. */
const struct flow_field *flow_field_find(const char *name);

/* flow_field_suggest - the field whose name is closest to WORD, or NULL. */
const char *flow_field_suggest(const char *word);

/* flow_record - flow F as a record with every field of the table. */
void flow_record(struct record *r, const struct flow *f);
/* flow_json - flow F as a JSON object (member KEY, NULL in an array) with every field. */
void flow_json(struct json *j, const char *key, const struct flow *f);

#endif
