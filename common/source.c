/* The source options shared by commands: --source, --git/--rev, --tarball. */
#include "source.h"
#include "opts.h"
#include "tool.h"

#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int
tool_source_set(struct tool_source *src, const char *cmd, const char *kind,
		const char *path)
{
	if (src->kind != NULL)
		return tool_usage(cmd, "give one source: --source, --git or "
				       "--tarball (or one PATH)");
	src->kind = kind;
	src->path = path;
	return 0;
}

int
tool_source_option(struct tool_source *src, const char *cmd, int c,
		   const char *arg)
{
	long long v;

	switch (c) {
	case 'S':
		return tool_source_set(src, cmd, "directory", arg);
	case 'G':
		return tool_source_set(src, cmd, "git", arg);
	case 'T':
		return tool_source_set(src, cmd, "archive", arg);
	case 'r':
		if (src->rev != NULL)
			return tool_usage(cmd, "--rev given twice");
		src->rev = arg;
		return 0;
	case 's':
		if ((v = tool_parse_number(arg, 255)) < 0)
			return tool_usage(cmd, "--strip-components takes a "
					       "number from 0 to 255");
		src->strip_components = (unsigned int)v;
		return 0;
	}
	return -1;
}

int
tool_source_check(struct tool_source *src, const char *cmd, int required)
{
	if (required && src->kind == NULL)
		return tool_usage(cmd, "no source given: use --source DIR, "
				       "--git REPO or --tarball FILE");
	if (src->rev != NULL &&
	    (src->kind == NULL || strcmp(src->kind, "git") != 0))
		return tool_usage(cmd, "--rev goes with --git");
	if (src->strip_components != 0 &&
	    (src->kind == NULL || strcmp(src->kind, "git") == 0))
		return tool_usage(cmd, "--strip-components goes with an "
				       "archive");
	return 0;
}

/*
 * A directory that is a git checkout whose files are exactly its HEAD
 * commit's tree has that commit's time, which a statement's build time can
 * then be checked against as with --git. Anything else (no .git, other
 * files, a repository refused) leaves the time unknown.
 */
static void
checkout_time(struct cr_source_info *info, const struct cr_tree *t,
	      const char *dir)
{
	struct cr_tree_opts opts = {0};
	struct cr_source_info gi;
	struct cr_tree *g = NULL;
	char gitdir[4200];
	struct stat st;

	if (snprintf(gitdir, sizeof(gitdir), "%s/.git", dir) >=
		    (int)sizeof(gitdir) ||
	    lstat(gitdir, &st) < 0)
		return;
	if (cr_tree_from_git(&g, &gi, dir, "HEAD", &opts) == CR_OK &&
	    memcmp(g->root, t->root, sizeof(t->root)) == 0)
		info->commit_time = gi.commit_time;
	cr_tree_free(g);
	cr_error_clear();
}

int
tool_source_hash(struct cr_tree **out, struct cr_source_info *info,
		 const struct tool_source *src)
{
	struct cr_tree_opts opts = {0};
	struct stat st;
	int err;

	opts.strip_components = src->strip_components;
	opts.clean_worktree = src->clean_worktree;
	opts.progress = tool_progress;
	err = cr_tree_from_source(out, info, src->kind, src->path, src->rev,
				  &opts);
	if (err == CR_OK && strcmp(src->kind, "git") != 0 &&
	    strcmp(src->kind, "archive") != 0 && src->checkout_time &&
	    info != NULL && info->commit_time < 0 && info->newest_mtime < 0 &&
	    stat(src->path, &st) == 0 && S_ISDIR(st.st_mode))
		checkout_time(info, *out, src->path);
	return err;
}
