/* netns.c - topology set-up and tear-down with iproute2 batches (see netns.h). */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab.h"
#include "offloads.h"
#include "toolrun.h"
#include "util.h"

/* Quiet IPv6 defaults for new interfaces: no DAD or router solicitation
 * noise in the captures, and link-local addresses usable at once. */
static const char *const quiet_sysctls[] = {
	"net.ipv6.conf.default.dad_transmits=0",
	"net.ipv6.conf.default.router_solicitations=0",
	"net.ipv6.conf.default.accept_ra=0",
	NULL,
};

/* A host without IPv6 addresses sends no IPv6 at all (no MLD reports, which
 * a drain would wait for); its lo keeps ::1, made before this is set. */
static const char *const ipv4_only_sysctls[] = {
	"net.ipv6.conf.default.disable_ipv6=1",
	NULL,
};

/* has_ipv6 - does host H have an IPv6 address on any interface? */
static bool has_ipv6(const struct lab_host *h)
{
	for (size_t i = 0; i < h->nifaces; i++)
		for (size_t a = 0; a < h->ifaces[i].naddrs; a++)
			if (strchr(h->ifaces[i].addrs[a], ':'))
				return true;
	return false;
}

/* A segment's namespace is a switch: it has no addresses of its own. */
static const char *const switch_sysctls[] = {
	"net.ipv6.conf.all.disable_ipv6=1",
	"net.ipv6.conf.default.disable_ipv6=1",
	NULL,
};

char *netns_name(const char *run_id, const char *name)
{
	return xasprintf(NETNS_PREFIX "%s-%s", run_id, name);
}

