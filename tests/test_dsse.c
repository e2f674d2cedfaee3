/* Unit tests for lib/dsse.c and lib/dsse_sign.c: PAE, parsing, files, signing, OpenSSL interop. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "dsse.h"
#include "dsse_write.h"
#include "dsse_sign.h"
#include "error.h"
#include "json_keys.h"
#include "key.h"
#include "signer.h"
#include "util.h"

#include "scratch.h"

#define TYPE CR_INTOTO_PAYLOAD_TYPE

static void
assert_error_has(const char *want)
{
	if (strstr(cr_error_last(), want) == NULL)
		fail_msg("message '%s' lacks '%s'", cr_error_last(), want);
}

/* Standard base64 by OpenSSL, independent of the code under test. */
static char *
b64(const void *buf, size_t len)
{
	char *out = malloc(len / 3 * 4 + 8);

	assert_non_null(out);
	EVP_EncodeBlock((unsigned char *)out, buf, (int)len);
	return out;
}

static void
test_pae(void **state)
{
	static const char want[] =
		"DSSEv1 29 http://example.com/HelloWorld 11 hello world";
	unsigned char *pae;
	size_t len;

	(void)state;
	/* The known answer from the DSSE protocol document. */
	assert_int_equal(cr_dsse_pae(&pae, &len,
				     "http://example.com/HelloWorld",
				     (const unsigned char *)"hello world", 11),
			 CR_OK);
	assert_int_equal(len, sizeof(want) - 1);
	assert_memory_equal(pae, want, len);
	free(pae);

	assert_int_equal(cr_dsse_pae(&pae, &len, "", NULL, 0), CR_OK);
	assert_int_equal(len, 12);
	assert_memory_equal(pae, "DSSEv1 0  0 ", 12);
	free(pae);

	/* Binary bodies go in as they are; lengths are bytes, in decimal. */
	assert_int_equal(cr_dsse_pae(&pae, &len, "t\xc3\xa9",
				     (const unsigned char *)"a\0b\n", 4),
			 CR_OK);
	assert_int_equal(len, sizeof("DSSEv1 3 t\xc3\xa9 4 a\0b\n") - 1);
	assert_memory_equal(pae, "DSSEv1 3 t\xc3\xa9 4 a\0b\n", len);
	free(pae);
}

struct keys {
	struct cr_privkey *ed, *ec, *other;
	struct cr_pubkey *edpub, *ecpub, *otherpub;
};

