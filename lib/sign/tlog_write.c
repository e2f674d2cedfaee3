/*
 * Writing a tiled transparency log (crash-safe appends, one checkpoint per
 * batch) and witnessing one (cosigning only consistent checkpoints).
 */
#include "tlog_write.h"
#include "error.h"
#include "note_format.h"
#include "merkle_proof.h"
#include "util.h"
#include "write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define HASH CR_MERKLE_HASH_LEN
#define WIDTH CR_TLOG_TILE_WIDTH
#define TILE_BYTES (WIDTH * HASH)

struct cr_tlog_writer {
	char *dir;
	int lockfd;
	const struct cr_privkey *key;
	char origin[CR_NOTE_NAME_MAX + 1];
	uint64_t committed; /* size of the checkpoint on disk */
	uint64_t size;	    /* with the entries appended since */
	struct cr_merkle_edge edge;
	unsigned char *tile[CR_TLOG_MAX_LEVELS]; /* the rightmost tiles */
	unsigned width[CR_TLOG_MAX_LEVELS];
	unsigned char *bundle; /* the rightmost entry bundle */
	size_t bundle_len, bundle_cap;
	char *note; /* the signed checkpoint */
	size_t note_len;
	char made[4096]; /* the last directory made, to skip mkdirs */
};

/* mkdir -p of path's parent directory. */
static int
make_parents(struct cr_tlog_writer *w, const char *path)
{
	char buf[4096];
	const char *slash = strrchr(path, '/');
	size_t n;
	int err;

	if (slash == NULL)
		return CR_OK;
	n = (size_t)(slash - path);
	if (n >= sizeof(buf))
		return cr_error_set("%s: path too long", path);
	memcpy(buf, path, n);
	buf[n] = '\0';
	if (strcmp(buf, w->made) == 0)
		return CR_OK;
	if ((err = cr_mkdir_p(buf, strlen(w->dir) + 1)) < 0)
		return err;
	memcpy(w->made, buf, n + 1);
	return CR_OK;
}

static int
write_tile(struct cr_tlog_writer *w, int level, uint64_t n, unsigned width,
	   const void *buf, size_t len)
{
	char rel[128], path[4096];
	int err;

	if ((err = cr_tlog_tile_path(rel, sizeof(rel), level, n, width)) < 0)
		return err;
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", w->dir, rel) >=
	    sizeof(path))
		return cr_error_set("%s: path too long", w->dir);
	if ((err = make_parents(w, path)) < 0)
		return err;
	return cr_write_atomic(path, buf, len, 0644, 0);
}

static int
sign_checkpoint(struct cr_tlog_writer *w, const unsigned char root[HASH])
{
	struct cr_checkpoint cp;
	char *text = NULL, *note = NULL;
	size_t tlen = 0, nlen = 0;
	int err;

	memset(&cp, 0, sizeof(cp));
	memcpy(cp.origin, w->origin, sizeof(cp.origin));
	cp.size = w->size;
	memcpy(cp.root, root, HASH);
	if ((err = cr_checkpoint_format(&text, &tlen, &cp)) < 0 ||
	    (err = cr_note_sign(&note, &nlen, text, tlen, w->origin, w->key)) <
		    0)
		goto done;
	free(w->note);
	w->note = note;
	w->note_len = nlen;
	note = NULL;
done:
	free(note);
	free(text);
	return err;
}

static int
write_checkpoint(struct cr_tlog_writer *w)
{
	char path[4096];

	if ((size_t)snprintf(path, sizeof(path), "%s/checkpoint", w->dir) >=
	    sizeof(path))
		return cr_error_set("%s: path too long", w->dir);
	return cr_write_atomic(path, w->note, w->note_len, 0644, 0);
}

/* The bytes of a signature line of a parsed note, with its newline. */
static int
sig_line(char **out, const struct cr_note_sig *sig)
{
	unsigned char *raw;
	char *b64 = NULL;
	int err;

	if ((raw = malloc(4 + sig->siglen)) == NULL)
		return cr_error_set("out of memory");
	raw[0] = (unsigned char)(sig->keyid >> 24);
	raw[1] = (unsigned char)(sig->keyid >> 16);
	raw[2] = (unsigned char)(sig->keyid >> 8);
	raw[3] = (unsigned char)sig->keyid;
	memcpy(raw + 4, sig->sig, sig->siglen);
	err = cr_base64_encode(&b64, raw, 4 + sig->siglen);
	free(raw);
	if (err < 0)
		return err;
	err = asprintf(out, CR_NOTE_DASH "%s %s\n", sig->name, b64) < 0
		      ? cr_error_set("out of memory")
		      : CR_OK;
	free(b64);
	return err;
}

