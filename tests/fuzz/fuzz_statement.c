/*
 * libFuzzer harness for the statement parser and the recipe readers: a
 * statement that parses has subjects with digests, and a recipe read from
 * it (or from the bytes as a cleanroom.json) has a command and can be
 * described; every refusal sets a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"
#include "error.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_statement *st = NULL;
	struct cr_recipe *r = NULL;

	char why[200], *text;
	json_t *j;

	if (size > (1u << 20))
		return 0;
	cr_error_clear();
	if (cr_statement_peek(data, size, "fuzz", why, sizeof(why)) ==
		    CR_ERROR &&
	    *cr_error_last() == '\0')
		abort();
	cr_error_clear();
	if (cr_recipe_parse_file(&r, data, size, "fuzz") == CR_OK) {
		if (r->command == NULL || r->command[0] == NULL ||
		    r->artifacts == NULL || r->artifacts[0] == NULL ||
		    r->env == NULL || cr_recipe_check_env(r->env, "f") < 0 ||
		    (text = cr_recipe_describe(r)) == NULL ||
		    (j = cr_recipe_json(r)) == NULL)
			abort();
		free(text);
		json_decref(j);
		cr_recipe_free(r);
		r = NULL;
	} else if (*cr_error_last() == '\0') {
		abort();
	}
	cr_error_clear();
	if (cr_statement_parse(&st, data, size, "fuzz") < 0) {
		if (*cr_error_last() == '\0')
			abort();
		return 0;
	}
	if (st->nsubjects == 0)
		abort();
	if (cr_recipe_from_statement(&r, st, "fuzz") == CR_OK) {
		if (r->command == NULL || r->command[0] == NULL ||
		    r->artifacts == NULL || r->env == NULL)
			abort();
		cr_recipe_free(r);
	} else if (*cr_error_last() == '\0') {
		abort();
	}
	cr_statement_free(st);
	return 0;
}
