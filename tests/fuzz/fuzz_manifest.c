/*
 * libFuzzer harness for the two self-authenticating lists verify source
 * reads: a file list (attest hash --list --json) and a disclosure bundle
 * (a tar whose first member is the manifest). The input is written to a
 * temporary file and read as both; neither may crash, and a bundle may only
 * be accepted if its root is the one asked for.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "disclose.h"
#include "error.h"
#include "fuzz_file.h"
#include "manifest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned char root[CR_SHA256_LEN] = {0};
	char path[] = "/tmp/cr-fuzz-manifest.XXXXXX";
	struct cr_disclosure *d = NULL;
	struct cr_tree *t = NULL;
	int is;

	if (fuzz_file(path, data, size) != 0)
		return 0;
	if (cr_manifest_load(&t, path) == CR_OK) {
		if (!t->finished)
			abort();
		cr_tree_free(t);
	}
	if (cr_disclosure_detect(&is, path) == CR_OK && is &&
	    cr_disclosure_check(&d, path, root) == CR_OK) {
		/* Only a root tree hashing to all zeros could be accepted. */
		abort();
	}
	cr_disclosure_free(d);
	unlink(path);
	return 0;
}
