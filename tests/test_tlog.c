/*
 * Tests of the tiled log: appends across tile boundaries, proofs checked
 * against signed checkpoints, witnesses, crash leftovers, tampered tiles.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "error.h"
#include "note_format.h"
#include "merkle_proof.h"
#include "tlog.h"
#include "tlog_write.h"
#include "util.h"
#include "write.h"

#define H CR_MERKLE_HASH_LEN

static char tmp[256];

static struct cr_privkey *
make_key(void)
{
	struct cr_privkey *k = calloc(1, sizeof(*k));

	assert_non_null(k);
	assert_non_null(k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	k->alg = CR_KEY_ED25519;
	return k;
}

static struct cr_note_verifier *
verifier(const struct cr_privkey *k, const char *name, unsigned char type)
{
	struct cr_note_verifier *v = NULL;
	unsigned char raw[32];
	char *vkey = NULL;

	assert_int_equal(cr_note_signer_raw(raw, k), CR_OK);
	assert_int_equal(cr_note_vkey_format(&vkey, name, type, raw), CR_OK);
	assert_int_equal(cr_note_verifier_parse(&v, vkey, name), CR_OK);
	free(vkey);
	return v;
}

static void
entry(char *buf, size_t len, const char *tag, uint64_t i)
{
	snprintf(buf, len, "{\"payload\":\"%s-%llu\"}", tag,
		 (unsigned long long)i);
}

/* Appends entries [from, to) tagged tag and commits. */
static void
add(const char *dir, struct cr_privkey *k, const char *tag, uint64_t from,
    uint64_t to)
{
	struct cr_tlog_writer *w = NULL;
	char e[64];
	uint64_t i, idx;

	assert_int_equal(cr_tlog_open(&w, dir, k), CR_OK);
	for (i = from; i < to; i++) {
		entry(e, sizeof(e), tag, i);
		assert_int_equal(cr_tlog_append(w, &idx, e, strlen(e)), CR_OK);
		assert_int_equal(idx, i);
	}
	assert_int_equal(cr_tlog_commit(w), CR_OK);
	cr_tlog_close(w);
}

static char *
path_in(const char *dir, const char *name)
{
	char *p;

	assert_int_equal(asprintf(&p, "%s/%s", dir, name) > 0, 1);
	return p;
}

/* Writes an inclusion (or consistency) proof of n at dir's checkpoint. */
static void
prove(const char *dir, int consistency, uint64_t n, const char *out)
{
	unsigned char(*path)[H] = malloc(CR_MERKLE_MAX_PROOF * H);
	struct cr_tlog_tiles *t = NULL;
	struct cr_checkpoint cp;
	struct cr_note *note = NULL;
	char *cpp = path_in(dir, "checkpoint"), *raw = NULL, *buf = NULL;
	size_t rawlen = 0, np = 0, len = 0;

	assert_int_equal(cr_tlog_read_note(&note, &raw, &rawlen, cpp), CR_OK);
	assert_int_equal(
		cr_checkpoint_parse(&cp, note->text, note->text_len, cpp),
		CR_OK);
	assert_int_equal(cr_tlog_tiles_open(&t, dir, cp.size), CR_OK);
	if (consistency)
		assert_int_equal(
			cr_merkle_consistency_proof(path, &np, n, cp.size,
						    cr_tlog_tiles_node, t),
			CR_OK);
	else
		assert_int_equal(
			cr_merkle_inclusion_proof(path, &np, n, cp.size,
						  cr_tlog_tiles_node, t),
			CR_OK);
	assert_int_equal(cr_tlog_proof_append(&buf, &len, consistency, n,
					      (const unsigned char(*)[H])path,
					      np, raw, rawlen),
			 CR_OK);
	assert_int_equal(cr_write_atomic(out, buf, len, 0644, 0), CR_OK);
	free(buf);
	cr_tlog_tiles_free(t);
	cr_note_free(note);
	free(raw);
	free(cpp);
	free(path);
}

static void
copy_file(const char *from, const char *to)
{
	char *buf = NULL;
	size_t len = 0;

	assert_int_equal(cr_read_file(&buf, &len, from, 1 << 20), CR_OK);
	assert_int_equal(cr_write_atomic(to, buf, len, 0644, 0), CR_OK);
	free(buf);
}

/* Flips the low bit of byte at of the file path, in place. */
static void
flip_bit(const char *path, size_t at)
{
	char *buf = NULL;
	size_t len;

	assert_int_equal(cr_read_file(&buf, &len, path, 1 << 20), 0);
	assert_true(at < len);
	buf[at] ^= 1;
	assert_int_equal(cr_write_atomic(path, buf, len, 0644, 0), 0);
	free(buf);
}

