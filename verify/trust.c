/* The trust inputs every verify command shares: -a attestations, -k keys. */
#include "trust.h"
#include "note.h"
#include "source.h"
#include "tlog.h"
#include "tool.h"

#include <stdio.h>
#include <string.h>

int
trust_add_attestation(struct trust *t, const char *cmd, const char *path)
{
	if (t->natt == TRUST_MAX_FILES)
		return tool_usage(cmd, "more than %d attestations",
				  TRUST_MAX_FILES);
	t->att_paths[t->natt++] = path;
	return 0;
}

int
trust_add_key(struct trust *t, const char *cmd, const char *path)
{
	if (t->nkeys == TRUST_MAX_FILES)
		return tool_usage(cmd, "more than %d keys", TRUST_MAX_FILES);
	t->key_paths[t->nkeys++] = path;
	return 0;
}

int
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
		return tool_usage(cmd, "no attestation given (-a FILE)");
	if (t->nkeys == 0)
		return tool_usage(cmd, "no trusted key given (-k PUB)");
	return 0;
}

/* Demotes every trusted envelope that no proof shows in a log. */
static int
require_log(struct trust *t)
{
	struct cr_note_verifier *logs[TRUST_MAX_FILES] = {0};
	struct cr_note_verifier *wit[TRUST_MAX_FILES] = {0};
	struct cr_tlog_result res;
	size_t i, j, threshold;
	int err = CR_OK, found;

	for (i = 0; err == CR_OK && i < t->nlog_keys; i++)
		err = cr_note_verifier_load(&logs[i], t->log_key_paths[i],
					    CR_NOTE_ED25519);
	for (i = 0; err == CR_OK && i < t->nwitness; i++)
		err = cr_note_verifier_load(&wit[i], t->witness_paths[i],
					    CR_NOTE_COSIG_V1);
	threshold = t->witness_threshold > 0 ? (size_t)t->witness_threshold
					     : t->nwitness;
	for (i = 0; err == CR_OK && i < t->set.count; i++) {
		struct cr_checked *c = &t->set.items[i];

		if (c->status != CR_OK)
			continue;
		for (j = 0, found = 0; !found && j < t->nproofs; j++) {
			err = cr_tlog_check_inclusion(
				&res, t->proof_paths[j],
				(const unsigned char *)c->env->raw,
				c->env->raw_len,
				logs[t->nlog_keys == 1 ? 0 : j],
				(const struct cr_note_verifier *const *)wit,
				t->nwitness, (unsigned)threshold);
			if (err == CR_EFAIL)
				err = CR_OK;
			else if (err == CR_OK)
				found = 1;
		}
		if (err == CR_OK && !found) {
			c->status = CR_EFAIL;
			snprintf(c->reason, sizeof(c->reason),
				 "signed, but no proof shows it in a trusted "
				 "transparency log (%s)",
				 cr_error_last());
		}
	}
	for (i = 0; i < TRUST_MAX_FILES; i++) {
		cr_note_verifier_free(logs[i]);
		cr_note_verifier_free(wit[i]);
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
		if ((err = cr_attestation_check(&t->set, t->att_paths[i],
						&t->ring)) < 0)
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
			printf("note: %s:%u: %s: %s\n", c->file, c->line,
			       c->skipped ? "skipped" : "not trusted",
			       c->reason);
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
