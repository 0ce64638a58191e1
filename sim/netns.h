/*
 * netns.h - build a lab's topology with iproute2 and take it down again.
 *
 * Hosts and segments are network namespaces named portlab-<run>-<name>;
 * veth pairs are created straight inside them, so that no link ever sits
 * in the root namespace.
 */
#ifndef PORTLAB_NETNS_H
#define PORTLAB_NETNS_H

#include <stdbool.h>

struct lab;

#define NETNS_PREFIX "portlab-"
#define NETNS_DIR "/run/netns"
#define RUNS_DIR "/run/portlab"
#define RUN_ID_LEN 6   /* letters and digits: short, for names of at most 15 characters */

/* netns_name - "portlab-<run>-<name>", newly allocated. */
char *netns_name(const char *run_id, const char *name);

/*
 * topo_build - create every namespace, link, address, route and sysctl of
 * LAB. The iproute2 scripts it runs are kept in DIR (topology*.ip). Returns
 * 0, -1 after saying why, or TOPO_LAB_ERROR when the kernel refused a
 * line of the lab file (said as <file>:<line>); what was made is left for
 * topo_destroy.
 */
int topo_build(const struct lab *lab, const char *run_id, const char *dir);

/* topo_build's result when a lab line (a sysctl, an nft rule) was refused: a lab error. */
#define TOPO_LAB_ERROR (-2)

/* topo_destroy - delete every namespace of run RUN_ID; returns how many were left. */
int topo_destroy(const char *run_id);

/*
 * netns_kill_strays - SIGKILL every process still inside one of run RUN_ID's
 * namespaces (one that left its process group, say); returns how many.
 */
int netns_kill_strays(const char *run_id);

/* netns_enter - setns() this thread into namespace NAME; returns 0 or -1 (errno set). */
int netns_enter(const char *name);

#endif
