/* in-toto Statement v1 with SLSA provenance v1: building and strict reading. */
#include "statement.h"
#include "error.h"
#include "json_keys.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

static int
set_new(json_t *obj, const char *key, json_t *value)
{
	if (value == NULL || json_object_set_new(obj, key, value) < 0)
		return cr_error_set("statement: out of memory");
	return CR_OK;
}

static json_t *
string_array(char *const *list)
{
	json_t *a = json_array();
	size_t i;

	if (a == NULL)
		return NULL;
	for (i = 0; list != NULL && list[i] != NULL; i++)
		if (json_array_append_new(a, json_string(list[i])) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

/* NAME=VALUE pairs as an object, in the order given. */
static json_t *
env_object(char *const *env)
{
	json_t *o = json_object();
	const char *eq;
	char *name;
	size_t i;

	if (o == NULL)
		return NULL;
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if ((eq = strchr(env[i], '=')) == NULL ||
		    (name = strndup(env[i], (size_t)(eq - env[i]))) == NULL ||
		    json_object_set_new(o, name, json_string(eq + 1)) < 0) {
			json_decref(o);
			return NULL;
		}
		free(name);
	}
	return o;
}

static json_t *
hex_string(const unsigned char d[CR_SHA256_LEN])
{
	char hex[CR_SHA256_HEXLEN + 1];

	cr_hex_encode(hex, d, CR_SHA256_LEN);
	return json_string(hex);
}

static json_t *
digest_object(const char *alg, const unsigned char d[CR_SHA256_LEN])
{
	char hex[CR_SHA256_HEXLEN + 1];

	cr_hex_encode(hex, d, CR_SHA256_LEN);
	return json_pack("{ss}", alg, hex);
}

static json_t *
time_string(int64_t t)
{
	char buf[32];

	if (cr_format_time(buf, t) < 0)
		return NULL;
	return json_string(buf);
}

/*
 * The source as a resource descriptor whose digest is of what its uri
 * names: the tree (gitTree, the SHA-256 tree id of its files), the commit
 * for git, pinned in the uri as SLSA's git convention writes it
 * ("git+https://host/repo@COMMIT"), and an archive's own bytes (sha256).
 */
static int
source_dependency(json_t **out, const struct cr_statement_in *in)
{
	json_t *dep, *digest;
	char *uri = NULL;
	int ok;

	*out = NULL;
	if (in->source_uri != NULL && in->commit != NULL &&
	    strncmp(in->source_uri, "git+", 4) == 0) {
		if (asprintf(&uri, "%s@%s", in->source_uri, in->commit) < 0)
			return cr_error_set("statement: out of memory");
	} else if (in->source_uri != NULL &&
		   (uri = strdup(in->source_uri)) == NULL) {
		return cr_error_set("statement: out of memory");
	}
	digest = digest_object("gitTree", in->tree);
	dep = json_pack("{s:s, s:s*, s:o*}", "name", "source", "uri", uri,
			"digest", digest);
	ok = dep != NULL &&
	     (in->commit == NULL ||
	      json_object_set_new(digest, "gitCommit",
				  json_string(in->commit)) == 0) &&
	     (in->source_sha256 == NULL ||
	      json_object_set_new(digest, "sha256",
				  hex_string(in->source_sha256)) == 0);
	free(uri);
	if (!ok) {
		json_decref(dep);
		return cr_error_set("statement: the source cannot be encoded");
	}
	*out = dep;
	return CR_OK;
}

/* runDetails.metadata.invocationId: given, else a random UUID (RFC 9562 v4). */
static int
invocation_id(json_t *meta, const char *given)
{
	unsigned char u[16];
	char buf[64];

	if (given == NULL) {
		if (RAND_bytes(u, sizeof(u)) != 1)
			return cr_error_openssl("statement: no random bytes");
		u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
		u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
		snprintf(buf, sizeof(buf),
			 "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x",
			 u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8],
			 u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
		given = buf;
	}
	return set_new(meta, "invocationId", json_string(given));
}

const char *
cr_statement_name_problem(const char *s)
{
	const char *seg;
	size_t len, n;

	if (s == NULL || s[0] == '\0')
		return "is empty";
	if ((len = strlen(s)) > CR_STATEMENT_MAX_NAME)
		return "is too long";
	if (s[0] == '/')
		return "is absolute";
	if (s[len - 1] == '/')
		return "ends in '/'";
	for (n = 0; n < len; n++)
		if ((unsigned char)s[n] < 0x20 || s[n] == 0x7f)
			return "holds a control character";
	for (seg = s; *seg != '\0'; seg += n + (seg[n] == '/')) {
		n = strcspn(seg, "/");
		if (n == 0)
			return "has an empty segment ('//')";
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return "has a '.' or '..' segment";
	}
	return NULL;
}

int
cr_statement_name_cmp(const char *a, const char *b)
{
	unsigned char x, y;

	for (;; a++, b++) {
		x = (unsigned char)*a;
		y = (unsigned char)*b;
		if (x >= 'A' && x <= 'Z')
			x = (unsigned char)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (unsigned char)(y - 'A' + 'a');
		if (x != y || x == '\0')
			return (int)x - (int)y;
	}
}

int
cr_statement_build(char **out, size_t *len, const struct cr_statement_in *in)
{
	json_t *root = NULL, *subjects, *pred, *def, *ext, *src, *deps, *dep;
	json_t *run, *meta;
	char *text = NULL;
	size_t i;
	int err = CR_ERROR;

	*out = NULL;
	*len = 0;
	if ((root = json_object()) == NULL ||
	    (subjects = json_array()) == NULL) {
		json_decref(root);
		return cr_error_set("statement: out of memory");
	}
	if ((err = set_new(root, "_type", json_string(CR_STATEMENT_TYPE))) <
		    0 ||
	    (err = set_new(root, "subject", subjects)) < 0)
		goto done;
	for (i = 0; i < in->nsubjects; i++) {
		json_t *s;
		size_t j;

		const char *why;

		if ((why = cr_statement_name_problem(in->subjects[i].name)) !=
		    NULL) {
			err = cr_error_set(
				"statement: subject name '%.200s' "
				"%s; a subject is a relative path "
				"without '.', '..' or empty "
				"segments",
				why[0] != 'h' ? in->subjects[i].name : "", why);
			goto done;
		}
		for (j = 0; j < i; j++)
			if (cr_statement_name_cmp(in->subjects[j].name,
						  in->subjects[i].name) == 0) {
				err = cr_error_set("statement: subject '%s' "
						   "given twice (names are "
						   "compared ignoring ASCII "
						   "case)",
						   in->subjects[i].name);
				goto done;
			}
		s = json_pack("{s:s, s:o*}", "name", in->subjects[i].name,
			      "digest",
			      digest_object("sha256", in->subjects[i].sha256));
		if (s == NULL || json_array_append_new(subjects, s) < 0) {
			err = cr_error_set("statement: subject '%s' cannot be "
					   "encoded (not UTF-8?)",
					   in->subjects[i].name);
			goto done;
		}
	}
	if ((err = set_new(root, "predicateType",
			   json_string(CR_SLSA_PROVENANCE_V1))) < 0 ||
	    (err = set_new(root, "predicate", pred = json_object())) < 0 ||
	    (err = set_new(pred, "buildDefinition", def = json_object())) < 0 ||
	    (err = set_new(def, "buildType", json_string(in->build_type))) <
		    0 ||
	    (err = set_new(def, "externalParameters", ext = json_object())) < 0)
		goto done;

	if ((err = set_new(ext, "source", src = json_object())) < 0 ||
	    (err = set_new(src, "kind", json_string(in->source_kind))) < 0 ||
	    (in->source_uri != NULL &&
	     (err = set_new(src, "uri", json_string(in->source_uri))) < 0))
		goto done;
	if (in->source_revision != NULL &&
	    (err = set_new(src, "revision", json_string(in->source_revision))) <
		    0)
		goto done;
	if (in->command != NULL &&
	    (err = set_new(ext, "command", string_array(in->command))) < 0)
		goto done;
	if (in->artifacts != NULL &&
	    (err = set_new(ext, "artifacts", string_array(in->artifacts))) < 0)
		goto done;
	if (in->tools != NULL && in->tools[0] != NULL &&
	    (err = set_new(ext, "tools", string_array(in->tools))) < 0)
		goto done;
	if (in->env != NULL &&
	    (err = set_new(ext, "env", env_object(in->env))) < 0)
		goto done;
	if (in->recipe_source != NULL) {
		json_t *rec = json_pack("{s:s}", "source", in->recipe_source);

		if ((err = set_new(ext, "recipe", rec)) < 0 ||
		    (in->recipe_sha256 != NULL &&
		     (err = set_new(
			      rec, "digest",
			      digest_object("sha256", in->recipe_sha256))) < 0))
			goto done;
	}
	if (in->external != NULL && json_object_update(ext, in->external) < 0) {
		err = cr_error_set("statement: out of memory");
		goto done;
	}
	if ((err = set_new(def, "internalParameters",
			   in->internal ? json_incref(in->internal)
					: json_object())) < 0)
		goto done;

	/* The source first, then whatever the caller resolved. */
	if ((err = set_new(def, "resolvedDependencies", deps = json_array())) <
	    0)
		goto done;
	if ((err = source_dependency(&dep, in)) < 0)
		goto done;
	if (json_array_append_new(deps, dep) < 0) {
		err = cr_error_set("statement: out of memory");
		goto done;
	}
	if (in->dependencies != NULL &&
	    json_array_extend(deps, in->dependencies) < 0) {
		err = cr_error_set("statement: out of memory");
		goto done;
	}

	if ((err = set_new(pred, "runDetails", run = json_object())) < 0 ||
	    (err = set_new(
		     run, "builder",
		     json_pack("{s:s, s:{s:s}}", "id",
			       strcmp(in->build_type, CR_BUILDTYPE_SIGN) == 0
				       ? CR_BUILDER_ID_SIGN
				       : CR_BUILDER_ID_SANDBOX,
			       "version", "cleanroom", CR_VERSION))) < 0 ||
	    (err = set_new(run, "metadata", meta = json_object())) < 0 ||
	    (err = invocation_id(meta, in->invocation_id)) < 0 ||
	    (err = set_new(meta, "startedOn", time_string(in->started))) < 0 ||
	    (err = set_new(meta, "finishedOn", time_string(in->finished))) < 0)
		goto done;
	if (in->byproducts != NULL &&
	    (err = set_new(run, "byproducts", json_incref(in->byproducts))) < 0)
		goto done;

	if ((text = json_dumps(root, JSON_COMPACT)) == NULL) {
		err = cr_error_set("statement: cannot be encoded (a string "
				   "that is not UTF-8?)");
		goto done;
	}
	*out = text;
	*len = strlen(text);
	err = CR_OK;
done:
	json_decref(root);
	return err;
}

static const char *
get_string(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
cmp_subject_name(const void *a, const void *b)
{
	const struct cr_subject *const *x = a, *const *y = b;

	return cr_statement_name_cmp((*x)->name, (*y)->name);
}

/* Refuses a subject name given twice (sorting pointers: n log n). */
static int
check_unique(const struct cr_statement *st, const char *name)
{
	const struct cr_subject **order;
	size_t i;
	int err = CR_OK;

	if (st->nsubjects < 2)
		return CR_OK;
	if ((order = calloc(st->nsubjects, sizeof(*order))) == NULL)
		return cr_error_set("%s: out of memory", name);
	for (i = 0; i < st->nsubjects; i++)
		order[i] = &st->subjects[i];
	qsort(order, st->nsubjects, sizeof(*order), cmp_subject_name);
	for (i = 1; i < st->nsubjects; i++)
		if (cr_statement_name_cmp(order[i - 1]->name, order[i]->name) ==
		    0) {
			err = cr_error_set("%s: subject '%.200s' is listed "
					   "twice (names are compared ignoring "
					   "ASCII case); a statement names "
					   "each artifact once",
					   name, order[i]->name);
			break;
		}
	free(order);
	return err;
}

static int
parse_subjects(struct cr_statement *st, json_t *list, const char *name)
{
	json_t *s, *digest;
	const char *sname, *hex, *why;
	size_t i, n;
	int err;

	if (!json_is_array(list) || (n = json_array_size(list)) == 0)
		return cr_error_set("%s: statement has no subject list", name);
	if (n > CR_STATEMENT_MAX_SUBJECTS)
		return cr_error_set("%s: more than %u subjects", name,
				    CR_STATEMENT_MAX_SUBJECTS);
	if ((st->subjects = calloc(n, sizeof(*st->subjects))) == NULL)
		return cr_error_set("%s: out of memory", name);
	json_array_foreach(list, i, s)
	{
		digest = json_object_get(s, "digest");
		sname = get_string(s, "name");
		if (!json_is_object(s) || !json_is_object(digest))
			return cr_error_set("%s: subject %zu has no digest",
					    name, i);
		/*
		 * A name is a canonical relative path: "./x", "x/", "a/../x"
		 * or "/x" would name one file two ways.
		 */
		if ((why = cr_statement_name_problem(sname)) != NULL)
			return cr_error_set(
				"%s: subject %zu: name '%.200s' %s; "
				"a subject is a relative path "
				"without '.', '..' or empty "
				"segments",
				name, i, sname && why[0] != 'h' ? sname : "",
				why);
		/* A subject without sha256 cannot be matched; skip it. */
		if ((hex = get_string(digest, "sha256")) == NULL)
			continue;
		if (strlen(hex) != CR_SHA256_HEXLEN ||
		    cr_hex_decode(st->subjects[st->nsubjects].sha256,
				  CR_SHA256_LEN, hex) < 0)
			return cr_error_set("%s: subject %zu: sha256 is not 64 "
					    "hex digits",
					    name, i);
		if ((st->subjects[st->nsubjects].name = strdup(sname)) == NULL)
			return cr_error_set("%s: out of memory", name);
		st->nsubjects++;
	}
	/*
	 * Two subjects of one name would let a checker compare one and a
	 * customer accept the other.
	 */
	if ((err = check_unique(st, name)) < 0)
		return err;
	if (st->nsubjects == 0)
		return cr_error_set("%s: no subject has a sha256 digest", name);
	return CR_OK;
}

/*
 * The one resolvedDependencies entry named name, in *out (NULL when there is
 * none); two of one name are refused: a checker and a SLSA consumer could
 * read different ones.
 */
static int
named_dependency(json_t **out, json_t *deps, const char *dname,
		 const char *name)
{
	json_t *dep;
	const char *n;
	size_t i;

	*out = NULL;
	json_array_foreach(deps, i, dep)
	{
		if ((n = get_string(dep, "name")) == NULL ||
		    strcmp(n, dname) != 0)
			continue;
		if (*out != NULL)
			return cr_error_set("%s: resolvedDependencies names "
					    "\"%s\" twice; a statement has "
					    "one",
					    name, dname);
		*out = dep;
	}
	return CR_OK;
}

/* A digest value alg of dep as 32 bytes; 0 absent, 1 present, <0 malformed. */
static int
dependency_digest(unsigned char md[CR_SHA256_LEN], json_t *dep, const char *alg,
		  const char *what, const char *name)
{
	json_t *v = json_object_get(json_object_get(dep, "digest"), alg);
	const char *hex = json_string_value(v);

	if (v == NULL)
		return 0;
	if (hex == NULL || strlen(hex) != CR_SHA256_HEXLEN ||
	    cr_hex_decode(md, CR_SHA256_LEN, hex) < 0)
		return cr_error_set("%s: %s digest.%s is not a SHA-256 "
				    "digest (64 hex digits)",
				    name, what, alg);
	return 1;
}

/*
 * externalParameters.source, when it carries a uri or digest, must say what
 * the "source" dependency says: the uri equal (or the dependency's pinned
 * "URI@COMMIT"), every digest it gives equal.
 */
static int
source_agrees(json_t *ext, json_t *dep, const char *name)
{
	json_t *src = json_object_get(ext, "source"), *d, *v;
	const char *uri, *depuri, *alg, *commit;
	size_t n;

	if (!json_is_object(src))
		return CR_OK;
	uri = get_string(src, "uri");
	depuri = get_string(dep, "uri");
	commit = get_string(json_object_get(dep, "digest"), "gitCommit");
	if (json_object_get(src, "uri") != NULL && uri == NULL)
		return cr_error_set("%s: externalParameters.source.uri is not "
				    "a string",
				    name);
	if (uri != NULL && depuri != NULL && strcmp(uri, depuri) != 0) {
		n = strlen(uri);
		if (commit == NULL || strncmp(depuri, uri, n) != 0 ||
		    depuri[n] != '@' || strcmp(depuri + n + 1, commit) != 0)
			return cr_error_set("%s: externalParameters.source.uri "
					    "disagrees with the \"source\" "
					    "dependency's uri",
					    name);
	}
	if ((d = json_object_get(src, "digest")) == NULL)
		return CR_OK;
	if (!json_is_object(d))
		return cr_error_set("%s: externalParameters.source.digest is "
				    "not an object",
				    name);
	json_object_foreach(d, alg, v)
	{
		if (!json_equal(v,
				json_object_get(json_object_get(dep, "digest"),
						alg)))
			return cr_error_set("%s: externalParameters.source."
					    "digest.%.40s disagrees with the "
					    "\"source\" dependency",
					    name, alg);
	}
	return CR_OK;
}

/*
 * The root: at most one dependency named "rootfs", its gitTree well formed,
 * and externalParameters.rootfs, when it is an object, naming that digest.
 */
static int
parse_rootfs(json_t *ext, json_t *deps, const char *name)
{
	unsigned char md[CR_SHA256_LEN];
	json_t *dep, *er;
	int err;

	if ((err = named_dependency(&dep, deps, "rootfs", name)) < 0)
		return err;
	if (dep != NULL && (err = dependency_digest(md, dep, "gitTree",
						    "the \"rootfs\" "
						    "dependency's",
						    name)) <= 0)
		return err < 0 ? err
			       : cr_error_set("%s: the \"rootfs\" dependency "
					      "has no digest.gitTree",
					      name);
	er = json_object_get(ext, "rootfs");
	if (!json_is_object(er))
		return CR_OK;
	if (dep == NULL)
		return cr_error_set("%s: externalParameters.rootfs names a "
				    "root but resolvedDependencies has no "
				    "\"rootfs\"",
				    name);
	if (!json_equal(json_object_get(er, "digest"),
			json_object_get(dep, "digest")))
		return cr_error_set("%s: externalParameters.rootfs.digest "
				    "disagrees with the \"rootfs\" dependency",
				    name);
	return CR_OK;
}

/*
 * The source is the one resolvedDependencies entry named "source" (what a
 * SLSA consumer reads), never the first entry that has a gitTree: another
 * entry ("vendor-sdk") may carry any tree. It must carry a gitTree.
 */
static int
parse_source(struct cr_statement *st, json_t *pred, const char *name)
{
	json_t *def, *deps, *dep, *ext;
	const char *commit;
	int err;

	def = json_object_get(pred, "buildDefinition");
	if (!json_is_object(def))
		return cr_error_set("%s: predicate has no buildDefinition",
				    name);
	st->build_type = get_string(def, "buildType");
	if (st->build_type == NULL)
		st->build_type = "";
	ext = json_object_get(def, "externalParameters");
	deps = json_object_get(def, "resolvedDependencies");
	if (deps == NULL)
		return CR_OK;
	if (!json_is_array(deps))
		return cr_error_set("%s: resolvedDependencies is not a list",
				    name);
	if ((err = parse_rootfs(ext, deps, name)) < 0 ||
	    (err = named_dependency(&dep, deps, "source", name)) < 0)
		return err;
	if (dep == NULL)
		return CR_OK;
	if ((err = dependency_digest(st->tree, dep, "gitTree",
				     "the \"source\" dependency's", name)) < 0)
		return err;
	if (err == 0)
		return cr_error_set("%s: the \"source\" dependency has no "
				    "digest.gitTree",
				    name);
	if ((err = source_agrees(ext, dep, name)) < 0)
		return err;
	st->has_tree = 1;
	commit = get_string(json_object_get(dep, "digest"), "gitCommit");
	if (commit != NULL && strlen(commit) <= CR_SHA256_HEXLEN)
		strcpy(st->commit, commit);
	return CR_OK;
}

int
cr_statement_parse(struct cr_statement **out, const unsigned char *payload,
		   size_t len, const char *name)
{
	struct cr_statement *st = NULL;
	json_error_t jerr;
	const char *type;
	json_t *pred;
	int err;

	*out = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return cr_error_set("%s: out of memory", name);
	st->root = json_loadb((const char *)payload, len,
			      JSON_REJECT_DUPLICATES, &jerr);
	if (st->root == NULL) {
		err = cr_error_set("%s: statement is not valid JSON: %s", name,
				   jerr.text);
		goto done;
	}
	if (!json_is_object(st->root)) {
		err = cr_error_set("%s: statement is not a JSON object", name);
		goto done;
	}
	if ((err = cr_json_keys_check(st->root, name)) < 0)
		goto done;
	type = get_string(st->root, "_type");
	if (type == NULL || strcmp(type, CR_STATEMENT_TYPE) != 0) {
		err = cr_error_set("%s: _type is not %s", name,
				   CR_STATEMENT_TYPE);
		goto done;
	}
	type = get_string(st->root, "predicateType");
	if (type == NULL || strcmp(type, CR_SLSA_PROVENANCE_V1) != 0) {
		err = cr_error_set("%s: predicateType is not %s", name,
				   CR_SLSA_PROVENANCE_V1);
		goto done;
	}
	pred = json_object_get(st->root, "predicate");
	if (!json_is_object(pred)) {
		err = cr_error_set("%s: predicate is not an object", name);
		goto done;
	}
	if ((err = parse_subjects(st, json_object_get(st->root, "subject"),
				  name)) < 0 ||
	    (err = parse_source(st, pred, name)) < 0)
		goto done;
	*out = st;
	st = NULL;
	err = CR_OK;
done:
	cr_statement_free(st);
	return err;
}

int
cr_statement_peek(const unsigned char *payload, size_t len, const char *name,
		  char *why, size_t whylen)
{
	static const char prefix[] = "https://in-toto.io/Statement/";
	json_error_t jerr;
	const char *type, *pred;
	json_t *root;
	int err;

	why[0] = '\0';
	root = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES,
			  &jerr);
	if (root == NULL)
		return cr_error_set("%s: statement is not valid JSON: %s", name,
				    jerr.text);
	if ((err = cr_json_keys_check(root, name)) < 0) {
		json_decref(root);
		return err;
	}
	type = get_string(root, "_type");
	pred = get_string(root, "predicateType");
	if (!json_is_object(root) || type == NULL ||
	    strncmp(type, prefix, sizeof(prefix) - 1) != 0) {
		err = cr_error_set("%s: not an in-toto statement (_type is "
				   "not %s...)",
				   name, prefix);
	} else if (strcmp(type, CR_STATEMENT_TYPE) != 0) {
		snprintf(why, whylen,
			 "an in-toto statement of another version "
			 "(_type %.100s)",
			 type);
		err = CR_EFAIL;
	} else if (pred != NULL && strcmp(pred, CR_SLSA_PROVENANCE_V1) != 0) {
		snprintf(why, whylen,
			 "a statement of another kind "
			 "(predicateType %.100s)",
			 pred);
		err = CR_EFAIL;
	} else {
		err = CR_OK;
	}
	json_decref(root);
	return err;
}

void
cr_statement_free(struct cr_statement *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->nsubjects; i++)
		free(st->subjects[i].name);
	free(st->subjects);
	json_decref(st->root);
	free(st);
}

const struct cr_subject *
cr_statement_find(const struct cr_statement *st,
		  const unsigned char digest[CR_SHA256_LEN])
{
	size_t i;

	for (i = 0; i < st->nsubjects; i++)
		if (CRYPTO_memcmp(st->subjects[i].sha256, digest,
				  CR_SHA256_LEN) == 0)
			return &st->subjects[i];
	return NULL;
}
