/*
 * libFuzzer harness for the Sigstore bundle reader: whatever parses and
 * has one signature with a key id must serialise as a bundle, and that
 * bundle must parse back to the same envelope.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "dsse_write.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_dsse *a = NULL, *b = NULL;
	char *text = NULL;
	size_t len;

	if (cr_bundle_parse(&a, (const char *)data, size, "fuzz") < 0)
		goto done;
	if (a->nsigs != 1 || a->sigs[0].keyid == NULL)
		goto done;
	if (cr_bundle_serialize(&text, &len, a) < 0 ||
	    cr_bundle_parse(&b, text, len, "again") < 0)
		abort();
	if (strcmp(a->payload_type, b->payload_type) != 0 ||
	    a->payload_len != b->payload_len ||
	    memcmp(a->payload, b->payload, a->payload_len) != 0 ||
	    b->nsigs != 1 || a->sigs[0].siglen != b->sigs[0].siglen ||
	    memcmp(a->sigs[0].sig, b->sigs[0].sig, a->sigs[0].siglen) != 0 ||
	    strcmp(a->sigs[0].keyid, b->sigs[0].keyid) != 0)
		abort();
done:
	free(text);
	cr_dsse_free(a);
	cr_dsse_free(b);
	cr_error_clear();
	return 0;
}
