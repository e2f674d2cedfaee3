/* Public keys: loading SPKI PEM, key ids, and checking signatures. */
#ifndef CR_KEY_H
#define CR_KEY_H

#include <stddef.h>

#include "sha256.h"

/* Caps on key and signature sizes read from files. */
#define CR_KEY_FILE_MAX (64u * 1024)
#define CR_SIG_MAX 512u

enum cr_key_alg {
	CR_KEY_ED25519 = 1,
	CR_KEY_P256 = 2,
};

/* A trusted public key, as a verifier holds it. */
struct cr_pubkey {
	void *pkey; /* EVP_PKEY */
	enum cr_key_alg alg;
	char keyid[CR_SHA256_HEXLEN + 1]; /* see cr_key_id */
	char *name;			  /* the file it came from */
};

/*
 * Loads an SPKI PEM public key ("-----BEGIN PUBLIC KEY-----", what
 * `openssl pkey -pubout` writes) of an algorithm we support. A private key,
 * a certificate, an RSA key or anything else is refused naming path.
 */
int cr_pubkey_load(struct cr_pubkey **out, const char *path);

/* The same from memory; name is used in messages and kept in ->name. */
int cr_pubkey_from_pem(struct cr_pubkey **out, const char *pem, size_t len,
		       const char *name);

/*
 * The same from a DER SubjectPublicKeyInfo, which must be strict DER with
 * nothing after it. A P-256 point may be uncompressed, compressed or
 * hybrid: the key id is the same for all three.
 */
int cr_pubkey_from_der(struct cr_pubkey **out, const unsigned char *der,
		       size_t len, const char *name);

/*
 * Checks sig over msg: Ed25519 (pure, 64-byte signature) or ECDSA P-256
 * over SHA-256 with a DER signature. Returns CR_OK when valid, CR_EFAIL
 * when not (no message: the caller knows what was being checked), CR_ERROR
 * on an internal failure.
 */
int cr_pubkey_verify(const struct cr_pubkey *key, const unsigned char *msg,
		     size_t msglen, const unsigned char *sig, size_t siglen);

/* The 32 raw bytes of an Ed25519 key (for signed notes). */
int cr_pubkey_raw_ed25519(unsigned char out[32], const struct cr_pubkey *key);

/* Makes a key from the 32 raw bytes of an Ed25519 public key. */
int cr_pubkey_from_raw_ed25519(struct cr_pubkey **out,
			       const unsigned char raw[32], const char *name);

/*
 * The key id of an Ed25519 or P-256 EVP_PKEY: SHA-256 of its canonical DER
 * SubjectPublicKeyInfo (named curve, uncompressed point; what `openssl pkey
 * -pubout -outform DER` writes), whatever encoding the key was read from.
 */
int cr_key_id(char out[CR_SHA256_HEXLEN + 1], const void *pkey);

/*
 * The key id and algorithm of a DER SubjectPublicKeyInfo that is already in
 * the canonical form cr_key_id() hashes (an Ed25519 key, or a P-256 named
 * curve uncompressed point), without asking OpenSSL to decode it: for keys
 * an engine holds, whose parameters cannot be read. CR_ERROR naming name
 * for any other DER.
 */
int cr_key_id_der(char out[CR_SHA256_HEXLEN + 1], enum cr_key_alg *alg,
		  const unsigned char *der, size_t len, const char *name);

/*
 * Which of the supported algorithms an EVP_PKEY is: Ed25519, or EC on the
 * named curve P-256 (explicit curve parameters are refused). Anything else
 * fails with a message naming name.
 */
int cr_key_check_alg(enum cr_key_alg *alg, const void *pkey, const char *name);

/*
 * Takes pkey (an EVP_PKEY) into the fields of a key structure: its
 * algorithm (cr_key_check_alg) into *alg, its key id (cr_key_id) into
 * keyid, then pkey itself into *slot. On failure pkey is freed, the
 * message names name.
 */
int cr_key_take(void **slot, enum cr_key_alg *alg,
		char keyid[CR_SHA256_HEXLEN + 1], void *pkey, const char *name);

/* "ed25519" or "p256" ("unknown" otherwise): a static string. */
const char *cr_key_alg_name(enum cr_key_alg alg);

/* Frees what cr_pubkey_load() and its kind returned; NULL is a no-op. */
void cr_pubkey_free(struct cr_pubkey *key);

#endif
