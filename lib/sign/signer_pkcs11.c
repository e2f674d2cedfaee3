/* Keys held by a PKCS#11 token (an HSM, a smart card, SoftHSM), through OpenSSL's pkcs11 engine; attest only. */

/*
 * Debian 12 has no pkcs11 provider for OpenSSL 3; its pkcs11 engine
 * (libengine-pkcs11-openssl, libp11) is reached through the ENGINE API,
 * deprecated but still built. Only this file uses it.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "signer_pkcs11.h"
#include "error.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <p11-kit/pkcs11.h>

/* Decodes RFC 3986 percent escapes of s[0..n) into out (size bytes). */
static int
pct_decode(char *out, size_t size, const char *s, size_t n)
{
	size_t i, o = 0;
	unsigned int v;

	for (i = 0; i < n; i++) {
		if (o + 1 >= size)
			return -1;
		if (s[i] == '%') {
			if (i + 2 >= n || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]) ||
			    sscanf(s + i + 1, "%2x", &v) != 1 || v == 0)
				return -1;
			out[o++] = (char)v;
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return 0;
}

/*
 * Splits uri into its path part (what libp11 is given) and the module-path
 * query attribute; refuses a PIN in the URI (pin-value: the command line,
 * visible to every user) and attributes it does not know.
 */
static int
split_uri(char *path, size_t psize, char *module, size_t msize, const char *uri)
{
	const char *q = strchr(uri, '?'), *a, *end;
	size_t plen = q ? (size_t)(q - uri) : strlen(uri), i;
	char dec[CR_PKCS11_URI_MAX + 1];

	module[0] = '\0';
	if (plen + 1 > psize || strlen(uri) > CR_PKCS11_URI_MAX)
		return cr_error_set("the PKCS#11 URI is longer than %u bytes",
				    CR_PKCS11_URI_MAX);
	/*
	 * A PIN anywhere (path or query, any case, percent-encoded): libp11
	 * reads pin-value in the path too. Decoded as a whole, so no spelling
	 * passes; a URI with one is never printed.
	 */
	if (pct_decode(dec, sizeof(dec), uri, strlen(uri)) < 0)
		return cr_error_set("the PKCS#11 URI has a malformed percent "
				    "escape");
	for (i = 0; dec[i]; i++)
		if (dec[i] >= 'A' && dec[i] <= 'Z')
			dec[i] = (char)(dec[i] - 'A' + 'a');
	if (strstr(dec, "pin-value") != NULL ||
	    strstr(dec, "pin-source") != NULL) {
		OPENSSL_cleanse(dec, sizeof(dec));
		return cr_error_set("a PIN in the URI (pin-value or "
				    "pin-source) is refused, other users can "
				    "read arguments; give it with "
				    "--passphrase-file or --passphrase-fd");
	}
	OPENSSL_cleanse(dec, sizeof(dec));
	memcpy(path, uri, plen);
	path[plen] = '\0';
	for (a = q ? q + 1 : NULL; a != NULL && *a; a = *end ? end + 1 : end) {
		end = a + strcspn(a, "&");
		if (strncmp(a, "module-path=", 12) == 0) {
			if (pct_decode(module, msize, a + 12,
				       (size_t)(end - a - 12)) < 0 ||
			    module[0] != '/')
				return cr_error_set(
					"%s: module-path is not an absolute "
					"path",
					path);
		} else {
			/* Its name only: a value is never printed. */
			return cr_error_set("%s: unsupported PKCS#11 URI query "
					    "attribute '%.*s'",
					    path, (int)strcspn(a, "=&"), a);
		}
	}
	return CR_OK;
}

/*
 * Asks pin_fn for the token's PIN into *pin (CR_PASSPHRASE_MAX bytes on the
 * secure heap, NUL-terminated), which the caller frees with
 * OPENSSL_secure_clear_free() whatever this returns.
 */
static int
ask_pin(char **pin, const char *path, cr_passphrase_fn pin_fn, void *pin_ctx)
{
	int err;

	if (pin_fn == NULL)
		return cr_error_set("%s: the token's PIN cannot be asked for",
				    path);
	if ((*pin = OPENSSL_secure_zalloc(CR_PASSPHRASE_MAX)) == NULL)
		return cr_error_set("%s: out of memory", path);
	if ((err = pin_fn(*pin, CR_PASSPHRASE_MAX, path, pin_ctx)) < 0)
		return err;
	(*pin)[CR_PASSPHRASE_MAX - 1] = '\0';
	return CR_OK;
}