int netns_enter(const char *name)
{
	char *path = xasprintf(NETNS_DIR "/%s", name);
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

	free(path);
	if (fd < 0)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

/* ip_batch - run "ip -batch FILE" in portlab's own namespace; 0, or -1 after saying why. */
static int ip_batch(const char *file, const char *log, const char *lab_file)
{
	struct ip_job job = { .file = file, .log = log };

	return ip_batches(&job, 1, lab_file);
}

/*
 * write_here - write each "key=value" of KV in this process's namespace
 * (called NS, for messages). Returns -1, or the index of the one refused.
 */
static long write_here(const char *const *kv, size_t n, const char *ns)
{
	/* /proc/sys/net shows the namespace of whoever opens it: now ours */
	for (size_t i = 0; i < n; i++) {
		bool optional = kv[i][0] == '?';
		const char *key = kv[i] + optional, *eq = strchr(key, '=');
		char path[256];
		size_t k;
		int fd;

		k = (size_t)snprintf(path, sizeof(path), "/proc/sys/");
		for (const char *c = key; c < eq && k < sizeof(path) - 1; c++)
			path[k++] = *c == '.' ? '/' : *c;
		path[k] = '\0';
		fd = open(path, O_WRONLY);
		if (fd < 0 && errno == ENOENT && optional) {
			fprintf(stderr, "portlab: note: this kernel has no sysctl %.*s; "
				"the lab goes on without it\n", (int)(eq - key), key);
			continue;
		}
		if (fd < 0 || write(fd, eq + 1, strlen(eq + 1)) < 0) {
			fprintf(stderr, "portlab: sysctl %.*s in %s: %s%s\n", (int)(eq - key), key, ns,
				strerror(errno), errno == ENOENT ? " (this kernel has no such sysctl)" : "");
			if (fd >= 0)
				close(fd);
			return (long)i;
		}
		close(fd);
	}
	return -1;
}

/*
 * write_sysctls_all - in one child, inside each of the NNS namespaces NS in
 * turn, write each "key=value" of KV. Returns 0, or -1 with *FAILED the
 * index of the one that was refused (or -1). One child for all hosts, not
 * one each: set-up time matters for labs of a hundred hosts.
 */
static int write_sysctls_all(char *const *ns, size_t nns, const char *const *kv, size_t n,
			     long *failed)
{
	pid_t pid;
	int status;

	*failed = -1;
	if (n == 0)
		return 0;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		pl_warn_errno("fork a child to write sysctls");
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		for (size_t h = 0; h < nns; h++) {
			if (netns_enter(ns[h]) < 0) {
				fprintf(stderr, "portlab: enter %s: %s\n", ns[h], strerror(errno));
				_exit(1);
			}
			long bad = write_here(kv, n, ns[h]);
			if (bad >= 0)
				_exit(bad < 200 ? 10 + (int)bad : 1); /* which one, for the lab line */
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pl_warn_errno("wait for the sysctl child");
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) >= 10)
		*failed = WEXITSTATUS(status) - 10;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static FILE *open_script(const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		pl_warn_errno("%s", path);
	return f;
}

static int close_script(FILE *f, const char *path)
{
	if (fclose(f) != 0) {
		pl_warn_errno("%s", path);
		return -1;
	}
	return 0;
}

/* root_scripts - the root namespace's two batches: namespaces, then links. */
static int root_scripts(const struct lab *lab, const char *run_id, const char *ns_file,
			const char *link_file)
{
	FILE *f = open_script(ns_file);

	if (!f)
		return -1;
	for (size_t h = 0; h < lab->nhosts; h++)
		fprintf(f, "netns add " NETNS_PREFIX "%s-%s\n", run_id, lab->hosts[h].name);
	for (size_t s = 0; s < lab->nsegments; s++)
		fprintf(f, "netns add " NETNS_PREFIX "%s-%s\n", run_id, lab->segments[s].name);
	if (close_script(f, ns_file) < 0 || !(f = open_script(link_file)))
		return -1;
	for (size_t i = 0; i < lab->nlinks; i++) {
		const struct lab_port *a = &lab->links[i].a, *b = &lab->links[i].b;
		fprintf(f, "link add %s netns " NETNS_PREFIX "%s-%s type veth peer name %s netns "
			NETNS_PREFIX "%s-%s\n",
			lab->hosts[a->host].ifaces[a->iface].name, run_id, lab->hosts[a->host].name,
			lab->hosts[b->host].ifaces[b->iface].name, run_id, lab->hosts[b->host].name);
	}
	for (size_t s = 0; s < lab->nsegments; s++) {
		const struct lab_segment *seg = &lab->segments[s];
		fprintf(f, "link add br0 netns " NETNS_PREFIX "%s-%s type bridge\n", run_id, seg->name);
		for (size_t p = 0; p < seg->nports; p++) {
			const struct lab_port *pt = &seg->ports[p];
			fprintf(f, "link add %s netns " NETNS_PREFIX "%s-%s type veth peer name port%zu netns "
				NETNS_PREFIX "%s-%s\n",
				lab->hosts[pt->host].ifaces[pt->iface].name, run_id,
				lab->hosts[pt->host].name, p + 1, run_id, seg->name);
		}
	}
	return close_script(f, link_file);
}

/*
 * host_script - addresses, links up and routes inside one host. *LINES
 * gets the lab-file line behind each script line.
 */
static int host_script(const struct lab_host *h, const char *path, int **lines, size_t *n)
{
	FILE *f = open_script(path);

#define LINE_FROM(l) (*lines = xrealloc(*lines, sizeof(int) * (*n + 1)), (*lines)[(*n)++] = (l))
	*lines = NULL;
	*n = 0;
	if (!f)
		return -1;
	fputs("link set lo up\n", f);
	LINE_FROM(0);
	for (size_t i = 0; i < h->nifaces; i++) {
		const struct lab_iface *ifc = &h->ifaces[i];
		for (size_t a = 0; a < ifc->naddrs; a++) {
			fprintf(f, "address add %s dev %s%s\n", ifc->addrs[a], ifc->name,
				strchr(ifc->addrs[a], ':') ? " nodad" : "");
			LINE_FROM(ifc->line);
		}
		if (strcmp(ifc->name, "lo")) {
			fprintf(f, "link set %s up\n", ifc->name);
			LINE_FROM(ifc->line);
		}
	}
	for (size_t r = 0; r < h->nroutes; r++) {
		fprintf(f, "route add %s\n", h->routes[r]);
		LINE_FROM(h->route_lines[r]);
	}
#undef LINE_FROM
	return close_script(f, path);
}

static int switch_script(const struct lab_segment *seg, const char *path)
{
	FILE *f = open_script(path);

	if (!f)
		return -1;
	fputs("link set br0 up\n", f);
	for (size_t p = 0; p < seg->nports; p++)
		fprintf(f, "link set port%zu master br0\nlink set port%zu up\n", p + 1, p + 1);
	return close_script(f, path);
}

/* write_sysctls - write_sysctls_all for the one namespace NS. */
static int write_sysctls(const char *ns, const char *const *kv, size_t n, long *failed)
{
	char *one[] = { (char *)ns };

	return write_sysctls_all(one, 1, kv, n, failed);
}

/* host_sysctls - the lab's sysctls for host H, with forwarding when it routes. */
static int host_sysctls(const struct lab *lab, const struct lab_host *h, const char *ns)
{
	const char *kv[h->nsysctls + 3];
	size_t n = 0, first;
	long failed;

	if (h->forward) {
		kv[n++] = "net.ipv4.ip_forward=1";
		kv[n++] = "net.ipv6.conf.all.forwarding=1";
	}
	first = n;
	for (size_t i = 0; i < h->nsysctls; i++)
		kv[n++] = h->sysctls[i];
	if (write_sysctls(ns, kv, n, &failed) == 0)
		return 0;
	if (failed < (long)first)
		return -1;
	fprintf(stderr, "%s:%d: this sysctl cannot be set in host %s (see above)\n", lab->file,
		h->sysctl_lines[failed - (long)first], h->name);
	return TOPO_LAB_ERROR;
}

static size_t count(const char *const *v)
{
	size_t n = 0;

	while (v[n])
		n++;
	return n;
}

/* host_nft - load host H's nftables rules inside it; returns 0, -1 or TOPO_LAB_ERROR. */
static int host_nft(const struct lab *lab, const struct lab_host *h, const char *ns,
		    const char *dir)
{
	char *path, *log;
	FILE *f;
	int rc = 0;

	if (h->nnft == 0)
		return 0;
	path = xasprintf("%s/%s.nft", dir, h->name);
	log = xasprintf("%s/%s.nft.log", dir, h->name);
	f = open_script(path);
	if (!f) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < h->nnft; i++)
		fprintf(f, "%s\n", h->nft[i]);
	if (close_script(f, path) < 0) {
		rc = -1;
		goto out;
	}
	char *argv[] = { "nft", "-f", path, NULL };
	rc = run_wait(argv, log, ns);
	if (rc == 127)
		pl_warn("host %s has nft rules, but nft is not installed: apt-get install nftables", h->name);
	else if (rc != 0) {
		int bad = script_line(log, ".nft:");
		if (bad >= 1 && (size_t)bad <= h->nnft)
			fprintf(stderr, "%s:%d: nft refused this rule of host %s:\n", lab->file,
				h->nft_lines[bad - 1], h->name);
		else
			pl_warn("nft rules of host %s failed:", h->name);
		show_log(log);
		rc = TOPO_LAB_ERROR;
	}
	rc = rc == 0 ? 0 : rc == TOPO_LAB_ERROR ? TOPO_LAB_ERROR : -1;
out:
	free(path);
	free(log);
	return rc;
}

