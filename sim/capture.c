/* capture.c - open, start, stop and close the captures of lab interfaces (see capture.h). */
#include "capture.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "quiet.h"
#include "util.h"
#include "workers.h"

/*
 * A snaplen of one Ethernet frame: packets are whole on lab interfaces
 * (offloads are off) and the ring's blocks hold many of them.
 */
#define SNAPLEN 1514
#define BUFFER_TOTAL (256 << 20)      /* for all of them: a 300-host lab must not take 10 GB */
#define BUFFER_MIN (1 << 20)
#define THREADS 32          /* handles opened or closed at once */
#define WRITE_BUFFER (256 << 10)

static void dump_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;

	pcap_dump((u_char *)c->dumper, h, bytes);
	c->written++;
}

uint64_t capture_read(struct capture *c)
{
	uint64_t total = 0;
	int n;

	while ((n = pcap_dispatch(c->pcap, -1, dump_packet, (u_char *)c)) > 0)
		total += (uint64_t)n;
	if (n == PCAP_ERROR)
		pl_warn("capture %s: %s", c->name, pcap_geterr(c->pcap));
	return total;
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
	if (pcap_set_snaplen(p, SNAPLEN) || pcap_set_timeout(p, CAPTURE_BLOCK_MS) ||
	    pcap_set_buffer_size(p, buffer) || pcap_set_promisc(p, 0)) {
		pl_warn("capture %s: cannot set snaplen, block timeout or buffer size: %s", name,
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

void capture_add(struct capture_set *set, const char *host, const char *iface,
		 const char *ns, const char *dir)
{
	struct capture c = {
		.name = xasprintf("%s:%s", host, iface), .host = xstrdup(host),
		.iface = xstrdup(iface), .file = xasprintf("%s/%s-%s.pcap", dir, host, iface),
		.ns = xstrdup(ns),
	};

	set->caps = xrealloc(set->caps, sizeof(c) * (set->n + 1));
	set->caps[set->n++] = c;
}

void capture_watch(struct capture_set *set, const char *ns)
{
	set->watch = xrealloc(set->watch, sizeof(*set->watch) * (set->nwatch + 1));
	set->watch[set->nwatch++] = (struct capture_watch){ .ns = xstrdup(ns), .q = { -1, -1 } };
}

/* open_dumper - C's pcap file, with a write buffer that suits a stream of packets. */
static int open_dumper(struct capture *c)
{
	FILE *f = fopen(c->file, "we");

	if (!f) {
		pl_warn_errno("capture %s: create %s", c->name, c->file);
		return -1;
	}
	setvbuf(f, NULL, _IOFBF, WRITE_BUFFER);
	c->dumper = pcap_dump_fopen(c->pcap, f);
	if (!c->dumper) {
		pl_warn("capture %s: %s", c->name, pcap_geterr(c->pcap));
		fclose(f);
		return -1;
	}
	return 0;
}

/* open_here - job I's handle or watch, in the namespace this thread has entered. */
static void open_here(struct capture_set *set, size_t i)
{
	if (i >= set->n) {
		quiet_watch_open(&set->watch[i - set->n].q);
		return;
	}
	struct capture *c = &set->caps[i];
	c->pcap = open_handle(c->name, c->iface, set->buffer_bytes ? set->buffer_bytes
								     : (int)CAPTURE_BUFFER_DEFAULT);
}

/* open_one - a worker's job: capture I, or watch I - n, inside its namespace. */
static void open_one(size_t i, void *arg)
{
	struct capture_set *set = arg;
	const char *ns = i < set->n ? set->caps[i].ns : set->watch[i - set->n].ns;
	int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (home < 0) {
		pl_warn_errno("open /proc/thread-self/ns/net");
		return;
	}
	if (netns_enter(ns) < 0) {
		pl_warn_errno("capture: enter namespace %s", ns);
		close(home);
		return;
	}
	open_here(set, i);
	if (setns(home, CLONE_NEWNET) < 0) {
		/* this thread cannot go on in a lab's namespace */
		pl_warn_errno("capture: return to portlab's namespace from %s", ns);
		abort();
	}
	close(home);
	if (i < set->n && set->caps[i].pcap && open_dumper(&set->caps[i]) < 0) {
		pcap_close(set->caps[i].pcap);
		set->caps[i].pcap = NULL;
	}
}

int capture_start(struct capture_set *set)
{
	int err;

	set->marker = -1;
	set->wake[0] = set->wake[1] = -1;
	set->started = true;
	run_workers(set->n + set->nwatch, THREADS, open_one, set);
	for (size_t i = 0; i < set->n; i++)
		if (!set->caps[i].pcap)
			return -1;
	set->marker = quiet_marker_open();
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

/* count_and_flush - C's counts from the kernel; its file written out. */
static void count_and_flush(struct capture *c)
{
	struct pcap_stat st;

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
		capture_read(c);
	}
	if (pcap_dump_flush(c->dumper) < 0)
		pl_warn_errno("capture %s: write %s", c->name, c->file);
	pcap_dump_close(c->dumper);
	c->dumper = NULL;
}

/* close_one - a worker's job: close capture I's handle (each close waits for the kernel). */
static void close_one(size_t i, void *arg)
{
	struct capture *c = &((struct capture_set *)arg)->caps[i];

	if (c->pcap)
		pcap_close(c->pcap);
	c->pcap = NULL;
}

void capture_stop(struct capture_set *set)
{
	if (set->running) {
		if (write(set->wake[1], "x", 1) != 1)
			pl_warn_errno("capture: wake");
		pthread_join(set->thread, NULL);
		set->running = false;
	}
	if (!set->started)
		return;
	for (int k = 0; k < 2; k++)
		if (set->wake[k] >= 0)
			close(set->wake[k]);
	set->wake[0] = set->wake[1] = -1;
	if (set->marker >= 0)
		close(set->marker);
	set->marker = -1;
	for (size_t i = 0; i < set->n; i++)
		if (set->caps[i].dumper)
			count_and_flush(&set->caps[i]);
	run_workers(set->n, THREADS, close_one, set);
	for (size_t i = 0; i < set->nwatch; i++)
		quiet_watch_close(&set->watch[i].q);
}

void capture_free(struct capture_set *set)
{
	capture_stop(set);
	for (size_t i = 0; i < set->n; i++) {
		struct capture *c = &set->caps[i];
		free(c->name), free(c->host), free(c->iface), free(c->file), free(c->ns);
	}
	free(set->caps);
	set->caps = NULL;
	set->n = 0;
	for (size_t i = 0; i < set->nwatch; i++)
		free(set->watch[i].ns);
	free(set->watch);
	set->watch = NULL;
	set->nwatch = 0;
}
