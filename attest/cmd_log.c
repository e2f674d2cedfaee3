/* attest log: run a transparency log of attestations and witness others'. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>

#include <openssl/crypto.h>

#include "passphrase.h"
#include "cmds.h"
#include "dsse.h"
#include "merkle_proof.h"
#include "note_format.h"
#include "opts.h"
#include "signer.h"
#include "tlog.h"
#include "tlog_write.h"
#include "tool.h"
#include "util.h"
#include "write.h"

enum {
	OPT_ORIGIN = 256,
	OPT_FROM_SIZE,
	OPT_INDEX,
	OPT_LOG_KEY,
	OPT_STATE,
	OPT_NAME,
	OPT_PUB,
	OPT_WITNESS,
};

static const struct tool_opt options[] = {
	{"key", 'k', "KEY", "the log's or the witness's private key", 'k'},
	{"origin", 0, "ORIGIN", "the log's origin line (init)", OPT_ORIGIN},
	{"output", 'o', "FILE",
	 "where to write the proofs or the cosigned\n"
	 "checkpoint",
	 'o'},
	{"from-size", 0, "N", "prove: consistency from tree size N",
	 OPT_FROM_SIZE},
	{"index", 0, "I", "prove: inclusion of entry I", OPT_INDEX},
	{"log-key", 0, "PUB", "witness: the log's key", OPT_LOG_KEY},
	{"state", 0, "STATEDIR", "witness: what it cosigned last", OPT_STATE},
	{"name", 0, "NAME", "the witness's or the vkey's name", OPT_NAME},
	{"pub", 0, "PUB", "vkey: a public key instead of --key", OPT_PUB},
	{"witness", 0, NULL, "vkey: a witness's, not a log's", OPT_WITNESS},
	TOOL_OPT_JSON_ENTRY("print one JSON object"),
	PASSPHRASE_OPTS,
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"log",
	"attest log init --key LOGKEY --origin ORIGIN [--json] DIR\n"
	"attest log add --key LOGKEY [-o PROOF] [--json] DIR ATTESTATION...\n"
	"attest log prove DIR (--from-size N | --index I) [-o FILE]\n"
	"attest log witness --key WITNESSKEY --state STATEDIR [--log-key "
	"PUB]\n"
	"                   [--name NAME] [--json] CHECKPOINT CONSISTENCY -o "
	"COSIGNED\n"
	"attest log attach --key LOGKEY [--json] DIR COSIGNED...\n"
	"attest log vkey (--key KEY | --pub PUB) --name NAME [--witness]",
	"init     creates an empty log in DIR (C2SP tlog-tiles layout) and "
	"prints\n"
	"         its vkey\n"
	"add      appends every envelope of each ATTESTATION, signs one new\n"
	"         checkpoint, and writes to PROOF one c2sp.org/tlog-proof@v1\n"
	"         inclusion proof per envelope, in order\n"
	"prove    a consistency proof from tree size N to DIR's checkpoint, "
	"or\n"
	"         an inclusion proof of entry I (stdout without -o)\n"
	"witness  cosigns CHECKPOINT if CONSISTENCY proves it extends the "
	"last\n"
	"         checkpoint this witness cosigned for its origin (kept in\n"
	"         STATEDIR); the first one seen is trusted, and so is\n"
	"         the log key given then (pinned in STATEDIR; later\n"
	"         runs may omit --log-key); exit 1 otherwise\n"
	"attach   adds witnesses' cosignatures (COSIGNED, from 'witness') to\n"
	"         DIR's checkpoint, so that proofs made from now on carry "
	"them\n"
	"vkey     prints the signed-note verifier key of a log (or, with\n"
	"         --witness, of a witness) named NAME",
	options,
	"PUB is a vkey file or an Ed25519 SPKI PEM public key. --json prints\n"
	"one object in place of the text report of init, add, witness and\n"
	"attach. An encrypted key's passphrase: --passphrase-file FILE or\n"
	"--passphrase-fd N (else asked on the terminal); --key pkcs11:URI\n"
	"names a key in a token (its PIN alike).\n"
	"Exit status: 0 done, 1 the witness refused, 2 error.",
	0,
};

struct opts {
	const char *key, *origin, *out, *log_key, *state, *name, *pub;
	const char *from_size, *index;
	int witness, json;
};

/* What a subcommand did: all its report needs. */
struct log_result {
	const char *sub, *dir;
	char *vkey;		     /* init, vkey: the key as a vkey line */
	unsigned attached;	     /* attach: cosignatures attached */
	uint64_t added, first, size; /* add: entries, first index, tree size */
	char *checkpoint;	     /* add: the signed checkpoint */
	size_t checkpoint_len;
	struct cr_tlog_result res; /* witness: what was cosigned */
	uint64_t n;		   /* prove: --from-size or --index */
};

