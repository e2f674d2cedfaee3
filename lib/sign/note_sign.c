/* Signing C2SP notes and cosignatures with an Ed25519 private key. */
#include "tlog_write.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
cr_note_signer_raw(unsigned char raw[32], const struct cr_privkey *key)
{
	struct cr_pubkey *pub = NULL;
	int err;

	if (key->alg != CR_KEY_ED25519)
		return cr_error_set("signed notes need an Ed25519 key, not %s",
				    cr_key_alg_name(key->alg));
	if ((err = cr_privkey_public(&pub, key)) < 0)
		return err;
	err = cr_pubkey_raw_ed25519(raw, pub);
	cr_pubkey_free(pub);
	return err;
}

int
cr_note_sign_line(char **line, size_t *len, const char *text, size_t text_len,
		  const char *name, unsigned char type, uint64_t timestamp,
		  const struct cr_privkey *key)
{
	unsigned char raw[32], blob[4 + 8 + 64], *msg = NULL, *sig = NULL;
	size_t msglen = 0, siglen = 0, off = 0;
	char *b64 = NULL;
	uint32_t id;
	int err, i, n;

	*line = NULL;
	if (!cr_note_name_valid(name))
		return cr_error_set("'%s': not a valid key name (non-empty, no "
				    "spaces, no '+')",
				    name);
	if ((err = cr_note_signer_raw(raw, key)) < 0 ||
	    (err = cr_note_keyid(&id, name, type, raw)) < 0)
		goto done;
	blob[off++] = (unsigned char)(id >> 24);
	blob[off++] = (unsigned char)(id >> 16);
	blob[off++] = (unsigned char)(id >> 8);
	blob[off++] = (unsigned char)id;
	if (type == CR_NOTE_COSIG_V1) {
		if (timestamp > INT64_MAX) {
			err = cr_error_set("cosignature: time out of range");
			goto done;
		}
		for (i = 7; i >= 0; i--)
			blob[off++] = (unsigned char)(timestamp >> (8 * i));
		if ((err = cr_note_cosig_message(&msg, &msglen, timestamp, text,
						 text_len)) < 0)
			goto done;
		err = cr_privkey_sign(&sig, &siglen, key, msg, msglen);
	} else {
		err = cr_privkey_sign(&sig, &siglen, key,
				      (const unsigned char *)text, text_len);
	}
	if (err < 0)
		goto done;
	if (siglen != 64) {
		err = cr_error_set("note signature: unexpected length %zu",
				   siglen);
		goto done;
	}
	memcpy(blob + off, sig, 64);
	off += 64;
	if ((err = cr_base64_encode(&b64, blob, off)) < 0)
		goto done;
	if ((n = asprintf(line, "%s%s %s\n", CR_NOTE_DASH, name, b64)) < 0) {
		*line = NULL;
		err = cr_error_set("note signature: out of memory");
		goto done;
	}
	*len = (size_t)n;
	err = CR_OK;
done:
	free(b64);
	free(sig);
	free(msg);
	return err;
}

int
cr_note_sign(char **out, size_t *len, const char *text, size_t text_len,
	     const char *name, const struct cr_privkey *key)
{
	char *line = NULL;
	size_t llen = 0;
	int err;

	*out = NULL;
	if (text_len == 0 || text[text_len - 1] != '\n')
		return cr_error_set("note text must end in a newline");
	if ((err = cr_note_sign_line(&line, &llen, text, text_len, name,
				     CR_NOTE_ED25519, 0, key)) < 0)
		return err;
	if ((*out = malloc(text_len + 1 + llen + 1)) == NULL) {
		free(line);
		return cr_error_set("note: out of memory");
	}
	memcpy(*out, text, text_len);
	(*out)[text_len] = '\n';
	memcpy(*out + text_len + 1, line, llen + 1);
	*len = text_len + 1 + llen;
	free(line);
	return CR_OK;
}
