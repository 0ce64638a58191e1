/*
 * hints.h - why a student's program lost a check, in words a student
 * understands, with the evidence: the event, the flow and its capture file.
 */
#ifndef PORTLAB_HINTS_H
#define PORTLAB_HINTS_H

#include <stddef.h>

#include "run.h"

struct exercise_check;
struct expect;

/*
 * hint_for - the hint for failed check C, whose verdict is V (NULL for the
 * grader's own checks), in run RES where the student's program was ROLE.
 * CONDS[k] are hint k's compiled conditions (NCONDS[k] of them). The first
 * hint whose conditions all hold is taken, {listening} replaced by where
 * ROLE's host listened; the evidence follows. Newly allocated.
 */
char *hint_for(const struct exercise_check *c, struct expect ***conds, const size_t *nconds,
	       const struct verdict *v, const struct run_result *res, const char *role);

/* listening_on - where HOST listened (its socket tables, else ROLE's listen events), newly allocated. */
char *listening_on(const struct run_result *res, const char *host, const char *role);

#endif