/* Parses a decimal tree size or index, refusing anything else. */
static int
parse_count(uint64_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

/* Puts ctx in front of the current message. */
static int
prefix_error(int err, const char *ctx)
{
	char why[768];

	snprintf(why, sizeof(why), "%s", cr_error_last());
	cr_error_set("%s: %s", ctx, why);
	return err;
}

/* Writes buf to path atomically, or to stdout when path is NULL. */
static int
emit(const char *path, const char *buf, size_t len)
{
	if (path != NULL)
		return cr_write_atomic(path, buf, len, 0644, 0);
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0)
		return cr_error_errno("stdout");
	return CR_OK;
}

static int
log_init(struct log_result *r, const struct opts *o)
{
	struct cr_privkey *key = NULL;
	int err;

	if ((err = cr_privkey_load(&key, o->key)) == CR_OK)
		err = cr_tlog_init(&r->vkey, r->dir, o->origin, key);
	cr_privkey_free(key);
	return err;
}

/* Inclusion proofs of entries [first, first + n) at the committed size. */
static int
write_proofs(const char *out, struct cr_tlog_tiles *t, uint64_t first,
	     uint64_t n, uint64_t size, const char *note, size_t note_len)
{
	unsigned char(*path)[CR_MERKLE_HASH_LEN] = NULL;
	char *buf = NULL;
	size_t len = 0, np = 0;
	uint64_t i;
	int err = CR_OK;

	if ((path = malloc(CR_MERKLE_MAX_PROOF * CR_MERKLE_HASH_LEN)) == NULL) {
		err = cr_error_set("proof: out of memory");
		goto done;
	}
	for (i = first; i < first + n; i++)
		if ((err = cr_merkle_inclusion_proof(
			     path, &np, i, size, cr_tlog_tiles_node, t)) < 0 ||
		    (err = cr_tlog_proof_append(
			     &buf, &len, 0, i,
			     (const unsigned char(*)[CR_MERKLE_HASH_LEN])path,
			     np, note, note_len)) < 0)
			goto done;
	err = emit(out, buf, len);
done:
	free(buf);
	free(path);
	return err;
}

static int
log_attach(struct log_result *r, const struct opts *o, int nfiles, char **files)
{
	struct cr_privkey *key = NULL;
	struct cr_tlog_writer *w = NULL;
	unsigned added;
	char *text = NULL;
	size_t len;
	int err = CR_OK, i;

	if ((err = cr_privkey_load(&key, o->key)) < 0 ||
	    (err = cr_tlog_open(&w, r->dir, key)) < 0)
		goto done;
	for (i = 0; i < nfiles; i++) {
		if ((err = cr_read_file(&text, &len, files[i], CR_NOTE_MAX)) <
			    0 ||
		    (err = cr_tlog_attach(w, &added, text, len, files[i])) < 0)
			goto done;
		r->attached += added;
		free(text);
		text = NULL;
	}
done:
	free(text);
	cr_tlog_close(w);
	cr_privkey_free(key);
	return err;
}

