/* runs.h - the runs going on now, as 'portlab ps' and the commands of labs that are up see them. */
#ifndef PORTLAB_RUNS_H
#define PORTLAB_RUNS_H

#include <stddef.h>

#include "netns.h"

struct nested_run {
	int outer, inner;        /* portlab's pid, and its inner process's (nest.h) */
	char name[64];           /* the name of a lab that is up, or "" */
	char id[RUN_ID_LEN + 1]; /* its current run, or "" while it starts */
	char lab[128], dir[1024];
	char **hosts;            /* the namespaces portlab-<id>-<host>, by host */
	size_t nhosts;
};

/* runs_list - every run going on, newly allocated; *N their count. */
struct nested_run *runs_list(size_t *n);
void runs_free(struct nested_run *runs, size_t n);

#endif
