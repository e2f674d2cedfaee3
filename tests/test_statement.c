/* Unit tests for lib/statement.c and lib/attestation.c: statements, trust, thresholds. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "attestation.h"
#include "dsse_sign.h"
#include "dsse_write.h"
#include "error.h"
#include "signer.h"
#include "srcuri.h"
#include "statement.h"
#include "util.h"
#include "write.h"

static const char *argv_make[] = {"make", "all", NULL};
static const char *artifacts[] = {"fw.bin", NULL};

static void
fill(struct cr_provenance *in, struct cr_subject *s, unsigned char tree_byte)
{
	cr_provenance_init(in);
	s->name = "fw.bin";
	memset(s->sha256, 0xab, CR_SHA256_LEN);
	in->build_type = CR_BUILDTYPE_SIGN;
	in->subjects = s;
	in->nsubjects = 1;
	in->external.source_kind = "git";
	in->external.source_uri = "git+https://example.org/repo.git";
	in->external.source_revision = "v1";
	memset(in->tree, tree_byte, CR_SHA256_LEN);
	in->commit = "0123456789012345678901234567890123456789";
	in->external.command = (char *const *)argv_make;
	in->external.artifacts = (char *const *)artifacts;
	in->started = 1704067200;
	in->finished = 1704067201;
}

static void
test_roundtrip(void **state)
{
	struct cr_provenance in;
	struct cr_statement *st;
	struct cr_subject s;
	unsigned char other[CR_SHA256_LEN];
	char *json;
	size_t len;

	(void)state;
	fill(&in, &s, 0x11);
	assert_int_equal(cr_statement_encode(&json, &len, &in), CR_OK);
	assert_non_null(
		strstr(json, "\"_type\":\"https://in-toto.io/Statement/v1\""));
	assert_non_null(strstr(json, "\"startedOn\":\"2024-01-01T00:00:00Z\""));
	assert_non_null(strstr(json, "\"command\":[\"make\",\"all\"]"));
	assert_int_equal(
		cr_statement_parse(&st, (unsigned char *)json, len, "t"),
		CR_OK);
	assert_int_equal(st->nsubjects, 1);
	assert_string_equal(st->subjects[0].name, "fw.bin");
	assert_true(st->has_tree);
	assert_int_equal(st->tree[0], 0x11);
	assert_string_equal(st->commit, in.commit);
	assert_string_equal(st->build_type, CR_BUILDTYPE_SIGN);
	assert_non_null(cr_statement_find(st, s.sha256));
	memset(other, 0xac, sizeof(other));
	assert_null(cr_statement_find(st, other));
	cr_statement_free(st);
	free(json);
}

static int
parses(const char *json)
{
	struct cr_statement *st = NULL;
	int err;

	err = cr_statement_parse(&st, (const unsigned char *)json, strlen(json),
				 "t");
	cr_statement_free(st);
	return err;
}

#define HEX64 "abababababababababababababababababababababababababababababababab"
#define GOOD_PRED                                               \
	"\"predicateType\":\"https://slsa.dev/provenance/v1\"," \
	"\"predicate\":{\"buildDefinition\":{}}"

static void
test_parse_strict(void **state)
{
	(void)state;
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}}]," GOOD_PRED "}"),
		CR_OK);
	/* Duplicate keys, at the top and deep inside. */
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "duplicate"));
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\",\"sha256\":\"" HEX64
		       "\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	/* Wrong types, missing parts, bad digests. */
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v0.1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}}],"
		       "\"predicateType\":\"https://example/x\","
		       "\"predicate\":{}}"),
		CR_ERROR);
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[]," GOOD_PRED "}"),
		CR_ERROR);
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"abc\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha512\":\"00\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_int_equal(parses("[1,2]"), CR_ERROR);
	assert_int_equal(parses("{\"_type\":"), CR_ERROR);
	/* Unknown fields are ignored. */
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"extra\":{\"x\":[1]},"
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}}]," GOOD_PRED "}"),
		CR_OK);
	/*
	 * But not a digest verify does not check: beside sha256 in one
	 * subject, or alone in a second subject of the same name, it could
	 * name another file to a tool that matches by it.
	 */
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64
		       "\",\"sha512\":\"00\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "'sha512' digest beside"));
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}},{\"name\":\"a\","
		       "\"digest\":{\"sha512\":\"00\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "subject 1 has no sha256"));
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"a\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}},{\"name\":\"A\","
		       "\"digest\":{\"sha256\":{\"not\":\"a string\"}}}]," GOOD_PRED
		       "}"),
		CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "subject 1 has no sha256"));
}

/* Two subjects of one name; the recipe's provenance; other kinds skipped. */
static void
test_subjects_and_kinds(void **state)
{
	struct cr_provenance in;
	struct cr_subject two[2];
	char *json, why[200];
	size_t len;

	(void)state;
	assert_int_equal(
		parses("{\"_type\":\"https://in-toto.io/Statement/v1\","
		       "\"subject\":[{\"name\":\"hello\",\"digest\":"
		       "{\"sha256\":\"" HEX64 "\"}},{\"name\":\"b\","
		       "\"digest\":{\"sha256\":\"" HEX64 "\"}},"
		       "{\"name\":\"hello\",\"digest\":{\"sha256\":\"" HEX64
		       "\"}}]," GOOD_PRED "}"),
		CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "'hello' is listed twice"));
	/* attest never writes one either. */
	fill(&in, &two[0], 0x11);
	two[1] = two[0];
	in.subjects = two;
	in.nsubjects = 2;
	assert_int_equal(cr_statement_encode(&json, &len, &in), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "given twice"));

	/* The recipe's source and digest are recorded. */
	fill(&in, &two[0], 0x11);
	in.external.recipe_source = "cleanroom.json";
	in.external.recipe_sha256 = two[0].sha256;
	assert_int_equal(cr_statement_encode(&json, &len, &in), CR_OK);
	assert_non_null(strstr(json, "\"recipe\":{\"source\":"
				     "\"cleanroom.json\",\"digest\":"
				     "{\"sha256\":\"abababab"));
	assert_int_equal(cr_statement_peek((unsigned char *)json, len, "t", why,
					   sizeof(why)),
			 CR_OK);
	free(json);

