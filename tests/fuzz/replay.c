/*
 * Runs a libFuzzer harness over files named on the command line, so every
 * build (gcc included) replays the seed corpus under its sanitizers.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
main(int argc, char **argv)
{
	char *buf;
	size_t len;
	int i;

	for (i = 1; i < argc; i++) {
		if (cr_read_file(&buf, &len, argv[i], 64u << 20) < 0) {
			fprintf(stderr, "replay: cannot read %s\n", argv[i]);
			return 2;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
		free(buf);
	}
	printf("replayed %d inputs\n", argc - 1);
	return 0;
}
