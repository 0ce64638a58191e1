/*
 * nest.h - run labs inside namespaces that die with portlab.
 *
 * portlab run splits in two: the outer process, in the machine's
 * namespaces, and an inner one that is init of a new PID namespace with a
 * private mount namespace (its own tmpfs on /run/netns and /run/portlab,
 * its own /proc). Every lab namespace is a bind mount on that private
 * /run/netns and every program runs in that PID namespace, so when the
 * outer process dies, even by SIGKILL, the inner dies with it
 * (PR_SET_PDEATHSIG), the kernel kills every process of the run, the mount
 * namespace goes, and with it every lab namespace, link and mount.
 */
#ifndef PORTLAB_NEST_H
#define PORTLAB_NEST_H

#include <stdbool.h>

/* The name, in the abstract unix socket namespace, under which a nested run is announced. */
#define NEST_ANNOUNCE "portlab/run/"

/*
 * nest_run - run BODY(ARG) in the inner process and return its exit
 * status (128 + N when a signal N ended it). Signals that ask portlab to
 * stop are passed on to the inner process, which takes its labs down.
 * ROOTLESS: portlab is not root, so the inner process is also made root of
 * a new user namespace (our uid and gid mapped to 0), which owns every
 * namespace of the run. Returns -1 after saying why when the namespaces
 * cannot be made. NAME, when not NULL, is the name of a lab that stays up
 * (portlab up), shown by portlab ps. OUTER, when not NULL, is called with ARG
 * in the outer process once the inner one exists.
 */
int nest_run(int (*body)(void *), void *arg, bool rootless, const char *name,
	     void (*outer)(void *));

/*
 * nest_machine_netns - in the inner process, the machine's network namespace
 * (a descriptor), or -1: for names that must be unique across the machine,
 * such as the sandbox's uid slots (abstract sockets live per namespace).
 */
extern int nest_machine_netns;

#endif
