/* What a statement says of the source beyond its tree hash: its URI, an
 * archive's digest. */
#ifndef CR_ATTEST_SOURCE_ID_H
#define CR_ATTEST_SOURCE_ID_H

#include "source.h"

/* What a statement says of the source beyond its tree hash. */
struct tool_source_id {
	char *uri; /* canonical; NULL: omitted, never a local path */
	int has_sha256;
	unsigned char sha256[CR_SHA256_LEN]; /* an archive's bytes */
};

/*
 * Records --source-uri URI (checked by cr_srcuri_check()); a second one is
 * a usage error. Returns 0 or the exit code after a usage message.
 */
int tool_source_uri_option(const char **given, const char *cmd,
			   const char *arg);

/*
 * Fills id for src: the URI given, else for --git the origin remote's
 * (cr_srcuri_from_git()), else none; and for an archive the SHA-256 of its
 * bytes. A core status; tool_source_id_clear() frees.
 */
int tool_source_identify(struct tool_source_id *id,
			 const struct tool_source *src, const char *given);

void tool_source_id_clear(struct tool_source_id *id);

#endif
