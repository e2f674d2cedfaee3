/* in-toto Statement v1 with SLSA provenance v1: building and strict reading. */
#ifndef CR_STATEMENT_H
#define CR_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sha256.h"

#define CR_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define CR_SLSA_PROVENANCE_V1 "https://slsa.dev/provenance/v1"
#define CR_BUILDTYPE_SIGN "urn:cleanroom:buildtype:sign:v1"
#define CR_BUILDTYPE_SANDBOX "urn:cleanroom:buildtype:sandbox:v1"
/*
 * One builder id per mode, as SLSA asks of modes with different guarantees:
 * signing what was built elsewhere vouches for nothing of the build.
 */
#define CR_BUILDER_ID_SIGN "urn:cleanroom:builder:attest-sign"
#define CR_BUILDER_ID_SANDBOX "urn:cleanroom:builder:attest-sandbox"

/* Caps on what a statement may hold. */
#define CR_STATEMENT_MAX_SUBJECTS 65536u
#define CR_STATEMENT_MAX_NAME 4096u
#define CR_STATEMENT_MAX_DEPTH 32u

struct cr_subject {
	char *name;
	unsigned char sha256[CR_SHA256_LEN];
};

/* What a statement is made from; fields left NULL/0 are omitted. */
struct cr_statement_in {
	const char *build_type; /* CR_BUILDTYPE_* */
	const struct cr_subject *subjects;
	size_t nsubjects;
	const char *source_kind; /* "git", "directory" or "archive" */
	const char *source_uri;	 /* canonical (cr_srcuri_*), or NULL: omitted */
	const char *source_revision; /* the revision asked for, git only */
	unsigned char tree[CR_SHA256_LEN];
	const char *commit; /* hex commit id, git only */
	/* SHA-256 of an archive's bytes, or NULL. */
	const unsigned char *source_sha256;
	char *const *command;	   /* argv of the build, NULL-terminated */
	char *const *artifacts;	   /* declared artifacts, NULL-terminated */
	char *const *env;	   /* user-chosen NAME=VALUE, NULL-terminated */
	char *const *tools;	   /* extra tools recorded, NULL-terminated */
	const char *recipe_source; /* "cleanroom.json" or "command-line" */
	const unsigned char *recipe_sha256; /* cleanroom.json's bytes */
	json_t *external;     /* more externalParameters (borrowed), or NULL */
	json_t *internal;     /* internalParameters (borrowed) */
	json_t *dependencies; /* more resolvedDependencies (borrowed) */
	json_t *byproducts;   /* runDetails.byproducts (borrowed) */
	int64_t started, finished; /* seconds since the epoch */
	const char *invocation_id; /* NULL: a random urn:uuid: */
};

/* Builds the statement as compact JSON bytes (allocated, no newline). */
int cr_statement_build(char **out, size_t *len,
		       const struct cr_statement_in *in);

/* A statement as read back, after its signature was checked. */
struct cr_statement {
	json_t *root;
	struct cr_subject *subjects;
	size_t nsubjects;
	int has_tree;
	unsigned char tree[CR_SHA256_LEN];
	char commit[CR_SHA256_HEXLEN + 1]; /* "" when absent */
	const char *build_type;		   /* "" when absent; owned by root */
};

/*
 * Parses verified payload bytes: JSON with no duplicate keys, _type
 * Statement v1, predicateType SLSA provenance v1, a non-empty subject list
 * whose sha256 digests are 64 hex digits and whose names are distinct. The source tree is the first
 * resolvedDependency with a "gitTree" digest; its absence is not an error
 * here (has_tree is 0). Unknown fields are ignored. Messages begin with name.
 */
int cr_statement_parse(struct cr_statement **out, const unsigned char *payload,
		       size_t len, const char *name);

void cr_statement_free(struct cr_statement *st);

/*
 * Why s is not a subject name (a canonical relative path: not empty, not
 * absolute, no '.', '..' or empty segment, no trailing '/', no C0 control
 * or DEL, at most CR_STATEMENT_MAX_NAME bytes), or NULL when it is one.
 */
const char *cr_statement_name_problem(const char *s);
/*
 * Compares subject names ignoring ASCII case ("App.exe" and "app.EXE" name
 * one file on a case-insensitive file system); Unicode forms are not folded.
 */
int cr_statement_name_cmp(const char *a, const char *b);

/*
 * Whether verified payload bytes are a statement cr_statement_parse()
 * reads: CR_OK when they claim Statement v1 with SLSA provenance v1 (the
 * parse may still refuse them); CR_EFAIL, with what they are in why, for
 * another in-toto Statement version or another predicateType (an SBOM, a
 * scan), which a reader skips; CR_ERROR naming name when they are not a
 * JSON object of an in-toto Statement at all.
 */
int cr_statement_peek(const unsigned char *payload, size_t len,
		      const char *name, char *why, size_t whylen);

/* The subject whose sha256 equals digest, or NULL. */
const struct cr_subject *
cr_statement_find(const struct cr_statement *st,
		  const unsigned char digest[CR_SHA256_LEN]);

#endif
