/*
 * pcapng.h - one pcapng file for a whole run: every interface's packets in
 * time order, each interface named "host:iface", so that Wireshark's
 * interface column says where a packet was seen.
 */
#ifndef PORTLAB_PCAPNG_H
#define PORTLAB_PCAPNG_H

#include <pcap/pcap.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * pcapng_merge - merge the N pcap files FILES, whose interfaces are called
 * NAMES, into OUT. Returns the packets written, or -1 after saying why.
 */
long pcapng_merge(const char *out, char *const *files, char *const *names, size_t n);

/* The blocks, for writing a pcapng stream as it comes (portlab capture); 0 or -1. */
int pcapng_put_section(FILE *f);
int pcapng_put_interface(FILE *f, int linktype, int snaplen, const char *name);
int pcapng_put_packet(FILE *f, uint32_t ifindex, const struct pcap_pkthdr *h, const u_char *data);

#endif
