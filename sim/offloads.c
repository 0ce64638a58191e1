/*
 * offloads.c - the real wire: segmentation and checksum offloads off on
 * every interface of a lab (see offloads.h).
 *
 * A veth hands whole 64 KiB "super-frames" to the capture when TSO/GSO are
 * on, and GRO glues received segments back together: a capture then shows
 * frames bigger than the MTU, cut at the snaplen. With these off the
 * kernel builds MTU-sized segments itself, and the capture shows what a
 * real cable would carry, with real checksums.
 *
 * Set with the legacy ethtool ioctls (ETHTOOL_STSO, _SGSO, _SGRO,
 * _STXCSUM): each names one offload by number, so no feature-name table
 * has to be read first, and the kernel maps them onto the same feature
 * bits that ETHTOOL_SFEATURES and `ethtool -K` change. No package needed.
 */
#include "offloads.h"

#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

static const struct {
	unsigned cmd;
	const char *name;   /* as `ethtool -K` calls it, for messages */
} offloads[] = {
	{ ETHTOOL_STSO, "tso" },
	{ ETHTOOL_SGSO, "gso" },
	{ ETHTOOL_SGRO, "gro" },
	{ ETHTOOL_STXCSUM, "tx" },   /* checksums computed by the kernel, as sent */
};

/* offloads_off_iface - turn IFNAME's offloads off through socket FD; 0 or -1. */
static int offloads_off_iface(int fd, const char *ifname, const char *ns)
{
	for (size_t i = 0; i < sizeof(offloads) / sizeof(offloads[0]); i++) {
		struct ethtool_value ev = { .cmd = offloads[i].cmd, .data = 0 };
		struct ifreq ifr;

		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
		ifr.ifr_data = (char *)&ev;
		/* a feature this device cannot change is one it cannot offload either */
		if (ioctl(fd, SIOCETHTOOL, &ifr) < 0 && errno != EOPNOTSUPP && errno != EINVAL) {
			fprintf(stderr, "portlab: turn %s offload off on %s in %s: %s\n",
				offloads[i].name, ifname, ns, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* offloads_off_here - every interface but lo of this namespace (called NS); 0 or -1. */
static int offloads_off_here(const char *ns)
{
	struct if_nameindex *ifs = if_nameindex();
	int fd, rc = 0;

	if (!ifs) {
		fprintf(stderr, "portlab: list the interfaces of %s: %s\n", ns, strerror(errno));
		return -1;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "portlab: socket in %s: %s\n", ns, strerror(errno));
		if_freenameindex(ifs);
		return -1;
	}
	for (struct if_nameindex *i = ifs; rc == 0 && i->if_index; i++)
		if (strcmp(i->if_name, "lo"))   /* lo has no wire to show */
			rc = offloads_off_iface(fd, i->if_name, ns);
	close(fd);
	if_freenameindex(ifs);
	return rc;
}

int offloads_off(char *const *ns, size_t n)
{
	pid_t pid;
	int status;

	if (n == 0)
		return 0;
	fflush(NULL);
	pid = fork();   /* setns() in a child: portlab itself stays in the root namespace */
	if (pid < 0) {
		pl_warn_errno("fork a child to turn offloads off");
		return -1;
	}
	if (pid == 0) {
		for (size_t i = 0; i < n; i++) {
			if (netns_enter(ns[i]) < 0) {
				fprintf(stderr, "portlab: enter %s: %s\n", ns[i], strerror(errno));
				_exit(1);
			}
			if (offloads_off_here(ns[i]) < 0)
				_exit(1);
		}
		_exit(0);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			pl_warn_errno("wait for the offloads child");
			return -1;
		}
	}
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int offloads_wanted(const struct lab_param *params, size_t n, const char *lab_file)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(params[i].name, "offloads"))
			continue;
		if (!strcmp(params[i].value, "on"))
			return 1;
		if (!strcmp(params[i].value, "off"))
			return 0;
		fprintf(stderr, "%s: parameter offloads is '%s': it must be on or off\n",
			lab_file, params[i].value);
		return -1;
	}
	return 0;
}