#define PEEK(s)                                                            \
	cr_statement_peek((const unsigned char *)(s), strlen(s), "t", why, \
			  sizeof(why))
	assert_int_equal(
		PEEK("{\"_type\":\"https://in-toto.io/Statement/v1\","
		     "\"predicateType\":\"https://spdx.dev/Document\"}"),
		CR_EFAIL);
	assert_non_null(strstr(why, "https://spdx.dev/Document"));
	assert_int_equal(
		PEEK("{\"_type\":\"https://in-toto.io/Statement/v0.1\"}"),
		CR_EFAIL);
	assert_non_null(strstr(why, "another version"));
	assert_int_equal(PEEK("{\"_type\":\"https://example/x\"}"), CR_ERROR);
	assert_int_equal(PEEK("[1]"), CR_ERROR);
	assert_int_equal(
		PEEK("{\"_type\":\"https://in-toto.io/Statement/v0.1\","
		     "\"_type\":\"x\"}"),
		CR_ERROR);
#undef PEEK
}

/* Writes an attestation signed by the given keys to path. */
static void
write_att(const char *path, unsigned char tree_byte,
	  struct cr_privkey *const *keys, size_t nkeys)
{
	struct cr_provenance in;
	struct cr_subject s;
	struct cr_dsse *env;
	char *json, *line;
	size_t len, llen, i;

	fill(&in, &s, tree_byte);
	assert_int_equal(cr_statement_encode(&json, &len, &in), CR_OK);
	assert_int_equal(cr_dsse_new(&env, CR_INTOTO_PAYLOAD_TYPE,
				     (unsigned char *)json, len),
			 CR_OK);
	for (i = 0; i < nkeys; i++)
		assert_int_equal(cr_dsse_sign(env, keys[i]), CR_OK);
	assert_int_equal(cr_dsse_serialize(&line, &llen, env), CR_OK);
	assert_int_equal(cr_write_atomic(path, line, llen, 0644, 0), CR_OK);
	free(line);
	free(json);
	cr_dsse_free(env);
}

static void
save_pub(const struct cr_privkey *k, const char *prefix)
{
	char key[256], pub[256];

	snprintf(key, sizeof(key), "%s.key", prefix);
	snprintf(pub, sizeof(pub), "%s.pub", prefix);
	unlink(key);
	unlink(pub);
	assert_int_equal(cr_privkey_save(k, prefix), CR_OK);
}

/* Writes an attestation to path (as write_att) and checks it into set. */
static void
add_att(struct cr_checked_set *set, const struct cr_keyring *ring,
	const char *path, unsigned char tree_byte,
	struct cr_privkey *const *keys, size_t nkeys)
{
	write_att(path, tree_byte, keys, nkeys);
	assert_int_equal(cr_attestation_check(set, path, ring), CR_OK);
}

/* Judges digest at threshold into *v, which must have status want. */
static void
judge(struct cr_verdict *v, const struct cr_checked_set *set,
      const struct cr_keyring *ring, const unsigned char *digest,
      size_t threshold, int want)
{
	assert_int_equal(cr_verdict_judge(v, set, ring, digest, threshold),
			 CR_OK);
	assert_int_equal(v->status, want);
}

