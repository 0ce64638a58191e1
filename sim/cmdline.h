/* cmdline.h - what the sub-commands that run labs share in reading their options and signals. */
#ifndef PORTLAB_CMDLINE_H
#define PORTLAB_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * name_value - ARG of --OPTION (param, use) is NAME=VALUE: append it to
 * *V (*N long) and return true, or say what is wrong and return false.
 */
bool name_value(const char *option, char *arg, char ***v, size_t *n);

/*
 * catch_stop_signals - SIGINT, SIGTERM, SIGHUP and SIGQUIT call HANDLER
 * (which only notes them: the run takes its lab down); SIGPIPE is ignored,
 * so that a closed reader is an error to report, not a silent death.
 */
void catch_stop_signals(void (*handler)(int));

#endif
