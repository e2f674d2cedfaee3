/*
 * Transparency logs as static files: making and checking inclusion and
 * consistency proofs against signed checkpoints (the tiles: tlog_tiles.c).
 */
#include "tlog.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define HASH CR_MERKLE_HASH_LEN

void
cr_tlog_proofs_free(struct cr_tlog_proof *p, size_t count)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < count; i++) {
		free(p[i].path);
		cr_note_free(p[i].note);
		free(p[i].note_raw);
	}
	free(p);
}

/* The next newline-terminated line at *p; 0 at the end, -1 if unterminated. */
static int
next_line(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl;

	if (*p >= end)
		return 0;
	if ((nl = memchr(*p, '\n', (size_t)(end - *p))) == NULL)
		return -1;
	*line = *p;
	*len = (size_t)(nl - *p);
	*p = nl + 1;
	return 1;
}

static int
line_is(const char *line, size_t len, const char *s)
{
	return len == strlen(s) && memcmp(line, s, len) == 0;
}

static int
decode_hash(unsigned char out[HASH], const char *s, size_t len)
{
	unsigned char *d = NULL;
	size_t dlen = 0;
	int ok;

	if (len != 44 || memchr(s, '-', len) || memchr(s, '_', len))
		return CR_ERROR;
	ok = cr_base64_decode(&d, &dlen, s, len) == 0 && dlen == HASH;
	if (ok)
		memcpy(out, d, HASH);
	free(d);
	return ok ? CR_OK : CR_ERROR;
}

/* Parses one block starting at *p into pr. */
static int
parse_block(struct cr_tlog_proof *pr, const char **p, const char *end,
	    const char *name, int consistency)
{
	const char *line, *start;
	const char *key = consistency ? "old " : "index ";
	unsigned char(*shrunk)[CR_MERKLE_HASH_LEN];
	size_t len, klen = strlen(key);
	int r;

	if (next_line(p, end, &line, &len) != 1 ||
	    !line_is(line, len,
		     consistency ? CR_TLOG_CONSISTENCY_HEADER
				 : CR_TLOG_PROOF_HEADER))
		return cr_error_set("%s: malformed proof: expected the line "
				    "'%s'",
				    name,
				    consistency ? CR_TLOG_CONSISTENCY_HEADER
						: CR_TLOG_PROOF_HEADER);
	if ((r = next_line(p, end, &line, &len)) == 1 && len > 6 &&
	    memcmp(line, "extra ", 6) == 0)
		r = next_line(p, end, &line, &len);
	if (r != 1 || len <= klen || memcmp(line, key, klen) != 0 ||
	    cr_note_parse_u64(&pr->index, line + klen, len - klen) < 0)
		return cr_error_set("%s: malformed proof: expected '%sN'", name,
				    key);
	if ((pr->path = malloc(CR_MERKLE_MAX_PROOF * HASH)) == NULL)
		return cr_error_set("%s: out of memory", name);
	for (;;) {
		if (next_line(p, end, &line, &len) != 1)
			return cr_error_set("%s: malformed proof: truncated "
					    "before the checkpoint",
					    name);
		if (len == 0)
			break;
		if (pr->n >= 64)
			return cr_error_set("%s: malformed proof: more than 64 "
					    "hashes",
					    name);
		if (decode_hash(pr->path[pr->n], line, len) < 0)
			return cr_error_set("%s: malformed proof: bad hash "
					    "line %zu",
					    name, pr->n + 1);
		pr->n++;
	}
	/* Room for 64 hashes while parsing; keep only what the block has. */
	shrunk = realloc(pr->path, (pr->n > 0 ? pr->n : 1) * sizeof(*pr->path));
	if (shrunk != NULL)
		pr->path = shrunk;
	/* The checkpoint: text lines, a blank line, signature lines. */
	start = *p;
	do {
		if (next_line(p, end, &line, &len) != 1)
			return cr_error_set("%s: malformed proof: truncated "
					    "checkpoint",
					    name);
	} while (len > 0);
	for (;;) {
		const char *save = *p;

		if ((r = next_line(p, end, &line, &len)) == 0)
			break;
		if (r < 0)
			return cr_error_set("%s: malformed proof: does not end "
					    "in a newline",
					    name);
		if (len < 4 || memcmp(line, CR_NOTE_DASH, 4) != 0) {
			*p = save;
			break;
		}
	}
	pr->note_len = (size_t)(*p - start);
	if ((pr->note_raw = malloc(pr->note_len + 1)) == NULL)
		return cr_error_set("%s: out of memory", name);
	memcpy(pr->note_raw, start, pr->note_len);
	pr->note_raw[pr->note_len] = '\0';
	if ((r = cr_note_parse(&pr->note, pr->note_raw, pr->note_len, name)) <
	    0)
		return r;
	return cr_checkpoint_parse(&pr->cp, pr->note->text, pr->note->text_len,
				   name);
}

