/* Writing envelopes: a new DSSE envelope, its JSON line, and the Sigstore
 * bundle that holds it. */
#include "dsse_write.h"
#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

int
cr_dsse_new(struct cr_dsse **out, const char *payload_type,
	    const unsigned char *payload, size_t len)
{
	struct cr_dsse *env;

	*out = NULL;
	if ((env = calloc(1, sizeof(*env))) == NULL ||
	    (env->payload_type = strdup(payload_type)) == NULL ||
	    (env->payload = malloc(len ? len : 1)) == NULL) {
		cr_dsse_free(env);
		return cr_error_set("envelope: out of memory");
	}
	if (len > 0)
		memcpy(env->payload, payload, len);
	env->payload_len = len;
	*out = env;
	return CR_OK;
}

int
cr_dsse_serialize(char **out, size_t *len, const struct cr_dsse *env)
{
	json_t *root = NULL, *sigs = NULL, *s;
	char *b64 = NULL, *text = NULL;
	size_t i;
	int err = CR_ERROR;

	*out = NULL;
	*len = 0;
	if ((root = json_object()) == NULL || (sigs = json_array()) == NULL)
		goto oom;
	if (cr_base64_encode(&b64, env->payload, env->payload_len) < 0)
		goto done;
	if (json_object_set_new(root, "payload", json_string(b64)) < 0)
		goto oom;
	free(b64);
	b64 = NULL;
	if (json_object_set_new(root, "payloadType",
				json_string(env->payload_type)) < 0) {
		cr_error_set("envelope: payloadType is not valid UTF-8");
		goto done;
	}
	for (i = 0; i < env->nsigs; i++) {
		if ((s = json_object()) == NULL ||
		    json_array_append_new(sigs, s) < 0)
			goto oom;
		if (env->sigs[i].keyid != NULL &&
		    json_object_set_new(s, "keyid",
					json_string(env->sigs[i].keyid)) < 0) {
			cr_error_set("envelope: keyid is not valid UTF-8");
			goto done;
		}
		if (cr_base64_encode(&b64, env->sigs[i].sig,
				     env->sigs[i].siglen) < 0)
			goto done;
		if (json_object_set_new(s, "sig", json_string(b64)) < 0)
			goto oom;
		free(b64);
		b64 = NULL;
	}
	if (json_object_set(root, "signatures", sigs) < 0)
		goto oom;
	if ((text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto oom;
	*len = strlen(text);
	*out = text;
	err = CR_OK;
	goto done;
oom:
	cr_error_set("envelope: out of memory");
done:
	free(b64);
	json_decref(sigs);
	json_decref(root);
	return err;
}

int
cr_bundle_serialize(char **out, size_t *len, const struct cr_dsse *env)
{
	json_t *b = NULL, *e = NULL;
	json_error_t jerr;
	char *line = NULL, *text = NULL;
	size_t llen;
	int err;

	*out = NULL;
	*len = 0;
	if (env->nsigs != 1 || env->sigs[0].keyid == NULL)
		return cr_error_set("bundle: a Sigstore bundle holds one "
				    "signature with its key id");
	if ((err = cr_dsse_serialize(&line, &llen, env)) < 0)
		return err;
	if ((e = json_loadb(line, llen, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		err = cr_error_set("bundle: envelope: %s", jerr.text);
		goto done;
	}
	b = json_pack("{s:s, s:{s:{s:s}, s:[]}, s:O}", "mediaType",
		      CR_BUNDLE_MEDIA_TYPE, "verificationMaterial", "publicKey",
		      "hint", env->sigs[0].keyid, "tlogEntries", "dsseEnvelope",
		      e);
	if (b == NULL || (text = json_dumps(b, JSON_INDENT(2))) == NULL) {
		err = cr_error_set("bundle: out of memory");
		goto done;
	}
	llen = strlen(text);
	if ((*out = realloc(text, llen + 2)) == NULL) {
		err = cr_error_set("bundle: out of memory");
		goto done;
	}
	text = NULL;
	(*out)[llen] = '\n';
	(*out)[llen + 1] = '\0';
	*len = llen + 1;
	err = CR_OK;
done:
	free(text);
	free(line);
	json_decref(e);
	json_decref(b);
	return err;
}
