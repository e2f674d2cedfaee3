/* Writing envelopes: a new DSSE envelope, its JSON line, and the Sigstore
 * bundle that holds it. */
#ifndef CR_DSSE_WRITE_H
#define CR_DSSE_WRITE_H

#include <stddef.h>

#include "bundle.h"
#include "dsse.h"

/* A new unsigned envelope holding a copy of payload. */
int cr_dsse_new(struct cr_dsse **out, const char *payload_type,
		const unsigned char *payload, size_t len);

/*
 * Serialises env on one line (no newline) with fields payload, payloadType,
 * signatures; standard padded base64.
 */
int cr_dsse_serialize(char **out, size_t *len, const struct cr_dsse *env);

/*
 * The Sigstore bundle (protobuf-specs Bundle, JSON) holding env, which
 * must carry exactly one signature with a keyid: mediaType v0.3,
 * verificationMaterial.publicKey.hint that keyid (the specification asks
 * that hint and envelope keyid be the same), no transparency log entries
 * and dsseEnvelope. Allocated JSON text ending in a newline.
 */
int cr_bundle_serialize(char **out, size_t *len, const struct cr_dsse *env);

#endif
