/* in-toto Statement v1 with SLSA provenance v1: names, resource descriptors and the strict decoder (the encoder is statement_encode.c). */
#include "statement.h"
#include "error.h"
#include "json_keys.h"
#include "util.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

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

void
cr_provenance_init(struct cr_provenance *p)
{
	memset(p, 0, sizeof(*p));
	p->external.source_date_epoch = -1;
	p->external.fake_clock = -1;
	p->external.normalize = -1;
}

static const char *
get_string(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* ---- resource descriptors ---------------------------------------------- */

const char *
cr_resource_digest(const struct cr_resource *r, const char *alg)
{
	size_t i;

	for (i = 0; i < r->ndigest; i++)
		if (strcmp(r->digest[i].alg, alg) == 0)
			return r->digest[i].value;
	return NULL;
}

int
cr_resource_set(char **field, const char *value)
{
	char *c = NULL;

	if (value != NULL && (c = strdup(value)) == NULL)
		return cr_error_set("out of memory");
	free(*field);
	*field = c;
	return CR_OK;
}

int
cr_resource_add_digest(struct cr_resource *r, const char *alg,
		       const char *value)
{
	struct cr_digest *d;

	d = realloc(r->digest, (r->ndigest + 1) * sizeof(*d));
	if (d == NULL)
		return cr_error_set("out of memory");
	r->digest = d;
	d = &r->digest[r->ndigest];
	d->alg = strdup(alg);
	d->value = strdup(value);
	if (d->alg == NULL || d->value == NULL) {
		free(d->alg);
		free(d->value);
		return cr_error_set("out of memory");
	}
	r->ndigest++;
	return CR_OK;
}

/*
 * A resource's strings: key is the annotation a string value of which it
 * holds, NULL for the fields read elsewhere.
 */
static const struct {
	const char *key;
	size_t off;
} resource_strings[] = {
	{NULL, offsetof(struct cr_resource, name)},
	{NULL, offsetof(struct cr_resource, uri)},
	{NULL, offsetof(struct cr_resource, media_type)},
	{"path", offsetof(struct cr_resource, ann.path)},
	{"version", offsetof(struct cr_resource, ann.version)},
	{"kind", offsetof(struct cr_resource, ann.kind)},
	{"package", offsetof(struct cr_resource, ann.package)},
	{"packageVersion", offsetof(struct cr_resource, ann.package_version)},
	{"purl", offsetof(struct cr_resource, ann.purl)},
	{"packagesFrom", offsetof(struct cr_resource, ann.packages_from)},
	{"architecture", offsetof(struct cr_resource, ann.architecture)},
	{"packagesEncoding",
	 offsetof(struct cr_resource, ann.packages_encoding)},
	{NULL, offsetof(struct cr_resource, ann.packages_text)},
	{NULL, offsetof(struct cr_resource, ann.packages_problem)},
};
#define NSTRINGS (sizeof(resource_strings) / sizeof(*resource_strings))

/* The string field i of r. */
static char **
string_field(const struct cr_resource *r, size_t i)
{
	return (char **)((char *)r + resource_strings[i].off);
}

/* Frees a root's package list and empties it. */
static void
packages_clear(struct cr_resource *r)
{
	size_t i;

	for (i = 0; i < r->ann.npackages; i++) {
		free(r->ann.packages[i].name);
		free(r->ann.packages[i].version);
		free(r->ann.packages[i].arch);
		free(r->ann.packages[i].sha256);
	}
	free(r->ann.packages);
	r->ann.packages = NULL;
	r->ann.npackages = 0;
}

void
cr_resource_clear(struct cr_resource *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < NSTRINGS; i++)
		free(*string_field(r, i));
	for (i = 0; i < r->ndigest; i++) {
		free(r->digest[i].alg);
		free(r->digest[i].value);
	}
	free(r->digest);
	packages_clear(r);
	json_decref(r->ann.recipe);
	json_decref(r->ann.more);
	memset(r, 0, sizeof(*r));
}

