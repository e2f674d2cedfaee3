/* Private keys: generating, loading, saving and signing; linked into attest only. */
#include "signer.h"
#include "signer_pkcs11.h"
#include "error.h"
#include "util.h"
#include "write.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

/* Takes pkey into a new cr_privkey; frees it on error. */
static int
wrap(struct cr_privkey **out, EVP_PKEY *pkey, const char *name)
{
	struct cr_privkey *key = NULL;
	int err = CR_ERROR;

	if ((key = calloc(1, sizeof(*key))) == NULL) {
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
	cr_privkey_free(key);
	return err;
}

int
cr_privkey_generate(struct cr_privkey **out, enum cr_key_alg alg)
{
	EVP_PKEY *pkey = NULL;

	*out = NULL;
	if (alg == CR_KEY_ED25519)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	else if (alg == CR_KEY_P256)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	else
		return cr_error_set("key generation: unknown algorithm %d",
				    (int)alg);
	if (pkey == NULL)
		return cr_error_openssl("generating a %s key",
					cr_key_alg_name(alg));
	return wrap(out, pkey, "generated key");
}

/* Decodes the DER body of a "PRIVATE KEY" or "EC PRIVATE KEY" block. */
static EVP_PKEY *
decode(const char *type, const unsigned char *der, long len)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *pkey = NULL;

	if (strcmp(type, "PRIVATE KEY") == 0) {
		p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, len);
		if (p8 != NULL && p - der == len)
			pkey = EVP_PKCS82PKEY(p8);
		PKCS8_PRIV_KEY_INFO_free(p8);
	} else {
		pkey = d2i_PrivateKey(EVP_PKEY_EC, NULL, &p, len);
		if (pkey != NULL && p - der != len) {
			EVP_PKEY_free(pkey);
			pkey = NULL;
		}
	}
	return pkey;
}

static cr_passphrase_fn passphrase_fn;
static void *passphrase_ctx;

void
cr_privkey_set_passphrase(cr_passphrase_fn fn, void *ctx)
{
	passphrase_fn = fn;
	passphrase_ctx = ctx;
}

/* Decrypts the DER body of an "ENCRYPTED PRIVATE KEY" block. */
static int
decrypt(EVP_PKEY **out, const unsigned char *der, long len, const char *path)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_SIG *enc = NULL;
	char *pass = NULL;
	int err = CR_ERROR;

	*out = NULL;
	if (passphrase_fn == NULL)
		return cr_error_set("%s: the private key is encrypted and no "
				    "passphrase can be asked for",
				    path);
	if ((enc = d2i_X509_SIG(NULL, &p, len)) == NULL || p - der != len) {
		ERR_clear_error();
		cr_error_set("%s: malformed encrypted private key", path);
		goto done;
	}
	if ((pass = OPENSSL_secure_zalloc(CR_PASSPHRASE_MAX)) == NULL) {
		cr_error_set("%s: out of memory", path);
		goto done;
	}
	if ((err = passphrase_fn(pass, CR_PASSPHRASE_MAX, path,
				 passphrase_ctx)) < 0)
		goto done;
	err = CR_ERROR;
	pass[CR_PASSPHRASE_MAX - 1] = '\0';
	p8 = PKCS8_decrypt(enc, pass, (int)strlen(pass));
	if (p8 == NULL || (*out = EVP_PKCS82PKEY(p8)) == NULL) {
		ERR_clear_error();
		cr_error_set("%s: cannot decrypt the private key: wrong "
			     "passphrase, or the key is damaged",
			     path);
		goto done;
	}
	err = CR_OK;
done:
	PKCS8_PRIV_KEY_INFO_free(p8);
	X509_SIG_free(enc);
	OPENSSL_secure_clear_free(pass, pass ? CR_PASSPHRASE_MAX : 0);
	return err;
}

