/*
 * quiet.h - has a lab's TCP finished talking?
 *
 * After the programs end, the kernel still closes their connections: FINs
 * and the last ACKs, retransmissions. A socket in SYN-SENT, SYN-RECV,
 * FIN-WAIT-1, CLOSING or LAST-ACK, or with data not yet acknowledged, will
 * still put packets on the wire; once none is left, every packet of the
 * lab's connections has passed the captures. The sockets are listed with
 * sock_diag (what `ss` uses), in each lab namespace.
 */
#ifndef PORTLAB_QUIET_H
#define PORTLAB_QUIET_H

/* quiet_open - a sock_diag socket for the calling thread's namespace; -1 on error. */
int quiet_open(void);
/* quiet_busy - how many TCP sockets the namespace of FD still sends from; -1 on error. */
int quiet_busy(int fd);


/*
 * A packet on its way between two lab hosts may wait in a CPU's backlog
 * queue, not yet seen by the receiving side's capture. The backlog is a
 * queue per CPU: a marker sent through loopback from each CPU in turn comes
 * back only after every packet queued before it on that CPU.
 */
/* quiet_marker_open - a UDP socket on 127.0.0.1 that sends to itself, in this namespace; -1 on error. */
int quiet_marker_open(void);
/* quiet_flush - pass a marker through the backlog of every CPU this thread may use; 0, or -1. */
int quiet_flush(int marker);
/* quiet_lo_up - bring up lo of a namespace portlab made for itself (never the machine's). */
int quiet_lo_up(void);

#endif
