/*
 * json.h - a streaming JSON writer. Members are written as they come; KEY is
 * NULL for array elements and for the top-level value.
 */
#ifndef PORTLAB_JSON_H
#define PORTLAB_JSON_H

#include <stdbool.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 32

struct json {
	FILE *f;
	int depth;
	bool pretty;
	bool first[JSON_MAX_DEPTH];
};

void json_init(struct json *j, FILE *f, bool pretty);
void json_begin_object(struct json *j, const char *key);
void json_end_object(struct json *j);
void json_begin_array(struct json *j, const char *key);
void json_end_array(struct json *j);
void json_string(struct json *j, const char *key, const char *value); /* NULL -> null */
void json_int(struct json *j, const char *key, long long value);
void json_double(struct json *j, const char *key, double value);
void json_bool(struct json *j, const char *key, bool value);
void json_null(struct json *j, const char *key);
/* json_raw - VALUE is already JSON text (e.g. a line from a scenario program). */
void json_raw(struct json *j, const char *key, const char *value);
/* json_end - finish the document with a newline. */
void json_end(struct json *j);

#endif