static void
test_threshold(void **state)
{
	char dir[] = "/tmp/cr-test-stmt.XXXXXX", p[5][256];
	struct cr_privkey *a, *b;
	struct cr_keyring ring = {0};
	struct cr_checked_set set = {0};
	struct cr_verdict v;
	unsigned char digest[CR_SHA256_LEN];
	size_t i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 5; i++)
		snprintf(p[i], sizeof(p[i]), "%s/%zu", dir, i);
	assert_int_equal(cr_privkey_generate(&a, CR_KEY_ED25519), CR_OK);
	assert_int_equal(cr_privkey_generate(&b, CR_KEY_P256), CR_OK);
	save_pub(a, p[0]);
	save_pub(b, p[1]);
	strcat(p[0], ".pub");
	strcat(p[1], ".pub");
	assert_int_equal(cr_keyring_add(&ring, p[0]), CR_OK);
	assert_int_equal(cr_keyring_add(&ring, p[0]), CR_OK);
	assert_int_equal(ring.count, 1); /* the same key counts once */
	assert_int_equal(cr_keyring_add(&ring, p[1]), CR_OK);
	assert_int_equal(ring.count, 2);

	memset(digest, 0xab, sizeof(digest));
	add_att(&set, &ring, p[2], 0x11, &a, 1);
	assert_int_equal(set.items[0].status, CR_OK);
	judge(&v, &set, &ring, digest, 1, CR_OK);
	assert_int_equal(v.keys, 1);
	cr_verdict_clear(&v);
	judge(&v, &set, &ring, digest, 2, CR_EFAIL);
	assert_non_null(strstr(v.reason, "1 of 2"));
	cr_verdict_clear(&v);

	/* b attests the same digest from another tree: no agreement. */
	add_att(&set, &ring, p[3], 0x22, &b, 1);
	judge(&v, &set, &ring, digest, 2, CR_EFAIL);
	assert_int_equal(v.ntrees, 2);
	assert_int_equal(v.nmatches, 2);
	assert_non_null(strstr(v.reason, "2 different source trees"));
	cr_verdict_clear(&v);

	/* b attests it from the same tree: two keys agree. */
	add_att(&set, &ring, p[4], 0x11, &b, 1);
	judge(&v, &set, &ring, digest, 2, CR_OK);
	assert_int_equal(v.keys, 2);
	assert_int_equal(v.best_tree[0], 0x11);
	cr_verdict_clear(&v);

	/* A digest nobody attested. */
	digest[0] ^= 1;
	judge(&v, &set, &ring, digest, 1, CR_EFAIL);
	assert_non_null(strstr(v.reason, "not attested"));
	cr_verdict_clear(&v);
	cr_checked_set_clear(&set);

	/* An envelope signed by both keys counts both, once each. */
	{
		struct cr_privkey *both[2] = {a, b};

		digest[0] ^= 1;
		add_att(&set, &ring, p[2], 0x33, both, 2);
	}
	assert_int_equal(set.items[0].nby, 2);
	judge(&v, &set, &ring, digest, 2, CR_OK);
	cr_verdict_clear(&v);
	cr_checked_set_clear(&set);

	cr_keyring_clear(&ring);
	cr_privkey_free(a);
	cr_privkey_free(b);
	for (i = 0; i < 5; i++) {
		char q[300];

		unlink(p[i]);
		snprintf(q, sizeof(q), "%s/%zu.key", dir, i);
		unlink(q);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* Exact SLSA v1: builder ids per mode, the pinned source, invocationId. */
static void
test_slsa_fields(void **state)
{
	struct cr_provenance in;
	struct cr_subject s;
	char *a = NULL, *b = NULL, *c = NULL, *p;
	char ida[80], idb[80];
	size_t len;

	(void)state;
	fill(&in, &s, 0x11);
	assert_int_equal(cr_statement_encode(&a, &len, &in), CR_OK);
	assert_non_null(strstr(a, "\"id\":\"" CR_BUILDER_ID_SIGN "\""));
	assert_non_null(strstr(a,
			       "\"uri\":\"git+https://example.org/repo.git@"
			       "0123456789012345678901234567890123456789\""));
	assert_int_equal(cr_statement_encode(&b, &len, &in), CR_OK);
	/* A random invocationId each time, a version 4 UUID. */
	assert_non_null(p = strstr(a, "\"invocationId\":\"urn:uuid:"));
	snprintf(ida, sizeof(ida), "%.61s", p);
	assert_int_equal(ida[25 + 14], '4');
	assert_non_null(p = strstr(b, "\"invocationId\":\"urn:uuid:"));
	snprintf(idb, sizeof(idb), "%.61s", p);
	assert_string_not_equal(ida, idb);
	in.build_type = CR_BUILDTYPE_SANDBOX;
	in.external.source_uri = NULL;
	in.invocation_id = "run-7";
	assert_int_equal(cr_statement_encode(&c, &len, &in), CR_OK);
	assert_non_null(strstr(c, "\"id\":\"" CR_BUILDER_ID_SANDBOX "\""));
	assert_non_null(strstr(c, "\"invocationId\":\"run-7\""));
	assert_null(strstr(c, "\"uri\""));
	free(a);
	free(b);
	free(c);
}

static void
test_srcuri_check(void **state)
{
	static const struct {
		const char *uri;
		int want;
	} cases[] = {
		{"git+https://example.org/r.git", CR_OK},
		{"https://example.org/r-1.0.tar.gz", CR_OK},
		{"git+ssh://git@example.org/r", CR_OK},
		{"urn:example:r", CR_OK},
		{"src", CR_ERROR},
		{"/home/v/src", CR_ERROR},
		{"./src", CR_ERROR},
		{"file:///home/v/src", CR_ERROR},
		{"git+file:///srv/r", CR_ERROR},
		{"https://tok@example.org/r", CR_ERROR},
		{"ssh://u:pw@example.org/r", CR_ERROR},
		{"https://example.org/a b", CR_ERROR},
		{"", CR_ERROR},
		{"1http://x", CR_ERROR},
		{"https://example.org/r?t=s", CR_ERROR},
		{"git+https://example.org/r#s", CR_ERROR},
		{"urn:x?y", CR_ERROR},
	};
	size_t i;

	(void)state;
	for (i = 0; i < CR_ARRAY_SIZE(cases); i++)
		if (cr_srcuri_check(cases[i].uri, "t") != cases[i].want)
			fail_msg("cr_srcuri_check(\"%s\"): want %d",
				 cases[i].uri, cases[i].want);
}

/* Subject names are canonical relative paths, compared ignoring ASCII case. */
static void
test_subject_names(void **state)
{
	static const char *bad[] = {"",	       "/fw.bin",     "./fw.bin",
				    "fw.bin/", "x/../fw.bin", ".//fw.bin",
				    "a//b",    ".",	      "..",
				    "a/.",     "a/..",	      "fw\001.bin",
				    "fw\177",  "tab\tname"};
	static const char *good[] = {"fw.bin", "dist/fw.bin", ".hidden",
				     "a/..b",  "...",	      "a/.b/c"};
	struct cr_provenance in;
	struct cr_subject s[2];
	char long_name[CR_STATEMENT_MAX_NAME + 2], *json;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_non_null(cr_statement_name_problem(bad[i]));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_null(cr_statement_name_problem(good[i]));
	assert_non_null(cr_statement_name_problem(NULL));
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	assert_non_null(cr_statement_name_problem(long_name));
	long_name[CR_STATEMENT_MAX_NAME] = '\0';
	assert_null(cr_statement_name_problem(long_name));
	assert_int_equal(cr_statement_name_cmp("FW.Bin", "fw.bIN"), 0);
	assert_true(cr_statement_name_cmp("a", "b") < 0);
	assert_true(cr_statement_name_cmp("fw.bin", "fw.bi") > 0);
	/* The builder refuses what the parser would. */
	fill(&in, &s[0], 0x11);
	s[0].name = "./fw.bin";
	assert_int_equal(cr_statement_encode(&json, &len, &in), CR_ERROR);
	fill(&in, &s[0], 0x11);
	s[1] = s[0];
	s[1].name = "FW.BIN";
	in.nsubjects = 2;
	assert_int_equal(cr_statement_encode(&json, &len, &in), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "given twice"));
}

