/* overlap.h - were two TCP connections open at the same time, as a capture saw them? */
#ifndef PORTLAB_OVERLAP_H
#define PORTLAB_OVERLAP_H

#include <stddef.h>

/*
 * tcp_overlap - 1 when the capture PCAP holds two TCP connections of which
 * the later was opened (its SYN) before the side that opened the earlier one
 * closed it (its first FIN or RST), 0 when it holds none, -1 when it cannot
 * be read. DETAIL says which connections, or why not.
 */
int tcp_overlap(const char *pcap, char *detail, size_t len);

#endif
