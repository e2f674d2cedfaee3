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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>

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
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);

	module[0] = '\0';
	if (plen + 1 > psize)
		return cr_error_set("%.64s...: the PKCS#11 URI is too long",
				    uri);
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
		} else if (strncmp(a, "pin-value=", 10) == 0 ||
			   strncmp(a, "pin-source=", 11) == 0) {
			return cr_error_set(
				"%s: a PIN in the URI is refused (other users "
				"can read arguments); give it with "
				"--passphrase-file or --passphrase-fd",
				path);
		} else {
			return cr_error_set("%s: unsupported PKCS#11 URI query "
					    "attribute '%.*s'",
					    path, (int)(end - a), a);
		}
	}
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
		return cr_error_set("%.64s...: the PKCS#11 URI is longer than "
				    "%u bytes",
				    uri, CR_PKCS11_URI_MAX);
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
		if (pin_fn == NULL) {
			cr_error_set("%s: the token's PIN cannot be asked for",
				     path);
			goto done;
		}
		if ((pin = OPENSSL_secure_zalloc(CR_PASSPHRASE_MAX)) == NULL) {
			cr_error_set("%s: out of memory", path);
			goto done;
		}
		if ((err = pin_fn(pin, CR_PASSPHRASE_MAX, path, pin_ctx)) < 0)
			goto done;
		err = CR_ERROR;
		pin[CR_PASSPHRASE_MAX - 1] = '\0';
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
