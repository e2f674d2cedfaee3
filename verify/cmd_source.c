/* verify source: is this the source tree the attestation names? */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"
#include "cmds.h"
#include "disclose.h"
#include "manifest.h"
#include "source.h"
#include "tool.h"
#include "tree.h"
#include "trust.h"
#include "util.h"

static const char usage_text[] =
	"usage: verify source -a ATTESTATION -k PUB [--files LIST] [--strip-components N]\n"
	"                     [--disclosure] [--json] [-q]\n"
	"                     (PATH | --git REPO [--rev REV])\n"
	"\n"
	"Checks that the source tree at PATH (a directory, .git excluded, or a\n"
	"source archive) or the committed tree of REPO has exactly the source\n"
	"tree hash that a trusted attestation names. PATH may also be a\n"
	"disclosure bundle ('attest disclose'): its files and tree objects must\n"
	"hash up to the attested tree; what was disclosed and what was withheld\n"
	"is listed. A bundle that withholds anything is not the attested source\n"
	"(exit 1) unless --disclosure is given.\n"
	"The recipe the tree is built with is shown: the tree's\n"
	"cleanroom.json when the statement says so (it fails if the statement\n"
	"recorded another), or the statement's, marked as not reviewed.\n"
	"\n"
	"  -a, --attestation FILE  an .intoto.jsonl file of DSSE envelopes\n"
	"  --bundle FILE           a Sigstore bundle v0.3 (.sigstore.json), as -a\n"
	"  -k, --key PUB           a trusted public key (SPKI PEM)\n"
	"  --git REPO              check the committed tree of REPO\n"
	"  --rev REV               the revision with --git (default HEAD)\n"
	"  --strip-components N    drop N leading path parts of archive members\n"
	"  --files LIST            the attested tree's file list ('attest hash\n"
	"                          --list --json' of it): checked against the\n"
	"                          attested tree hash, then used to name each file\n"
	"                          that differs\n"
	"  --disclosure            PATH is a disclosure bundle that may withhold\n"
	"                          files: exit 0 when every disclosed file is in\n"
	"                          the attested tree\n"
	"  --json                  print a machine-readable report\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 the source matches, 1 it does not, 2 no answer.\n";

/* The first trusted statement naming root, or else any naming a tree. */
static const struct cr_checked *
find_attested(const struct trust *t, const unsigned char *root, size_t *trusted)
{
	const struct cr_checked *other = NULL;
	size_t i;

	*trusted = 0;
	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *ck = &t->set.items[i];

		if (ck->status != CR_OK || !ck->st->has_tree)
			continue;
		(*trusted)++;
		if (root != NULL &&
		    memcmp(ck->st->tree, root, CR_SHA256_LEN) == 0)
			return ck;
		if (other == NULL)
			other = ck;
	}
	return root == NULL ? other : NULL;
}

/*
 * Names, on stderr (and in *jout when given), each trusted statement that
 * names a tree other than root, or none; returns how many.
 */
static size_t
other_trees(const struct trust *t, const unsigned char *root, json_t **jout)
{
	char id[CR_TREE_IDLEN + 1];
	size_t i, n = 0;

	if (jout != NULL)
		*jout = json_array();
	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *ck = &t->set.items[i];

		if (ck->status != CR_OK ||
		    (ck->st->has_tree &&
		     memcmp(ck->st->tree, root, CR_SHA256_LEN) == 0))
			continue;
		n++;
		if (ck->st->has_tree)
			cr_tree_format_id(id, ck->st->tree);
		else
			snprintf(id, sizeof(id), "(no source tree)");
		if (jout != NULL && *jout != NULL)
			json_array_append_new(
				*jout,
				json_pack("{s:o, s:i, s:s, s:s}", "attestation",
					  tool_json_str(ck->file), "line",
					  (int)ck->line, "source", id, "result",
					  "another source tree"));
		tool_warn("%s:%u: a trusted statement of another source tree "
			  "(%s); give each check only its own",
			  ck->file, ck->line, id);
	}
	return n;
}

/*
 * The recipe the attested tree is built with, for the report: the tree's
 * cleanroom.json when the statement says so (CR_EFAIL when the tree has
 * none or the statement recorded another), else the statement's recipe,
 * marked as not part of the reviewed source.
 */
