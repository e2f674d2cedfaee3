/* Public keys: loading SPKI PEM, key ids and checking signatures (no private-key code here). */
#include "key.h"
#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

const char *
cr_key_alg_name(enum cr_key_alg alg)
{
	switch (alg) {
	case CR_KEY_ED25519:
		return "ed25519";
	case CR_KEY_P256:
		return "p256";
	}
	return "unknown";
}

/*
 * The DER SubjectPublicKeyInfo that names a key, whatever encoding it was
 * read from: for P-256 the named curve and the uncompressed point (what
 * `openssl pkey -pubout` writes), for Ed25519 the raw 32 bytes. A point
 * given compressed or hybrid is the same key and must get the same id, or
 * one signature would count as several keys towards a threshold.
 */
static const unsigned char spki_p256[] = {
	0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
	0xce, 0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00, 0x04,
};
static const unsigned char spki_ed25519[] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
};

int
cr_key_id_der(char out[CR_SHA256_HEXLEN + 1], enum cr_key_alg *alg,
	      const unsigned char *der, size_t len, const char *name)
{
	unsigned char md[CR_SHA256_LEN];
	int err;

	if (len == sizeof(spki_p256) + 64 &&
	    memcmp(der, spki_p256, sizeof(spki_p256)) == 0)
		*alg = CR_KEY_P256;
	else if (len == sizeof(spki_ed25519) + 32 &&
		 memcmp(der, spki_ed25519, sizeof(spki_ed25519)) == 0)
		*alg = CR_KEY_ED25519;
	else
		return cr_error_set("%s: not an Ed25519 or P-256 (named curve, "
				    "uncompressed) public key",
				    name);
	if ((err = cr_sha256_buf(md, der, len)) < 0)
		return err;
	cr_hex_encode(out, md, sizeof(md));
	return CR_OK;
}

int
cr_key_id(char out[CR_SHA256_HEXLEN + 1], const void *pkey)
{
	unsigned char der[sizeof(spki_p256) + 64], md[CR_SHA256_LEN];
	BIGNUM *x = NULL, *y = NULL;
	enum cr_key_alg alg;
	size_t n = 32, len;
	int err = CR_ERROR;

	out[0] = '\0';
	if ((err = cr_key_check_alg(&alg, pkey, "key id")) < 0)
		return err;
	err = CR_ERROR;
	if (alg == CR_KEY_ED25519) {
		memcpy(der, spki_ed25519, sizeof(spki_ed25519));
		len = sizeof(spki_ed25519) + 32;
		if (!EVP_PKEY_get_raw_public_key(
			    pkey, der + sizeof(spki_ed25519), &n) ||
		    n != 32) {
			cr_error_openssl("key id: cannot read the public key");
			goto done;
		}
	} else {
		memcpy(der, spki_p256, sizeof(spki_p256));
		len = sizeof(spki_p256) + 64;
		if (!EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X,
					   &x) ||
		    !EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y,
					   &y) ||
		    BN_bn2binpad(x, der + sizeof(spki_p256), 32) != 32 ||
		    BN_bn2binpad(y, der + sizeof(spki_p256) + 32, 32) != 32) {
			cr_error_openssl(
				"key id: cannot read the public point");
			goto done;
		}
	}
	if ((err = cr_sha256_buf(md, der, len)) < 0)
		goto done;
	cr_hex_encode(out, md, sizeof(md));
	err = CR_OK;
done:
	BN_free(x);
	BN_free(y);
	return err;
}

int
cr_key_check_alg(enum cr_key_alg *alg, const void *pkey, const char *name)
{
	const char *why = "unsupported key type";
	char group[64], enc[32];
	size_t n;

	*alg = 0;
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		*alg = CR_KEY_ED25519;
		return CR_OK;
	}
	if (EVP_PKEY_is_a(pkey, "RSA"))
		why = "RSA keys are not supported";
	if (!EVP_PKEY_is_a(pkey, "EC"))
		goto fail;
	why = "unsupported curve";
	if (!EVP_PKEY_get_group_name(pkey, group, sizeof(group), &n) ||
	    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0))
		goto fail;
	/* Explicit parameters claiming to be P-256 are a known trap. */
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING,
					   enc, sizeof(enc), &n) &&
	    strcmp(enc, OSSL_PKEY_EC_ENCODING_GROUP) != 0) {
		why = "explicit curve parameters are not supported";
		goto fail;
	}
	*alg = CR_KEY_P256;
	return CR_OK;