static void
log_end_to_end(void **state)
{
	struct cr_privkey *k = make_key(), *other = make_key();
	struct cr_note_verifier *v =
		verifier(k, "example.test/log", CR_NOTE_ED25519);
	struct cr_note_verifier *ov =
		verifier(other, "example.test/log", CR_NOTE_ED25519);
	struct cr_tlog_result res;
	struct cr_note *note = NULL;
	struct cr_checkpoint cp;
	char *dir = path_in(tmp, "log"), *proof = path_in(tmp, "p"),
	     *old = path_in(tmp, "old"), *cpp = path_in(dir, "checkpoint"),
	     *cons = path_in(tmp, "cons"), *vkey = NULL, e[64];
	unsigned char leaves[700 * H];
	uint64_t i;

	(void)state;
	assert_int_equal(cr_tlog_init(&vkey, dir, "example.test/log", k),
			 CR_OK);
	assert_non_null(strstr(vkey, "example.test/log+"));
	assert_int_equal(cr_tlog_init(NULL, dir, "example.test/log", k),
			 CR_ERROR);
	add(dir, k, "a", 0, 5);
	copy_file(cpp, old);
	/* Across the first full tile and a second-level tile. */
	add(dir, k, "a", 5, 300);
	add(dir, k, "a", 300, 700);
	for (i = 0; i < 700; i++) {
		entry(e, sizeof(e), "a", i);
		cr_merkle_leaf_hash(leaves + i * H, e, strlen(e));
	}
	assert_int_equal(cr_tlog_read_note(&note, NULL, NULL, cpp), CR_OK);
	assert_int_equal(
		cr_tlog_check_checkpoint(&cp, NULL, note, cpp, v, NULL, 0, 0),
		CR_OK);
	assert_int_equal(cp.size, 700);
	{
		unsigned char root[H];

		assert_int_equal(cr_merkle_root_of(root, leaves, 700), 0);
		assert_memory_equal(root, cp.root, H);
	}
	assert_int_equal(cr_tlog_audit(dir, &cp), CR_OK);
	/* The wrong key cannot open the log. */
	{
		struct cr_tlog_writer *w = NULL;

		assert_int_equal(cr_tlog_open(&w, dir, other), CR_ERROR);
		assert_null(w);
	}

	/* Inclusion: holds for its leaf only, under its log's key only. */
	prove(dir, 0, 299, proof);
	entry(e, sizeof(e), "a", 299);
	assert_int_equal(cr_tlog_check_inclusion(&res, proof,
						 (unsigned char *)e, strlen(e),
						 v, NULL, 0, 0),
			 CR_OK);
	assert_int_equal(res.index, 299);
	assert_int_equal(res.size, 700);
	entry(e, sizeof(e), "a", 298);
	assert_int_equal(cr_tlog_check_inclusion(&res, proof,
						 (unsigned char *)e, strlen(e),
						 v, NULL, 0, 0),
			 CR_EFAIL);
	entry(e, sizeof(e), "a", 299);
	assert_int_equal(cr_tlog_check_inclusion(&res, proof,
						 (unsigned char *)e, strlen(e),
						 ov, NULL, 0, 0),
			 CR_EFAIL);
	assert_int_equal(cr_tlog_check_inclusion(
				 &res, proof, (unsigned char *)e, strlen(e), v,
				 (const struct cr_note_verifier *const[]){ov},
				 0, 0),
			 CR_OK);
	assert_int_equal(cr_tlog_check_inclusion(&res, cpp, (unsigned char *)e,
						 strlen(e), v, NULL, 0, 0),
			 CR_ERROR);

	/* Consistency from the old checkpoint; a witness follows it. */
	prove(dir, 1, 5, cons);
	assert_int_equal(
		cr_tlog_check_consistency(&res, old, cpp, cons, v, NULL, 0, 0),
		CR_OK);
	assert_int_equal(res.old_size, 5);
	assert_int_equal(
		cr_tlog_check_consistency(&res, cpp, old, cons, v, NULL, 0, 0),
		CR_ERROR);
	{
		struct cr_privkey *wk = make_key();
		struct cr_note_verifier *wv =
			verifier(wk, "w.test", CR_NOTE_COSIG_V1);
		char *state_dir = path_in(tmp, "state"), *out = NULL;
		char *cosigned = path_in(tmp, "cosigned");
		size_t len = 0;

		assert_int_equal(cr_tlog_witness(&out, &len, &res, old, cons, v,
						 wk, "w.test", state_dir, 100),
				 CR_OK);
		free(out);
		assert_int_equal(cr_tlog_witness(&out, &len, &res, cpp, cons, v,
						 wk, "w.test", state_dir, 200),
				 CR_OK);
		assert_int_equal(res.old_size, 5);
		assert_int_equal(cr_write_atomic(cosigned, out, len, 0644, 0),
				 CR_OK);
		free(out);
		/* Going back to the old checkpoint is a rollback: refused. */
		assert_int_equal(cr_tlog_witness(&out, &len, &res, old, cons, v,
						 wk, "w.test", state_dir, 300),
				 CR_EFAIL);
		assert_null(out);
		assert_int_equal(
			cr_tlog_check_consistency(
				&res, old, cosigned, cons, v,
				(const struct cr_note_verifier *const[]){wv}, 1,
				1),
			CR_OK);
		assert_int_equal(res.witnesses, 1);
		assert_int_equal(
			cr_tlog_check_consistency(
				&res, old, cpp, cons, v,
				(const struct cr_note_verifier *const[]){wv}, 1,
				1),
			CR_EFAIL);
		cr_note_verifier_free(wv);
		cr_privkey_free(wk);
		free(cosigned);
		free(state_dir);
	}
	cr_note_free(note);
	free(vkey);
	free(cons);
	free(cpp);
	free(old);
	free(proof);
	free(dir);
	cr_note_verifier_free(ov);
	cr_note_verifier_free(v);
	cr_privkey_free(other);
	cr_privkey_free(k);
}