void
cr_resources_free(struct cr_resource *r, size_t n)
{
	size_t i;

	for (i = 0; r != NULL && i < n; i++)
		cr_resource_clear(&r[i]);
	free(r);
}

int
cr_statement_token(const char *s, size_t max)
{
	size_t n = 0;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s; s++, n++)
		if (n >= max || (unsigned char)*s <= 0x20 ||
		    (unsigned char)*s >= 0x7f || *s == '/')
			return 0;
	return 1;
}

int
cr_resource_add_package(struct cr_resource *r, const char *name,
			const char *version, const char *arch,
			const char *sha256)
{
	struct cr_package *p;

	if (r->ann.npackages >= CR_STATEMENT_MAX_PACKAGES)
		return cr_error_set("more than %u packages",
				    CR_STATEMENT_MAX_PACKAGES);
	/* Grown by doubling: n appends cost n log n, not n^2. */
	if ((r->ann.npackages & (r->ann.npackages - 1)) == 0) {
		p = realloc(r->ann.packages,
			    (r->ann.npackages ? 2 * r->ann.npackages : 1) *
				    sizeof(*p));
		if (p == NULL)
			return cr_error_set("out of memory");
		r->ann.packages = p;
	}
	r->ann.has_packages = 1;
	p = &r->ann.packages[r->ann.npackages];
	memset(p, 0, sizeof(*p));
	if ((p->name = strdup(name)) == NULL ||
	    (p->version = strdup(version)) == NULL ||
	    (p->arch = strdup(arch)) == NULL ||
	    (sha256 != NULL && (p->sha256 = strdup(sha256)) == NULL)) {
		free(p->name);
		free(p->version);
		free(p->arch);
		return cr_error_set("out of memory");
	}
	r->ann.npackages++;
	return CR_OK;
}

int
cr_resource_copy(struct cr_resource *dst, const struct cr_resource *src)
{
	const struct cr_package *p;
	size_t i;
	int err;

	cr_resource_clear(dst);
	for (i = 0; i < src->ndigest; i++)
		if ((err = cr_resource_add_digest(dst, src->digest[i].alg,
						  src->digest[i].value)) < 0)
			goto fail;
	for (i = 0; i < src->ann.npackages; i++) {
		p = &src->ann.packages[i];
		if ((err = cr_resource_add_package(dst, p->name, p->version,
						   p->arch, p->sha256)) < 0)
			goto fail;
	}
	for (i = 0; i < NSTRINGS; i++)
		if ((err = cr_resource_set(string_field(dst, i),
					   *string_field(src, i))) < 0)
			goto fail;
	dst->has_annotations = src->has_annotations;
	dst->uri_last = src->uri_last;
	dst->ann.has_packages = src->ann.has_packages;
	dst->ann.recipe = json_incref(src->ann.recipe);
	dst->ann.more = json_incref(src->ann.more);
	return CR_OK;
fail:
	cr_resource_clear(dst);
	return err;
}

/* The string values of a digest set, in order; anything else is skipped. */
static int
decode_digests(struct cr_resource *r, json_t *d)
{
	const char *alg;
	json_t *v;
	int err;

	json_object_foreach(d, alg, v)
	{
		if (json_is_string(v) &&
		    (err = cr_resource_add_digest(r, alg,
						  json_string_value(v))) < 0)
			return err;
	}
	return CR_OK;
}

/* A package's .deb digest, {"sha256": a string}, else NULL (not read). */
static const char *
package_sha256(json_t *p)
{
	json_t *d = json_object_get(p, "digest");

	return json_string_value(json_object_get(d, "sha256"));
}

/*
 * A root's package list: objects whose name, version and architecture are
 * tokens. The first problem, in list order, is kept in packages_problem
 * (the list is then empty): the root readers refuse it, other readers
 * never look.
 */
