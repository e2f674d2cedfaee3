/* Signing DSSE envelopes; linked into attest only. */
#include "dsse_sign.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>

int
cr_dsse_sign(struct cr_dsse *env, const struct cr_privkey *key)
{
	struct cr_dsse_sig *tmp;
	unsigned char *pae = NULL, *sig = NULL;
	char *keyid = NULL;
	size_t paelen, siglen;
	int err;

	if (env->nsigs >= CR_DSSE_MAX_SIGS)
		return cr_error_set("envelope: already has %u signatures",
				    CR_DSSE_MAX_SIGS);
	if ((err = cr_dsse_pae(&pae, &paelen, env->payload_type, env->payload,
			       env->payload_len)) < 0)
		goto done;
	if ((err = cr_privkey_sign(&sig, &siglen, key, pae, paelen)) < 0)
		goto done;
	err = CR_ERROR;
	if ((keyid = strdup(key->keyid)) == NULL ||
	    (tmp = realloc(env->sigs, (env->nsigs + 1) * sizeof(*tmp))) ==
		    NULL) {
		cr_error_set("envelope: out of memory");
		goto done;
	}
	env->sigs = tmp;
	env->sigs[env->nsigs].keyid = keyid;
	env->sigs[env->nsigs].sig = sig;
	env->sigs[env->nsigs].siglen = siglen;
	env->nsigs++;
	keyid = NULL;
	sig = NULL;
	/* The bytes it was read from no longer describe it. */
	free(env->raw);
	env->raw = NULL;
	env->raw_len = 0;
	err = CR_OK;
done:
	free(keyid);
	free(sig);
	free(pae);
	return err;
}