/* ---- the typed provenance ---------------------------------------------- */

#define SAME_STR(x, y)                             \
	do {                                       \
		if ((x) == NULL || (y) == NULL)    \
			assert_ptr_equal(x, y);    \
		else                               \
			assert_string_equal(x, y); \
	} while (0)

static void
set_dep(struct cr_resource *r, const char *name, const char *alg,
	const char *value)
{
	assert_int_equal(cr_resource_set(&r->name, name), CR_OK);
	assert_int_equal(cr_resource_add_digest(r, alg, value), CR_OK);
}

static void
same_resource(const struct cr_resource *a, const struct cr_resource *b)
{
	size_t i;

	SAME_STR(a->name, b->name);
	SAME_STR(a->uri, b->uri);
	SAME_STR(a->media_type, b->media_type);
	assert_int_equal(a->ndigest, b->ndigest);
	for (i = 0; i < a->ndigest; i++) {
		assert_string_equal(a->digest[i].alg, b->digest[i].alg);
		assert_string_equal(a->digest[i].value, b->digest[i].value);
	}
	assert_int_equal(a->has_annotations, b->has_annotations);
	SAME_STR(a->ann.path, b->ann.path);
	SAME_STR(a->ann.version, b->ann.version);
	SAME_STR(a->ann.kind, b->ann.kind);
	SAME_STR(a->ann.package, b->ann.package);
	SAME_STR(a->ann.package_version, b->ann.package_version);
	SAME_STR(a->ann.purl, b->ann.purl);
	assert_int_equal(a->ann.has_packages, b->ann.has_packages);
	assert_int_equal(a->ann.npackages, b->ann.npackages);
	for (i = 0; i < a->ann.npackages; i++) {
		SAME_STR(a->ann.packages[i].name, b->ann.packages[i].name);
		SAME_STR(a->ann.packages[i].version,
			 b->ann.packages[i].version);
		SAME_STR(a->ann.packages[i].arch, b->ann.packages[i].arch);
		SAME_STR(a->ann.packages[i].sha256, b->ann.packages[i].sha256);
	}
	SAME_STR(a->ann.packages_problem, b->ann.packages_problem);
	SAME_STR(a->ann.packages_from, b->ann.packages_from);
	SAME_STR(a->ann.architecture, b->ann.architecture);
	SAME_STR(a->ann.packages_encoding, b->ann.packages_encoding);
	SAME_STR(a->ann.packages_text, b->ann.packages_text);
	assert_true(a->ann.recipe == b->ann.recipe ||
		    json_equal(a->ann.recipe, b->ann.recipe));
	assert_true(a->ann.more == b->ann.more ||
		    json_equal(a->ann.more, b->ann.more));
	assert_int_equal(a->uri_last, b->uri_last);
}

static void
same_list(char *const *a, char *const *b)
{
	size_t i;

	assert_true((a == NULL) == (b == NULL));
	for (i = 0; a != NULL && a[i] != NULL; i++) {
		assert_non_null(b[i]);
		assert_string_equal(a[i], b[i]);
	}
	assert_true(a == NULL || b[i] == NULL);
}

#define SAME_LIST(a, b) same_list((char *const *)(a), (char *const *)(b))

/* An internalParameters with every field set. */
static void
fill_internal(struct cr_internal *in, struct cr_normalization norms[2])
{
	static const char *ns[] = {"user", "mount", NULL};
	static const char *dirs[] = {"usr", "etc", NULL};
	static const char *hidden[] = {"/etc/shadow", NULL};
	static const char *deny[] = {"bpf", "mount", NULL};
	static const char *flags[] = {"clone", NULL};
	static const char *ioctl[] = {"TIOCSTI", NULL};
	static const char *fenv[] = {"NO_FAKE_STAT=1", NULL};
	static const char *steps[] = {"mtime", "order", NULL};
	static const char *none[] = {NULL};

	memset(in, 0, sizeof(*in));
	in->build_path = "/build/src";
	in->sandbox.namespaces = ns;
	in->sandbox.network = "none";
	in->sandbox.root = "host, read-only";
	in->sandbox.root_dirs = dirs;
	in->sandbox.hidden = hidden;
	in->sandbox.var = "tmpfs";
	in->sandbox.sys = "empty";
	in->sandbox.proc = "new";
	in->sandbox.hostname = "cleanroom";
	in->sandbox.home = "/build/home";
	in->sandbox.tmpdir = "/tmp";
	in->sandbox.path = "/usr/bin:/bin";
	in->sandbox.umask = "022";
	in->sandbox.keyring = "new session keyring";
	in->sandbox.seccomp.deny = deny;
	in->sandbox.seccomp.deny_namespace_flags = flags;
	in->sandbox.seccomp.clone3 = "ENOSYS";
	in->sandbox.seccomp.deny_ioctl = ioctl;
	in->sandbox.seccomp.other_architectures = "killed";
	in->sandbox.fake_clock_env = fenv;
	norms[0] = (struct cr_normalization){"out/fw.bin", "none", none, 0};
	norms[1] =
		(struct cr_normalization){"out/boot.img", "tar+gzip", steps, 3};
	in->normalizations = norms;
	in->nnormalizations = 2;
}

