/* File lists of trees: reading `attest hash --list --json`, and comparing trees. */
#include "manifest.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static int
parse_mode(unsigned int *mode, const char *s)
{
	if (strcmp(s, "100644") == 0)
		*mode = CR_MODE_FILE;
	else if (strcmp(s, "100755") == 0)
		*mode = CR_MODE_EXEC;
	else if (strcmp(s, "120000") == 0)
		*mode = CR_MODE_LINK;
	else
		return CR_ERROR;
	return CR_OK;
}

int
cr_manifest_load(struct cr_tree **out, const char *path)
{
	struct cr_tree *t = NULL;
	unsigned char claimed[CR_SHA256_LEN], oid[CR_SHA256_LEN];
	const char *p, *mode, *blob, *root;
	unsigned int m;
	json_error_t jerr;
	json_t *j = NULL, *files, *f;
	char *text = NULL;
	size_t len, i;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&text, &len, path, CR_MANIFEST_MAX)) < 0)
		return err;
	/* The text is not needed once parsed. */
	j = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	free(text);
	if (j == NULL)
		return cr_error_set("%s: not valid JSON: %s", path, jerr.text);
	root = json_string_value(json_object_get(j, "tree"));
	files = json_object_get(j, "files");
	if (root == NULL || strlen(root) != CR_SHA256_HEXLEN ||
	    cr_hex_decode(claimed, CR_SHA256_LEN, root) < 0 ||
	    !json_is_array(files)) {
		err = cr_error_set("%s: not a file list (want the output of "
				   "'attest hash --list --json')",
				   path);
		goto done;
	}
	if (json_array_size(files) > CR_TREE_MAX_ENTRIES) {
		err = cr_error_set("%s: more than %u files", path,
				   CR_TREE_MAX_ENTRIES);
		goto done;
	}
	if ((err = cr_tree_new(&t)) < 0)
		goto done;
	json_array_foreach(files, i, f)
	{
		p = json_string_value(json_object_get(f, "path"));
		mode = json_string_value(json_object_get(f, "mode"));
		blob = json_string_value(json_object_get(f, "blob"));
		if (p == NULL || mode == NULL || blob == NULL ||
		    parse_mode(&m, mode) < 0 ||
		    strlen(blob) != CR_SHA256_HEXLEN ||
		    cr_hex_decode(oid, CR_SHA256_LEN, blob) < 0) {
			err = cr_error_set("%s: file %zu: needs path, mode "
					   "(100644, 100755 or 120000) and a "
					   "64-hex blob",
					   path, i);
			goto done;
		}
		if ((err = cr_tree_add(t, p, m, oid, 0)) < 0)
			goto done;
	}
	if ((err = cr_tree_finish(t)) < 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", cr_error_last());
		err = cr_error_set("%s: %s", path, why);
		goto done;
	}
	if (memcmp(t->root, claimed, CR_SHA256_LEN) != 0) {
		err = cr_error_set("%s: the files listed do not hash to the "
				   "tree it names",
				   path);
		goto done;
	}
	*out = t;
	t = NULL;
	err = CR_OK;
done:
	cr_tree_free(t);
	json_decref(j);
	return err;
}
