/* The trust inputs every verify command shares: -a attestations, -k keys. */
#include "trust.h"
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
trust_check_usage(struct trust *t, const char *cmd)
{
	if (t->natt == 0)
		return tool_usage(cmd, "no attestation given (-a FILE)");
	if (t->nkeys == 0)
		return tool_usage(cmd, "no trusted key given (-k PUB)");
	return 0;
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
			printf("note: %s:%u: not trusted: %s\n", c->file,
			       c->line, c->reason);
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
				a, json_pack("{s:s, s:o}", "keyid",
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
			json_object_set_new(e, "reason", json_string(c->reason));
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
