/*
 * Tests of C2SP signed notes, vkeys, cosignatures and checkpoints: public
 * examples verify, our signatures follow the rules (checked here with
 * OpenSSL directly), and malformed notes are refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "error.h"
#include "note_format.h"
#include "note.h"
#include "note_sign.h"
#include "util.h"

/* The example of golang.org/x/mod/sumdb/note's package documentation. */
static const char go_vkey[] =
	"PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_text[] =
	"If you think cryptography is the answer to your problem,\n"
	"then you don't know what your problem is.\n";
static const char go_note[] =
	"If you think cryptography is the answer to your problem,\n"
	"then you don't know what your problem is.\n"
	"\n"
	"\xe2\x80\x94 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZI"
	"nNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
/* Its signer key "PRIVATE+KEY+PeterNeumann+c74f20a3+<base64(0x01||seed)>". */
static const char go_skey_b64[] =
	"AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";

/* The example of the c2sp.org/signed-note specification. */
static const char c2sp_vkey[] =
	"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";
static const char c2sp_note[] =
	"This is an example message.\n\n\xe2\x80\x94 example.com/foo Uw2QOkn8s"
	"rV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwH"
	"jG1Yu72IneyaQM=\n";

static struct cr_privkey *
make_key(const unsigned char *seed)
{
	struct cr_privkey *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	k->pkey = seed != NULL ? EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519,
							      NULL, seed, 32)
			       : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(k->pkey);
	k->alg = CR_KEY_ED25519;
	return k;
}

static struct cr_note *
parse(const char *s)
{
	struct cr_note *n = NULL;

	assert_int_equal(cr_note_parse(&n, s, strlen(s), "test"), CR_OK);
	return n;
}

static void
public_examples_verify(void **state)
{
	struct cr_note_verifier *v = NULL, *c = NULL;
	struct cr_note *n;
	char *bad;

	(void)state;
	assert_int_equal(cr_note_verifier_parse(&v, go_vkey, "go"), CR_OK);
	assert_string_equal(v->name, "PeterNeumann");
	n = parse(go_note);
	assert_string_equal(n->text, go_text);
	assert_int_equal(n->nsigs, 1);
	assert_int_equal(n->sigs[0].keyid, 0xc74f20a3);
	assert_int_equal(cr_note_check(n, v, "go", NULL), CR_OK);
	cr_note_free(n);

	/* One changed byte of text: the signature no longer holds. */
	bad = strdup(go_note);
	bad[3] = 'X';
	n = parse(bad);
	assert_int_equal(cr_note_check(n, v, "go", NULL), CR_EFAIL);
	assert_non_null(strstr(cr_error_last(), "bad signature"));
	cr_note_free(n);
	free(bad);

	/* The other example's key is not PeterNeumann's: no signature by it. */
	assert_int_equal(cr_note_verifier_parse(&c, c2sp_vkey, "c2sp"), CR_OK);
	n = parse(go_note);
	assert_int_equal(cr_note_check(n, c, "go", NULL), CR_EFAIL);
	assert_non_null(strstr(cr_error_last(), "no signature"));
	cr_note_free(n);
	n = parse(c2sp_note);
	assert_int_equal(cr_note_check(n, c, "c2sp", NULL), CR_OK);
	assert_int_equal(cr_note_check(n, v, "c2sp", NULL), CR_EFAIL);
	cr_note_free(n);
	cr_note_verifier_free(c);
	cr_note_verifier_free(v);
}

/* Signing the Go example text with its published key gives its bytes. */
static void
sign_known_answer(void **state)
{
	struct cr_privkey *k;
	unsigned char *seed = NULL, raw[32];
	size_t len = 0;
	char *out = NULL, *vkey = NULL;

	(void)state;
	assert_int_equal(
		cr_base64_decode(&seed, &len, go_skey_b64, strlen(go_skey_b64)),
		0);
	assert_int_equal(len, 33);
	assert_int_equal(seed[0], 1);
	k = make_key(seed + 1);
	assert_int_equal(cr_note_sign(&out, &len, go_text, strlen(go_text),
				      "PeterNeumann", k),
			 CR_OK);
	assert_string_equal(out, go_note);
	assert_int_equal(len, strlen(go_note));
	assert_int_equal(cr_note_signer_raw(raw, k), CR_OK);
	assert_int_equal(cr_note_vkey_format(&vkey, "PeterNeumann",
					     CR_NOTE_ED25519, raw),
			 CR_OK);
	assert_string_equal(vkey, go_vkey);
	free(vkey);
	free(out);
	free(seed);
	cr_privkey_free(k);
}

/*
 * Checks a signature line by the rules of the spec, with OpenSSL alone:
 * key id = SHA-256(name || 0x0A || type || pub)[:4], then an Ed25519
 * signature over msg.
 */
