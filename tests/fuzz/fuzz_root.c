/*
 * libFuzzer harness for what verify root reads from the vendor without a
 * signature: ROOT.json, and a root tar's dpkg database and tree hash. The
 * input is written to a temporary file and read as each; none may crash,
 * and a manifest that loads must hold what its reader promises.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "fuzz_file.h"
#include "root.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[] = "/tmp/cr-fuzz-root.XXXXXX";
	struct cr_root_manifest *m = NULL;
	struct cr_root_owners *o = NULL;
	struct cr_tree *t = NULL;
	size_t i;

	if (fuzz_file(path, data, size) != 0)
		return 0;
	if (cr_root_manifest_load(&m, path) == CR_OK) {
		if (m->recipe.suite == NULL || m->recipe.mirror == NULL)
			abort();
		for (i = 0; i < m->npkgs; i++)
			if (m->pkgs[i].filename == NULL ||
			    m->pkgs[i].filename[0] == '/' ||
			    strstr(m->pkgs[i].filename, "..") != NULL)
				abort();
		cr_root_manifest_free(m);
	}
	if (cr_root_owners_load(&o, path) == CR_OK) {
		for (i = 1; i < o->count; i++)
			if (strcmp(o->paths[i - 1], o->paths[i]) > 0)
				abort();
		cr_root_owners_free(o);
	}
	if (cr_root_hash(&t, path, NULL) == CR_OK)
		cr_tree_free(t);
	unlink(path);
	cr_error_clear();
	return 0;
}
