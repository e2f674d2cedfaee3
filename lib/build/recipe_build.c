/* The recipe on the build's side: the one to replay a statement with, and
 * the fields a new statement records. */
#include "recipe_build.h"
#include "error.h"

int
cr_recipe_for_replay(struct cr_recipe **out, struct cr_recipe **shown,
		     const struct cr_statement *st,
		     const struct cr_build_source *src, int trust,
		     const char *name)
{
	struct cr_recipe *recorded = NULL, *tree = NULL;
	char **tools;
	int err;

	*out = NULL;
	*shown = NULL;
	if ((err = cr_recipe_from_statement(&recorded, st, name)) < 0)
		return err;
	if (!recorded->from_tree) {
		*shown = recorded;
		if (!trust)
			return cr_error_set("%s: the recipe is not part of the "
					    "reviewed source (it was given "
					    "on the command line, not in "
					    "%s); read it and give "
					    "--trust-recipe to replay it",
					    name, CR_RECIPE_FILE);
		if ((err = cr_recipe_check_time(recorded, src->info, name)) < 0)
			return err;
		/* A second copy: the caller frees out and shown apart. */
		return cr_recipe_from_statement(out, st, name);
	}
	*shown = recorded;
	if ((err = cr_recipe_check_time(recorded, src->info, name)) < 0)
		return err;
	if ((err = cr_recipe_from_tree(&tree, src)) < 0)
		return err;
	if (tree == NULL)
		return cr_error_fail("%s: the statement says its recipe is "
				     "the tree's %s, but the reviewed tree "
				     "has none",
				     name, CR_RECIPE_FILE);
	if ((err = cr_recipe_compare(recorded, tree, name)) < 0) {
		cr_recipe_free(tree);
		return err;
	}
	/* The tree's recipe; the statement's time and settings. */
	tree->source_date_epoch = recorded->source_date_epoch;
	tree->normalize = recorded->normalize;
	tools = tree->tools;
	tree->tools = recorded->tools;
	recorded->tools = tools; /* freed with *shown */
	*out = tree;
	return CR_OK;
}

void
cr_recipe_to_statement(struct cr_external *e, const struct cr_recipe *r)
{
	e->command = r->command;
	e->artifacts = r->artifacts;
	e->env = r->env;
	e->tools = r->tools;
	e->recipe_source = r->from_tree ? CR_RECIPE_FILE : "command-line";
	e->recipe_sha256 = r->from_tree ? r->file_sha256 : NULL;
}