static void
check_line_independently(const char *line, const char *name, unsigned char type,
			 const unsigned char pub[32], const unsigned char *msg,
			 size_t msglen, size_t extra)
{
	unsigned char *blob = NULL, id[32];
	size_t blen = 0, idlen = 0;
	EVP_MD_CTX *ctx;
	EVP_PKEY *pk;
	char *pre;
	const char *b64;

	assert_int_equal(asprintf(&pre, "\xe2\x80\x94 %s ", name) > 0, 1);
	assert_int_equal(strncmp(line, pre, strlen(pre)), 0);
	b64 = line + strlen(pre);
	assert_int_equal(
		cr_base64_decode(&blob, &blen, b64, strcspn(b64, "\n")), 0);
	assert_int_equal(blen, 4 + extra + 64);
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_sha256(), NULL), 1);
	EVP_DigestUpdate(ctx, name, strlen(name));
	EVP_DigestUpdate(ctx, "\n", 1);
	EVP_DigestUpdate(ctx, &type, 1);
	EVP_DigestUpdate(ctx, pub, 32);
	EVP_DigestFinal_ex(ctx, id, (unsigned int *)&idlen);
	EVP_MD_CTX_free(ctx);
	assert_memory_equal(blob, id, 4);
	pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32);
	ctx = EVP_MD_CTX_new();
	assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, pk), 1);
	assert_int_equal(
		EVP_DigestVerify(ctx, blob + 4 + extra, 64, msg, msglen), 1);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	free(blob);
	free(pre);
}

static void
our_notes_follow_the_rules(void **state)
{
	static const char text[] = "example.test/log\n7\n"
				   "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hS"
				   "uFU=\n";
	struct cr_privkey *k = make_key(NULL), *w = make_key(NULL);
	struct cr_note_verifier *v = NULL, *wv = NULL;
	unsigned char pub[32], wpub[32], msg[512];
	char *out = NULL, *line = NULL, *vkey = NULL, *cosigned = NULL;
	size_t len = 0, llen = 0;
	uint64_t ts = 0;
	struct cr_note *n;
	int mlen;

	(void)state;
	assert_int_equal(cr_note_signer_raw(pub, k), CR_OK);
	assert_int_equal(cr_note_signer_raw(wpub, w), CR_OK);
	assert_int_equal(cr_note_sign(&out, &len, text, strlen(text),
				      "example.test/log", k),
			 CR_OK);
	assert_memory_equal(out, text, strlen(text));
	assert_int_equal(out[strlen(text)], '\n');
	check_line_independently(out + strlen(text) + 1, "example.test/log",
				 0x01, pub, (const unsigned char *)text,
				 strlen(text), 0);

	/* A timestamped cosignature over "cosignature/v1\ntime T\n" + text. */
	assert_int_equal(cr_note_sign_line(&line, &llen, text, strlen(text),
					   "witness.test/w1", CR_NOTE_COSIG_V1,
					   1679315147, w),
			 CR_OK);
	mlen = snprintf((char *)msg, sizeof(msg),
			"cosignature/v1\ntime 1679315147\n%s", text);
	check_line_independently(line, "witness.test/w1", 0x04, wpub, msg,
				 (size_t)mlen, 8);
	assert_int_equal(asprintf(&cosigned, "%s%s", out, line) > 0, 1);

	n = parse(cosigned);
	assert_int_equal(n->nsigs, 2);
	assert_int_equal(cr_note_vkey_format(&vkey, "example.test/log",
					     CR_NOTE_ED25519, pub),
			 CR_OK);
	assert_int_equal(cr_note_verifier_parse(&v, vkey, "log"), CR_OK);
	assert_int_equal(cr_note_check(n, v, "cp", NULL), CR_OK);
	free(vkey);
	assert_int_equal(cr_note_vkey_format(&vkey, "witness.test/w1",
					     CR_NOTE_COSIG_V1, wpub),
			 CR_OK);
	assert_int_equal(cr_note_verifier_parse(&wv, vkey, "w1"), CR_OK);
	assert_int_equal(cr_note_check(n, wv, "cp", &ts), CR_OK);
	assert_int_equal(ts, 1679315147);
	/* The log key does not cosign, the witness key does not sign. */
	v->type = CR_NOTE_COSIG_V1;
	assert_int_equal(cr_note_check(n, v, "cp", NULL), CR_EFAIL);
	cr_note_free(n);

	/* A changed byte breaks the cosignature. */
	free(cosigned);
	line[strlen(line) - 20] ^= 1;
	assert_int_equal(asprintf(&cosigned, "%s%s", out, line) > 0, 1);
	if (cr_note_parse(&n, cosigned, strlen(cosigned), "x") == CR_OK) {
		assert_int_equal(cr_note_check(n, wv, "cp", NULL), CR_EFAIL);
		cr_note_free(n);
	}
	free(cosigned);
	free(vkey);
	free(line);
	free(out);
	cr_note_verifier_free(v);
	cr_note_verifier_free(wv);
	cr_privkey_free(k);
	cr_privkey_free(w);
}

