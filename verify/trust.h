/* The trust inputs every verify command shares: -a attestations, -k keys. */
#ifndef VERIFY_TRUST_H
#define VERIFY_TRUST_H

#include <jansson.h>

#include "attestation.h"

#define TRUST_MAX_FILES 64

struct trust {
	/* Transparency logs: when proofs are given, an envelope counts only
	 * if one of them shows it in a log. */
	const char *log_key_paths[TRUST_MAX_FILES];
	size_t nlog_keys;
	const char *proof_paths[TRUST_MAX_FILES];
	size_t nproofs;
	const char *witness_paths[TRUST_MAX_FILES];
	size_t nwitness;
	long long witness_threshold; /* -1: all witnesses given */
	const char *att_paths[TRUST_MAX_FILES];
	unsigned char att_bundle[TRUST_MAX_FILES]; /* given with --bundle */
	size_t natt;
	const char *key_paths[TRUST_MAX_FILES];
	size_t nkeys;
	struct cr_keyring ring;
	struct cr_checked_set set;
};

/*
 * Records one trust option by its id: 'a' -a/--attestation, 'b' --bundle
 * (a Sigstore bundle, counted as an attestation), 'k' -k/--key, and the
 * log options 'L' --log-key, 'P' --proof, 'W' --witness-key and 'H'
 * --witness-threshold. Returns -1 when id is none of them, 0 when
 * recorded, or an exit code after a usage message.
 */
int trust_option(struct trust *t, const char *cmd, int id, const char *arg);

/*
 * The table entries of -a (with the help text given; TRUST_OPT_DSSE the
 * usual one) and -k, for struct tool_opt.
 */
/* clang-format off */
#define TRUST_OPT_DSSE "an .intoto.jsonl file of DSSE envelopes"
#define TRUST_OPT_ATTESTATION(help) {"attestation", 'a', "FILE", help, 'a'}
#define TRUST_OPT_KEY {"key", 'k', "PUB", "a trusted public key (SPKI PEM)", 'k'}
/* clang-format on */

/* The table entries of --bundle and the log options, for struct tool_opt. */
#define TRUST_OPT_BUNDLE                                                      \
	{                                                                     \
		"bundle", 0, "FILE",                                          \
			"a Sigstore bundle v0.3 (.sigstore.json), as -a", 'b' \
	}

/* Checks that at least one of each was given; 0 or an exit code. */
int trust_check_usage(struct trust *t, const char *cmd);

/* Loads the keys and checks every envelope (a core status). */
int trust_load(struct trust *t);

/* The ring file name of key i, for people. */
const char *trust_key_name(const struct trust *t, size_t i);

/* Prints the envelopes that did not verify, as notes on stdout. */
void trust_print_rejected(const struct trust *t);

/* The envelopes and what became of them, for --json. */
json_t *trust_json(const struct trust *t);

/* The key ids of the keys marked in by[], as a JSON array. */
json_t *trust_json_keys(const struct trust *t, const unsigned char *by);

void trust_free(struct trust *t);

#endif
