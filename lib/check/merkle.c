/* RFC 9162 Merkle trees: leaf and node hashes, subtrees, and proofs' checks. */
#include "merkle.h"
#include "error.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

/* Hashes prefix || a || b (b may be NULL) in one go. */
static int
hash3(unsigned char out[CR_MERKLE_HASH_LEN], unsigned char prefix,
      const void *a, size_t alen, const void *b, size_t blen)
{
	EVP_MD_CTX *ctx;
	unsigned int n = 0;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return cr_error_openssl("merkle hash");
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	     EVP_DigestUpdate(ctx, &prefix, 1) == 1 &&
	     EVP_DigestUpdate(ctx, a, alen) == 1 &&
	     (b == NULL || EVP_DigestUpdate(ctx, b, blen) == 1) &&
	     EVP_DigestFinal_ex(ctx, out, &n) == 1 && n == CR_MERKLE_HASH_LEN;
	EVP_MD_CTX_free(ctx);
	return ok ? CR_OK : cr_error_openssl("merkle hash");
}

int
cr_merkle_leaf_hash(unsigned char out[CR_MERKLE_HASH_LEN], const void *leaf,
		    size_t len)
{
	return hash3(out, 0x00, leaf, len, NULL, 0);
}

int
cr_merkle_node_hash(unsigned char out[CR_MERKLE_HASH_LEN],
		    const unsigned char left[CR_MERKLE_HASH_LEN],
		    const unsigned char right[CR_MERKLE_HASH_LEN])
{
	unsigned char buf[2 * CR_MERKLE_HASH_LEN];

	/* Copied first so that out may alias left or right. */
	memcpy(buf, left, CR_MERKLE_HASH_LEN);
	memcpy(buf + CR_MERKLE_HASH_LEN, right, CR_MERKLE_HASH_LEN);
	return hash3(out, 0x01, buf, sizeof(buf), NULL, 0);
}

uint64_t
cr_merkle_split(uint64_t n)
{
	uint64_t k = 1;

	while (k < n - k)
		k <<= 1;
	return k;
}

static int
is_pow2(uint64_t n)
{
	return n != 0 && (n & (n - 1)) == 0;
}

static unsigned
log2_exact(uint64_t n)
{
	unsigned h = 0;

	while ((UINT64_C(1) << h) < n)
		h++;
	return h;
}

int
cr_merkle_root_of(unsigned char out[CR_MERKLE_HASH_LEN],
		  const unsigned char *hashes, size_t n)
{
	unsigned char l[CR_MERKLE_HASH_LEN], r[CR_MERKLE_HASH_LEN];
	size_t k;
	int err;

	if (n == 0)
		return cr_error_set("merkle: empty subtree");
	if (n == 1) {
		memcpy(out, hashes, CR_MERKLE_HASH_LEN);
		return CR_OK;
	}
	k = (size_t)cr_merkle_split(n);
	if ((err = cr_merkle_root_of(l, hashes, k)) < 0 ||
	    (err = cr_merkle_root_of(r, hashes + k * CR_MERKLE_HASH_LEN,
				     n - k)) < 0)
		return err;
	return cr_merkle_node_hash(out, l, r);
}

int
cr_merkle_subtree(unsigned char out[CR_MERKLE_HASH_LEN], uint64_t lo,
		  uint64_t hi, cr_merkle_node_fn get, void *ctx)
{
	unsigned char l[CR_MERKLE_HASH_LEN], r[CR_MERKLE_HASH_LEN];
	uint64_t n = hi - lo, k;
	unsigned h;
	int err;

	if (hi <= lo)
		return cr_error_set("merkle: empty subtree");
	if (is_pow2(n)) {
		h = log2_exact(n);
		if (lo % n != 0)
			return cr_error_set("merkle: unaligned subtree");
		return get(ctx, h, lo >> h, out);
	}
	k = cr_merkle_split(n);
	if ((err = cr_merkle_subtree(l, lo, lo + k, get, ctx)) < 0 ||
	    (err = cr_merkle_subtree(r, lo + k, hi, get, ctx)) < 0)
		return err;
	return cr_merkle_node_hash(out, l, r);
}

