/* analyse.c - rebuild the flows of a run's captures (see analyse.h). */
#include "analyse.h"

#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "flowfields.h"
#include "flows.h"
#include "record.h"
#include "util.h"

void analyse_capture(struct run_capture *cap, const char *name, const char *file,
		     struct capture_summary *sum)
{
	struct flow_table *ft = flow_table_new();
	const struct decode_stats *st;

	memset(sum, 0, sizeof(*sum));
	cap->name = xstrdup(name);
	sum->read_status = flows_read_pcap(ft, file, sum->error, sizeof(sum->error));
	flow_table_finish(ft);
	st = flow_table_stats(ft);
	sum->packets = st->packets;
	sum->truncated = st->truncated;
	sum->malformed = st->malformed;
	cap->nflows = flow_table_size(ft);
	cap->flows = xcalloc(cap->nflows, sizeof(struct record));
	for (size_t i = 0; i < cap->nflows; i++) {
		flow_record(&cap->flows[i], flow_table_at(ft, i));
		flow_table_forget(ft, i + 1); /* each chunk of flows goes once it is records */
	}
	flow_table_free(ft);
}
