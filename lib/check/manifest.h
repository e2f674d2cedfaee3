/* File lists of trees: reading `attest hash --list --json`, and comparing trees. */
#ifndef CR_MANIFEST_H
#define CR_MANIFEST_H

#include "tree.h"

#define CR_MANIFEST_MAX (512u << 20)

/*
 * Reads the JSON that `attest hash --list --json` prints into a finished
 * tree. The list authenticates itself: its root must be the tree hash it
 * claims, and a caller compares that root with a signed one before trusting
 * any entry. Malformed input is CR_ERROR naming path.
 */
int cr_manifest_load(struct cr_tree **out, const char *path);

enum cr_change {
	CR_CHANGE_ADDED = 1,   /* only in b */
	CR_CHANGE_REMOVED = 2, /* only in a */
	CR_CHANGE_CONTENT = 3, /* in both, other content */
	CR_CHANGE_MODE = 4,    /* in both, same content, other mode */
};

/*
 * Calls fn for every path that differs between two finished trees, in tree
 * order, with the entry of each side (NULL where absent). Returns the number
 * of differences, or the first negative value fn returns.
 */
long cr_tree_compare(const struct cr_tree *a, const struct cr_tree *b,
		     int (*fn)(void *ctx, enum cr_change change,
			       const struct cr_tree_entry *ea,
			       const struct cr_tree_entry *eb),
		     void *ctx);

/* "added", "removed", "changed" or "mode changed": a static string. */
const char *cr_change_name(enum cr_change change);

#endif
