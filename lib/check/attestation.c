/* Reading attestations against trusted keys, and judging files against them. */
#include "attestation.h"
#include "bundle.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

int
cr_keyring_add(struct cr_keyring *ring, const char *path)
{
	struct cr_pubkey *key = NULL;
	size_t i;
	int err;

	if ((err = cr_pubkey_load(&key, path)) < 0)
		return err;
	for (i = 0; i < ring->count; i++)
		if (strcmp(ring->keys[i]->keyid, key->keyid) == 0) {
			cr_pubkey_free(key);
			return CR_OK;
		}
	if (ring->count == CR_KEYRING_MAX) {
		cr_pubkey_free(key);
		return cr_error_set("%s: more than %u trusted keys", path,
				    CR_KEYRING_MAX);
	}
	ring->keys[ring->count++] = key;
	return CR_OK;
}

void
cr_keyring_clear(struct cr_keyring *ring)
{
	size_t i;

	for (i = 0; i < ring->count; i++)
		cr_pubkey_free(ring->keys[i]);
	ring->count = 0;
}

static int
check_one(struct cr_checked *c, const struct cr_keyring *ring)
{
	char name[512], why[200];
	size_t i;
	int err;

	if (strcmp(c->env->payload_type, CR_INTOTO_PAYLOAD_TYPE) != 0) {
		snprintf(c->reason, sizeof(c->reason),
			 "payloadType is '%.64s', not '%s'",
			 c->env->payload_type, CR_INTOTO_PAYLOAD_TYPE);
		c->status = CR_EFAIL;
		return CR_OK;
	}
	if (c->env->nsigs == 0) {
		snprintf(c->reason, sizeof(c->reason),
			 "envelope carries no signature");
		c->status = CR_EFAIL;
		return CR_OK;
	}
	for (i = 0; i < ring->count; i++) {
		err = cr_dsse_verify(c->env, ring->keys[i]);
		if (err == CR_OK) {
			c->by[i] = 1;
			c->nby++;
		} else if (err != CR_EFAIL) {
			return err;
		}
	}
	if (c->nby == 0) {
		snprintf(c->reason, sizeof(c->reason),
			 "no valid signature by a trusted key (%zu "
			 "signature%s checked against %zu key%s)",
			 c->env->nsigs, c->env->nsigs == 1 ? "" : "s",
			 ring->count, ring->count == 1 ? "" : "s");
		c->status = CR_EFAIL;
		return CR_OK;
	}
	/* Only bytes whose signature held are parsed. */
	snprintf(name, sizeof(name), "%s:%u", c->file, c->line);
	err = cr_statement_peek(c->env->payload, c->env->payload_len, name, why,
				sizeof(why));
	if (err == CR_EFAIL) {
		snprintf(c->reason, sizeof(c->reason),
			 "%s; it counts for nothing", why);
		c->skipped = 1;
		c->status = CR_EFAIL;
		return CR_OK;
	}
	if (err < 0)
		return err;
	if ((err = cr_statement_parse(&c->st, c->env->payload,
				      c->env->payload_len, name)) < 0)
		return err;
	c->status = CR_OK;
	return CR_OK;
}

/* Checks the n envelopes read from path, taking them over, into set. */
static int
check_all(struct cr_checked_set *set, struct cr_dsse **envs, size_t n,
	  const char *path, const struct cr_keyring *ring)
{
	struct cr_checked *items;
	size_t i;
	int err;

	items = realloc(set->items, (set->count + n) * sizeof(*items));
	if (items == NULL)
		return cr_error_set("%s: out of memory", path);
	set->items = items;
	for (i = 0; i < n; i++) {
		struct cr_checked *c = &set->items[set->count];

		memset(c, 0, sizeof(*c));
		c->env = envs[i];
		envs[i] = NULL;
		c->line = c->env->line;
		set->count++;
		if ((c->file = strdup(path)) == NULL)
			return cr_error_set("%s: out of memory", path);
		if ((err = check_one(c, ring)) < 0)
			return err;
	}
	return CR_OK;
}

int
cr_attestation_check(struct cr_checked_set *set, const char *path,
		     const struct cr_keyring *ring)
{
	struct cr_dsse **envs = NULL;
	size_t n = 0;
	int err;

	if ((err = cr_dsse_read_file(&envs, &n, path)) < 0)
		return err;
	err = check_all(set, envs, n, path, ring);
	cr_dsse_list_free(envs, n);
	return err;
}

int
cr_attestation_check_bundle(struct cr_checked_set *set, const char *path,
			    const struct cr_keyring *ring)
{
	struct cr_dsse *env = NULL;
	int err;

	if ((err = cr_bundle_read(&env, path)) < 0)
		return err;
	env->line = 1;
	err = check_all(set, &env, 1, path, ring);
	cr_dsse_free(env);
	return err;
}

