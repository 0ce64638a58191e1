/*
 * capture_drain.c - the thread that writes the captures, and when it stops.
 *
 * While the programs run, the thread sleeps in poll() until a ring block
 * is handed over. Told to stop, it drains: the lab's last packets (FINs,
 * their ACKs, a RST, a datagram still queued) may still be on their way.
 * It stops when three things hold, not after a guessed quiet time:
 *   - no TCP socket of the lab still has something to send, and no qdisc
 *     still holds a packet (quiet_busy);
 *   - a marker passed through every CPU's backlog queue without the
 *     kernel counting one more packet (quiet_flush): nothing was in flight;
 *   - every packet the kernel counted (pcap_stats) is written or dropped.
 */
#include "capture.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <unistd.h>

#include "quiet.h"
#include "util.h"

#define DRAIN_MAX_MS 2000   /* a socket that keeps resending does not hold the run longer */
#define QUIET_MS 100        /* only when sock_diag is missing: the old rule, 100 ms without a packet */

/* the kernel's count of captured packets, and when it last changed */
struct seen {
	uint64_t count;
	double changed;
};

static uint64_t read_all(struct capture_set *set)
{
	uint64_t total = 0;

	for (size_t i = 0; i < set->n; i++)
		total += capture_read(&set->caps[i]);
	return total;
}

/* lab_busy - TCP sockets that still send and packets still queued; -1 when it cannot tell. */
static int lab_busy(const struct capture_set *set)
{
	int busy = 0;

	for (size_t i = 0; i < set->nwatch; i++) {
		if (set->watch[i].q.diag < 0)
			return -1;
		int b = quiet_busy(&set->watch[i].q);
		if (b < 0)
			return -1;
		busy += b;
	}
	return busy;
}

/*
 * counted - the packets the kernel put into every ring (ps_recv, which
 * includes drops); *ALL_WRITTEN, when not NULL, tells whether each was
 * written or dropped.
 */
static uint64_t counted(struct capture_set *set, bool *all_written)
{
	uint64_t total = 0;
	bool all = true;

	for (size_t i = 0; i < set->n; i++) {
		struct capture *c = &set->caps[i];
		struct pcap_stat st;
		if (pcap_stats(c->pcap, &st) < 0) {
			all = false;
			continue;
		}
		total += st.ps_recv;
		all &= st.ps_recv <= c->written + st.ps_drop;
	}
	if (all_written)
		*all_written = all;
	return total;
}

/*
 * settled - nothing more can come: see the file's comment. SEEN holds the
 * kernel's count and when it last changed, across calls.
 */
static bool settled(struct capture_set *set, struct seen *seen, double since_packet)
{
	bool written;
	int busy = lab_busy(set);

	if (busy < 0 || set->marker < 0)
		return since_packet >= QUIET_MS / 1000.0;
	if (busy > 0)
		return false;
	uint64_t before = counted(set, NULL);
	if (quiet_flush(set->marker) < 0)
		return since_packet >= QUIET_MS / 1000.0;
	read_all(set);
	uint64_t after = counted(set, &written);
	double now = now_seconds();
	if (after != seen->count) {
		seen->count = after;
		seen->changed = now;
	}
	/* should libpcap skip a packet the kernel counted (it does on lo),
	 * written never holds: once no ring block can still be pending, the
	 * count alone decides */
	return after == before && (written || now - seen->changed >= 4 * CAPTURE_BLOCK_MS / 1000.0);
}

/* drain - read until settled, or until DRAIN_MAX_MS has passed. */
static void drain(struct capture_set *set, struct pollfd *fds)
{
	double start = now_seconds(), last_packet = start;
	struct seen seen = { 0, start };

	for (;;) {
		if (read_all(set) > 0)
			last_packet = now_seconds();
		double now = now_seconds();
		if (settled(set, &seen, now - last_packet))
			break;
		if (now - start >= DRAIN_MAX_MS / 1000.0) {
			set->busy_left = lab_busy(set);
			break;
		}
		if (poll(fds, set->n, CAPTURE_BLOCK_MS) < 0 && errno != EINTR)
			pl_warn_errno("capture: poll");
	}
	read_all(set);
	set->drain_seconds = now_seconds() - start;
}

void *capture_loop(void *arg)
{
	struct capture_set *set = arg;
	struct pollfd *fds = xcalloc(set->n + 1, sizeof(*fds));

	for (size_t i = 0; i < set->n; i++) {
		fds[i].fd = pcap_get_selectable_fd(set->caps[i].pcap);
		fds[i].events = POLLIN;
	}
	fds[set->n].fd = set->wake[0];
	fds[set->n].events = POLLIN;
	for (;;) {
		if (poll(fds, set->n + 1, -1) < 0 && errno != EINTR) {
			pl_warn_errno("capture: poll");
			break;
		}
		read_all(set);
		if (fds[set->n].revents & POLLIN)
			break;
	}
	drain(set, fds);
	free(fds);
	return NULL;
}
