/* The toolchain in statements: recording it, and comparing a record with the local one. */
#ifndef CR_TOOLCHAIN_DIFF_H
#define CR_TOOLCHAIN_DIFF_H

#include <stdio.h>

#include <jansson.h>

#include "statement.h"
#include "toolchain.h"

/*
 * The tools as resolvedDependencies entries, in *out (allocated with room
 * for spare more entries after them; *n of them filled; the caller frees
 * with cr_resources_free()): name, digest.sha256, and annotations path,
 * version (a file: kind "file" instead) and, where known, package,
 * packageVersion and purl. CR_ERROR when out of memory.
 */
int cr_toolchain_resources(struct cr_resource **out, size_t *n,
			   const struct cr_toolchain *tc, size_t spare);

/* One field of one tool that differs between the record and here. */
struct cr_toolchain_change {
	char *tool;	   /* its name, a path for a file */
	char *package;	   /* the package the record names for it, or NULL */
	const char *field; /* "missing", "path", "version", "package" (name and
			   version), "sha256" */
	char *recorded;
	char *local;
};

struct cr_toolchain_diff {
	struct cr_toolchain_change *changes;
	size_t count;
	size_t compared; /* tools recorded and compared */
};

/*
 * Compares the tools and files a statement records (resolvedDependencies
 * entries with an annotations.path) with the same ones probed here (a
 * file by its path), their packages by name and version, under root
 * (NULL: the host's) and the sandbox's PATH. Never fails on a difference:
 * *out lists them (possibly none). CR_ERROR only when probing fails.
 */
int cr_toolchain_compare(struct cr_toolchain_diff **out,
			 const struct cr_statement *st, const char *root);

size_t cr_toolchain_diff_count(const struct cr_toolchain_diff *d);
void cr_toolchain_diff_print(FILE *f, const struct cr_toolchain_diff *d);
json_t *cr_toolchain_diff_json(const struct cr_toolchain_diff *d);
void cr_toolchain_diff_free(struct cr_toolchain_diff *d);

#endif
