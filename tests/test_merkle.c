/*
 * Tests of the RFC 9162 Merkle tree: known roots, every proof of small trees,
 * tampered proofs, and the public RFC 9162 vectors when $VECTORS has them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "error.h"
#include "merkle_proof.h"
#include "merkle.h"
#include "util.h"

#define H CR_MERKLE_HASH_LEN

/* Roots of the trees of leaves 0x00, 0x01, ... 0x06, computed in Python. */
static const char *known_roots[] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
	"a20bf9a7cc2dc8a08f5f415a71b19f6ac427bab54d24eec868b5d3103449953a",
	"3b6cccd7e3e023ff393006f030315ee7ad9eb111b022b41fba7e5b7a3973f688",
	"9bcd51240af4005168f033121ba85be5a6ed4f0e6a5fac262066729b8fbfdecb",
	"b855b42d6c30f5b087e05266783fbd6e394f7b926013ccaa67700a8b0c5a596f",
	"bb36e7d3d4cee5720cbd323d02fab15962e2ba1dadf5f8fc6eeef4fd6ad056a8",
	"3560191803028444b232018ac047fdb561c09c23a7a6876c85e08b5e4d48e9f3",
};

static void
hex_of(char out[2 * H + 1], const unsigned char h[H])
{
	cr_hex_encode(out, h, H);
}

static void
known_answers(void **state)
{
	struct cr_merkle_edge e;
	unsigned char leaf, lh[H], root[H], hashes[7 * H];
	char hex[2 * H + 1];
	size_t i;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_int_equal(cr_merkle_leaf_hash(lh, "", 0), 0);
	hex_of(hex, lh);
	assert_string_equal(hex, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb3"
				 "3738768511a30617afa01d");
	for (i = 0; i <= 7; i++) {
		assert_int_equal(cr_merkle_edge_root(root, &e), 0);
		hex_of(hex, root);
		assert_string_equal(hex, known_roots[i]);
		if (i > 0) {
			assert_int_equal(cr_merkle_root_of(root, hashes, i), 0);
			hex_of(hex, root);
			assert_string_equal(hex, known_roots[i]);
		}
		if (i == 7)
			break;
		leaf = (unsigned char)i;
		assert_int_equal(cr_merkle_leaf_hash(lh, &leaf, 1), 0);
		memcpy(hashes + i * H, lh, H);
		assert_int_equal(cr_merkle_edge_push(&e, lh), 0);
	}
}

/* Leaf hashes of a test tree, as the node source for proofs. */
struct tree {
	unsigned char *leaves;
	uint64_t n;
};

static int
tree_node(void *ctx, unsigned height, uint64_t index, unsigned char out[H])
{
	struct tree *t = ctx;
	uint64_t lo = index << height, n = UINT64_C(1) << height;

	if (lo + n > t->n)
		return -1;
	return cr_merkle_root_of(out, t->leaves + lo * H, (size_t)n);
}

static void
all_proofs_small_trees(void **state)
{
	unsigned char leaves[70 * H], root[72][H],
		proof[CR_MERKLE_MAX_PROOF][H];
	struct tree t = {leaves, 0};
	struct cr_merkle_edge e;
	size_t np;
	uint64_t m, n, i;
	char buf[16];

	(void)state;
	memset(&e, 0, sizeof(e));
	for (n = 0; n < 70; n++) {
		snprintf(buf, sizeof(buf), "leaf %llu", (unsigned long long)n);
		assert_int_equal(
			cr_merkle_leaf_hash(leaves + n * H, buf, strlen(buf)),
			0);
		assert_int_equal(cr_merkle_edge_push(&e, leaves + n * H), 0);
		assert_int_equal(cr_merkle_edge_root(root[n + 1], &e), 0);
	}
	for (n = 1; n <= 70; n++) {
		t.n = n;
		for (i = 0; i < n; i++) {
			assert_int_equal(
				cr_merkle_inclusion_proof(proof, &np, i, n,
							  tree_node, &t),
				0);
			assert_int_equal(
				cr_merkle_verify_inclusion(
					i, n, leaves + i * H,
					(const unsigned char(*)[H])proof, np,
					root[n]),
				0);
			/* Another leaf, index, size or a flipped bit fails. */
			assert_int_equal(
				cr_merkle_verify_inclusion(
					i, n, leaves + ((i + 1) % 70) * H,
					(const unsigned char(*)[H])proof, np,
					root[n]),
				CR_EFAIL);
			if (n > 1)
				assert_int_equal(
					cr_merkle_verify_inclusion(
						(i + 1) % n, n, leaves + i * H,
						(const unsigned char(*)[H])
							proof,
						np, root[n]),
					CR_EFAIL);
			assert_int_equal(
				cr_merkle_verify_inclusion(
					n, n, leaves + i * H,
					(const unsigned char(*)[H])proof, np,
					root[n]),
				CR_EFAIL);
			if (np > 0) {
				proof[np - 1][3] ^= 0x10;
				assert_int_equal(
					cr_merkle_verify_inclusion(
						i, n, leaves + i * H,
						(const unsigned char(*)[H])
							proof,
						np, root[n]),
					CR_EFAIL);
			}
		}
		for (m = 1; m <= n; m++) {
			assert_int_equal(
				cr_merkle_consistency_proof(proof, &np, m, n,
							    tree_node, &t),
				0);
			assert_int_equal(
				cr_merkle_verify_consistency(
					m, n, (const unsigned char(*)[H])proof,
					np, root[m], root[n]),
				0);
			if (m < n) {
				/* A forked old tree: leaf 0 differs. */
				assert_int_equal(
					cr_merkle_verify_consistency(
						m, n,
						(const unsigned char(*)[H])
							proof,
						np, root[m + 1], root[n]),
					CR_EFAIL);
				proof[0][0] ^= 1;
				assert_int_equal(
					cr_merkle_verify_consistency(
						m, n,
						(const unsigned char(*)[H])
							proof,
						np, root[m], root[n]),
					CR_EFAIL);
			}
		}
	}
	assert_int_equal(
		cr_merkle_verify_consistency(0, 5, NULL, 0, root[0], root[5]),
		CR_EFAIL);
	assert_int_equal(
		cr_merkle_verify_consistency(5, 4, NULL, 0, root[5], root[4]),
		CR_EFAIL);
}