void
cr_checked_set_clear(struct cr_checked_set *set)
{
	size_t i;

	for (i = 0; i < set->count; i++) {
		free(set->items[i].file);
		cr_dsse_free(set->items[i].env);
		cr_statement_free(set->items[i].st);
	}
	free(set->items);
	set->items = NULL;
	set->count = 0;
}

/* Counts the distinct keys that signed a match naming tree (or no tree). */
static size_t
count_keys(unsigned char agree[CR_KEYRING_MAX], const struct cr_verdict *v,
	   const struct cr_match *m0, size_t nkeys)
{
	size_t i, k, n = 0;

	memset(agree, 0, CR_KEYRING_MAX);
	for (i = 0; i < v->nmatches; i++) {
		const struct cr_statement *a = v->matches[i].att->st;
		const struct cr_statement *b = m0->att->st;

		if (a->has_tree != b->has_tree ||
		    (a->has_tree &&
		     CRYPTO_memcmp(a->tree, b->tree, CR_SHA256_LEN) != 0))
			continue;
		for (k = 0; k < nkeys; k++)
			if (v->matches[i].att->by[k] && !agree[k]) {
				agree[k] = 1;
				n++;
			}
	}
	return n;
}

/* A subject of a trusted statement of best_tree that an agreeing key signed. */
struct said {
	const char *name;
	const unsigned char *sha256;
	const struct cr_checked *by;
};

static int
cmp_said(const void *a, const void *b)
{
	const struct said *x = a, *y = b;
	int c = cr_statement_name_cmp(x->name, y->name);

	return c != 0 ? c : memcmp(x->sha256, y->sha256, CR_SHA256_LEN);
}

