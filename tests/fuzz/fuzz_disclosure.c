/*
 * libFuzzer harness: bytes as a disclosure bundle, checked against the root
 * it claims (learnt from a first check against a wrong root, so the linking
 * and file checks run too); what is accepted must add up.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disclose.h"
#include "error.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The hex after "sha256tree:" in the last message, if any. */
static int
claimed_root(unsigned char root[CR_SHA256_LEN])
{
	const char *m = strstr(cr_error_last(), "sha256tree:");
	char hex[CR_SHA256_HEXLEN + 1];

	if (m == NULL || strlen(m + 11) < CR_SHA256_HEXLEN)
		return 0;
	memcpy(hex, m + 11, CR_SHA256_HEXLEN);
	hex[CR_SHA256_HEXLEN] = '\0';
	return cr_hex_decode(root, CR_SHA256_LEN, hex) == 0;
}

static void
check(const char *path, const unsigned char root[CR_SHA256_LEN], int again)
{
	struct cr_disclosure *d = NULL;
	unsigned char claimed[CR_SHA256_LEN];
	size_t i, files = 0, trees = 0, shown = 0;
	int err = cr_disclosure_check(&d, path, root);

	if (err == CR_EFAIL && !again && claimed_root(claimed))
		check(path, claimed, 1);
	if (err != CR_OK) {
		if (d != NULL)
			abort();
		return;
	}
	if (memcmp(d->root, root, CR_SHA256_LEN) != 0)
		abort();
	for (i = 0; i < d->count; i++) {
		if (i > 0 &&
		    strcmp(d->items[i - 1].path, d->items[i].path) >= 0)
			abort();
		if (d->items[i].disclosed)
			shown++;
		else if (d->items[i].mode == CR_MODE_TREE)
			trees++;
		else
			files++;
	}
	if (shown != d->ndisclosed || files != d->nwithheld_files ||
	    trees != d->nwithheld_trees)
		abort();
	cr_disclosure_free(d);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char zero[CR_SHA256_LEN];
	char path[] = "/tmp/fuzz-disclosure.XXXXXX";
	int fd = mkstemp(path);

	if (size > (4u << 20) || fd < 0) {
		if (fd >= 0) {
			close(fd);
			unlink(path);
		}
		return 0;
	}
	if (write(fd, data, size) == (ssize_t)size)
		check(path, zero, 0);
	close(fd);
	unlink(path);
	return 0;
}
