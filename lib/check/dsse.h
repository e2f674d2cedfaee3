/* DSSE v1 envelopes: PAE, strict parsing, reading and checking. */
#ifndef CR_DSSE_H
#define CR_DSSE_H

#include <stddef.h>

#include "key.h"

/* Caps: one envelope line, one attestation file, signatures per envelope. */
#define CR_DSSE_LINE_MAX (8u << 20)
#define CR_DSSE_FILE_MAX (64u << 20)
#define CR_DSSE_MAX_SIGS 64u
#define CR_DSSE_MAX_ENVELOPES 4096u

#define CR_INTOTO_PAYLOAD_TYPE "application/vnd.in-toto+json"

struct cr_dsse_sig {
	char *keyid; /* may be NULL: the field is optional, a hint only */
	unsigned char *sig;
	size_t siglen;
};

struct cr_dsse {
	char *payload_type;
	unsigned char *payload; /* decoded bytes; NOT trusted until checked */
	size_t payload_len;
	struct cr_dsse_sig *sigs;
	size_t nsigs;
	char *raw; /* the envelope's exact bytes (one line) */
	size_t raw_len;
	unsigned int line; /* 1-based line in its file, 0 if none */
	char *name;	   /* the file (or source) it came from, or NULL */
	int keyid_bound;   /* a signature counts only for the key its keyid
			      names (a Sigstore bundle's hint), not any */
};

/*
 * The pre-authentication encoding:
 * "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in decimal.
 */
int cr_dsse_pae(unsigned char **out, size_t *outlen, const char *type,
		const unsigned char *body, size_t len);

/*
 * Parses one envelope: a JSON object with string "payload" (base64),
 * string "payloadType", and array "signatures" of objects with string "sig"
 * (base64) and optional string "keyid". Duplicate keys anywhere, a missing
 * or mistyped field, bad base64, an empty signature list or more than
 * CR_DSSE_MAX_SIGS are refused; unknown fields are ignored. Messages start
 * with name (and the line, when line is not 0).
 */
int cr_dsse_parse(struct cr_dsse **out, const char *json, size_t len,
		  const char *name, unsigned int line);

/*
 * Reads an .intoto.jsonl file: every non-empty line is an envelope (a file
 * holding one pretty-printed JSON envelope is accepted too). The caller
 * frees with cr_dsse_list_free().
 */
int cr_dsse_read_file(struct cr_dsse ***out, size_t *count, const char *path);

/*
 * Checks env against key: CR_OK when at least one signature in env is a
 * valid signature by key over the PAE of (payloadType, payload), whatever
 * its keyid hint says; CR_EFAIL otherwise.
 */
int cr_dsse_verify(const struct cr_dsse *env, const struct cr_pubkey *key);

/*
 * Free one envelope, or the count envelopes of a list from
 * cr_dsse_read_file() and the list itself; NULL is a no-op.
 */
void cr_dsse_free(struct cr_dsse *env);
void cr_dsse_list_free(struct cr_dsse **list, size_t count);

#endif
