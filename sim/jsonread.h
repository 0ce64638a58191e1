/*
 * jsonread.h - a small JSON reader, for files portlab wrote itself
 * (result.json): the whole text into a tree of values.
 *
 * Bounded: nesting depth at most 64; a bad text gives NULL and a reason
 * with its byte offset, never a crash.
 */
#ifndef PORTLAB_JSONREAD_H
#define PORTLAB_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

enum jtype { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT };

struct jvalue {
	enum jtype type;
	bool b;
	double num;
	char *str;               /* J_STRING, UTF-8 */
	size_t n;                /* J_ARRAY, J_OBJECT: how many items */
	char **keys;             /* J_OBJECT: the key of each item */
	struct jvalue *items;
};

/* jread - the value in the LEN bytes at TEXT, or NULL with ERR saying why. */
struct jvalue *jread(const char *text, size_t len, char *err, size_t errlen);
/* jread_file - the value in file PATH, or NULL with ERR "PATH: why". */
struct jvalue *jread_file(const char *path, char *err, size_t errlen);
void jfree(struct jvalue *v);

/* jget - member KEY of object V, or NULL (also when V is no object). */
const struct jvalue *jget(const struct jvalue *v, const char *key);
/* jstr - member KEY of V as a string, or NULL. */
const char *jstr(const struct jvalue *v, const char *key);
/* jnum - member KEY of V as a number, or DEF. */
double jnum(const struct jvalue *v, const char *key, double def);

#endif
