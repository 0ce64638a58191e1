/*
 * record.h - one event or one flow as named fields, the common shape that
 * expectations and reports read. Values are kept as text with their JSON
 * type, in the order they were added.
 */
#ifndef PORTLAB_RECORD_H
#define PORTLAB_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json;

enum field_type { FIELD_STRING, FIELD_NUMBER, FIELD_BOOL, FIELD_NULL };

/* One field: its key's number (recordkeys.c), its JSON type, where its value starts. */
struct field {
	uint32_t key : 29;
	uint32_t type : 3;
	uint32_t at;             /* offset of the value's text, after the fields */
};

/*
 * One block per record: CAP fields, then the text of every value, each
 * ending in '\0' (LEN bytes used of ROOM). A pointer that record_get gave
 * is good until the next record_set on the same record.
 */
struct record {
	char *mem;
	uint32_t n, cap;
	uint32_t len, room;
};

/* The names of fields, each kept once: its number, interned when new. */
uint32_t record_key_id(const char *name);
/* record_key_find - NAME's number, or -1 when no record ever had it. */
int64_t record_key_find(const char *name);
const char *record_key_name(uint32_t id);

/* Field I of R (I < R->n), in the order the fields were added. */
const char *record_key_at(const struct record *r, size_t i);
const char *record_value_at(const struct record *r, size_t i); /* "" when null */
enum field_type record_type_at(const struct record *r, size_t i);

/* record_set - add or replace KEY. */
void record_set(struct record *r, const char *key, const char *value, enum field_type type);
void record_setf(struct record *r, const char *key, enum field_type type, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* record_get - the value of KEY as text, or NULL when absent (or JSON null). */
const char *record_get(const struct record *r, const char *key);
/* record_get_id - the same, for the key numbered ID (record_key_find): a loop over many records looks it up once. */
const char *record_get_id(const struct record *r, int64_t id);
/* record_text - the value of KEY, or "" when absent: for printing. */
const char *record_text(const struct record *r, const char *key);
void record_clear(struct record *r);
/* record_reserve - room in R for FIELDS fields and BYTES of text in all: one allocation to build it in. */
void record_reserve(struct record *r, size_t fields, size_t bytes);
/* record_pack - give back the room R kept to grow: once it is complete. */
void record_pack(struct record *r);

/*
 * record_parse_json - a flat JSON object (one line from a scenario program)
 * into R. Returns 0, or -1 when LINE is not such an object.
 */
int record_parse_json(struct record *r, const char *line);
/* record_json - R as a JSON object member KEY (NULL inside an array). */
void record_json(struct json *j, const char *key, const struct record *r);

/* record_add_endpoints - derive local_addr/port and remote_addr/port from local/remote. */
void record_add_endpoints(struct record *r);

/* endpoint_split - "a:p" or "[v6]:p" into ADDR (no brackets, IPv4-mapped made plain) and PORT. */
bool endpoint_split(const char *text, char *addr, size_t len, unsigned *port);

#endif