static void
same_internal(const struct cr_internal *a, const struct cr_internal *b)
{
	size_t i;

	SAME_STR(a->build_path, b->build_path);
	SAME_LIST(a->sandbox.namespaces, b->sandbox.namespaces);
	SAME_STR(a->sandbox.network, b->sandbox.network);
	SAME_STR(a->sandbox.root, b->sandbox.root);
	SAME_STR(a->sandbox.root_dirs_word, b->sandbox.root_dirs_word);
	SAME_LIST(a->sandbox.root_dirs, b->sandbox.root_dirs);
	SAME_LIST(a->sandbox.hidden, b->sandbox.hidden);
	SAME_STR(a->sandbox.var, b->sandbox.var);
	SAME_STR(a->sandbox.sys, b->sandbox.sys);
	SAME_STR(a->sandbox.proc, b->sandbox.proc);
	SAME_STR(a->sandbox.hostname, b->sandbox.hostname);
	SAME_STR(a->sandbox.home, b->sandbox.home);
	SAME_STR(a->sandbox.tmpdir, b->sandbox.tmpdir);
	SAME_STR(a->sandbox.path, b->sandbox.path);
	SAME_STR(a->sandbox.umask, b->sandbox.umask);
	SAME_STR(a->sandbox.keyring, b->sandbox.keyring);
	SAME_LIST(a->sandbox.seccomp.deny, b->sandbox.seccomp.deny);
	SAME_LIST(a->sandbox.seccomp.deny_namespace_flags,
		  b->sandbox.seccomp.deny_namespace_flags);
	SAME_STR(a->sandbox.seccomp.clone3, b->sandbox.seccomp.clone3);
	SAME_LIST(a->sandbox.seccomp.deny_ioctl, b->sandbox.seccomp.deny_ioctl);
	SAME_STR(a->sandbox.seccomp.other_architectures,
		 b->sandbox.seccomp.other_architectures);
	SAME_LIST(a->sandbox.fake_clock_env, b->sandbox.fake_clock_env);
	assert_int_equal(a->nnormalizations, b->nnormalizations);
	for (i = 0; i < a->nnormalizations; i++) {
		SAME_STR(a->normalizations[i].artifact,
			 b->normalizations[i].artifact);
		SAME_STR(a->normalizations[i].format,
			 b->normalizations[i].format);
		SAME_LIST(a->normalizations[i].steps,
			  b->normalizations[i].steps);
		assert_int_equal(a->normalizations[i].kept,
				 b->normalizations[i].kept);
	}
}

/*
 * Every field of a provenance, encoded, decoded and compared one by one;
 * the decoded provenance encodes to the same bytes.
 */
