/*
 * quiet.h - has a lab finished putting packets on the wire?
 *
 * After the programs end, the kernel still sends for them: FINs and the
 * last ACKs, retransmissions, and whatever waits in a slow link's queue
 * (impair: tc tbf or netem). A TCP socket in SYN-SENT, SYN-RECV, FIN-WAIT-1,
 * CLOSING or LAST-ACK, or with data not yet acknowledged, will still send;
 * a packet in a qdisc has not yet passed any capture. Each host namespace
 * is watched through two netlink sockets made inside it: sock_diag (what
 * `ss` uses) for the sockets, rtnetlink (what `tc -s qdisc` uses) for the
 * queues.
 */
#ifndef PORTLAB_QUIET_H
#define PORTLAB_QUIET_H

struct quiet_watch {
	int diag, rtnl;
};

/* quiet_watch_open - watch the calling thread's namespace; 0, or -1 after saying why. */
int quiet_watch_open(struct quiet_watch *w);
/* quiet_busy - TCP sockets that still send plus packets still queued; -1 when it cannot tell. */
int quiet_busy(const struct quiet_watch *w);
void quiet_watch_close(struct quiet_watch *w);

/*
 * A packet on its way between two lab hosts may also wait in a CPU's
 * backlog queue, not yet seen by the receiving side's capture. The backlog
 * is a queue per CPU: a marker sent through loopback from each CPU in turn
 * comes back only after every packet queued before it on that CPU.
 */
/* quiet_marker_open - a UDP socket on 127.0.0.1 that sends to itself, in this namespace; -1 on error. */
int quiet_marker_open(void);
/* quiet_flush - pass a marker through the backlog of every CPU this thread may use; 0, or -1. */
int quiet_flush(int marker);

/* quiet_lo_up - bring up lo of a namespace portlab made for itself (never the machine's). */
int quiet_lo_up(void);

#endif