static int
log_add(struct log_result *r, const struct opts *o, int nfiles, char **files)
{
	struct cr_privkey *key = NULL;
	struct cr_tlog_writer *w = NULL;
	struct cr_tlog_tiles *t = NULL;
	struct cr_dsse **envs = NULL;
	size_t nenv = 0, j, note_len = 0;
	uint64_t index = 0;
	const char *note;
	int err, i;

	if ((err = cr_privkey_load(&key, o->key)) < 0 ||
	    (err = cr_tlog_open(&w, r->dir, key)) < 0)
		goto done;
	for (i = 0; i < nfiles; i++) {
		if ((err = cr_dsse_read_file(&envs, &nenv, files[i])) < 0)
			goto done;
		if (nenv == 0) {
			err = cr_error_set("%s: no envelope to log", files[i]);
			goto done;
		}
		for (j = 0; j < nenv; j++) {
			if ((err = cr_tlog_append(w, &index, envs[j]->raw,
						  envs[j]->raw_len)) < 0) {
				char ctx[4200];

				snprintf(ctx, sizeof(ctx), "%s: line %u",
					 files[i], envs[j]->line);
				err = prefix_error(err, ctx);
				goto done;
			}
			if (r->added++ == 0)
				r->first = index;
		}
		cr_dsse_list_free(envs, nenv);
		envs = NULL;
		nenv = 0;
	}
	if ((err = cr_tlog_commit(w)) < 0)
		goto done;
	note = cr_tlog_writer_checkpoint(w, &note_len, &r->size);
	if (o->out != NULL &&
	    ((err = cr_tlog_writer_tiles(&t, w)) < 0 ||
	     (err = write_proofs(o->out, t, r->first, r->added, r->size, note,
				 note_len)) < 0))
		goto done;
	if ((r->checkpoint = malloc(note_len + 1)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	memcpy(r->checkpoint, note, note_len);
	r->checkpoint[note_len] = '\0';
	r->checkpoint_len = note_len;
done:
	cr_tlog_tiles_free(t);
	cr_dsse_list_free(envs, nenv);
	cr_tlog_close(w);
	cr_privkey_free(key);
	return err;
}

static int
log_prove(const struct opts *o, const char *dir, uint64_t n)
{
	struct cr_note *note = NULL;
	struct cr_tlog_tiles *t = NULL;
	struct cr_checkpoint cp;
	unsigned char(*path)[CR_MERKLE_HASH_LEN] = NULL,
		 root[CR_MERKLE_HASH_LEN];
	char cpath[4096], *raw = NULL, *buf = NULL;
	size_t rawlen = 0, len = 0, np = 0;
	int err, consistency = o->from_size != NULL;

	snprintf(cpath, sizeof(cpath), "%s/checkpoint", dir);
	if ((err = cr_tlog_read_note(&note, &raw, &rawlen, cpath)) < 0 ||
	    (err = cr_checkpoint_parse(&cp, note->text, note->text_len,
				       cpath)) < 0 ||
	    (err = cr_tlog_tiles_open(&t, dir, cp.size)) < 0)
		goto done;
	if ((path = malloc(CR_MERKLE_MAX_PROOF * CR_MERKLE_HASH_LEN)) == NULL) {
		err = cr_error_set("proof: out of memory");
		goto done;
	}
	/* The tiles must hold the tree the checkpoint signs. */
	if (cp.size > 0) {
		if ((err = cr_merkle_subtree(root, 0, cp.size,
					     cr_tlog_tiles_node, t)) < 0)
			goto done;
		if (CRYPTO_memcmp(root, cp.root, sizeof(root)) != 0) {
			err = cr_error_set("%s: the tiles do not match the "
					   "checkpoint",
					   dir);
			goto done;
		}
	}
	if (consistency) {
		if (n > cp.size) {
			err = cr_error_set("%s: --from-size %llu is beyond the "
					   "tree size %llu",
					   dir, (unsigned long long)n,
					   (unsigned long long)cp.size);
			goto done;
		}
		if (n > 0 &&
		    (err = cr_merkle_consistency_proof(
			     path, &np, n, cp.size, cr_tlog_tiles_node, t)) < 0)
			goto done;
	} else if ((err = cr_merkle_inclusion_proof(path, &np, n, cp.size,
						    cr_tlog_tiles_node, t)) <
		   0) {
		err = prefix_error(err, dir);
		goto done;
	}
	if ((err = cr_tlog_proof_append(
		     &buf, &len, consistency, n,
		     (const unsigned char(*)[CR_MERKLE_HASH_LEN])path, np, raw,
		     rawlen)) < 0 ||
	    (err = emit(o->out, buf, len)) < 0)
		goto done;
done:
	free(buf);
	free(path);
	cr_tlog_tiles_free(t);
	free(raw);
	cr_note_free(note);
	return err;
}

/* STATEDIR/<hex SHA-256 of the origin>.logkey: the log key a witness pins. */
static int
pin_path(char **out, const char *state, const char *cp_path)
{
	unsigned char d[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1], *text = NULL, *nl;
	size_t len;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&text, &len, cp_path, CR_NOTE_MAX)) < 0)
		return err;
	if ((nl = strchr(text, '\n')) == NULL) {
		free(text);
		return cr_error_set("%s: not a checkpoint", cp_path);
	}
	*nl = '\0';
	err = cr_sha256_buf(d, text, strlen(text));
	free(text);
	if (err < 0)
		return err;
	cr_hex_encode(hex, d, sizeof(d));
	if (asprintf(out, "%s/%s.logkey", state, hex) < 0) {
		*out = NULL;
		return cr_error_set("out of memory");
	}
	return CR_OK;
}

