/* RFC 9162 Merkle trees, the log's side: making proofs, growing a tree. */
#ifndef CR_MERKLE_PROOF_H
#define CR_MERKLE_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"

/*
 * The inclusion proof (RFC 9162, 2.1.3.1) of leaf index in a tree of size
 * leaves into proof (room for CR_MERKLE_MAX_PROOF hashes), sibling first.
 * Fails if index >= size.
 */
int cr_merkle_inclusion_proof(unsigned char (*proof)[CR_MERKLE_HASH_LEN],
			      size_t *n, uint64_t index, uint64_t size,
			      cr_merkle_node_fn get, void *ctx);

/*
 * The consistency proof (RFC 9162, 2.1.4.1) from size1 to size2, with
 * 0 < size1 <= size2 (empty when they are equal).
 */
int cr_merkle_consistency_proof(unsigned char (*proof)[CR_MERKLE_HASH_LEN],
				size_t *n, uint64_t size1, uint64_t size2,
				cr_merkle_node_fn get, void *ctx);

/*
 * The right edge of a growing tree: the roots of its perfect subtrees,
 * largest first, enough to append leaves and compute the root without
 * holding the leaves.
 */
struct cr_merkle_edge {
	uint64_t size;
	unsigned n;
	unsigned char hash[64][CR_MERKLE_HASH_LEN];
};

/* Adds a leaf hash to the right edge. */
int cr_merkle_edge_push(struct cr_merkle_edge *e,
			const unsigned char leaf_hash[CR_MERKLE_HASH_LEN]);

/* The root of the tree the edge describes; SHA-256("") for size 0. */
int cr_merkle_edge_root(unsigned char out[CR_MERKLE_HASH_LEN],
			const struct cr_merkle_edge *e);

#endif
