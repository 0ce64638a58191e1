/*
 * capture.h - live capture of every lab interface with libpcap.
 *
 * Each handle is activated from inside its host's namespace (a packet
 * socket stays bound to the namespace it was made in); one thread then
 * polls all of them and writes one pcap file per interface.
 */
#ifndef PORTLAB_CAPTURE_H
#define PORTLAB_CAPTURE_H

#include <pcap/pcap.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct capture {
	char *name;          /* "host:iface" */
	char *host, *iface;
	char *file;          /* <dir>/<host>-<iface>.pcap */
	pcap_t *pcap;
	pcap_dumper_t *dumper;
	uint64_t written;
	uint64_t received, dropped, if_dropped; /* from pcap_stats at the end */
	bool stats_ok;
};

struct capture_set {
	struct capture *caps;
	size_t n;
	pthread_t thread;
	bool running;
	int buffer_bytes;    /* ring size per interface; 0 for the default */
	int wake[2];         /* a byte here tells the thread to drain and stop */
};

/*
 * capture_buffer - the ring size for each of N interfaces: WANTED bytes (a
 * lab's capture_buffer parameter, or the default), within a total for all.
 */
int capture_buffer(size_t n, size_t wanted);

/* The ring of each interface unless a lab asks for more: small labs stay small. */
#define CAPTURE_BUFFER_DEFAULT (4u << 20)

/* capture_add - open HOST:IFACE inside namespace NS, writing into DIR; returns 0 or -1. */
int capture_add(struct capture_set *set, const char *host, const char *iface,
		const char *ns, const char *dir);
/* capture_start - start the thread that writes every handle; returns 0 or -1. */
int capture_start(struct capture_set *set);
/* capture_stop - drain until the wire is quiet, then collect drop counts and close. */
void capture_stop(struct capture_set *set);
void capture_free(struct capture_set *set);

#endif