static void
malformed_notes_refused(void **state)
{
	static const char *bad[] = {
		"",
		"text\n",
		"text\n\n",
		"text\n\n\xe2\x80\x94 name\n",
		"text\n\n\xe2\x80\x94 na+me AAAAAAAA\n",
		"text\n\n\xe2\x80\x94 name AAAA\n",
		"text\n\n\xe2\x80\x94 name AAAAAAAA$\n",
		"text\n\n\xe2\x80\x94 name AAAAAAAA",
		"te\txt\n\n\xe2\x80\x94 name AAAAAAAA\n",
		"te\xffxt\n\n\xe2\x80\x94 name AAAAAAAA\n",
		"te\xc0\xafxt\n\n\xe2\x80\x94 name AAAAAAAA\n",
		"text\n\n- name AAAAAAAA\n",
		"text\n\n\xe2\x80\x94 na\xc2\xa0me AAAAAAAA\n",
	};
	struct cr_note *n = NULL;
	char *many;
	size_t i, off;

	(void)state;
	for (i = 0; i < CR_ARRAY_SIZE(bad); i++) {
		assert_int_equal(
			cr_note_parse(&n, bad[i], strlen(bad[i]), "bad.note"),
			CR_ERROR);
		assert_null(n);
		assert_non_null(strstr(cr_error_last(), "bad.note: "));
	}
	many = malloc(8192);
	off = (size_t)sprintf(many, "text\n\n");
	for (i = 0; i < CR_NOTE_MAX_SIGS + 1; i++)
		off += (size_t)sprintf(many + off, "\xe2\x80\x94 n AAAAAAAA\n");
	assert_int_equal(cr_note_parse(&n, many, off, "many"), CR_ERROR);
	free(many);
	/* The text may hold blank lines: the last one splits. */
	n = parse("a\n\nb\n\n\xe2\x80\x94 n AAAAAAAA\n");
	assert_string_equal(n->text, "a\n\nb\n");
	cr_note_free(n);
}

static void
vkeys_and_checkpoints(void **state)
{
	struct cr_note_verifier *v = NULL;
	struct cr_checkpoint cp;
	char *s = NULL, bad[128];
	size_t len = 0;
	static const char good[] =
		"example.com/behind-the-sofa\n20852163\n"
		"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
	static const char *bad_cps[] = {
		"o\n1\n",
		"o\n01\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n-1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom_Xajj7h2fB2MPA3j2jxq2I=\n",
		"\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n",
		"o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\next\n",
		"o\n99999999999999999999\nCsUYapGGPo4dkMgIAUqom/"
		"Xajj7h2fB2MPA3j2jxq2I=\n",
	};
	size_t i;

	(void)state;
	assert_int_equal(cr_checkpoint_parse(&cp, good, strlen(good), "cp"),
			 CR_OK);
	assert_string_equal(cp.origin, "example.com/behind-the-sofa");
	assert_int_equal(cp.size, 20852163);
	assert_int_equal(cr_checkpoint_format(&s, &len, &cp), CR_OK);
	assert_string_equal(s, good);
	free(s);
	for (i = 0; i < CR_ARRAY_SIZE(bad_cps); i++)
		assert_int_equal(cr_checkpoint_parse(&cp, bad_cps[i],
						     strlen(bad_cps[i]), "cp"),
				 CR_ERROR);
	/* A vkey whose key id does not match, or mangled, is refused. */
	snprintf(bad, sizeof(bad), "%s", go_vkey);
	bad[14] = bad[14] == '0' ? '1' : '0';
	assert_int_equal(cr_note_verifier_parse(&v, bad, "k"), CR_ERROR);
	assert_int_equal(
		cr_note_verifier_parse(&v, "PeterNeumann+c74f20a3", "k"),
		CR_ERROR);
	snprintf(bad, sizeof(bad), "Peter+Neumann+c74f20a3+%s", go_vkey + 22);
	assert_int_equal(cr_note_verifier_parse(&v, bad, "k"), CR_ERROR);
	assert_null(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(public_examples_verify),
		cmocka_unit_test(sign_known_answer),
		cmocka_unit_test(our_notes_follow_the_rules),
		cmocka_unit_test(malformed_notes_refused),
		cmocka_unit_test(vkeys_and_checkpoints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
