/* The trust inputs every verify command shares: -a attestations, -k keys. */
#include "trust.h"
#include "note.h"
#include "source.h"
#include "tlog.h"
#include "opts.h"
#include "tool.h"

#include <stdio.h>
#include <string.h>

static int
trust_add_attestation(struct trust *t, const char *cmd, const char *path)
{
	if (t->natt == TRUST_MAX_FILES)
		return tool_usage(cmd, "more than %d attestations",
				  TRUST_MAX_FILES);
	t->att_paths[t->natt++] = path;
	return 0;
}

static int
trust_add_bundle(struct trust *t, const char *cmd, const char *path)
{
	int rc;

	if ((rc = trust_add_attestation(t, cmd, path)) == 0)
		t->att_bundle[t->natt - 1] = 1;
	return rc;
}

static int
trust_add_key(struct trust *t, const char *cmd, const char *path)
{
	if (t->nkeys == TRUST_MAX_FILES)
		return tool_usage(cmd, "more than %d keys", TRUST_MAX_FILES);
	t->key_paths[t->nkeys++] = path;
	return 0;
}

static int
trust_add_log_option(struct trust *t, const char *cmd, int c, const char *arg)
{
	const char **list;
	size_t *n;

	switch (c) {
	case 'L':
		list = t->log_key_paths;
		n = &t->nlog_keys;
		break;
	case 'P':
		list = t->proof_paths;
		n = &t->nproofs;
		break;
	case 'W':
		list = t->witness_paths;
		n = &t->nwitness;
		break;
	default:
		if (t->witness_threshold > 0)
			return tool_usage(cmd, "--witness-threshold given "
					       "twice");
		t->witness_threshold = tool_parse_number(arg, TRUST_MAX_FILES);
		if (t->witness_threshold < 1)
			return tool_usage(cmd,
					  "--witness-threshold takes a "
					  "number from 1 to %d",
					  TRUST_MAX_FILES);
		return 0;
	}
	if (*n == TRUST_MAX_FILES)
		return tool_usage(cmd, "too many of one option");
	list[(*n)++] = arg;
	return 0;
}

int
trust_option(struct trust *t, const char *cmd, int id, const char *arg)
{
	switch (id) {
	case 'a':
		return trust_add_attestation(t, cmd, arg);
	case 'b':
		return trust_add_bundle(t, cmd, arg);
	case 'k':
		return trust_add_key(t, cmd, arg);
	case 'L':
	case 'P':
	case 'W':
	case 'H':
		return trust_add_log_option(t, cmd, id, arg);
	}
	return -1;
}

int
trust_check_usage(struct trust *t, const char *cmd)
{
	if (t->nproofs != 0 && t->nlog_keys == 0)
		return tool_usage(cmd, "--proof needs --log-key");
	if (t->nlog_keys != 0 && t->nproofs == 0)
		return tool_usage(cmd, "--log-key needs --proof");
	if (t->nlog_keys > 1 && t->nlog_keys != t->nproofs)
		return tool_usage(cmd, "give one --log-key, or one for each "
				       "--proof");
	if ((t->nwitness || t->witness_threshold > 0) && t->nproofs == 0)
		return tool_usage(cmd, "witness options go with --proof");
	if (t->witness_threshold > (long long)t->nwitness)
		return tool_usage(cmd,
				  "--witness-threshold %lld but %zu "
				  "witness keys",
				  t->witness_threshold, t->nwitness);
	if (t->natt == 0)
		return tool_usage(cmd, "no attestation given (-a FILE or "
				       "--bundle FILE)");
	if (t->nkeys == 0)
		return tool_usage(cmd, "no trusted key given (-k PUB)");
	return 0;
}

/* One --proof file, read and its checkpoints checked once. */
struct proofs {
	struct cr_tlog_proof *p;
	size_t n;
	char why[256]; /* non-empty: its checkpoints do not verify */
};

/*
 * Block checks allowed beyond each envelope's own block (`attest log add`
 * writes block i for envelope i): proofs in any order for some hundreds of
 * envelopes (a few seconds), not a hostile envelopes x blocks product.
 */
#define TRUST_PROOF_SEARCH_MAX (1u << 18)

/*
 * Whether some proof shows leaf hash lh. The blocks at the envelope's
 * position in its file and among all envelopes are tried first (`attest
 * log add` writes one block per envelope, in order, for one attestation or
 * several); then every other block, within budget.
 */
static int
find_in_logs(int *found, struct proofs *pf, size_t npf, const size_t hint[2],
	     const unsigned char *lh, size_t *budget)
{
	struct cr_tlog_result res;
	size_t j, k, h;
	int err;

	*found = 0;
	for (h = 0; h < 2; h++)
		for (j = 0; j < npf; j++) {
			if (pf[j].why[0] != '\0' || hint[h] >= pf[j].n ||
			    (h == 1 && hint[1] == hint[0]))
				continue;
			err = cr_tlog_proof_includes(&res, &pf[j].p[hint[h]],
						     lh);
			if (err != CR_EFAIL) {
				*found = err == CR_OK;
				return err;
			}
		}
	for (j = 0; j < npf; j++) {
		if (pf[j].why[0] != '\0')
			continue;
		for (k = 0; k < pf[j].n; k++) {
			if (k == hint[0] || k == hint[1])
				continue;
			if ((*budget)-- == 0)
				return cr_error_set(
					"%s: more than %u proof blocks to try "
					"out of order; give the proofs 'attest "
					"log add' wrote for these attestations",
					"--proof", TRUST_PROOF_SEARCH_MAX);
			err = cr_tlog_proof_includes(&res, &pf[j].p[k], lh);
			if (err != CR_EFAIL) {
				*found = err == CR_OK;
				return err;
			}
		}
	}
	return CR_OK;
}

