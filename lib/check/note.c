/*
 * C2SP signed notes, checkpoints and Ed25519 cosignatures: strict parsing
 * and checking against trusted keys.
 */
#include "note.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define DASH_LEN 4 /* em dash (3 bytes) and a space */

/*
 * Decodes one UTF-8 sequence at s (n bytes left) into *cp; returns its
 * length, or 0 when it is not well-formed (overlong, surrogate, too big).
 */
static size_t
utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Unicode White_Space, as Go's unicode.IsSpace sees it. */
static int
is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0d) || c == 0x85 || c == 0xa0 ||
	       c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 ||
	       c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

/* Key names (and origins we sign as): non-empty, no spaces, no '+'. */
static int
valid_name(const char *s, size_t len)
{
	uint32_t c;
	size_t i = 0, k;

	if (len == 0 || len > CR_NOTE_NAME_MAX)
		return 0;
	while (i < len) {
		if ((k = utf8_next((const unsigned char *)s + i, len - i,
				   &c)) == 0)
			return 0;
		if (c < 0x20 || c == 0x7f || c == '+' || is_space(c))
			return 0;
		i += k;
	}
	return 1;
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

void
cr_note_free(struct cr_note *note)
{
	size_t i;

	if (note == NULL)
		return;
	for (i = 0; i < note->nsigs; i++) {
		free(note->sigs[i].name);
		free(note->sigs[i].sig);
	}
	free(note->sigs);
	free(note->text);
	free(note);
}

/* Parses one signature line (without its newline) into sig. */
static int
parse_sig_line(struct cr_note_sig *sig, const char *line, size_t len,
	       const char *name)
{
	const char *sp;
	unsigned char *raw = NULL;
	size_t rawlen = 0, nlen;

	if (len < DASH_LEN || memcmp(line, CR_NOTE_DASH, DASH_LEN) != 0)
		return cr_error_set("%s: malformed note: a signature line "
				    "must start with an em dash and a space",
				    name);
	line += DASH_LEN;
	len -= DASH_LEN;
	if ((sp = memchr(line, ' ', len)) == NULL)
		return cr_error_set("%s: malformed note: signature line "
				    "without a signature",
				    name);
	nlen = (size_t)(sp - line);
	if (!valid_name(line, nlen))
		return cr_error_set("%s: malformed note: bad key name in a "
				    "signature line",
				    name);
	if (cr_base64_decode(&raw, &rawlen, sp + 1, len - nlen - 1) < 0 ||
	    rawlen < 5 || memchr(sp + 1, '-', len - nlen - 1) != NULL ||
	    memchr(sp + 1, '_', len - nlen - 1) != NULL) {
		free(raw);
		return cr_error_set("%s: malformed note: bad base64 signature",
				    name);
	}
	if ((sig->name = strndup(line, nlen)) == NULL) {
		free(raw);
		return cr_error_set("%s: out of memory", name);
	}
	sig->keyid = be32(raw);
	sig->siglen = rawlen - 4;
	memmove(raw, raw + 4, sig->siglen);
	sig->sig = raw;
	return CR_OK;
}

int
cr_note_parse(struct cr_note **out, const char *buf, size_t len,
	      const char *name)
{
	struct cr_note *note = NULL;
	const unsigned char *u = (const unsigned char *)buf;
	const char *p, *end, *nl;
	size_t i, k, split, nlines;
	uint32_t c;
	int err = CR_ERROR;

	*out = NULL;
	if (len > CR_NOTE_MAX)
		return cr_error_set("%s: note larger than %u bytes", name,
				    CR_NOTE_MAX);
	for (i = 0; i < len; i += k) {
		if ((k = utf8_next(u + i, len - i, &c)) == 0)
			return cr_error_set("%s: malformed note: not UTF-8",
					    name);
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			return cr_error_set("%s: malformed note: control "
					    "character",
					    name);
	}
	if (len < 2 || buf[len - 1] != '\n')
		return cr_error_set("%s: malformed note: does not end in a "
				    "newline",
				    name);
	/* The text ends at the last blank line. */
	for (split = len - 1; split > 0; split--)
		if (buf[split - 1] == '\n' && buf[split] == '\n')
			break;
	if (split == 0)
		return cr_error_set("%s: malformed note: no blank line before "
				    "the signatures",
				    name);
	if ((note = calloc(1, sizeof(*note))) == NULL ||
	    (note->text = malloc(split + 1)) == NULL) {
		cr_error_set("%s: out of memory", name);
		goto done;
	}
	memcpy(note->text, buf, split);
	note->text[split] = '\0';
	note->text_len = split;
	p = buf + split + 1;
	end = buf + len;
	for (nlines = 0, nl = p; nl < end; nl++)
		nlines += *nl == '\n';
	if (nlines == 0) {
		cr_error_set("%s: malformed note: no signature", name);
		goto done;
	}
	if (nlines > CR_NOTE_MAX_SIGS) {
		cr_error_set("%s: note has more than %u signatures", name,
			     CR_NOTE_MAX_SIGS);
		goto done;
	}
	if ((note->sigs = calloc(nlines, sizeof(*note->sigs))) == NULL) {
		cr_error_set("%s: out of memory", name);
		goto done;
	}
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (parse_sig_line(&note->sigs[note->nsigs], p,
				   (size_t)(nl - p), name) < 0)
			goto done;
		note->nsigs++;
		p = nl + 1;
	}
	*out = note;
	note = NULL;
	err = CR_OK;
done:
	cr_note_free(note);
	return err;
}

