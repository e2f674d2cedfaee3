/* Sigstore bundles v0.3: a DSSE envelope with a public-key hint, read. */
#ifndef CR_BUNDLE_H
#define CR_BUNDLE_H

#include <stddef.h>

#include "dsse.h"

#define CR_BUNDLE_MEDIA_TYPE "application/vnd.dev.sigstore.bundle.v0.3+json"
/* The same version in the older spelling the specification allows. */
#define CR_BUNDLE_MEDIA_TYPE_ALT \
	"application/vnd.dev.sigstore.bundle+json;version=0.3"

/*
 * Reads a bundle file: one JSON object, at most CR_DSSE_FILE_MAX bytes, no
 * duplicate keys, mediaType v0.3 (either spelling), a dsseEnvelope (a
 * messageSignature bundle signs no statement and is refused), verification
 * material that is a public-key hint alone (a non-empty string; a
 * certificate means keyless signing, which a verifier holding keys cannot
 * check: refused), tlogEntries an array and timestampVerificationData an
 * object when present, no keys equal under case folding (cr_json_keys_check),
 * at most one signature, whose keyid, when given and not empty, equals the
 * hint (an empty or absent one is set to the hint); the envelope is
 * keyid_bound, its signature checked under the hint's key only. It is then
 * parsed as cr_dsse_parse() does, named path, line 1. Transparency log
 * entries and timestamps are not checked here, and said so by the caller.
 * CR_ERROR naming path otherwise.
 */
int cr_bundle_read(struct cr_dsse **out, const char *path);

/* The same for len bytes of buf; messages name path. */
int cr_bundle_parse(struct cr_dsse **out, const char *buf, size_t len,
		    const char *path);

#endif
