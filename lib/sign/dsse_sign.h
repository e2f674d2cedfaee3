/* Signing DSSE envelopes; linked into attest only. */
#ifndef CR_DSSE_SIGN_H
#define CR_DSSE_SIGN_H

#include "dsse.h"
#include "signer.h"

/*
 * Appends a signature by key (keyid = the key id) over env's PAE. The
 * envelope's raw bytes, if it had any, are dropped: they no longer match.
 */
int cr_dsse_sign(struct cr_dsse *env, const struct cr_privkey *key);

#endif
