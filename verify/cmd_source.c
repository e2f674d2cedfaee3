/* verify source: is this the source tree the attestation names? */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"
#include "cmds.h"
#include "disclose.h"
#include "manifest.h"
#include "opts.h"
#include "source.h"
#include "tool.h"
#include "tree.h"
#include "trust.h"
#include "util.h"

static const struct tool_opt options[] = {
	TRUST_OPT_ATTESTATION(TRUST_OPT_DSSE),
	TRUST_OPT_BUNDLE,
	TRUST_OPT_KEY,
	{"git", 0, "REPO", "check the committed tree of REPO", 'G'},
	{"rev", 0, "REV", "the revision with --git (default HEAD)", 'r'},
	{"strip-components", 0, "N",
	 "drop N leading path parts of archive members", 's'},
	{"files", 0, "LIST",
	 "the attested tree's file list ('attest hash\n"
	 "--list --json' of it): checked against the\n"
	 "attested tree hash, then used to name each file\n"
	 "that differs",
	 'f'},
	{"disclosure", 0, NULL,
	 "PATH is a disclosure bundle that may withhold\n"
	 "files: exit 0 when every disclosed file is in\n"
	 "the attested tree",
	 'D'},
	TOOL_OPT_JSON_ENTRY("print a machine-readable report"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"source",
	"verify source -a ATTESTATION -k PUB [--files LIST] "
	"[--strip-components N]\n"
	"              [--disclosure] [--json] [-q]\n"
	"              (PATH | --git REPO [--rev REV])",
	"Checks that the source tree at PATH (a directory, .git excluded, or "
	"a\n"
	"source archive) or the committed tree of REPO has exactly the "
	"source\n"
	"tree hash that a trusted attestation names. PATH may also be a\n"
	"disclosure bundle ('attest disclose'): its files and tree objects "
	"must\n"
	"hash up to the attested tree; what was disclosed and what was "
	"withheld\n"
	"is listed. A bundle that withholds anything is not the attested "
	"source\n"
	"(exit 1) unless --disclosure is given.\n"
	"The recipe the tree is built with is shown: the tree's\n"
	"cleanroom.json when the statement says so (it fails if the "
	"statement\n"
	"recorded another), or the statement's, marked as not reviewed.",
	options,
	"Exit status: 0 the source matches, 1 it does not, 2 no answer.",
	0,
};

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

/* A file that differs from the attested file list. */
struct change {
	const char *name; /* added, removed, modified... */
	const char *path; /* in the tree compared, which outlives it */
};

/* The files that differ, as the tree comparison finds them. */
struct changes {
	struct change *list;
	size_t n, cap;
};

static int
add_change(void *ctx, enum cr_change change, const struct cr_tree_entry *ea,
	   const struct cr_tree_entry *eb)
{
	struct changes *c = ctx;
	struct change *ch;

	if ((ch = tool_append(&c->list, &c->n, &c->cap, sizeof(*ch))) == NULL)
		return cr_error_set("out of memory");
	ch->name = cr_change_name(change);
	ch->path = ea ? ea->path : eb->path;
	return 0;
}

/*
 * verify source on a disclosure bundle: read and hashed once against every
 * attested tree, into *out, *att the statement of the tree it holds.
 */
static int
check_bundle(struct cr_disclosure **out, const struct cr_checked **att,
	     const struct trust *t, const char *path)
{
	const struct cr_checked *ck = NULL;
	unsigned char(*roots)[CR_SHA256_LEN];
	size_t trusted, i, n;
	int err;

	if ((ck = find_attested(t, NULL, &trusted)) == NULL)
		return cr_error_fail("%s: no attestation signed by a trusted "
				     "key names a source tree",
				     path);
	if ((roots = calloc(trusted, sizeof(*roots))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0, n = 0; i < t->set.count; i++)
		if (t->set.items[i].status == CR_OK &&
		    t->set.items[i].st->has_tree)
			memcpy(roots[n++], t->set.items[i].st->tree,
			       CR_SHA256_LEN);
	err = cr_disclosure_check_roots(
		out, path, (const unsigned char(*)[CR_SHA256_LEN])roots, n);
	free(roots);
	if (err < 0)
		return err;
	for (i = 0; i < t->set.count; i++) {
		ck = &t->set.items[i];
		if (ck->status == CR_OK && ck->st->has_tree &&
		    memcmp(ck->st->tree, (*out)->root, CR_SHA256_LEN) == 0)
			break;
	}
	*att = ck;
	return CR_OK;
}

/* The bundle's report as one JSON object. */
static void
bundle_json(const struct cr_disclosure *d, const char *path, int partial)
{
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	int whole = CR_DISCLOSURE_COMPLETE(d);
	json_t *items = json_array();
	size_t i;

	cr_tree_format_id(id, d->root);
	for (i = 0; i < d->count; i++) {
		cr_hex_encode(hex, d->items[i].oid, CR_SHA256_LEN);
		json_array_append_new(
			items,
			json_pack("{s:o, s:s, s:s}", "path",
				  tool_json_str(d->items[i].path),
				  d->items[i].mode == CR_MODE_TREE ? "tree"
								   : "blob",
				  hex, "state",
				  d->items[i].disclosed ? "disclosed"
							: "withheld"));
	}
	tool_json_print(json_pack(
		"{s:s, s:s, s:o, s:s, s:b, s:i, s:I, s:i, s:i, s:o}", "command",
		"source", "result", whole || partial ? "ok" : "fail", "path",
		tool_json_str(path), "source", id, "complete", whole,
		"disclosed", (int)d->ndisclosed, "disclosedBytes",
		(json_int_t)d->disclosed_bytes, "withheldFiles",
		(int)d->nwithheld_files, "withheldSubtrees",
		(int)d->nwithheld_trees, "entries", items));
}

/* The bundle's report as text: what is disclosed, what withheld. */
static void
bundle_text(const struct cr_disclosure *d, const struct cr_checked *ck,
	    const char *path, int partial)
{
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	int whole = CR_DISCLOSURE_COMPLETE(d);
	size_t i;

	cr_tree_format_id(id, d->root);
	printf("%s  %s  %s of %s [%s:%u]\n", whole || partial ? "OK  " : "FAIL",
	       tool_name(path),
	       whole ? "complete disclosure" : "partial disclosure", id,
	       tool_name(ck->file), ck->line);
	printf("  disclosed %zu file%s (%llu bytes); withheld %zu "
	       "file%s (names and hashes only) and %zu subtree%s "
	       "(content unknown):\n",
	       d->ndisclosed, d->ndisclosed == 1 ? "" : "s",
	       (unsigned long long)d->disclosed_bytes, d->nwithheld_files,
	       d->nwithheld_files == 1 ? "" : "s", d->nwithheld_trees,
	       d->nwithheld_trees == 1 ? "" : "s");
	for (i = 0; i < d->count; i++) {
		cr_hex_encode(hex, d->items[i].oid, CR_SHA256_LEN);
		printf("  %-9s %s %s%s\n",
		       d->items[i].disclosed ? "disclosed" : "withheld", hex,
		       tool_name(d->items[i].path),
		       d->items[i].mode == CR_MODE_TREE ? "/" : "");
	}
}

/*
 * Whether the bundle is the attested source: with --disclosure (partial)
 * when every disclosed file is in the attested tree; without it, only a
 * bundle that withholds nothing.
 */
static int
bundle_verdict(const struct cr_disclosure *d, const char *path, int partial)
{
	char id[CR_TREE_IDLEN + 1];

	if (CR_DISCLOSURE_COMPLETE(d) || partial)
		return CR_OK;
	cr_tree_format_id(id, d->root);
	return cr_error_fail("%s: a partial disclosure of %s, not the "
			     "whole source: %zu file%s and %zu "
			     "subtree%s withheld (check it as one with "
			     "--disclosure)",
			     path, id, d->nwithheld_files,
			     d->nwithheld_files == 1 ? "" : "s",
			     d->nwithheld_trees,
			     d->nwithheld_trees == 1 ? "" : "s");
}

/* What the command line asks. */
struct source_opts {
	struct trust t;
	struct tool_source src;
	const char *files;
	int json, partial;
};

/* What the check found, for the report. */
struct source_result {
	struct cr_source_info info;
	struct cr_tree *tree, *listed;
	const struct cr_checked *match, *other;
	char got[CR_TREE_IDLEN + 1], want[CR_TREE_IDLEN + 1];
	json_t *jrecipe, *jothers;
	char *rtext, rwhy[1024];
	size_t trusted, nothers;
	int bundle;
	struct changes changes;	       /* with --files: what differs */
	long ndiff;		       /* how many differ; -1 without --files */
	struct cr_disclosure *d;       /* the bundle checked */
	const struct cr_checked *datt; /* the statement of its tree */
};

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct source_opts *o = ctx;
	int rc;

	if (id == 'f')
		return tool_getopt_once(&command, &o->files, arg, "--files");
	if (id == 'D') {
		o->partial = 1;
		return 0;
	}
	if ((rc = trust_option(&o->t, "source", id, arg)) >= 0)
		return rc;
	return tool_source_option(&o->src, "source", id, arg);
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct source_opts *o, int argc, char **argv)
{
	int rc;

	if ((rc = tool_getopt_operands(&command, &argc, &argv, parse_option, o,
				       &o->json)) != TOOL_PARSED)
		return rc;
	if ((rc = trust_check_usage(&o->t, "source")) != 0)
		return rc;
	if (argc > 0) {
		if (argc > 1)
			return tool_usage("source", "one PATH at a time");
		if ((rc = tool_source_set(&o->src, "source", "path", argv[0])))
			return rc;
	}
	if ((rc = tool_source_check(&o->src, "source", 1)) != 0)
		return rc;
	if (o->partial && strcmp(o->src.kind, "path") != 0)
		return tool_usage("source", "--disclosure takes a bundle PATH, "
					    "not --git");
	if (o->partial && o->files)
		return tool_usage("source",
				  "--disclosure and --files do not go "
				  "together");
	return TOOL_PARSED;
}

/*
 * Hashes the source and finds the trusted statement of its tree, else the
 * one it should have been, with the recipe and the file list; prints only
 * progress. A disclosure bundle is checked against every attested tree.
 */
static int
run(struct source_result *r, struct source_opts *o)
{
	int err;

	if ((err = trust_load(&o->t)) < 0)
		return err;
	if (strcmp(o->src.kind, "path") == 0 &&
	    (err = cr_disclosure_detect(&r->bundle, o->src.path)) < 0)
		return err;
	if (r->bundle)
		return check_bundle(&r->d, &r->datt, &o->t, o->src.path);
	if (o->partial)
		return cr_error_set("%s: not a disclosure bundle (no %s first)",
				    o->src.path, CR_DISCLOSURE_MANIFEST);
	o->src.clean_worktree = 1;
	o->src.checkout_time = 1;
	if ((err = tool_source_hash(&r->tree, &r->info, &o->src)) < 0)
		return err;
	tool_progress_done();
	r->match = find_attested(&o->t, r->tree->root, &r->trusted);
	r->other =
		r->match ? r->match : find_attested(&o->t, NULL, &r->trusted);
	cr_tree_format_id(r->got, r->tree->root);
	if (r->other)
		cr_tree_format_id(r->want, r->other->st->tree);
	/* What would build this tree: the reviewer sees the recipe too. */
	if (r->match != NULL) {
		err = see_recipe(&r->jrecipe, &r->rtext, r->match, &o->src,
				 r->tree, &r->info);
		if (err == CR_EFAIL)
			snprintf(r->rwhy, sizeof(r->rwhy), "%s",
				 cr_error_last());
		else if (err < 0)
			return err;
	}
	/* A file list that hashes to the attested tree names what differs. */
	if (!r->match && r->other && o->files) {
		if ((err = cr_manifest_load(&r->listed, o->files)) < 0)
			return err;
		if (memcmp(r->listed->root, r->other->st->tree,
			   CR_SHA256_LEN) != 0)
			return cr_error_set("%s: the file list of another "
					    "tree, not of the attested %s",
					    o->files, r->want);
		if ((r->ndiff = cr_tree_compare(r->listed, r->tree, add_change,
						&r->changes)) < 0)
			return CR_ERROR;
	}
	/*
	 * As verify rebuild: a trusted statement in the input of another
	 * tree (or of none) was not checked here, and exit 0 is not given
	 * on a file that vouches for what was not.
	 */
	if (r->match != NULL)
		r->nothers = other_trees(&o->t, r->tree->root,
					 o->json ? &r->jothers : NULL);
	return CR_OK;
}

/* The report as one JSON object. */
static void
report_json(const struct source_opts *o, struct source_result *r)
{
	json_t *report, *changes;
	size_t i;

	report = json_pack(
		"{s:s, s:s, s:o, s:s, s:i, s:o}", "command", "source", "result",
		r->match && r->nothers == 0 ? "ok" : "fail", "path",
		tool_json_str(o->src.path), "source", r->got, "files",
		(int)r->tree->count, "attestations", trust_json(&o->t));
	if (r->want[0])
		json_object_set_new(report, "attested", json_string(r->want));
	if (r->jothers != NULL) {
		json_object_set_new(report, "otherTrees", r->jothers);
		r->jothers = NULL;
	}
	if (r->jrecipe != NULL) {
		json_object_set_new(report, "recipe", r->jrecipe);
		r->jrecipe = NULL;
	}
	if (r->rwhy[0])
		json_object_set_new(report, "result", json_string("fail"));
	if (r->listed) {
		changes = json_array();
		for (i = 0; changes != NULL && i < r->changes.n; i++)
			json_array_append_new(
				changes,
				json_pack(
					"{s:o, s:s}", "path",
					tool_json_str(r->changes.list[i].path),
					"change", r->changes.list[i].name));
		json_object_set_new(report, "changes", changes);
	}
	tool_json_print(report);
}

/* The report as text (-q: nothing). */
static void
report_text(const struct source_opts *o, const struct source_result *r)
{
	size_t i;

	if (!tool_quiet) {
		trust_print_rejected(&o->t);
		printf("%s  %s  %s (%zu files)\n",
		       r->match && !r->rwhy[0] && r->nothers == 0 ? "OK  "
								  : "FAIL",
		       o->src.path, r->got, r->tree->count);
		if (r->want[0])
			printf("  attested %s [%s:%u]\n", r->want,
			       r->other->file, r->other->line);
		if (r->rtext != NULL)
			printf("%s", r->rtext);
	}
	for (i = 0; r->listed && !tool_quiet && i < r->changes.n; i++)
		printf("  %-12s %s\n", r->changes.list[i].name,
		       tool_name(r->changes.list[i].path));
}

/* Whether the source is the attested one: a core status. */
static int
verdict(const struct source_opts *o, const struct source_result *r)
{
	long ndiff = r->ndiff;
	const char *path = o->src.path;

	if (r->match && r->rwhy[0])
		return cr_error_fail("%s", r->rwhy);
	if (r->match && r->nothers > 0)
		return cr_error_fail("%s: %zu trusted statement%s in the "
				     "input name%s another source tree; give "
				     "each check only its own",
				     path, r->nothers,
				     r->nothers == 1 ? "" : "s",
				     r->nothers == 1 ? "s" : "");
	if (r->match)
		return CR_OK;
	if (r->trusted == 0)
		return cr_error_fail("%s: no attestation signed by a trusted "
				     "key names a source tree",
				     path);
	if (ndiff >= 0)
		return cr_error_fail("%s: source tree differs from the "
				     "attested %s in %ld file%s",
				     path, r->want, ndiff,
				     ndiff == 1 ? "" : "s");
	return cr_error_fail("%s: source tree differs: it is %s, the "
			     "attestation names %s",
			     path, r->got, r->want);
}

int
cmd_source(int argc, char **argv)
{
	struct source_opts o = {0};
	struct source_result r = {.ndiff = -1};
	int rc, err;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED) {
		trust_free(&o.t);
		return rc;
	}
	err = run(&r, &o);
	if (r.bundle && !o.json && !tool_quiet)
		trust_print_rejected(&o.t);
	if (r.bundle && err == CR_OK) {
		if (o.json)
			bundle_json(r.d, o.src.path, o.partial);
		else if (!tool_quiet)
			bundle_text(r.d, r.datt, o.src.path, o.partial);
		err = bundle_verdict(r.d, o.src.path, o.partial);
	} else if (err == CR_OK) {
		if (o.json)
			report_json(&o, &r);
		else
			report_text(&o, &r);
		err = verdict(&o, &r);
	}
	json_decref(r.jothers);
	json_decref(r.jrecipe);
	free(r.rtext);
	cr_disclosure_free(r.d);
	free(r.changes.list);
	cr_tree_free(r.listed);
	cr_tree_free(r.tree);
	trust_free(&o.t);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
