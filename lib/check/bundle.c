/* Sigstore bundles v0.3: a DSSE envelope with a public-key hint, read. */
#include "bundle.h"
#include "error.h"
#include "json_keys.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Refuses a field of obj that is not among the NULL-terminated names. */
static int
only_fields(json_t *obj, const char *const *names, const char *path,
	    const char *what)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach(obj, k, v)
	{
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(k, names[i]) == 0)
				break;
		if (names[i] == NULL)
			return cr_error_set("%s: %s has an unknown field "
					    "'%.64s'",
					    path, what, k);
	}
	return CR_OK;
}

int
cr_bundle_read(struct cr_dsse **out, const char *path)
{
	char *buf = NULL;
	size_t len;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&buf, &len, path, CR_DSSE_FILE_MAX)) < 0)
		return err;
	err = cr_bundle_parse(out, buf, len, path);
	free(buf);
	return err;
}

int
cr_bundle_parse(struct cr_dsse **out, const char *buf, size_t len,
		const char *path)
{
	static const char *const top[] = {"mediaType", "verificationMaterial",
					  "dsseEnvelope", "messageSignature",
					  NULL};
	static const char *const pk_fields[] = {"hint", NULL};
	static const char *const vm_fields[] = {
		"publicKey",   "x509CertificateChain",	    "certificate",
		"tlogEntries", "timestampVerificationData", NULL};
	struct cr_dsse *env = NULL;
	json_t *root = NULL, *vm, *pk, *de, *t;
	json_error_t jerr;
	const char *mt, *hint;
	char *text = NULL;
	size_t i;
	int err = CR_ERROR;

	*out = NULL;
	if (len > CR_DSSE_FILE_MAX)
		return cr_error_set("%s: larger than %u MiB", path,
				    CR_DSSE_FILE_MAX >> 20);
	if ((root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr)) ==
	    NULL) {
		cr_error_set("%s: not a Sigstore bundle: line %d: %s", path,
			     jerr.line, jerr.text);
		goto done;
	}
	/* Keys one reader folds into one (Go, protobuf's JSON) are refused. */
	if ((err = cr_json_keys_check(root, path)) < 0)
		goto done;
	err = CR_ERROR;
	mt = json_string_value(json_object_get(root, "mediaType"));
	if (!json_is_object(root) || mt == NULL) {
		cr_error_set("%s: not a Sigstore bundle (no mediaType)", path);
		goto done;
	}
	if (strcmp(mt, CR_BUNDLE_MEDIA_TYPE) != 0 &&
	    strcmp(mt, CR_BUNDLE_MEDIA_TYPE_ALT) != 0) {
		cr_error_set("%s: mediaType '%.100s' is not a Sigstore bundle "
			     "v0.3 (%s)",
			     path, mt, CR_BUNDLE_MEDIA_TYPE);
		goto done;
	}
	if ((err = only_fields(root, top, path, "the bundle")) < 0)
		goto done;
	err = CR_ERROR;
	de = json_object_get(root, "dsseEnvelope");
	if (!json_is_object(de)) {
		cr_error_set("%s: the bundle holds no dsseEnvelope (a "
			     "messageSignature signs no statement)",
			     path);
		goto done;
	}
	if (json_object_get(root, "messageSignature") != NULL) {
		cr_error_set("%s: the bundle holds both a dsseEnvelope and a "
			     "messageSignature",
			     path);
		goto done;
	}
	vm = json_object_get(root, "verificationMaterial");
	if (!json_is_object(vm)) {
		cr_error_set("%s: the bundle has no verificationMaterial",
			     path);
		goto done;
	}
	if ((err = only_fields(vm, vm_fields, path, "verificationMaterial")) <
	    0)
		goto done;
	err = CR_ERROR;
	if (json_object_get(vm, "certificate") != NULL ||
	    json_object_get(vm, "x509CertificateChain") != NULL) {
		cr_error_set("%s: the bundle is signed with a certificate "
			     "(keyless); verify checks public keys given with "
			     "-k",
			     path);
		goto done;
	}
	if ((t = json_object_get(vm, "tlogEntries")) != NULL &&
	    !json_is_array(t)) {
		cr_error_set("%s: verificationMaterial.tlogEntries is not an "
			     "array",
			     path);
		goto done;
	}
	if ((t = json_object_get(vm, "timestampVerificationData")) != NULL &&
	    !json_is_object(t)) {
		cr_error_set(
			"%s: verificationMaterial.timestampVerificationData "
			"is not an object",
			path);
		goto done;
	}
	pk = json_object_get(vm, "publicKey");
	hint = json_string_value(json_object_get(pk, "hint"));
	if (!json_is_object(pk) || hint == NULL || hint[0] == '\0') {
		cr_error_set("%s: verificationMaterial.publicKey is not a "
			     "key hint (a non-empty string)",
			     path);
		goto done;
	}
	if ((err = only_fields(pk, pk_fields, path,
			       "verificationMaterial.publicKey")) < 0)
		goto done;
	err = CR_ERROR;
	if ((text = json_dumps(de, JSON_COMPACT)) == NULL) {
		cr_error_set("%s: out of memory", path);
		goto done;
	}
	if ((err = cr_dsse_parse(&env, text, strlen(text), path, 1)) < 0)
		goto done;
	err = CR_ERROR;
	/*
	 * One signature (none is a check that does not hold, as in an
	 * .intoto.jsonl): @sigstore/verify checks signatures[0] alone, under
	 * the key the hint names. An empty or absent keyid is the hint's;
	 * another is refused; and the signature counts only for that key.
	 */
	if (env->nsigs > 1) {
		cr_error_set("%s: the bundle's envelope holds %zu signatures "
			     "(a bundle holds one)",
			     path, env->nsigs);
		goto done;
	}
	for (i = 0; i < env->nsigs; i++) {
		if (env->sigs[i].keyid == NULL ||
		    env->sigs[i].keyid[0] == '\0') {
			free(env->sigs[i].keyid);
			if ((env->sigs[i].keyid = strdup(hint)) == NULL) {
				cr_error_set("%s: out of memory", path);
				goto done;
			}
		} else if (strcmp(env->sigs[i].keyid, hint) != 0) {
			cr_error_set("%s: the envelope's keyid '%.64s' is not "
				     "the bundle's key hint '%.64s'",
				     path, env->sigs[i].keyid, hint);
			goto done;
		}
	}
	env->keyid_bound = 1;
	*out = env;
	env = NULL;
	err = CR_OK;
done:
	cr_dsse_free(env);
	free(text);
	json_decref(root);
	return err;
}