/* The log key pinned at pin, if any, into *out (NULL when none is). */
static int
read_pin(struct cr_note_verifier **out, const char *pin)
{
	char *text = NULL;
	size_t len;
	int err;

	*out = NULL;
	if (access(pin, F_OK) != 0)
		return CR_OK;
	if ((err = cr_read_file(&text, &len, pin, 4096)) < 0)
		return err;
	text[strcspn(text, "\n")] = '\0';
	err = cr_note_verifier_parse(out, text, pin);
	free(text);
	return err;
}

/*
 * The log's key into *out: --log-key, pinned in STATEDIR at the first
 * cosignature for the origin; later runs may leave it out, and a different
 * one is refused. *pin_vkey is the vkey to pin, or NULL. The caller frees
 * both, also on failure.
 */
static int
witness_log_key(struct cr_note_verifier **out, char **pin_vkey,
		const struct opts *o, const char *pin)
{
	struct cr_note_verifier *pinned = NULL;
	int err;

	*out = NULL;
	*pin_vkey = NULL;
	if ((err = read_pin(&pinned, pin)) < 0)
		return err;
	if (o->log_key == NULL) {
		*out = pinned;
		return pinned != NULL
			       ? CR_OK
			       : cr_error_set("%s: no log key pinned for this "
					      "origin yet: give --log-key PUB "
					      "once",
					      o->state);
	}
	if ((err = cr_note_verifier_load(out, o->log_key, CR_NOTE_ED25519)) < 0)
		goto done;
	if (pinned != NULL && memcmp(pinned->raw, (*out)->raw, 32) != 0)
		err = cr_error_fail("%s: not the log key this witness pinned "
				    "for the origin (%s)",
				    o->log_key, pin);
	else if (pinned == NULL && (*out)->name != NULL)
		err = cr_note_vkey_format(pin_vkey, (*out)->name,
					  CR_NOTE_ED25519, (*out)->raw);
done:
	cr_note_verifier_free(pinned);
	return err;
}

static int
log_witness(struct log_result *r, const struct opts *o, const char *cp_path,
	    const char *cons_path)
{
	struct cr_note_verifier *log_key = NULL;
	struct cr_privkey *key = NULL;
	struct cr_tlog_result *res = &r->res;
	const char *name = o->name != NULL ? o->name : "cleanroom-witness";
	char *out = NULL, *pin = NULL, *pin_vkey = NULL, *line = NULL;
	size_t len = 0;
	int err;

	if ((err = pin_path(&pin, o->state, cp_path)) < 0 ||
	    (err = witness_log_key(&log_key, &pin_vkey, o, pin)) < 0)
		goto done;
	/* A PEM key carries no name: it is pinned under the checkpoint's. */
	if ((err = cr_privkey_load(&key, o->key)) < 0 ||
	    (err = cr_tlog_witness(&out, &len, res, cp_path, cons_path, log_key,
				   key, name, o->state, (uint64_t)time(NULL))) <
		    0 ||
	    (err = cr_write_atomic(o->out, out, len, 0644, 0)) < 0)
		goto done;
	if (pin_vkey == NULL && access(pin, F_OK) != 0 &&
	    (err = cr_note_vkey_format(&pin_vkey, res->origin, CR_NOTE_ED25519,
				       log_key->raw)) < 0)
		goto done;
	if (pin_vkey != NULL) {
		if (asprintf(&line, "%s\n", pin_vkey) < 0) {
			line = NULL;
			err = cr_error_set("out of memory");
			goto done;
		}
		if ((err = cr_write_atomic(pin, line, strlen(line), 0644,
					   CR_WRITE_NOCLOBBER)) < 0)
			goto done;
	}
done:
	free(line);
	free(pin_vkey);
	free(pin);
	free(out);
	cr_privkey_free(key);
	cr_note_verifier_free(log_key);
	return err;
}