static void
crash_leftovers_and_tampering(void **state)
{
	struct cr_privkey *k = make_key();
	struct cr_tlog_writer *w = NULL;
	struct cr_note *note = NULL;
	struct cr_checkpoint cp;
	char *dir = path_in(tmp, "crash"), *cpp = path_in(dir, "checkpoint");
	char e[64], *tile = NULL;
	uint64_t i, idx;

	(void)state;
	assert_int_equal(cr_tlog_init(NULL, dir, "crash.test", k), CR_OK);
	add(dir, k, "a", 0, 100);
	/* A writer that dies before its checkpoint leaves full tiles. */
	assert_int_equal(cr_tlog_open(&w, dir, k), CR_OK);
	for (i = 100; i < 600; i++) {
		entry(e, sizeof(e), "lost", i);
		assert_int_equal(cr_tlog_append(w, &idx, e, strlen(e)), CR_OK);
	}
	cr_tlog_close(w);
	/* They are ignored and overwritten by the next append. */
	add(dir, k, "b", 100, 530);
	assert_int_equal(cr_tlog_read_note(&note, NULL, NULL, cpp), CR_OK);
	assert_int_equal(
		cr_checkpoint_parse(&cp, note->text, note->text_len, cpp),
		CR_OK);
	assert_int_equal(cp.size, 530);
	assert_int_equal(cr_tlog_audit(dir, &cp), CR_OK);

	/* One flipped bit in a tile: the audit fails, the writer refuses. */
	tile = path_in(dir, "tile/0/001");
	flip_bit(tile, 100);
	assert_int_equal(cr_tlog_audit(dir, &cp), CR_EFAIL);
	/* The writer rebuilds the right edge from the rightmost tiles. */
	free(tile);
	tile = path_in(dir, "tile/1/000.p/2");
	flip_bit(tile, 40);
	assert_int_equal(cr_tlog_open(&w, dir, k), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "do not match"));
	cr_note_free(note);
	free(tile);
	free(cpp);
	free(dir);
	cr_privkey_free(k);
}

static void
tile_paths(void **state)
{
	char p[128];

	(void)state;
	assert_int_equal(cr_tlog_tile_path(p, sizeof(p), 0, 1234067, 0), 0);
	assert_string_equal(p, "tile/0/x001/x234/067");
	assert_int_equal(cr_tlog_tile_path(p, sizeof(p), 2, 5, 17), 0);
	assert_string_equal(p, "tile/2/005.p/17");
	assert_int_equal(cr_tlog_tile_path(p, sizeof(p), -1, 1000, 256), 0);
	assert_string_equal(p, "tile/entries/x001/000");
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/tlog-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	return mkdtemp(tmp) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tile_paths),
		cmocka_unit_test(log_end_to_end),
		cmocka_unit_test(crash_leftovers_and_tampering),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