int
cr_tlog_proofs_parse(struct cr_tlog_proof **out, size_t *count, const char *buf,
		     size_t len, const char *name, int consistency)
{
	struct cr_tlog_proof *list = NULL, *grown;
	const char *p = buf, *end = buf + len;
	size_t n = 0, cap = 0;
	int err = CR_ERROR;

	*out = NULL;
	*count = 0;
	if (memchr(buf, '\0', len) != NULL) {
		cr_error_set("%s: malformed proof: NUL byte", name);
		goto done;
	}
	while (p < end) {
		if (consistency && n == 1) {
			cr_error_set("%s: malformed proof: trailing data after "
				     "the checkpoint",
				     name);
			goto done;
		}
		if (n >= CR_TLOG_MAX_PROOFS) {
			cr_error_set("%s: more than %u proofs", name,
				     CR_TLOG_MAX_PROOFS);
			goto done;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 4;
			if ((grown = realloc(list, cap * sizeof(*list))) ==
			    NULL) {
				cr_error_set("%s: out of memory", name);
				goto done;
			}
			list = grown;
		}
		memset(&list[n], 0, sizeof(list[n]));
		n++;
		if ((err = parse_block(&list[n - 1], &p, end, name,
				       consistency)) < 0)
			goto done;
		err = CR_ERROR;
	}
	if (n == 0) {
		cr_error_set("%s: empty proof file", name);
		goto done;
	}
	*out = list;
	*count = n;
	list = NULL;
	err = CR_OK;
done:
	cr_tlog_proofs_free(list, n);
	return err;
}

int
cr_tlog_read_note(struct cr_note **out, char **raw, size_t *rawlen,
		  const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&buf, &len, path, CR_NOTE_MAX)) < 0)
		return err;
	if (memchr(buf, '\0', len) != NULL) {
		free(buf);
		return cr_error_set("%s: malformed note: NUL byte", path);
	}
	if ((err = cr_note_parse(out, buf, len, path)) < 0 || raw == NULL) {
		free(buf);
		return err;
	}
	*raw = buf;
	*rawlen = len;
	return CR_OK;
}

static int
same_key(const struct cr_note_verifier *a, const struct cr_note_verifier *b)
{
	return memcmp(a->raw, b->raw, 32) == 0;
}

int
cr_tlog_check_checkpoint(struct cr_checkpoint *cp, unsigned *nwitnessed,
			 const struct cr_note *note, const char *label,
			 const struct cr_note_verifier *log_key,
			 const struct cr_note_verifier *const *witness_keys,
			 size_t nwitness, unsigned witness_threshold)
{
	struct cr_note_verifier lv;
	unsigned good = 0;
	size_t i, j;
	int err;

	if (nwitnessed != NULL)
		*nwitnessed = 0;
	if ((err = cr_checkpoint_parse(cp, note->text, note->text_len, label)) <
	    0)
		return err;
	if (log_key->type != CR_NOTE_ED25519)
		return cr_error_set("%s: a cosignature key cannot be a log key",
				    log_key->path);
	if (log_key->name != NULL && strcmp(log_key->name, cp->origin) != 0)
		return cr_error_fail("%s: checkpoint of log '%s', not of '%s' "
				     "(key %s)",
				     label, cp->origin, log_key->name,
				     log_key->path);
	/* The log signs under its origin as key name. */
	lv = *log_key;
	lv.name = cp->origin;
	if ((err = cr_note_check(note, &lv, label, NULL)) < 0)
		return err;
	for (i = 0; i < nwitness; i++) {
		if (witness_keys[i]->type != CR_NOTE_COSIG_V1)
			return cr_error_set("%s: not a witness cosignature key",
					    witness_keys[i]->path);
		for (j = 0; j < i; j++)
			if (same_key(witness_keys[i], witness_keys[j]))
				break;
		if (j < i)
			continue;
		err = cr_note_check(note, witness_keys[i], label, NULL);
		if (err == CR_OK)
			good++;
		else if (err != CR_EFAIL)
			return err;
	}
	cr_error_clear();
	if (nwitnessed != NULL)
		*nwitnessed = good;
	if (good < witness_threshold)
		return cr_error_fail("%s: %u valid witness cosignature%s, %u "
				     "required",
				     label, good, good == 1 ? "" : "s",
				     witness_threshold);
	return CR_OK;
}

