/* The statement encoder: a typed provenance to the in-toto Statement v1 JSON attest signs. */
#include "statement.h"
#include "error.h"
#include "util.h"
#include "text.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* The digest set of a resource, in the order written. */
static json_t *
digest_set(const struct cr_digest *d, size_t n)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; o != NULL && i < n; i++)
		if (json_object_set_new(o, d[i].alg, json_string(d[i].value)) <
		    0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

/* Sets key to a copy of s when s is not NULL. */
static int
set_opt(json_t *obj, const char *key, const char *s)
{
	return s == NULL ? CR_OK : set_new(obj, key, json_string(s));
}

/* A root's package list: name, version, architecture, the .deb's digest. */
static json_t *
package_list(const struct cr_package *p, size_t n)
{
	json_t *list = json_array(), *o;
	size_t i;

	for (i = 0; list != NULL && i < n; i++) {
		o = json_pack("{s:s, s:s, s:s}", "name", p[i].name, "version",
			      p[i].version, "architecture", p[i].arch);
		if (o != NULL && p[i].sha256 != NULL &&
		    json_object_set_new(
			    o, "digest",
			    json_pack("{s:s}", "sha256", p[i].sha256)) < 0) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(list, o) < 0) {
			json_decref(list);
			return NULL;
		}
	}
	return list;
}

/*
 * A tool's or a file's annotations, then a root's: a given root writes
 * packages, packagesFrom, recipe; the host's packagesFrom, architecture,
 * packagesEncoding, packages.
 */
static int
encode_annotations(json_t **out, const struct cr_resource *r)
{
	json_t *a;
	int err;

	if ((*out = a = json_object()) == NULL)
		return cr_error_set("statement: out of memory");
	if ((err = set_opt(a, "path", r->ann.path)) < 0 ||
	    (err = set_opt(a, "version", r->ann.version)) < 0 ||
	    (err = set_opt(a, "kind", r->ann.kind)) < 0 ||
	    (err = set_opt(a, "package", r->ann.package)) < 0 ||
	    (err = set_opt(a, "packageVersion", r->ann.package_version)) < 0 ||
	    (err = set_opt(a, "purl", r->ann.purl)) < 0 ||
	    (r->ann.has_packages &&
	     (err = set_new(a, "packages",
			    package_list(r->ann.packages, r->ann.npackages))) <
		     0) ||
	    (err = set_opt(a, "packagesFrom", r->ann.packages_from)) < 0 ||
	    (err = set_opt(a, "architecture", r->ann.architecture)) < 0 ||
	    (err = set_opt(a, "packagesEncoding", r->ann.packages_encoding)) <
		    0 ||
	    (!r->ann.has_packages &&
	     (err = set_opt(a, "packages", r->ann.packages_text)) < 0) ||
	    (r->ann.recipe != NULL &&
	     (err = set_new(a, "recipe", json_incref(r->ann.recipe))) < 0))
		return err;
	if (r->ann.more != NULL && json_object_update(a, r->ann.more) < 0)
		return cr_error_set("statement: out of memory");
	return CR_OK;
}

/* A resource descriptor: name, uri, digest, mediaType, annotations. */
static int
encode_resource(json_t *list, const struct cr_resource *r)
{
	json_t *o, *ann = NULL;
	int err;

	if ((o = json_object()) == NULL || json_array_append_new(list, o) < 0)
		return cr_error_set("statement: out of memory");
	if ((err = set_opt(o, "name", r->name)) < 0 ||
	    (!r->uri_last && (err = set_opt(o, "uri", r->uri)) < 0) ||
	    (err = set_new(o, "digest", digest_set(r->digest, r->ndigest))) <
		    0 ||
	    (err = set_opt(o, "mediaType", r->media_type)) < 0)
		return err;
	if (r->has_annotations) {
		err = encode_annotations(&ann, r);
		if (err < 0) {
			json_decref(ann);
			return err;
		}
		if ((err = set_new(o, "annotations", ann)) < 0)
			return err;
	}
	if (r->uri_last && (err = set_opt(o, "uri", r->uri)) < 0)
		return err;
	return CR_OK;
}