static void
keys_make(struct keys *k)
{
	memset(k, 0, sizeof(*k));
	assert_int_equal(cr_privkey_generate(&k->ed, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_privkey_generate(&k->ec, CR_KEY_P256), CR_OK);
	assert_int_equal(cr_privkey_generate(&k->other, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_privkey_public(&k->edpub, k->ed), CR_OK);
	assert_int_equal(cr_privkey_public(&k->ecpub, k->ec), CR_OK);
	assert_int_equal(cr_privkey_public(&k->otherpub, k->other), CR_OK);
}

static void
keys_free(struct keys *k)
{
	cr_privkey_free(k->ed);
	cr_privkey_free(k->ec);
	cr_privkey_free(k->other);
	cr_pubkey_free(k->edpub);
	cr_pubkey_free(k->ecpub);
	cr_pubkey_free(k->otherpub);
}

static struct cr_dsse *
reparse(const struct cr_dsse *env)
{
	struct cr_dsse *out = NULL;
	char *json;
	size_t len;

	assert_int_equal(cr_dsse_serialize(&json, &len, env), CR_OK);
	assert_int_equal(strlen(json), len);
	assert_null(memchr(json, '\n', len));
	assert_int_equal(cr_dsse_parse(&out, json, len, "env", 1), CR_OK);
	free(json);
	return out;
}

static void
sign_verify(struct cr_privkey *priv, struct cr_pubkey *pub,
	    struct cr_pubkey *wrong)
{
	static const char body[] = "{\"_type\":\"x\"}";
	struct cr_dsse *env = NULL, *back = NULL;

	assert_int_equal(cr_dsse_new(&env, TYPE, (const unsigned char *)body,
				     sizeof(body) - 1),
			 CR_OK);
	assert_int_equal(cr_dsse_sign(env, priv), CR_OK);
	assert_int_equal(env->nsigs, 1);
	assert_string_equal(env->sigs[0].keyid, priv->keyid);
	assert_int_equal(cr_dsse_verify(env, pub), CR_OK);
	assert_int_equal(cr_dsse_verify(env, wrong), CR_EFAIL);
	assert_error_has("no valid signature by");

	back = reparse(env);
	assert_int_equal(back->line, 1);
	assert_string_equal(back->name, "env");
	assert_int_equal(cr_dsse_verify(back, pub), CR_OK);

	/* A changed payload byte. */
	back->payload[2] ^= 1;
	assert_int_equal(cr_dsse_verify(back, pub), CR_EFAIL);
	assert_error_has("env:1: no valid signature by");
	back->payload[2] ^= 1;
	/* A payload one byte shorter. */
	back->payload_len--;
	assert_int_equal(cr_dsse_verify(back, pub), CR_EFAIL);
	back->payload_len++;
	/* A swapped payloadType. */
	free(back->payload_type);
	back->payload_type = strdup("application/vnd.in-toto+jsoN");
	assert_int_equal(cr_dsse_verify(back, pub), CR_EFAIL);
	free(back->payload_type);
	back->payload_type = strdup(TYPE);
	assert_int_equal(cr_dsse_verify(back, pub), CR_OK);
	/* A flipped signature bit. */
	back->sigs[0].sig[5] ^= 0x10;
	assert_int_equal(cr_dsse_verify(back, pub), CR_EFAIL);
	assert_int_equal(ERR_peek_error(), 0);

	cr_dsse_free(back);
	cr_dsse_free(env);
}

static void
test_sign_verify(void **state)
{
	struct keys k;

	(void)state;
	keys_make(&k);
	sign_verify(k.ed, k.edpub, k.otherpub);
	sign_verify(k.ec, k.ecpub, k.edpub);
	sign_verify(k.ed, k.edpub, k.ecpub);
	keys_free(&k);
}

static void
test_keyid_is_a_hint(void **state)
{
	struct cr_dsse *env = NULL;
	struct keys k;

	(void)state;
	keys_make(&k);
	assert_int_equal(
		cr_dsse_new(&env, TYPE, (const unsigned char *)"{}", 2), CR_OK);
	/* Signed by other, ed, ec: each key finds its own signature. */
	assert_int_equal(cr_dsse_sign(env, k.other), CR_OK);
	assert_int_equal(cr_dsse_sign(env, k.ed), CR_OK);
	assert_int_equal(cr_dsse_sign(env, k.ec), CR_OK);
	assert_int_equal(env->nsigs, 3);
	assert_int_equal(cr_dsse_verify(env, k.edpub), CR_OK);
	assert_int_equal(cr_dsse_verify(env, k.ecpub), CR_OK);
	assert_int_equal(cr_dsse_verify(env, k.otherpub), CR_OK);

	/* Lying keyids change nothing, either way. */
	free(env->sigs[1].keyid);
	env->sigs[1].keyid = strdup(k.otherpub->keyid);
	free(env->sigs[0].keyid);
	env->sigs[0].keyid = NULL;
	free(env->sigs[2].keyid);
	env->sigs[2].keyid = strdup(k.edpub->keyid);
	assert_int_equal(cr_dsse_verify(env, k.edpub), CR_OK);
	assert_int_equal(cr_dsse_verify(env, k.ecpub), CR_OK);

	/* Strip ed's signature: ed no longer verifies, the others do. */
	free(env->sigs[1].keyid);
	free(env->sigs[1].sig);
	env->sigs[1] = env->sigs[2];
	env->nsigs = 2;
	assert_int_equal(cr_dsse_verify(env, k.edpub), CR_EFAIL);
	assert_int_equal(cr_dsse_verify(env, k.ecpub), CR_OK);
	assert_int_equal(cr_dsse_verify(env, k.otherpub), CR_OK);
	cr_dsse_free(env);
	keys_free(&k);
}

static void
test_serialize_format(void **state)
{
	static const char body[] = "payload \xff\x00 bytes";
	struct cr_dsse *env = NULL;
	struct keys k;
	char *json, *want, *pb, *sb;
	size_t len;

	(void)state;
	keys_make(&k);
	assert_int_equal(cr_dsse_new(&env, TYPE, (const unsigned char *)body,
				     sizeof(body) - 1),
			 CR_OK);
	assert_int_equal(cr_dsse_sign(env, k.ed), CR_OK);
	assert_int_equal(cr_dsse_serialize(&json, &len, env), CR_OK);
	pb = b64(body, sizeof(body) - 1);
	sb = b64(env->sigs[0].sig, env->sigs[0].siglen);
	assert_true(
		asprintf(&want,
			 "{\"payload\":\"%s\",\"payloadType\":\"%s\","
			 "\"signatures\":[{\"keyid\":\"%s\",\"sig\":\"%s\"}]}",
			 pb, TYPE, k.ed->keyid, sb) > 0);
	assert_string_equal(json, want);
	free(json);
	free(want);
	free(pb);
	free(sb);

	/* No keyid: the field is left out. */
	free(env->sigs[0].keyid);
	env->sigs[0].keyid = NULL;
	assert_int_equal(cr_dsse_serialize(&json, &len, env), CR_OK);
	assert_null(strstr(json, "keyid"));
	free(json);
	cr_dsse_free(env);
	keys_free(&k);
}

/* Parses json and expects CR_ERROR with a message holding want. */
static void
refused(const char *json, const char *want)
{
	struct cr_dsse *env = (void *)1;

	if (cr_dsse_parse(&env, json, strlen(json), "fw.intoto.jsonl", 1) !=
	    CR_ERROR)
		fail_msg("accepted: %s", json);
	assert_null(env);
	if (strncmp(cr_error_last(), "fw.intoto.jsonl:1: ", 19) != 0)
		fail_msg("message '%s' does not start with the name",
			 cr_error_last());
	assert_error_has(want);
	assert_null(strchr(cr_error_last(), '\n'));
}

/* An unsigned envelope parses; its verdict is "not signed", not malformed. */
static void
test_parse_unsigned(void **state)
{
	static const char *forms[] = {
		"{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signatures\":[]}",
		"{\"payload\":\"e30=\",\"payloadType\":\"t\"}",
	};
	struct cr_dsse *env;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_int_equal(
			cr_dsse_parse(&env, forms[i], strlen(forms[i]), "t", 1),
			CR_OK);
		assert_int_equal(env->nsigs, 0);
		cr_dsse_free(env);
	}
}

#define SIG "c2lnbmF0dXJl"
#define ENV(x) "{\"payload\":\"e30=\",\"payloadType\":\"t\"," x "}"

static void
test_parse_errors(void **state)
{
	char *many, *p;
	size_t i;

	(void)state;
	refused("", "not JSON");
	refused("hello", "not JSON");
	refused("[1]", "not a JSON object");
	refused("{\"payload\":\"e30=\",\"payloadType\":\"t\",\"signa",
		"not JSON");
	refused(ENV("\"signatures\":[{\"sig\":\"" SIG "\"}]") " x", "not JSON");
	refused("{\"payload\":\"e30=\",\"payload\":\"e30=\",\"payloadType\":"
		"\"t\",\"signatures\":[{\"sig\":\"" SIG "\"}]}",
		"duplicate key 'payload'");
	refused(ENV("\"signatures\":[{\"sig\":\"" SIG "\",\"sig\":\"" SIG
		    "\"}]"),
		"duplicate key 'sig'");
	refused(ENV("\"signatures\":[{\"keyid\":\"a\",\"keyid\":\"b\",\"sig\":"
		    "\"" SIG "\"}]"),
		"duplicate key 'keyid'");
	refused(ENV("\"signatures\":[],\"signatures\":[{\"sig\":\"" SIG "\"}]"),
		"duplicate key 'signatures'");
	/* Duplicates inside an ignored field are refused too. */
	refused(ENV("\"x\":{\"a\":1,\"a\":2},\"signatures\":[{\"sig\":\"" SIG
		    "\"}]"),
		"duplicate key 'a'");
	refused("{\"payloadType\":\"t\",\"signatures\":[{\"sig\":\"" SIG
		"\"}]}",
		"fw.intoto.jsonl:1: missing payload");
	refused("{\"payload\":\"e30=\",\"signatures\":[{\"sig\":\"" SIG "\"}]}",
		"fw.intoto.jsonl:1: missing payloadType");
	refused("{\"payload\":1,\"payloadType\":\"t\",\"signatures\":[{\"sig\""
		":\"" SIG "\"}]}",
		"fw.intoto.jsonl:1: payload is not a string");
	refused("{\"payload\":\"e30=\",\"payloadType\":null,\"signatures\":[{"
		"\"sig\":\"" SIG "\"}]}",
		"fw.intoto.jsonl:1: payloadType is not a string");
	refused(ENV("\"signatures\":{\"sig\":\"" SIG "\"}"),
		"fw.intoto.jsonl:1: signatures is not an array");
	refused(ENV("\"signatures\":[\"" SIG "\"]"),
		"signature 1 is not an object");
	refused(ENV("\"signatures\":[{\"sig\":\"" SIG "\"},{\"keyid\":\"k\"}]"),
		"fw.intoto.jsonl:1: signature 2: missing sig");
	refused(ENV("\"signatures\":[{\"sig\":[]}]"),
		"signature 1: sig is not a string");
	refused(ENV("\"signatures\":[{\"sig\":\"" SIG "\",\"keyid\":7}]"),
		"signature 1: keyid is not a string");
	refused(ENV("\"signatures\":[{\"sig\":\"\"}]"),
		"signature 1: sig is empty");
	refused("{\"payload\":\"e30==\",\"payloadType\":\"t\",\"signatures\":[{"
		"\"sig\":\"" SIG "\"}]}",
		"fw.intoto.jsonl:1: payload is not valid base64");
	refused("{\"payload\":\"e3 0=\",\"payloadType\":\"t\",\"signatures\":[{"
		"\"sig\":\"" SIG "\"}]}",
		"fw.intoto.jsonl:1: payload is not valid base64");
	refused(ENV("\"signatures\":[{\"sig\":\"c2ln!mF0dXJl\"}]"),
		"signature 1: sig is not valid base64");
	refused(ENV("\"signatures\":[{\"sig\":\"c2+n_mF0dXJl\"}]"),
		"sig is not valid base64");
	refused("{\"payload\":\"e30=\",\"payloadType\":\"a\\u0000b\","
		"\"signatures\":[{\"sig\":\"" SIG "\"}]}",
		"not JSON");
	refused("{\"payload\":\"e30=\",\"payloadType\":\"\xff\","
		"\"signatures\":[{\"sig\":\"" SIG "\"}]}",
		"not JSON");

	/* A signature longer than CR_SIG_MAX bytes. */
	{
		unsigned char raw[CR_SIG_MAX + 1];
		char *sb, *json;

		memset(raw, 7, sizeof(raw));
		sb = b64(raw, sizeof(raw));
		assert_true(asprintf(&json,
				     ENV("\"signatures\":[{\"sig\":\"%s\"}]"),
				     sb) > 0);
		refused(json, "signature 1: sig is too long");
		free(json);
		free(sb);
	}
	/* A line longer than CR_DSSE_LINE_MAX, refused before parsing. */
	{
		struct cr_dsse *env = NULL;
		char *big = malloc(CR_DSSE_LINE_MAX + 1);

		assert_non_null(big);
		memset(big, ' ', CR_DSSE_LINE_MAX + 1);
		assert_int_equal(cr_dsse_parse(&env, big, CR_DSSE_LINE_MAX + 1,
					       "big", 2),
				 CR_ERROR);
		assert_error_has("big:2: envelope larger than");
		free(big);
	}

	/* Too many signatures: CR_DSSE_MAX_SIGS + 1. */
	many = malloc(64 * (CR_DSSE_MAX_SIGS + 2));
	p = many + sprintf(many, "{\"payload\":\"e30=\",\"payloadType\":\"t\","
				 "\"signatures\":[");
	for (i = 0; i <= CR_DSSE_MAX_SIGS; i++)
		p += sprintf(p, "%s{\"sig\":\"" SIG "\"}", i ? "," : "");
	strcpy(p, "]}");
	refused(many, "more than 64");
	free(many);
}

static void
test_parse_ok(void **state)
{
	static const char json[] =
		"{\"payloadType\":\"t\",\"x\":[1,{\"y\":null}],\"signatures\":"
		"[{\"sig\":\"" SIG "\",\"z\":1},{\"keyid\":\"\",\"sig\":\"" SIG
		"\"}],\"payload\":\"e30=\"}";
	struct cr_dsse *env = NULL;

	(void)state;
	/* Any order, unknown fields ignored, empty keyid kept as given. */
	assert_int_equal(cr_dsse_parse(&env, json, sizeof(json) - 1, "m", 0),
			 CR_OK);
	assert_string_equal(env->payload_type, "t");
	assert_int_equal(env->payload_len, 2);
	assert_memory_equal(env->payload, "{}", 2);
	assert_int_equal(env->nsigs, 2);
	assert_null(env->sigs[0].keyid);
	assert_string_equal(env->sigs[1].keyid, "");
	assert_int_equal(env->sigs[0].siglen, 9);
	assert_memory_equal(env->sigs[0].sig, "signature", 9);
	assert_int_equal(env->raw_len, sizeof(json) - 1);
	assert_memory_equal(env->raw, json, env->raw_len);
	assert_int_equal(env->line, 0);
	cr_dsse_free(env);

	/* A message without a line has no ":0". */
	assert_int_equal(cr_dsse_parse(&env, "{}", 2, "mem", 0), CR_ERROR);
	assert_error_has("mem: missing payload");
}

/* base64 to the URL-safe alphabet, without padding. */
static void
urlsafe(char *s)
{
	char *p;

	for (p = s; *p; p++) {
		if (*p == '+')
			*p = '-';
		else if (*p == '/')
			*p = '_';
		else if (*p == '=')
			*p = '\0';
	}
}

static void
test_urlsafe(void **state)
{
	/* Bytes chosen so the standard encoding has '+' and '/'. */
	static const unsigned char body[] = {0xfb, 0xff, 0xbf, 0x7b, 0x7d};
	struct cr_dsse *env = NULL, *back = NULL;
	struct keys k;
	char *pb, *sb, *json;
	int tries;

	(void)state;
	keys_make(&k);
	/* Re-sign until the signature's encoding needs '-' or '_' too. */
	for (tries = 0; tries < 100; tries++) {
		cr_dsse_free(env);
		assert_int_equal(cr_dsse_new(&env, TYPE, body, sizeof(body)),
				 CR_OK);
		assert_int_equal(cr_dsse_sign(env, k.ec), CR_OK);
		sb = b64(env->sigs[0].sig, env->sigs[0].siglen);
		if (strpbrk(sb, "+/") != NULL)
			break;
		free(sb);
		sb = NULL;
	}
	assert_non_null(sb);
	pb = b64(body, sizeof(body));
	assert_non_null(strpbrk(pb, "+/"));
	urlsafe(pb);
	urlsafe(sb);
	assert_true(asprintf(&json,
			     "{\"payload\":\"%s\",\"payloadType\":\"%s"
			     "\",\"signatures\":[{\"sig\":\"%s\"}]}",
			     pb, TYPE, sb) > 0);
	assert_int_equal(cr_dsse_parse(&back, json, strlen(json), "u", 1),
			 CR_OK);
	assert_int_equal(back->payload_len, sizeof(body));
	assert_memory_equal(back->payload, body, sizeof(body));
	assert_int_equal(cr_dsse_verify(back, k.ecpub), CR_OK);
	cr_dsse_free(back);
	free(json);
	free(pb);
	free(sb);
	cr_dsse_free(env);
	keys_free(&k);
}

/* A signed one-line envelope over body, allocated. */
static char *
signed_line(struct cr_privkey *key, const char *body)
{
	struct cr_dsse *env = NULL;
	char *json;
	size_t len;

	assert_int_equal(cr_dsse_new(&env, TYPE, (const unsigned char *)body,
				     strlen(body)),
			 CR_OK);
	assert_int_equal(cr_dsse_sign(env, key), CR_OK);
	assert_int_equal(cr_dsse_serialize(&json, &len, env), CR_OK);
	cr_dsse_free(env);
	return json;
}

static void
test_read_file(void **state)
{
	struct cr_dsse **list = NULL;
	struct keys k;
	char *a, *b, *text;
	size_t n;
	int fd;

	(void)state;
	keys_make(&k);
	a = signed_line(k.ed, "{\"a\":1}");
	b = signed_line(k.ec, "{\"b\":2}");

	/* Lines, a blank line, CRLF, no final newline. */
	assert_true(asprintf(&text, "%s\n\n  \n%s\r\n%s", a, b, a) > 0);
	scratch_write("three.intoto.jsonl", text, strlen(text));
	free(text);
	assert_int_equal(
		cr_dsse_read_file(&list, &n, path("three.intoto.jsonl")),
		CR_OK);
	assert_int_equal(n, 3);
	assert_int_equal(list[0]->line, 1);
	assert_int_equal(list[1]->line, 4);
	assert_int_equal(list[2]->line, 5);
	assert_int_equal(list[1]->raw_len, strlen(b));
	assert_memory_equal(list[1]->raw, b, strlen(b));
	assert_string_equal(list[0]->name, path("three.intoto.jsonl"));
	assert_int_equal(cr_dsse_verify(list[0], k.edpub), CR_OK);
	assert_int_equal(cr_dsse_verify(list[1], k.ecpub), CR_OK);
	assert_int_equal(cr_dsse_verify(list[1], k.edpub), CR_EFAIL);
	assert_memory_equal(list[2]->payload, "{\"a\":1}", 7);
	cr_dsse_list_free(list, n);

	/* One envelope pretty-printed over several lines. */
	assert_int_equal(sh("printf '%%s\\n' '%s' | python3 -m json.tool "
			    ">pretty.json",
			    a),
			 0);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("pretty.json")),
			 CR_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0]->line, 1);
	assert_int_equal(cr_dsse_verify(list[0], k.edpub), CR_OK);
	cr_dsse_list_free(list, n);

	/* Pretty-printed with a duplicate key: that is the error. */
	assert_int_equal(sh("printf '{\\n \"payload\": \"e30=\",\\n "
			    "\"payload\": \"e30=\"\\n}\\n' >prettydup.json"),
			 0);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("prettydup.json")),
			 CR_ERROR);
	assert_error_has("prettydup.json:3: duplicate key 'payload'");

	/* A bad third line is named by its number. */
	assert_true(asprintf(&text, "%s\n%s\n{\"payload\":\"e30=\"\n", a, b) >
		    0);
	scratch_write("bad3.jsonl", text, strlen(text));
	free(text);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("bad3.jsonl")),
			 CR_ERROR);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_error_has("bad3.jsonl:3: not JSON");
	/* A duplicate key on line 2. */
	assert_true(asprintf(&text,
			     "%s\n{\"payload\":\"e30=\",\"payload\":1}\n",
			     a) > 0);
	scratch_write("dup2.jsonl", text, strlen(text));
	free(text);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("dup2.jsonl")),
			 CR_ERROR);
	assert_error_has("dup2.jsonl:2: duplicate key 'payload'");

	/* Empty, blank, missing, a directory. */
	scratch_write("empty.jsonl", "", 0);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("empty.jsonl")),
			 CR_ERROR);
	assert_error_has("empty.jsonl: empty");
	scratch_write("blank.jsonl", "\n \n", 3);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("blank.jsonl")),
			 CR_ERROR);
	assert_error_has("blank.jsonl: empty");
	assert_int_equal(cr_dsse_read_file(&list, &n, path("nope.jsonl")),
			 CR_ERROR);
	assert_error_has("nope.jsonl: No such file");
	assert_int_equal(cr_dsse_read_file(&list, &n, path(".")), CR_ERROR);
	assert_error_has("is a directory");

	/* 100 MB (sparse): refused by size, naming the file and the cap. */
	fd = open(path("huge.jsonl"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 100 * 1000 * 1000), 0);
	close(fd);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("huge.jsonl")),
			 CR_ERROR);
	assert_error_has("huge.jsonl: larger than 64 MiB");
	free(a);
	free(b);
	keys_free(&k);
}