/* The public vectors: counts of cases run and of disagreements. */
static unsigned vec_run, vec_bad;

/* Decodes a base64 hash; other lengths are mapped (see below) or refused. */
static int
vec_hash(unsigned char out[H], json_t *v, int map)
{
	unsigned char *d = NULL;
	size_t n = 0;
	const char *s = json_string_value(v);

	if (s == NULL)
		return -1;
	if (*s == '\0') {
		n = 0;
	} else if (cr_base64_decode(&d, &n, s, strlen(s)) < 0) {
		return -1;
	}
	if (n == H) {
		memcpy(out, d, H);
	} else if (map) {
		/*
		 * Consistency roots are only compared: map a value of another
		 * length to a 32-byte one that keeps equality between them.
		 */
		cr_merkle_node_hash(out, (unsigned char[H]){(unsigned char)n},
				    (unsigned char[H]){0});
		if (n > 0)
			cr_merkle_leaf_hash(out, d, n);
	} else {
		free(d);
		return -1;
	}
	free(d);
	return 0;
}

static int
vec_proof(unsigned char (*out)[H], size_t *n, json_t *arr)
{
	size_t i;

	*n = 0;
	if (json_is_null(arr))
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) > CR_MERKLE_MAX_PROOF)
		return -1;
	for (i = 0; i < json_array_size(arr); i++)
		if (vec_hash(out[i], json_array_get(arr, i), 0) < 0)
			return -1;
	*n = json_array_size(arr);
	return 0;
}

static uint64_t
vec_u64(json_t *v)
{
	double d = json_number_value(v);

	assert_true(json_is_number(v) && d >= 0);
	return d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
}

/* The fields of a vector: consistency (0) and inclusion (1). */
static const struct vec_kind {
	const char *x, *y, *a, *b; /* two sizes (or index, size), two hashes */
	int map;		   /* vec_hash's map for the two hashes */
} kinds[2] = {
	{"size1", "size2", "root1", "root2", 1},
	{"leafIdx", "treeSize", "leafHash", "root", 0},
};

static int
vec_file(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	const struct vec_kind *k;
	unsigned char proof[CR_MERKLE_MAX_PROOF][H], a[H], b[H];
	json_error_t jerr;
	json_t *j;
	size_t np;
	int want_err, got_err, incl;
	uint64_t x, y;

	(void)st;
	(void)ftw;
	if (flag != FTW_F || strstr(path, ".json") == NULL ||
	    strstr(path, "/subtree") != NULL)
		return 0;
	incl = strstr(path, "/inclusion/") != NULL;
	if (!incl && strstr(path, "/consistency/") == NULL)
		return 0;
	/* Sizes up to 2^64 - 1 do not fit a json_int_t: read them as reals. */
	if ((j = json_load_file(path, JSON_DECODE_INT_AS_REAL, &jerr)) ==
	    NULL) {
		fprintf(stderr, "%s: %s\n", path, jerr.text);
		vec_bad++;
		return 0;
	}
	want_err = json_is_true(json_object_get(j, "wantErr"));
	k = &kinds[incl];
	x = vec_u64(json_object_get(j, k->x));
	y = vec_u64(json_object_get(j, k->y));
	got_err = vec_hash(a, json_object_get(j, k->a), k->map) < 0 ||
		  vec_hash(b, json_object_get(j, k->b), k->map) < 0 ||
		  vec_proof(proof, &np, json_object_get(j, "proof")) < 0;
	if (!got_err && incl)
		got_err = cr_merkle_verify_inclusion(
				  x, y, a, (const unsigned char(*)[H])proof, np,
				  b) != 0;
	else if (!got_err)
		got_err = cr_merkle_verify_consistency(
				  x, y, (const unsigned char(*)[H])proof, np, a,
				  b) != 0;
	vec_run++;
	if (got_err != want_err) {
		fprintf(stderr, "vector %s: got %s, want %s\n", path,
			got_err ? "error" : "ok", want_err ? "error" : "ok");
		vec_bad++;
	}
	json_decref(j);
	return 0;
}

static void
rfc9162_vectors(void **state)
{
	const char *root = getenv("VECTORS");
	char dir[4096];
	struct stat st;

	(void)state;
	if (root == NULL)
		skip();
	snprintf(dir, sizeof(dir), "%s/rfc9162", root);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		skip();
	vec_run = vec_bad = 0;
	assert_int_equal(nftw(dir, vec_file, 16, FTW_PHYS), 0);
	fprintf(stderr, "# %u RFC 9162 vectors run, %u disagree\n", vec_run,
		vec_bad);
	assert_true(vec_run >= 100);
	assert_int_equal(vec_bad, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_answers),
		cmocka_unit_test(all_proofs_small_trees),
		cmocka_unit_test(rfc9162_vectors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
