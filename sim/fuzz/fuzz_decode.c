/*
 * fuzz_decode.c - libFuzzer driver for the packet decoder and flow table.
 *
 * One input is a sequence of frames on one link type, fed to one flow table
 * so that state carried between packets (reuse, fragments, ICMP quotes) is
 * exercised too, then formatted as a table and as JSON:
 *
 *   byte 0          link type: index into LINKS
 *   then, repeated  u8 extra  u16 len (big-endian)  len bytes of frame
 *                   (the frame was EXTRA bytes longer on the wire)
 *
 *   make fuzz-decode                      (builds build/fuzz/fuzz_decode)
 *   build/fuzz/fuzz_decode -max_total_time=300 CORPUS_DIR
 */
#include <pcap/dlt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flowfields.h"
#include "flows.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int LINKS[] = {
	DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6, 101,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct flow_table *ft;
	struct json j;
	size_t off = 1;
	double ts = 1.0;
	int dlt;

	if (size < 1)
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	dlt = LINKS[data[0] % (sizeof(LINKS) / sizeof(LINKS[0]))];
	ft = flow_table_new();
	while (off + 3 <= size) {
		uint32_t extra = data[off];
		size_t len = (size_t)data[off + 1] << 8 | data[off + 2];
		uint8_t *frame;

		off += 3;
		if (len > size - off)
			len = size - off;
		/* a copy of exactly LEN bytes, so ASan sees any read past its end */
		frame = malloc(len ? len : 1);
		memcpy(frame, data + off, len);
		flow_table_packet(ft, ts, frame, (uint32_t)len, (uint32_t)(len + extra), dlt);
		free(frame);
		off += len;
		ts += 0.001;
	}
	flow_table_finish(ft);
	flows_print_table(sink, ft, "fuzz");
	json_init(&j, sink, false);
	json_begin_array(&j, NULL);
	for (size_t i = 0; i < flow_table_size(ft); i++)
		flow_json(&j, NULL, flow_table_at(ft, i));
	json_end_array(&j);
	json_end(&j);
	flow_table_free(ft);
	return 0;
}
