/* attest export: a deterministic source archive of exactly the committed tree. */
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "export.h"
#include "opts.h"
#include "sha256.h"
#include "source.h"
#include "tool.h"
#include "util.h"

static const struct tool_opt options[] = {
	EXPORT_OPTS("the archive to write (atomically)"),
};

static const struct tool_cmd command = {
	"export",
	"attest export --git REPO [--rev REV] [--json] [-q] -o FILE",
	"Writes the committed tree of REV as a tar (FILE.tar) or gzip'd tar\n"
	"(FILE.tar.gz, FILE.tgz) whose bytes depend on the tree alone: "
	"members in\n"
	"git order, owners 0/0, modes 0644/0755, every mtime the commit time, "
	"the\n"
	"gzip header time cleared. 'attest hash FILE' gives the tree hash of "
	"REV.",
	options,
	NULL,
	0,
};

/* What export_parse() parses with: its arguments and command. */
struct export_ctx {
	struct export_args *a;
	const struct tool_cmd *cmd;
};

/* One option of export or disclose: 0, or the exit code after usage. */
static int
export_option(void *ctx, int id, const char *arg)
{
	struct export_ctx *c = ctx;

	if (id == 'o')
		return tool_getopt_once(c->cmd, &c->a->out, arg, "-o");
	return tool_source_option(&c->a->src, c->cmd->name, id, arg);
}

int
export_parse(struct export_args *a, const struct tool_cmd *cmd, int argc,
	     char **argv, int operands)
{
	struct export_ctx ctx = {a, cmd};
	struct tool_getopt g;
	int rc;

	if ((rc = tool_getopt_parse(&g, cmd, argc, argv, export_option,
				    &ctx)) != TOOL_PARSED)
		return rc;
	a->json = g.json;
	a->operands = argv + g.optind;
	a->noperands = (size_t)(argc - g.optind);
	if (!operands && g.optind < argc)
		return tool_usage(cmd->name, "unexpected argument '%s'",
				  argv[g.optind]);
	if (a->src.kind == NULL)
		return tool_usage(cmd->name, "--git REPO is required");
	if ((rc = tool_source_check(&a->src, cmd->name, 1)) != 0)
		return rc;
	if (a->out == NULL)
		return tool_usage(cmd->name, "-o FILE is required");
	return TOOL_PARSED;
}

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
	struct export_args a = {0};
	struct cr_source_info info;
	struct cr_export_opts opts = {0};
	struct cr_tree *tree = NULL;
	int rc, err;

	if ((rc = export_parse(&a, &command, argc, argv, 0)) != TOOL_PARSED)
		return rc;
	if ((err = tool_source_hash(&tree, &info, &a.src)) < 0)
		goto done;
	tool_progress_done();
	opts.mtime = info.commit_time;
	opts.gzip = cr_export_wants_gzip(a.out);
	/* The commit id, not REV: a ref moving meanwhile changes nothing. */
	if ((err = cr_export_git(a.out, a.src.path, info.commit, tree, &opts)) <
	    0)
		goto done;
	err = export_report(a.out, tree, &info, (size_t)-1, a.json);
done:
	cr_tree_free(tree);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