static int
decode_packages(struct cr_resource *r, json_t *v)
{
	const char *n, *ver, *a;
	char *why = NULL;
	json_t *p;
	size_t i;
	int err = CR_OK;

	if (json_is_string(v) &&
	    (err = cr_resource_set(&r->ann.packages_text,
				   json_string_value(v))) < 0)
		return err;
	if (!json_is_array(v)) {
		why = strdup("annotations.packages is not a list");
		goto problem;
	}
	r->ann.has_packages = 1;
	json_array_foreach(v, i, p)
	{
		n = json_string_value(json_object_get(p, "name"));
		ver = json_string_value(json_object_get(p, "version"));
		a = json_string_value(json_object_get(p, "architecture"));
		if (!cr_statement_token(n, CR_STATEMENT_MAX_TOKEN) ||
		    !cr_statement_token(ver, CR_STATEMENT_MAX_TOKEN) ||
		    !cr_statement_token(a, CR_STATEMENT_MAX_ARCH)) {
			if (asprintf(&why, "package %zu is malformed", i + 1) <
			    0)
				why = NULL;
			goto problem;
		}
		if (i >= CR_STATEMENT_MAX_PACKAGES) {
			if (asprintf(&why, "more than %u packages",
				     CR_STATEMENT_MAX_PACKAGES) < 0)
				why = NULL;
			goto problem;
		}
		if ((err = cr_resource_add_package(r, n, ver, a,
						   package_sha256(p))) < 0)
			return err;
	}
	return CR_OK;
problem:
	if (why == NULL)
		return cr_error_set("out of memory");
	free(r->ann.packages_problem);
	r->ann.packages_problem = why;
	packages_clear(r);
	return err;
}

/* One typed annotation: a string it knows, else kept in more. */
static int
decode_annotation(struct cr_resource *r, const char *k, json_t *v)
{
	size_t i;

	if (strcmp(k, "packages") == 0)
		return decode_packages(r, v);
	if (strcmp(k, "recipe") == 0 && json_is_object(v)) {
		json_decref(r->ann.recipe);
		r->ann.recipe = json_incref(v);
		return CR_OK;
	}

	for (i = 0; json_is_string(v) && i < NSTRINGS; i++)
		if (resource_strings[i].key != NULL &&
		    strcmp(k, resource_strings[i].key) == 0)
			return cr_resource_set(string_field(r, i),
					       json_string_value(v));
	if (r->ann.more == NULL && (r->ann.more = json_object()) == NULL)
		return cr_error_set("out of memory");
	if (json_object_set(r->ann.more, k, v) < 0)
		return cr_error_set("out of memory");
	return CR_OK;
}

/*
 * A resource descriptor as its readers read it: a field of another type
 * than a string (an object for digest and annotations) is absent.
 */