static void
test_too_many_envelopes(void **state)
{
	static const char line[] =
		"{\"payload\":\"\",\"payloadType\":\"t\",\"signatures\":[{"
		"\"sig\":\"" SIG "\"}]}\n";
	struct cr_dsse **list = NULL;
	char *text;
	size_t n, i, ll = sizeof(line) - 1;

	(void)state;
	text = malloc(ll * (CR_DSSE_MAX_ENVELOPES + 1));
	assert_non_null(text);
	for (i = 0; i < CR_DSSE_MAX_ENVELOPES; i++)
		memcpy(text + i * ll, line, ll);
	scratch_write("max.jsonl", text, ll * CR_DSSE_MAX_ENVELOPES);
	assert_int_equal(cr_dsse_read_file(&list, &n, path("max.jsonl")),
			 CR_OK);
	assert_int_equal(n, CR_DSSE_MAX_ENVELOPES);
	cr_dsse_list_free(list, n);
	memcpy(text + i * ll, line, ll);
	scratch_write("over.jsonl", text, ll * (CR_DSSE_MAX_ENVELOPES + 1));
	assert_int_equal(cr_dsse_read_file(&list, &n, path("over.jsonl")),
			 CR_ERROR);
	assert_error_has("over.jsonl: more than 4096 envelopes");
	free(text);
}

