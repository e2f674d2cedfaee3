/* Reading attestations against trusted keys, and judging files against them. */
#ifndef CR_ATTESTATION_H
#define CR_ATTESTATION_H

#include <stddef.h>

#include "dsse.h"
#include "key.h"
#include "statement.h"

#define CR_KEYRING_MAX 64u

/* The distinct trusted keys a verifier was given. */
struct cr_keyring {
	struct cr_pubkey *keys[CR_KEYRING_MAX];
	size_t count;
};

/*
 * Loads a public key file into ring. A key already in the ring (same key
 * id) is not added again, so a key named twice counts once.
 */
int cr_keyring_add(struct cr_keyring *ring, const char *path);
void cr_keyring_clear(struct cr_keyring *ring);

/* One envelope of an attestation file, and what checking it found. */
struct cr_checked {
	char *file;
	unsigned int line;
	struct cr_dsse *env;
	int status;	  /* CR_OK: signed by a trusted key and parsed */
	int skipped;	  /* signed, but a statement of another kind */
	char reason[256]; /* why not, when status is CR_EFAIL */
	unsigned char by[CR_KEYRING_MAX]; /* by[i]: ring key i signed it */
	size_t nby;
	struct cr_statement *st; /* parsed only when status is CR_OK */
};

struct cr_checked_set {
	struct cr_checked *items;
	size_t count;
};

/*
 * Reads every envelope of the attestation file path and checks each against
 * every key of ring. An envelope whose payloadType is not in-toto's, or that
 * no trusted key signed (including one with no signatures at all), gets
 * status CR_EFAIL and a reason; its payload is never parsed. A trusted
 * payload that is another in-toto Statement version or another
 * predicateType (an SBOM, a scan) is skipped: status CR_EFAIL, skipped set,
 * the reason saying what it is; it counts for nothing. A payload that a
 * trusted key signed but that is not a valid statement is an error, as is
 * a malformed file: CR_ERROR naming the file and line.
 */
int cr_attestation_check(struct cr_checked_set *set, const char *path,
			 const struct cr_keyring *ring);
/*
 * The same for a Sigstore bundle v0.3 file (cr_bundle_read()): its one
 * DSSE envelope, checked as any other, as line 1 of path.
 */
int cr_attestation_check_bundle(struct cr_checked_set *set, const char *path,
				const struct cr_keyring *ring);

/*
 * Frees every envelope and statement the set holds and empties it; the set
 * itself is the caller's and may be filled again.
 */
void cr_checked_set_clear(struct cr_checked_set *set);

/* A verified statement that lists a file's digest. */
struct cr_match {
	const struct cr_checked *att;
	const struct cr_subject *subject;
};

struct cr_verdict {
	int status;  /* CR_OK when the threshold is met, else CR_EFAIL */
	size_t keys; /* distinct trusted keys agreeing on best_tree */
	int has_tree;
	unsigned char best_tree[CR_SHA256_LEN];
	unsigned char agree[CR_KEYRING_MAX]; /* the keys counted in ->keys */
	struct cr_match *matches;
	size_t nmatches;
	size_t ntrees; /* distinct source trees among the matches */
	char reason[512];
};

/*
 * Judges a file's digest: it holds when at least threshold distinct keys of
 * the ring signed statements that list the digest and name the same source
 * tree. The verdict lists every match, so disagreements can be shown.
 */
int cr_verdict_judge(struct cr_verdict *v, const struct cr_checked_set *set,
		     const struct cr_keyring *ring,
		     const unsigned char digest[CR_SHA256_LEN],
		     size_t threshold);
void cr_verdict_clear(struct cr_verdict *v);

#endif