static int
decode_resource(struct cr_resource *r, json_t *o)
{
	const char *k;
	json_t *v;
	int err, seen_ann = 0;

	json_object_foreach(o, k, v)
	{
		err = CR_OK;
		if (strcmp(k, "name") == 0 && json_is_string(v))
			err = cr_resource_set(&r->name, json_string_value(v));
		else if (strcmp(k, "uri") == 0 && json_is_string(v)) {
			err = cr_resource_set(&r->uri, json_string_value(v));
			r->uri_last = seen_ann;
		} else if (strcmp(k, "mediaType") == 0 && json_is_string(v))
			err = cr_resource_set(&r->media_type,
					      json_string_value(v));
		else if (strcmp(k, "digest") == 0)
			err = decode_digests(r, v);
		else if (strcmp(k, "annotations") == 0 && json_is_object(v)) {
			const char *ak;
			json_t *av;

			seen_ann = r->has_annotations = 1;
			json_object_foreach(v, ak, av)
			{
				if ((err = decode_annotation(r, ak, av)) < 0)
					break;
			}
		}
		if (err < 0)
			return err;
	}
	return CR_OK;
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

/* CR_ERROR unless a subject's digest set is {"sha256": a string}. */
static int
subject_digest_only_sha256(json_t *digest, const char *name, size_t i)
{
	const char *alg;
	json_t *v;

	if (!json_is_string(json_object_get(digest, "sha256")))
		return cr_error_set("%s: subject %zu has no sha256 digest; "
				    "verify checks subjects by sha256",
				    name, i);
	json_object_foreach(digest, alg, v)
	{
		(void)v;
		if (strcmp(alg, "sha256") != 0)
			return cr_error_set(
				"%s: subject %zu: a '%.40s' digest beside "
				"sha256 is refused: verify checks only sha256, "
				"and another tool could match the subject by "
				"the other",
				name, i, alg);
	}
	return CR_OK;
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
		/*
		 * Every subject is checked by its sha256, and by nothing else:
		 * a subject without one, or with a digest of another
		 * algorithm beside it, could name to a tool that matches by
		 * that digest a file verify never compared (two "out.bin", one
		 * by sha256 and one by sha512).
		 */
		if ((err = subject_digest_only_sha256(digest, name, i)) < 0)
			return err;
		hex = get_string(digest, "sha256");
		if (hex == NULL || strlen(hex) != CR_SHA256_HEXLEN ||
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
	return CR_OK;
}

/*
 * The one resolvedDependencies entry named dname, in *out (NULL when there
 * is none), with its digest.gitTree in md: two of one name are refused (a
 * checker and a SLSA consumer could read different ones), and so is one
 * without a well-formed gitTree.
 */
static int
named_tree(json_t **out, unsigned char md[CR_SHA256_LEN], json_t *deps,
	   const char *dname, const char *name)
{
	json_t *dep, *v;
	const char *n, *hex;
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
	if (*out == NULL)
		return CR_OK;
	v = json_object_get(json_object_get(*out, "digest"), CR_DIGEST_GITTREE);
	if (v == NULL)
		return cr_error_set("%s: the \"%s\" dependency has no "
				    "digest.gitTree",
				    name, dname);
	hex = json_string_value(v);
	if (hex == NULL || strlen(hex) != CR_SHA256_HEXLEN ||
	    cr_hex_decode(md, CR_SHA256_LEN, hex) < 0)
		return cr_error_set(
			"%s: the \"%s\" dependency's digest.gitTree "
			"is not a SHA-256 digest (64 hex digits)",
			name, dname);
	return CR_OK;
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

	if ((err = named_tree(&dep, md, deps, CR_STATEMENT_ROOTFS, name)) < 0)
		return err;
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
	    (err = named_tree(&dep, st->tree, deps, "source", name)) < 0)
		return err;
	if (dep == NULL)
		return CR_OK;
	if ((err = source_agrees(ext, dep, name)) < 0)
		return err;
	st->has_tree = 1;
	commit = get_string(json_object_get(dep, "digest"), "gitCommit");
	if (commit != NULL && strlen(commit) <= CR_SHA256_HEXLEN)
		strcpy(st->commit, commit);
	return CR_OK;
}

/* ---- decoding the provenance ----------------------------------------- */

/* What a decoded statement owns besides its JSON. */
struct store {
	void **ptrs;
	size_t n, cap;
	unsigned char source_sha256[CR_SHA256_LEN];
	unsigned char recipe_sha256[CR_SHA256_LEN];
	struct cr_resource rootfs; /* externalParameters.rootfs's digest */
};

static void
store_free(struct store *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		free(s->ptrs[i]);
	free(s->ptrs);
	cr_resource_clear(&s->rootfs);
	free(s);
}

/* Hands p to the store (freed with the statement); NULL when out of memory. */
static void *
keep(struct store *s, void *p)
{
	void **n;

	if (p == NULL)
		return NULL;
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		if ((n = realloc(s->ptrs, s->cap * sizeof(*n))) == NULL) {
			free(p);
			return NULL;
		}
		s->ptrs = n;
	}
	s->ptrs[s->n++] = p;
	return p;
}

