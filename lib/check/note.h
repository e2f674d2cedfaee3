/*
 * C2SP signed notes (c2sp.org/signed-note), checkpoints
 * (c2sp.org/tlog-checkpoint) and Ed25519 cosignatures
 * (c2sp.org/tlog-cosignature): parsing and checking, never signing.
 */
#ifndef CR_NOTE_H
#define CR_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "key.h"
#include "merkle.h"

/* Caps: a whole note, its signature lines, a key name or origin. */
#define CR_NOTE_MAX (64u * 1024)
#define CR_NOTE_MAX_SIGS 64u
#define CR_NOTE_NAME_MAX 255u

/* Whether name can be a key name or an origin we sign as. */
int cr_note_name_valid(const char *name);

/* Signature type bytes of the signed-note key id. */
#define CR_NOTE_ED25519 0x01
#define CR_NOTE_COSIG_V1 0x04

/* "— " in UTF-8: em dash, space. */
#define CR_NOTE_DASH "\xe2\x80\x94 "

struct cr_note_sig {
	char *name;
	uint32_t keyid;
	unsigned char *sig; /* what follows the key id */
	size_t siglen;
};

struct cr_note {
	char *text; /* the signed text, with its final newline */
	size_t text_len;
	struct cr_note_sig *sigs;
	size_t nsigs;
};

/*
 * Parses a signed note: valid UTF-8 without control characters other than
 * newline, a text ending in a newline, a blank line, then 1 to
 * CR_NOTE_MAX_SIGS lines "— NAME BASE64" with a name free of spaces and '+'
 * and at least 4 bytes of signature. Messages start with name.
 */
int cr_note_parse(struct cr_note **out, const char *buf, size_t len,
		  const char *name);

/* Frees what cr_note_parse() returned; NULL is a no-op. */
void cr_note_free(struct cr_note *note);

/*
 * A trusted key as a note verifier. From a vkey the name is fixed; from a
 * PEM public key it is NULL and the key signs under any name (the key id,
 * which depends on the name, is computed from each signature line's name).
 */
struct cr_note_verifier {
	char *name;	       /* NULL: any name */
	unsigned char type;    /* CR_NOTE_ED25519 or CR_NOTE_COSIG_V1 */
	unsigned char raw[32]; /* the Ed25519 public key */
	struct cr_pubkey *key;
	char *path; /* where it came from, for messages */
};

/* The signed-note key id: SHA-256(name || "\n" || type || raw)[:4]. */
int cr_note_keyid(uint32_t *out, const char *name, unsigned char type,
		  const unsigned char raw[32]);

/*
 * Loads a verifier from a file holding either a vkey line
 * "NAME+HEXID+BASE64(type || key)" (what `attest log vkey` prints) or an
 * Ed25519 SPKI PEM public key. type says what the key is trusted for: a
 * vkey of another type is refused, naming path.
 */
int cr_note_verifier_load(struct cr_note_verifier **out, const char *path,
			  unsigned char type);

/* The same from an Ed25519 public key already loaded (copied). */
int cr_note_verifier_from_pubkey(struct cr_note_verifier **out,
				 const struct cr_pubkey *key, const char *name,
				 unsigned char type);

/* Parses a vkey line (no newline); label names it in messages. */
int cr_note_verifier_parse(struct cr_note_verifier **out, const char *vkey,
			   const char *label);

/* Frees what the cr_note_verifier_* constructors returned; NULL is a no-op. */
void cr_note_verifier_free(struct cr_note_verifier *v);

/*
 * Checks the note's signatures by v. Lines whose name and key id do not
 * match v are ignored. CR_OK when at least one matching signature verifies
 * and none fails; CR_EFAIL (message names label and the key) when one fails
 * or none is there. For cosignatures the signed message is
 * "cosignature/v1\ntime T\n" + text; *timestamp (when not NULL) receives T.
 */
int cr_note_check(const struct cr_note *note, const struct cr_note_verifier *v,
		  const char *label, uint64_t *timestamp);

/* The message a v1 cosignature at time t signs: allocated. */
int cr_note_cosig_message(unsigned char **out, size_t *len, uint64_t t,
			  const char *text, size_t text_len);

/*
 * A decimal uint64 of s[0..len) without sign, spaces or leading zero (the
 * numbers of checkpoints and proofs); CR_ERROR without a message otherwise.
 */
int cr_note_parse_u64(uint64_t *out, const char *s, size_t len);

/* A checkpoint's note text, parsed. */
struct cr_checkpoint {
	char origin[CR_NOTE_NAME_MAX + 1];
	uint64_t size;
	unsigned char root[CR_MERKLE_HASH_LEN];
};

/*
 * Parses checkpoint text: origin line (non-empty, at most
 * CR_NOTE_NAME_MAX bytes), tree size (decimal, no leading zero), root hash
 * (base64 of 32 bytes), then optional non-empty extension lines.
 */
int cr_checkpoint_parse(struct cr_checkpoint *out, const char *text, size_t len,
			const char *name);

#endif
