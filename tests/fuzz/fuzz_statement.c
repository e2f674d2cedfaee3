/*
 * libFuzzer harness for the statement parser and the recipe reader: a
 * statement that parses has subjects with digests, and a recipe read from
 * it has a command; every refusal sets a message.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "build.h"
#include "error.h"
#include "statement.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_statement *st = NULL;
	struct cr_recipe *r = NULL;

	if (size > (1u << 20))
		return 0;
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
