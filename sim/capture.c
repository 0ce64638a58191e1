/* capture.c - live capture of lab interfaces (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "util.h"

/*
 * A snaplen of one Ethernet frame keeps the immediate-mode ring's slots
 * small, so that a large buffer holds many packets (measured: with 256 KiB
 * slots a burst of connections overflowed the ring).
 */
#define SNAPLEN 1514
#define BUFFER_TOTAL (256 << 20)      /* for all of them: a 300-host lab must not take 10 GB */
#define BUFFER_MIN (2 << 20)
#define QUIET_MS 100     /* the wire counts as quiet after this long without a packet */
#define DRAIN_MAX_MS 2000

static void dump_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	pcap_dump((u_char *)c->dumper, h, bytes);
	c->written++;
}

/* open_handle - create and activate a handle for IFACE in this thread's namespace. */
static pcap_t *open_handle(const char *name, const char *iface, int buffer)
{
	char err[PCAP_ERRBUF_SIZE] = "";
	pcap_t *p = pcap_create(iface, err);
	int rc;

	if (!p) {
		pl_warn("capture %s: %s", name, err);
		return NULL;
	}
	if (pcap_set_snaplen(p, SNAPLEN) || pcap_set_immediate_mode(p, 1) ||
	    pcap_set_buffer_size(p, buffer) || pcap_set_promisc(p, 0)) {
		pl_warn("capture %s: cannot set snaplen, immediate mode or buffer size: %s", name,
			pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	rc = pcap_activate(p);
	if (rc < 0) {
		pl_warn("capture %s: %s%s", name, pcap_statustostr(rc),
			rc == PCAP_ERROR_PERM_DENIED ? " (capturing needs CAP_NET_RAW)" : "");
		if (*pcap_geterr(p))
			pl_warn("capture %s: %s", name, pcap_geterr(p));
		pcap_close(p);
		return NULL;
	}
	if (pcap_setnonblock(p, 1, err) < 0) {
		pl_warn("capture %s: %s", name, err);
		pcap_close(p);
		return NULL;
	}
	return p;
}

int capture_buffer(size_t n, size_t wanted)
{
	size_t each = n ? BUFFER_TOTAL / n : wanted;

	if (each > wanted)
		each = wanted;
	return (int)(each < BUFFER_MIN ? BUFFER_MIN : each);
}

int capture_add(struct capture_set *set, const char *host, const char *iface,
		const char *ns, const char *dir)
{
	struct capture c = { 0 };
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (home < 0) {
		pl_warn_errno("open /proc/thread-self/ns/net");
		return -1;
	}
	c.name = xasprintf("%s:%s", host, iface);
	c.host = xstrdup(host);
	c.iface = xstrdup(iface);
	c.file = xasprintf("%s/%s-%s.pcap", dir, host, iface);
	if (netns_enter(ns) < 0) {
		pl_warn_errno("capture %s: enter namespace %s", c.name, ns);
		goto bad;
	}
	c.pcap = open_handle(c.name, iface, set->buffer_bytes ? set->buffer_bytes : (int)CAPTURE_BUFFER_DEFAULT);
	if (setns(home, CLONE_NEWNET) < 0) {
		/* we cannot go on in a lab's namespace */
		pl_warn_errno("capture %s: return to portlab's namespace", c.name);
		abort();
	}
	if (!c.pcap)
		goto bad;
	c.dumper = pcap_dump_open(c.pcap, c.file);
	if (!c.dumper) {
		pl_warn("capture %s: %s", c.name, pcap_geterr(c.pcap));
		goto bad;
	}
	close(home);
	set->caps = xrealloc(set->caps, sizeof(c) * (set->n + 1));
	set->caps[set->n++] = c;
	return 0;
bad:
	close(home);
	if (c.pcap)
		pcap_close(c.pcap);
	free(c.name);
	free(c.host);
	free(c.iface);
	free(c.file);
	return -1;
}

/* drain_one - write whatever is waiting on C's handle; returns the packets read. */
static uint64_t drain_one(struct capture *c)
{
	uint64_t total = 0;
	int n;

	while ((n = pcap_dispatch(c->pcap, -1, dump_packet, (u_char *)c)) > 0)
		total += (uint64_t)n;
	if (n == PCAP_ERROR)
		pl_warn("capture %s: %s", c->name, pcap_geterr(c->pcap));
	return total;
}

/* drain_all - read whatever is waiting on every handle; returns the packets read. */
static uint64_t drain_all(struct capture_set *set)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->n; i++)
		total += drain_one(&set->caps[i]);
	return total;
}

