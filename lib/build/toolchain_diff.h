/* The toolchain in statements: recording it, and comparing a record with the local one. */
#ifndef CR_TOOLCHAIN_DIFF_H
#define CR_TOOLCHAIN_DIFF_H

#include <jansson.h>

#include "statement.h"
#include "toolchain.h"

/*
 * The tools as resolvedDependencies entries, in *out (allocated with room
 * for spare more entries after them; *n of them filled; the caller frees
 * with cr_resources_free()): name, digest.sha256, and annotations path,
 * version (a file: kind "file" instead) and, where known, package,
 * packageVersion and purl (no uri: the digest is of one file, a purl names
 * a whole package). CR_ERROR when out of memory.
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
 * *out lists them (possibly none) and the caller frees it with
 * cr_toolchain_diff_free(); CR_OK then. CR_ERROR with a message, *out NULL,
 * only when probing fails or out of memory.
 */
int cr_toolchain_compare(struct cr_toolchain_diff **out,
			 const struct cr_statement *st, const char *root);

/* The number of changes in d; 0 when d is NULL. */
size_t cr_toolchain_diff_count(const struct cr_toolchain_diff *d);

/*
 * d as text, as `verify rebuild` prints it: "toolchain: none recorded",
 * "toolchain: the N recorded tools and files are the same here", or
 * "toolchain: DIFFERS from the record (N changes):" and one indented line
 * per change ("TOOL (PACKAGE) FIELD: recorded 'R', here 'L'"); each line
 * ends in a newline, and d NULL gives "". *out is allocated and the caller
 * frees it with free(). CR_OK, or CR_ERROR with a message and *out NULL
 * when out of memory. Nothing is printed.
 */
int cr_toolchain_diff_text(char **out, const struct cr_toolchain_diff *d);

/*
 * d as JSON: {"compared": N, "changes": [{"tool", "package" (when known),
 * "field", "recorded", "local"}]}; d NULL gives {"compared": 0, "changes":
 * []}. A new reference the caller decrefs; NULL when out of memory.
 */
json_t *cr_toolchain_diff_json(const struct cr_toolchain_diff *d);

/* Frees d and its changes; d may be NULL. */
void cr_toolchain_diff_free(struct cr_toolchain_diff *d);

#endif
