/*
 * doctor_netem.c - can `tc qdisc ... netem` work here? Only trying tells:
 * the probe builds a throwaway namespace portlab-doctor-<pid>, adds a netem
 * qdisc to its lo, and deletes the namespace. Nothing of the machine's own
 * is touched. (A doctor killed in between leaves the namespace behind;
 * `portlab clean` removes it, as no run owns it.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "netns.h"
#include "util.h"

static const char netem_fix[] =
	"load sch_netem (modprobe sch_netem; Debian's kernel ships it, Ubuntu's is in "
	"linux-modules-extra-$(uname -r)); only labs with link impairments need it";

/* probe_netem - try a netem qdisc in namespace NS; fills C. */
static void probe_netem(struct check *c, char *ip, char *tc, char *ns)
{
	char out[512];
	char *lo_up[] = { ip, "-n", ns, "link", "set", "lo", "up", NULL };
	char *netem[] = { tc, "-n", ns, "qdisc", "add", "dev", "lo", "root", "netem",
			  "delay", "1ms", NULL };

	if (probe_output(lo_up, true, out, sizeof(out)) != 0) {
		check_set(c, CHECK_WARN, NULL, "not probed: ip -n %s link set lo up: %s", ns, out);
		return;
	}
	if (probe_output(netem, true, out, sizeof(out)) == 0)
		check_set(c, CHECK_OK, NULL, "tc netem works (tried in a throwaway namespace)");
	else
		check_set(c, CHECK_WARN, netem_fix, "this kernel has no netem: tc said '%s'",
			  out[0] ? out : "nothing");
}

void check_netem(struct check *c)
{
	char *ip = find_program("ip"), *tc = find_program("tc");
	char *ns = xasprintf(NETNS_PREFIX "doctor-%d", (int)getpid());
	char out[512];

	if (!ip || !tc) {
		check_set(c, CHECK_WARN, "apt-get install iproute2", "not probed: no %s command",
			  ip ? "tc" : "ip");
	} else if (geteuid() != 0) {
		check_set(c, CHECK_WARN, "run portlab doctor as root to probe it",
			  "not probed: a throwaway namespace needs root");
	} else {
		char *add[] = { ip, "netns", "add", ns, NULL };
		char *del[] = { ip, "netns", "delete", ns, NULL };
		if (probe_output(add, true, out, sizeof(out)) != 0) {
			check_set(c, CHECK_WARN, NULL, "not probed: ip netns add %s: %s", ns, out);
		} else {
			probe_netem(c, ip, tc, ns);
			if (probe_output(del, true, out, sizeof(out)) != 0)
				pl_warn("doctor: ip netns delete %s: %s (portlab clean removes it)",
					ns, out);
		}
	}
	free(ip);
	free(tc);
	free(ns);
}
