/* The source options shared by commands: --source, --git/--rev, --tarball. */
#ifndef CR_TOOL_SOURCE_H
#define CR_TOOL_SOURCE_H

#include <stdint.h>
#include "tree.h"

struct tool_source {
	const char *kind; /* "directory", "git" or "archive"; NULL: not given */
	const char *path;
	const char *rev; /* git only; NULL means HEAD */
	unsigned int strip_components;
	int clean_worktree; /* git: see struct cr_tree_opts */
	/* A directory that is a clean git checkout: its HEAD's commit time. */
	int checkout_time;
};

/*
 * Records one source option; a second, conflicting one is a usage error.
 * Returns 0, or the exit code after printing the usage error.
 */
int tool_source_set(struct tool_source *src, const char *cmd, const char *kind,
		    const char *path);

/*
 * Checks the options once parsing is done: a source is required when
 * required is set, --rev goes with --git alone. Returns 0 or an exit code.
 */
int tool_source_check(struct tool_source *src, const char *cmd, int required);

/*
 * Handles one of the shared source options, by getopt value: 'S' --source,
 * 'G' --git, 'T' --tarball, 'r' --rev, 's' --strip-components. Returns -1
 * when c is none of them, 0 when recorded, or an exit code after a usage
 * message (a repeated or conflicting option, a bad number).
 */
int tool_source_option(struct tool_source *src, const char *cmd, int c,
		       const char *arg);

/* Hashes the source as the options name it (a core status). */
int tool_source_hash(struct cr_tree **out, struct cr_source_info *info,
		     const struct tool_source *src);

#endif