fail:
	ERR_clear_error();
	return cr_error_set("%s: %s (want Ed25519 or ECDSA P-256)", name, why);
}

int
cr_key_take(void **slot, enum cr_key_alg *alg, char keyid[CR_SHA256_HEXLEN + 1],
	    void *pkey, const char *name)
{
	int err;

	if ((err = cr_key_check_alg(alg, pkey, name)) < 0 ||
	    (err = cr_key_id(keyid, pkey)) < 0) {
		EVP_PKEY_free(pkey);
		return err;
	}
	*slot = pkey;
	return CR_OK;
}

/* Takes pkey (a public key only) into a new cr_pubkey; frees it on error. */
static int
wrap(struct cr_pubkey **out, EVP_PKEY *pkey, const char *name)
{
	struct cr_pubkey *key = NULL;
	int err = CR_ERROR;

	if ((key = calloc(1, sizeof(*key))) == NULL ||
	    (key->name = strdup(name)) == NULL) {
		cr_error_set("%s: out of memory", name);
		EVP_PKEY_free(pkey);
		goto done;
	}
	if ((err = cr_key_take(&key->pkey, &key->alg, key->keyid, pkey, name)) <
	    0)
		goto done;
	*out = key;
	key = NULL;
done:
	cr_pubkey_free(key);
	return err;
}

int
cr_pubkey_from_der(struct cr_pubkey **out, const unsigned char *der, size_t len,
		   const char *name)
{
	const unsigned char *p = der;
	unsigned char *again = NULL;
	EVP_PKEY *pkey = NULL;
	int n, err = CR_ERROR;

	*out = NULL;
	if (len > CR_KEY_FILE_MAX || (long)len <= 0) {
		cr_error_set("%s: not a public key (bad length)", name);
		goto done;
	}
	ERR_clear_error();
	if ((pkey = d2i_PUBKEY(NULL, &p, (long)len)) == NULL) {
		cr_error_openssl("%s: not a public key", name);
		goto done;
	}
	/*
	 * Strict DER with nothing after it (OpenSSL keeps a point's
	 * compressed or hybrid form when re-encoding); the key id is computed
	 * from the canonical form, not from these bytes.
	 */
	if ((size_t)(p - der) != len || (n = i2d_PUBKEY(pkey, &again)) <= 0 ||
	    (size_t)n != len || memcmp(again, der, len) != 0) {
		ERR_clear_error();
		cr_error_set("%s: public key is not in canonical DER form",
			     name);
		goto done;
	}
	err = wrap(out, pkey, name);
	pkey = NULL;
done:
	OPENSSL_free(again);
	EVP_PKEY_free(pkey);
	return err;
}

/* Whether buf holds nothing but white space. */
static int
blank(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (strchr(" \t\r\n", buf[i]) == NULL || buf[i] == '\0')
			return 0;
	return 1;
}

int
cr_pubkey_from_pem(struct cr_pubkey **out, const char *pem, size_t len,
		   const char *name)
{
	BIO *bio = NULL;
	char *type = NULL, *header = NULL, *rest;
	unsigned char *data = NULL;
	long dlen = 0, restlen;
	int err = CR_ERROR;

	*out = NULL;
	if (len > CR_KEY_FILE_MAX) {
		cr_error_set("%s: larger than %u bytes; not a public key", name,
			     CR_KEY_FILE_MAX);
		goto done;
	}
	if ((bio = BIO_new_mem_buf(pem, (int)len)) == NULL) {
		cr_error_openssl("%s", name);
		goto done;
	}
	ERR_clear_error();
	if (!PEM_read_bio(bio, &type, &header, &data, &dlen)) {
		ERR_clear_error();
		cr_error_set("%s: not a public key (expected PEM 'PUBLIC KEY')",
			     name);
		goto done;
	}
	if (strstr(type, "PRIVATE KEY") != NULL) {
		cr_error_set("%s: is a private key; give the public key (PEM "
			     "'PUBLIC KEY', as 'attest keygen' writes to .pub)",
			     name);
		goto done;
	}
	if (strcmp(type, "CERTIFICATE") == 0 ||
	    strcmp(type, "TRUSTED CERTIFICATE") == 0) {
		cr_error_set("%s: is a certificate, not a public key (expected "
			     "PEM 'PUBLIC KEY')",
			     name);
		goto done;
	}
	if (strcmp(type, "PUBLIC KEY") != 0 || header[0] != '\0') {
		cr_error_set("%s: not a public key (expected PEM 'PUBLIC KEY', "
			     "found '%.40s')",
			     name, type);
		goto done;
	}
	/* One key per file: a second block would be silently ignored. */
	restlen = BIO_get_mem_data(bio, &rest);
	if (restlen < 0 || !blank(rest, (size_t)restlen)) {
		cr_error_set("%s: unexpected data after the public key", name);
		goto done;
	}
	err = cr_pubkey_from_der(out, data, (size_t)dlen, name);
done:
	OPENSSL_free(type);
	OPENSSL_free(header);
	OPENSSL_free(data);
	BIO_free(bio);
	return err;
}