int
cr_tlog_proofs_load(struct cr_tlog_proof **out, size_t *count, const char *path)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	*count = 0;
	if ((err = cr_read_file(&buf, &len, path, CR_TLOG_PROOF_FILE_MAX)) ==
	    CR_OK)
		err = cr_tlog_proofs_parse(out, count, buf, len, path, 0);
	free(buf);
	return err;
}

int
cr_tlog_proofs_check_signed(struct cr_tlog_proof *proofs, size_t count,
			    const char *name,
			    const struct cr_note_verifier *log_key,
			    const struct cr_note_verifier *const *witness_keys,
			    size_t nwitness, unsigned witness_threshold)
{
	struct cr_checkpoint cp;
	size_t i;
	int err;

	for (i = 0; i < count; i++) {
		/* Blocks of one batch share their checkpoint: check it once. */
		if (i > 0 && proofs[i].note_len == proofs[i - 1].note_len &&
		    memcmp(proofs[i].note_raw, proofs[i - 1].note_raw,
			   proofs[i].note_len) == 0) {
			proofs[i].witnesses = proofs[i - 1].witnesses;
			continue;
		}
		if ((err = cr_tlog_check_checkpoint(
			     &cp, &proofs[i].witnesses, proofs[i].note, name,
			     log_key, witness_keys, nwitness,
			     witness_threshold)) < 0)
			return err;
	}
	return CR_OK;
}

int
cr_tlog_proof_includes(struct cr_tlog_result *res,
		       const struct cr_tlog_proof *p,
		       const unsigned char lh[CR_MERKLE_HASH_LEN])
{
	int err;

	memset(res, 0, sizeof(*res));
	err = cr_merkle_verify_inclusion(p->index, p->cp.size, lh,
					 (const unsigned char(*)[HASH])p->path,
					 p->n, p->cp.root);
	if (err != CR_OK)
		return err;
	memcpy(res->origin, p->cp.origin, sizeof(res->origin));
	res->size = p->cp.size;
	memcpy(res->root, p->cp.root, HASH);
	res->index = p->index;
	res->witnesses = p->witnesses;
	return CR_OK;
}

int
cr_tlog_proofs_find(struct cr_tlog_result *res,
		    const struct cr_tlog_proof *proofs, size_t count,
		    const char *name, size_t hint, const unsigned char *leaf,
		    size_t leaf_len)
{
	unsigned char lh[HASH];
	char why[512] = "";
	size_t i, k;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = cr_merkle_leaf_hash(lh, leaf, leaf_len)) < 0)
		return err;
	/* The hinted block first: `attest log add` writes them in order. */
	for (k = 0; k <= count; k++) {
		if (k == 0 && hint >= count)
			continue;
		i = k == 0 ? hint : k - 1;
		if (k > 0 && i == hint)
			continue;
		err = cr_tlog_proof_includes(res, &proofs[i], lh);
		if (err != CR_EFAIL)
			return err;
		if (why[0] == '\0')
			snprintf(why, sizeof(why), "%s", cr_error_last());
	}
	return count == 1 ? cr_error_fail("%s: %s", name, why)
			  : cr_error_fail("%s: none of its %zu proofs "
					  "includes this envelope",
					  name, count);
}

int
cr_tlog_check_inclusion(struct cr_tlog_result *res, const char *proof_path,
			const unsigned char *leaf, size_t leaf_len,
			const struct cr_note_verifier *log_key,
			const struct cr_note_verifier *const *witness_keys,
			size_t nwitness, unsigned witness_threshold)
{
	struct cr_tlog_proof *proofs = NULL;
	size_t count = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = cr_tlog_proofs_load(&proofs, &count, proof_path)) < 0 ||
	    (err = cr_tlog_proofs_check_signed(proofs, count, proof_path,
					       log_key, witness_keys, nwitness,
					       witness_threshold)) < 0)
		goto done;
	err = cr_tlog_proofs_find(res, proofs, count, proof_path, SIZE_MAX,
				  leaf, leaf_len);