/*
 * The engine, loaded and initialised once and kept for the process: a
 * command may load its key twice (attest build), and libp11 keeps state
 * that unloading it mid-run would lose.
 */
static ENGINE *engine_loaded;
static int engine_ready;
static char engine_module[1024];

int
cr_pkcs11_load(EVP_PKEY **out, void **engine, const char *uri,
	       cr_passphrase_fn pin_fn, void *pin_ctx)
{
	char path[CR_PKCS11_URI_MAX + 1], module[1024];
	const char *mod;
	char *pin = NULL;
	int err;

	*out = NULL;
	*engine = NULL;
	if (strlen(uri) > CR_PKCS11_URI_MAX)
		return cr_error_set("the PKCS#11 URI is longer than %u bytes",
				    CR_PKCS11_URI_MAX);
	if ((err = split_uri(path, sizeof(path), module, sizeof(module), uri)) <
	    0)
		return err;
	mod = module[0] ? module : getenv("PKCS11_MODULE_PATH");
	if (mod == NULL)
		mod = "";
	if (engine_ready && strcmp(mod, engine_module) != 0)
		return cr_error_set("%s: one PKCS#11 module per run (%s is "
				    "loaded)",
				    path, engine_module);
	err = CR_ERROR;
	if (engine_loaded == NULL) {
		ENGINE_load_builtin_engines();
		if ((engine_loaded = ENGINE_by_id("pkcs11")) == NULL) {
			cr_error_openssl("%s: OpenSSL's pkcs11 engine cannot "
					 "be loaded (libengine-pkcs11-openssl)",
					 path);
			goto done;
		}
	}
	if (!engine_ready) {
		if (mod[0] != '\0' &&
		    !ENGINE_ctrl_cmd_string(engine_loaded, "MODULE_PATH", mod,
					    0)) {
			cr_error_openssl("%s: module %s", path, mod);
			goto done;
		}
		if ((err = ask_pin(&pin, path, pin_fn, pin_ctx)) < 0)
			goto done;
		err = CR_ERROR;
		if (!ENGINE_ctrl_cmd_string(engine_loaded, "PIN", pin, 0) ||
		    !ENGINE_init(engine_loaded)) {
			cr_error_openssl("%s: the pkcs11 engine", path);
			goto done;
		}
		engine_ready = 1;
		snprintf(engine_module, sizeof(engine_module), "%s", mod);
	}
	if ((*out = ENGINE_load_private_key(engine_loaded, path, NULL, NULL)) ==
	    NULL) {
		cr_error_openssl("%s: no usable private key in the token "
				 "(wrong PIN, token or object?)",
				 path);
		goto done;
	}
	*engine = engine_loaded;
	err = CR_OK;
done:
	OPENSSL_secure_clear_free(pin, pin ? CR_PASSPHRASE_MAX : 0);
	return err;
}

void
cr_pkcs11_release(void *engine)
{
	/* The engine stays for the process (see engine_loaded). */
	(void)engine;
}

/* ---- Ed25519 keys, through the token's module directly ----------------- */

/*
 * libp11 0.4.12 (Debian 12's engine) knows no EdDSA keys, so an Ed25519
 * key in a token is used through its PKCS#11 module itself: found by the
 * URI's token label, object label and id, the public half read out
 * (CKA_EC_POINT), signatures made by CKM_EDDSA in the token.
 */
struct token {
	CK_FUNCTION_LIST *f;
	CK_SESSION_HANDLE session;
	CK_OBJECT_HANDLE key;
	int open;
};

struct p11_uri {
	char token[64], object[256];
	unsigned char id[64];
	size_t idlen;
	int has_token, has_object, has_id;
};

