/*
 * labhost.c - the statements inside a host block: iface, route, sysctl,
 * forward, nft. Addresses are checked here: documentation blocks only.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "labparse.h"
#include "suggest.h"
#include "util.h"

/* doc_address - is A (network order) inside an address block that labs may use? */
static bool doc_address(int family, const unsigned char *a)
{
	if (family == AF_INET)
		return (a[0] == 192 && a[1] == 0 && a[2] == 2) ||
		       (a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		       (a[0] == 203 && a[1] == 0 && a[2] == 113) ||
		       a[0] == 127;
	return (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) ||
	       (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
	       !memcmp(a, in6addr_loopback.s6_addr, 16);
}

/* parse_address - check "ADDR[/PREFIX]"; returns its family or -1. */
static int parse_address(struct parser *p, const char *text, bool need_prefix)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned char a[16];
	char *slash, *end;
	int family;
	long prefix;

	if (strlen(text) >= sizeof(buf))
		return bad(p, "'%s' is not an address", text);
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, a) == 1)
		family = AF_INET;
	else if (inet_pton(AF_INET6, buf, a) == 1)
		family = AF_INET6;
	else
		return bad(p, "'%s' is not an IPv4 or IPv6 address", text);
	if (!slash && need_prefix)
		return bad(p, "'%s' needs a prefix length, e.g. %s/24", text, buf);
	if (slash) {
		errno = 0;
		prefix = strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || prefix < 0 ||
		    prefix > (family == AF_INET ? 32 : 128))
			return bad(p, "'%s': bad prefix length", text);
	}
	if (!doc_address(family, a))
		return bad(p, "'%s' is not a documentation address: labs use 192.0.2.0/24, "
			   "198.51.100.0/24, 203.0.113.0/24, 2001:db8::/32 or loopback, "
			   "so that no lab can reach a real network", text);
	return family;
}

static struct lab_host *current(struct parser *p)
{
	return &p->lab->hosts[p->host];
}

int iface_statement(struct parser *p, char **w, int n)
{
	struct lab_host *h = current(p);
	struct lab_iface *ifc;

	if (!valid_name(w[1], IFNAME_MAX))
		return bad(p, "'%s' is not a valid interface name (letters, digits, - and _, at most %d)",
			   w[1], IFNAME_MAX);
	if (lab_iface_index(p->lab, (size_t)p->host, w[1]) >= 0)
		return bad(p, "host '%s' already has an interface '%s'", h->name, w[1]);
	ifc = &APPEND(h->ifaces, h->nifaces);
	memset(ifc, 0, sizeof(*ifc));
	ifc->name = xstrdup(w[1]);
	ifc->line = p->line;
	for (int i = 2; i < n; i++) {
		if (parse_address(p, w[i], true) < 0)
			return -1;
		APPEND(ifc->addrs, ifc->naddrs) = xstrdup(w[i]);
	}
	return 0;
}

/* add_route - keep ROUTE (iproute2 words after "route add") and where it was written. */
static int add_route(struct parser *p, char *route)
{
	struct lab_host *h = current(p);

	h->route_lines = xrealloc(h->route_lines, sizeof(int) * (h->nroutes + 1));
	h->route_lines[h->nroutes] = p->line;
	APPEND(h->routes, h->nroutes) = route;
	return 0;
}

/* no_iface - the error for host H lacking interface NAME, with the closest it has. */
static int no_iface(struct parser *p, const struct lab_host *h, const char *name)
{
	struct suggester s;

	suggest_begin(&s, name);
	for (size_t i = 0; i < h->nifaces; i++)
		suggest_try(&s, h->ifaces[i].name);
	return bad(p, "host '%s' has no interface '%s'%s", h->name, name, did_you_mean(s.found));
}

int route_statement(struct parser *p, char **w, int n)
{
	struct lab_host *h = current(p);
	const char *dest = w[1];
	int gw;

	if (n == 3 && (!strcmp(w[2], "unreachable") || !strcmp(w[2], "prohibit") ||
		       !strcmp(w[2], "blackhole"))) {
		if (strcmp(dest, "default") && strcmp(dest, "default6") &&
		    parse_address(p, dest, false) < 0)
			return -1;
		return add_route(p, xasprintf("%s %s", w[2], !strcmp(dest, "default6") ? "::/0" : dest));
	}
	if ((n != 4 && n != 6) || strcmp(w[2], "via") || (n == 6 && strcmp(w[4], "dev")))
		return bad(p, "usage: route DEST via GATEWAY [dev IF] | route DEST unreachable|prohibit|blackhole");
	gw = parse_address(p, w[3], false);
	if (gw < 0)
		return -1;
	if (!strcmp(dest, "default") || !strcmp(dest, "default6")) {
		dest = gw == AF_INET6 ? "::/0" : "0.0.0.0/0";
	} else {
		int fam = parse_address(p, dest, false);
		if (fam < 0)
			return -1;
		if (fam != gw)
			return bad(p, "route to %s via %s: the gateway must be of the same family", dest, w[3]);
	}
	if (n == 6 && lab_iface_index(p->lab, (size_t)p->host, w[5]) < 0)
		return no_iface(p, h, w[5]);
	return add_route(p, n == 6 ? xasprintf("%s via %s dev %s", dest, w[3], w[5]) :
				     xasprintf("%s via %s", dest, w[3]));
}

int sysctl_statement(struct parser *p, char **w, int n)
{
	struct lab_host *h = current(p);
	bool optional = w[0][6] == '?';

	if (strcmp(w[2], "="))
		return bad(p, "usage: sysctl KEY = VALUE (sysctl? when the kernel may lack KEY)");
	if (strncmp(w[1], "net.", 4) || strstr(w[1], "..") || strchr(w[1], '/'))
		return bad(p, "'%s': only net.* sysctls can be set, and only inside a host", w[1]);
	char *value = join_words(w + 3, (size_t)(n - 3));
	h->sysctl_lines = xrealloc(h->sysctl_lines, sizeof(int) * (h->nsysctls + 1));
	h->sysctl_lines[h->nsysctls] = p->line;
	APPEND(h->sysctls, h->nsysctls) = xasprintf("%s%s=%s", optional ? "?" : "", w[1], value);
	free(value);
	return 0;
}

int forward_statement(struct parser *p, char **w, int n)
{
	(void)w;
	(void)n;
	current(p)->forward = true;
	return 0;
}

int nft_statement(struct parser *p, char **w, int n)
{
	struct lab_host *h = current(p);

	h->nft_lines = xrealloc(h->nft_lines, sizeof(int) * (h->nnft + 1));
	h->nft_lines[h->nnft] = p->line;
	APPEND(h->nft, h->nnft) = join_words(w + 1, (size_t)(n - 1));
	return 0;
}