/*
 * Demotes every trusted envelope that no proof shows in a log. Each proof
 * file is read and its checkpoints verified once; an envelope is looked for
 * at its own position first, so the usual case is linear.
 */
static int
require_log(struct trust *t)
{
	struct cr_note_verifier *logs[TRUST_MAX_FILES] = {0};
	struct cr_note_verifier *wit[TRUST_MAX_FILES] = {0};
	struct proofs pf[TRUST_MAX_FILES] = {0};
	unsigned char lh[CR_MERKLE_HASH_LEN];
	const char *file = NULL, *why;
	size_t i, k, threshold, hint[2] = {0, 0};
	size_t budget = TRUST_PROOF_SEARCH_MAX;
	int err = CR_OK, found;

	for (i = 0; err == CR_OK && i < t->nlog_keys; i++)
		err = cr_note_verifier_load(&logs[i], t->log_key_paths[i],
					    CR_NOTE_ED25519);
	for (i = 0; err == CR_OK && i < t->nwitness; i++)
		err = cr_note_verifier_load(&wit[i], t->witness_paths[i],
					    CR_NOTE_COSIG_V1);
	threshold = t->witness_threshold > 0 ? (size_t)t->witness_threshold
					     : t->nwitness;
	for (i = 0; err == CR_OK && i < t->nproofs; i++) {
		if ((err = cr_tlog_proofs_load(&pf[i].p, &pf[i].n,
					       t->proof_paths[i])) < 0)
			break;
		err = cr_tlog_proofs_check_signed(
			pf[i].p, pf[i].n, t->proof_paths[i],
			logs[t->nlog_keys == 1 ? 0 : i],
			(const struct cr_note_verifier *const *)wit,
			t->nwitness, (unsigned)threshold);
		if (err == CR_EFAIL) {
			snprintf(pf[i].why, sizeof(pf[i].why), "%s",
				 cr_error_last());
			err = CR_OK;
		}
	}
	for (i = 0; err == CR_OK && i < t->set.count; i++) {
		struct cr_checked *c = &t->set.items[i];

		/* Its position in its file, and among all envelopes. */
		if (file == NULL || strcmp(file, c->file) != 0)
			hint[0] = 0;
		file = c->file;
		hint[1] = i;
		if (c->status != CR_OK) {
			hint[0]++;
			continue;
		}
		if ((err = cr_merkle_leaf_hash(lh, c->env->raw,
					       c->env->raw_len)) < 0 ||
		    (err = find_in_logs(&found, pf, t->nproofs, hint, lh,
					&budget)) < 0)
			break;
		hint[0]++;
		if (found)
			continue;
		why = "no block of the proofs includes this envelope";
		for (k = 0; k < t->nproofs; k++)
			if (pf[k].why[0] != '\0')
				why = pf[k].why;
		c->status = CR_EFAIL;
		snprintf(c->reason, sizeof(c->reason),
			 "signed, but no proof shows it in a trusted "
			 "transparency log (%.150s)",
			 why);
	}
	for (i = 0; i < TRUST_MAX_FILES; i++) {
		cr_note_verifier_free(logs[i]);
		cr_note_verifier_free(wit[i]);
		cr_tlog_proofs_free(pf[i].p, pf[i].n);
	}
	return err;
}

int
trust_load(struct trust *t)
{
	size_t i;
	int err;

	for (i = 0; i < t->nkeys; i++)
		if ((err = cr_keyring_add(&t->ring, t->key_paths[i])) < 0)
			return err;
	for (i = 0; i < t->natt; i++)
		if ((err = (t->att_bundle[i] ? cr_attestation_check_bundle
					     : cr_attestation_check)(
			     &t->set, t->att_paths[i], &t->ring)) < 0)
			return err;
	if (t->nproofs > 0)
		return require_log(t);
	return CR_OK;
}

const char *
trust_key_name(const struct trust *t, size_t i)
{
	return t->ring.keys[i]->name;
}

void
trust_print_rejected(const struct trust *t)
{
	size_t i;

	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *c = &t->set.items[i];

		if (c->status != CR_OK)
			printf("note: %s:%u: %s: %s\n", tool_name(c->file),
			       c->line, c->skipped ? "skipped" : "not trusted",
			       tool_name(c->reason));
	}
}

json_t *
trust_json_keys(const struct trust *t, const unsigned char *by)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < t->ring.count; i++)
		if (by[i])
			json_array_append_new(
				a,
				json_pack("{s:s, s:o}", "keyid",
					  t->ring.keys[i]->keyid, "key",
					  tool_json_str(trust_key_name(t, i))));
	return a;
}

json_t *
trust_json(const struct trust *t)
{
	json_t *a = json_array(), *e;
	size_t i;

	for (i = 0; a != NULL && i < t->set.count; i++) {
		const struct cr_checked *c = &t->set.items[i];

		e = json_pack("{s:o, s:i, s:b, s:o}", "attestation",
			      tool_json_str(c->file), "line", (int)c->line,
			      "trusted", c->status == CR_OK, "signedBy",
			      trust_json_keys(t, c->by));
		if (e != NULL && c->status != CR_OK)
			json_object_set_new(e, "reason",
					    json_string(c->reason));
		if (e != NULL && c->skipped)
			json_object_set_new(e, "skipped", json_true());
		json_array_append_new(a, e);
	}
	return a;
}

void
trust_free(struct trust *t)
{
	cr_checked_set_clear(&t->set);
	cr_keyring_clear(&t->ring);
}
