/*
 * Signing C2SP signed notes and cosignatures with an Ed25519 private key
 * (the verifying side is note.h), linked into attest only.
 */
#ifndef CR_NOTE_SIGN_H
#define CR_NOTE_SIGN_H

#include <stddef.h>
#include <stdint.h>

#include "note.h"
#include "signer.h"

/* The raw Ed25519 public key of key; fails for other algorithms. */
int cr_note_signer_raw(unsigned char raw[32], const struct cr_privkey *key);

/*
 * One signature line "— NAME BASE64(keyid || sig)\n" over text: with type
 * CR_NOTE_ED25519 a note signature, with CR_NOTE_COSIG_V1 a timestamped
 * cosignature (8-byte big-endian timestamp, then the signature over
 * "cosignature/v1\ntime T\n" + text). Allocated, NUL-terminated.
 */
int cr_note_sign_line(char **line, size_t *len, const char *text,
		      size_t text_len, const char *name, unsigned char type,
		      uint64_t timestamp, const struct cr_privkey *key);

/* text + "\n" + one Ed25519 signature line by name: a whole signed note. */
int cr_note_sign(char **out, size_t *len, const char *text, size_t text_len,
		 const char *name, const struct cr_privkey *key);

#endif
