/*
 * fuzz_jsonread.c - libFuzzer driver for the JSON reader that `portlab
 * ladder` uses on a run folder's result.json (which anyone can edit).
 * Each input is a JSON text; what parses is walked as the ladder would.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isim \
 *       sim/fuzz/fuzz_jsonread.c sim/jsonread.c sim/util.c -o fuzz_jsonread
 *   ./fuzz_jsonread -max_total_time=300 CORPUS_DIR
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly SIZE bytes, not NUL-terminated: a read past it is caught */
	char *text = malloc(size ? size : 1), err[160];
	struct jvalue *v;
	const struct jvalue *events;
	volatile size_t sink = 0;

	memcpy(text, data, size);
	v = jread(text, size, err, sizeof(err));
	events = jget(v, "events");
	for (size_t i = 0; events && events->type == J_ARRAY && i < events->n; i++) {
		const char *role = jstr(&events->items[i], "role");

		sink += role ? strlen(role) : 0;
		sink += (size_t)(jnum(&events->items[i], "fd", -1) > 0);
	}
	jfree(v);
	free(text);
	return (int)(sink & 0);
}
