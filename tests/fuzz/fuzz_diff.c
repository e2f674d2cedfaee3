/*
 * Fuzzes verify diff: the input's first 4 bytes say where A ends, the rest
 * splits into A and B, both compared through memory files.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
memfile(const uint8_t *p, size_t n)
{
	int fd = memfd_create("fuzz-diff", MFD_CLOEXEC);
	size_t off = 0;
	ssize_t w;

	if (fd < 0)
		abort();
	while (off < n) {
		if ((w = write(fd, p + off, n - off)) <= 0)
			abort();
		off += (size_t)w;
	}
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_diff_opts opts = {0};
	struct cr_diff_report *r = NULL;
	static const char *const hints[] = {"/build/fuzz"};
	size_t split;
	json_t *j;
	char line[512];
	int fa, fb, err;
	char *text;

	if (size < 4)
		return 0;
	split = ((size_t)data[0] | (size_t)data[1] << 8 |
		 (size_t)data[2] << 16 | (size_t)data[3] << 24);
	data += 4;
	size -= 4;
	if (split > size)
		split = size / 2;
	opts.no_host = 1;
	opts.build_paths = hints;
	opts.nbuild_paths = 1;
	opts.max_spool = 64u << 20;
	opts.max_unpack = 64u << 20;
	fa = memfile(data, split);
	fb = memfile(data + split, size - split);
	err = cr_diff_fds(&r, fa, "a", fb, "b", &opts);
	close(fa);
	close(fb);
	if (r == NULL) {
		cr_error_clear();
		return 0;
	}
	/* Differing bytes must never be called identical. */
	if ((err == CR_OK) !=
	    (split == size - split && memcmp(data, data + split, split) == 0))
		abort();
	cr_diff_verdict(line, sizeof(line), r);
	if (cr_diff_text(&text, r, 0) != CR_OK)
		abort();
	free(text);
	if ((j = cr_diff_json(r)) == NULL)
		abort();
	json_decref(j);
	cr_diff_report_free(r);
	return 0;
}
