/* A source tree hashed whatever its kind: a directory, a git revision or an archive. */
#include "tree.h"
#include "error.h"

#include <string.h>
#include <sys/stat.h>

int
cr_source_kind(const char **kind, const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return cr_error_errno("%s", path);
	*kind = S_ISDIR(st.st_mode) ? "directory" : "archive";
	return CR_OK;
}

int
cr_tree_from_source(struct cr_tree **out, struct cr_source_info *info,
		    const char *kind, const char *path, const char *rev,
		    const struct cr_tree_opts *opts)
{
	int err;

	*out = NULL;
	if (info != NULL) {
		info->commit[0] = '\0';
		info->commit_time = -1;
		info->newest_mtime = -1;
	}
	if (strcmp(kind, "path") == 0 &&
	    (err = cr_source_kind(&kind, path)) < 0)
		return err;
	if (strcmp(kind, "git") == 0)
		return cr_tree_from_git(out, info, path, rev, opts);
	if (strcmp(kind, "directory") == 0)
		return cr_tree_from_dir(out, path, opts);
	if (strcmp(kind, "archive") == 0)
		return cr_tree_from_archive(out, info, path, opts);
	return cr_error_set("%s: unknown source kind '%s'", path, kind);
}

int
cr_tree_from_path(struct cr_tree **out, struct cr_source_info *info,
		  const char *path, const struct cr_tree_opts *opts)
{
	return cr_tree_from_source(out, info, "path", path, NULL, opts);
}
