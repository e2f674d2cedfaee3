/*
 * libFuzzer harness: bytes as an archive (any format and filter) to the
 * archive tree hasher; a tree it accepts must be sorted and hold no path it
 * should have refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_tree *t = NULL;
	struct cr_source_info info;
	const char *p;
	size_t i;

	if (cr_tree_from_archive_memory(&t, &info, data, size, "fuzz", NULL) ==
	    0) {
		for (i = 0; i < t->count; i++) {
			p = t->entries[i].path;
			if (i > 0 && strcmp(t->entries[i - 1].path, p) >= 0)
				abort();
			if (*p == '/' || strstr(p, "//") != NULL ||
			    strcmp(p, "..") == 0 || strncmp(p, "../", 3) == 0 ||
			    strstr(p, "/../") != NULL)
				abort();
			if (cr_tree_find(t, p) != &t->entries[i])
				abort();
		}
	}
	cr_tree_free(t);
	return 0;
}
