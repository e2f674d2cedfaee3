/* Signed notes, the writer's side: a key's vkey line, checkpoint text. */
#include "note_format.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cr_note_vkey_format(char **out, const char *name, unsigned char type,
		    const unsigned char raw[32])
{
	unsigned char key[33];
	char *b64 = NULL;
	uint32_t id;
	int err;

	*out = NULL;
	if (!cr_note_name_valid(name))
		return cr_error_set("'%s': not a valid key name (non-empty, no "
				    "spaces, no '+')",
				    name);
	key[0] = type;
	memcpy(key + 1, raw, 32);
	if ((err = cr_note_keyid(&id, name, type, raw)) < 0 ||
	    (err = cr_base64_encode(&b64, key, sizeof(key))) < 0)
		return err;
	if (asprintf(out, "%s+%08x+%s", name, id, b64) < 0) {
		*out = NULL;
		err = cr_error_set("vkey: out of memory");
	}
	free(b64);
	return err;
}

int
cr_checkpoint_format(char **out, size_t *len, const struct cr_checkpoint *c)
{
	char *b64 = NULL;
	int n, err;

	*out = NULL;
	if ((err = cr_base64_encode(&b64, c->root, CR_MERKLE_HASH_LEN)) < 0)
		return err;
	n = asprintf(out, "%s\n%llu\n%s\n", c->origin,
		     (unsigned long long)c->size, b64);
	free(b64);
	if (n < 0) {
		*out = NULL;
		return cr_error_set("checkpoint: out of memory");
	}
	*len = (size_t)n;
	return CR_OK;
}