static void
test_provenance_fields(void **state)
{
	static const char *cmd[] = {"make", "-j1", "all", NULL};
	static const char *arts[] = {"out/fw.bin", "out/*.img", NULL};
	static const char *tools[] = {"gcc", "python3", NULL};
	static const char *env[] = {"LANG=C.UTF-8", "OPT=a=b", NULL};
	static const char *rootfs_tree =
		"1111111111111111111111111111111111111111111111111111111111111111";
	struct cr_subject subj[2] = {{.name = "out/fw.bin"},
				     {.name = "out/boot.img"}};
	unsigned char recipe_md[CR_SHA256_LEN], src_md[CR_SHA256_LEN];
	struct cr_resource deps[3] = {{0}}, log = {0};
	struct cr_normalization norms[2];
	struct cr_digest rootfs_digest = {"gitTree", (char *)rootfs_tree};
	const struct cr_provenance *d;
	struct cr_statement *st = NULL;
	struct cr_provenance p;
	char *a = NULL, *b = NULL;
	size_t alen, blen, i;

	(void)state;
	memset(subj[0].sha256, 0x01, CR_SHA256_LEN);
	memset(subj[1].sha256, 0x02, CR_SHA256_LEN);
	memset(recipe_md, 0x03, sizeof(recipe_md));
	memset(src_md, 0x04, sizeof(src_md));
	set_dep(&deps[0], "cc", "sha256",
		"5555555555555555555555555555555555555555555555555555555555555555");
	deps[0].has_annotations = 1;
	assert_int_equal(cr_resource_set(&deps[0].ann.path, "/usr/bin/cc"),
			 CR_OK);
	assert_int_equal(cr_resource_set(&deps[0].ann.version, "cc 12.2.0"),
			 CR_OK);
	assert_int_equal(cr_resource_set(&deps[0].ann.package, "gcc-12"),
			 CR_OK);
	assert_int_equal(
		cr_resource_set(&deps[0].ann.package_version, "12.2.0-14"),
		CR_OK);
	assert_int_equal(cr_resource_set(&deps[0].ann.purl,
					 "pkg:deb/debian/gcc-12@12.2.0-14"),
			 CR_OK);
	set_dep(&deps[1], "/usr/include/stdio.h", "sha256",
		"6666666666666666666666666666666666666666666666666666666666666666");
	deps[1].has_annotations = 1;
	assert_int_equal(
		cr_resource_set(&deps[1].ann.path, "/usr/include/stdio.h"),
		CR_OK);
	assert_int_equal(cr_resource_set(&deps[1].ann.kind, "file"), CR_OK);
	set_dep(&deps[2], "rootfs", "gitTree", rootfs_tree);
	deps[2].has_annotations = 1;
	deps[2].uri_last = 1;
	assert_int_equal(cr_resource_set(&deps[2].uri,
					 "urn:cleanroom:root:debian:bookworm:"
					 "amd64"),
			 CR_OK);
	assert_int_equal(cr_resource_add_package(&deps[2], "bash", "5.2-15",
						 "amd64", rootfs_tree),
			 CR_OK);
	assert_int_equal(cr_resource_add_package(&deps[2], "dash", "0.5.12-2",
						 "amd64", NULL),
			 CR_OK);
	assert_int_equal(
		cr_resource_set(&deps[2].ann.packages_from, "ROOT.json"),
		CR_OK);
	assert_non_null(deps[2].ann.recipe =
				json_pack("{s:s, s:[s]}", "suite", "bookworm",
					  "include", "make"));
	assert_non_null(deps[2].ann.more = json_pack("{s:i}", "extra", 1));
	set_dep(&log, "build.log", "sha256",
		"7777777777777777777777777777777777777777777777777777777777777777");
	assert_int_equal(cr_resource_set(&log.media_type, "text/plain"), CR_OK);

	cr_provenance_init(&p);
	p.build_type = CR_BUILDTYPE_SANDBOX;
	p.subjects = subj;
	p.nsubjects = 2;
	p.external.source_kind = "git";
	p.external.source_uri = "git+https://example.org/fw.git";
	p.external.source_revision = "v2.1";
	p.external.command = (char *const *)cmd;
	p.external.artifacts = (char *const *)arts;
	p.external.tools = (char *const *)tools;
	p.external.env = (char *const *)env;
	p.external.recipe_source = "cleanroom.json";
	p.external.recipe_sha256 = recipe_md;
	p.external.source_date_epoch = 1700000000;
	p.external.fake_clock = 1;
	p.external.normalize = 0;
	p.external.rootfs = CR_ROOTFS_GIVEN;
	p.external.rootfs_digest = &rootfs_digest;
	p.external.nrootfs_digest = 1;
	memset(p.tree, 0x22, CR_SHA256_LEN);
	p.commit = "0123456789abcdef0123456789abcdef01234567";
	p.source_sha256 = src_md;
	fill_internal(&p.internal, norms);
	p.deps = deps;
	p.ndeps = 3;
	p.builder_id = CR_BUILDER_ID_SANDBOX;
	p.builder_version = "9.9.9";
	p.invocation_id = "urn:uuid:00000000-0000-4000-8000-000000000000";
	p.started = 1704067200;
	p.finished = 1704070800;
	p.byproducts = &log;
	p.nbyproducts = 1;

	assert_int_equal(cr_statement_encode(&a, &alen, &p), CR_OK);
	assert_int_equal(cr_statement_parse(&st, (unsigned char *)a, alen, "t"),
			 CR_OK);
	d = &st->prov;
	assert_null(st->recipe_problem);
	assert_string_equal(d->build_type, p.build_type);
	assert_int_equal(d->nsubjects, 2);
	for (i = 0; i < 2; i++) {
		assert_string_equal(d->subjects[i].name, subj[i].name);
		assert_memory_equal(d->subjects[i].sha256, subj[i].sha256,
				    CR_SHA256_LEN);
	}
	assert_string_equal(d->external.source_kind, "git");
	assert_string_equal(d->external.source_uri, p.external.source_uri);
	assert_string_equal(d->external.source_revision, "v2.1");
	same_list(d->external.command, p.external.command);
	same_list(d->external.artifacts, p.external.artifacts);
	same_list(d->external.tools, p.external.tools);
	same_list(d->external.env, p.external.env);
	assert_string_equal(d->external.recipe_source, "cleanroom.json");
	assert_non_null(d->external.recipe_sha256);
	assert_memory_equal(d->external.recipe_sha256, recipe_md,
			    CR_SHA256_LEN);
	assert_int_equal(d->external.source_date_epoch, 1700000000);
	assert_int_equal(d->external.fake_clock, 1);
	assert_int_equal(d->external.normalize, 0);
	assert_int_equal(d->external.rootfs, CR_ROOTFS_GIVEN);
	assert_int_equal(d->external.nrootfs_digest, 1);
	assert_string_equal(d->external.rootfs_digest[0].alg, "gitTree");
	assert_string_equal(d->external.rootfs_digest[0].value, rootfs_tree);
	assert_memory_equal(d->tree, p.tree, CR_SHA256_LEN);
	assert_string_equal(d->commit, p.commit);
	assert_non_null(d->source_sha256);
	assert_memory_equal(d->source_sha256, src_md, CR_SHA256_LEN);
	same_internal(&d->internal, &p.internal);
	assert_int_equal(d->ndeps, 3);
	for (i = 0; i < 3; i++)
		same_resource(&d->deps[i], &deps[i]);
	/* The source's entry, first, as its readers see it. */
	assert_int_equal(st->ndeps, 4);
	assert_string_equal(st->deps[0].name, "source");
	assert_string_equal(st->deps[0].uri,
			    "git+https://example.org/fw.git@"
			    "0123456789abcdef0123456789abcdef01234567");
	assert_string_equal(cr_resource_digest(&st->deps[0], "gitCommit"),
			    p.commit);
	assert_string_equal(d->builder_id, CR_BUILDER_ID_SANDBOX);
	assert_string_equal(d->builder_version, "9.9.9");
	assert_string_equal(d->invocation_id, p.invocation_id);
	assert_int_equal(d->started, p.started);
	assert_int_equal(d->finished, p.finished);
	assert_int_equal(d->nbyproducts, 1);
	same_resource(&d->byproducts[0], &log);

	/* And back: the same bytes. */
	assert_int_equal(cr_statement_encode(&b, &blen, d), CR_OK);
	assert_int_equal(blen, alen);
	assert_memory_equal(a, b, alen);

	cr_statement_free(st);
	free(a);
	free(b);
	for (i = 0; i < 3; i++)
		cr_resource_clear(&deps[i]);
	cr_resource_clear(&log);
}