/* The path attributes this path understands; CR_EFAIL for any other. */
static int
parse_path(struct p11_uri *u, const char *path)
{
	char val[256];
	const char *a, *end, *eq;
	size_t n;

	memset(u, 0, sizeof(*u));
	for (a = path + 7; *a; a = *end ? end + 1 : end) {
		end = a + strcspn(a, ";");
		if ((eq = memchr(a, '=', (size_t)(end - a))) == NULL)
			return CR_EFAIL;
		n = (size_t)(eq - a);
		if (pct_decode(val, sizeof(val), eq + 1,
			       (size_t)(end - eq - 1)) < 0)
			return CR_EFAIL;
		if (n == 5 && strncmp(a, "token", 5) == 0 &&
		    strlen(val) <= 32) {
			snprintf(u->token, sizeof(u->token), "%.32s", val);
			u->has_token = 1;
		} else if (n == 6 && strncmp(a, "object", 6) == 0) {
			snprintf(u->object, sizeof(u->object), "%s", val);
			u->has_object = 1;
		} else if (n == 2 && strncmp(a, "id", 2) == 0 &&
			   strlen(val) <= sizeof(u->id)) {
			u->idlen = strlen(val);
			memcpy(u->id, val, u->idlen);
			u->has_id = 1;
		} else if (n == 4 && strncmp(a, "type", 4) == 0 &&
			   strcmp(val, "private") == 0) {
			continue;
		} else {
			return CR_EFAIL;
		}
	}
	return u->has_object || u->has_id ? CR_OK : CR_EFAIL;
}

/* The one object of class cls matching u, or CR_EFAIL when not exactly one. */
static int
find_one(CK_OBJECT_HANDLE *out, struct token *t, const struct p11_uri *u,
	 CK_OBJECT_CLASS cls)
{
	CK_ATTRIBUTE tmpl[3];
	CK_OBJECT_HANDLE found[2];
	CK_ULONG n = 0, count = 0;

	tmpl[n].type = CKA_CLASS;
	tmpl[n].pValue = &cls;
	tmpl[n++].ulValueLen = sizeof(cls);
	if (u->has_object) {
		tmpl[n].type = CKA_LABEL;
		tmpl[n].pValue = (void *)u->object;
		tmpl[n++].ulValueLen = strlen(u->object);
	}
	if (u->has_id) {
		tmpl[n].type = CKA_ID;
		tmpl[n].pValue = (void *)u->id;
		tmpl[n++].ulValueLen = u->idlen;
	}
	if (t->f->C_FindObjectsInit(t->session, tmpl, n) != CKR_OK)
		return CR_EFAIL;
	if (t->f->C_FindObjects(t->session, found, 2, &count) != CKR_OK)
		count = 0;
	t->f->C_FindObjectsFinal(t->session);
	if (count != 1)
		return CR_EFAIL;
	*out = found[0];
	return CR_OK;
}

static int
key_type(struct token *t, CK_OBJECT_HANDLE o, CK_KEY_TYPE *kt)
{
	CK_ATTRIBUTE a = {CKA_KEY_TYPE, kt, sizeof(*kt)};

	return t->f->C_GetAttributeValue(t->session, o, &a, 1) == CKR_OK
		       ? CR_OK
		       : CR_EFAIL;
}