int
cr_note_keyid(uint32_t *out, const char *name, unsigned char type,
	      const unsigned char raw[32])
{
	struct cr_sha256 h = {0};
	unsigned char d[CR_SHA256_LEN];
	int err;

	if ((err = cr_sha256_init(&h)) < 0 ||
	    (err = cr_sha256_update(&h, name, strlen(name))) < 0 ||
	    (err = cr_sha256_update(&h, "\n", 1)) < 0 ||
	    (err = cr_sha256_update(&h, &type, 1)) < 0 ||
	    (err = cr_sha256_update(&h, raw, 32)) < 0 ||
	    (err = cr_sha256_final(&h, d)) < 0) {
		cr_sha256_dispose(&h);
		return err;
	}
	*out = be32(d);
	return CR_OK;
}

void
cr_note_verifier_free(struct cr_note_verifier *v)
{
	if (v == NULL)
		return;
	cr_pubkey_free(v->key);
	free(v->name);
	free(v->path);
	free(v);
}

static int
verifier_new(struct cr_note_verifier **out, const unsigned char raw[32],
	     const char *name, unsigned char type, const char *label)
{
	struct cr_note_verifier *v;
	int err = CR_ERROR;

	*out = NULL;
	if ((v = calloc(1, sizeof(*v))) == NULL ||
	    (v->path = strdup(label)) == NULL ||
	    (name != NULL && (v->name = strdup(name)) == NULL)) {
		cr_error_set("%s: out of memory", label);
		goto done;
	}
	v->type = type;
	memcpy(v->raw, raw, 32);
	if ((err = cr_pubkey_from_raw_ed25519(&v->key, raw, label)) < 0)
		goto done;
	*out = v;
	v = NULL;
done:
	cr_note_verifier_free(v);
	return err;
}