/* A fixture's bytes, read whole; the caller frees. */
static char *
fixture(const char *name, size_t *len)
{
	const char *src = getenv("SRCDIR");
	char path[4096], *buf;
	FILE *f;
	long n;

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/tests/statement/%s", src, name);
	assert_non_null(f = fopen(path, "rb"));
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	assert_true((n = ftell(f)) > 0);
	rewind(f);
	assert_non_null(buf = malloc((size_t)n));
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/*
 * Statements `attest build` (a recipe from the tree's cleanroom.json, a
 * host build with its toolchain and hostfs) and `attest sign` wrote, as
 * kept in tests/statement/: decoded and encoded again, the same bytes.
 */
static void
test_attest_statements_reencode(void **state)
{
	static const char *names[] = {"attest-build.json", "attest-sign.json",
				      "attest-build-root.json"};
	const struct cr_resource *r;
	struct cr_statement *st;
	char *in, *out;
	size_t inlen, outlen, i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		in = fixture(names[i], &inlen);
		assert_int_equal(cr_statement_parse(&st, (unsigned char *)in,
						    inlen, names[i]),
				 CR_OK);
		assert_int_equal(cr_statement_encode(&out, &outlen, &st->prov),
				 CR_OK);
		assert_int_equal(outlen, inlen);
		assert_memory_equal(out, in, inlen);
		if (i == 0) {
			assert_null(st->recipe_problem);
			assert_int_equal(st->prov.external.rootfs,
					 CR_ROOTFS_HOST);
			r = &st->deps[st->ndeps - 1];
			assert_string_equal(r->name, "hostfs");
			assert_string_equal(r->ann.packages_encoding,
					    "zlib+base64");
			assert_non_null(r->ann.architecture);
			assert_non_null(r->ann.packages_text);
			assert_false(r->ann.has_packages);
			assert_null(r->ann.more);
		} else if (i == 2) {
			/* Built in a ROOT.tar with its ROOT.json beside. */
			r = &st->deps[st->ndeps - 1];
			assert_string_equal(r->name, CR_STATEMENT_ROOTFS);
			assert_null(r->ann.packages_problem);
			assert_true(r->ann.has_packages);
			assert_true(r->ann.npackages > 50);
			assert_non_null(r->ann.packages[0].sha256);
			assert_string_equal(r->ann.packages_from, "ROOT.json");
			assert_non_null(r->ann.recipe);
			assert_null(r->ann.more);
			assert_true(r->uri_last);
		} else {
			/* A signed statement records no recipe. */
			assert_string_equal(st->recipe_problem,
					    "no usable command in the "
					    "statement");
		}
		cr_statement_free(st);
		free(out);
		free(in);
	}
}

/* A statement whose one dependency "x" has the annotations ann. */
static const struct cr_resource *
dep_with(struct cr_statement **st, const char *ann)
{
	char *json = NULL;

	assert_true(asprintf(&json,
			     "{\"_type\":\"https://in-toto.io/Statement/v1\","
			     "\"subject\":[{\"name\":\"a\",\"digest\":"
			     "{\"sha256\":\"" HEX64 "\"}}],"
			     "\"predicateType\":"
			     "\"https://slsa.dev/provenance/v1\","
			     "\"predicate\":{\"buildDefinition\":"
			     "{\"resolvedDependencies\":[{\"name\":\"x\","
			     "\"digest\":{},\"annotations\":%s}]}}}",
			     ann) > 0);
	assert_int_equal(cr_statement_parse(st, (unsigned char *)json,
					    strlen(json), "t"),
			 CR_OK);
	free(json);
	assert_int_equal((*st)->ndeps, 1);
	return &(*st)->deps[0];
}

/*
 * A root's annotations, typed: the package list checked (its first
 * problem kept for the root readers, the parse itself going on), the
 * host's strings, the recipe, and unknown keys kept as they were.
 */