/* Writes the envelope's PAE and first signature for the openssl tool. */
static void
write_pae_sig(const struct cr_dsse *env)
{
	unsigned char *pae;
	size_t len;

	assert_int_equal(cr_dsse_pae(&pae, &len, env->payload_type,
				     env->payload, env->payload_len),
			 CR_OK);
	scratch_write("pae", pae, len);
	free(pae);
	scratch_write("sig", env->sigs[0].sig, env->sigs[0].siglen);
}

static void
interop(enum cr_key_alg alg)
{
	static const char body[] =
		"{\"_type\":\"https://in-toto.io/Statement/v1\"}";
	static const char *verify_ed =
		"openssl pkeyutl -verify -pubin -inkey k.pub -rawin -in pae "
		"-sigfile sig";
	static const char *verify_ec =
		"openssl dgst -sha256 -verify k.pub -signature sig pae";
	const char *verify = alg == CR_KEY_ED25519 ? verify_ed : verify_ec;
	struct cr_privkey *priv = NULL;
	struct cr_pubkey *pub = NULL;
	struct cr_dsse *env = NULL;
	char *sig;
	size_t siglen;

	assert_int_equal(sh("rm -f k.key k.pub pae sig"), 0);
	assert_int_equal(cr_privkey_generate(&priv, alg), CR_OK);
	assert_int_equal(cr_privkey_save(priv, path("k")), CR_OK);
	assert_int_equal(cr_pubkey_load(&pub, path("k.pub")), CR_OK);

	/* Ours, checked by OpenSSL's command line; then a tampered one. */
	assert_int_equal(cr_dsse_new(&env, TYPE, (const unsigned char *)body,
				     sizeof(body) - 1),
			 CR_OK);
	assert_int_equal(cr_dsse_sign(env, priv), CR_OK);
	write_pae_sig(env);
	assert_int_equal(sh("%s", verify), 0);
	env->payload[0] = '[';
	write_pae_sig(env);
	assert_int_not_equal(sh("%s", verify), 0);
	env->payload[0] = '{';

	/* OpenSSL's, over our PAE, checked by us; then tampered. */
	write_pae_sig(env);
	assert_int_equal(sh("rm sig && %s",
			    alg == CR_KEY_ED25519
				    ? "openssl pkeyutl -sign -inkey k.key "
				      "-rawin -in pae -out sig"
				    : "openssl dgst -sha256 -sign k.key -out "
				      "sig pae"),
			 0);
	assert_int_equal(cr_read_file(&sig, &siglen, path("sig"), 1024), CR_OK);
	free(env->sigs[0].sig);
	env->sigs[0].sig = (unsigned char *)sig;
	env->sigs[0].siglen = siglen;
	assert_int_equal(cr_dsse_verify(env, pub), CR_OK);
	free(env->payload_type);
	env->payload_type = strdup("text/plain");
	assert_int_equal(cr_dsse_verify(env, pub), CR_EFAIL);

	cr_dsse_free(env);
	cr_pubkey_free(pub);
	cr_privkey_free(priv);
}

