/* RFC 9162 Merkle trees, the log's side: making proofs, growing a tree. */
#include "merkle_proof.h"
#include "error.h"

#include <string.h>

struct proof_acc {
	unsigned char (*proof)[CR_MERKLE_HASH_LEN];
	size_t n;
	cr_merkle_node_fn get;
	void *ctx;
};

static int
append_subtree(struct proof_acc *a, uint64_t lo, uint64_t hi)
{
	if (a->n >= CR_MERKLE_MAX_PROOF)
		return cr_error_set("merkle: proof too long");
	if (cr_merkle_subtree(a->proof[a->n], lo, hi, a->get, a->ctx) < 0)
		return CR_ERROR;
	a->n++;
	return CR_OK;
}

/* PATH(m, D[lo:hi]) of RFC 9162, 2.1.3.1, deepest sibling first. */
static int
path(struct proof_acc *a, uint64_t m, uint64_t lo, uint64_t hi)
{
	uint64_t k;
	int err;

	if (hi - lo <= 1)
		return CR_OK;
	k = cr_merkle_split(hi - lo);
	if (m < lo + k) {
		if ((err = path(a, m, lo, lo + k)) < 0)
			return err;
		return append_subtree(a, lo + k, hi);
	}
	if ((err = path(a, m, lo + k, hi)) < 0)
		return err;
	return append_subtree(a, lo, lo + k);
}

int
cr_merkle_inclusion_proof(unsigned char (*proof)[CR_MERKLE_HASH_LEN], size_t *n,
			  uint64_t index, uint64_t size, cr_merkle_node_fn get,
			  void *ctx)
{
	struct proof_acc a = {proof, 0, get, ctx};
	int err;

	*n = 0;
	if (index >= size)
		return cr_error_set("merkle: leaf %llu is not in a tree of "
				    "size %llu",
				    (unsigned long long)index,
				    (unsigned long long)size);
	if ((err = path(&a, index, 0, size)) < 0)
		return err;
	*n = a.n;
	return CR_OK;
}

/* SUBPROOF(m, D[lo:hi], b) of RFC 9162, 2.1.4.1; m counts from lo. */
static int
subproof(struct proof_acc *a, uint64_t m, uint64_t lo, uint64_t hi, int b)
{
	uint64_t k;
	int err;

	if (m == hi - lo)
		return b ? CR_OK : append_subtree(a, lo, hi);
	k = cr_merkle_split(hi - lo);
	if (m <= k) {
		if ((err = subproof(a, m, lo, lo + k, b)) < 0)
			return err;
		return append_subtree(a, lo + k, hi);
	}
	if ((err = subproof(a, m - k, lo + k, hi, 0)) < 0)
		return err;
	return append_subtree(a, lo, lo + k);
}

int
cr_merkle_consistency_proof(unsigned char (*proof)[CR_MERKLE_HASH_LEN],
			    size_t *n, uint64_t size1, uint64_t size2,
			    cr_merkle_node_fn get, void *ctx)
{
	struct proof_acc a = {proof, 0, get, ctx};
	int err;

	*n = 0;
	if (size1 == 0 || size1 > size2)
		return cr_error_set("merkle: no consistency proof from size "
				    "%llu to size %llu",
				    (unsigned long long)size1,
				    (unsigned long long)size2);
	if ((err = subproof(&a, size1, 0, size2, 1)) < 0)
		return err;
	*n = a.n;
	return CR_OK;
}

int
cr_merkle_edge_push(struct cr_merkle_edge *e,
		    const unsigned char leaf_hash[CR_MERKLE_HASH_LEN])
{
	uint64_t s;
	int err;

	if (e->n >= 64)
		return cr_error_set("merkle: tree full");
	memcpy(e->hash[e->n++], leaf_hash, CR_MERKLE_HASH_LEN);
	e->size++;
	/* Each trailing zero bit of the new size closes a perfect subtree. */
	for (s = e->size; !(s & 1); s >>= 1) {
		if ((err = cr_merkle_node_hash(e->hash[e->n - 2],
					       e->hash[e->n - 2],
					       e->hash[e->n - 1])) < 0)
			return err;
		e->n--;
	}
	return CR_OK;
}

int
cr_merkle_edge_root(unsigned char out[CR_MERKLE_HASH_LEN],
		    const struct cr_merkle_edge *e)
{
	unsigned char r[CR_MERKLE_HASH_LEN];
	unsigned i;
	int err;

	if (e->n == 0)
		return cr_sha256_buf(out, "", 0);
	memcpy(r, e->hash[e->n - 1], CR_MERKLE_HASH_LEN);
	for (i = e->n - 1; i-- > 0;)
		if ((err = cr_merkle_node_hash(r, e->hash[i], r)) < 0)
			return err;
	memcpy(out, r, CR_MERKLE_HASH_LEN);
	return CR_OK;
}
