/* analyse.c - rebuild the flows of a run's captures (see analyse.h). */
#include "analyse.h"

#include <stdio.h>
#include <string.h>

#include "expect.h"
#include "flows.h"
#include "record.h"
#include "util.h"

void flow_record(struct record *r, const struct flow *f)
{
	char a[64], b[64], tuple[160];

	record_setf(r, "ts", FIELD_NUMBER, "%.6f", f->ts);
	record_set(r, "proto", flow_proto_str(f), FIELD_STRING);
	record_set(r, "id.orig_h", pl_addr_str(&f->orig_h, a, sizeof(a)), FIELD_STRING);
	record_setf(r, "id.orig_p", FIELD_NUMBER, "%u", f->orig_p);
	record_set(r, "id.resp_h", pl_addr_str(&f->resp_h, b, sizeof(b)), FIELD_STRING);
	record_setf(r, "id.resp_p", FIELD_NUMBER, "%u", f->resp_p);
	record_set(r, "tuple", flow_tuple_str(f, tuple, sizeof(tuple)), FIELD_STRING);
	record_set(r, "conn_state", f->conn_state, FIELD_STRING);
	record_set(r, "history", f->history, FIELD_STRING);
	record_setf(r, "duration", FIELD_NUMBER, "%.6f", f->last_ts - f->ts);
	record_setf(r, "orig_pkts", FIELD_NUMBER, "%llu", (unsigned long long)f->orig_pkts);
	record_setf(r, "resp_pkts", FIELD_NUMBER, "%llu", (unsigned long long)f->resp_pkts);
	record_setf(r, "orig_bytes", FIELD_NUMBER, "%llu", (unsigned long long)f->orig_bytes);
	record_setf(r, "resp_bytes", FIELD_NUMBER, "%llu", (unsigned long long)f->resp_bytes);
	record_setf(r, "syn_count", FIELD_NUMBER, "%u", f->syn_count);
	record_set(r, "icmp", f->icmp, FIELD_STRING);
}

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
	for (size_t i = 0; i < cap->nflows; i++)
		flow_record(&cap->flows[i], flow_table_at(ft, i));
	flow_table_free(ft);
}