/*
 * host_impairs - the tc qdiscs of host H's "impair" lines, inside it; 0, -1
 * (this kernel lacks netem: said at the lab's line, the machine's fault) or
 * TOPO_LAB_ERROR (tc refused the line).
 */
static int host_impairs(const struct lab *lab, const struct lab_host *h, const char *ns,
			const char *dir)
{
	char *log = xasprintf("%s/%s.tc.log", dir, h->name);
	int rc = 0;

	for (size_t i = 0; i < h->nimpairs && rc == 0; i++) {
		const struct lab_impair *x = &h->impairs[i];
		char *cmd = xasprintf("tc qdisc add dev %s root %s", h->ifaces[x->iface].name, x->qdisc);
		char *words = xstrdup(cmd), *argv[24];
		size_t n = 0;
		for (char *w = strtok(words, " "); w && n + 1 < 24; w = strtok(NULL, " "))
			argv[n++] = w;
		argv[n] = NULL;
		int r = run_wait(argv, log, ns);
		if (r != 0 && x->netem && log_says(log, "qdisc kind is unknown")) {
			fprintf(stderr, "%s:%d: this kernel has no netem (sch_netem), which delay, jitter "
				"and loss need; load it (modprobe sch_netem; on Debian it comes with the "
				"kernel's modules package) or run where it exists. A rate alone needs no "
				"netem.\n", lab->file, x->line);
			rc = -1;
		} else if (r != 0) {
			fprintf(stderr, "%s:%d: tc refused '%s' on host %s:\n", lab->file, x->line, cmd,
				h->name);
			show_log(log);
			rc = r == 127 ? -1 : TOPO_LAB_ERROR;
		}
		free(words);
		free(cmd);
	}
	free(log);
	return rc;
}

