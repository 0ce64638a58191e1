/*
 * expectint.h - a compiled expectation, shared by expect.c (which compiles
 * it from a lab's words) and expectjudge.c (which judges it). Not for use
 * outside those two.
 */
#ifndef PORTLAB_EXPECTINT_H
#define PORTLAB_EXPECTINT_H

#include <stdbool.h>
#include <stddef.h>

#include "expect.h"

enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE, OP_HAS, OP_HASNOT, OP_IN };
extern const char *const op_names[];

struct filter {
	char *key, *value;
};

struct subject {
	bool flows;
	char *role, *calls;     /* events */
	char *capture, *proto;  /* flows */
	struct filter *filters;
	size_t nfilters;
	struct subject *of;     /* flows of these events */
	char *text;             /* as written */
};

enum check_kind { CHK_COUNT, CHK_ALL, CHK_NONE, CHK_DISTINCT, CHK_SAME };

struct expect {
	struct subject subject;
	enum check_kind kind;
	char *field;
	enum op op;
	char *value;
	double lo, hi;
	struct subject other;
};

struct expectations {
	struct expect **items;
	size_t n;
};


#endif
