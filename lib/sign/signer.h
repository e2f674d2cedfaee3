/*
 * Private keys: generating, loading and signing. Linked into attest only:
 * verify never holds a private key, and cannot, for none of this is in it.
 */
#ifndef CR_SIGNER_H
#define CR_SIGNER_H

#include <stddef.h>

#include "key.h"

struct cr_privkey {
	void *pkey; /* EVP_PKEY */
	enum cr_key_alg alg;
	char keyid[CR_SHA256_HEXLEN + 1];
	void *engine; /* the PKCS#11 engine holding the key, or NULL */
	void *token; /* an Ed25519 key's token session (pkey: public), or NULL */
};

/*
 * A new private key of alg, made by OpenSSL's default random source.
 * CR_ERROR when OpenSSL fails. The caller frees with cr_privkey_free().
 */
int cr_privkey_generate(struct cr_privkey **out, enum cr_key_alg alg);

#define CR_PASSPHRASE_MAX 1024u

/*
 * Where an encrypted key's passphrase comes from: fills buf (size bytes,
 * NUL-terminated) with the passphrase for the key at path and returns
 * CR_OK, or a status with the message set. The program supplies it (a
 * file, a descriptor, the terminal): the core never asks anyone.
 */
typedef int (*cr_passphrase_fn)(char *buf, size_t size, const char *path,
				void *ctx);

/* Sets the process's passphrase source; NULL: encrypted keys are refused. */
void cr_privkey_set_passphrase(cr_passphrase_fn fn, void *ctx);

/*
 * Loads a PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----", as written
 * by `attest keygen` or `openssl genpkey`; an EC key also as "BEGIN EC
 * PRIVATE KEY"), or an encrypted PKCS#8 one ("BEGIN ENCRYPTED PRIVATE
 * KEY", `openssl genpkey -aes-256-cbc`, `openssl pkcs8 -topk8`) decrypted
 * with the passphrase the source set by cr_privkey_set_passphrase() gives
 * (a wrong one fails naming path). Old OpenSSL-encrypted PEM ("Proc-Type:
 * 4,ENCRYPTED") is refused. The file's bytes and the passphrase are wiped
 * after use. A path beginning "pkcs11:" is an RFC 7512 URI of a key held
 * in a token (cr_pkcs11_load()), its PIN from the same source. Refuses
 * other algorithms and curves, naming path.
 */
int cr_privkey_load(struct cr_privkey **out, const char *path);

/*
 * Writes PREFIX.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (SPKI PEM,
 * 0644), each atomically; fails without writing anything if either exists.
 */
int cr_privkey_save(const struct cr_privkey *key, const char *prefix);

/* The public half as a verifier would load it. */
int cr_privkey_public(struct cr_pubkey **out, const struct cr_privkey *key);

/*
 * Signs msg: Ed25519 pure (64 bytes) or ECDSA P-256 with SHA-256 (DER).
 * *sig is allocated; the caller frees it.
 */
int cr_privkey_sign(unsigned char **sig, size_t *siglen,
		    const struct cr_privkey *key, const unsigned char *msg,
		    size_t msglen);

/* Frees the key; OpenSSL wipes the secret. Safe on NULL. */
void cr_privkey_free(struct cr_privkey *key);

#endif
