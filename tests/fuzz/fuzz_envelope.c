/*
 * libFuzzer harness for the DSSE envelope parser: whatever parses must
 * serialise, and the serialisation must parse back to the same envelope.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsse.h"
#include "dsse_write.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
same(const struct cr_dsse *a, const struct cr_dsse *b)
{
	size_t i;

	if (strcmp(a->payload_type, b->payload_type) != 0 ||
	    a->payload_len != b->payload_len ||
	    memcmp(a->payload, b->payload, a->payload_len) != 0 ||
	    a->nsigs != b->nsigs)
		abort();
	for (i = 0; i < a->nsigs; i++) {
		if (a->sigs[i].siglen != b->sigs[i].siglen ||
		    memcmp(a->sigs[i].sig, b->sigs[i].sig, a->sigs[i].siglen) !=
			    0)
			abort();
		if ((a->sigs[i].keyid == NULL) != (b->sigs[i].keyid == NULL))
			abort();
		if (a->sigs[i].keyid != NULL &&
		    strcmp(a->sigs[i].keyid, b->sigs[i].keyid) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_dsse *env = NULL, *back = NULL;
	unsigned char *pae = NULL;
	char *json = NULL;
	size_t len, paelen;

	if (cr_dsse_parse(&env, (const char *)data, size, "fuzz", 1) < 0) {
		/* Every refusal says why. */
		if (cr_error_last()[0] == '\0')
			abort();
		cr_error_clear();
		return 0;
	}
	if (cr_dsse_serialize(&json, &len, env) < 0 ||
	    memchr(json, '\n', len) != NULL ||
	    cr_dsse_parse(&back, json, len, "reparse", 1) < 0)
		abort();
	same(env, back);
	if (cr_dsse_pae(&pae, &paelen, env->payload_type, env->payload,
			env->payload_len) < 0 ||
	    paelen < env->payload_len)
		abort();
	free(pae);
	free(json);
	cr_dsse_free(back);
	cr_dsse_free(env);
	return 0;
}
