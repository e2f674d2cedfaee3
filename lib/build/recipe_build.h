/* The recipe on the build's side: the one to replay a statement with, and
 * the fields a new statement records. */
#ifndef CR_RECIPE_BUILD_H
#define CR_RECIPE_BUILD_H

#include "recipe.h"
#include "statement.h"

/*
 * The recipe to replay the statement st (name for messages) on the source
 * src: when the statement says its recipe is the tree's cleanroom.json,
 * that file is read from src (CR_EFAIL when it is missing or differs from
 * what the statement recorded) and the statement's command is never used;
 * a recipe from the command line is refused (CR_ERROR, "the recipe is not
 * part of the reviewed source") unless trust is set. *shown gets the
 * recorded recipe either way, when it could be read (for the caller to
 * show in full); the caller frees both.
 */
int cr_recipe_for_replay(struct cr_recipe **out, struct cr_recipe **shown,
			 const struct cr_statement *st,
			 const struct cr_build_source *src, int trust,
			 const char *name);

/*
 * Fills the recipe fields of a statement's externalParameters (command,
 * artifacts, env, tools, and where the recipe came from) from r; e borrows
 * r's lists, so r must outlive e's encoding. Never fails.
 */
void cr_recipe_to_statement(struct cr_external *e, const struct cr_recipe *r);

#endif
