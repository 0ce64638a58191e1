/*
 * fuzz_pcapng.c - libFuzzer driver for the pcapng block reader.
 *
 * One input is a whole pcapng file. It is read from memory (fmemopen), so
 * the reader runs the same code as on a file or a pipe, and every packet
 * goes on to the decoder and a flow table of its interface, so that what
 * the reader hands out (data, caplen, interface index) is used for real.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isim \
 *       sim/fuzz/fuzz_pcapng.c sim/pcapngread.c sim/decode.c sim/flows.c \
 *       sim/flowfmt.c sim/json.c sim/util.c -o fuzz_pcapng
 *   ./fuzz_pcapng -max_total_time=300 -dict=sim/fuzz/pcapng.dict \
 *       CORPUS_DIR sim/fuzz/corpus-pcapng
 *
 * The seeds in sim/fuzz/corpus-pcapng are written by
 * harness/test_pcapng.py (write_seeds), which also reads each back.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flows.h"
#include "pcapngread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_TABLES 8   /* interfaces beyond these share the last table */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *sink;
	struct flow_table *ft[MAX_TABLES] = { NULL };
	struct pcapng_reader *r;
	struct pcapng_packet p;
	uint8_t head[4];
	FILE *f;

	if (size < 4 || !(f = fmemopen((void *)data, size, "rb")))
		return 0;
	if (!sink)
		sink = fopen("/dev/null", "w");
	if (fread(head, 1, 4, f) != 4) {
		fclose(f);
		return 0;
	}
	r = pcapng_open(f, head, 4);
	while (pcapng_next(r, &p) == PCAPNG_PACKET) {
		size_t t = p.iface < MAX_TABLES ? p.iface : MAX_TABLES - 1;
		const struct pcapng_iface *ifc = pcapng_interface(r, p.iface);
		/* a copy of exactly CAPLEN bytes, so ASan sees any read past its end */
		uint8_t *frame = malloc(p.caplen ? p.caplen : 1);

		memcpy(frame, p.data, p.caplen);
		if (!ft[t])
			ft[t] = flow_table_new();
		flow_table_packet(ft[t], p.ts, frame, p.caplen, p.len, ifc->linktype);
		free(frame);
		fprintf(sink, "%s\n", ifc->name);
	}
	fprintf(sink, "%s\n", pcapng_error(r));
	for (size_t i = 0; i < MAX_TABLES; i++) {
		if (!ft[i])
			continue;
		flow_table_finish(ft[i]);
		flows_print_table(sink, ft[i], "fuzz");
		flow_table_free(ft[i]);
	}
	pcapng_close(r);
	fclose(f);
	return 0;
}