static int
log_vkey(struct log_result *r, const struct opts *o)
{
	struct cr_privkey *key = NULL;
	struct cr_pubkey *pub = NULL;
	unsigned char raw[32];
	int err;

	if (o->key != NULL) {
		if ((err = cr_privkey_load(&key, o->key)) < 0 ||
		    (err = cr_note_signer_raw(raw, key)) < 0)
			goto done;
	} else {
		if ((err = cr_pubkey_load(&pub, o->pub)) < 0)
			goto done;
		if (pub->alg != CR_KEY_ED25519) {
			err = cr_error_set("%s: signed notes need an Ed25519 "
					   "key",
					   o->pub);
			goto done;
		}
		if ((err = cr_pubkey_raw_ed25519(raw, pub)) < 0)
			goto done;
	}
	err = cr_note_vkey_format(
		&r->vkey, o->name,
		o->witness ? CR_NOTE_COSIG_V1 : CR_NOTE_ED25519, raw);
done:
	cr_pubkey_free(pub);
	cr_privkey_free(key);
	return err;
}

/*
 * The report of what sub did: its line (or JSON object) on stdout; -q
 * leaves out what is not the result (init's and witness's notes).
 */
static void
report(const struct log_result *r, const struct opts *o)
{
	const char *sub = r->sub;

	if (strcmp(sub, "init") == 0 && o->json)
		tool_json_print(json_pack(
			"{s:o, s:o, s:s}", "origin", tool_json_str(o->origin),
			"dir", tool_json_str(r->dir), "vkey", r->vkey));
	else if (strcmp(sub, "init") == 0) {
		printf("%s\n", r->vkey);
		if (!tool_quiet)
			fprintf(stderr, "attest: log '%s' created in %s\n",
				o->origin, r->dir);
	} else if (strcmp(sub, "vkey") == 0)
		printf("%s\n", r->vkey);
	else if (strcmp(sub, "add") == 0 && o->json)
		tool_json_print(json_pack("{s:I, s:I, s:I, s:s%}", "added",
					  (json_int_t)r->added, "firstIndex",
					  (json_int_t)r->first, "treeSize",
					  (json_int_t)r->size, "checkpoint",
					  r->checkpoint, r->checkpoint_len));
	else if (strcmp(sub, "add") == 0) /* the result, even with -q */
		printf("added %llu entr%s at index %llu; tree size %llu\n",
		       (unsigned long long)r->added,
		       r->added == 1 ? "y" : "ies",
		       (unsigned long long)r->first,
		       (unsigned long long)r->size);
	else if (strcmp(sub, "attach") == 0 && o->json)
		tool_json_print(json_pack("{s:I, s:o}", "attached",
					  (json_int_t)r->attached, "dir",
					  tool_json_str(r->dir)));
	else if (strcmp(sub, "attach") == 0 && !tool_quiet)
		printf("attached %u cosignature%s to %s/checkpoint\n",
		       r->attached, r->attached == 1 ? "" : "s", r->dir);
	else if (strcmp(sub, "witness") == 0 && o->json)
		tool_json_print(json_pack("{s:o, s:I, s:o}", "origin",
					  tool_json_str(r->res.origin),
					  "treeSize", (json_int_t)r->res.size,
					  "cosigned", tool_json_str(o->out)));
	else if (strcmp(sub, "witness") == 0 && !tool_quiet)
		fprintf(stderr, "attest: cosigned %s at tree size %llu\n",
			r->res.origin, (unsigned long long)r->res.size);
}

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct opts *o = ctx;
	switch (id) {
	case 'k':
		return tool_getopt_once(&command, &o->key, arg, "--key");
	case 'o':
		return tool_getopt_once(&command, &o->out, arg, "-o");
	case OPT_PASSPHRASE_FILE:
	case OPT_PASSPHRASE_FD:
		return passphrase_option("log", id, arg);
	case OPT_ORIGIN:
		return tool_getopt_once(&command, &o->origin, arg, "--origin");
	case OPT_FROM_SIZE:
		return tool_getopt_once(&command, &o->from_size, arg,
					"--from-size");
	case OPT_INDEX:
		return tool_getopt_once(&command, &o->index, arg, "--index");
	case OPT_LOG_KEY:
		return tool_getopt_once(&command, &o->log_key, arg,
					"--log-key");
	case OPT_STATE:
		return tool_getopt_once(&command, &o->state, arg, "--state");
	case OPT_NAME:
		return tool_getopt_once(&command, &o->name, arg, "--name");
	case OPT_PUB:
		return tool_getopt_once(&command, &o->pub, arg, "--pub");
	default: /* OPT_WITNESS */
		o->witness = 1;
		return 0;
	}
}

