/* JSON that every reader reads alike: no two keys one reader takes for one. */
#ifndef CR_JSON_KEYS_H
#define CR_JSON_KEYS_H

#include <jansson.h>

/*
 * Checks every object in root (at any depth) for two keys that are equal
 * under Unicode case folding ("subject" and "Subject", or "ſubject"):
 * jansson keeps both, but Go's encoding/json (in-toto-golang, cosign)
 * matches keys without regard to case and keeps the last, so a statement
 * holding both would say one thing to us and another to them. Exact
 * duplicates are jansson's to refuse (JSON_REJECT_DUPLICATES). Returns
 * CR_OK, or CR_ERROR with a message naming name and both keys. Work is
 * O(k log k) per object of k keys; depth is jansson's parse limit.
 */
int cr_json_keys_check(const json_t *root, const char *name);

#endif