done:
	cr_tlog_proofs_free(proofs, count);
	return err;
}

int
cr_tlog_check_consistency(struct cr_tlog_result *res, const char *old_path,
			  const char *new_path, const char *cons_path,
			  const struct cr_note_verifier *log_key,
			  const struct cr_note_verifier *const *witness_keys,
			  size_t nwitness, unsigned witness_threshold)
{
	struct cr_note *old_note = NULL, *new_note = NULL;
	struct cr_tlog_proof *proofs = NULL;
	struct cr_checkpoint oldc, newc, embc;
	char *buf = NULL;
	size_t len = 0, count = 0;
	unsigned nw = 0;
	int err;

	memset(res, 0, sizeof(*res));
	if ((err = cr_tlog_read_note(&old_note, NULL, NULL, old_path)) < 0 ||
	    (err = cr_tlog_read_note(&new_note, NULL, NULL, new_path)) < 0 ||
	    (err = cr_read_file(&buf, &len, cons_path,
				CR_TLOG_PROOF_FILE_MAX)) < 0 ||
	    (err = cr_tlog_proofs_parse(&proofs, &count, buf, len, cons_path,
					1)) < 0)
		goto done;
	/* Structure first (exit 2), then signatures and the proof (exit 1). */
	if ((err = cr_checkpoint_parse(&oldc, old_note->text,
				       old_note->text_len, old_path)) < 0 ||
	    (err = cr_checkpoint_parse(&newc, new_note->text,
				       new_note->text_len, new_path)) < 0)
		goto done;
	if (proofs[0].index != oldc.size) {
		err = cr_error_set("%s: the proof starts at tree size %llu but "
				   "%s has size %llu",
				   cons_path,
				   (unsigned long long)proofs[0].index,
				   old_path, (unsigned long long)oldc.size);
		goto done;
	}
	if (proofs[0].cp.size != newc.size) {
		err = cr_error_set("%s: the proof ends at tree size %llu but "
				   "%s has size %llu",
				   cons_path,
				   (unsigned long long)proofs[0].cp.size,
				   new_path, (unsigned long long)newc.size);
		goto done;
	}
	if ((err = cr_tlog_check_checkpoint(&oldc, NULL, old_note, old_path,
					    log_key, NULL, 0, 0)) < 0 ||
	    (err = cr_tlog_check_checkpoint(&newc, &nw, new_note, new_path,
					    log_key, witness_keys, nwitness,
					    witness_threshold)) < 0 ||
	    (err = cr_tlog_check_checkpoint(&embc, NULL, proofs[0].note,
					    cons_path, log_key, NULL, 0, 0)) <
		    0)
		goto done;
	if (strcmp(oldc.origin, newc.origin) != 0) {
		err = cr_error_fail("%s and %s are checkpoints of different "
				    "logs ('%s', '%s')",
				    old_path, new_path, oldc.origin,
				    newc.origin);
		goto done;
	}
	if (CRYPTO_memcmp(embc.root, newc.root, HASH) != 0 ||
	    strcmp(embc.origin, newc.origin) != 0) {
		err = cr_error_fail("%s: the log signed two different trees of "
				    "size %llu (%s and %s): split view",
				    cons_path, (unsigned long long)newc.size,
				    cons_path, new_path);
		goto done;
	}
	if (oldc.size == 0) {
		/* Everything extends the empty tree. */
		err = proofs[0].n == 0
			      ? CR_OK
			      : cr_error_fail("%s: consistency proof from the "
					      "empty tree must be empty",
					      cons_path);
	} else {
		err = cr_merkle_verify_consistency(
			oldc.size, newc.size,
			(const unsigned char(*)[HASH])proofs[0].path,
			proofs[0].n, oldc.root, newc.root);
		if (err == CR_EFAIL) {
			char why[512];

			snprintf(why, sizeof(why), "%s", cr_error_last());
			err = cr_error_fail("%s: %s is not an extension of %s: "
					    "%s",
					    cons_path, new_path, old_path, why);
		}
	}
	if (err < 0)
		goto done;
	memcpy(res->origin, newc.origin, sizeof(res->origin));
	res->size = newc.size;
	res->old_size = oldc.size;
	memcpy(res->root, newc.root, HASH);
	res->witnesses = nw;
done:
	cr_tlog_proofs_free(proofs, count);
	free(buf);
	cr_note_free(old_note);
	cr_note_free(new_note);
	return err;
}
