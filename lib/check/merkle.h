/* RFC 9162 Merkle trees: leaf and node hashes, subtrees, and proofs' checks. */
#ifndef CR_MERKLE_H
#define CR_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define CR_MERKLE_HASH_LEN CR_SHA256_LEN

/* Longest proof of either kind in a tree of up to 2^64 - 1 leaves. */
#define CR_MERKLE_MAX_PROOF 128u

/* SHA-256(0x00 || leaf). */
int cr_merkle_leaf_hash(unsigned char out[CR_MERKLE_HASH_LEN], const void *leaf,
			size_t len);

/* SHA-256(0x01 || left || right). */
int cr_merkle_node_hash(unsigned char out[CR_MERKLE_HASH_LEN],
			const unsigned char left[CR_MERKLE_HASH_LEN],
			const unsigned char right[CR_MERKLE_HASH_LEN]);

/*
 * The Merkle tree hash of n consecutive hashes taken as the leaves of a
 * (sub)tree, n >= 1, following RFC 9162's split at the largest power of two
 * smaller than n. Used for tiles: hashes are the tile's 32-byte entries.
 */
int cr_merkle_root_of(unsigned char out[CR_MERKLE_HASH_LEN],
		      const unsigned char *hashes, size_t n);

/*
 * Source of node hashes for making proofs: writes to out the hash of the
 * perfect subtree of height `height` whose leaves are
 * [index << height, (index + 1) << height). Returns a cr_status.
 */
typedef int (*cr_merkle_node_fn)(void *ctx, unsigned height, uint64_t index,
				 unsigned char out[CR_MERKLE_HASH_LEN]);

/* The largest power of two strictly smaller than n, for n >= 2: where
 * RFC 9162 splits a tree of n leaves. */
uint64_t cr_merkle_split(uint64_t n);

/*
 * MTH(D[lo:hi]) for 0 <= lo < hi, lo a multiple of the largest power of two
 * not above hi - lo (as every subtree RFC 9162 names is), from the nodes get
 * gives.
 */
int cr_merkle_subtree(unsigned char out[CR_MERKLE_HASH_LEN], uint64_t lo,
		      uint64_t hi, cr_merkle_node_fn get, void *ctx);

/*
 * Checks that leaf_hash is leaf index of the tree of size leaves whose root
 * is root, given the proof (RFC 9162, 2.1.3.2). CR_OK when it holds,
 * CR_EFAIL with a message saying why when it does not (index out of range,
 * wrong proof length, root differs).
 */
int
cr_merkle_verify_inclusion(uint64_t index, uint64_t size,
			   const unsigned char leaf_hash[CR_MERKLE_HASH_LEN],
			   const unsigned char (*proof)[CR_MERKLE_HASH_LEN],
			   size_t n,
			   const unsigned char root[CR_MERKLE_HASH_LEN]);

/*
 * Checks that the tree of size2 leaves with root2 extends the tree of size1
 * leaves with root1 (RFC 9162, 2.1.4.2). Equal sizes need an empty proof and
 * equal roots; size1 = 0 proves nothing and is refused; size1 > size2 fails.
 * CR_OK when it holds, CR_EFAIL with a message otherwise.
 */
int
cr_merkle_verify_consistency(uint64_t size1, uint64_t size2,
			     const unsigned char (*proof)[CR_MERKLE_HASH_LEN],
			     size_t n,
			     const unsigned char root1[CR_MERKLE_HASH_LEN],
			     const unsigned char root2[CR_MERKLE_HASH_LEN]);

#endif
