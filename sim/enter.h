/* enter.h - step into a host of a lab that is up, from outside its namespaces. */
#ifndef PORTLAB_ENTER_H
#define PORTLAB_ENTER_H

#include "runs.h"

/*
 * enter_host - move this process into HOST's network namespace in the lab
 * up as NAME (and, for a rootless lab, into its user namespace first).
 * RUN gets what portlab ps knows of it. Returns 0, or -1 after saying why.
 */
int enter_host(const char *name, const char *host, struct nested_run *run);

#endif