/* The source's dependency (see struct cr_provenance). */
static int
source_dependency(json_t **out, const struct cr_provenance *p)
{
	const char *uri = p->external.source_uri;
	json_t *dep, *digest;
	char *pinned = NULL;
	int ok;

	*out = NULL;
	if (uri != NULL && p->commit != NULL && strncmp(uri, "git+", 4) == 0) {
		if (asprintf(&pinned, "%s@%s", uri, p->commit) < 0)
			return cr_error_set("statement: out of memory");
		uri = pinned;
	}
	digest = digest_object("gitTree", p->tree);
	dep = json_pack("{s:s, s:s*, s:o*}", "name", "source", "uri", uri,
			"digest", digest);
	ok = dep != NULL &&
	     (p->commit == NULL ||
	      json_object_set_new(digest, "gitCommit",
				  json_string(p->commit)) == 0) &&
	     (p->source_sha256 == NULL ||
	      json_object_set_new(digest, "sha256",
				  hex_string(p->source_sha256)) == 0);
	free(pinned);
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

static int
encode_subjects(json_t *root, const struct cr_provenance *p)
{
	json_t *subjects, *s;
	const char *why;
	size_t i, j;
	int err;

	if ((err = set_new(root, "subject", subjects = json_array())) < 0)
		return err;
	for (i = 0; i < p->nsubjects; i++) {
		if ((why = cr_statement_name_problem(p->subjects[i].name)) !=
		    NULL)
			return cr_error_set(
				"statement: subject name '%.200s' "
				"%s; a subject is a relative path "
				"without '.', '..' or empty "
				"segments",
				why[0] != 'h' ? p->subjects[i].name : "", why);
		for (j = 0; j < i; j++)
			if (cr_statement_name_cmp(p->subjects[j].name,
						  p->subjects[i].name) == 0)
				return cr_error_set("statement: subject '%s' "
						    "given twice (names are "
						    "compared ignoring ASCII "
						    "case)",
						    p->subjects[i].name);
		s = json_pack("{s:s, s:o*}", "name", p->subjects[i].name,
			      "digest",
			      digest_object("sha256", p->subjects[i].sha256));
		if (s == NULL || json_array_append_new(subjects, s) < 0)
			return cr_error_set("statement: subject '%s' cannot be "
					    "encoded (not UTF-8?)",
					    p->subjects[i].name);
	}
	return CR_OK;
}

static int
encode_external(json_t *def, const struct cr_external *e)
{
	json_t *ext, *src, *rec, *rootfs;
	int err;

	if ((err = set_new(def, "externalParameters", ext = json_object())) <
		    0 ||
	    (err = set_new(ext, "source", src = json_object())) < 0 ||
	    (err = set_opt(src, "kind", e->source_kind)) < 0 ||
	    (err = set_opt(src, "uri", e->source_uri)) < 0 ||
	    (err = set_opt(src, "revision", e->source_revision)) < 0)
		return err;
	if (e->command != NULL &&
	    (err = set_new(ext, "command", string_array(e->command))) < 0)
		return err;
	if (e->artifacts != NULL &&
	    (err = set_new(ext, "artifacts", string_array(e->artifacts))) < 0)
		return err;
	if (e->tools != NULL && e->tools[0] != NULL &&
	    (err = set_new(ext, "tools", string_array(e->tools))) < 0)
		return err;
	if (e->env != NULL &&
	    (err = set_new(ext, "env", env_object(e->env))) < 0)
		return err;
	if (e->recipe_source != NULL) {
		rec = json_pack("{s:s}", "source", e->recipe_source);
		if ((err = set_new(ext, "recipe", rec)) < 0 ||
		    (e->recipe_sha256 != NULL &&
		     (err = set_new(
			      rec, "digest",
			      digest_object("sha256", e->recipe_sha256))) < 0))
			return err;
	}
	if (e->source_date_epoch >= 0 &&
	    (err = set_new(ext, "sourceDateEpoch",
			   json_integer((json_int_t)e->source_date_epoch))) < 0)
		return err;
	if (e->fake_clock >= 0 &&
	    (err = set_new(ext, "fakeClock", json_boolean(e->fake_clock))) < 0)
		return err;
	if (e->normalize >= 0 &&
	    (err = set_new(ext, "normalize", json_boolean(e->normalize))) < 0)
		return err;
	if (e->rootfs == CR_ROOTFS_HOST)
		return set_new(ext, "rootfs", json_string("host"));
	if (e->rootfs == CR_ROOTFS_GIVEN) {
		rootfs = json_pack(
			"{s:s, s:o*}", "name", "rootfs", "digest",
			digest_set(e->rootfs_digest, e->nrootfs_digest));
		return set_new(ext, "rootfs", rootfs);
	}
	return CR_OK;
}

/* Sets key to the list when it is not NULL. */
static int
set_list(json_t *obj, const char *key, const char *const *list)
{
	return list == NULL
		       ? CR_OK
		       : set_new(obj, key, string_array((char *const *)list));
}

static int
encode_sandbox(json_t *ip, const struct cr_internal *in)
{
	json_t *sb, *sc;
	int err;

	if ((err = set_new(ip, "sandbox", sb = json_object())) < 0 ||
	    (err = set_list(sb, "namespaces", in->sandbox.namespaces)) < 0 ||
	    (err = set_opt(sb, "network", in->sandbox.network)) < 0 ||
	    (err = set_opt(sb, "root", in->sandbox.root)) < 0 ||
	    (err = set_opt(sb, "rootDirs", in->sandbox.root_dirs_word)) < 0 ||
	    (in->sandbox.root_dirs_word == NULL &&
	     (err = set_list(sb, "rootDirs", in->sandbox.root_dirs)) < 0) ||
	    (err = set_list(sb, "hidden", in->sandbox.hidden)) < 0 ||
	    (err = set_opt(sb, "var", in->sandbox.var)) < 0 ||
	    (err = set_opt(sb, "sys", in->sandbox.sys)) < 0 ||
	    (err = set_opt(sb, "proc", in->sandbox.proc)) < 0 ||
	    (err = set_opt(sb, "hostname", in->sandbox.hostname)) < 0 ||
	    (err = set_opt(sb, "home", in->sandbox.home)) < 0 ||
	    (err = set_opt(sb, "tmpdir", in->sandbox.tmpdir)) < 0 ||
	    (err = set_opt(sb, "PATH", in->sandbox.path)) < 0 ||
	    (err = set_opt(sb, "umask", in->sandbox.umask)) < 0 ||
	    (err = set_opt(sb, "keyring", in->sandbox.keyring)) < 0)
		return err;
	if (in->sandbox.seccomp.deny != NULL &&
	    ((err = set_new(sb, "seccomp", sc = json_object())) < 0 ||
	     (err = set_list(sc, "deny", in->sandbox.seccomp.deny)) < 0 ||
	     (err = set_list(sc, "denyNamespaceFlags",
			     in->sandbox.seccomp.deny_namespace_flags)) < 0 ||
	     (err = set_opt(sc, "clone3", in->sandbox.seccomp.clone3)) < 0 ||
	     (err = set_list(sc, "denyIoctl", in->sandbox.seccomp.deny_ioctl)) <
		     0 ||
	     (err = set_opt(sc, "otherArchitectures",
			    in->sandbox.seccomp.other_architectures)) < 0))
		return err;
	if (in->sandbox.fake_clock_env != NULL &&
	    (err = set_new(
		     sb, "fakeClockEnv",
		     env_object((char *const *)in->sandbox.fake_clock_env))) <
		    0)
		return err;
	return CR_OK;
}

static int
encode_internal(json_t *def, const struct cr_internal *in)
{
	const struct cr_normalization *n;
	json_t *ip, *list, *o;
	size_t i;
	int err;

	if ((err = set_new(def, "internalParameters", ip = json_object())) <
		    0 ||
	    (err = set_opt(ip, "buildPath", in->build_path)) < 0 ||
	    (in->sandbox.namespaces != NULL &&
	     (err = encode_sandbox(ip, in)) < 0))
		return err;
	if (in->normalizations == NULL)
		return CR_OK;
	if ((err = set_new(ip, "normalizations", list = json_array())) < 0)
		return err;
	for (i = 0; i < in->nnormalizations; i++) {
		n = &in->normalizations[i];
		if ((o = json_object()) == NULL ||
		    json_array_append_new(list, o) < 0)
			return cr_error_set("statement: out of memory");
		/* Members that look like containers but are kept as built. */
		if ((err = set_opt(o, "artifact", n->artifact)) < 0 ||
		    (err = set_opt(o, "format", n->format)) < 0 ||
		    (err = set_list(o, "steps", n->steps)) < 0 ||
		    (n->kept > 0 &&
		     (err = set_new(o, "kept",
				    json_integer((json_int_t)n->kept))) < 0))
			return err;
	}
	return CR_OK;
}

static int
encode_run(json_t *pred, const struct cr_provenance *p)
{
	json_t *run, *meta, *list;
	size_t i;
	int err;

	if ((err = set_new(pred, "runDetails", run = json_object())) < 0 ||
	    (err = set_new(
		     run, "builder",
		     json_pack("{s:s, s:{s:s}}", "id",
			       p->builder_id != NULL ? p->builder_id
			       : strcmp(p->build_type, CR_BUILDTYPE_SIGN) == 0
				       ? CR_BUILDER_ID_SIGN
				       : CR_BUILDER_ID_SANDBOX,
			       "version", "cleanroom",
			       p->builder_version != NULL ? p->builder_version
							  : CR_VERSION))) < 0 ||
	    (err = set_new(run, "metadata", meta = json_object())) < 0 ||
	    (err = invocation_id(meta, p->invocation_id)) < 0 ||
	    (err = set_new(meta, "startedOn", time_string(p->started))) < 0 ||
	    (err = set_new(meta, "finishedOn", time_string(p->finished))) < 0)
		return err;
	if (p->byproducts == NULL)
		return CR_OK;
	if ((err = set_new(run, "byproducts", list = json_array())) < 0)
		return err;
	for (i = 0; i < p->nbyproducts; i++)
		if ((err = encode_resource(list, &p->byproducts[i])) < 0)
			return err;
	return CR_OK;
}

int
cr_statement_encode(char **out, size_t *len, const struct cr_provenance *p)
{
	json_t *root = NULL, *pred, *def, *deps, *dep;
	char *text = NULL;
	size_t i;
	int err = CR_ERROR;

	*out = NULL;
	*len = 0;
	if ((root = json_object()) == NULL)
		return cr_error_set("statement: out of memory");
	if ((err = set_new(root, "_type", json_string(CR_STATEMENT_TYPE))) <
		    0 ||
	    (err = encode_subjects(root, p)) < 0 ||
	    (err = set_new(root, "predicateType",
			   json_string(CR_SLSA_PROVENANCE_V1))) < 0 ||
	    (err = set_new(root, "predicate", pred = json_object())) < 0 ||
	    (err = set_new(pred, "buildDefinition", def = json_object())) < 0 ||
	    (err = set_new(def, "buildType", json_string(p->build_type))) < 0 ||
	    (err = encode_external(def, &p->external)) < 0 ||
	    (err = encode_internal(def, &p->internal)) < 0)
		goto done;

	/* The source first, then whatever the build resolved. */
	if ((err = set_new(def, "resolvedDependencies", deps = json_array())) <
		    0 ||
	    (err = source_dependency(&dep, p)) < 0)
		goto done;
	if (json_array_append_new(deps, dep) < 0) {
		err = cr_error_set("statement: out of memory");
		goto done;
	}
	for (i = 0; i < p->ndeps; i++)
		if ((err = encode_resource(deps, &p->deps[i])) < 0)
			goto done;
	if ((err = encode_run(pred, p)) < 0)
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