static int
see_recipe(json_t **jout, char **text, const struct cr_checked *att,
	   const struct tool_source *src, const struct cr_tree *tree,
	   const struct cr_source_info *info)
{
	struct cr_recipe *recorded = NULL, *mine = NULL;
	struct cr_build_source bs;
	char name[512];
	int err;

	*jout = NULL;
	*text = NULL;
	if (strcmp(att->st->build_type, CR_BUILDTYPE_SANDBOX) != 0) {
		*jout = json_pack("{s:s}", "source", "none");
		*text = strdup("recipe: none recorded (artifacts built "
			       "elsewhere, then signed)\n");
		return CR_OK;
	}
	snprintf(name, sizeof(name), "%s:%u", att->file, att->line);
	if ((err = cr_recipe_from_statement(&recorded, att->st, name)) < 0)
		return err;
	if (!recorded->from_tree) {
		*jout = cr_recipe_json(recorded);
		*text = cr_recipe_describe(recorded);
		err = cr_recipe_check_time(recorded, info, name);
		if (cr_tree_find(tree, CR_RECIPE_FILE) != NULL) {
			json_object_set_new(*jout, "treeHasRecipeFile",
					    json_true());
			char *more = NULL;

			if (*text != NULL &&
			    asprintf(&more,
				     "%s  (the tree's %s was not used)\n",
				     *text, CR_RECIPE_FILE) >= 0) {
				free(*text);
				*text = more;
			}
		}
		goto done;
	}
	bs.kind = src->kind;
	bs.path = src->path;
	bs.strip_components = src->strip_components;
	bs.tree = tree;
	bs.info = info;
	if ((err = cr_recipe_from_tree(&mine, &bs)) < 0)
		goto done;
	if (mine == NULL) {
		*jout = json_pack("{s:s, s:b}", "source", CR_RECIPE_FILE,
				  "matchesStatement", 0);
		err = cr_error_fail("%s: the statement says its recipe is the "
				    "tree's %s, but the tree has none",
				    name, CR_RECIPE_FILE);
		goto done;
	}
	mine->source_date_epoch = recorded->source_date_epoch;
	*jout = cr_recipe_json(mine);
	*text = cr_recipe_describe(mine);
	if ((err = cr_recipe_compare(recorded, mine, name)) == CR_OK)
		err = cr_recipe_check_time(recorded, info, name);
	json_object_set_new(*jout, "matchesStatement",
			    json_boolean(err == CR_OK));
done:
	cr_recipe_free(recorded);
	cr_recipe_free(mine);
	return err;
}

struct changes {
	json_t *list; /* for --json, else NULL */
};

static int
print_change(void *ctx, enum cr_change change, const struct cr_tree_entry *ea,
	     const struct cr_tree_entry *eb)
{
	struct changes *c = ctx;
	const char *path = ea ? ea->path : eb->path;

	if (c->list != NULL)
		json_array_append_new(c->list,
				      json_pack("{s:o, s:s}", "path",
						tool_json_str(path), "change",
						cr_change_name(change)));
	else if (!tool_quiet)
		printf("  %-12s %s\n", cr_change_name(change), tool_name(path));
	return 0;
}

/*
 * verify source on a disclosure bundle. With --disclosure (partial) a bundle
 * holds when every disclosed file is in the attested tree; without it, only
 * a bundle that withholds nothing is the attested source.
 */