int
cr_merkle_verify_inclusion(uint64_t index, uint64_t size,
			   const unsigned char leaf_hash[CR_MERKLE_HASH_LEN],
			   const unsigned char (*proof)[CR_MERKLE_HASH_LEN],
			   size_t n,
			   const unsigned char root[CR_MERKLE_HASH_LEN])
{
	unsigned char r[CR_MERKLE_HASH_LEN];
	uint64_t fn = index, sn;
	size_t i;
	int err;

	if (index >= size)
		return cr_error_fail("leaf index %llu is outside a tree of "
				     "size %llu",
				     (unsigned long long)index,
				     (unsigned long long)size);
	sn = size - 1;
	memcpy(r, leaf_hash, CR_MERKLE_HASH_LEN);
	for (i = 0; i < n; i++) {
		if (sn == 0)
			return cr_error_fail("inclusion proof is too long");
		if ((fn & 1) || fn == sn) {
			err = cr_merkle_node_hash(r, proof[i], r);
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			err = cr_merkle_node_hash(r, r, proof[i]);
		}
		if (err < 0)
			return err;
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return cr_error_fail("inclusion proof is too short");
	if (CRYPTO_memcmp(r, root, CR_MERKLE_HASH_LEN) != 0)
		return cr_error_fail("inclusion proof does not lead to the "
				     "root hash");
	return CR_OK;
}

int
cr_merkle_verify_consistency(uint64_t size1, uint64_t size2,
			     const unsigned char (*proof)[CR_MERKLE_HASH_LEN],
			     size_t n,
			     const unsigned char root1[CR_MERKLE_HASH_LEN],
			     const unsigned char root2[CR_MERKLE_HASH_LEN])
{
	unsigned char fr[CR_MERKLE_HASH_LEN], sr[CR_MERKLE_HASH_LEN];
	uint64_t fn, sn;
	size_t i = 0;
	int err;

	if (size1 == 0)
		return cr_error_fail("a consistency proof from the empty tree "
				     "proves nothing");
	if (size1 > size2)
		return cr_error_fail("the tree shrank from size %llu to "
				     "size %llu",
				     (unsigned long long)size1,
				     (unsigned long long)size2);
	if (size1 == size2) {
		if (n != 0)
			return cr_error_fail("consistency proof between equal "
					     "sizes must be empty");
		if (CRYPTO_memcmp(root1, root2, CR_MERKLE_HASH_LEN) != 0)
			return cr_error_fail("two different root hashes for "
					     "the same tree size %llu",
					     (unsigned long long)size1);
		return CR_OK;
	}
	if (n == 0)
		return cr_error_fail("consistency proof is empty");
	/* An exact power of two is a node of the new tree: it seeds the walk. */
	if (is_pow2(size1)) {
		memcpy(fr, root1, CR_MERKLE_HASH_LEN);
	} else {
		memcpy(fr, proof[0], CR_MERKLE_HASH_LEN);
		i = 1;
	}
	memcpy(sr, fr, CR_MERKLE_HASH_LEN);
	fn = size1 - 1;
	sn = size2 - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	for (; i < n; i++) {
		if (sn == 0)
			return cr_error_fail("consistency proof is too long");
		if ((fn & 1) || fn == sn) {
			if ((err = cr_merkle_node_hash(fr, proof[i], fr)) < 0 ||
			    (err = cr_merkle_node_hash(sr, proof[i], sr)) < 0)
				return err;
			if (!(fn & 1))
				while (fn != 0 && !(fn & 1)) {
					fn >>= 1;
					sn >>= 1;
				}
		} else {
			if ((err = cr_merkle_node_hash(sr, sr, proof[i])) < 0)
				return err;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return cr_error_fail("consistency proof is too short");
	if (CRYPTO_memcmp(fr, root1, CR_MERKLE_HASH_LEN) != 0)
		return cr_error_fail("consistency proof does not lead to the "
				     "old root hash");
	if (CRYPTO_memcmp(sr, root2, CR_MERKLE_HASH_LEN) != 0)
		return cr_error_fail("consistency proof does not lead to the "
				     "new root hash");
	return CR_OK;
}
