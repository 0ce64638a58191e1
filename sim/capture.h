/*
 * capture.h - live capture of every lab interface with libpcap.
 *
 * Each handle is activated from inside its host's namespace (a packet
 * socket stays bound to the namespace it was made in), several at a time;
 * one thread then polls all of them and writes one pcap file per
 * interface. The handles use TPACKET_V3 (not immediate mode): the kernel
 * packs packets into ring blocks and wakes the thread once per block, or
 * CAPTURE_BLOCK_MS after a block's first packet, not once per packet.
 */
#ifndef PORTLAB_CAPTURE_H
#define PORTLAB_CAPTURE_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "quiet.h"

struct capture {
	char *name;          /* "host:iface" */
	char *host, *iface;
	char *file;          /* <dir>/<host>-<iface>.pcap */
	char *ns;            /* the host's namespace */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	uint64_t written;
	uint64_t received, dropped, if_dropped; /* from pcap_stats at the end */
	bool stats_ok;
};

/* A host namespace the drain watches for sockets that still send (quiet.h). */
struct capture_watch {
	char *ns;
	struct quiet_watch q;
};

struct capture_set {
	struct capture *caps;
	size_t n;
	struct capture_watch *watch;
	size_t nwatch;
	pthread_t thread;
	bool started;        /* capture_start was called: the fds below are ours */
	bool running;
	int buffer_bytes;    /* ring size per interface; 0 for the default */
	int wake[2];         /* a byte here tells the thread to drain and stop */
	int marker;          /* loopback socket that flushes the CPUs' queues (quiet.h) */
	double drain_seconds; /* from the stop to the last packet written */
	int busy_left;       /* TCP sockets still sending when the drain gave up */
};

/*
 * capture_buffer - the ring size for each of N interfaces: WANTED bytes (a
 * lab's capture_buffer parameter, or the default), within a total for all.
 */
int capture_buffer(size_t n, size_t wanted);

/* A ring block goes to the reader at most this long after its first packet. */
#define CAPTURE_BLOCK_MS 5

/* The ring of each interface unless a lab asks for more: small labs stay small. */
#define CAPTURE_BUFFER_DEFAULT (4u << 20)

/* capture_add - plan to capture HOST:IFACE inside namespace NS, writing into DIR. */
void capture_add(struct capture_set *set, const char *host, const char *iface,
		 const char *ns, const char *dir);
/* capture_watch - have the drain wait for the sockets and queues of namespace NS. */
void capture_watch(struct capture_set *set, const char *ns);
/* capture_start - open every planned handle, then start the thread that writes them; 0 or -1. */
int capture_start(struct capture_set *set);
/*
 * capture_stop - once the programs are gone: drain until no TCP socket of
 * the lab still sends and every packet the kernel counted is written
 * (capture_drain.c), then collect drop counts and close.
 */
void capture_stop(struct capture_set *set);
void capture_free(struct capture_set *set);

/* capture_loop - the writing thread (capture_drain.c). */
void *capture_loop(void *set);
/* capture_read - write whatever is waiting on C's handle; returns the packets read. */
uint64_t capture_read(struct capture *c);

#endif
