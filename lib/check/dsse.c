/* DSSE v1 envelopes: PAE, strict parsing, reading .intoto.jsonl files, checking. */
#include "dsse.h"
#include "error.h"
#include "json_keys.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

int
cr_dsse_pae(unsigned char **out, size_t *outlen, const char *type,
	    const unsigned char *body, size_t len)
{
	char head[64];
	unsigned char *buf;
	size_t tlen = strlen(type), n;
	int hn;

	*out = NULL;
	*outlen = 0;
	/* "DSSEv1 <len(type)> <type> <len(body)> <body>" */
	hn = snprintf(head, sizeof(head), "DSSEv1 %zu ", tlen);
	if (hn < 0 || (size_t)hn >= sizeof(head))
		return cr_error_set("PAE: cannot format");
	n = (size_t)hn + tlen;
	if (len > SIZE_MAX - n - 64)
		return cr_error_set("PAE: payload too large");
	if ((buf = malloc(n + 32 + len)) == NULL)
		return cr_error_set("PAE: out of memory");
	memcpy(buf, head, (size_t)hn);
	memcpy(buf + hn, type, tlen);
	hn = snprintf((char *)buf + n, 32, " %zu ", len);
	if (hn < 0 || hn >= 32) {
		free(buf);
		return cr_error_set("PAE: cannot format");
	}
	n += (size_t)hn;
	if (len > 0)
		memcpy(buf + n, body, len);
	*out = buf;
	*outlen = n + len;
	return CR_OK;
}

void
cr_dsse_free(struct cr_dsse *env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; i < env->nsigs; i++) {
		free(env->sigs[i].keyid);
		free(env->sigs[i].sig);
	}
	free(env->sigs);
	free(env->payload_type);
	free(env->payload);
	free(env->raw);
	free(env->name);
	free(env);
}

void
cr_dsse_list_free(struct cr_dsse **list, size_t count)
{
	size_t i;

	if (list == NULL)
		return;
	for (i = 0; i < count; i++)
		cr_dsse_free(list[i]);
	free(list);
}

/* "NAME:LINE: " or "NAME: ", the start of every message about an envelope. */
static void
where(char *buf, size_t size, const char *name, unsigned int line)
{
	if (line > 0)
		snprintf(buf, size, "%s:%u", name, line);
	else
		snprintf(buf, size, "%s", name);
}