static void *capture_loop(void *arg)
{
	struct capture_set *set = arg;
	struct pollfd *fds = xcalloc(set->n + 1, sizeof(*fds));
	double stop_at = 0, quiet_since = 0;

	for (size_t i = 0; i < set->n; i++) {
		fds[i].fd = pcap_get_selectable_fd(set->caps[i].pcap);
		fds[i].events = POLLIN;
	}
	fds[set->n].fd = set->wake[0];
	fds[set->n].events = POLLIN;
	for (;;) {
		int timeout = stop_at ? QUIET_MS / 4 : -1;
		int rc = poll(fds, set->n + 1, timeout);

		if (rc < 0 && errno != EINTR) {
			pl_warn_errno("capture: poll");
			break;
		}
		if (fds[set->n].revents & POLLIN) {
			char byte;
			if (read(set->wake[0], &byte, 1) == 1 && !stop_at)
				stop_at = quiet_since = now_seconds();
			fds[set->n].fd = -1;
		}
		if (drain_all(set) > 0)
			quiet_since = now_seconds();
		if (stop_at) {
			double now = now_seconds();
			if (now - quiet_since >= QUIET_MS / 1000.0 ||
			    now - stop_at >= DRAIN_MAX_MS / 1000.0)
				break;
		}
	}
	drain_all(set); /* what arrived since the last poll */
	free(fds);
	return NULL;
}

int capture_start(struct capture_set *set)
{
	int err;

	if (pipe2(set->wake, O_CLOEXEC) < 0) {
		pl_warn_errno("capture: pipe to wake the capture thread");
		return -1;
	}
	err = pthread_create(&set->thread, NULL, capture_loop, set);
	if (err) {
		errno = err;
		pl_warn_errno("capture thread");
		return -1;
	}
	set->running = true;
	return 0;
}

void capture_stop(struct capture_set *set)
{
	if (set->running) {
		if (write(set->wake[1], "x", 1) != 1)
			pl_warn_errno("capture: wake");
		pthread_join(set->thread, NULL);
		set->running = false;
		close(set->wake[0]);
		close(set->wake[1]);
	}
	for (size_t i = 0; i < set->n; i++) {
		struct capture *c = &set->caps[i];
		struct pcap_stat st;

		if (!c->pcap)
			continue;
		/* a packet may land between the last read and the statistics: read
		 * until what the kernel counted is written or counted as dropped */
		for (int tries = 0; tries < 10; tries++) {
			if (pcap_stats(c->pcap, &st) < 0) {
				pl_warn("capture %s: statistics: %s", c->name, pcap_geterr(c->pcap));
				break;
			}
			c->received = st.ps_recv;
			c->dropped = st.ps_drop;
			c->if_dropped = st.ps_ifdrop;
			c->stats_ok = true;
			if (c->received <= c->written + c->dropped)
				break;
			drain_one(c);
		}
		if (pcap_dump_flush(c->dumper) < 0)
			pl_warn_errno("capture %s: write %s", c->name, c->file);
		pcap_dump_close(c->dumper);
		pcap_close(c->pcap);
		c->dumper = NULL;
		c->pcap = NULL;
	}
}

void capture_free(struct capture_set *set)
{
	capture_stop(set);
	for (size_t i = 0; i < set->n; i++) {
		free(set->caps[i].name);
		free(set->caps[i].host);
		free(set->caps[i].iface);
		free(set->caps[i].file);
	}
	free(set->caps);
	set->caps = NULL;
	set->n = 0;
}
