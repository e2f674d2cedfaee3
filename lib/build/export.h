/* Deterministic source archives of committed trees (attest export, disclose). */
#ifndef CR_EXPORT_H
#define CR_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "tree.h"

struct cr_export_opts {
	int64_t mtime; /* every member's mtime: the commit time */
	int gzip;      /* gzip the tar (header time and name cleared) */
	/* When set, only the files for which it returns non-zero. */
	int (*select)(void *ctx, const char *path);
	void *select_ctx;
	/* When set, a regular file written before the tree's members. */
	const char *first_name;
	const void *first;
	size_t first_len;
};

/*
 * Writes the files of tree, read from commit (a hex commit id) of the git
 * repository repo, as a tar (or tar.gz) to out_path, atomically. The bytes
 * depend only on the tree, opts and the zlib in use: members in tree order,
 * each directory before its contents, pax-restricted ustar headers, owners
 * 0/0 without names, modes 0644/0755 (0755 for directories), every mtime
 * opts->mtime. Each blob read is checked against the tree's SHA-256 id, so
 * the archive holds exactly the hashed tree. CR_ERROR naming the file or
 * object when the repository cannot be read, a blob is not the one the
 * tree names (or is over the caps of cr_tree), or the write fails; nothing
 * is left at out_path then (a temporary file renamed at the end).
 */
int cr_export_git(const char *out_path, const char *repo, const char *commit,
		  const struct cr_tree *tree,
		  const struct cr_export_opts *opts);

/* Whether path names a gzip-compressed archive (ends in .tar.gz or .tgz). */
int cr_export_wants_gzip(const char *path);

#endif