/* A key in a token: it signs there, and its engine lives as long as it. */
static int
load_pkcs11(struct cr_privkey **out, const char *uri)
{
	struct cr_privkey *key = NULL;
	unsigned char *der = NULL;
	EVP_PKEY *pkey = NULL;
	void *engine = NULL;
	int n, err;

	*out = NULL;
	err = cr_pkcs11_load_eddsa(&pkey, &engine, uri, passphrase_fn,
				   passphrase_ctx);
	if (err == CR_OK) {
		if ((key = calloc(1, sizeof(*key))) == NULL ||
		    cr_key_id(key->keyid, pkey) < 0) {
			free(key);
			EVP_PKEY_free(pkey);
			cr_pkcs11_close(engine);
			return cr_error_set("%s: the token's key", uri);
		}
		key->alg = CR_KEY_ED25519;
		key->pkey = pkey;
		key->token = engine;
		*out = key;
		return CR_OK;
	}
	if (err == CR_ERROR)
		return err;
	engine = NULL;
	if ((err = cr_pkcs11_load(&pkey, &engine, uri, passphrase_fn,
				  passphrase_ctx)) < 0)
		return err;
	/*
	 * An engine's key answers few parameter queries: its algorithm and
	 * key id come from the DER of its public half, as a verifier reads it.
	 */
	err = CR_ERROR;
	if ((n = i2d_PUBKEY(pkey, &der)) <= 0) {
		cr_error_openssl("%s: the token's public key", uri);
		goto done;
	}
	if ((key = calloc(1, sizeof(*key))) == NULL) {
		cr_error_set("%s: out of memory", uri);
		goto done;
	}
	if ((err = cr_key_id_der(key->keyid, &key->alg, der, (size_t)n, uri)) <
	    0) {
		free(key);
		goto done;
	}
	key->pkey = pkey;
	key->engine = engine;
	pkey = NULL;
	engine = NULL;
	*out = key;
	err = CR_OK;
done:
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	cr_pkcs11_release(engine);
	return err;
}

int
cr_privkey_load(struct cr_privkey **out, const char *path)
{
	char *buf = NULL, *type = NULL, *header = NULL;
	unsigned char *data = NULL;
	EVP_PKEY *pkey = NULL;
	BIO *bio = NULL;
	size_t len = 0;
	long dlen = 0;
	int err = CR_ERROR;

	*out = NULL;
	if (strncmp(path, "pkcs11:", 7) == 0)
		return load_pkcs11(out, path);
	if ((err = cr_read_file(&buf, &len, path, CR_KEY_FILE_MAX)) < 0)
		goto done;
	err = CR_ERROR;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		cr_error_openssl("%s", path);
		goto done;
	}
	/* PEM_FLAG_SECURE: the decoded key lives on the secure heap. */
	ERR_clear_error();
	if (!PEM_read_bio_ex(bio, &type, &header, &data, &dlen,
			     PEM_FLAG_SECURE | PEM_FLAG_EAY_COMPATIBLE)) {
		ERR_clear_error();
		type = header = NULL;
		data = NULL;
		cr_error_set("%s: not a private key (expected PEM 'PRIVATE "
			     "KEY')",
			     path);
		goto done;
	}
	if (strstr(header, "ENCRYPTED") != NULL) {
		cr_error_set("%s: the private key is encrypted the old OpenSSL "
			     "way (Proc-Type); convert it to encrypted PKCS#8 "
			     "with 'openssl pkcs8 -topk8 -v2 aes-256-cbc'",
			     path);
		goto done;
	}
	if (strcmp(type, "ENCRYPTED PRIVATE KEY") == 0 && header[0] == '\0') {
		if ((err = decrypt(&pkey, data, dlen, path)) < 0)
			goto done;
		err = wrap(out, pkey, path);
		pkey = NULL;
		goto done;
	}
	if (strcmp(type, "PUBLIC KEY") == 0) {
		cr_error_set("%s: is a public key; signing needs the private "
			     "key (.key)",
			     path);
		goto done;
	}
	if ((strcmp(type, "PRIVATE KEY") != 0 &&
	     strcmp(type, "EC PRIVATE KEY") != 0) ||
	    header[0] != '\0') {
		cr_error_set("%s: not a private key (expected PEM 'PRIVATE "
			     "KEY', found '%.40s')",
			     path, type);
		goto done;
	}
	if ((pkey = decode(type, data, dlen)) == NULL) {
		ERR_clear_error();
		cr_error_set("%s: malformed private key", path);
		goto done;
	}
	err = wrap(out, pkey, path);
	pkey = NULL;
done:
	EVP_PKEY_free(pkey);
	OPENSSL_secure_free(type);
	OPENSSL_secure_free(header);
	OPENSSL_secure_clear_free(data, data != NULL ? (size_t)dlen : 0);
	BIO_free(bio);
	if (buf != NULL) {
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	return err;
}

