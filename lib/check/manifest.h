/* File lists of trees: reading `attest hash --list --json`. */
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

#endif
