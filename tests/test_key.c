/* Unit tests for lib/pubkey.c and lib/signer.c: keys, key ids, signatures, against real OpenSSL. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "error.h"
#include "key.h"
#include "signer.h"
#include "util.h"

#include "scratch.h"

/* SHA-256 of the SPKI DER, computed here without the code under test. */
static void
independent_keyid(char out[65], EVP_PKEY *pkey)
{
	unsigned char *der = NULL, md[32];
	unsigned int mdlen = 0;
	int n;
	size_t i;

	n = i2d_PUBKEY(pkey, &der);
	assert_true(n > 0);
	assert_int_equal(
		EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL), 1);
	assert_int_equal(mdlen, 32);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	OPENSSL_free(der);
}

static void
assert_error_has(const char *want)
{
	if (strstr(cr_error_last(), want) == NULL)
		fail_msg("message '%s' lacks '%s'", cr_error_last(), want);
}

static void
roundtrip(enum cr_key_alg alg, const char *prefix)
{
	struct cr_privkey *priv = NULL, *priv2 = NULL;
	struct cr_pubkey *pub = NULL, *pub2 = NULL;
	char want[65], name[256];
	struct stat st;
	unsigned char *sig = NULL;
	size_t siglen;

	assert_int_equal(cr_privkey_generate(&priv, alg), CR_OK);
	assert_int_equal(priv->alg, alg);
	independent_keyid(want, priv->pkey);
	assert_string_equal(priv->keyid, want);

	assert_int_equal(cr_privkey_save(priv, path(prefix)), CR_OK);
	snprintf(name, sizeof(name), "%s.key", prefix);
	assert_int_equal(stat(path(name), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	snprintf(name, sizeof(name), "%s.pub", prefix);
	assert_int_equal(stat(path(name), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);

	/* Real OpenSSL reads both files. */
	assert_int_equal(sh("openssl pkey -in %s.key -noout", prefix), 0);
	assert_int_equal(sh("openssl pkey -pubin -in %s.pub -noout", prefix),
			 0);

	assert_int_equal(cr_pubkey_load(&pub, path(name)), CR_OK);
	assert_int_equal(pub->alg, alg);
	assert_string_equal(pub->keyid, want);
	assert_string_equal(pub->name, path(name));
	snprintf(name, sizeof(name), "%s.key", prefix);
	assert_int_equal(cr_privkey_load(&priv2, path(name)), CR_OK);
	assert_string_equal(priv2->keyid, want);
	assert_int_equal(priv2->alg, alg);

	/* The public half holds no private key. */
	assert_int_equal(cr_privkey_public(&pub2, priv2), CR_OK);
	assert_string_equal(pub2->keyid, want);
	{
		BIGNUM *bn = NULL;

		assert_int_equal(EVP_PKEY_get_bn_param(pub2->pkey,
						       OSSL_PKEY_PARAM_PRIV_KEY,
						       &bn),
				 0);
		BN_free(bn);
	}
	if (alg == CR_KEY_ED25519) {
		unsigned char raw[32];
		size_t rawlen = sizeof(raw);

		assert_int_equal(
			EVP_PKEY_get_raw_private_key(pub2->pkey, raw, &rawlen),
			0);
	}
	ERR_clear_error();

	/* The loaded private key signs what the saved public key accepts. */
	assert_int_equal(cr_privkey_sign(&sig, &siglen, priv2,
					 (const unsigned char *)"msg", 3),
			 CR_OK);
	if (alg == CR_KEY_ED25519)
		assert_int_equal(siglen, 64);
	else
		assert_true(siglen >= 8 && siglen <= 72);
	assert_int_equal(cr_pubkey_verify(pub, (const unsigned char *)"msg", 3,
					  sig, siglen),
			 CR_OK);
	assert_int_equal(cr_pubkey_verify(pub, (const unsigned char *)"msG", 3,
					  sig, siglen),
			 CR_EFAIL);
	assert_int_equal(ERR_peek_error(), 0);

	free(sig);
	cr_pubkey_free(pub);
	cr_pubkey_free(pub2);
	cr_privkey_free(priv);
	cr_privkey_free(priv2);
}

static void
test_roundtrip_ed25519(void **state)
{
	(void)state;
	roundtrip(CR_KEY_ED25519, "ed");
}

static void
test_roundtrip_p256(void **state)
{
	(void)state;
	roundtrip(CR_KEY_P256, "ec");
}

static void
test_save_noclobber(void **state)
{
	struct cr_privkey *priv = NULL;
	struct stat st;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(cr_privkey_generate(&priv, CR_KEY_ED25519), CR_OK);

	/* An existing .key: refused, nothing written, old bytes kept. */
	scratch_write("a.key", "old", 3);
	assert_int_equal(cr_privkey_save(priv, path("a")), CR_ERROR);
	assert_error_has("a.key: already exists");
	assert_int_equal(stat(path("a.pub"), &st), -1);
	assert_int_equal(cr_read_file(&buf, &len, path("a.key"), 100), CR_OK);
	assert_string_equal(buf, "old");
	free(buf);

	/* An existing .pub: refused before the .key is written. */
	scratch_write("b.pub", "old", 3);
	assert_int_equal(cr_privkey_save(priv, path("b")), CR_ERROR);
	assert_error_has("b.pub: already exists");
	assert_int_equal(stat(path("b.key"), &st), -1);

	/* A dangling symlink counts as existing: never written through. */
	assert_int_equal(symlink("nowhere", path("c.key")), 0);
	assert_int_equal(cr_privkey_save(priv, path("c")), CR_ERROR);
	assert_int_equal(stat(path("nowhere"), &st), -1);

	/* A directory that does not exist: an error naming the file. */
	assert_int_equal(cr_privkey_save(priv, path("no/such")), CR_ERROR);
	assert_error_has("no/such.key");
	cr_privkey_free(priv);
}

/* Keys made by the openssl command line load, and ids match its DER. */
static void
openssl_key(const char *genargs, const char *conv, enum cr_key_alg alg)
{
	struct cr_privkey *priv = NULL;
	struct cr_pubkey *pub = NULL;
	unsigned char *sig = NULL;
	size_t siglen;
	char *hex;
	size_t len;

	assert_int_equal(sh("rm -f o.key o.pub o.id && openssl genpkey %s "
			    "-out o.key %s && openssl pkey -in o.key -pubout "
			    "-out o.pub && openssl pkey -pubin -in o.pub "
			    "-outform DER | sha256sum | cut -c1-64 | "
			    "tr -d '\\n' >o.id",
			    genargs, conv),
			 0);
	assert_int_equal(cr_privkey_load(&priv, path("o.key")), CR_OK);
	assert_int_equal(priv->alg, alg);
	assert_int_equal(cr_pubkey_load(&pub, path("o.pub")), CR_OK);
	assert_int_equal(cr_read_file(&hex, &len, path("o.id"), 100), CR_OK);
	assert_int_equal(len, 64);
	assert_string_equal(pub->keyid, hex);
	assert_string_equal(priv->keyid, hex);
	free(hex);
	assert_int_equal(cr_privkey_sign(&sig, &siglen, priv,
					 (const unsigned char *)"x", 1),
			 CR_OK);
	assert_int_equal(cr_pubkey_verify(pub, (const unsigned char *)"x", 1,
					  sig, siglen),
			 CR_OK);
	free(sig);
	cr_pubkey_free(pub);
	cr_privkey_free(priv);
}

static void
test_openssl_keys(void **state)
{
	(void)state;
	openssl_key("-algorithm ed25519", "", CR_KEY_ED25519);
	openssl_key("-algorithm EC -pkeyopt ec_paramgen_curve:P-256", "",
		    CR_KEY_P256);
	/* The traditional "EC PRIVATE KEY" form. */
	openssl_key("-algorithm EC -pkeyopt ec_paramgen_curve:P-256",
		    "&& openssl pkey -in o.key -traditional -out o.trad && "
		    "mv o.trad o.key && grep -q 'BEGIN EC PRIVATE KEY' o.key",
		    CR_KEY_P256);
}

static void
refused_pub(const char *name, const char *why)
{
	struct cr_pubkey *pub = (void *)1;

	assert_int_equal(cr_pubkey_load(&pub, path(name)), CR_ERROR);
	assert_null(pub);
	assert_error_has(path(name));
	assert_error_has(why);
	assert_null(strchr(cr_error_last(), '\n'));
	assert_int_equal(ERR_peek_error(), 0);
}

static void
refused_priv(const char *name, const char *why)
{
	struct cr_privkey *priv = (void *)1;

	assert_int_equal(cr_privkey_load(&priv, path(name)), CR_ERROR);
	assert_null(priv);
	assert_error_has(path(name));
	assert_error_has(why);
	assert_null(strchr(cr_error_last(), '\n'));
}

static void
test_refused_keys(void **state)
{
	static const char garbage[] = "hello\n";
	struct cr_privkey *priv = NULL;
	struct cr_pubkey *pub = NULL;
	char *pem, *two;
	size_t len;

	(void)state;
	assert_int_equal(
		sh("openssl genpkey -algorithm ed25519 -out ed.key "
		   "&& openssl pkey -in ed.key -pubout -out ed.pub "
		   "&& openssl genpkey -algorithm RSA -pkeyopt "
		   "rsa_keygen_bits:1024 -out rsa.key "
		   "&& openssl pkey -in rsa.key -pubout -out rsa.pub "
		   "&& openssl genpkey -algorithm EC -pkeyopt "
		   "ec_paramgen_curve:P-384 -out p384.key "
		   "&& openssl pkey -in p384.key -pubout -out p384.pub "
		   "&& openssl ecparam -name prime256v1 -param_enc "
		   "explicit -genkey -noout -out explicit.key "
		   "&& openssl pkey -in explicit.key -pubout -out "
		   "explicit.pub "
		   "&& openssl req -x509 -new -key ed.key -subj /CN=x "
		   "-days 1 -out cert.pem "
		   "&& openssl pkey -in ed.key -aes256 -passout "
		   "pass:secret -out enc.key "
		   "&& openssl ec -in explicit.key -param_enc "
		   "named_curve -aes256 -passout pass:secret -out "
		   "encec.key"),
		0);
	scratch_write("garbage", garbage, sizeof(garbage) - 1);
	scratch_write("empty", "", 0);

	refused_pub("ed.key", "is a private key");
	refused_pub("cert.pem", "is a certificate");
	refused_pub("rsa.pub", "RSA keys are not supported");
	refused_pub("p384.pub", "unsupported curve");
	refused_pub("explicit.pub", "explicit curve parameters");
	refused_pub("garbage", "not a public key (expected PEM 'PUBLIC KEY')");
	refused_pub("empty", "not a public key");
	refused_pub("no-such-file", "No such file");
	refused_pub(".", "is a directory");

	/* A second block after the key would be ignored: refused. */
	assert_int_equal(cr_read_file(&pem, &len, path("ed.pub"), 4096), CR_OK);
	assert_true(asprintf(&two, "%s%s", pem, pem) > 0);
	scratch_write("two.pub", two, strlen(two));
	refused_pub("two.pub", "unexpected data after the public key");
	free(two);
	/* Text before the block is allowed, as OpenSSL allows it. */
	assert_true(asprintf(&two, "a comment\n%s\n\n", pem) > 0);
	scratch_write("comment.pub", two, strlen(two));
	assert_int_equal(cr_pubkey_load(&pub, path("comment.pub")), CR_OK);
	cr_pubkey_free(pub);
	free(two);
	free(pem);

	refused_priv("ed.pub", "is a public key");
	refused_priv("rsa.key", "RSA keys are not supported");
	refused_priv("p384.key", "unsupported curve");
	refused_priv("explicit.key", "explicit curve parameters");
	refused_priv("enc.key", "encrypted");
	refused_priv("encec.key", "encrypted");
	refused_priv("cert.pem", "not a private key");
	refused_priv("garbage", "not a private key");
	refused_priv("empty", "not a private key");

	/* Too large: refused before parsing. */
	two = calloc(1, CR_KEY_FILE_MAX + 10);
	assert_non_null(two);
	memset(two, 'A', CR_KEY_FILE_MAX + 9);
	scratch_write("huge.pub", two, CR_KEY_FILE_MAX + 9);
	free(two);
	refused_pub("huge.pub", "larger than");

	/* The good one still loads. */
	assert_int_equal(cr_privkey_load(&priv, path("ed.key")), CR_OK);
	cr_privkey_free(priv);
}

static void
test_der(void **state)
{
	struct cr_privkey *priv = NULL;
	struct cr_pubkey *pub = NULL;
	unsigned char *der = NULL, ber[128];
	int n;

	(void)state;
	assert_int_equal(cr_privkey_generate(&priv, CR_KEY_ED25519), CR_OK);
	n = i2d_PUBKEY(priv->pkey, &der);
	assert_int_equal(n, 44);
	assert_int_equal(cr_pubkey_from_der(&pub, der, (size_t)n, "k"), CR_OK);
	assert_string_equal(pub->keyid, priv->keyid);
	cr_pubkey_free(pub);

	/* Trailing bytes. */
	memcpy(ber, der, 44);
	ber[44] = 0;
	assert_int_equal(cr_pubkey_from_der(&pub, ber, 45, "k"), CR_ERROR);
	/* The same key with a non-minimal (long form) outer length. */
	ber[0] = 0x30;
	ber[1] = 0x81;
	ber[2] = 0x2a;
	memcpy(ber + 3, der + 2, 42);
	assert_int_equal(cr_pubkey_from_der(&pub, ber, 45, "k"), CR_ERROR);
	assert_null(pub);
	/* Truncated. */
	assert_int_equal(cr_pubkey_from_der(&pub, der, 43, "k"), CR_ERROR);
	assert_int_equal(cr_pubkey_from_der(&pub, der, 0, "k"), CR_ERROR);
	assert_int_equal(ERR_peek_error(), 0);
	OPENSSL_free(der);
	cr_privkey_free(priv);
}

/*
 * One P-256 key, three point encodings: the same key id, the one of the
 * uncompressed SPKI (which is what keygen prints), from the public and the
 * private side.
 */
static void
test_point_forms(void **state)
{
	static const char *const forms[] = {"uncompressed", "compressed",
					    "hybrid"};
	struct cr_privkey *priv = NULL;
	struct cr_pubkey *pub = NULL;
	EVP_PKEY *copy;
	unsigned char *der, md[CR_SHA256_LEN];
	static const unsigned char tag[][2] = {{4, 4}, {2, 3}, {6, 7}};
	char want[CR_SHA256_HEXLEN + 1];
	size_t i;
	int n;

	(void)state;
	assert_int_equal(cr_privkey_generate(&priv, CR_KEY_P256), CR_OK);
	der = NULL;
	n = i2d_PUBKEY(priv->pkey, &der);
	assert_int_equal(n, 91);
	assert_int_equal(cr_sha256_buf(md, der, (size_t)n), CR_OK);
	cr_hex_encode(want, md, sizeof(md));
	OPENSSL_free(der);
	assert_string_equal(priv->keyid, want);
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		copy = EVP_PKEY_dup(priv->pkey);
		assert_non_null(copy);
		assert_int_equal(
			EVP_PKEY_set_utf8_string_param(
				copy,
				OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
				forms[i]),
			1);
		der = NULL;
		n = i2d_PUBKEY(copy, &der);
		assert_int_equal(n, i == 1 ? 59 : 91);
		assert_int_equal(cr_pubkey_from_der(&pub, der, (size_t)n, "k"),
				 CR_OK);
		assert_string_equal(pub->keyid, want);
		/* The point's first byte says its form: 04, 02/03, 06/07. */
		assert_true(der[26] == tag[i][0] || der[26] == tag[i][1]);
		cr_pubkey_free(pub);
		pub = NULL;
		OPENSSL_free(der);
		EVP_PKEY_free(copy);
	}
	cr_privkey_free(priv);
}

static void
test_raw_ed25519(void **state)
{
	struct cr_privkey *priv = NULL, *ec = NULL;
	struct cr_pubkey *pub = NULL, *raw = NULL, *ecpub = NULL;
	unsigned char bytes[32], again[32], *sig = NULL;
	size_t siglen;

	(void)state;
	assert_int_equal(cr_privkey_generate(&priv, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_privkey_public(&pub, priv), CR_OK);
	assert_int_equal(cr_pubkey_raw_ed25519(bytes, pub), CR_OK);
	assert_int_equal(cr_pubkey_from_raw_ed25519(&raw, bytes, "log key"),
			 CR_OK);
	assert_string_equal(raw->keyid, priv->keyid);
	assert_string_equal(raw->name, "log key");
	assert_int_equal(cr_pubkey_raw_ed25519(again, raw), CR_OK);
	assert_memory_equal(bytes, again, 32);
	assert_int_equal(cr_privkey_sign(&sig, &siglen, priv,
					 (const unsigned char *)"note", 4),
			 CR_OK);
	assert_int_equal(cr_pubkey_verify(raw, (const unsigned char *)"note", 4,
					  sig, siglen),
			 CR_OK);

	/* A P-256 key has no raw Ed25519 form. */
	assert_int_equal(cr_privkey_generate(&ec, CR_KEY_P256), CR_OK);
	assert_int_equal(cr_privkey_public(&ecpub, ec), CR_OK);
	assert_int_equal(cr_pubkey_raw_ed25519(again, ecpub), CR_ERROR);
	assert_error_has("not an Ed25519 key");
	/* An Ed25519 signature does not pass for the P-256 key. */
	assert_int_equal(cr_pubkey_verify(ecpub, (const unsigned char *)"note",
					  4, sig, siglen),
			 CR_EFAIL);

	free(sig);
	cr_pubkey_free(pub);
	cr_pubkey_free(raw);
	cr_pubkey_free(ecpub);
	cr_privkey_free(priv);
	cr_privkey_free(ec);
}

static void
test_bad_signatures(void **state)
{
	struct cr_privkey *ed = NULL, *ec = NULL, *other = NULL;
	struct cr_pubkey *edpub = NULL, *ecpub = NULL, *otherpub = NULL;
	const unsigned char msg[] = "the message";
	unsigned char *sig = NULL, *bad = NULL;
	size_t siglen;

	(void)state;
	assert_int_equal(cr_privkey_generate(&ed, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_privkey_generate(&ec, CR_KEY_P256), CR_OK);
	assert_int_equal(cr_privkey_generate(&other, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_privkey_public(&edpub, ed), CR_OK);
	assert_int_equal(cr_privkey_public(&ecpub, ec), CR_OK);
	assert_int_equal(cr_privkey_public(&otherpub, other), CR_OK);

	/* Ed25519: a flipped bit, wrong lengths, another key. */
	assert_int_equal(cr_privkey_sign(&sig, &siglen, ed, msg, sizeof(msg)),
			 CR_OK);
	assert_int_equal(cr_pubkey_verify(edpub, msg, sizeof(msg), sig, siglen),
			 CR_OK);
	assert_int_equal(
		cr_pubkey_verify(otherpub, msg, sizeof(msg), sig, siglen),
		CR_EFAIL);
	assert_int_equal(cr_pubkey_verify(edpub, msg, sizeof(msg), sig, 63),
			 CR_EFAIL);
	assert_int_equal(cr_pubkey_verify(edpub, msg, sizeof(msg), sig, 0),
			 CR_EFAIL);
	bad = malloc(65);
	memcpy(bad, sig, 64);
	bad[64] = 0;
	assert_int_equal(cr_pubkey_verify(edpub, msg, sizeof(msg), bad, 65),
			 CR_EFAIL);
	bad[10] ^= 1;
	assert_int_equal(cr_pubkey_verify(edpub, msg, sizeof(msg), bad, 64),
			 CR_EFAIL);
	free(bad);
	free(sig);
	assert_int_equal(ERR_peek_error(), 0);

	/* P-256: DER only, no trailing bytes, no long-form lengths. */
	assert_int_equal(cr_privkey_sign(&sig, &siglen, ec, msg, sizeof(msg)),
			 CR_OK);
	assert_int_equal(sig[0], 0x30);
	assert_int_equal(sig[1], siglen - 2);
	assert_int_equal(cr_pubkey_verify(ecpub, msg, sizeof(msg), sig, siglen),
			 CR_OK);
	assert_int_equal(
		cr_pubkey_verify(ecpub, msg, sizeof(msg) - 1, sig, siglen),
		CR_EFAIL);
	bad = malloc(siglen + 1);
	memcpy(bad, sig, siglen);
	bad[siglen] = 0;
	assert_int_equal(
		cr_pubkey_verify(ecpub, msg, sizeof(msg), bad, siglen + 1),
		CR_EFAIL);
	/* Same (r, s), outer length in long form: valid BER, not DER. */
	free(bad);
	bad = malloc(siglen + 1);
	bad[0] = 0x30;
	bad[1] = 0x81;
	bad[2] = (unsigned char)(siglen - 2);
	memcpy(bad + 3, sig + 2, siglen - 2);
	assert_int_equal(
		cr_pubkey_verify(ecpub, msg, sizeof(msg), bad, siglen + 1),
		CR_EFAIL);
	/* A raw 64-byte r||s is not accepted either. */
	assert_int_equal(cr_pubkey_verify(ecpub, msg, sizeof(msg), bad, 64),
			 CR_EFAIL);
	/* An Ed25519 key does not take an ECDSA signature. */
	assert_int_equal(cr_pubkey_verify(edpub, msg, sizeof(msg), sig, siglen),
			 CR_EFAIL);
	assert_int_equal(ERR_peek_error(), 0);
	free(bad);
	free(sig);

	cr_pubkey_free(edpub);
	cr_pubkey_free(ecpub);
	cr_pubkey_free(otherpub);
	cr_privkey_free(ed);
	cr_privkey_free(ec);
	cr_privkey_free(other);
}

static void
test_alg_names(void **state)
{
	(void)state;
	assert_string_equal(cr_key_alg_name(CR_KEY_ED25519), "ed25519");
	assert_string_equal(cr_key_alg_name(CR_KEY_P256), "p256");
	assert_int_equal(cr_privkey_generate(&(struct cr_privkey *){NULL}, 7),
			 CR_ERROR);
}

/* cr_key_id_der: the key id of canonical DER, what engine keys get. */
static void
test_key_id_der(void **state)
{
	static const enum cr_key_alg algs[] = {CR_KEY_ED25519, CR_KEY_P256};
	struct cr_privkey *key;
	enum cr_key_alg alg;
	unsigned char *der = NULL;
	char id[CR_SHA256_HEXLEN + 1];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(cr_privkey_generate(&key, algs[i]), CR_OK);
		n = i2d_PUBKEY(key->pkey, &der);
		assert_true(n > 0);
		assert_int_equal(cr_key_id_der(id, &alg, der, (size_t)n, "t"),
				 CR_OK);
		assert_int_equal(alg, algs[i]);
		assert_string_equal(id, key->keyid);
		/* A byte off, or one short, is not canonical. */
		der[3] ^= 1;
		assert_int_equal(cr_key_id_der(id, &alg, der, (size_t)n, "t"),
				 CR_ERROR);
		der[3] ^= 1;
		assert_int_equal(
			cr_key_id_der(id, &alg, der, (size_t)n - 1, "t"),
			CR_ERROR);
		OPENSSL_free(der);
		der = NULL;
		cr_privkey_free(key);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_ed25519),
		cmocka_unit_test(test_roundtrip_p256),
		cmocka_unit_test(test_save_noclobber),
		cmocka_unit_test(test_openssl_keys),
		cmocka_unit_test(test_refused_keys),
		cmocka_unit_test(test_der),
		cmocka_unit_test(test_point_forms),
		cmocka_unit_test(test_raw_ed25519),
		cmocka_unit_test(test_key_id_der),
		cmocka_unit_test(test_bad_signatures),
		cmocka_unit_test(test_alg_names),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