/* jansson's message, made printable on one line. */
static void
json_reason(char *out, size_t size, const json_error_t *jerr)
{
	const char *near, *end;
	size_t i;

	/* "duplicate object key near '"payload"'" -> "duplicate key 'payload'" */
	if (json_error_code(jerr) == json_error_duplicate_key) {
		near = strstr(jerr->text, "near '\"");
		end = near != NULL ? strrchr(near, '"') : NULL;
		if (near != NULL && end > near + 7 && end[1] == '\'')
			snprintf(out, size, "duplicate key '%.*s'",
				 (int)(end - (near + 7)), near + 7);
		else
			snprintf(out, size, "duplicate key");
	} else {
		snprintf(out, size, "not JSON: %s", jerr->text);
	}
	for (i = 0; out[i] != '\0'; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			out[i] = '?';
}

/* The decoded bytes of obj's base64 string member field; at begins messages. */
static int
get_b64(unsigned char **out, size_t *outlen, json_t *obj, const char *field,
	const char *at)
{
	json_t *v = json_object_get(obj, field);

	if (v == NULL)
		return cr_error_set("%s: missing %s", at, field);
	if (!json_is_string(v))
		return cr_error_set("%s: %s is not a string", at, field);
	if (cr_base64_decode(out, outlen, json_string_value(v),
			     json_string_length(v)) < 0)
		return cr_error_set("%s: %s is not valid base64", at, field);
	return CR_OK;
}

/*
 * The parser behind cr_dsse_parse; *syntax tells whether a failure was in
 * the JSON itself (so the bytes may be something else: a pretty-printed
 * envelope split over lines) rather than in the envelope's fields.
 */
static int
parse(struct cr_dsse **out, const char *json, size_t len, const char *name,
      unsigned int line, int *syntax)
{
	struct cr_dsse *env = NULL;
	json_t *root = NULL, *v, *sigs, *s, *kid;
	json_error_t jerr;
	char at[512], reason[256], what[600];
	size_t i, n;
	int err = CR_ERROR;

	*out = NULL;
	*syntax = 0;
	where(at, sizeof(at), name, line);
	if (len > CR_DSSE_LINE_MAX) {
		cr_error_set("%s: envelope larger than %u bytes", at,
			     CR_DSSE_LINE_MAX);
		goto done;
	}
	/* Without JSON_ALLOW_NUL, jansson refuses "\u0000" in strings. */
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		/* A whole file: the line is jansson's to tell. */
		if (line == 0 && jerr.line > 0)
			where(at, sizeof(at), name, (unsigned int)jerr.line);
		*syntax = json_error_code(&jerr) != json_error_duplicate_key;
		json_reason(reason, sizeof(reason), &jerr);
		cr_error_set("%s: %s", at, reason);
		goto done;
	}
	if (!json_is_object(root)) {
		*syntax = 1;
		cr_error_set("%s: not a DSSE envelope (not a JSON object)", at);
		goto done;
	}
	if (cr_json_keys_check(root, at) < 0)
		goto done;
	if ((env = calloc(1, sizeof(*env))) == NULL ||
	    (env->raw = malloc(len + 1)) == NULL ||
	    (name != NULL && (env->name = strdup(name)) == NULL)) {
		cr_error_set("%s: out of memory", at);
		goto done;
	}
	memcpy(env->raw, json, len);
	env->raw[len] = '\0';
	env->raw_len = len;
	env->line = line;

	if (get_b64(&env->payload, &env->payload_len, root, "payload", at) < 0)
		goto done;
	v = json_object_get(root, "payloadType");
	if (v == NULL || !json_is_string(v)) {
		cr_error_set(v == NULL ? "%s: missing payloadType"
				       : "%s: payloadType is not a string",
			     at);
		goto done;
	}
	if ((env->payload_type = strdup(json_string_value(v))) == NULL) {
		cr_error_set("%s: out of memory", at);
		goto done;
	}

	/*
	 * An envelope stripped of its signatures is well-formed but unsigned:
	 * the verdict on it is "not signed" (exit 1), not "malformed".
	 */
	sigs = json_object_get(root, "signatures");
	if (sigs != NULL && !json_is_array(sigs)) {
		cr_error_set("%s: signatures is not an array", at);
		goto done;
	}
	n = sigs == NULL ? 0 : json_array_size(sigs);
	if (n > CR_DSSE_MAX_SIGS) {
		cr_error_set("%s: %zu signatures, more than %u", at, n,
			     CR_DSSE_MAX_SIGS);
		goto done;
	}
	if (n > 0 && (env->sigs = calloc(n, sizeof(*env->sigs))) == NULL) {
		cr_error_set("%s: out of memory", at);
		goto done;
	}
	json_array_foreach(sigs, i, s)
	{
		struct cr_dsse_sig *sg = &env->sigs[i];

		env->nsigs = i + 1;
		snprintf(what, sizeof(what), "%s: signature %zu", at, i + 1);
		if (!json_is_object(s)) {
			cr_error_set("%s is not an object", what);
			goto done;
		}
		if (get_b64(&sg->sig, &sg->siglen, s, "sig", what) < 0)
			goto done;
		if (sg->siglen == 0 || sg->siglen > CR_SIG_MAX) {
			cr_error_set("%s: sig is %s", what,
				     sg->siglen == 0 ? "empty" : "too long");
			goto done;
		}
		if ((kid = json_object_get(s, "keyid")) == NULL)
			continue;
		if (!json_is_string(kid)) {
			cr_error_set("%s: keyid is not a string", what);
			goto done;
		}
		if ((sg->keyid = strdup(json_string_value(kid))) == NULL) {
			cr_error_set("%s: out of memory", at);
			goto done;
		}
	}
	*out = env;
	env = NULL;
	err = CR_OK;
done:
	cr_dsse_free(env);
	json_decref(root);
	return err;
}

int
cr_dsse_parse(struct cr_dsse **out, const char *json, size_t len,
	      const char *name, unsigned int line)
{
	int syntax;

	return parse(out, json, len, name, line, &syntax);
}

/* Whether buf holds nothing but JSON white space. */
static int
blank(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' &&
		    buf[i] != '\n')
			return 0;
	return 1;
}

/* Appends env to the growing *list. */
static int
push(struct cr_dsse ***list, size_t *count, struct cr_dsse *env,
     const char *path)
{
	struct cr_dsse **tmp;

	if (*count >= CR_DSSE_MAX_ENVELOPES) {
		cr_dsse_free(env);
		return cr_error_set("%s: more than %u envelopes", path,
				    CR_DSSE_MAX_ENVELOPES);
	}
	if ((tmp = realloc(*list, (*count + 1) * sizeof(*tmp))) == NULL) {
		cr_dsse_free(env);
		return cr_error_set("%s: out of memory", path);
	}
	*list = tmp;
	(*list)[(*count)++] = env;
	return CR_OK;
}