/* Records the first reason the recorded recipe cannot be used. */
static int problem(struct cr_statement *st, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
problem(struct cr_statement *st, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (st->recipe_problem != NULL)
		return CR_OK;
	va_start(ap, fmt);
	n = vasprintf(&st->recipe_problem, fmt, ap);
	va_end(ap);
	if (n < 0) {
		st->recipe_problem = NULL;
		return cr_error_set("out of memory");
	}
	return CR_OK;
}

/*
 * A list of strings (NULL-terminated, in the store) in *out; absent or
 * malformed: *out NULL and the problem recorded, unless allow_missing and
 * absent.
 */
static int
decode_list(char *const **out, struct cr_statement *st, json_t *a,
	    int allow_missing, const char *what)
{
	struct store *s = st->store;
	const char **list;
	json_t *v;
	size_t i;

	*out = NULL;
	if (a == NULL && allow_missing)
		return CR_OK;
	if (!json_is_array(a) || json_array_size(a) > CR_STATEMENT_MAX_LIST)
		return problem(st, "no usable %s in the statement", what);
	list = keep(s, calloc(json_array_size(a) + 1, sizeof(*list)));
	if (list == NULL)
		return cr_error_set("out of memory");
	json_array_foreach(a, i, v)
	{
		if (!json_is_string(v))
			return problem(st, "%s holds a non-string", what);
		list[i] = json_string_value(v);
	}
	*out = (char *const *)list;
	return CR_OK;
}

/* env as NAME=VALUE strings in the store. */
static int
decode_env(struct cr_statement *st, json_t *env)
{
	struct store *s = st->store;
	const char *k;
	char **list;
	json_t *v;
	size_t i = 0;

	if (env == NULL)
		return CR_OK;
	if (!json_is_object(env))
		return problem(st, "env is not an object");
	if ((list = keep(s, calloc(json_object_size(env) + 1,
				   sizeof(*list)))) == NULL)
		return cr_error_set("out of memory");
	json_object_foreach(env, k, v)
	{
		if (!json_is_string(v))
			return problem(st, "env %s is not a string", k);
		if (asprintf(&list[i], "%s=%s", k, json_string_value(v)) < 0 ||
		    keep(s, list[i]) == NULL)
			return cr_error_set("out of memory");
		i++;
	}
	st->prov.external.env = list;
	return CR_OK;
}

/* A boolean choice: 1 true, 0 anything else, -1 absent. */
static int
tri(json_t *v)
{
	return v == NULL ? -1 : json_is_true(v);
}

/*
 * externalParameters, and where statements made before the user's choices
 * moved there kept them (internalParameters).
 */
static int
decode_external(struct cr_statement *st, json_t *ext, json_t *inp)
{
	struct cr_external *e = &st->prov.external;
	struct store *s = st->store;
	json_t *src = json_object_get(ext, "source"), *v, *rec;
	const char *hex;
	int err;

	e->source_kind = get_string(src, "kind");
	e->source_uri = get_string(src, "uri");
	e->source_revision = get_string(src, "revision");
	e->source_date_epoch = -1;
	if ((err = decode_list(&e->command, st, json_object_get(ext, "command"),
			       0, "command")) < 0 ||
	    (err = decode_list(&e->artifacts, st,
			       json_object_get(ext, "artifacts"), 0,
			       "artifacts")) < 0 ||
	    (err = decode_list(&e->tools, st, json_object_get(ext, "tools"), 1,
			       "tools")) < 0)
		return err;
	if (e->command != NULL && e->command[0] == NULL &&
	    (err = problem(st, "the recorded command is empty")) < 0)
		return err;
	if ((err = decode_env(st, json_object_get(ext, "env"))) < 0)
		return err;
	if ((v = json_object_get(ext, "sourceDateEpoch")) == NULL)
		v = json_object_get(inp, "SOURCE_DATE_EPOCH");
	if (json_is_integer(v) && json_integer_value(v) >= 0)
		e->source_date_epoch = json_integer_value(v);
	else if ((err = problem(st, "no SOURCE_DATE_EPOCH recorded")) < 0)
		return err;
	/* Statements from before the recipe was recorded: the command line. */
	rec = json_object_get(ext, "recipe");
	e->recipe_source = get_string(rec, "source");
	if (rec != NULL && e->recipe_source == NULL &&
	    (err = problem(st, "recipe names no source")) < 0)
		return err;
	if (e->recipe_source != NULL &&
	    strcmp(e->recipe_source, "cleanroom.json") == 0) {
		hex = get_string(json_object_get(rec, "digest"), "sha256");
		if (hex != NULL && strlen(hex) == CR_SHA256_HEXLEN &&
		    cr_hex_decode(s->recipe_sha256, CR_SHA256_LEN, hex) == 0)
			e->recipe_sha256 = s->recipe_sha256;
		else if (hex != NULL &&
			 (err = problem(st, "recipe digest is not 64 hex "
					    "digits")) < 0)
			return err;
	} else if (e->recipe_source != NULL &&
		   strcmp(e->recipe_source, "command-line") != 0 &&
		   (err = problem(st,
				  "recipe source '%.64s' is neither "
				  "cleanroom.json nor command-line",
				  e->recipe_source)) < 0) {
		return err;
	}
	if ((v = json_object_get(ext, "fakeClock")) == NULL)
		v = json_object_get(json_object_get(inp, "sandbox"),
				    "fakeClock");
	e->fake_clock = tri(v);
	if ((v = json_object_get(ext, "normalize")) == NULL)
		v = json_object_get(inp, "normalize");
	e->normalize = tri(v);
	v = json_object_get(ext, "rootfs");
	if (json_is_string(v) && strcmp(json_string_value(v), "host") == 0) {
		e->rootfs = CR_ROOTFS_HOST;
	} else if (json_is_object(v)) {
		if ((err = decode_digests(&s->rootfs,
					  json_object_get(v, "digest"))) < 0)
			return err;
		e->rootfs = CR_ROOTFS_GIVEN;
		e->rootfs_digest = s->rootfs.digest;
		e->nrootfs_digest = s->rootfs.ndigest;
	}
	return CR_OK;
}

/* The strings of a list (in the store), or NULL when it is not one. */
static int
decode_strings(const char *const **out, struct store *s, json_t *a)
{
	const char **list;
	json_t *v;
	size_t i, n = 0;

	*out = NULL;
	if (!json_is_array(a))
		return CR_OK;
	if ((list = keep(s, calloc(json_array_size(a) + 1, sizeof(*list)))) ==
	    NULL)
		return cr_error_set("out of memory");
	json_array_foreach(a, i, v)
	{
		if (json_is_string(v))
			list[n++] = json_string_value(v);
	}
	*out = list;
	return CR_OK;
}

/* An object of strings as NAME=VALUE (in the store), or NULL. */
static int
decode_pairs(const char *const **out, struct store *s, json_t *o)
{
	const char **list, *k;
	json_t *v;
	size_t n = 0;
	char *pair;

	*out = NULL;
	if (!json_is_object(o))
		return CR_OK;
	if ((list = keep(s, calloc(json_object_size(o) + 1, sizeof(*list)))) ==
	    NULL)
		return cr_error_set("out of memory");
	json_object_foreach(o, k, v)
	{
		if (!json_is_string(v))
			continue;
		if (asprintf(&pair, "%s=%s", k, json_string_value(v)) < 0 ||
		    (list[n++] = keep(s, pair)) == NULL)
			return cr_error_set("out of memory");
	}
	*out = list;
	return CR_OK;
}

/* internalParameters, as written by cr_statement_encode(). */
static int
decode_internal(struct cr_statement *st, json_t *ip)
{
	struct cr_internal *in = &st->prov.internal;
	struct store *s = st->store;
	json_t *sb = json_object_get(ip, "sandbox"), *sc, *norms, *v;
	struct cr_normalization *list;
	size_t i;
	int err;

	in->build_path = get_string(ip, "buildPath");
	sc = json_object_get(sb, "seccomp");
	v = json_object_get(sb, "rootDirs");
	in->sandbox.network = get_string(sb, "network");
	in->sandbox.root = get_string(sb, "root");
	in->sandbox.root_dirs_word = get_string(sb, "rootDirs");
	in->sandbox.var = get_string(sb, "var");
	in->sandbox.sys = get_string(sb, "sys");
	in->sandbox.proc = get_string(sb, "proc");
	in->sandbox.hostname = get_string(sb, "hostname");
	in->sandbox.home = get_string(sb, "home");
	in->sandbox.tmpdir = get_string(sb, "tmpdir");
	in->sandbox.path = get_string(sb, "PATH");
	in->sandbox.umask = get_string(sb, "umask");
	in->sandbox.keyring = get_string(sb, "keyring");
	in->sandbox.seccomp.clone3 = get_string(sc, "clone3");
	in->sandbox.seccomp.other_architectures =
		get_string(sc, "otherArchitectures");
	if ((err = decode_strings(&in->sandbox.namespaces, s,
				  json_object_get(sb, "namespaces"))) < 0 ||
	    (err = decode_strings(&in->sandbox.root_dirs, s, v)) < 0 ||
	    (err = decode_strings(&in->sandbox.hidden, s,
				  json_object_get(sb, "hidden"))) < 0 ||
	    (err = decode_strings(&in->sandbox.seccomp.deny, s,
				  json_object_get(sc, "deny"))) < 0 ||
	    (err = decode_strings(&in->sandbox.seccomp.deny_namespace_flags, s,
				  json_object_get(sc, "denyNamespaceFlags"))) <
		    0 ||
	    (err = decode_strings(&in->sandbox.seccomp.deny_ioctl, s,
				  json_object_get(sc, "denyIoctl"))) < 0 ||
	    (err = decode_pairs(&in->sandbox.fake_clock_env, s,
				json_object_get(sb, "fakeClockEnv"))) < 0)
		return err;
	norms = json_object_get(ip, "normalizations");
	if (!json_is_array(norms))
		return CR_OK;
	if ((list = keep(s, calloc(json_array_size(norms) + 1,
				   sizeof(*list)))) == NULL)
		return cr_error_set("out of memory");
	json_array_foreach(norms, i, v)
	{
		json_t *kept = json_object_get(v, "kept");

		list[i].artifact = get_string(v, "artifact");
		list[i].format = get_string(v, "format");
		if (json_is_integer(kept) && json_integer_value(kept) > 0)
			list[i].kept = json_integer_value(kept);
		if ((err = decode_strings(&list[i].steps, s,
					  json_object_get(v, "steps"))) < 0)
			return err;
	}
	in->normalizations = list;
	in->nnormalizations = json_array_size(norms);
	return CR_OK;
}

/* An ISO 8601 UTC time as written (2024-01-01T00:00:00Z); -1 otherwise. */
static int64_t
parse_time(const char *s)
{
	struct tm tm = {0};
	char z = 0;
	int n = 0;

	if (s == NULL ||
	    sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c%n", &tm.tm_year, &tm.tm_mon,
		   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z,
		   &n) != 7 ||
	    z != 'Z' || s[n] != '\0')
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

/* A list of resource descriptors; a non-list is none. */
static int
decode_resources(struct cr_resource **out, size_t *n, json_t *list)
{
	json_t *v;
	size_t i;
	int err;

	*out = NULL;
	*n = 0;
	if (!json_is_array(list))
		return CR_OK;
	if ((*out = calloc(json_array_size(list) + 1, sizeof(**out))) == NULL)
		return cr_error_set("out of memory");
	json_array_foreach(list, i, v)
	{
		(*n)++;
		if ((err = decode_resource(&(*out)[i], v)) < 0)
			return err;
	}
	return CR_OK;
}

/* runDetails: builder, metadata and byproducts. */
static int
decode_run(struct cr_statement *st, json_t *run)
{
	struct cr_provenance *p = &st->prov;
	json_t *meta = json_object_get(run, "metadata");
	json_t *by = json_object_get(run, "byproducts");
	struct cr_resource *list;
	size_t n;
	int err;

	p->builder_id = get_string(json_object_get(run, "builder"), "id");
	p->builder_version = get_string(
		json_object_get(json_object_get(run, "builder"), "version"),
		"cleanroom");
	p->invocation_id = get_string(meta, "invocationId");
	p->started = parse_time(get_string(meta, "startedOn"));
	p->finished = parse_time(get_string(meta, "finishedOn"));
	if (!json_is_array(by))
		return CR_OK;
	err = decode_resources(&list, &n, by);
	st->prov.byproducts = list;
	st->prov.nbyproducts = n;
	return err;
}

/* Everything cr_statement_parse() checked, typed into st->prov. */
static int
decode_provenance(struct cr_statement *st, json_t *pred)
{
	struct cr_provenance *p = &st->prov;
	json_t *def = json_object_get(pred, "buildDefinition"), *inp;
	struct cr_resource *list;
	struct store *s;
	const char *hex;
	size_t i;
	int err;

	if ((st->store = s = calloc(1, sizeof(*s))) == NULL)
		return cr_error_set("out of memory");
	cr_provenance_init(p);
	p->build_type = st->build_type;
	p->subjects = st->subjects;
	p->nsubjects = st->nsubjects;
	memcpy(p->tree, st->tree, CR_SHA256_LEN);
	p->commit = st->commit[0] ? st->commit : NULL;
	inp = json_object_get(def, "internalParameters");
	if ((err = decode_external(st,
				   json_object_get(def, "externalParameters"),
				   inp)) < 0 ||
	    (err = decode_internal(st, inp)) < 0 ||
	    (err = decode_resources(
		     &st->deps, &st->ndeps,
		     json_object_get(def, "resolvedDependencies"))) < 0 ||
	    (err = decode_run(st, json_object_get(pred, "runDetails"))) < 0)
		return err;
	/*
	 * The source's entry is written from the source fields: the others,
	 * in order, are shallow copies (st->deps owns their strings).
	 */
	if ((list = keep(s, calloc(st->ndeps + 1, sizeof(*list)))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < st->ndeps; i++)
		if (st->deps[i].name == NULL ||
		    strcmp(st->deps[i].name, "source") != 0)
			list[p->ndeps++] = st->deps[i];
	p->deps = list;
	for (i = 0; i < st->ndeps; i++) {
		if (st->deps[i].name == NULL ||
		    strcmp(st->deps[i].name, "source") != 0)
			continue;
		hex = cr_resource_digest(&st->deps[i], "sha256");
		if (hex != NULL && strlen(hex) == CR_SHA256_HEXLEN &&
		    cr_hex_decode(s->source_sha256, CR_SHA256_LEN, hex) == 0)
			p->source_sha256 = s->source_sha256;
	}
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
	    (err = parse_source(st, pred, name)) < 0 ||
	    (err = decode_provenance(st, pred)) < 0)
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
	cr_resources_free(st->deps, st->ndeps);
	cr_resources_free((struct cr_resource *)st->prov.byproducts,
			  st->prov.nbyproducts);
	free(st->recipe_problem);
	store_free(st->store);
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
