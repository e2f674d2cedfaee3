/*
 * Transparency logs as static files (c2sp.org/tlog-tiles): reading tiles,
 * making and checking inclusion and consistency proofs. Nothing here signs;
 * the writer and the witness are in tlog_write.h.
 */
#ifndef CR_TLOG_H
#define CR_TLOG_H

#include <stddef.h>
#include <stdint.h>

#include "merkle.h"
#include "note.h"

/* Tiles are 2^8 hashes wide; entries are at most 65535 bytes (uint16). */
#define CR_TLOG_TILE_HEIGHT 8u
#define CR_TLOG_TILE_WIDTH 256u
#define CR_TLOG_ENTRY_MAX 65535u
#define CR_TLOG_MAX_LEVELS 8u

/* Caps on proof and consistency files, and proofs in one file. */
#define CR_TLOG_PROOF_FILE_MAX (64u << 20)
#define CR_TLOG_MAX_PROOFS 200000u

/* First line of an inclusion proof (c2sp.org/tlog-proof) ... */
#define CR_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"
/* ... and of our consistency proof, which follows the same layout. */
#define CR_TLOG_CONSISTENCY_HEADER "cleanroom/tlog-consistency@v1"

/* What a check established. */
struct cr_tlog_result {
	char origin[CR_NOTE_NAME_MAX + 1];
	uint64_t size; /* tree size of the checkpoint that holds */
	unsigned char root[CR_MERKLE_HASH_LEN];
	uint64_t index;	    /* inclusion: the entry's index */
	uint64_t old_size;  /* consistency: the older tree size */
	unsigned witnesses; /* witness keys with a valid cosignature */
};

/*
 * One proof block: "c2sp.org/tlog-proof@v1" (or the consistency header),
 * an optional "extra" line, "index N" (or "old N"), hash lines, a blank
 * line and the signed checkpoint.
 */
struct cr_tlog_proof {
	uint64_t index; /* index, or old size for consistency */
	unsigned char (*path)[CR_MERKLE_HASH_LEN];
	size_t n;
	struct cr_note *note; /* the signed checkpoint */
	char *note_raw;	      /* its exact bytes */
	size_t note_len;
	struct cr_checkpoint cp;
	unsigned witnesses; /* set by cr_tlog_proofs_check_signed */
};

/* Frees count proofs of cr_tlog_proofs_load() and the array; NULL is a no-op. */
void cr_tlog_proofs_free(struct cr_tlog_proof *p, size_t count);

/*
 * Parses a file of one or more inclusion proof blocks (consistency = 0) or
 * one consistency block (consistency = 1). Messages start with name.
 */
int cr_tlog_proofs_parse(struct cr_tlog_proof **out, size_t *count,
			 const char *buf, size_t len, const char *name,
			 int consistency);

/* Reads and parses a file of inclusion proof blocks. */
int cr_tlog_proofs_load(struct cr_tlog_proof **out, size_t *count,
			const char *path);

/*
 * Checks the checkpoint of every block (see cr_tlog_check_checkpoint) and
 * records each one's witness count; name is used in messages.
 */
int
cr_tlog_proofs_check_signed(struct cr_tlog_proof *proofs, size_t count,
			    const char *name,
			    const struct cr_note_verifier *log_key,
			    const struct cr_note_verifier *const *witness_keys,
			    size_t nwitness, unsigned witness_threshold);

/*
 * Finds a block whose audit path leads from leaf to its checkpoint's root,
 * trying block `hint` first (SIZE_MAX: none). Checkpoints must have been
 * checked with cr_tlog_proofs_check_signed. CR_OK with res filled, or
 * CR_EFAIL.
 */
int cr_tlog_proofs_find(struct cr_tlog_result *res,
			const struct cr_tlog_proof *proofs, size_t count,
			const char *name, size_t hint,
			const unsigned char *leaf, size_t leaf_len);

/*
 * Whether block p's audit path leads from the leaf hash lh
 * (cr_merkle_leaf_hash of the entry) to its checkpoint's root, in
 * O(log size): CR_OK with res filled, CR_EFAIL (message set) when not. The
 * checkpoint must have been checked with cr_tlog_proofs_check_signed.
 */
int cr_tlog_proof_includes(struct cr_tlog_result *res,
			   const struct cr_tlog_proof *p,
			   const unsigned char lh[CR_MERKLE_HASH_LEN]);