/* Each non-blank line of buf is an envelope. */
static int
parse_lines(struct cr_dsse ***out, size_t *count, const char *buf, size_t len,
	    const char *path, int *syntax)
{
	struct cr_dsse **list = NULL, *env;
	const char *p = buf, *end = buf + len, *nl;
	size_t n = 0, linelen;
	unsigned int line = 0;
	int err = CR_OK;

	*syntax = 0;
	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		linelen = (nl != NULL ? nl : end) - p;
		if (linelen > 0 && p[linelen - 1] == '\r')
			linelen--;
		if (!blank(p, linelen)) {
			if ((err = parse(&env, p, linelen, path, line,
					 syntax)) < 0)
				goto done;
			if ((err = push(&list, &n, env, path)) < 0)
				goto done;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	*out = list;
	*count = n;
	list = NULL;
done:
	cr_dsse_list_free(list, n);
	return err;
}

int
cr_dsse_read_file(struct cr_dsse ***out, size_t *count, const char *path)
{
	struct cr_dsse *env = NULL;
	struct stat st;
	char *buf = NULL, saved[1024];
	size_t len = 0;
	int fd = -1, err = CR_ERROR, syntax, whole_syntax;

	*out = NULL;
	*count = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		cr_error_errno("%s", path);
		goto done;
	}
	/* Refuse a huge file before reading any of it; the read caps too. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    (uintmax_t)st.st_size > CR_DSSE_FILE_MAX) {
		cr_error_set("%s: larger than %u MiB, the limit for "
			     "attestations",
			     path, CR_DSSE_FILE_MAX >> 20);
		goto done;
	}
	if ((err = cr_read_fd(&buf, &len, fd, path, CR_DSSE_FILE_MAX)) < 0)
		goto done;
	err = CR_ERROR;
	if (blank(buf, len)) {
		cr_error_set("%s: empty; no envelope in it", path);
		goto done;
	}
	if ((err = parse_lines(out, count, buf, len, path, &syntax)) == CR_OK)
		goto done;
	if (!syntax)
		goto done;
	/* Not JSON Lines: maybe one envelope pretty-printed over lines. */
	snprintf(saved, sizeof(saved), "%s", cr_error_last());
	if (parse(&env, buf, len, path, 0, &whole_syntax) == CR_OK) {
		env->line = 1;
		if ((*out = malloc(sizeof(**out))) == NULL) {
			err = cr_error_set("%s: out of memory", path);
			goto done;
		}
		(*out)[0] = env;
		env = NULL;
		*count = 1;
		err = CR_OK;
		goto done;
	}
	/* Report what went wrong with the reading that came closest. */
	if (whole_syntax)
		cr_error_set("%s", saved);
	err = CR_ERROR;
done:
	cr_dsse_free(env);
	free(buf);
	if (fd >= 0)
		close(fd);
	return err;
}

int
cr_dsse_verify(const struct cr_dsse *env, const struct cr_pubkey *key)
{
	unsigned char *pae = NULL;
	char at[512];
	size_t paelen, i;
	int err, r;

	where(at, sizeof(at), env->name != NULL ? env->name : "envelope",
	      env->line);
	if ((err = cr_dsse_pae(&pae, &paelen, env->payload_type, env->payload,
			       env->payload_len)) < 0)
		return err;
	/*
	 * The keyid is an unsigned hint: every signature is tried, except
	 * in a bundle, whose readers check it under the hint's key only.
	 */
	err = CR_EFAIL;
	for (i = 0; i < env->nsigs; i++) {
		if (env->keyid_bound &&
		    (env->sigs[i].keyid == NULL ||
		     strcmp(env->sigs[i].keyid, key->keyid) != 0))
			continue;
		r = cr_pubkey_verify(key, pae, paelen, env->sigs[i].sig,
				     env->sigs[i].siglen);
		if (r == CR_OK) {
			err = CR_OK;
			break;
		}
		if (r == CR_ERROR) {
			err = CR_ERROR;
			break;
		}
	}
	if (err == CR_EFAIL)
		cr_error_fail("%s: no valid signature by %s (key id %.16s...)",
			      at, key->name, key->keyid);
	free(pae);
	return err;
}
