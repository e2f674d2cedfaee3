/* Keys held by a PKCS#11 token, through OpenSSL's pkcs11 engine; attest only. */
#ifndef CR_SIGNER_PKCS11_H
#define CR_SIGNER_PKCS11_H

#include <openssl/evp.h>

#include "signer.h"

#define CR_PKCS11_URI_MAX 1024u

/*
 * Loads the private key an RFC 7512 URI ("pkcs11:token=...;object=...")
 * names, through the pkcs11 engine: the module from the URI's module-path
 * query attribute, else $PKCS11_MODULE_PATH, else the engine's default
 * (p11-kit); the token's PIN from pin_fn (a PIN in the URI is refused).
 * The key never leaves the token: *out signs through it. The engine is
 * loaded once per process with the first key's module and PIN (a second
 * module is refused); *engine is given to cr_pkcs11_release() when the
 * key is freed.
 */
int cr_pkcs11_load(EVP_PKEY **out, void **engine, const char *uri,
		   cr_passphrase_fn pin_fn, void *pin_ctx);

/*
 * Drops a key's hold on the engine cr_pkcs11_load() gave; the engine is
 * finished with the last one. NULL is a no-op.
 */
void cr_pkcs11_release(void *engine);

/*
 * An Ed25519 key in a token, which the engine cannot use: through the
 * module (module-path, or $PKCS11_MODULE_PATH) directly, found by the
 * URI's token, object and id. *pub gets the public half (read from the
 * token before any PIN is asked), *token what cr_pkcs11_sign() signs with.
 * CR_EFAIL, with no message, when the URI names no Ed25519 key this way
 * (the caller then tries the engine); CR_ERROR on a wrong PIN and the like.
 */
int cr_pkcs11_load_eddsa(EVP_PKEY **pub, void **token, const char *uri,
			 cr_passphrase_fn pin_fn, void *pin_ctx);

/* Signs msg with CKM_EDDSA in the token: 64 bytes, allocated. */
int cr_pkcs11_sign(void *token, unsigned char **sig, size_t *siglen,
		   const unsigned char *msg, size_t len);

/* Logs out of and closes the token session; NULL is a no-op. */
void cr_pkcs11_close(void *token);

#endif