/*
 * Checks a signed checkpoint: parses it, requires a valid signature by the
 * log under the checkpoint's origin as key name (and, when the key came
 * from a vkey, that name), and at least witness_threshold of the witness
 * keys with a valid cosignature. CR_EFAIL when a signature is missing or
 * bad or the threshold is not met; CR_ERROR when malformed.
 */
int cr_tlog_check_checkpoint(struct cr_checkpoint *cp, unsigned *nwitnessed,
			     const struct cr_note *note, const char *label,
			     const struct cr_note_verifier *log_key,
			     const struct cr_note_verifier *const *witness_keys,
			     size_t nwitness, unsigned witness_threshold);

/*
 * The entry point for `verify artifact --log-key PUB --proof PROOF` and
 * `verify log --proof`: checks that leaf (the exact bytes of one DSSE
 * envelope line, without newline) is in the log, per the proof file at
 * proof_path. The file holds one or more c2sp.org/tlog-proof@v1 blocks
 * (`attest log add` writes one per envelope of the attestation, in order);
 * the leaf is included when some block's checkpoint is signed by log_key
 * (and cosigned by at least witness_threshold of the witness_keys) and its
 * audit path leads from SHA-256(0x00 || leaf) at its index to its root.
 *
 * Keys are loaded with cr_note_verifier_load(&v, path, CR_NOTE_ED25519) for
 * the log and CR_NOTE_COSIG_V1 for witnesses (a vkey or an Ed25519 PEM).
 *
 * Returns CR_OK (res says where: origin, size, root, index, witnesses),
 * CR_EFAIL when it does not hold (bad or missing signature, too few
 * witnesses, path does not lead to the root; the message says which), or
 * CR_ERROR when the proof is malformed or unreadable (the message names
 * the file).
 */
int cr_tlog_check_inclusion(struct cr_tlog_result *res, const char *proof_path,
			    const unsigned char *leaf, size_t leaf_len,
			    const struct cr_note_verifier *log_key,
			    const struct cr_note_verifier *const *witness_keys,
			    size_t nwitness, unsigned witness_threshold);

/*
 * Checks that the checkpoint in new_path extends the one in old_path, per
 * the consistency file (as `attest log prove` writes). Both checkpoints
 * must be signed by log_key under the same origin; the witness threshold
 * applies to the new one. CR_EFAIL when they are not consistent (a split
 * view or a rollback), CR_ERROR when a file is malformed or the proof does
 * not start at the old checkpoint's size.
 */
int
cr_tlog_check_consistency(struct cr_tlog_result *res, const char *old_path,
			  const char *new_path, const char *cons_path,
			  const struct cr_note_verifier *log_key,
			  const struct cr_note_verifier *const *witness_keys,
			  size_t nwitness, unsigned witness_threshold);

/* Reads and parses a signed note file (capped at CR_NOTE_MAX). */
int cr_tlog_read_note(struct cr_note **out, char **raw, size_t *rawlen,
		      const char *path);

/* tile/<L>/<N>[.p/<W>] or, for level -1, tile/entries/<N>[.p/<W>]. */
int cr_tlog_tile_path(char *out, size_t outlen, int level, uint64_t n,
		      unsigned width);

/* Tiles of a log directory, read as of tree size `size`. */
struct cr_tlog_tiles;

/*
 * Prepares to read dir's tiles as of the tree of size entries; nothing is
 * read (or checked) until a hash is asked for. CR_ERROR only when out of
 * memory. cr_tlog_tiles_free() frees it; NULL is a no-op.
 */
int cr_tlog_tiles_open(struct cr_tlog_tiles **out, const char *dir,
		       uint64_t size);
void cr_tlog_tiles_free(struct cr_tlog_tiles *t);

/* A cr_merkle_node_fn over the tiles (ctx is the cr_tlog_tiles). */
int cr_tlog_tiles_node(void *ctx, unsigned height, uint64_t index,
		       unsigned char out[CR_MERKLE_HASH_LEN]);

/*
 * The hashes (or, with level -1, the entries bundle) of tile n at level as
 * of the tiles' size: *width hashes (or entries) in *buf, which the tiles
 * own until the next call. A missing partial tile falls back to the prefix
 * of the full one.
 */
int cr_tlog_tiles_read(struct cr_tlog_tiles *t, const unsigned char **buf,
		       size_t *buflen, unsigned *width, int level, uint64_t n);

/*
 * Audits a log directory against a checkpoint: every entry bundle hashes to
 * its level-0 tile, every full tile hashes to its place one level up, and
 * the tree's root is cp's root. CR_EFAIL when something differs.
 */
int cr_tlog_audit(const char *dir, const struct cr_checkpoint *cp);

#endif