/*
 * lab_offloads - turn the offloads off in every namespace of the run (hosts
 * and segments), unless the lab keeps them on; 0, -1 or TOPO_LAB_ERROR.
 */
static int lab_offloads(const struct lab *lab, const char *run_id)
{
	int want = offloads_wanted(lab->params, lab->nparams, lab->file);
	size_t n = lab->nhosts + lab->nsegments;
	char **ns;
	int rc;

	if (want != 0)
		return want < 0 ? TOPO_LAB_ERROR : 0;
	ns = xcalloc(n + 1, sizeof(char *));
	for (size_t h = 0; h < lab->nhosts; h++)
		ns[h] = netns_name(run_id, lab->hosts[h].name);
	for (size_t s = 0; s < lab->nsegments; s++)
		ns[lab->nhosts + s] = netns_name(run_id, lab->segments[s].name);
	rc = offloads_off(ns, n);
	free_strings(ns, n);
	return rc;
}

/*
 * namespace_batches - every host's and segment's "ip -batch" script, run
 * inside its namespace, several at once (they touch different namespaces);
 * 0, -1 or TOPO_LAB_ERROR. A log that stays empty is removed.
 */
static int namespace_batches(const struct lab *lab, const char *run_id, const char *dir)
{
	size_t n = lab->nhosts + lab->nsegments;
	struct ip_job *jobs = xcalloc(n ? n : 1, sizeof(*jobs));
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		bool host = i < lab->nhosts;
		const char *name = host ? lab->hosts[i].name : lab->segments[i - lab->nhosts].name;
		struct ip_job *j = &jobs[i];
		j->ns = netns_name(run_id, name);
		j->file = xasprintf("%s/topology-%s.ip", dir, name);
		j->log = xasprintf("%s/topology-%s.log", dir, name);
		rc = host ? host_script(&lab->hosts[i], j->file, (int **)&j->lines, &j->nlines)
			  : switch_script(&lab->segments[i - lab->nhosts], j->file);
	}
	if (rc == 0)
		rc = ip_batches(jobs, n, lab->file);
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (jobs[i].log && stat(jobs[i].log, &st) == 0 && st.st_size == 0)
			unlink(jobs[i].log);
		free((char *)jobs[i].ns), free((char *)jobs[i].file), free((char *)jobs[i].log);
		free((int *)jobs[i].lines);
	}
	free(jobs);
	return rc;
}