/* The first entry of idx[0..n) whose name is name (ignoring case), or n. */
static size_t
said_lower(const struct said *idx, size_t n, const char *name)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cr_statement_name_cmp(idx[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The first key that agrees on best_tree and signed c (one exists). */
static size_t
agreeing_key(const struct cr_verdict *v, const struct cr_checked *c,
	     size_t nkeys)
{
	size_t k;

	for (k = 0; k < nkeys; k++)
		if (v->agree[k] && c->by[k])
			break;
	return k;
}

/* Whether c is a statement of the best tree that an agreeing key signed. */
static int
for_best_tree(const struct cr_verdict *v, const struct cr_checked *c,
	      const struct cr_keyring *ring)
{
	return c->status == CR_OK && c->st->has_tree &&
	       memcmp(c->st->tree, v->best_tree, CR_SHA256_LEN) == 0 &&
	       agreeing_key(v, c, ring->count) != ring->count;
}

/*
 * One tree builds one set of bytes: a key that agrees on best_tree but also
 * signed, for that tree, another digest under a name it gave this one has
 * attested two builds of one source, and a customer holding the other file
 * would be told the same story. Names are compared ignoring ASCII case.
 * Indexes the subjects once (sorted by name, digest) and looks each matched
 * name up: O(S log S) for S subjects. Says which, in v->reason; 1 if so,
 * 0 if not, CR_ERROR when out of memory.
 */
static int
contradiction(struct cr_verdict *v, const struct cr_checked_set *set,
	      const struct cr_keyring *ring)
{
	struct said *idx = NULL;
	size_t total = 0, n = 0, m, i, j, lo, k;
	const struct said *other;
	int ret = 0;

	for (i = 0; i < set->count; i++) {
		const struct cr_checked *c = &set->items[i];

		if (!for_best_tree(v, c, ring))
			continue;
		total += c->st->nsubjects;
	}
	if (total == 0)
		return 0;
	if ((idx = calloc(total, sizeof(*idx))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < set->count; i++) {
		const struct cr_checked *c = &set->items[i];

		if (!for_best_tree(v, c, ring))
			continue;
		for (j = 0; j < c->st->nsubjects && n < total; j++) {
			idx[n].name = c->st->subjects[j].name;
			idx[n].sha256 = c->st->subjects[j].sha256;
			idx[n].by = c;
			n++;
		}
	}
	qsort(idx, n, sizeof(*idx), cmp_said);
	for (m = 0; m < v->nmatches && ret == 0; m++) {
		const struct cr_subject *ms = v->matches[m].subject;
		const struct cr_statement *mst = v->matches[m].att->st;

		if (!mst->has_tree ||
		    memcmp(mst->tree, v->best_tree, CR_SHA256_LEN) != 0)
			continue;
		/* The range of ms's name is sorted by digest: check its ends. */
		lo = said_lower(idx, n, ms->name);
		if (lo == n ||
		    cr_statement_name_cmp(idx[lo].name, ms->name) != 0)
			continue;
		other = NULL;
		if (memcmp(idx[lo].sha256, ms->sha256, CR_SHA256_LEN) != 0) {
			other = &idx[lo];
		} else {
			/* The last of the range: binary search past it. */
			size_t a = lo, b = n, mid;

			while (a + 1 < b) {
				mid = a + (b - a) / 2;
				if (cr_statement_name_cmp(idx[mid].name,
							  ms->name) == 0)
					a = mid;
				else
					b = mid;
			}
			if (memcmp(idx[a].sha256, ms->sha256, CR_SHA256_LEN) !=
			    0)
				other = &idx[a];
		}
		if (other == NULL)
			continue;
		k = agreeing_key(v, other->by, ring->count);
		snprintf(v->reason, sizeof(v->reason),
			 "key %s attests another digest for '%.100s' from the "
			 "same source tree (%.100s:%u): one source, two builds",
			 ring->keys[k]->keyid, other->name, other->by->file,
			 other->by->line);
		ret = 1;
	}
	free(idx);
	return ret;
}

int
cr_verdict_judge(struct cr_verdict *v, const struct cr_checked_set *set,
		 const struct cr_keyring *ring,
		 const unsigned char digest[CR_SHA256_LEN], size_t threshold)
{
	unsigned char agree[CR_KEYRING_MAX];
	const struct cr_subject *s;
	size_t i, j, n, verified = 0, notree = 0;
	int err;

	memset(v, 0, sizeof(*v));
	if ((v->matches = calloc(set->count + 1, sizeof(*v->matches))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < set->count; i++) {
		if (set->items[i].status != CR_OK)
			continue;
		verified++;
		if ((s = cr_statement_find(set->items[i].st, digest)) == NULL)
			continue;
		v->matches[v->nmatches].att = &set->items[i];
		v->matches[v->nmatches].subject = s;
		v->nmatches++;
	}
	for (i = 0; i < v->nmatches; i++) {
		const struct cr_statement *st = v->matches[i].att->st;
		int seen = 0;

		/*
		 * A statement that names no source tree vouches for nothing a
		 * reviewer read: it is listed, never counted.
		 */
		if (!st->has_tree) {
			notree++;
			continue;
		}
		for (j = 0; j < i && !seen; j++) {
			const struct cr_statement *o = v->matches[j].att->st;
			seen = o->has_tree == st->has_tree &&
			       (!st->has_tree ||
				memcmp(o->tree, st->tree, CR_SHA256_LEN) == 0);
		}
		if (seen)
			continue;
		v->ntrees++;
		n = count_keys(agree, v, &v->matches[i], ring->count);
		if (n > v->keys) {
			v->keys = n;
			v->has_tree = st->has_tree;
			memcpy(v->best_tree, st->tree, CR_SHA256_LEN);
			memcpy(v->agree, agree, sizeof(agree));
		}
	}
	if (v->keys >= threshold && v->keys > 0) {
		if ((err = contradiction(v, set, ring)) < 0)
			return err;
		v->status = err ? CR_EFAIL : CR_OK;
		return CR_OK;
	}
	v->status = CR_EFAIL;
	if (verified == 0)
		snprintf(v->reason, sizeof(v->reason),
			 "no attestation is signed by a trusted key");
	else if (v->nmatches == 0)
		snprintf(v->reason, sizeof(v->reason),
			 "digest is not attested: no trusted statement lists "
			 "it (%zu trusted statement%s checked)",
			 verified, verified == 1 ? "" : "s");
	else if (notree == v->nmatches)
		snprintf(v->reason, sizeof(v->reason),
			 "no trusted statement of this digest names a source "
			 "tree (%zu name none); a statement without a "
			 "reviewed tree counts for nothing",
			 notree);
	else if (v->ntrees > 1)
		snprintf(v->reason, sizeof(v->reason),
			 "threshold not met: %zu of %zu required keys agree "
			 "on one source tree; the attesting parties name "
			 "%zu different source trees",
			 v->keys, threshold, v->ntrees);
	else
		snprintf(v->reason, sizeof(v->reason),
			 "threshold not met: %zu of %zu required trusted keys "
			 "attest this digest%s",
			 v->keys, threshold,
			 notree ? " (statements naming no source tree are "
				  "not counted)"
				: "");
	return CR_OK;
}

void
cr_verdict_clear(struct cr_verdict *v)
{
	free(v->matches);
	v->matches = NULL;
	v->nmatches = 0;
}