static void
test_openssl_interop(void **state)
{
	(void)state;
	interop(CR_KEY_ED25519);
	interop(CR_KEY_P256);
}

static void
test_sign_cap(void **state)
{
	struct cr_dsse *env = NULL;
	struct cr_privkey *ed = NULL;
	size_t i;

	(void)state;
	assert_int_equal(cr_privkey_generate(&ed, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_dsse_new(&env, TYPE, NULL, 0), CR_OK);
	for (i = 0; i < CR_DSSE_MAX_SIGS; i++)
		assert_int_equal(cr_dsse_sign(env, ed), CR_OK);
	assert_int_equal(cr_dsse_sign(env, ed), CR_ERROR);
	assert_int_equal(env->nsigs, CR_DSSE_MAX_SIGS);
	cr_dsse_free(reparse(env));
	cr_dsse_free(env);
	cr_privkey_free(ed);
}

/* Keys that one reader or another takes for one: refused; keys that only
 * look alike: kept. */
static void
test_json_case_keys(void **state)
{
	static const struct {
		const char *json;
		int want;
	} cases[] = {
		{"{\"subject\":1,\"subjects\":2,\"Subjects2\":3}", CR_OK},
		{"{\"subject\":1,\"Subject\":2}", CR_ERROR},
		{"{\"a\":[{\"x\":{\"kEy\":1,\"KeY\":2}}]}", CR_ERROR},
		{"{\"subject\":1,\"\u017fubject\":2}", CR_ERROR},
		{"{\"k\":1,\"\u212a\":2}", CR_ERROR},
		{"{\"\u00e9t\u00e9\":1,\"\u00c9T\u00c9\":2}", CR_ERROR},
		{"{\"\u00e9\":1,\"e\":2,\"\u03a3\":3}", CR_OK},
		{"[{\"a\":1},{\"A\":1}]", CR_OK},
	};
	json_error_t jerr;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = json_loads(cases[i].json, 0, &jerr);

		assert_non_null(j);
		assert_int_equal(cr_json_keys_check(j, "t.json"),
				 cases[i].want);
		if (cases[i].want == CR_ERROR)
			assert_non_null(
				strstr(cr_error_last(), "differ only in case"));
		json_decref(j);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_unsigned),
		cmocka_unit_test(test_pae),
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_keyid_is_a_hint),
		cmocka_unit_test(test_serialize_format),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_urlsafe),
		cmocka_unit_test(test_read_file),
		cmocka_unit_test(test_too_many_envelopes),
		cmocka_unit_test(test_openssl_interop),
		cmocka_unit_test(test_sign_cap),
		cmocka_unit_test(test_json_case_keys),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