int topo_build(const struct lab *lab, const char *run_id, const char *dir)
{
	char *ns_file = xasprintf("%s/topology.netns.ip", dir);
	char *link_file = xasprintf("%s/topology.links.ip", dir);
	char *log = xasprintf("%s/topology.log", dir);
	int rc = -1;

	if (root_scripts(lab, run_id, ns_file, link_file) < 0 ||
	    ip_batch(ns_file, log, lab->file) < 0)
		goto out;
	char **hosts = xcalloc(lab->nhosts + 1, sizeof(char *));
	char **switches = xcalloc(lab->nsegments + 1, sizeof(char *));
	long failed;
	for (size_t h = 0; h < lab->nhosts; h++)
		hosts[h] = netns_name(run_id, lab->hosts[h].name);
	for (size_t s = 0; s < lab->nsegments; s++)
		switches[s] = netns_name(run_id, lab->segments[s].name);
	int quiet = write_sysctls_all(hosts, lab->nhosts, quiet_sysctls, count(quiet_sysctls), &failed);
	char **v4 = xcalloc(lab->nhosts + 1, sizeof(char *));
	size_t nv4 = 0;
	for (size_t h = 0; h < lab->nhosts; h++)
		if (!has_ipv6(&lab->hosts[h]))
			v4[nv4++] = hosts[h];
	if (quiet == 0 && nv4)
		quiet = write_sysctls_all(v4, nv4, ipv4_only_sysctls, count(ipv4_only_sysctls), &failed);
	free(v4);
	if (quiet == 0 && lab->nsegments)
		quiet = write_sysctls_all(switches, lab->nsegments, switch_sysctls,
					  count(switch_sysctls), &failed);
	free_strings(hosts, lab->nhosts);
	free_strings(switches, lab->nsegments);
	if (quiet < 0)
		goto out;
	if (ip_batch(link_file, log, lab->file) < 0)
		goto out;
	rc = namespace_batches(lab, run_id, dir);
	for (size_t h = 0; h < lab->nhosts && rc == 0; h++) {
		const struct lab_host *host = &lab->hosts[h];
		char *ns = netns_name(run_id, host->name);
		rc = host_sysctls(lab, host, ns);
		if (rc == 0)
			rc = host_nft(lab, host, ns, dir);
		if (rc == 0)
			rc = host_impairs(lab, host, ns, dir);
		free(ns);
	}
	if (rc < 0)
		goto out;
	rc = lab_offloads(lab, run_id);
out:
	free(ns_file);
	free(link_file);
	free(log);
	return rc;
}

/* run_namespaces - the names of run RUN_ID's namespaces; *N is their count. */
static char **run_namespaces(const char *run_id, size_t *n)
{
	char prefix[64];
	char **names = NULL;
	struct dirent *d;
	DIR *dir;

	*n = 0;
	snprintf(prefix, sizeof(prefix), NETNS_PREFIX "%s-", run_id);
	dir = opendir(NETNS_DIR);
	while (dir && (d = readdir(dir))) {
		if (strncmp(d->d_name, prefix, strlen(prefix)))
			continue;
		names = xrealloc(names, sizeof(char *) * (*n + 1));
		names[(*n)++] = xstrdup(d->d_name);
	}
	if (dir)
		closedir(dir);
	return names;
}

static void free_list(char **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int netns_kill_strays(const char *run_id)
{
	size_t n;
	char **names = run_namespaces(run_id, &n);
	struct stat ns[n ? n : 1];
	struct dirent *d;
	DIR *proc;
	int killed = 0;

	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf(NETNS_DIR "/%s", names[i]);
		if (stat(path, &ns[i]) < 0)
			ns[i].st_ino = 0;
		free(path);
	}
	proc = opendir("/proc");
	while (n && proc && (d = readdir(proc))) {
		char path[300];
		struct stat st;
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", d->d_name);
		if (stat(path, &st) < 0)
			continue;
		for (size_t i = 0; i < n; i++)
			if (ns[i].st_ino && st.st_ino == ns[i].st_ino && st.st_dev == ns[i].st_dev &&
			    kill(atoi(d->d_name), SIGKILL) == 0)
				killed++;
	}
	if (proc)
		closedir(proc);
	free_list(names, n);
	return killed;
}

int topo_destroy(const char *run_id)
{
	char *file = xasprintf(RUNS_DIR "/%s.teardown.ip", run_id);
	size_t n, left;
	char **names = run_namespaces(run_id, &n);
	FILE *f;

	if (!n) {
		free(file);
		return 0;
	}
	/* one batch for all: deleting a namespace lets the kernel free its links */
	f = fopen(file, "w");
	if (f) {
		for (size_t i = 0; i < n; i++)
			fprintf(f, "netns delete %s\n", names[i]);
		if (fclose(f) == 0) {
			char *argv[] = { "ip", "-force", "-batch", file, NULL };
			run_wait(argv, NULL, NULL);
		}
		unlink(file);
	}
	free(file);
	free_list(names, n);
	names = run_namespaces(run_id, &left);
	for (size_t i = 0; i < left; i++)
		pl_warn("could not delete namespace %s (ip netns delete %s says why)", names[i], names[i]);
	free_list(names, left);
	return (int)left;
}
