/*
 * libFuzzer harness for the statement parser and the recipe readers: a
 * statement that parses has subjects with digests, and a recipe read from
 * it (or from the bytes as a cleanroom.json) has a command and can be
 * described; every refusal sets a message. Its typed provenance encodes,
 * and what that encoding decodes to encodes to the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"
#include "error.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The decoded provenance encodes (the subjects are checked again), and the
 * encoding decodes to a provenance that encodes to the same bytes: the
 * codec keeps every typed field. (The first encoding may differ from the
 * input: fields the codec does not model are left out.)
 */
static void
reencode(const struct cr_statement *st)
{
	struct cr_statement *again = NULL;
	char *a = NULL, *b = NULL;
	size_t alen, blen;

	cr_error_clear();
	if (cr_statement_encode(&a, &alen, &st->prov) < 0) {
		if (*cr_error_last() == '\0')
			abort();
		return;
	}
	if (cr_statement_parse(&again, (const unsigned char *)a, alen,
			       "again") < 0 ||
	    cr_statement_encode(&b, &blen, &again->prov) < 0 || blen != alen ||
	    memcmp(a, b, alen) != 0)
		abort();
	cr_statement_free(again);
	free(a);
	free(b);
}

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
	reencode(st);
	cr_statement_free(st);
	return 0;
}