int
cr_note_verifier_parse(struct cr_note_verifier **out, const char *vkey,
		       const char *label)
{
	const char *p1, *p2;
	unsigned char *key = NULL;
	size_t keylen = 0, len = strlen(vkey);
	char *name = NULL, hex[9];
	unsigned char idb[4];
	uint32_t id;
	int err = CR_ERROR;

	*out = NULL;
	if ((p1 = strchr(vkey, '+')) == NULL ||
	    (p2 = strchr(p1 + 1, '+')) == NULL || p2 - p1 - 1 != 8) {
		cr_error_set("%s: not a vkey (NAME+KEYID+KEY) or PEM public "
			     "key",
			     label);
		goto done;
	}
	memcpy(hex, p1 + 1, 8);
	hex[8] = '\0';
	if ((name = strndup(vkey, (size_t)(p1 - vkey))) == NULL) {
		cr_error_set("%s: out of memory", label);
		goto done;
	}
	if (!valid_name(name, strlen(name)) ||
	    cr_hex_decode(idb, sizeof(idb), hex) < 0 ||
	    cr_base64_decode(&key, &keylen, p2 + 1,
			     len - (size_t)(p2 + 1 - vkey)) < 0 ||
	    strpbrk(p2 + 1, "-_") != NULL) {
		cr_error_set("%s: malformed vkey", label);
		goto done;
	}
	if (keylen != 33 ||
	    (key[0] != CR_NOTE_ED25519 && key[0] != CR_NOTE_COSIG_V1)) {
		cr_error_set("%s: vkey is not an Ed25519 note or cosignature "
			     "key",
			     label);
		goto done;
	}
	if ((err = cr_note_keyid(&id, name, key[0], key + 1)) < 0)
		goto done;
	if (id != be32(idb)) {
		err = cr_error_set("%s: vkey key id does not match its name "
				   "and key",
				   label);
		goto done;
	}
	err = verifier_new(out, key + 1, name, key[0], label);
done:
	free(key);
	free(name);
	return err;
}

int
cr_note_verifier_from_pubkey(struct cr_note_verifier **out,
			     const struct cr_pubkey *key, const char *name,
			     unsigned char type)
{
	unsigned char raw[32];
	const char *label = key->name != NULL ? key->name : "public key";
	int err;

	*out = NULL;
	if (key->alg != CR_KEY_ED25519)
		return cr_error_set("%s: signed notes need an Ed25519 key, "
				    "not %s",
				    label, cr_key_alg_name(key->alg));
	if (name != NULL && !valid_name(name, strlen(name)))
		return cr_error_set("'%s': not a valid key name (non-empty, no "
				    "spaces, no '+')",
				    name);
	if ((err = cr_pubkey_raw_ed25519(raw, key)) < 0)
		return err;
	return verifier_new(out, raw, name, type, label);
}

int
cr_note_verifier_load(struct cr_note_verifier **out, const char *path,
		      unsigned char type)
{
	struct cr_pubkey *key = NULL;
	char *buf = NULL;
	size_t len = 0;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&buf, &len, path, CR_KEY_FILE_MAX)) < 0)
		return err;
	if (strstr(buf, "-----BEGIN") != NULL) {
		if ((err = cr_pubkey_from_pem(&key, buf, len, path)) < 0)
			goto done;
		err = cr_note_verifier_from_pubkey(out, key, NULL, type);
		goto done;
	}
	if (len > 0 && buf[len - 1] == '\n')
		buf[--len] = '\0';
	if (strlen(buf) != len || strchr(buf, '\n') != NULL) {
		err = cr_error_set("%s: not a vkey (one line) or PEM public "
				   "key",
				   path);
		goto done;
	}
	if ((err = cr_note_verifier_parse(out, buf, path)) < 0)
		goto done;
	if ((*out)->type != type) {
		cr_note_verifier_free(*out);
		*out = NULL;
		err = cr_error_set("%s: a %s key, wanted a %s key", path,
				   type == CR_NOTE_ED25519 ? "witness" : "log",
				   type == CR_NOTE_ED25519 ? "log" : "witness");
	}
done:
	cr_pubkey_free(key);
	free(buf);
	return err;
}

int
cr_note_cosig_message(unsigned char **out, size_t *len, uint64_t t,
		      const char *text, size_t text_len)
{
	char head[64];
	int n;

	*out = NULL;
	n = snprintf(head, sizeof(head), "cosignature/v1\ntime %llu\n",
		     (unsigned long long)t);
	if ((*out = malloc((size_t)n + text_len)) == NULL)
		return cr_error_set("cosignature: out of memory");
	memcpy(*out, head, (size_t)n);
	memcpy(*out + n, text, text_len);
	*len = (size_t)n + text_len;
	return CR_OK;
}

