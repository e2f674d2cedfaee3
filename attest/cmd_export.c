/* attest export: a deterministic source archive of exactly the committed tree. */
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "export.h"
#include "sha256.h"
#include "source.h"
#include "tool.h"
#include "util.h"

static const char usage_text[] =
	"usage: attest export --git REPO [--rev REV] [--json] [-q] -o FILE\n"
	"\n"
	"Writes the committed tree of REV as a tar (FILE.tar) or gzip'd tar\n"
	"(FILE.tar.gz, FILE.tgz) whose bytes depend on the tree alone: members in\n"
	"git order, owners 0/0, modes 0644/0755, every mtime the commit time, the\n"
	"gzip header time cleared. 'attest hash FILE' gives the tree hash of REV.\n"
	"\n"
	"  --git REPO        the git repository\n"
	"  --rev REV         the revision (default HEAD)\n"
	"  -o, --output FILE the archive to write (atomically)\n"
	"  --json            print one JSON object: tree, commit, output,\n"
	"                    its SHA-256 and size, files\n"
	"  -q, --quiet       print nothing but errors\n"
	"  -h, --help        show this help\n";

int
export_report(const char *out, const struct cr_tree *tree,
	      const struct cr_source_info *info, size_t disclosed, int json)
{
	unsigned char md[CR_SHA256_LEN];
	char id[CR_TREE_IDLEN + 1], hex[2 * CR_SHA256_LEN + 1];
	uint64_t size = 0;
	json_t *o;
	int fd, err;

	cr_tree_format_id(id, tree->root);
	if (!json) {
		if (tool_quiet)
			return CR_OK;
		if (disclosed == (size_t)-1)
			printf("%s  %s (%zu files, commit %s)\n", id, out,
			       tree->count, info->commit);
		else
			printf("%s  %s (%zu of %zu files disclosed)\n", id, out,
			       disclosed, tree->count);
		return CR_OK;
	}
	if ((fd = open(out, O_RDONLY | O_CLOEXEC)) < 0)
		return cr_error_errno("%s: cannot read it back", out);
	err = cr_sha256_fd(md, &size, fd, NULL, 0, out);
	close(fd);
	if (err < 0)
		return err;
	cr_hex_encode(hex, md, sizeof(md));
	o = json_pack("{s:s, s:s, s:o, s:{s:s}, s:I, s:I}", "tree", id,
		      "commit", info->commit, "output", tool_json_str(out),
		      "digest", "sha256", hex, "size", (json_int_t)size,
		      "files", (json_int_t)tree->count);
	if (o != NULL && disclosed != (size_t)-1)
		json_object_set_new(o, "disclosed",
				    json_integer((json_int_t)disclosed));
	tool_json_print(o);
	return CR_OK;
}

int
cmd_export(int argc, char **argv)
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
	const char *out = NULL;
	int c, rc, err, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (out)
				return tool_usage("export", "-o given twice");
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
	err = export_report(out, tree, &info, (size_t)-1, json);
done:
	cr_tree_free(tree);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
