/*
 * doctor_kernel.c - what only trying tells: can this kernel make the veth
 * links and bridges a lab is built of, and does it have netem? Each probe
 * builds a throwaway namespace portlab-doctor-<pid>, tries inside it, and
 * deletes it. Nothing of the machine's own is touched. (A doctor killed in
 * between leaves the namespace behind; `portlab clean` removes it, as no
 * run owns it.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doctor.h"
#include "netns.h"
#include "util.h"

/* a probe: run commands in namespace NS with the tools IP and TC, and fill C */
typedef void probe_fn(struct check *c, char *ip, char *tc, char *ns);

/* try_in - run PROBE in a fresh namespace (removed after), or say why it could not run. */
static void try_in(struct check *c, probe_fn *probe)
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
			check_set(c, CHECK_MISSING, "a kernel with network namespaces (CONFIG_NET_NS)",
				  "ip netns add %s: %s", ns, out);
		} else {
			probe(c, ip, tc, ns);
			if (probe_output(del, true, out, sizeof(out)) != 0)
				pl_warn("doctor: ip netns delete %s: %s (portlab clean removes it)",
					ns, out);
		}
	}
	free(ip);
	free(tc);
	free(ns);
}

/* probe_links - a veth pair and a bridge, as topo_build makes them */
static void probe_links(struct check *c, char *ip, char *tc, char *ns)
{
	char out[512];
	char *veth[] = { ip, "-n", ns, "link", "add", "d0", "type", "veth", "peer", "name", "d1", NULL };
	char *bridge[] = { ip, "-n", ns, "link", "add", "br0", "type", "bridge", NULL };

	(void)tc;
	if (probe_output(veth, true, out, sizeof(out)) != 0)
		check_set(c, CHECK_MISSING, "load veth (modprobe veth; CONFIG_VETH)",
			  "no veth links: ip said '%s'", out);
	else if (probe_output(bridge, true, out, sizeof(out)) != 0)
		check_set(c, CHECK_MISSING, "load bridge (modprobe bridge; CONFIG_BRIDGE)",
			  "no bridges: ip said '%s'", out);
	else
		check_set(c, CHECK_OK, NULL, "network namespaces, veth links and bridges work "
			  "(tried in a throwaway namespace)");
}

/* probe_netem - a netem qdisc on the namespace's lo */
static void probe_netem(struct check *c, char *ip, char *tc, char *ns)
{
	char out[512];
	char *lo_up[] = { ip, "-n", ns, "link", "set", "lo", "up", NULL };
	char *netem[] = { tc, "-n", ns, "qdisc", "add", "dev", "lo", "root", "netem",
			  "delay", "1ms", NULL };

	if (probe_output(lo_up, true, out, sizeof(out)) != 0)
		check_set(c, CHECK_WARN, NULL, "not probed: ip -n %s link set lo up: %s", ns, out);
	else if (probe_output(netem, true, out, sizeof(out)) == 0)
		check_set(c, CHECK_OK, NULL, "tc netem works (tried in a throwaway namespace)");
	else
		check_set(c, CHECK_WARN, "load sch_netem (modprobe sch_netem; Debian's kernel ships "
			  "it, Ubuntu's is in linux-modules-extra-$(uname -r)); only labs with link "
			  "impairments need it", "this kernel has no netem: tc said '%s'",
			  out[0] ? out : "nothing");
}

void check_kernel(struct check *c)
{
	try_in(c, probe_links);
}

void check_netem(struct check *c)
{
	try_in(c, probe_netem);
}