/* Renders key as PEM into a memory BIO whose buffer is wiped when freed. */
static int
to_pem(BIO **out, const struct cr_privkey *key, int private)
{
	BIO *bio;
	int ok;

	*out = NULL;
	if ((bio = BIO_new(private ? BIO_s_secmem() : BIO_s_mem())) == NULL)
		return cr_error_openssl("writing the key");
	if (private)
		ok = PEM_write_bio_PrivateKey(bio, key->pkey, NULL, NULL, 0,
					      NULL, NULL);
	else
		ok = PEM_write_bio_PUBKEY(bio, key->pkey);
	if (!ok) {
		BIO_free(bio);
		return cr_error_openssl("encoding the key");
	}
	*out = bio;
	return CR_OK;
}

int
cr_privkey_save(const struct cr_privkey *key, const char *prefix)
{
	char *keypath = NULL, *pubpath = NULL, *pem;
	BIO *priv = NULL, *pub = NULL;
	struct stat st;
	long n;
	int err = CR_ERROR, wrote_key = 0;

	if (asprintf(&keypath, "%s.key", prefix) < 0 ||
	    asprintf(&pubpath, "%s.pub", prefix) < 0) {
		keypath = pubpath = NULL;
		cr_error_set("%s: out of memory", prefix);
		goto done;
	}
	if (lstat(keypath, &st) == 0 || lstat(pubpath, &st) == 0) {
		cr_error_set("%s: already exists; refusing to overwrite",
			     lstat(keypath, &st) == 0 ? keypath : pubpath);
		goto done;
	}
	if ((err = to_pem(&priv, key, 1)) < 0 ||
	    (err = to_pem(&pub, key, 0)) < 0)
		goto done;
	n = BIO_get_mem_data(priv, &pem);
	if ((err = cr_write_atomic(keypath, pem, (size_t)n, 0600,
				   CR_WRITE_NOCLOBBER)) < 0)
		goto done;
	wrote_key = 1;
	n = BIO_get_mem_data(pub, &pem);
	if ((err = cr_write_atomic(pubpath, pem, (size_t)n, 0644,
				   CR_WRITE_NOCLOBBER)) < 0)
		goto done;
	wrote_key = 0;
	err = CR_OK;
done:
	/* A private key without its public half is of no use: take it back. */
	if (wrote_key)
		unlink(keypath);
	BIO_free(priv);
	BIO_free(pub);
	free(keypath);
	free(pubpath);
	return err;
}

int
cr_privkey_public(struct cr_pubkey **out, const struct cr_privkey *key)
{
	unsigned char *der = NULL;
	int n, err;

	*out = NULL;
	/* Through DER, so the public key holds no trace of the secret. */
	if ((n = i2d_PUBKEY(key->pkey, &der)) <= 0)
		return cr_error_openssl("encoding the public key");
	err = cr_pubkey_from_der(out, der, (size_t)n, key->keyid);
	OPENSSL_free(der);
	return err;
}

int
cr_privkey_sign(unsigned char **sig, size_t *siglen,
		const struct cr_privkey *key, const unsigned char *msg,
		size_t msglen)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *buf = NULL;
	size_t n = 0;
	int err = CR_ERROR;

	*sig = NULL;
	*siglen = 0;
	if (key->token != NULL)
		return cr_pkcs11_sign(key->token, sig, siglen, msg, msglen);
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL,
			       key->alg == CR_KEY_P256 ? EVP_sha256() : NULL,
			       NULL, key->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, msg, msglen) != 1) {
		cr_error_openssl("signing with key %.16s", key->keyid);
		goto done;
	}
	if (n == 0 || n > CR_SIG_MAX || (buf = malloc(n)) == NULL) {
		cr_error_set("signing with key %.16s: bad signature size",
			     key->keyid);
		goto done;
	}
	if (EVP_DigestSign(ctx, buf, &n, msg, msglen) != 1) {
		cr_error_openssl("signing with key %.16s", key->keyid);
		goto done;
	}
	*sig = buf;
	*siglen = n;
	buf = NULL;
	err = CR_OK;
done:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return err;
}

void
cr_privkey_free(struct cr_privkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	cr_pkcs11_release(key->engine);
	cr_pkcs11_close(key->token);
	OPENSSL_cleanse(key, sizeof(*key));
	free(key);
}
