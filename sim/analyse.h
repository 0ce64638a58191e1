/* analyse.h - captures in, flow records out, for expectations and reports. */
#ifndef PORTLAB_ANALYSE_H
#define PORTLAB_ANALYSE_H

#include <stdint.h>

struct flow;
struct record;
struct run_capture;

/* What reading one capture file found. */
struct capture_summary {
	uint64_t packets, truncated, malformed;
	int read_status;  /* flows_read_pcap: 0 whole, 1 truncated, -1 unreadable */
	char error[256];
};

/* analyse_capture - read FILE's flows into CAP (named NAME); fills SUM. */
void analyse_capture(struct run_capture *cap, const char *name, const char *file,
		     struct capture_summary *sum);

#endif