int
cr_tlog_attach(struct cr_tlog_writer *w, unsigned *added, const char *cosigned,
	       size_t len, const char *name)
{
	struct cr_note *cur = NULL, *cos = NULL;
	char *line = NULL, *note = NULL;
	size_t n, i;
	int err;

	*added = 0;
	if ((err = cr_note_parse(&cur, w->note, w->note_len, w->dir)) < 0 ||
	    (err = cr_note_parse(&cos, cosigned, len, name)) < 0)
		goto done;
	if (cos->text_len != cur->text_len ||
	    memcmp(cos->text, cur->text, cur->text_len) != 0) {
		err = cr_error_fail("%s: cosigns another checkpoint than the "
				    "log's current one",
				    name);
		goto done;
	}
	if ((note = malloc(w->note_len + len + 1)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	memcpy(note, w->note, w->note_len);
	n = w->note_len;
	for (i = 0; i < cos->nsigs; i++) {
		if ((err = sig_line(&line, &cos->sigs[i])) < 0)
			goto done;
		/* Skip a line the checkpoint already has. */
		if (memmem(note, n, line, strlen(line)) == NULL) {
			memcpy(note + n, line, strlen(line));
			n += strlen(line);
			(*added)++;
		}
		free(line);
		line = NULL;
	}
	if (*added == 0) {
		err = CR_OK;
		goto done;
	}
	free(w->note);
	w->note = note;
	w->note_len = n;
	note = NULL;
	err = write_checkpoint(w);
done:
	free(line);
	free(note);
	cr_note_free(cur);
	cr_note_free(cos);
	return err;
}

void
cr_tlog_close(struct cr_tlog_writer *w)
{
	unsigned i;

	if (w == NULL)
		return;
	if (w->lockfd >= 0)
		close(w->lockfd);
	for (i = 0; i < CR_TLOG_MAX_LEVELS; i++)
		free(w->tile[i]);
	free(w->bundle);
	free(w->note);
	free(w->dir);
	free(w);
}

static int
writer_new(struct cr_tlog_writer **out, const char *dir,
	   const struct cr_privkey *key)
{
	struct cr_tlog_writer *w;
	char path[4096];
	unsigned i;

	*out = NULL;
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return cr_error_set("%s: out of memory", dir);
	w->lockfd = -1;
	w->key = key;
	if ((w->dir = strdup(dir)) == NULL)
		goto oom;
	for (i = 0; i < CR_TLOG_MAX_LEVELS; i++)
		if ((w->tile[i] = malloc(TILE_BYTES)) == NULL)
			goto oom;
	if ((size_t)snprintf(path, sizeof(path), "%s/.lock", dir) >=
	    sizeof(path)) {
		cr_tlog_close(w);
		return cr_error_set("%s: path too long", dir);
	}
	if ((w->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			      0644)) < 0 ||
	    flock(w->lockfd, LOCK_EX) < 0) {
		cr_error_errno("%s", path);
		cr_tlog_close(w);
		return CR_ERROR;
	}
	*out = w;
	return CR_OK;
oom:
	cr_tlog_close(w);
	return cr_error_set("%s: out of memory", dir);
}

int
cr_tlog_init(char **vkey, const char *dir, const char *origin,
	     const struct cr_privkey *key)
{
	struct cr_tlog_writer *w = NULL;
	unsigned char root[HASH], raw[32];
	char path[4096];
	struct stat st;
	int err;

	if (vkey != NULL)
		*vkey = NULL;
	if (!cr_note_name_valid(origin))
		return cr_error_set("origin '%s': must be non-empty, at most "
				    "%u bytes, without spaces or '+'",
				    origin, CR_NOTE_NAME_MAX);
	if ((err = cr_note_signer_raw(raw, key)) < 0)
		return err;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return cr_error_errno("%s", dir);
	if ((err = writer_new(&w, dir, key)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	if (lstat(path, &st) == 0) {
		err = cr_error_set("%s: already exists; the log is already "
				   "initialised",
				   path);
		goto done;
	}
	snprintf(w->origin, sizeof(w->origin), "%s", origin);
	if ((err = cr_sha256_buf(root, "", 0)) < 0 ||
	    (err = sign_checkpoint(w, root)) < 0 ||
	    (err = write_checkpoint(w)) < 0)
		goto done;
	if (vkey != NULL)
		err = cr_note_vkey_format(vkey, origin, CR_NOTE_ED25519, raw);
done:
	cr_tlog_close(w);
	return err;
}

int
cr_tlog_open(struct cr_tlog_writer **out, const char *dir,
	     const struct cr_privkey *key)
{
	struct cr_tlog_writer *w = NULL;
	struct cr_note_verifier *self = NULL;
	struct cr_tlog_tiles *t = NULL;
	struct cr_note *note = NULL;
	struct cr_checkpoint cp;
	const unsigned char *buf;
	unsigned char raw[32], root[HASH], h[HASH];
	char path[4096], *rawnote = NULL;
	size_t len = 0, off, el;
	uint64_t count, lo = 0;
	unsigned level, width, i;
	int err, bit;

	*out = NULL;
	if ((err = cr_note_signer_raw(raw, key)) < 0 ||
	    (err = writer_new(&w, dir, key)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/checkpoint", dir);
	if ((err = cr_tlog_read_note(&note, &rawnote, &len, path)) < 0 ||
	    (err = cr_checkpoint_parse(&cp, note->text, note->text_len, path)) <
		    0)
		goto done;
	{
		struct cr_pubkey *pub = NULL;

		if ((err = cr_privkey_public(&pub, key)) < 0)
			goto done;
		err = cr_note_verifier_from_pubkey(&self, pub, cp.origin,
						   CR_NOTE_ED25519);
		cr_pubkey_free(pub);
		if (err < 0)
			goto done;
	}
	if ((err = cr_note_check(note, self, path, NULL)) < 0) {
		err = cr_error_set("%s: not signed by this key under the "
				   "log's origin '%s' (wrong --key?)",
				   path, cp.origin);
		goto done;
	}
	memcpy(w->origin, cp.origin, sizeof(w->origin));
	w->committed = w->size = cp.size;
	w->note = rawnote;
	w->note_len = len;
	rawnote = NULL;
	if ((err = cr_tlog_tiles_open(&t, dir, cp.size)) < 0)
		goto done;
	/* The rightmost tile of each level, as of the checkpoint. */
	for (level = 0; level < CR_TLOG_MAX_LEVELS; level++) {
		count = cp.size >> (8 * level);
		if (count == 0)
			break;
		if ((width = (unsigned)(count % WIDTH)) == 0)
			continue;
		if ((err = cr_tlog_tiles_read(t, &buf, &len, &width, (int)level,
					      count / WIDTH)) < 0)
			goto done;
		memcpy(w->tile[level], buf, (size_t)width * HASH);
		w->width[level] = width;
	}
	if (cp.size % WIDTH != 0) {
		if ((err = cr_tlog_tiles_read(t, &buf, &len, &width, -1,
					      cp.size / WIDTH)) < 0)
			goto done;
		for (i = 0, off = 0; i < width; i++) {
			el = (size_t)buf[off] << 8 | buf[off + 1];
			if ((err = cr_merkle_leaf_hash(h, buf + off + 2, el)) <
			    0)
				goto done;
			if (CRYPTO_memcmp(h, w->tile[0] + (size_t)i * HASH,
					  HASH) != 0) {
				err = cr_error_set("%s: entry bundle does not "
						   "match its tile (corrupt "
						   "log)",
						   dir);
				goto done;
			}
			off += 2 + el;
		}
		if ((w->bundle = malloc(len + 4096)) == NULL) {
			err = cr_error_set("%s: out of memory", dir);
			goto done;
		}
		memcpy(w->bundle, buf, len);
		w->bundle_len = len;
		w->bundle_cap = len + 4096;
	}
	/* The right edge: one perfect subtree per bit of the size. */
	for (bit = 63; bit >= 0; bit--) {
		if (!(cp.size >> bit & 1))
			continue;
		if ((err = cr_tlog_tiles_node(t, (unsigned)bit, lo >> bit,
					      w->edge.hash[w->edge.n])) < 0)
			goto done;
		w->edge.n++;
		lo += UINT64_C(1) << bit;
	}
	w->edge.size = cp.size;
	if ((err = cr_merkle_edge_root(root, &w->edge)) < 0)
		goto done;
	if (CRYPTO_memcmp(root, cp.root, HASH) != 0) {
		err = cr_error_set("%s: the tiles do not match the checkpoint "
				   "(corrupt log)",
				   dir);
		goto done;
	}
	*out = w;
	w = NULL;
done:
	cr_tlog_tiles_free(t);
	cr_note_verifier_free(self);
	cr_note_free(note);
	free(rawnote);
	cr_tlog_close(w);
	return err;
}

static int
bundle_add(struct cr_tlog_writer *w, const void *leaf, size_t len)
{
	unsigned char *b;
	size_t cap;

	if (w->bundle_len + 2 + len > w->bundle_cap) {
		cap = w->bundle_cap * 2 + 2 + len + 4096;
		if ((b = realloc(w->bundle, cap)) == NULL)
			return cr_error_set("%s: out of memory", w->dir);
		w->bundle = b;
		w->bundle_cap = cap;
	}
	w->bundle[w->bundle_len++] = (unsigned char)(len >> 8);
	w->bundle[w->bundle_len++] = (unsigned char)len;
	memcpy(w->bundle + w->bundle_len, leaf, len);
	w->bundle_len += len;
	return CR_OK;
}

int
cr_tlog_append(struct cr_tlog_writer *w, uint64_t *index, const void *leaf,
	       size_t len)
{
	unsigned char h[HASH];
	unsigned level;
	uint64_t count;
	int err;

	if (len == 0 || len > CR_TLOG_ENTRY_MAX)
		return cr_error_set("entry of %zu bytes: log entries hold 1 to "
				    "%u bytes",
				    len, CR_TLOG_ENTRY_MAX);
	if ((err = cr_merkle_leaf_hash(h, leaf, len)) < 0 ||
	    (err = cr_merkle_edge_push(&w->edge, h)) < 0 ||
	    (err = bundle_add(w, leaf, len)) < 0)
		return err;
	*index = w->size++;
	/* Carry full tiles upwards, writing each as it completes. */
	for (level = 0; level < CR_TLOG_MAX_LEVELS; level++) {
		memcpy(w->tile[level] + (size_t)w->width[level] * HASH, h,
		       HASH);
		if (++w->width[level] < WIDTH)
			break;
		count = w->size >> (8 * level);
		if ((err = write_tile(w, (int)level, count / WIDTH - 1, WIDTH,
				      w->tile[level], TILE_BYTES)) < 0)
			return err;
		if (level == 0) {
			if ((err = write_tile(w, -1, count / WIDTH - 1, WIDTH,
					      w->bundle, w->bundle_len)) < 0)
				return err;
			w->bundle_len = 0;
		}
		if ((err = cr_merkle_root_of(h, w->tile[level], WIDTH)) < 0)
			return err;
		w->width[level] = 0;
	}
	return CR_OK;
}

int
cr_tlog_commit(struct cr_tlog_writer *w)
{
	unsigned char root[HASH];
	unsigned level;
	uint64_t count;
	int err;

	if (w->size == w->committed)
		return CR_OK;
	for (level = 0; level < CR_TLOG_MAX_LEVELS; level++) {
		count = w->size >> (8 * level);
		if (count == w->committed >> (8 * level))
			break;
		if (w->width[level] == 0)
			continue;
		if ((err = write_tile(w, (int)level, count / WIDTH,
				      w->width[level], w->tile[level],
				      (size_t)w->width[level] * HASH)) < 0)
			return err;
		if (level == 0 &&
		    (err = write_tile(w, -1, count / WIDTH, w->width[0],
				      w->bundle, w->bundle_len)) < 0)
			return err;
	}
	/* Only now, with every tile durable, does the checkpoint move. */
	if ((err = cr_merkle_edge_root(root, &w->edge)) < 0 ||
	    (err = sign_checkpoint(w, root)) < 0 ||
	    (err = write_checkpoint(w)) < 0)
		return err;
	w->committed = w->size;
	return CR_OK;
}

const char *
cr_tlog_writer_checkpoint(const struct cr_tlog_writer *w, size_t *len,
			  uint64_t *size)
{
	*len = w->note_len;
	*size = w->committed;
	return w->note;
}

int
cr_tlog_writer_tiles(struct cr_tlog_tiles **out, const struct cr_tlog_writer *w)
{
	return cr_tlog_tiles_open(out, w->dir, w->committed);
}

/* state_dir/<hex SHA-256 of the origin>: the last checkpoint cosigned. */
static int
state_path(char *out, size_t outlen, const char *state_dir, const char *origin)
{
	unsigned char d[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1];
	int err;

	if ((err = cr_sha256_buf(d, origin, strlen(origin))) < 0)
		return err;
	cr_hex_encode(hex, d, sizeof(d));
	if ((size_t)snprintf(out, outlen, "%s/%s", state_dir, hex) >= outlen)
		return cr_error_set("%s: path too long", state_dir);
	return CR_OK;
}

/* Checks the step from the last seen checkpoint `old` to `cp`. */
static int
witness_step(const struct cr_checkpoint *old, const char *state,
	     const struct cr_checkpoint *cp, const char *cp_path,
	     const struct cr_tlog_proof *proof, const char *cons_path)
{
	char why[512];
	int err;

	if (cp->size < old->size)
		return cr_error_fail("%s: tree size %llu is smaller than the "
				     "size %llu this witness already saw: "
				     "rollback",
				     cp_path, (unsigned long long)cp->size,
				     (unsigned long long)old->size);
	if (cp->size == old->size)
		return CRYPTO_memcmp(cp->root, old->root, HASH) == 0
			       ? CR_OK
			       : cr_error_fail("%s: another root hash for tree "
					       "size %llu than the one this "
					       "witness saw (%s): split view",
					       cp_path,
					       (unsigned long long)cp->size,
					       state);
	if (proof->index != old->size)
		return cr_error_set("%s: the proof starts at tree size %llu "
				    "but this witness last saw size %llu",
				    cons_path, (unsigned long long)proof->index,
				    (unsigned long long)old->size);
	if (proof->cp.size != cp->size)
		return cr_error_set("%s: the proof ends at tree size %llu but "
				    "%s has size %llu",
				    cons_path,
				    (unsigned long long)proof->cp.size, cp_path,
				    (unsigned long long)cp->size);
	if (CRYPTO_memcmp(proof->cp.root, cp->root, HASH) != 0)
		return cr_error_fail("%s: the proof is for another tree of "
				     "size %llu than %s: split view",
				     cons_path, (unsigned long long)cp->size,
				     cp_path);
	if (old->size == 0)
		return proof->n == 0 ? CR_OK
				     : cr_error_fail("%s: a proof from the "
						     "empty tree must be "
						     "empty",
						     cons_path);
	err = cr_merkle_verify_consistency(
		old->size, cp->size, (const unsigned char(*)[HASH])proof->path,
		proof->n, old->root, cp->root);
	if (err == CR_EFAIL) {
		snprintf(why, sizeof(why), "%s", cr_error_last());
		return cr_error_fail("%s: not consistent with the checkpoint "
				     "this witness saw (%s): %s",
				     cp_path, state, why);
	}
	return err;
}

int
cr_tlog_witness(char **out, size_t *outlen, struct cr_tlog_result *res,
		const char *cp_path, const char *cons_path,
		const struct cr_note_verifier *log_key,
		const struct cr_privkey *key, const char *name,
		const char *state_dir, uint64_t now)
{
	struct cr_note *note = NULL, *old_note = NULL;
	struct cr_tlog_proof *proof = NULL;
	struct cr_checkpoint cp, old, emb;
	char path[4096], lock[4096], *raw = NULL, *cons = NULL, *line = NULL;
	char *old_raw = NULL, *result = NULL;
	size_t rawlen = 0, conslen = 0, nproof = 0, llen = 0, oldlen = 0;
	struct stat st;
	int err, lockfd = -1;

	*out = NULL;
	memset(res, 0, sizeof(*res));
	if ((err = cr_tlog_read_note(&note, &raw, &rawlen, cp_path)) < 0 ||
	    (err = cr_read_file(&cons, &conslen, cons_path,
				CR_TLOG_PROOF_FILE_MAX)) < 0 ||
	    (err = cr_tlog_proofs_parse(&proof, &nproof, cons, conslen,
					cons_path, 1)) < 0 ||
	    (err = cr_checkpoint_parse(&cp, note->text, note->text_len,
				       cp_path)) < 0)
		goto done;
	if ((err = cr_tlog_check_checkpoint(&cp, NULL, note, cp_path, log_key,
					    NULL, 0, 0)) < 0 ||
	    (err = cr_tlog_check_checkpoint(&emb, NULL, proof[0].note,
					    cons_path, log_key, NULL, 0, 0)) <
		    0)
		goto done;
	if (mkdir(state_dir, 0755) < 0 && errno != EEXIST) {
		err = cr_error_errno("%s", state_dir);
		goto done;
	}
	snprintf(lock, sizeof(lock), "%s/.lock", state_dir);
	if ((lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
			   0644)) < 0 ||
	    flock(lockfd, LOCK_EX) < 0) {
		err = cr_error_errno("%s", lock);
		goto done;
	}
	if ((err = state_path(path, sizeof(path), state_dir, cp.origin)) < 0)
		goto done;
	if (lstat(path, &st) == 0) {
		if ((err = cr_tlog_read_note(&old_note, &old_raw, &oldlen,
					     path)) < 0 ||
		    (err = cr_checkpoint_parse(&old, old_note->text,
					       old_note->text_len, path)) < 0)
			goto done;
		if (strcmp(old.origin, cp.origin) != 0) {
			err = cr_error_set("%s: state for another origin",
					   path);
			goto done;
		}
		if ((err = witness_step(&old, path, &cp, cp_path, &proof[0],
					cons_path)) < 0)
			goto done;
	} else if (errno != ENOENT) {
		err = cr_error_errno("%s", path);
		goto done;
	}
	/* Recorded before anything is handed out: the state never lags. */
	if ((err = cr_write_atomic(path, raw, rawlen, 0644, 0)) < 0 ||
	    (err = cr_note_sign_line(&line, &llen, note->text, note->text_len,
				     name, CR_NOTE_COSIG_V1, now, key)) < 0)
		goto done;
	if ((result = malloc(rawlen + llen + 1)) == NULL) {
		err = cr_error_set("%s: out of memory", cp_path);
		goto done;
	}
	memcpy(result, raw, rawlen);
	memcpy(result + rawlen, line, llen + 1);
	*out = result;
	*outlen = rawlen + llen;
	result = NULL;
	memcpy(res->origin, cp.origin, sizeof(res->origin));
	res->size = cp.size;
	res->old_size = old_note != NULL ? old.size : 0;
	memcpy(res->root, cp.root, HASH);
	err = CR_OK;
done:
	if (lockfd >= 0)
		close(lockfd);
	free(result);
	free(line);
	free(old_raw);
	cr_note_free(old_note);
	cr_tlog_proofs_free(proof, nproof);
	free(cons);
	free(raw);
	cr_note_free(note);
	return err;
}

int
cr_tlog_proof_append(char **buf, size_t *len, int consistency, uint64_t index,
		     const unsigned char (*path)[CR_MERKLE_HASH_LEN], size_t n,
		     const char *note, size_t note_len)
{
	size_t need = 128 + n * 46 + note_len, i;
	char *b, *p;

	if ((b = realloc(*buf, *len + need)) == NULL)
		return cr_error_set("proof: out of memory");
	*buf = b;
	p = b + *len;
	p += sprintf(
		p, "%s\n%s%llu\n",
		consistency ? CR_TLOG_CONSISTENCY_HEADER : CR_TLOG_PROOF_HEADER,
		consistency ? "old " : "index ", (unsigned long long)index);
	for (i = 0; i < n; i++) {
		/* Standard padded base64 of 32 bytes is 44 characters. */
		EVP_EncodeBlock((unsigned char *)p, path[i], HASH);
		p += 44;
		*p++ = '\n';
	}
	*p++ = '\n';
	memcpy(p, note, note_len);
	p += note_len;
	*len = (size_t)(p - b);
	return CR_OK;
}