/* Checks one signature line by v (already matched by name and key id). */
static int
check_sig(const struct cr_note *note, const struct cr_note_sig *s,
	  const struct cr_note_verifier *v, uint64_t *timestamp)
{
	unsigned char *msg = NULL;
	size_t msglen = 0;
	uint64_t t = 0;
	int err, i;

	if (v->type == CR_NOTE_ED25519) {
		if (s->siglen != 64)
			return CR_EFAIL;
		return cr_pubkey_verify(v->key,
					(const unsigned char *)note->text,
					note->text_len, s->sig, s->siglen);
	}
	if (s->siglen != 8 + 64)
		return CR_EFAIL;
	for (i = 0; i < 8; i++)
		t = t << 8 | s->sig[i];
	if (t > INT64_MAX)
		return CR_EFAIL;
	if ((err = cr_note_cosig_message(&msg, &msglen, t, note->text,
					 note->text_len)) < 0)
		return err;
	err = cr_pubkey_verify(v->key, msg, msglen, s->sig + 8, 64);
	free(msg);
	if (err == CR_OK && timestamp != NULL)
		*timestamp = t;
	return err;
}

int
cr_note_check(const struct cr_note *note, const struct cr_note_verifier *v,
	      const char *label, uint64_t *timestamp)
{
	const struct cr_note_sig *s;
	uint32_t id;
	size_t i, good = 0;
	int err;

	for (i = 0; i < note->nsigs; i++) {
		s = &note->sigs[i];
		if (v->name != NULL && strcmp(s->name, v->name) != 0)
			continue;
		if ((err = cr_note_keyid(&id, s->name, v->type, v->raw)) < 0)
			return err;
		if (id != s->keyid)
			continue;
		if ((err = check_sig(note, s, v, timestamp)) == CR_EFAIL)
			return cr_error_fail("%s: bad signature by %s (key %s)",
					     label, s->name, v->path);
		if (err < 0)
			return err;
		good++;
	}
	if (good == 0)
		return cr_error_fail("%s: no signature by key %s%s%s", label,
				     v->path, v->name != NULL ? " named " : "",
				     v->name != NULL ? v->name : "");
	return CR_OK;
}

int
cr_note_parse_u64(uint64_t *out, const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0 || len > 20 || (len > 1 && s[0] == '0'))
		return CR_ERROR;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return CR_ERROR;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return CR_ERROR;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return CR_OK;
}

int
cr_checkpoint_parse(struct cr_checkpoint *out, const char *text, size_t len,
		    const char *name)
{
	const char *line[3], *p = text, *end = text + len, *nl;
	size_t llen[3], i;
	unsigned char *root = NULL;
	size_t rootlen = 0;

	memset(out, 0, sizeof(*out));
	if (len == 0 || text[len - 1] != '\n')
		return cr_error_set("%s: malformed checkpoint: does not end in "
				    "a newline",
				    name);
	for (i = 0; p < end; i++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == p)
			return cr_error_set("%s: malformed checkpoint: empty "
					    "line",
					    name);
		if (i < 3) {
			line[i] = p;
			llen[i] = (size_t)(nl - p);
		}
		p = nl + 1;
	}
	if (i < 3)
		return cr_error_set("%s: malformed checkpoint: fewer than "
				    "three lines",
				    name);
	if (llen[0] > CR_NOTE_NAME_MAX || memchr(line[0], 0, llen[0]))
		return cr_error_set("%s: malformed checkpoint: origin too "
				    "long",
				    name);
	memcpy(out->origin, line[0], llen[0]);
	out->origin[llen[0]] = '\0';
	if (cr_note_parse_u64(&out->size, line[1], llen[1]) < 0)
		return cr_error_set("%s: malformed checkpoint: bad tree size",
				    name);
	if (llen[2] != 44 || memchr(line[2], '-', llen[2]) ||
	    memchr(line[2], '_', llen[2]) ||
	    cr_base64_decode(&root, &rootlen, line[2], llen[2]) < 0 ||
	    rootlen != CR_MERKLE_HASH_LEN) {
		free(root);
		return cr_error_set("%s: malformed checkpoint: bad root hash",
				    name);
	}
	memcpy(out->root, root, CR_MERKLE_HASH_LEN);
	free(root);
	return CR_OK;
}

int
cr_note_name_valid(const char *name)
{
	return valid_name(name, strlen(name));
}