int
cr_pubkey_load(struct cr_pubkey **out, const char *path)
{
	char *buf = NULL;
	size_t len;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&buf, &len, path, CR_KEY_FILE_MAX)) < 0)
		return err;
	err = cr_pubkey_from_pem(out, buf, len, path);
	free(buf);
	return err;
}

/*
 * An ECDSA signature must be the one DER encoding of (r, s): OpenSSL 3
 * checks this too, but the rule is ours and should not depend on a
 * library version.
 */
static int
ecdsa_der_strict(const unsigned char *sig, size_t siglen)
{
	const unsigned char *p = sig;
	unsigned char *again = NULL;
	ECDSA_SIG *s;
	int n, ok = 0;

	if ((s = d2i_ECDSA_SIG(NULL, &p, (long)siglen)) == NULL)
		return 0;
	if ((size_t)(p - sig) == siglen && (n = i2d_ECDSA_SIG(s, &again)) > 0 &&
	    (size_t)n == siglen && memcmp(again, sig, siglen) == 0)
		ok = 1;
	OPENSSL_free(again);
	ECDSA_SIG_free(s);
	return ok;
}

int
cr_pubkey_verify(const struct cr_pubkey *key, const unsigned char *msg,
		 size_t msglen, const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *ctx = NULL;
	const EVP_MD *md = NULL;
	int err = CR_EFAIL;

	if (sig == NULL || siglen == 0 || siglen > CR_SIG_MAX)
		return CR_EFAIL;
	if (key->alg == CR_KEY_ED25519) {
		if (siglen != 64)
			return CR_EFAIL;
	} else if (key->alg == CR_KEY_P256) {
		if (!ecdsa_der_strict(sig, siglen)) {
			ERR_clear_error();
			return CR_EFAIL;
		}
		md = EVP_sha256();
	} else {
		return cr_error_set("%s: unsupported key type", key->name);
	}
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, md, NULL, key->pkey) != 1) {
		err = cr_error_openssl("%s: cannot check signatures",
				       key->name);
		goto done;
	}
	if (EVP_DigestVerify(ctx, sig, siglen, msg, msglen) == 1)
		err = CR_OK;
done:
	/* A bad signature leaves reasons in the queue: none is an error. */
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	return err;
}

int
cr_pubkey_raw_ed25519(unsigned char out[32], const struct cr_pubkey *key)
{
	size_t n = 32;

	if (key->alg != CR_KEY_ED25519)
		return cr_error_set("%s: not an Ed25519 key", key->name);
	if (!EVP_PKEY_get_raw_public_key(key->pkey, out, &n) || n != 32)
		return cr_error_openssl("%s: cannot export the key", key->name);
	return CR_OK;
}

int
cr_pubkey_from_raw_ed25519(struct cr_pubkey **out, const unsigned char raw[32],
			   const char *name)
{
	EVP_PKEY *pkey;

	*out = NULL;
	pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
	if (pkey == NULL)
		return cr_error_openssl("%s: not an Ed25519 public key", name);
	return wrap(out, pkey, name);
}

void
cr_pubkey_free(struct cr_pubkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	free(key->name);
	free(key);
}
