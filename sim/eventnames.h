/*
 * eventnames.h - the names an event can carry, so that a lab file's
 * expectations are checked when it is read: the calls that scenario
 * programs (scenarios/lib/report.c), the socket-table step and portlab
 * itself report, and the fields they write or portlab derives.
 */
#ifndef PORTLAB_EVENTNAMES_H
#define PORTLAB_EVENTNAMES_H

#include <stdbool.h>
#include <stddef.h>

/* NULL-terminated lists. */
extern const char *const event_calls[];
extern const char *const event_fields[];

bool event_call_known(const char *call);
bool event_field_known(const char *field);

#endif
