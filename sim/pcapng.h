/*
 * pcapng.h - one pcapng file for a whole run: every interface's packets in
 * time order, each interface named "host:iface", so that Wireshark's
 * interface column says where a packet was seen.
 */
#ifndef PORTLAB_PCAPNG_H
#define PORTLAB_PCAPNG_H

#include <stddef.h>

/*
 * pcapng_merge - merge the N pcap files FILES, whose interfaces are called
 * NAMES, into OUT. Returns the packets written, or -1 after saying why.
 */
long pcapng_merge(const char *out, char *const *files, char *const *names, size_t n);

#endif