/* Opens a session on the token u names; CR_EFAIL when there is none. */
static int
open_token(struct token *t, const struct p11_uri *u, const char *module)
{
	CK_C_GetFunctionList get;
	CK_SLOT_ID slots[64];
	CK_TOKEN_INFO info;
	CK_ULONG n = 64, i, len;
	CK_RV rv;
	void *dl, *sym;

	/* POSIX lets dlsym's object pointer be a function's; ISO C does not. */
	if ((dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL ||
	    (sym = dlsym(dl, "C_GetFunctionList")) == NULL)
		return CR_EFAIL;
	memcpy(&get, &sym, sizeof(get));
	if (get(&t->f) != CKR_OK)
		return CR_EFAIL;
	rv = t->f->C_Initialize(NULL);
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		return CR_EFAIL;
	if (t->f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return CR_EFAIL;
	for (i = 0; i < n; i++) {
		if (t->f->C_GetTokenInfo(slots[i], &info) != CKR_OK)
			continue;
		for (len = sizeof(info.label);
		     len > 0 && info.label[len - 1] == ' '; len--)
			;
		if (u->has_token && (len != strlen(u->token) ||
				     memcmp(info.label, u->token, len) != 0))
			continue;
		if (t->f->C_OpenSession(slots[i], CKF_SERIAL_SESSION, NULL,
					NULL, &t->session) != CKR_OK)
			return CR_EFAIL;
		t->open = 1;
		return CR_OK;
	}
	return CR_EFAIL;
}

static void
close_token(struct token *t)
{
	if (t->open)
		t->f->C_CloseSession(t->session);
	t->open = 0;
	/*
	 * Neither finalised nor unloaded: the engine shares the module (one
	 * dlopen handle) and may be using it, and accepts it initialised.
	 */
	t->f = NULL;
}

int
cr_pkcs11_load_eddsa(EVP_PKEY **pub, void **token, const char *uri,
		     cr_passphrase_fn pin_fn, void *pin_ctx)
{
	char path[CR_PKCS11_URI_MAX + 1], module[1024];
	unsigned char point[80];
	struct token *t = NULL;
	struct p11_uri u;
	CK_OBJECT_HANDLE pubobj;
	CK_KEY_TYPE kt = 0;
	CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof(point)};
	const unsigned char *raw;
	const char *mod;
	char *pin = NULL;
	CK_RV rv;
	int err;

	*pub = NULL;
	*token = NULL;
	if (strlen(uri) > CR_PKCS11_URI_MAX)
		return CR_EFAIL;
	if ((err = split_uri(path, sizeof(path), module, sizeof(module), uri)) <
	    0)
		return err;
	mod = module[0] ? module : getenv("PKCS11_MODULE_PATH");
	if (mod == NULL || mod[0] == '\0' || parse_path(&u, path) != CR_OK)
		return CR_EFAIL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return cr_error_set("%s: out of memory", path);
	/* The public half first: no PIN is asked for a key of another kind. */
	err = CR_EFAIL;
	if (open_token(t, &u, mod) < 0 ||
	    find_one(&pubobj, t, &u, CKO_PUBLIC_KEY) < 0 ||
	    key_type(t, pubobj, &kt) < 0 || kt != CKK_EC_EDWARDS)
		goto done;
	err = CR_ERROR;
	if (t->f->C_GetAttributeValue(t->session, pubobj, &a, 1) != CKR_OK) {
		cr_error_set("%s: the public key's point cannot be read", path);
		goto done;
	}
	/* A DER OCTET STRING of the 32 bytes, or the bytes themselves. */
	raw = a.ulValueLen == 34 && point[0] == 0x04 && point[1] == 32
		      ? point + 2
		      : point;
	if ((a.ulValueLen != 34 || raw == point) && a.ulValueLen != 32) {
		cr_error_set("%s: not an Ed25519 key (a %lu-byte point)", path,
			     (unsigned long)a.ulValueLen);
		goto done;
	}
	if ((*pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw,
						32)) == NULL) {
		cr_error_openssl("%s: the token's public key", path);
		goto done;
	}
	if ((err = ask_pin(&pin, path, pin_fn, pin_ctx)) < 0)
		goto done;
	err = CR_ERROR;
	rv = t->f->C_Login(t->session, CKU_USER, (CK_UTF8CHAR *)pin,
			   strlen(pin));
	if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN) {
		cr_error_set("%s: the token refused the PIN (CKR 0x%lx)", path,
			     (unsigned long)rv);
		goto done;
	}
	if (find_one(&t->key, t, &u, CKO_PRIVATE_KEY) < 0 ||
	    key_type(t, t->key, &kt) < 0 || kt != CKK_EC_EDWARDS) {
		cr_error_set("%s: no Ed25519 private key beside its public key",
			     path);
		goto done;
	}
	*token = t;
	t = NULL;
	err = CR_OK;
done:
	OPENSSL_secure_clear_free(pin, pin ? CR_PASSPHRASE_MAX : 0);
	if (err != CR_OK) {
		EVP_PKEY_free(*pub);
		*pub = NULL;
	}
	if (t != NULL)
		close_token(t);
	free(t);
	return err;
}

int
cr_pkcs11_sign(void *token, unsigned char **sig, size_t *siglen,
	       const unsigned char *msg, size_t len)
{
	struct token *t = token;
	CK_MECHANISM mech = {CKM_EDDSA, NULL, 0};
	CK_ULONG n = 64;
	unsigned char *buf;

	*sig = NULL;
	*siglen = 0;
	if ((buf = malloc(64)) == NULL)
		return cr_error_set("token: out of memory");
	if (t->f->C_SignInit(t->session, &mech, t->key) != CKR_OK ||
	    t->f->C_Sign(t->session, (CK_BYTE *)msg, len, buf, &n) != CKR_OK ||
	    n != 64) {
		free(buf);
		return cr_error_set("token: the Ed25519 signature failed");
	}
	*sig = buf;
	*siglen = 64;
	return CR_OK;
}

void
cr_pkcs11_close(void *token)
{
	struct token *t = token;
	CK_FUNCTION_LIST *f;

	if (t == NULL)
		return;
	f = t->f;
	close_token(t);
	/* Done with the module, unless the engine holds it too. */
	if (!engine_ready && f != NULL)
		f->C_Finalize(NULL);
	free(t);
}
