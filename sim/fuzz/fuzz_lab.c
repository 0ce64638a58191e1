/*
 * fuzz_lab.c - libFuzzer driver for the lab-file reader: each input is a
 * lab file, read as `portlab check` reads it (lab.c, then expect.c), and
 * read again as `portlab list` reads it (header only). Errors are the
 * expected outcome for most inputs; crashes, leaks and hangs are bugs.
 *
 *   make fuzz-lab                         (builds build/fuzz/fuzz_lab)
 *   build/fuzz/fuzz_lab -max_total_time=300 -close_fd_mask=2 harness/fuzz/lab-corpus
 *
 * The input is written to a memfd, so the reader sees a regular file by
 * its /proc/self/fd path, as it would see a lab on disk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "lab.h"
#include "labread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *overrides[] = { "port=8080" }; /* one --param, as a run may have */
	char path[64];
	struct lab *lab;
	int fd = memfd_create("lab", 0);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	lab_free(lab_read(path, overrides, size % 2, NULL));
	lab = lab_header(path);
	lab_free(lab);
	close(fd);
	return 0;
}
