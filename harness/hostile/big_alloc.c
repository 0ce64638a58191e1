/* big_alloc - take 20 GB, 64 MiB at a time, touching every page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
	size_t chunk = 64UL << 20, total = 0;

	while (total < 20000UL * 1000 * 1000) {
		char *p = malloc(chunk);
		if (!p) {
			perror("big_alloc: malloc");
			return 1;
		}
		memset(p, 1, chunk);
		total += chunk;
	}
	printf("big_alloc: %zu bytes held\n", total);
	return 0;
}