/*
 * Checks sub's operands (the exit code after a usage message, else
 * TOOL_PARSED) and sets r->dir.
 */
static int
parse_sub(struct log_result *r, const struct opts *o, int argc, char **argv)
{
	const char *sub = r->sub;
	int ok;

	if (strcmp(sub, "init") == 0)
		ok = o->key != NULL && o->origin != NULL && argc == 1;
	else if (strcmp(sub, "add") == 0 || strcmp(sub, "attach") == 0)
		ok = o->key != NULL && argc >= 2;
	else if (strcmp(sub, "prove") == 0)
		ok = argc == 1 && (o->from_size == NULL) != (o->index == NULL);
	else if (strcmp(sub, "witness") == 0)
		ok = o->key != NULL && o->state != NULL && o->out != NULL &&
		     argc == 2;
	else if (strcmp(sub, "vkey") == 0)
		ok = (o->key == NULL) != (o->pub == NULL) && o->name != NULL &&
		     argc == 0;
	else
		return tool_usage("log", "unknown subcommand '%s'", sub);
	r->dir = argc > 0 ? argv[0] : NULL;
	if (ok && strcmp(sub, "prove") == 0 &&
	    parse_count(&r->n, o->from_size ? o->from_size : o->index) < 0)
		return tool_usage("log prove", "%s: not a number",
				  o->from_size ? "--from-size" : "--index");
	if (ok)
		return TOOL_PARSED;
	if (strcmp(sub, "init") == 0)
		return tool_usage("log init", "needs --key, --origin and DIR");
	if (strcmp(sub, "add") == 0)
		return tool_usage("log add",
				  "needs --key, DIR and ATTESTATION");
	if (strcmp(sub, "attach") == 0)
		return tool_usage("log attach",
				  "needs --key, DIR and COSIGNED");
	if (strcmp(sub, "prove") == 0)
		return tool_usage("log prove", "needs DIR and one of "
					       "--from-size, --index");
	if (strcmp(sub, "witness") == 0)
		return tool_usage("log witness",
				  "needs --key, --state, -o, CHECKPOINT and "
				  "CONSISTENCY");
	return tool_usage("log vkey", "needs --name and one of --key, --pub");
}

/* Runs r->sub on its checked operands into r: a core status. */
static int
run(struct log_result *r, const struct opts *o, int argc, char **argv)
{
	const char *sub = r->sub;

	if (strcmp(sub, "init") == 0)
		return log_init(r, o);
	if (strcmp(sub, "add") == 0)
		return log_add(r, o, argc - 1, argv + 1);
	if (strcmp(sub, "attach") == 0)
		return log_attach(r, o, argc - 1, argv + 1);
	if (strcmp(sub, "prove") == 0)
		return log_prove(o, argv[0], r->n);
	if (strcmp(sub, "witness") == 0)
		return log_witness(r, o, argv[0], argv[1]);
	return log_vkey(r, o);
}

int
cmd_log(int argc, char **argv)
{
	struct opts o = {0};
	struct log_result r = {0};
	struct tool_getopt g;
	const char *sub;
	int rc, err;

	if (argc < 2) {
		tool_cmd_help(&command, stderr);
		return EXIT_ERROR;
	}
	sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		tool_cmd_help(&command, stdout);
		return EXIT_OK;
	}
	if ((rc = tool_getopt_parse(&g, &command, argc - 1, argv + 1,
				    parse_option, &o)) != TOOL_PARSED)
		return rc;
	o.json = g.json;
	argc -= 1 + g.optind;
	argv += 1 + g.optind;
	r.sub = sub;
	if ((rc = parse_sub(&r, &o, argc, argv)) != TOOL_PARSED)
		return rc;
	if ((err = run(&r, &o, argc, argv)) < 0)
		rc = tool_report(err);
	else if (strcmp(sub, "prove") == 0)
		rc = EXIT_OK; /* the proof is the output */
	else
		report(&r, &o);
	free(r.vkey);
	free(r.checkpoint);
	return err < 0 ? rc : EXIT_OK;
}
