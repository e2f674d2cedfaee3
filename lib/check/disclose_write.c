/* Selective disclosure, the writing side: the manifest of a bundle. */
#include "disclose.h"
#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

struct collect {
	json_t *trees;
	char **dirs; /* sorted directories needed, "" the root */
	size_t ndirs;
	int err;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
add_tree(void *ctx, const char *dir, const unsigned char oid[CR_SHA256_LEN],
	 const unsigned char *body, size_t len)
{
	struct collect *c = ctx;
	char hex[CR_SHA256_HEXLEN + 1], *b64;
	json_t *t;

	if (bsearch(&dir, c->dirs, c->ndirs, sizeof(*c->dirs), cmp_str) == NULL)
		return CR_OK;
	if (cr_base64_encode(&b64, body, len) < 0)
		return CR_ERROR;
	cr_hex_encode(hex, oid, CR_SHA256_LEN);
	t = json_pack("{s:s, s:s, s:s}", "path", dir, "id", hex, "body", b64);
	free(b64);
	if (t == NULL || json_array_append_new(c->trees, t) < 0)
		return cr_error_set("disclosure: cannot encode tree '%s'", dir);
	return CR_OK;
}

static int
selects(const char *path, const char *want)
{
	size_t n = strlen(want);

	if (strcmp(want, ".") == 0 || n == 0)
		return 1;
	return strncmp(path, want, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/');
}

/* Adds path's directories (and the root) to the needed set, unsorted. */
static int
need_dirs(struct collect *c, size_t *alloc, const char *path)
{
	const char *slash = path;
	char **d;

	for (;;) {
		if (c->ndirs == *alloc) {
			*alloc = *alloc ? *alloc * 2 : 64;
			if ((d = realloc(c->dirs, *alloc * sizeof(*d))) == NULL)
				return cr_error_set("out of memory");
			c->dirs = d;
		}
		c->dirs[c->ndirs] = strndup(path, (size_t)(slash - path));
		if (c->dirs[c->ndirs++] == NULL)
			return cr_error_set("out of memory");
		if ((slash = strchr(slash == path ? path : slash + 1, '/')) ==
		    NULL)
			return CR_OK;
	}
}

int
cr_disclosure_manifest(char **json, size_t *len, unsigned char **selected,
		       const struct cr_tree *tree, char *const *paths,
		       size_t npaths)
{
	struct collect c = {0};
	json_t *root = NULL, *files;
	unsigned char *sel = NULL;
	char hex[CR_SHA256_HEXLEN + 1], want[CR_TREE_MAX_PATH + 1];
	size_t i, j, alloc = 0, n, hits;
	int err = CR_ERROR;

	*json = NULL;
	*len = 0;
	*selected = NULL;
	if ((sel = calloc(tree->count + 1, 1)) == NULL ||
	    (c.trees = json_array()) == NULL ||
	    (files = json_array()) == NULL) {
		json_decref(c.trees);
		free(sel);
		return cr_error_set("out of memory");
	}
	cr_hex_encode(hex, tree->root, CR_SHA256_LEN);
	root = json_pack("{s:i, s:s, s:o, s:o}", "cleanroomDisclosure", 1,
			 "root", hex, "disclosed", files, "trees", c.trees);
	if (root == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	for (j = 0; j < npaths; j++) {
		n = strlen(paths[j]);
		while (n > 1 && paths[j][n - 1] == '/')
			n--;
		if (n > CR_TREE_MAX_PATH) {
			err = cr_error_set("%s: path too long", paths[j]);
			goto done;
		}
		memcpy(want, paths[j], n);
		want[n] = '\0';
		for (i = 0, hits = 0; i < tree->count; i++)
			if (selects(tree->entries[i].path, want)) {
				sel[i] = 1;
				hits++;
			}
		if (hits == 0) {
			err = cr_error_set("%s: not in the tree", paths[j]);
			goto done;
		}
	}
	if ((err = need_dirs(&c, &alloc, "")) < 0)
		goto done;
	for (i = 0; i < tree->count; i++) {
		if (!sel[i])
			continue;
		if (json_array_append_new(
			    files, json_string(tree->entries[i].path)) < 0) {
			err = cr_error_set("%s: cannot be encoded (not UTF-8?)",
					   tree->entries[i].path);
			goto done;
		}
		if ((err = need_dirs(&c, &alloc, tree->entries[i].path)) < 0)
			goto done;
	}
	qsort(c.dirs, c.ndirs, sizeof(*c.dirs), cmp_str);
	if ((err = cr_tree_foreach_tree(tree, add_tree, &c)) < 0)
		goto done;
	if ((*json = json_dumps(root, JSON_COMPACT)) == NULL) {
		err = cr_error_set("disclosure: cannot encode the manifest");
		goto done;
	}
	*len = strlen(*json);
	*selected = sel;
	sel = NULL;
	err = CR_OK;
done:
	for (i = 0; i < c.ndirs; i++)
		free(c.dirs[i]);
	free(c.dirs);
	free(sel);
	json_decref(root);
	return err;
}
