/* attest export: a deterministic source archive of exactly the committed tree. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "export.h"
#include "source.h"
#include "tool.h"

static const char usage_text[] =
	"usage: attest export --git REPO [--rev REV] [-q] -o FILE\n"
	"\n"
	"Writes the committed tree of REV as a tar (FILE.tar) or gzip'd tar\n"
	"(FILE.tar.gz, FILE.tgz) whose bytes depend on the tree alone: members in\n"
	"git order, owners 0/0, modes 0644/0755, every mtime the commit time, the\n"
	"gzip header time cleared. 'attest hash FILE' gives the tree hash of REV.\n"
	"\n"
	"  --git REPO        the git repository\n"
	"  --rev REV         the revision (default HEAD)\n"
	"  -o, --output FILE the archive to write (atomically)\n"
	"  -q, --quiet       print nothing but errors\n"
	"  -h, --help        show this help\n";

int
cmd_export(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"output", required_argument, NULL, 'o'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tool_source src = {0};
	struct cr_source_info info;
	struct cr_export_opts opts = {0};
	struct cr_tree *tree = NULL;
	const char *out = NULL;
	char id[CR_TREE_IDLEN + 1];
	int c, rc, err;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (out)
				return tool_usage("export", "-o given twice");
			out = optarg;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			rc = tool_source_option(&src, "export", c, optarg);
			if (rc < 0)
				return tool_usage("export", "unknown option");
			if (rc > 0)
				return rc;
			break;
		}
	}
	if (optind < argc)
		return tool_usage("export", "unexpected argument '%s'",
				  argv[optind]);
	if (src.kind == NULL)
		return tool_usage("export", "--git REPO is required");
	if ((rc = tool_source_check(&src, "export", 1)) != 0)
		return rc;
	if (out == NULL)
		return tool_usage("export", "-o FILE is required");

	if ((err = tool_source_hash(&tree, &info, &src)) < 0)
		goto done;
	tool_progress_done();
	opts.mtime = info.commit_time;
	opts.gzip = cr_export_wants_gzip(out);
	/* The commit id, not REV: a ref moving meanwhile changes nothing. */
	if ((err = cr_export_git(out, src.path, info.commit, tree, &opts)) < 0)
		goto done;
	if (!tool_quiet) {
		cr_tree_format_id(id, tree->root);
		printf("%s  %s (%zu files, commit %s)\n", id, out, tree->count,
		       info.commit);
	}
done:
	cr_tree_free(tree);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
