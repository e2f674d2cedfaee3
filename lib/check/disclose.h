/* Selective disclosure: some files of a tree, provably from the attested tree. */
#ifndef CR_DISCLOSE_H
#define CR_DISCLOSE_H

#include <stddef.h>
#include <stdint.h>

#include "tree.h"

/* The first member of every bundle; its presence marks a bundle. */
#define CR_DISCLOSURE_MANIFEST "cleanroom-disclosure.json"
#define CR_DISCLOSURE_MANIFEST_MAX (16u << 20)

/*
 * The manifest for disclosing the files of tree under paths (each a file or
 * a directory; "." is everything): JSON naming the root and holding the
 * body of every tree object from the root down to each disclosed file.
 * *selected (allocated, tree->count bytes) marks the disclosed entries.
 */
int cr_disclosure_manifest(char **json, size_t *len, unsigned char **selected,
			   const struct cr_tree *tree, char *const *paths,
			   size_t npaths);

/* One file of the attested tree, as a bundle shows it. */
struct cr_disclosed {
	char *path;
	unsigned int mode;
	unsigned char oid[CR_SHA256_LEN];
	int disclosed; /* 0: withheld (only its name and id are known) */
};

struct cr_disclosure {
	unsigned char root[CR_SHA256_LEN];
	struct cr_disclosed *items; /* in tree order */
	size_t count;
	size_t ndisclosed;	  /* files disclosed ... */
	uint64_t disclosed_bytes; /* ... and their bytes */
	size_t nwithheld_files;	  /* files named by a disclosed tree */
	size_t nwithheld_trees;	  /* subtrees whose content is unknown */
};

/* Whether a checked bundle is the whole attested tree: nothing withheld. */
#define CR_DISCLOSURE_COMPLETE(d) ((d)->ndisclosed == (d)->count)

/* Whether the archive at path starts with a disclosure manifest. */
int cr_disclosure_detect(int *is_bundle, const char *path);

/*
 * Checks a bundle: every tree object is a valid git tree (sorted, no
 * duplicates, known modes, plain names), hashes to its parent's entry, the
 * root tree hashes to root, and every file in the bundle hashes to its
 * entry. Near-linear in the trees and entries (sorted once, then binary
 * searches). CR_EFAIL with a message naming the first file or tree that does
 * not hold; CR_ERROR when the bundle is malformed. On CR_OK, *out lists
 * what was disclosed and what was withheld.
 */
int cr_disclosure_check(struct cr_disclosure **out, const char *path,
			const unsigned char root[CR_SHA256_LEN]);

/*
 * The same against any of nroots attested roots, reading the bundle once;
 * (*out)->root is the one it hashes to.
 */
int cr_disclosure_check_roots(struct cr_disclosure **out, const char *path,
			      const unsigned char (*roots)[CR_SHA256_LEN],
			      size_t nroots);

/* Frees what cr_disclosure_check() or cr_disclosure_check_roots() returned; NULL is a no-op. */
void cr_disclosure_free(struct cr_disclosure *d);

#endif