static int
check_bundle(const struct trust *t, const char *path, int json, int partial)
{
	struct cr_disclosure *d = NULL;
	const struct cr_checked *ck = NULL;
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	unsigned char(*roots)[CR_SHA256_LEN];
	json_t *report, *items;
	size_t trusted, i, n;
	int err = CR_EFAIL, whole;

	if ((ck = find_attested(t, NULL, &trusted)) == NULL)
		return cr_error_fail("%s: no attestation signed by a trusted "
				     "key names a source tree",
				     path);
	/* Every attested tree at once: the bundle is read and hashed once. */
	if ((roots = calloc(trusted, sizeof(*roots))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0, n = 0; i < t->set.count; i++)
		if (t->set.items[i].status == CR_OK &&
		    t->set.items[i].st->has_tree)
			memcpy(roots[n++], t->set.items[i].st->tree,
			       CR_SHA256_LEN);
	err = cr_disclosure_check_roots(
		&d, path, (const unsigned char(*)[CR_SHA256_LEN])roots, n);
	free(roots);
	if (err < 0)
		return err;
	for (i = 0; i < t->set.count; i++) {
		ck = &t->set.items[i];
		if (ck->status == CR_OK && ck->st->has_tree &&
		    memcmp(ck->st->tree, d->root, CR_SHA256_LEN) == 0)
			break;
	}
	whole = CR_DISCLOSURE_COMPLETE(d);
	cr_tree_format_id(id, d->root);
	if (json) {
		items = json_array();
		for (i = 0; i < d->count; i++) {
			cr_hex_encode(hex, d->items[i].oid, CR_SHA256_LEN);
			json_array_append_new(
				items,
				json_pack("{s:o, s:s, s:s}", "path",
					  tool_json_str(d->items[i].path),
					  d->items[i].mode == CR_MODE_TREE
						  ? "tree"
						  : "blob",
					  hex, "state",
					  d->items[i].disclosed ? "disclosed"
								: "withheld"));
		}
		report = json_pack(
			"{s:s, s:s, s:o, s:s, s:b, s:i, s:I, s:i, s:i, s:o}",
			"command", "source", "result",
			whole || partial ? "ok" : "fail", "path",
			tool_json_str(path), "source", id, "complete", whole,
			"disclosed", (int)d->ndisclosed, "disclosedBytes",
			(json_int_t)d->disclosed_bytes, "withheldFiles",
			(int)d->nwithheld_files, "withheldSubtrees",
			(int)d->nwithheld_trees, "entries", items);
		tool_json_print(report);
	} else if (!tool_quiet) {
		printf("%s  %s  %s of %s [%s:%u]\n",
		       whole || partial ? "OK  " : "FAIL", tool_name(path),
		       whole ? "complete disclosure" : "partial disclosure", id,
		       tool_name(ck->file), ck->line);
		printf("  disclosed %zu file%s (%llu bytes); withheld %zu "
		       "file%s (names and hashes only) and %zu subtree%s "
		       "(content unknown):\n",
		       d->ndisclosed, d->ndisclosed == 1 ? "" : "s",
		       (unsigned long long)d->disclosed_bytes,
		       d->nwithheld_files, d->nwithheld_files == 1 ? "" : "s",
		       d->nwithheld_trees, d->nwithheld_trees == 1 ? "" : "s");
		for (i = 0; i < d->count; i++) {
			cr_hex_encode(hex, d->items[i].oid, CR_SHA256_LEN);
			printf("  %-9s %s %s%s\n",
			       d->items[i].disclosed ? "disclosed" : "withheld",
			       hex, tool_name(d->items[i].path),
			       d->items[i].mode == CR_MODE_TREE ? "/" : "");
		}
	}
	if (!whole && !partial)
		err = cr_error_fail("%s: a partial disclosure of %s, not the "
				    "whole source: %zu file%s and %zu "
				    "subtree%s withheld (check it as one with "
				    "--disclosure)",
				    path, id, d->nwithheld_files,
				    d->nwithheld_files == 1 ? "" : "s",
				    d->nwithheld_trees,
				    d->nwithheld_trees == 1 ? "" : "s");
	cr_disclosure_free(d);
	return err;
}

int
cmd_source(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"attestation", required_argument, NULL, 'a'},
		{"bundle", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"strip-components", required_argument, NULL, 's'},
		{"files", required_argument, NULL, 'f'},
		{"disclosure", no_argument, NULL, 'D'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct trust t = {0};
	struct tool_source src = {0};
	struct cr_source_info info;
	struct cr_tree *tree = NULL, *listed = NULL;
	const struct cr_checked *match, *other;
	struct changes changes = {0};
	char got[CR_TREE_IDLEN + 1], want[CR_TREE_IDLEN + 1];
	const char *files = NULL;
	json_t *report = NULL, *jrecipe = NULL;
	char *rtext = NULL, rwhy[1024] = "";
	json_t *jothers = NULL;
	size_t trusted = 0, nothers = 0;
	long ndiff = -1;
	int c, rc, json = 0, err = CR_OK, bundle = 0, partial = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:k:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if ((rc = trust_add_attestation(&t, "source", optarg)))
				return rc;
			break;
		case 'b':
			if ((rc = trust_add_bundle(&t, "source", optarg)))
				return rc;
			break;
		case 'k':
			if ((rc = trust_add_key(&t, "source", optarg)))
				return rc;
			break;
		case 'f':
			if (files)
				return tool_usage("source", "--files given "
							    "twice");
			files = optarg;
			break;
		case 'D':
			partial = 1;
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
			rc = tool_source_option(&src, "source", c, optarg);
			if (rc < 0)
				return tool_usage("source", "unknown option");
			if (rc > 0)
				return rc;
			break;
		}
	}
	if ((rc = trust_check_usage(&t, "source")) != 0)
		return rc;
	if (optind < argc) {
		if (optind + 1 < argc)
			return tool_usage("source", "one PATH at a time");
		if ((rc = tool_source_set(&src, "source", "path",
					  argv[optind])))
			return rc;
	}
	if ((rc = tool_source_check(&src, "source", 1)) != 0)
		return rc;
	if (partial && strcmp(src.kind, "path") != 0)
		return tool_usage("source", "--disclosure takes a bundle PATH, "
					    "not --git");
	if (partial && files)
		return tool_usage("source",
				  "--disclosure and --files do not go "
				  "together");

	if ((err = trust_load(&t)) < 0)
		goto done;
	if (strcmp(src.kind, "path") == 0 &&
	    (err = cr_disclosure_detect(&bundle, src.path)) < 0)
		goto done;
	if (bundle) {
		if (!json && !tool_quiet)
			trust_print_rejected(&t);
		err = check_bundle(&t, src.path, json, partial);
		goto done;
	}
	if (partial) {
		err = cr_error_set("%s: not a disclosure bundle (no %s first)",
				   src.path, CR_DISCLOSURE_MANIFEST);
		goto done;
	}
	src.clean_worktree = 1;
	src.checkout_time = 1;
	if ((err = tool_source_hash(&tree, &info, &src)) < 0)
		goto done;
	tool_progress_done();
	match = find_attested(&t, tree->root, &trusted);
	other = match ? match : find_attested(&t, NULL, &trusted);
	cr_tree_format_id(got, tree->root);
	want[0] = '\0';
	if (other)
		cr_tree_format_id(want, other->st->tree);
	/* What would build this tree: the reviewer sees the recipe too. */
	if (match != NULL) {
		err = see_recipe(&jrecipe, &rtext, match, &src, tree, &info);
		if (err == CR_EFAIL)
			snprintf(rwhy, sizeof(rwhy), "%s", cr_error_last());
		else if (err < 0)
			goto done;
		err = CR_OK;
	}

	/* A file list that hashes to the attested tree names what differs. */
	if (!match && other && files) {
		if ((err = cr_manifest_load(&listed, files)) < 0)
			goto done;
		if (memcmp(listed->root, other->st->tree, CR_SHA256_LEN) != 0) {
			err = cr_error_set("%s: the file list of another tree, "
					   "not of the attested %s",
					   files, want);
			goto done;
		}
	}
	/*
	 * As verify rebuild: a trusted statement in the input of another
	 * tree (or of none) was not checked here, and exit 0 is not given
	 * on a file that vouches for what was not.
	 */
	if (match != NULL)
		nothers = other_trees(&t, tree->root, json ? &jothers : NULL);
	if (json) {
		report = json_pack(
			"{s:s, s:s, s:o, s:s, s:i, s:o}", "command", "source",
			"result", match && nothers == 0 ? "ok" : "fail", "path",
			tool_json_str(src.path), "source", got, "files",
			(int)tree->count, "attestations", trust_json(&t));
		if (want[0])
			json_object_set_new(report, "attested",
					    json_string(want));
		if (jothers != NULL) {
			json_object_set_new(report, "otherTrees", jothers);
			jothers = NULL;
		}
		if (jrecipe != NULL) {
			json_object_set_new(report, "recipe", jrecipe);
			jrecipe = NULL;
		}
		if (rwhy[0])
			json_object_set_new(report, "result",
					    json_string("fail"));
		if (listed) {
			changes.list = json_array();
			ndiff = cr_tree_compare(listed, tree, print_change,
						&changes);
			json_object_set_new(report, "changes", changes.list);
		}
		tool_json_print(report);
	} else if (!tool_quiet) {
		trust_print_rejected(&t);
		printf("%s  %s  %s (%zu files)\n",
		       match && !rwhy[0] && nothers == 0 ? "OK  " : "FAIL",
		       src.path, got, tree->count);
		if (want[0])
			printf("  attested %s [%s:%u]\n", want, other->file,
			       other->line);
		if (rtext != NULL)
			printf("%s", rtext);
		if (listed)
			ndiff = cr_tree_compare(listed, tree, print_change,
						&changes);
	} else if (listed) {
		ndiff = cr_tree_compare(listed, tree, print_change, &changes);
	}
	if (match && rwhy[0])
		err = cr_error_fail("%s", rwhy);
	if (match && nothers > 0 && !rwhy[0])
		err = cr_error_fail("%s: %zu trusted statement%s in the input "
				    "name%s another source tree; give each "
				    "check only its own",
				    src.path, nothers, nothers == 1 ? "" : "s",
				    nothers == 1 ? "s" : "");
	if (match)
		goto done;
	if (trusted == 0)
		err = cr_error_fail(
			"%s: no attestation signed by a trusted key "
			"names a source tree",
			src.path);
	else if (ndiff >= 0)
		err = cr_error_fail("%s: source tree differs from the attested "
				    "%s in %ld file%s",
				    src.path, want, ndiff,
				    ndiff == 1 ? "" : "s");
	else
		err = cr_error_fail("%s: source tree differs: it is %s, the "
				    "attestation names %s",
				    src.path, got, want);
done:
	json_decref(jothers);
	json_decref(jrecipe);
	free(rtext);
	cr_tree_free(listed);
	cr_tree_free(tree);
	trust_free(&t);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
