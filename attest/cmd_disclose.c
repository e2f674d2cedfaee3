/* attest disclose: some files of a commit, with the trees that prove they belong. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "disclose.h"
#include "export.h"
#include "source.h"
#include "tool.h"

static const char usage_text[] =
	"usage: attest disclose --git REPO [--rev REV] [--json] [-q] -o FILE PATH...\n"
	"\n"
	"Writes a selective-disclosure bundle: a tar (or .tar.gz) whose first\n"
	"member, " CR_DISCLOSURE_MANIFEST
	", holds every git tree object from the\n"
	"root down to each PATH, followed by the files under each PATH (a file or\n"
	"a directory). 'verify source' checks that they hash up to the attested\n"
	"tree and lists what was withheld: the bundle reveals the names and hashes\n"
	"of every entry in the trees along the way.\n"
	"\n"
	"  --git REPO        the git repository\n"
	"  --rev REV         the revision (default HEAD)\n"
	"  -o, --output FILE the bundle to write (atomically)\n"
	"  --json            print one JSON object: tree, commit, output,\n"
	"                    its SHA-256 and size, files\n"
	"  -q, --quiet       print nothing but errors\n"
	"  -h, --help        show this help\n";

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
	static const struct option longopts[] = {
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tool_source src = {0};
	struct cr_source_info info;
	struct cr_export_opts opts = {0};
	struct cr_tree *tree = NULL;
	struct {
		const struct cr_tree *tree;
		const unsigned char *sel;
	} ctx;
	unsigned char *sel = NULL;
	const char *out = NULL;
	char *manifest = NULL;
	size_t len, i, n = 0;
	int c, rc, err, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (out)
				return tool_usage("disclose", "-o given twice");
			out = optarg;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			rc = tool_source_option(&src, "disclose", c, optarg);
			if (rc < 0)
				return tool_usage("disclose", "unknown option");
			if (rc > 0)
				return rc;
			break;
		}
	}
	if (src.kind == NULL)
		return tool_usage("disclose", "--git REPO is required");
	if ((rc = tool_source_check(&src, "disclose", 1)) != 0)
		return rc;
	if (out == NULL)
		return tool_usage("disclose", "-o FILE is required");
	if (optind >= argc)
		return tool_usage("disclose", "no PATH to disclose");

	if ((err = tool_source_hash(&tree, &info, &src)) < 0)
		goto done;
	tool_progress_done();
	if ((err = cr_disclosure_manifest(&manifest, &len, &sel, tree,
					  argv + optind,
					  (size_t)(argc - optind))) < 0)
		goto done;
	ctx.tree = tree;
	ctx.sel = sel;
	opts.mtime = info.commit_time;
	opts.gzip = cr_export_wants_gzip(out);
	opts.select = is_selected;
	opts.select_ctx = &ctx;
	opts.first_name = CR_DISCLOSURE_MANIFEST;
	opts.first = manifest;
	opts.first_len = len;
	if ((err = cr_export_git(out, src.path, info.commit, tree, &opts)) < 0)
		goto done;
	for (i = 0; i < tree->count; i++)
		n += sel[i];
	err = export_report(out, tree, &info, n, json);
done:
	free(manifest);
	free(sel);
	cr_tree_free(tree);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
