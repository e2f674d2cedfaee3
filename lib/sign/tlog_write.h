/*
 * Writing a tiled transparency log and witnessing it: the parts that hold
 * a private key, linked into attest only. Notes are signed by note_sign.h.
 */
#ifndef CR_TLOG_WRITE_H
#define CR_TLOG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "note_sign.h"
#include "signer.h"
#include "tlog.h"

/*
 * Creates an empty log in dir (created if missing, must not hold a
 * checkpoint yet): a checkpoint of size 0 signed by key under origin.
 * *vkey (when not NULL) receives the log's verifier key line.
 */
int cr_tlog_init(char **vkey, const char *dir, const char *origin,
		 const struct cr_privkey *key);

/*
 * An open log being appended to. Opening takes an exclusive flock on
 * dir/.lock (waiting for another writer), checks that the checkpoint is
 * signed by key, and rebuilds the right edge of the tree from the tiles of
 * the checkpoint's size, checking it against the root: tiles beyond it
 * (left by a crash) are ignored and overwritten.
 */
struct cr_tlog_writer;

/*
 * Opens dir for appending, as above, signing with key (kept by the caller
 * until cr_tlog_close()). CR_ERROR naming dir when the checkpoint is not
 * key's, the tiles do not hash to its root, or a file cannot be read.
 */
int cr_tlog_open(struct cr_tlog_writer **out, const char *dir,
		 const struct cr_privkey *key);

/*
 * Appends one entry (1 to CR_TLOG_ENTRY_MAX bytes); *index receives its
 * position. Full tiles are written as they fill; nothing is visible to
 * readers until cr_tlog_commit.
 */
int cr_tlog_append(struct cr_tlog_writer *w, uint64_t *index, const void *leaf,
		   size_t len);

/*
 * Writes the partial tiles of the new size, each file atomically (temporary
 * file, fsync, rename), then signs and atomically replaces the checkpoint,
 * which commits them.
 */
int cr_tlog_commit(struct cr_tlog_writer *w);

/* The current signed checkpoint (the note's bytes) and its tree size. */
const char *cr_tlog_writer_checkpoint(const struct cr_tlog_writer *w,
				      size_t *len, uint64_t *size);

/* A node fn over what the writer has committed (for making proofs). */
int cr_tlog_writer_tiles(struct cr_tlog_tiles **out,
			 const struct cr_tlog_writer *w);

/* Releases the lock and everything; uncommitted entries are dropped. */
void cr_tlog_close(struct cr_tlog_writer *w);

/*
 * Adds to the log's current checkpoint the signature lines of cosigned,
 * a copy of that checkpoint that a witness cosigned (`attest log witness`),
 * so that proofs made from now on carry them. The signed text must be the
 * checkpoint's exactly (CR_EFAIL otherwise: the witness saw another
 * checkpoint); lines already there are not repeated. *added receives the
 * number of lines added. The cosignatures are not checked here: verifiers
 * check them against the witness keys they trust.
 */
int cr_tlog_attach(struct cr_tlog_writer *w, unsigned *added,
		   const char *cosigned, size_t len, const char *name);

/*
 * A witness: cosigns the checkpoint at cp_path (which must be signed by
 * log_key) if it is consistent with the last checkpoint this witness
 * cosigned for its origin, kept in state_dir (one file per origin, written
 * atomically before anything is returned; a lock file keeps two witness
 * runs apart). The consistency file at cons_path must prove the step from
 * that size; at first sight of an origin it is only parsed and the
 * checkpoint is trusted on first use. *out receives the checkpoint with
 * this witness's cosignature line (name, timestamp now) added.
 * CR_EFAIL (nothing written) when the checkpoint is older than, forks from
 * or does not extend what was seen.
 */
int cr_tlog_witness(char **out, size_t *outlen, struct cr_tlog_result *res,
		    const char *cp_path, const char *cons_path,
		    const struct cr_note_verifier *log_key,
		    const struct cr_privkey *key, const char *name,
		    const char *state_dir, uint64_t now);

/*
 * Formats one block: header, "index N" (or "old N"), the hashes, a blank
 * line and the signed checkpoint note. Appended to *buf (realloc'd).
 */
int cr_tlog_proof_append(char **buf, size_t *len, int consistency,
			 uint64_t index,
			 const unsigned char (*path)[CR_MERKLE_HASH_LEN],
			 size_t n, const char *note, size_t note_len);

#endif
