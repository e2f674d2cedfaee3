/* attest disclose: some files of a commit, with the trees that prove they belong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "disclose.h"
#include "export.h"
#include "opts.h"
#include "source.h"
#include "tool.h"

static const struct tool_opt options[] = {
	EXPORT_OPTS("the bundle to write (atomically)"),
};

static const struct tool_cmd command = {
	"disclose",
	"attest disclose --git REPO [--rev REV] [--json] [-q] -o FILE PATH...",
	"Writes a selective-disclosure bundle: a tar (or .tar.gz) whose "
	"first\n"
	"member, " CR_DISCLOSURE_MANIFEST
	", holds every git tree object from the\n"
	"root down to each PATH, followed by the files under each PATH (a "
	"file or\n"
	"a directory). 'verify source' checks that they hash up to the "
	"attested\n"
	"tree and lists what was withheld: the bundle reveals the names and "
	"hashes\n"
	"of every entry in the trees along the way.",
	options,
	NULL,
	0,
};

static int
is_selected(void *ctx, const char *path)
{
	struct {
		const struct cr_tree *tree;
		const unsigned char *sel;
	} *c = ctx;
	const struct cr_tree_entry *e = cr_tree_find(c->tree, path);

	return e != NULL && c->sel[e - c->tree->entries];
}

int
cmd_disclose(int argc, char **argv)
{
	struct export_args a = {0};
	struct cr_source_info info;
	struct cr_export_opts opts = {0};
	struct cr_tree *tree = NULL;
	struct {
		const struct cr_tree *tree;
		const unsigned char *sel;
	} ctx;
	unsigned char *sel = NULL;
	char *manifest = NULL;
	size_t len, i, n = 0;
	int rc, err;

	if ((rc = export_parse(&a, &command, argc, argv, 1)) != TOOL_PARSED)
		return rc;
	if (a.noperands == 0)
		return tool_usage("disclose", "no PATH to disclose");

	if ((err = tool_source_hash(&tree, &info, &a.src)) < 0)
		goto done;
	tool_progress_done();
	if ((err = cr_disclosure_manifest(&manifest, &len, &sel, tree,
					  a.operands, a.noperands)) < 0)
		goto done;
	ctx.tree = tree;
	ctx.sel = sel;
	opts.mtime = info.commit_time;
	opts.gzip = cr_export_wants_gzip(a.out);
	opts.select = is_selected;
	opts.select_ctx = &ctx;
	opts.first_name = CR_DISCLOSURE_MANIFEST;
	opts.first = manifest;
	opts.first_len = len;
	if ((err = cr_export_git(a.out, a.src.path, info.commit, tree, &opts)) <
	    0)
		goto done;
	for (i = 0; i < tree->count; i++)
		n += sel[i];
	err = export_report(a.out, tree, &info, n, a.json);
done:
	free(manifest);
	free(sel);
	cr_tree_free(tree);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