static void
test_root_annotations(void **state)
{
	static const struct {
		const char *ann, *problem;
	} bad[] = {
		{"{\"packages\":1}", "annotations.packages is not a list"},
		{"{\"packages\":{}}", "annotations.packages is not a list"},
		{"{\"packages\":[1]}", "package 1 is malformed"},
		{"{\"packages\":[{\"name\":\"a\",\"version\":\"1\","
		 "\"architecture\":\"all\"},{\"name\":\"b\"}]}",
		 "package 2 is malformed"},
		{"{\"packages\":[{\"name\":\"a b\",\"version\":\"1\","
		 "\"architecture\":\"all\"}]}",
		 "package 1 is malformed"},
		{"{\"packages\":[{\"name\":\"a\",\"version\":1,"
		 "\"architecture\":\"all\"}]}",
		 "package 1 is malformed"},
		{"{\"packages\":[{\"name\":\"a/b\",\"version\":\"1\","
		 "\"architecture\":\"all\"}]}",
		 "package 1 is malformed"},
	};
	const struct cr_resource *r;
	struct cr_statement *st = NULL;
	char *ann, *p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		r = dep_with(&st, bad[i].ann);
		assert_string_equal(r->ann.packages_problem, bad[i].problem);
		assert_int_equal(r->ann.npackages, 0);
		cr_statement_free(st);
	}
	/* A string is the host's list, and not a list of packages. */
	r = dep_with(&st, "{\"packagesFrom\":\"var/lib/dpkg/status\","
			  "\"architecture\":\"amd64\","
			  "\"packagesEncoding\":\"zlib+base64\","
			  "\"packages\":\"eJwDAAAAAAE=\",\"other\":[1]}");
	assert_string_equal(r->ann.packages_text, "eJwDAAAAAAE=");
	assert_string_equal(r->ann.packages_from, "var/lib/dpkg/status");
	assert_string_equal(r->ann.architecture, "amd64");
	assert_string_equal(r->ann.packages_encoding, "zlib+base64");
	assert_false(r->ann.has_packages);
	assert_non_null(r->ann.packages_problem);
	assert_non_null(json_object_get(r->ann.more, "other"));
	cr_statement_free(st);
	/* Strings of another type are not read, and kept as written. */
	r = dep_with(&st, "{\"architecture\":7,\"recipe\":\"x\"}");
	assert_null(r->ann.architecture);
	assert_null(r->ann.recipe);
	assert_int_equal(json_object_size(r->ann.more), 2);
	cr_statement_free(st);
	/* The list and the recipe, read. */
	r = dep_with(&st, "{\"packages\":[{\"name\":\"a\",\"version\":"
			  "\"1:2.0-1\",\"architecture\":\"amd64\","
			  "\"digest\":{\"sha256\":\"" HEX64 "\"}}],"
			  "\"packagesFrom\":\"ROOT.json\","
			  "\"recipe\":{\"suite\":\"bookworm\"}}");
	assert_null(r->ann.packages_problem);
	assert_true(r->ann.has_packages);
	assert_int_equal(r->ann.npackages, 1);
	assert_string_equal(r->ann.packages[0].version, "1:2.0-1");
	assert_string_equal(r->ann.packages[0].sha256, HEX64);
	assert_string_equal(
		json_string_value(json_object_get(r->ann.recipe, "suite")),
		"bookworm");
	assert_null(r->ann.more);
	cr_statement_free(st);
	/* One package over the cap: refused after the cap, not before. */
	ann = malloc(64 * (CR_STATEMENT_MAX_PACKAGES + 1) + 32);
	assert_non_null(ann);
	p = ann + sprintf(ann, "{\"packages\":[");
	for (i = 0; i <= CR_STATEMENT_MAX_PACKAGES; i++)
		p += sprintf(p,
			     "%s{\"name\":\"p%zu\",\"version\":\"1\","
			     "\"architecture\":\"all\"}",
			     i ? "," : "", i);
	strcpy(p, "]}");
	r = dep_with(&st, ann);
	assert_string_equal(r->ann.packages_problem,
			    "more than 65536 packages");
	cr_statement_free(st);
	free(ann);
}

/*
 * Statements made before the user's choices moved to externalParameters:
 * the decoder reads them from internalParameters.
 */
static void
test_provenance_legacy(void **state)
{
	static const char *legacy =
		"{\"_type\":\"https://in-toto.io/Statement/v1\",\"subject\":"
		"[{\"name\":\"a\",\"digest\":{\"sha256\":\"" HEX64 "\"}}],"
		"\"predicateType\":\"https://slsa.dev/provenance/v1\","
		"\"predicate\":{\"buildDefinition\":{\"buildType\":"
		"\"urn:cleanroom:buildtype:sandbox:v1\",\"externalParameters\":"
		"{\"command\":[\"make\"],\"artifacts\":[\"a\"]},"
		"\"internalParameters\":{\"SOURCE_DATE_EPOCH\":42,\"normalize\":"
		"false,\"sandbox\":{\"fakeClock\":true}}}}}";
	struct cr_statement *st;

	(void)state;
	assert_int_equal(cr_statement_parse(&st, (const unsigned char *)legacy,
					    strlen(legacy), "t"),
			 CR_OK);
	assert_null(st->recipe_problem);
	assert_int_equal(st->prov.external.source_date_epoch, 42);
	assert_int_equal(st->prov.external.fake_clock, 1);
	assert_int_equal(st->prov.external.normalize, 0);
	assert_null(st->prov.external.env);
	assert_null(st->prov.external.tools);
	cr_statement_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_subject_names),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_subjects_and_kinds),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_slsa_fields),
		cmocka_unit_test(test_srcuri_check),
		cmocka_unit_test(test_provenance_fields),
		cmocka_unit_test(test_attest_statements_reencode),
		cmocka_unit_test(test_provenance_legacy),
		cmocka_unit_test(test_root_annotations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
