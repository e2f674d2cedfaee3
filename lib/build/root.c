/* Pinned Debian roots: ROOT.json, InRelease -> Packages -> .deb, tree hashes. */
#include "root.h"
#include "error.h"
#include "archive_policy.h"
#include "recipe.h"
#include "util.h"
#include "write.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>

extern char **environ;

#define MAX_FIELD 4096u	     /* a Packages or Release field we keep */
#define MAX_LINE (1u << 20)  /* any line of Packages or InRelease */
#define MAX_POOL_DEPTH 16u   /* directories below pool/ */
#define MAX_LIST (64u << 20) /* one dpkg .list file */
#define MAX_OWNED (4u << 20) /* files named by all .list files */
#define MAX_STDERR 4096u     /* kept of a helper's diagnostics */

/* ---- small helpers ------------------------------------------------------ */

static char *
dupstr(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int
hexfield(unsigned char *out, const char *hex, const char *file,
	 const char *what)
{
	if (hex == NULL || strlen(hex) != 2 * CR_SHA256_LEN ||
	    cr_hex_decode(out, CR_SHA256_LEN, hex) < 0)
		return cr_error_set("%s: %s: not 64 hex digits", file, what);
	return CR_OK;
}

/* A Debian name, version or architecture: printable, no space or '/'. */
static int
plain_token(const char *s, size_t max)
{
	return cr_statement_token(s, max);
}

/* A relative path without "." or ".." parts, for pool paths. */
static int
safe_relpath(const char *p)
{
	const char *s = p;
	size_t n;

	if (p == NULL || *p == '\0' || *p == '/' ||
	    strlen(p) > CR_TREE_MAX_PATH)
		return 0;
	while (*s) {
		n = strcspn(s, "/");
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return 0;
		s += n;
		if (*s == '/')
			s++;
	}
	return p[strlen(p) - 1] != '/';
}

static int
cmp_pkg(const void *a, const void *b)
{
	const struct cr_root_pkg *x = a, *y = b;
	int c;

	if ((c = strcmp(x->name, y->name)) != 0)
		return c;
	if ((c = strcmp(x->arch, y->arch)) != 0)
		return c;
	return strcmp(x->version, y->version);
}

/*
 * Sorts the n packages p and refuses one name and architecture listed
 * twice (dpkg installs one version of each): a list that says two versions
 * would let a comparison match either. file names the list.
 */
static int
pkgs_sort_once(struct cr_root_pkg *p, size_t n, const char *file)
{
	size_t i;

	if (n > 0)
		qsort(p, n, sizeof(*p), cmp_pkg);
	for (i = 1; i < n; i++)
		if (strcmp(p[i].name, p[i - 1].name) == 0 &&
		    strcmp(p[i].arch, p[i - 1].arch) == 0)
			return cr_error_set("%s: package %s:%s listed twice",
					    file, p[i].name, p[i].arch);
	return CR_OK;
}

static void
pkg_clear(struct cr_root_pkg *p)
{
	free(p->name);
	free(p->version);
	free(p->arch);
	free(p->filename);
	memset(p, 0, sizeof(*p));
}

int
cr_root_snapshot_time(int64_t *out, const char *s)
{
	struct tm tm = {0};
	const char *end;
	time_t t;

	if (s == NULL || strlen(s) < 15 || strlen(s) > 16)
		return cr_error_set("snapshot '%s': not YYYYMMDDTHHMMSSZ",
				    s ? s : "");
	end = strptime(s, "%Y%m%dT%H%M%S", &tm);
	if (end == NULL || !(*end == '\0' || (end[0] == 'Z' && !end[1])))
		return cr_error_set("snapshot '%s': not YYYYMMDDTHHMMSSZ", s);
	if ((t = timegm(&tm)) == (time_t)-1 || t < 0)
		return cr_error_set("snapshot '%s': not a time", s);
	*out = (int64_t)t;
	return CR_OK;
}

/* ---- ROOT.json ---------------------------------------------------------- */

void
cr_root_recipe_clear(struct cr_root_recipe *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->suite);
	free(r->snapshot);
	free(r->mirror);
	free(r->variant);
	free(r->arch);
	for (i = 0; i < r->ninclude; i++)
		free(r->include[i]);
	free(r->include);
	memset(r, 0, sizeof(*r));
}

void
cr_root_manifest_free(struct cr_root_manifest *m)
{
	size_t i;

	if (m == NULL)
		return;
	cr_root_recipe_clear(&m->recipe);
	free(m->release_date);
	for (i = 0; i < m->npkgs; i++)
		pkg_clear(&m->pkgs[i]);
	free(m->pkgs);
	free(m);
}

static json_t *
hexjson(const unsigned char *d)
{
	char hex[CR_SHA256_HEXLEN + 1];

	cr_hex_encode(hex, d, CR_SHA256_LEN);
	return json_string(hex);
}

json_t *
cr_root_manifest_json(const struct cr_root_manifest *m)
{
	const struct cr_root_recipe *r = &m->recipe;
	json_t *o = NULL, *rec, *inc, *pkgs, *p;
	char path[256];
	size_t i;

	if ((inc = json_array()) == NULL)
		return NULL;
	for (i = 0; i < r->ninclude; i++)
		if (json_array_append_new(inc, json_string(r->include[i])))
			goto fail;
	rec = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:o, s:I}", "tool",
			"mmdebstrap", "suite", r->suite, "snapshot",
			r->snapshot, "mirror", r->mirror, "variant", r->variant,
			"architecture", r->arch, "include", inc,
			"sourceDateEpoch", (json_int_t)r->source_date_epoch);
	inc = NULL;
	if (rec == NULL || (pkgs = json_array()) == NULL) {
		json_decref(rec);
		return NULL;
	}
	snprintf(path, sizeof(path), "main/binary-%s/Packages", r->arch);
	o = json_pack("{s:s, s:o, s:{s:o}, s:{s:o}, s:{s:{s:{s:o}, s:s}, "
		      "s:{s:s, s:{s:o}}}, s:o}",
		      "_type", CR_ROOT_TYPE, "recipe", rec, "tree", "gitTree",
		      hexjson(m->tree), "tar", "sha256", hexjson(m->tar),
		      "archive", "inRelease", "digest", "sha256",
		      hexjson(m->release), "date",
		      m->release_date ? m->release_date : "", "packagesFile",
		      "path", path, "digest", "sha256",
		      hexjson(m->packages_file), "packages", pkgs);
	if (o == NULL)
		return NULL;
	for (i = 0; i < m->npkgs; i++) {
		const struct cr_root_pkg *k = &m->pkgs[i];

		p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:{s:o}}", "name",
			      k->name, "version", k->version, "architecture",
			      k->arch, "filename", k->filename, "size",
			      (json_int_t)k->size, "digest", "sha256",
			      hexjson(k->sha256));
		if (p == NULL || json_array_append_new(pkgs, p) < 0)
			goto fail;
	}
	return o;
fail:
	json_decref(inc);
	json_decref(o);
	return NULL;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int
load_recipe(struct cr_root_recipe *r, json_t *rec, const char *file)
{
	json_t *inc, *v, *sde;
	const char *tool;
	size_t i;

	if (!json_is_object(rec))
		return cr_error_set("%s: no recipe object", file);
	tool = jstr(rec, "tool");
	if (tool == NULL || strcmp(tool, "mmdebstrap") != 0)
		return cr_error_set("%s: recipe: tool is not mmdebstrap", file);
	r->suite = dupstr(jstr(rec, "suite"));
	r->mirror = dupstr(jstr(rec, "mirror"));
	r->variant = dupstr(jstr(rec, "variant"));
	r->arch = dupstr(jstr(rec, "architecture"));
	v = json_object_get(rec, "snapshot");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return cr_error_set("%s: recipe: snapshot is not a "
					    "string",
					    file);
		r->snapshot = dupstr(json_string_value(v));
	}
	if (!plain_token(r->suite, 64) || !plain_token(r->variant, 64) ||
	    !plain_token(r->arch, 64) || r->mirror == NULL)
		return cr_error_set("%s: recipe: suite, variant, architecture "
				    "or mirror missing or malformed",
				    file);
	sde = json_object_get(rec, "sourceDateEpoch");
	if (!json_is_integer(sde) || json_integer_value(sde) < 0)
		return cr_error_set("%s: recipe: sourceDateEpoch is not a "
				    "non-negative integer",
				    file);
	r->source_date_epoch = (int64_t)json_integer_value(sde);
	inc = json_object_get(rec, "include");
	if (!json_is_array(inc) || json_array_size(inc) > CR_ROOT_MAX_INCLUDE)
		return cr_error_set("%s: recipe: include is not a list", file);
	if (json_array_size(inc) > 0 &&
	    (r->include = calloc(json_array_size(inc), sizeof(char *))) == NULL)
		return cr_error_set("out of memory");
	json_array_foreach(inc, i, v)
	{
		if (!json_is_string(v) ||
		    !plain_token(json_string_value(v), 256) ||
		    strchr(json_string_value(v), ',') != NULL)
			return cr_error_set("%s: recipe: include %zu is not a "
					    "package name",
					    file, i);
		if ((r->include[r->ninclude++] =
			     strdup(json_string_value(v))) == NULL)
			return cr_error_set("out of memory");
	}
	return CR_OK;
}

static const char *
digest_of(json_t *o, const char *key, const char *alg)
{
	return jstr(json_object_get(json_object_get(o, key), "digest")
			    ? json_object_get(json_object_get(o, key), "digest")
			    : json_object_get(o, key),
		    alg);
}

int
cr_root_manifest_load(struct cr_root_manifest **out, const char *file)
{
	struct cr_root_manifest *m = NULL;
	json_error_t je;
	json_t *root = NULL, *pkgs, *v, *arc;
	char *buf = NULL;
	size_t len, i;
	const char *type;
	int err;

	*out = NULL;
	if ((err = cr_read_file(&buf, &len, file, CR_ROOT_MAX_MANIFEST)) < 0)
		return err;
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		err = cr_error_set("%s: line %d: %s", file, je.line, je.text);
		goto done;
	}
	if (!json_is_object(root) || (type = jstr(root, "_type")) == NULL ||
	    strcmp(type, CR_ROOT_TYPE) != 0) {
		err = cr_error_set("%s: not a root manifest (_type %s)", file,
				   CR_ROOT_TYPE);
		goto done;
	}
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if ((err = load_recipe(&m->recipe, json_object_get(root, "recipe"),
			       file)) < 0)
		goto done;
	arc = json_object_get(root, "archive");
	if ((err = hexfield(m->tree,
			    jstr(json_object_get(root, "tree"), "gitTree"),
			    file, "tree.gitTree")) < 0 ||
	    (err = hexfield(m->tar,
			    jstr(json_object_get(root, "tar"), "sha256"), file,
			    "tar.sha256")) < 0 ||
	    (err = hexfield(m->release, digest_of(arc, "inRelease", "sha256"),
			    file, "archive.inRelease.digest.sha256")) < 0 ||
	    (err = hexfield(m->packages_file,
			    digest_of(arc, "packagesFile", "sha256"), file,
			    "archive.packagesFile.digest.sha256")) < 0)
		goto done;
	m->release_date =
		dupstr(jstr(json_object_get(arc, "inRelease"), "date"));
	pkgs = json_object_get(root, "packages");
	if (!json_is_array(pkgs) ||
	    json_array_size(pkgs) > CR_ROOT_MAX_PACKAGES) {
		err = cr_error_set("%s: packages is not a list of at most %u",
				   file, CR_ROOT_MAX_PACKAGES);
		goto done;
	}
	if (json_array_size(pkgs) > 0 &&
	    (m->pkgs = calloc(json_array_size(pkgs), sizeof(*m->pkgs))) ==
		    NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	json_array_foreach(pkgs, i, v)
	{
		struct cr_root_pkg *k = &m->pkgs[m->npkgs];
		json_t *size = json_object_get(v, "size");

		k->name = dupstr(jstr(v, "name"));
		k->version = dupstr(jstr(v, "version"));
		k->arch = dupstr(jstr(v, "architecture"));
		k->filename = dupstr(jstr(v, "filename"));
		m->npkgs++;
		if (!plain_token(k->name, 256) ||
		    !plain_token(k->version, 256) ||
		    !plain_token(k->arch, 64) || !safe_relpath(k->filename) ||
		    !json_is_integer(size) || json_integer_value(size) < 0) {
			err = cr_error_set("%s: package %zu: name, version, "
					   "architecture, filename or size "
					   "missing or malformed",
					   file, i);
			goto done;
		}
		k->size = (uint64_t)json_integer_value(size);
		if ((err = hexfield(
			     k->sha256,
			     jstr(json_object_get(v, "digest"), "sha256"), file,
			     k->name)) < 0)
			goto done;
	}
	if ((err = pkgs_sort_once(m->pkgs, m->npkgs, file)) < 0)
		goto done;
	*out = m;
	m = NULL;
	err = CR_OK;
done:
	cr_root_manifest_free(m);
	json_decref(root);
	free(buf);
	return err;
}

/* ---- tree hash and owners ----------------------------------------------- */

int
cr_root_hash(struct cr_tree **out, const char *path,
	     const struct cr_tree_opts *opts)
{
	struct cr_tree_opts o = {0};

	if (opts != NULL)
		o = *opts;
	o.skip_special = 1;
	o.strip_components = 0;
	return cr_tree_from_path(out, NULL, path, &o);
}

void
cr_root_owners_free(struct cr_root_owners *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->count; i++)
		free(o->paths[i]);
	for (i = 0; i < o->nnames; i++)
		free(o->names[i]);
	free(o->paths);
	free(o->pkgs);
	free(o->names);
	free(o);
}

/* "var/lib/dpkg/info/NAME.list" or "NAME:ARCH.list": NAME, else NULL. */
static char *
list_owner(const char *path)
{
	static const char pre[] = "var/lib/dpkg/info/";
	const char *base, *dot;
	size_t n;
	char *name;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (strncmp(path, pre, sizeof(pre) - 1) != 0)
		return NULL;
	base = path + sizeof(pre) - 1;
	if (strchr(base, '/') != NULL || (dot = strrchr(base, '.')) == NULL ||
	    strcmp(dot, ".list") != 0 || dot == base)
		return NULL;
	n = strcspn(base, ":");
	if (n > (size_t)(dot - base))
		n = (size_t)(dot - base);
	if ((name = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(name, base, n);
	name[n] = '\0';
	return plain_token(name, 256) ? name : (free(name), NULL);
}

static int
owners_add_list(struct cr_root_owners *o, char *name, char *buf, size_t len,
		const char *root)
{
	size_t alloc, i = 0, n;
	char *line, *p;

	if (o->nnames % 64 == 0) {
		char **nn = realloc(o->names, (o->nnames + 64) * sizeof(*nn));

		if (nn == NULL) {
			free(name);
			return cr_error_set("out of memory");
		}
		o->names = nn;
	}
	o->names[o->nnames++] = name;
	alloc = o->count;
	while (i < len) {
		line = buf + i;
		n = 0;
		while (i + n < len && buf[i + n] != '\n')
			n++;
		i += n + 1;
		line[n] = '\0';
		p = line;
		while (*p == '/')
			p++;
		if (*p == '\0' || strcmp(p, ".") == 0)
			continue;
		if (o->count >= MAX_OWNED)
			return cr_error_set("%s: more than %u files in its "
					    "dpkg database",
					    root, MAX_OWNED);
		if (o->count == alloc) {
			char **np, **nk;

			alloc = alloc ? 2 * alloc : 4096;
			if ((np = realloc(o->paths, alloc * sizeof(*np))) ==
			    NULL)
				return cr_error_set("out of memory");
			o->paths = np;
			if ((nk = realloc(o->pkgs, alloc * sizeof(*nk))) ==
			    NULL)
				return cr_error_set("out of memory");
			o->pkgs = nk;
		}
		if ((o->paths[o->count] = strdup(p)) == NULL)
			return cr_error_set("out of memory");
		o->pkgs[o->count++] = name;
	}
	return CR_OK;
}

/* A ROOT.tar, read as its tree hash was taken (cr_root_hash()). */
static int
open_root_tar(struct cr_archive **ca, const char *file)
{
	return cr_archive_open_file(
		ca, file, CR_ARC_TAR | CR_ARC_FILTERS | CR_ARC_SPECIAL);
}

static int
owners_from_tar(struct cr_root_owners *o, const char *file)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	struct archive *a;
	struct archive_entry *e;
	char *buf = NULL, *name;
	la_int64_t size;
	la_ssize_t got;
	int err;

	if ((err = open_root_tar(&ca, file)) < 0)
		return err;
	a = cr_archive_handle(ca);
	while ((err = cr_archive_next(ca, &am)) == CR_OK &&
	       (e = am.e) != NULL) {
		if (archive_entry_filetype(e) != AE_IFREG ||
		    archive_entry_pathname(e) == NULL ||
		    (name = list_owner(archive_entry_pathname(e))) == NULL)
			continue;
		size = archive_entry_size(e);
		if (size < 0 || size > MAX_LIST) {
			free(name);
			err = cr_error_set("%s: %s: too large", file,
					   archive_entry_pathname(e));
			goto done;
		}
		if ((buf = malloc((size_t)size + 1)) == NULL) {
			free(name);
			err = cr_error_set("out of memory");
			goto done;
		}
		got = archive_read_data(a, buf, (size_t)size);
		if (got != (la_ssize_t)size) {
			free(name);
			err = cr_error_set("%s: %s: %s", file,
					   archive_entry_pathname(e),
					   got < 0 ? archive_error_string(a)
						   : "short read");
			goto done;
		}
		if ((err = owners_add_list(o, name, buf, (size_t)size, file)) <
		    0)
			goto done;
		free(buf);
		buf = NULL;
	}
	/* err: CR_OK at the end, else what cr_archive_next() refused. */
done:
	free(buf);
	cr_archive_free(ca);
	return err;
}

static int
owners_from_dir(struct cr_root_owners *o, const char *root)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = NULL;
	char *buf = NULL, *name = NULL;
	size_t len;
	int fd = -1, err = CR_OK;

	snprintf(path, sizeof(path), "%s/var/lib/dpkg/info", root);
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT ? CR_OK : cr_error_errno("%s", path);
	while ((de = readdir(d)) != NULL) {
		char rel[PATH_MAX];

		snprintf(rel, sizeof(rel), "var/lib/dpkg/info/%s", de->d_name);
		if ((name = list_owner(rel)) == NULL)
			continue;
		if ((fd = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
			err = cr_error_errno("%s/%s", path, de->d_name);
			goto done;
		}
		if ((err = cr_read_fd(&buf, &len, fd, de->d_name, MAX_LIST)) <
		    0)
			goto done;
		close(fd);
		fd = -1;
		err = owners_add_list(o, name, buf, len, root);
		name = NULL;
		free(buf);
		buf = NULL;
		if (err < 0)
			goto done;
	}
done:
	free(name);
	free(buf);
	if (fd >= 0)
		close(fd);
	closedir(d);
	return err;
}

static int
cmp_owned(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
cr_root_owners_load(struct cr_root_owners **out, const char *root)
{
	struct cr_root_owners *o;
	struct stat st;
	size_t i;
	char **k = NULL;
	int err;

	*out = NULL;
	if (stat(root, &st) < 0)
		return cr_error_errno("%s", root);
	if ((o = calloc(1, sizeof(*o))) == NULL)
		return cr_error_set("out of memory");
	err = S_ISDIR(st.st_mode) ? owners_from_dir(o, root)
				  : owners_from_tar(o, root);
	if (err < 0)
		goto done;
	/* Sort the paths and keep each one's owner alongside. */
	if (o->count > 0) {
		if ((k = malloc(o->count * sizeof(*k))) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
		/* Pair each path with its index in its own allocation. */
		for (i = 0; i < o->count; i++) {
			size_t n = strlen(o->paths[i]);
			char *s = realloc(o->paths[i], n + 1 + sizeof(size_t));

			if (s == NULL) {
				err = cr_error_set("out of memory");
				goto done;
			}
			memcpy(s + n + 1, &i, sizeof(size_t));
			o->paths[i] = s;
		}
		qsort(o->paths, o->count, sizeof(char *), cmp_owned);
		for (i = 0; i < o->count; i++) {
			size_t j;

			memcpy(&j, o->paths[i] + strlen(o->paths[i]) + 1,
			       sizeof(size_t));
			k[i] = o->pkgs[j];
		}
		free(o->pkgs);
		o->pkgs = k;
		k = NULL;
	}
	*out = o;
	o = NULL;
	err = CR_OK;
done:
	free(k);
	cr_root_owners_free(o);
	return err;
}

static const char *
owner_exact(const struct cr_root_owners *o, const char *path)
{
	size_t lo = 0, hi = o ? o->count : 0, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(path, o->paths[mid]);
		if (c == 0)
			return o->pkgs[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* ---- running helpers ---------------------------------------------------- */

/*
 * Runs argv (PATH searched) with SOURCE_DATE_EPOCH=sde added when sde >= 0,
 * stdin from /dev/null, stdout to out_fd (or /dev/null when -1), stderr
 * read line by line: handed to progress when given, the last lines kept for
 * the message when it fails. A non-zero exit is CR_ERROR naming argv[0],
 * or CR_EFAIL when fail_code says so (gpgv: a bad signature).
 */
static int
run(char *const argv[], int64_t sde, int out_fd, int fail_is_efail,
    void (*progress)(void *ctx, const char *line), void *ctx)
{
	char tail[MAX_STDERR + 1], line[1024], sdevar[64];
	char **env = NULL;
	size_t ne = 0, i, tlen = 0, llen = 0;
	int pfd[2] = {-1, -1}, status, err, devnull = -1;
	pid_t pid;
	ssize_t n;
	char buf[4096];

	for (ne = 0; environ[ne] != NULL; ne++)
		;
	if ((env = calloc(ne + 2, sizeof(char *))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0, ne = 0; environ[i] != NULL; i++)
		if (strncmp(environ[i], "SOURCE_DATE_EPOCH=", 18) != 0)
			env[ne++] = environ[i];
	if (sde >= 0) {
		snprintf(sdevar, sizeof(sdevar), "SOURCE_DATE_EPOCH=%lld",
			 (long long)sde);
		env[ne++] = sdevar;
	}
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		err = cr_error_errno("pipe");
		goto done;
	}
	if ((devnull = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0) {
		err = cr_error_errno("/dev/null");
		goto done;
	}
	if ((pid = fork()) < 0) {
		err = cr_error_errno("fork");
		goto done;
	}
	if (pid == 0) {
		if (dup2(devnull, 0) < 0 ||
		    dup2(out_fd >= 0 ? out_fd : devnull, 1) < 0 ||
		    dup2(pfd[1], 2) < 0)
			_exit(127);
		execvpe(argv[0], argv, env);
		/*
		 * Not printing: fd 2 is now the pipe read below into the
		 * message (tests/cli/lib_rules.sh allows this one line).
		 */
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	pfd[1] = -1;
	tail[0] = '\0';
	while ((n = read(pfd[0], buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < (size_t)n; i++) {
			if (buf[i] != '\n' && llen < sizeof(line) - 1) {
				line[llen++] = buf[i];
				continue;
			}
			if (buf[i] != '\n')
				continue; /* an over-long line is cut */
			line[llen] = '\0';
			if (progress != NULL)
				progress(ctx, line);
			/* Keep the last lines that fit, "; "-joined. */
			if (llen + 2 + tlen > MAX_STDERR)
				tlen = 0;
			if (tlen > 0) {
				memcpy(tail + tlen, "; ", 2);
				tlen += 2;
			}
			memcpy(tail + tlen, line, llen);
			tlen += llen;
			tail[tlen] = '\0';
			llen = 0;
		}
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			err = cr_error_errno("waitpid %s", argv[0]);
			goto done;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		err = CR_OK;
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
		err = cr_error_set("%s: cannot run it (%s)", argv[0],
				   tlen ? tail : "not installed?");
	} else {
		err = (fail_is_efail ? cr_error_fail : cr_error_set)(
			"%s failed (%s %d): %s", argv[0],
			WIFEXITED(status) ? "exit" : "signal",
			WIFEXITED(status) ? WEXITSTATUS(status)
					  : WTERMSIG(status),
			tlen ? tail : "no message");
	}
done:
	if (devnull >= 0)
		close(devnull);
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	free(env);
	return err;
}

/* A private temporary directory; *out allocated. */
static int
tempdir(char **out, const char *what)
{
	const char *tmp = getenv("TMPDIR");
	char *p;

	if (tmp == NULL || *tmp != '/')
		tmp = "/tmp";
	if (asprintf(&p, "%s/cleanroom-%s.XXXXXX", tmp, what) < 0)
		return cr_error_set("out of memory");
	if (mkdtemp(p) == NULL) {
		free(p);
		return cr_error_errno("%s: mkdtemp", tmp);
	}
	*out = p;
	return CR_OK;
}

/*
 * gpgv on an InRelease: the signed text only (never the bytes around the
 * signature) into a memory buffer. A refused signature is CR_EFAIL.
 */
static int
signed_text(char **out, size_t *len, const char *inrelease, const char *keyring)
{
	char *argv[] = {
		"gpgv",	    "--quiet", "--keyring",	  (char *)keyring,
		"--output", "-",       (char *)inrelease, NULL};
	FILE *f = NULL;
	int err, fd;

	*out = NULL;
	if (access(keyring, R_OK) < 0)
		return cr_error_errno("%s", keyring);
	if ((f = tmpfile()) == NULL)
		return cr_error_errno("tmpfile");
	fd = fileno(f);
	if ((err = run(argv, -1, fd, 1, NULL, NULL)) < 0) {
		if (err == CR_EFAIL)
			err = cr_error_fail("%s: not signed by a key of %s "
					    "(%s)",
					    inrelease, keyring,
					    cr_error_last());
		goto done;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err = cr_error_errno("tmpfile");
		goto done;
	}
	err = cr_read_fd(out, len, fd, inrelease, CR_ROOT_MAX_RELEASE);
done:
	fclose(f);
	return err;
}

/* ---- Release and Packages ----------------------------------------------- */

/* The value of field name in a deb822 paragraph's first lines, or NULL. */
static char *
release_field(const char *text, const char *name)
{
	size_t n = strlen(name);
	const char *p = text, *e;
	char *v;

	while (*p) {
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			while (*p == ' ' || *p == '\t')
				p++;
			e = p + strcspn(p, "\n");
			while (e > p && (e[-1] == ' ' || e[-1] == '\r'))
				e--;
			if ((size_t)(e - p) > MAX_FIELD ||
			    (v = malloc((size_t)(e - p) + 1)) == NULL)
				return NULL;
			memcpy(v, p, (size_t)(e - p));
			v[e - p] = '\0';
			return v;
		}
		if (*p == '\n')
			break; /* end of the first paragraph */
		p += strcspn(p, "\n");
		if (*p)
			p++;
	}
	return NULL;
}

/* The SHA256 InRelease lists for path, from its "SHA256:" section. */
static int
release_sha256(unsigned char out[CR_SHA256_LEN], uint64_t *size,
	       const char *text, const char *path)
{
	const char *p = strstr(text, "\nSHA256:");
	char hex[CR_SHA256_HEXLEN + 1], name[512];
	unsigned long long sz;

	if (p == NULL)
		return CR_EFAIL;
	p += strlen("\nSHA256:");
	p += strcspn(p, "\n");
	while (*p == '\n' && p[1] == ' ') {
		p++;
		if (sscanf(p, " %64s %llu %511s", hex, &sz, name) == 3 &&
		    strcmp(name, path) == 0 && strlen(hex) == 64 &&
		    cr_hex_decode(out, CR_SHA256_LEN, hex) == 0) {
			*size = sz;
			return CR_OK;
		}
		p += strcspn(p, "\n");
	}
	return CR_EFAIL;
}

/* Parses the time of a Release Date: ("Sat, 11 Jul 2026 10:16:37 UTC"). */
static int
release_time(int64_t *out, const char *date)
{
	struct tm tm = {0};
	const char *end;
	time_t t;

	if (date == NULL ||
	    (end = strptime(date, "%a, %d %b %Y %H:%M:%S", &tm)) == NULL ||
	    !(strcmp(end, " UTC") == 0 || strcmp(end, " +0000") == 0 ||
	      strcmp(end, " GMT") == 0) ||
	    (t = timegm(&tm)) == (time_t)-1 || t < 0)
		return cr_error_set("InRelease Date '%s': not a UTC time",
				    date ? date : "");
	*out = (int64_t)t;
	return CR_OK;
}

/* One paragraph of a Packages file, the fields we use. */
struct stanza {
	char name[257], version[257], arch[65], filename[CR_TREE_MAX_PATH + 1];
	char sha256[CR_SHA256_HEXLEN + 2];
	char status[65];
	unsigned long long size;
};

static void
stanza_field(struct stanza *s, const char *line)
{
	static const struct {
		const char *key;
		size_t off, max;
	} f[] = {
		{"Package: ", offsetof(struct stanza, name), 257},
		{"Version: ", offsetof(struct stanza, version), 257},
		{"Architecture: ", offsetof(struct stanza, arch), 65},
		{"Filename: ", offsetof(struct stanza, filename),
		 CR_TREE_MAX_PATH + 1},
		{"SHA256: ", offsetof(struct stanza, sha256),
		 CR_SHA256_HEXLEN + 2},
		{"Status: ", offsetof(struct stanza, status), 65},
	};
	size_t i, n;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		n = strlen(f[i].key);
		if (strncmp(line, f[i].key, n) != 0)
			continue;
		line += n;
		n = strlen(line);
		if (n >= f[i].max)
			n = 0; /* too long: treated as absent */
		memcpy((char *)s + f[i].off, line, n);
		((char *)s + f[i].off)[n] = '\0';
		return;
	}
	if (strncmp(line, "Size: ", 6) == 0)
		s->size = strtoull(line + 6, NULL, 10);
}

/*
 * Calls fn for each paragraph of a Packages file read from f. fn returns
 * < 0 to stop.
 */
static int
packages_foreach(FILE *f, const char *file,
		 int (*fn)(void *ctx, const struct stanza *s), void *ctx)
{
	struct stanza s;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t total = 0;
	int have = 0, err = CR_OK;

	memset(&s, 0, sizeof(s));
	while ((n = getline(&line, &cap, f)) >= 0) {
		total += (uint64_t)n;
		if ((size_t)n > MAX_LINE || total > CR_ROOT_MAX_PACKAGES_FILE) {
			err = cr_error_set("%s: too large", file);
			goto done;
		}
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0) {
			if (have && (err = fn(ctx, &s)) < 0)
				goto done;
			memset(&s, 0, sizeof(s));
			have = 0;
			continue;
		}
		have = 1;
		if (line[0] != ' ' && line[0] != '\t')
			stanza_field(&s, line);
	}
	if (ferror(f)) {
		err = cr_error_errno("%s", file);
		goto done;
	}
	if (have)
		err = fn(ctx, &s);
done:
	free(line);
	return err < 0 ? err : CR_OK;
}

/* ---- checking a --debs directory ---------------------------------------- */

void
cr_root_debs_free(struct cr_root_debs *d)
{
	size_t i;

	if (d == NULL)
		return;
	free(d->suite);
	free(d->arch);
	free(d->release_date);
	for (i = 0; i < d->count; i++)
		pkg_clear(&d->debs[i].pkg);
	free(d->debs);
	free(d);
}

static int
cmp_deb_path(const void *a, const void *b)
{
	const struct cr_root_deb *x = a, *y = b;

	return strcmp(x->pkg.filename, y->pkg.filename);
}

/* Collects every *.deb below dir/rel (a pool), refusing links. */
static int
scan_pool(struct cr_root_debs *d, int dfd, const char *rel, unsigned depth,
	  size_t *alloc, const char *top)
{
	DIR *dir = NULL;
	struct dirent *de;
	struct stat st;
	char path[CR_TREE_MAX_PATH + 1];
	int fd = -1, err = CR_OK;

	if (depth > MAX_POOL_DEPTH)
		return cr_error_set("%s/%s: nested too deep", top, rel);
	if ((fd = openat(dfd, rel,
			 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT && depth == 0
			       ? CR_OK
			       : cr_error_errno("%s/%s", top, rel);
	if ((dir = fdopendir(fd)) == NULL) {
		close(fd);
		return cr_error_errno("%s/%s", top, rel);
	}
	while ((de = readdir(dir)) != NULL) {
		size_t n = strlen(de->d_name);

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", rel,
				     de->d_name) >= sizeof(path)) {
			err = cr_error_set("%s/%s: path too long", top, rel);
			goto done;
		}
		if (fstatat(dirfd(dir), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
		    0) {
			err = cr_error_errno("%s/%s", top, path);
			goto done;
		}
		if (S_ISDIR(st.st_mode)) {
			if ((err = scan_pool(d, dfd, path, depth + 1, alloc,
					     top)) < 0)
				goto done;
			continue;
		}
		if (n < 5 || strcmp(de->d_name + n - 4, ".deb") != 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			err = cr_error_set("%s/%s: not a regular file", top,
					   path);
			goto done;
		}
		if (d->count >= CR_ROOT_MAX_PACKAGES) {
			err = cr_error_set("%s: more than %u .debs", top,
					   CR_ROOT_MAX_PACKAGES);
			goto done;
		}
		if (d->count == *alloc) {
			struct cr_root_deb *nd;

			*alloc = *alloc ? 2 * *alloc : 256;
			if ((nd = realloc(d->debs, *alloc * sizeof(*nd))) ==
			    NULL) {
				err = cr_error_set("out of memory");
				goto done;
			}
			d->debs = nd;
		}
		memset(&d->debs[d->count], 0, sizeof(d->debs[0]));
		d->debs[d->count].state = CR_DEB_UNLISTED;
		if ((d->debs[d->count].pkg.filename = strdup(path)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
		d->count++;
	}
done:
	closedir(dir);
	return err;
}

static int
match_stanza(void *ctx, const struct stanza *s)
{
	struct cr_root_debs *d = ctx;
	struct cr_root_deb key, *hit;
	struct cr_root_pkg *p;

	if (s->filename[0] == '\0' || d->count == 0)
		return 0;
	key.pkg.filename = (char *)s->filename;
	hit = bsearch(&key, d->debs, d->count, sizeof(key), cmp_deb_path);
	if (hit == NULL || hit->pkg.name != NULL)
		return 0;
	p = &hit->pkg;
	if (!plain_token(s->name, 256) || !plain_token(s->version, 256) ||
	    !plain_token(s->arch, 64) || strlen(s->sha256) != 64 ||
	    cr_hex_decode(p->sha256, CR_SHA256_LEN, s->sha256) < 0)
		return 0; /* stays unlisted */
	if ((p->name = strdup(s->name)) == NULL ||
	    (p->version = strdup(s->version)) == NULL ||
	    (p->arch = strdup(s->arch)) == NULL)
		return cr_error_set("out of memory");
	p->size = s->size;
	hit->state = CR_DEB_DIFFERS; /* until its bytes are hashed */
	return 0;
}

/* The one subdirectory of dir/rel whose name starts with prefix. */
static int
only_subdir(char **out, const char *dir, const char *rel, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	size_t n = 0, pl = strlen(prefix);
	int err = CR_OK;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	if ((d = opendir(path)) == NULL)
		return cr_error_errno("%s", path);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' ||
		    strncmp(de->d_name, prefix, pl) != 0)
			continue;
		if (de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		if (n++ == 0 && (*out = strdup(de->d_name)) == NULL)
			err = cr_error_set("out of memory");
	}
	closedir(d);
	if (err == CR_OK && n != 1) {
		err = cr_error_set("%s: holds %zu %s directories, not one",
				   path, n, *prefix ? prefix : "suite");
	}
	if (err < 0) {
		free(*out);
		*out = NULL;
	}
	return err;
}

/* The entry for filename among the first n (sorted) entries, or NULL. */
static const struct cr_root_deb *
deb_by_path(const struct cr_root_debs *d, size_t n, const char *filename)
{
	struct cr_root_deb key;

	key.pkg.filename = (char *)filename;
	return n ? bsearch(&key, d->debs, n, sizeof(key), cmp_deb_path) : NULL;
}

/* Adds the manifest's view: what it names that the directory lacks. */
static int
check_against_manifest(struct cr_root_debs *d, const struct cr_root_manifest *m)
{
	struct cr_root_deb *nd, *e;
	const struct cr_root_deb *hit;
	size_t i, extra = 0, n = d->count;

	for (i = 0; i < m->npkgs; i++)
		if (deb_by_path(d, n, m->pkgs[i].filename) == NULL)
			extra++;
	if (extra > 0) {
		if ((nd = realloc(d->debs, (d->count + extra) * sizeof(*nd))) ==
		    NULL)
			return cr_error_set("out of memory");
		d->debs = nd;
	}
	for (i = 0; i < m->npkgs; i++) {
		const struct cr_root_pkg *p = &m->pkgs[i];

		hit = deb_by_path(d, n, p->filename);
		if (hit != NULL) {
			e = (struct cr_root_deb *)hit;
			if (e->state == CR_DEB_OK &&
			    memcmp(e->got, p->sha256, CR_SHA256_LEN) != 0)
				e->state = CR_DEB_DIFFERS;
			continue;
		}
		e = &d->debs[d->count];
		memset(e, 0, sizeof(*e));
		e->state = CR_DEB_MISSING;
		if ((e->pkg.name = strdup(p->name)) == NULL ||
		    (e->pkg.version = strdup(p->version)) == NULL ||
		    (e->pkg.arch = strdup(p->arch)) == NULL ||
		    (e->pkg.filename = strdup(p->filename)) == NULL) {
			pkg_clear(&e->pkg);
			return cr_error_set("out of memory");
		}
		memcpy(e->pkg.sha256, p->sha256, CR_SHA256_LEN);
		d->count++;
	}
	qsort(d->debs, d->count, sizeof(*d->debs), cmp_deb_path);
	return CR_OK;
}

int
cr_root_debs_check(struct cr_root_debs **out, const char *dir,
		   const char *keyring, const struct cr_root_manifest *manifest)
{
	struct cr_root_debs *d = NULL;
	char path[PATH_MAX], rel[256], *text = NULL, *bin = NULL;
	char *codename = NULL, *suitename = NULL;
	unsigned char want[CR_SHA256_LEN];
	uint64_t want_size = 0, got_size = 0;
	size_t len, alloc = 0, i;
	FILE *f = NULL;
	int dfd = -1, pfd = -1, err;

	*out = NULL;
	if (keyring == NULL)
		keyring = CR_ROOT_KEYRING;
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return cr_error_set("out of memory");
	if ((err = only_subdir(&d->suite, dir, "dists", "")) < 0)
		goto done;
	if (!plain_token(d->suite, 64)) {
		err = cr_error_set("%s/dists: '%s' is not a suite name", dir,
				   d->suite);
		goto done;
	}
	snprintf(path, sizeof(path), "%s/dists/%s/InRelease", dir, d->suite);
	if ((err = cr_sha256_file(d->release, path)) < 0 ||
	    (err = signed_text(&text, &len, path, keyring)) < 0)
		goto done;
	if (memchr(text, '\0', len) != NULL) {
		err = cr_error_set("%s: signed text holds a NUL byte", path);
		goto done;
	}
	codename = release_field(text, "Codename");
	suitename = release_field(text, "Suite");
	if (!((codename && strcmp(codename, d->suite) == 0) ||
	      (suitename && strcmp(suitename, d->suite) == 0))) {
		err = cr_error_fail("%s: signed for suite %s (%s), not %s",
				    path, suitename ? suitename : "?",
				    codename ? codename : "?", d->suite);
		goto done;
	}
	d->release_date = release_field(text, "Date");
	if ((err = release_time(&d->release_time, d->release_date)) < 0)
		goto done;

	snprintf(path, sizeof(path), "%s/dists/%s/main", dir, d->suite);
	if ((err = only_subdir(&bin, path, "", "binary-")) < 0)
		goto done;
	if ((d->arch = strdup(bin + 7)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	snprintf(rel, sizeof(rel), "main/%s/Packages", bin);
	snprintf(path, sizeof(path), "%s/dists/%s/%s", dir, d->suite, rel);
	if (release_sha256(want, &want_size, text, rel) < 0) {
		err = cr_error_fail("%s: InRelease lists no SHA256 for %s",
				    path, rel);
		goto done;
	}
	if ((pfd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err = cr_error_errno("%s", path);
		goto done;
	}
	if ((err = cr_sha256_fd(d->packages_file, &got_size, pfd, NULL, 0,
				path)) < 0)
		goto done;
	if (got_size != want_size ||
	    memcmp(want, d->packages_file, CR_SHA256_LEN) != 0) {
		err = cr_error_fail("%s: not the Packages file InRelease "
				    "signed (SHA256 differs)",
				    path);
		goto done;
	}
	/* Read the bytes just hashed, from the same descriptor. */
	if (lseek(pfd, 0, SEEK_SET) < 0 || (f = fdopen(pfd, "r")) == NULL) {
		err = cr_error_errno("%s", path);
		goto done;
	}
	pfd = -1;

	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = cr_error_errno("%s", dir);
		goto done;
	}
	if ((err = scan_pool(d, dfd, "pool", 0, &alloc, dir)) < 0)
		goto done;
	if (d->count > 0)
		qsort(d->debs, d->count, sizeof(*d->debs), cmp_deb_path);
	if ((err = packages_foreach(f, path, match_stanza, d)) < 0)
		goto done;
	/* Packages was checked whole; a changed one fails above. */
	{
		struct stat st;

		if (fstat(fileno(f), &st) == 0 &&
		    (uint64_t)st.st_size != want_size) {
			err = cr_error_fail("%s: changed while read", path);
			goto done;
		}
	}
	for (i = 0; i < d->count; i++) {
		struct cr_root_deb *e = &d->debs[i];

		snprintf(path, sizeof(path), "%s/%s", dir, e->pkg.filename);
		if ((err = cr_sha256_file(e->got, path)) < 0)
			goto done;
		if (e->state == CR_DEB_DIFFERS)
			e->state = memcmp(e->got, e->pkg.sha256,
					  CR_SHA256_LEN) == 0
					   ? CR_DEB_OK
					   : CR_DEB_DIFFERS;
	}
	if (manifest != NULL && (err = check_against_manifest(d, manifest)) < 0)
		goto done;
	for (i = 0; i < d->count; i++)
		if (d->debs[i].state != CR_DEB_OK)
			d->nbad++;
	*out = d;
	d = NULL;
	err = CR_OK;
done:
	if (f != NULL)
		fclose(f);
	if (pfd >= 0)
		close(pfd);
	if (dfd >= 0)
		close(dfd);
	free(codename);
	free(suitename);
	free(bin);
	free(text);
	cr_root_debs_free(d);
	return err;
}

/* ---- making a root ------------------------------------------------------ */

int
cr_root_default_mirror(char **out)
{
	static const char *const files[] = {
		"/etc/apt/sources.list.d/debian.sources",
		"/etc/apt/sources.list",
	};
	char *buf = NULL, *line, *save = NULL, *v;
	size_t len, i;

	*out = NULL;
	for (i = 0; i < 2 && *out == NULL; i++) {
		if (cr_read_file(&buf, &len, files[i], 1u << 20) < 0)
			continue;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			while (*line == ' ' || *line == '\t')
				line++;
			if (i == 0 && strncmp(line, "URIs:", 5) == 0)
				v = line + 5;
			else if (i == 1 && strncmp(line, "deb ", 4) == 0)
				v = line + 4;
			else
				continue;
			while (*v == ' ' || *v == '\t')
				v++;
			if (i == 1 && *v == '[') /* [options] */
				v = strchr(v, ']') ? strchr(v, ']') + 1 : v;
			while (*v == ' ' || *v == '\t')
				v++;
			v[strcspn(v, " \t")] = '\0';
			if (strncmp(v, "http://", 7) == 0 ||
			    strncmp(v, "https://", 8) == 0 ||
			    strncmp(v, "file://", 7) == 0) {
				*out = strdup(v);
				break;
			}
		}
		free(buf);
		buf = NULL;
	}
	if (*out == NULL)
		return cr_error_set("no Debian mirror in %s or %s; give "
				    "--mirror URL",
				    files[0], files[1]);
	return CR_OK;
}

/* mkdir -p of path's parent directories (path itself is a file). */
static int
make_parents(const char *path)
{
	char buf[PATH_MAX], *slash;

	if (strlen(path) >= sizeof(buf))
		return cr_error_set("%s: path too long", path);
	strcpy(buf, path);
	if ((slash = strrchr(buf, '/')) == NULL || slash == buf)
		return CR_OK;
	*slash = '\0';
	return cr_mkdir_p(buf, 0);
}

/*
 * Copies a file, atomically; renames it instead when it is ours to move
 * (on the same file system), made durable either way.
 */
static int
move_file(const char *from, const char *to, int ours)
{
	struct cr_atomic o = {.fd = -1};
	char buf[64 * 1024];
	int in = -1, err = CR_OK;
	ssize_t n;

	if ((err = make_parents(to)) < 0)
		return err;
	/* Across file systems (EXDEV), copied instead. */
	if (ours &&
	    ((err = cr_rename_synced(from, to)) == CR_OK || errno != EXDEV))
		return err;
	if ((in = open(from, O_RDONLY | O_CLOEXEC)) < 0)
		return cr_error_errno("%s", from);
	if ((err = cr_atomic_open(&o, to, 0644, 0)) < 0)
		goto done;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (cr_write_all(o.fd, buf, (size_t)n) < 0) {
			err = cr_error_errno("%s", to);
			goto done;
		}
	if (n < 0)
		err = cr_error_errno("%s", from);
	else
		err = cr_atomic_commit(&o);
done:
	cr_atomic_abort(&o);
	if (in >= 0)
		close(in);
	return err;
}

/* The file in dir whose name ends with suffix (apt's list names). */
static int
find_suffix(char **out, const char *dir, const char *suffix)
{
	struct dirent *de;
	size_t n, sl = strlen(suffix);
	DIR *d;

	*out = NULL;
	if ((d = opendir(dir)) == NULL)
		return cr_error_errno("%s", dir);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (n > sl && strcmp(de->d_name + n - sl, suffix) == 0) {
			if (asprintf(out, "%s/%s", dir, de->d_name) < 0)
				*out = NULL;
			break;
		}
	}
	closedir(d);
	if (*out == NULL)
		return cr_error_set("%s: apt kept no *%s", dir, suffix);
	return CR_OK;
}

/* A path that is safe inside a single-quoted shell word. */
static int
shell_safe(const char *s)
{
	return strchr(s, '\'') == NULL && strchr(s, '\n') == NULL;
}

struct installed {
	struct cr_root_pkg *pkgs;
	size_t count;
};

static int
find_installed(void *ctx, const struct stanza *s)
{
	struct installed *in = ctx;
	struct cr_root_pkg key = {0}, *hit;

	key.name = (char *)s->name;
	key.arch = (char *)s->arch;
	key.version = (char *)s->version;
	hit = bsearch(&key, in->pkgs, in->count, sizeof(key), cmp_pkg);
	if (hit == NULL || hit->filename != NULL || strlen(s->sha256) != 64 ||
	    !safe_relpath(s->filename) || strncmp(s->filename, "pool/", 5) != 0)
		return 0;
	if (cr_hex_decode(hit->sha256, CR_SHA256_LEN, s->sha256) < 0)
		return 0;
	hit->size = s->size;
	return (hit->filename = strdup(s->filename)) ? 0
						     : cr_error_set("out of "
								    "memory");
}

/* Reads dpkg-query's "NAME\tVERSION\tARCH" lines. */
static int
read_installed(struct installed *in, const char *file)
{
	char *buf = NULL, *line, *save = NULL, *t1, *t2;
	size_t len, alloc = 0;
	int err;

	if ((err = cr_read_file(&buf, &len, file, 16u << 20)) < 0)
		return err;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		struct cr_root_pkg *p;

		if ((t1 = strchr(line, '\t')) == NULL ||
		    (t2 = strchr(t1 + 1, '\t')) == NULL) {
			err = cr_error_set("%s: malformed line '%s'", file,
					   line);
			goto done;
		}
		*t1++ = '\0';
		*t2++ = '\0';
		if (in->count >= CR_ROOT_MAX_PACKAGES) {
			err = cr_error_set("%s: too many packages", file);
			goto done;
		}
		if (in->count == alloc) {
			alloc = alloc ? 2 * alloc : 256;
			if ((p = realloc(in->pkgs, alloc * sizeof(*p))) ==
			    NULL) {
				err = cr_error_set("out of memory");
				goto done;
			}
			in->pkgs = p;
		}
		p = &in->pkgs[in->count];
		memset(p, 0, sizeof(*p));
		in->count++;
		if ((p->name = strdup(line)) == NULL ||
		    (p->version = strdup(t1)) == NULL ||
		    (p->arch = strdup(t2)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
	}
	if (in->count > 0)
		qsort(in->pkgs, in->count, sizeof(*in->pkgs), cmp_pkg);
	err = CR_OK;
done:
	free(buf);
	return err;
}

/* apt's name for a downloaded .deb: NAME_VERSION_ARCH.deb, ':' as %3a. */
static void
apt_deb_name(char *out, size_t n, const struct cr_root_pkg *p)
{
	char v[600];
	size_t i, j = 0;

	for (i = 0; p->version[i] && j + 4 < sizeof(v); i++) {
		if (p->version[i] == ':') {
			memcpy(v + j, "%3a", 3);
			j += 3;
		} else {
			v[j++] = p->version[i];
		}
	}
	v[j] = '\0';
	snprintf(out, n, "%s_%s_%s.deb", p->name, v, p->arch);
}

int
cr_root_create(struct cr_root_manifest **out,
	       const struct cr_root_create_opts *opts)
{
	const struct cr_root_recipe *r = opts->recipe;
	const char *keyring = opts->keyring ? opts->keyring : CR_ROOT_KEYRING;
	struct cr_root_manifest *m = NULL;
	struct cr_root_debs *checked = NULL;
	struct installed in = {0};
	struct cr_tree *tree = NULL;
	char *stage = NULL, *mirror = NULL, *apt_mirror = NULL, *tmpout = NULL;
	char *hooks[12] = {0}, *inc = NULL, *list = NULL, *text = NULL;
	char *debs = NULL, *archfree = NULL, path[PATH_MAX], dst[PATH_MAX];
	char *argv[64];
	unsigned char fetched[CR_SHA256_LEN];
	int have_fetched = 0, local, err, nh = 0, na = 0;
	int64_t sde = r->source_date_epoch;
	size_t i, len;
	FILE *pf = NULL;

	*out = NULL;
	if (!plain_token(r->suite, 64) ||
	    (r->variant && !plain_token(r->variant, 64)))
		return cr_error_set("suite or variant '%s': not a name",
				    r->suite ? r->suite : "");
	for (i = 0; i < r->ninclude; i++)
		if (!plain_token(r->include[i], 256) ||
		    strchr(r->include[i], ',') != NULL)
			return cr_error_set("--include: '%s' is not a package "
					    "name",
					    r->include[i]);
	/* A --debs directory holds one root's files, nothing else. */
	if (opts->debs != NULL && mkdir(opts->debs, 0755) < 0) {
		DIR *dd = errno == EEXIST ? opendir(opts->debs) : NULL;
		struct dirent *de;
		int used = dd == NULL;

		while (dd != NULL && (de = readdir(dd)) != NULL)
			if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
				used = 1;
		if (dd != NULL)
			closedir(dd);
		if (used)
			return cr_error_set("%s: --debs must be a new or empty "
					    "directory",
					    opts->debs);
	}
	if ((err = tempdir(&stage, "root")) < 0)
		return err;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if (r->mirror != NULL)
		mirror = strdup(r->mirror);
	else if ((err = cr_root_default_mirror(&mirror)) < 0)
		goto done;
	if (mirror == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	while (strlen(mirror) > 1 && mirror[strlen(mirror) - 1] == '/')
		mirror[strlen(mirror) - 1] = '\0';
	local = strncmp(mirror, "file://", 7) == 0;
	/* A chroot cannot see a file:// mirror; apt copies from copy://. */
	if (asprintf(&apt_mirror, "%s%s", local ? "copy://" : "",
		     local ? mirror + 7 : mirror) < 0) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if (!shell_safe(stage) || (opts->cache && !shell_safe(opts->cache))) {
		err = cr_error_set("%s: a quote in the path",
				   opts->cache ? opts->cache : stage);
		goto done;
	}
	if (r->arch == NULL) {
		/* The host's architecture, as dpkg names it. */
		char *pa[] = {"dpkg", "--print-architecture", NULL};
		FILE *af = tmpfile();
		size_t alen;

		if (af == NULL) {
			err = cr_error_errno("tmpfile");
			goto done;
		}
		err = run(pa, -1, fileno(af), 0, NULL, NULL);
		if (err == CR_OK && lseek(fileno(af), 0, SEEK_SET) == 0)
			err = cr_read_fd(&archfree, &alen, fileno(af), "dpkg",
					 256);
		fclose(af);
		if (err < 0)
			goto done;
		archfree[strcspn(archfree, "\n")] = '\0';
		if (!plain_token(archfree, 64)) {
			err = cr_error_set("dpkg: no architecture");
			goto done;
		}
	}

	/* SOURCE_DATE_EPOCH: given, the snapshot's, or the archive's Date. */
	if (sde < 0 && r->snapshot != NULL &&
	    (err = cr_root_snapshot_time(&sde, r->snapshot)) < 0)
		goto done;
	if (sde < 0) {
		char *url = NULL;

		snprintf(path, sizeof(path), "%s/InRelease", stage);
		if (local) {
			if (asprintf(&url, "%s/dists/%s/InRelease", mirror + 7,
				     r->suite) < 0 ||
			    (err = move_file(url, path, 0)) < 0) {
				free(url);
				err = url ? err : cr_error_set("oom");
				goto done;
			}
		} else {
			char *ca[] = {"curl", "-fsSL", "--max-time", "120",
				      "-o",   path,    NULL,	     NULL};

			if (asprintf(&url, "%s/dists/%s/InRelease", mirror,
				     r->suite) < 0) {
				err = cr_error_set("out of memory");
				goto done;
			}
			ca[6] = url;
			if ((err = run(ca, -1, -1, 0, NULL, NULL)) < 0) {
				err = cr_error_set("%s: cannot fetch: %s", url,
						   cr_error_last());
				free(url);
				goto done;
			}
		}
		free(url);
		if ((err = cr_sha256_file(fetched, path)) < 0 ||
		    (err = signed_text(&text, &len, path, keyring)) < 0)
			goto done;
		have_fetched = 1;
		m->release_date = release_field(text, "Date");
		if ((err = release_time(&sde, m->release_date)) < 0)
			goto done;
	}

	/* mmdebstrap, with hooks that keep what the checks need. */
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", stage,
			 i ? "lists" : "archives");
		if (mkdir(path, 0755) < 0) {
			err = cr_error_errno("%s", path);
			goto done;
		}
	}
	{
		size_t ol = strlen(opts->output);
		const char *slash = strrchr(opts->output, '/');

		if (ol < 5 || strcmp(opts->output + ol - 4, ".tar") != 0) {
			err = cr_error_set("%s: the root is written as a .tar",
					   opts->output);
			goto done;
		}
		if (asprintf(&tmpout, "%.*s.partial-%ld.tar", (int)(ol - 4),
			     opts->output, (long)getpid()) < 0) {
			err = cr_error_set("out of memory");
			goto done;
		}
		(void)slash;
	}
	argv[na++] = "mmdebstrap";
	argv[na++] = geteuid() == 0 ? "--mode=root" : "--mode=unshare";
	if (asprintf(&hooks[nh++], "--variant=%s",
		     r->variant ? r->variant : "minbase") < 0)
		goto oom;
	argv[na++] = hooks[nh - 1];
	if (asprintf(&hooks[nh++], "--architectures=%s",
		     r->arch ? r->arch : archfree) < 0)
		goto oom;
	argv[na++] = hooks[nh - 1];
	if (r->ninclude > 0) {
		size_t total = 16;

		for (i = 0; i < r->ninclude; i++)
			total += strlen(r->include[i]) + 1;
		if ((inc = malloc(total)) == NULL)
			goto oom;
		strcpy(inc, "--include=");
		for (i = 0; i < r->ninclude; i++) {
			strcat(inc, r->include[i]);
			if (i + 1 < r->ninclude)
				strcat(inc, ",");
		}
		argv[na++] = inc;
	}
	argv[na++] = "--skip=essential/unlink";
	/* No fsync per file: the root is written out as a tar at the end. */
	argv[na++] = "--dpkgopt=force-unsafe-io";
	argv[na++] = "--aptopt=Acquire::By-Hash \"no\"";
	if (local) {
		/* Only the uncompressed Packages is kept in a --debs. */
		argv[na++] = "--aptopt=Acquire::CompressionTypes::xz \"false\"";
		argv[na++] = "--aptopt=Acquire::CompressionTypes::gz \"false\"";
		argv[na++] =
			"--aptopt=Acquire::CompressionTypes::bz2 \"false\"";
		argv[na++] = "--aptopt=Acquire::CompressionTypes::lzma "
			     "\"false\"";
		argv[na++] =
			"--aptopt=Acquire::CompressionTypes::lz4 \"false\"";
		argv[na++] =
			"--aptopt=Acquire::CompressionTypes::zst \"false\"";
	}
	if (opts->cache != NULL) {
		if (mkdir(opts->cache, 0755) < 0 && errno != EEXIST) {
			err = cr_error_errno("%s", opts->cache);
			goto done;
		}
		argv[na++] = "--setup-hook=mkdir -p "
			     "\"$1\"/var/cache/apt/archives/";
		if (asprintf(&hooks[nh++],
			     "--setup-hook=sync-in '%s' "
			     "/var/cache/apt/archives/",
			     opts->cache) < 0)
			goto oom;
		argv[na++] = hooks[nh - 1];
	}
	if (asprintf(&hooks[nh++],
		     "--customize-hook=sync-out /var/cache/apt/archives "
		     "'%s/archives'",
		     stage) < 0)
		goto oom;
	argv[na++] = hooks[nh - 1];
	if (opts->cache != NULL) {
		if (asprintf(&hooks[nh++],
			     "--customize-hook=sync-out "
			     "/var/cache/apt/archives '%s'",
			     opts->cache) < 0)
			goto oom;
		argv[na++] = hooks[nh - 1];
	}
	if (asprintf(&hooks[nh++],
		     "--customize-hook=sync-out /var/lib/apt/lists '%s/lists'",
		     stage) < 0)
		goto oom;
	argv[na++] = hooks[nh - 1];
	if (asprintf(
		    &hooks[nh++],
		    "--customize-hook=dpkg-query --admindir=\"$1\"/var/lib/dpkg "
		    "-W -f '${Package}\\t${Version}\\t${Architecture}\\n' "
		    "> '%s/installed'",
		    stage) < 0)
		goto oom;
	argv[na++] = hooks[nh - 1];
	/* Host files and our own apt settings stay out of the root. */
	argv[na++] = "--customize-hook=rm -f \"$1\"/etc/resolv.conf "
		     "\"$1\"/etc/hostname \"$1\"/etc/apt/sources.list "
		     "\"$1\"/etc/apt/apt.conf.d/99mmdebstrap "
		     "\"$1\"/etc/dpkg/dpkg.cfg.d/99mmdebstrap";
	argv[na++] = r->suite;
	argv[na++] = tmpout;
	argv[na++] = apt_mirror;
	argv[na] = NULL;
	if ((err = run(argv, sde, -1, 0, opts->progress, opts->progress_ctx)) <
	    0)
		goto done;

	/* The archive files apt used, laid out as a file:// mirror. */
	if (opts->debs != NULL) {
		debs = strdup(opts->debs);
	} else if (asprintf(&debs, "%s/mirror", stage) < 0) {
		debs = NULL;
	}
	if (debs == NULL)
		goto oom;
	snprintf(path, sizeof(path), "%s/lists", stage);
	snprintf(dst, sizeof(dst), "_dists_%s_InRelease", r->suite);
	if ((err = find_suffix(&list, path, dst)) < 0)
		goto done;
	if (have_fetched) {
		unsigned char used[CR_SHA256_LEN];

		if ((err = cr_sha256_file(used, list)) < 0)
			goto done;
		if (memcmp(used, fetched, CR_SHA256_LEN) != 0) {
			err = cr_error_set("%s: the archive changed while the "
					   "root was made (another InRelease); "
					   "run again",
					   mirror);
			goto done;
		}
	}
	snprintf(dst, sizeof(dst), "%s/dists/%s/InRelease", debs, r->suite);
	if ((err = move_file(list, dst, 1)) < 0)
		goto done;
	free(list);
	list = NULL;
	snprintf(dst, sizeof(dst), "_dists_%s_main_binary-%s_Packages",
		 r->suite, r->arch ? r->arch : archfree);
	if ((err = find_suffix(&list, path, dst)) < 0)
		goto done;
	snprintf(dst, sizeof(dst), "%s/dists/%s/main/binary-%s/Packages", debs,
		 r->suite, r->arch ? r->arch : archfree);
	if ((err = move_file(list, dst, 1)) < 0)
		goto done;

	/* Every installed package, its pool path and its .deb. */
	snprintf(path, sizeof(path), "%s/installed", stage);
	if ((err = read_installed(&in, path)) < 0)
		goto done;
	if ((pf = fopen(dst, "re")) == NULL) {
		err = cr_error_errno("%s", dst);
		goto done;
	}
	if ((err = packages_foreach(pf, dst, find_installed, &in)) < 0)
		goto done;
	for (i = 0; i < in.count; i++) {
		struct cr_root_pkg *p = &in.pkgs[i];
		char name[1024];

		if (p->filename == NULL) {
			err = cr_error_set("%s %s (%s): installed, but not in "
					   "the archive's Packages",
					   p->name, p->version, p->arch);
			goto done;
		}
		apt_deb_name(name, sizeof(name), p);
		snprintf(path, sizeof(path), "%s/archives/%s", stage, name);
		snprintf(dst, sizeof(dst), "%s/%s", debs, p->filename);
		if ((err = move_file(path, dst, 1)) < 0)
			goto done;
	}
	/* The same check verify root makes, before anything is kept. */
	if ((err = cr_root_debs_check(&checked, debs, keyring, NULL)) < 0)
		goto done;
	if (checked->nbad > 0 || checked->count != in.count) {
		err = cr_error_fail("%s: %zu .debs fail the archive's "
				    "signature chain",
				    debs, checked->nbad);
		goto done;
	}
	m->pkgs = in.pkgs;
	m->npkgs = in.count;
	in.pkgs = NULL;
	in.count = 0;
	memcpy(m->release, checked->release, CR_SHA256_LEN);
	memcpy(m->packages_file, checked->packages_file, CR_SHA256_LEN);
	free(m->release_date);
	m->release_date = dupstr(checked->release_date);

	if ((err = cr_root_hash(&tree, tmpout, NULL)) < 0 ||
	    (err = cr_sha256_file(m->tar, tmpout)) < 0)
		goto done;
	memcpy(m->tree, tree->root, CR_SHA256_LEN);
	if ((err = cr_rename_synced(tmpout, opts->output)) < 0)
		goto done;
	m->recipe.suite = dupstr(r->suite);
	m->recipe.snapshot = dupstr(r->snapshot);
	m->recipe.mirror = dupstr(r->mirror ? r->mirror : mirror);
	m->recipe.variant = dupstr(r->variant ? r->variant : "minbase");
	m->recipe.arch = dupstr(r->arch ? r->arch : archfree);
	m->recipe.source_date_epoch = sde;
	if (r->ninclude > 0 &&
	    (m->recipe.include = calloc(r->ninclude, sizeof(char *))) == NULL)
		goto oom;
	for (i = 0; i < r->ninclude; i++)
		if ((m->recipe.include[m->recipe.ninclude++] =
			     strdup(r->include[i])) == NULL)
			goto oom;
	*out = m;
	m = NULL;
	err = CR_OK;
	goto done;
oom:
	err = cr_error_set("out of memory");
done:
	if (pf != NULL)
		fclose(pf);
	if (tmpout != NULL)
		unlink(tmpout);
	for (i = 0; i < in.count; i++)
		pkg_clear(&in.pkgs[i]);
	free(in.pkgs);
	for (i = 0; i < (size_t)nh; i++)
		free(hooks[i]);
	cr_tree_free(tree);
	cr_root_debs_free(checked);
	cr_root_manifest_free(m);
	if (stage != NULL)
		cr_rmtree(stage);
	free(stage);
	free(debs);
	free(list);
	free(text);
	free(inc);
	free(archfree);
	free(tmpout);
	free(mirror);
	free(apt_mirror);
	return err;
}

const char *
cr_root_owner(const struct cr_root_owners *o, const char *path)
{
	static const char *const merged[] = {"bin/", "sbin/", "lib"};
	char alias[CR_TREE_MAX_PATH + 8];
	const char *hit;
	size_t i;

	if ((hit = owner_exact(o, path)) != NULL)
		return hit;
	/* Merged /usr: dpkg may know usr/bin/ls as bin/ls, and back. */
	for (i = 0; i < 3; i++) {
		if (strncmp(path, "usr/", 4) == 0 &&
		    strncmp(path + 4, merged[i], strlen(merged[i])) == 0)
			return owner_exact(o, path + 4);
		if (strncmp(path, merged[i], strlen(merged[i])) == 0 &&
		    strlen(path) < CR_TREE_MAX_PATH) {
			snprintf(alias, sizeof(alias), "usr/%s", path);
			return owner_exact(o, alias);
		}
	}
	return NULL;
}

/* ---- opening a root for a build ----------------------------------------- */

/*
 * "./a/b/" -> "a/b" into buf ("" for the root itself); NULL for a name that
 * leaves the root.
 */
static const char *
inside(char *buf, size_t n, const char *name)
{
	size_t len;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	if (*name == '/' || (len = strlen(name)) >= n)
		return NULL;
	memcpy(buf, name, len + 1);
	while (len > 0 && buf[len - 1] == '/')
		buf[--len] = '\0';
	if (len == 0 || strcmp(buf, ".") == 0) {
		buf[0] = '\0';
		return buf;
	}
	return safe_relpath(buf) ? buf : NULL;
}

static int
unpack(const char *file, const char *dest)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	struct archive *a, *disk = NULL;
	struct archive_entry *e;
	char path[PATH_MAX], link[PATH_MAX], nbuf[PATH_MAX], hbuf[PATH_MAX];
	const char *name, *h;
	unsigned int type;
	int flags, err = CR_ERROR;

	/* Names are made absolute below dest here: checked by inside(). */
	flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_XATTR;
	if (geteuid() == 0)
		flags |= ARCHIVE_EXTRACT_OWNER;
	if ((err = cr_archive_disk_new(&disk, flags)) < 0)
		goto done;
	if ((err = open_root_tar(&ca, file)) < 0)
		goto done;
	a = cr_archive_handle(ca);
	while ((err = cr_archive_next(ca, &am)) == CR_OK &&
	       (e = am.e) != NULL) {
		type = archive_entry_filetype(e);
		if (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO ||
		    type == AE_IFSOCK)
			continue;
		if (archive_entry_pathname(e) == NULL ||
		    (name = inside(nbuf, sizeof(nbuf),
				   archive_entry_pathname(e))) == NULL) {
			err = cr_error_set("%s: member '%s': leaves the root",
					   file,
					   archive_entry_pathname(e)
						   ? archive_entry_pathname(e)
						   : "?");
			goto done;
		}
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dest, name) >=
		    sizeof(path)) {
			err = cr_error_set("%s: %s: name too long", file, name);
			goto done;
		}
		archive_entry_set_pathname(e, path);
		if (archive_entry_hardlink(e) != NULL) {
			if ((h = inside(hbuf, sizeof(hbuf),
					archive_entry_hardlink(e))) == NULL ||
			    *h == '\0' ||
			    (size_t)snprintf(link, sizeof(link), "%s/%s", dest,
					     h) >= sizeof(link)) {
				err = cr_error_set("%s: %s: hard link out of "
						   "the root",
						   file, name);
				goto done;
			}
			archive_entry_set_hardlink(e, link);
		}
		if ((err = cr_archive_extract(disk, a, e, file, name)) < 0)
			goto done;
	}
	/* err: CR_OK at the end, else what cr_archive_next() refused. */
done:
	if (disk != NULL)
		archive_write_free(disk);
	cr_archive_free(ca);
	return err;
}

int
cr_root_open(struct cr_root **out, const char *path,
	     const struct cr_tree_opts *opts)
{
	struct cr_root *r = NULL;
	struct cr_tree *t = NULL, *again = NULL;
	struct stat st;
	int err;

	*out = NULL;
	if (stat(path, &st) < 0)
		return cr_error_errno("%s", path);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return cr_error_set("out of memory");
	if ((err = cr_root_hash(&t, path, opts)) < 0)
		goto done;
	memcpy(r->tree, t->root, CR_SHA256_LEN);
	r->files = t->count;
	if (S_ISDIR(st.st_mode)) {
		if ((r->dir = strdup(path)) == NULL)
			err = cr_error_set("out of memory");
		goto done;
	}
	if ((err = tempdir(&r->unpacked, "rootfs")) < 0 ||
	    (err = unpack(path, r->unpacked)) < 0 ||
	    (err = cr_root_hash(&again, r->unpacked, opts)) < 0)
		goto done;
	if (memcmp(again->root, r->tree, CR_SHA256_LEN) != 0) {
		err = cr_error_set("%s: unpacked, it is not the tree it hashes "
				   "to",
				   path);
		goto done;
	}
	if ((r->dir = strdup(r->unpacked)) == NULL)
		err = cr_error_set("out of memory");
done:
	cr_tree_free(t);
	cr_tree_free(again);
	if (err < 0) {
		cr_root_close(r);
		return err;
	}
	*out = r;
	return CR_OK;
}

void
cr_root_close(struct cr_root *r)
{
	if (r == NULL)
		return;
	if (r->unpacked != NULL)
		cr_rmtree(r->unpacked);
	free(r->unpacked);
	free(r->dir);
	cr_root_pkgs_free(r->pkgs, r->npkgs);
	cr_root_manifest_free(r->manifest);
	free(r);
}

/* ---- the root of a build: its packages, its record, its drift ----------- */

void
cr_root_pkgs_free(struct cr_root_pkg *p, size_t count)
{
	size_t i;

	for (i = 0; p != NULL && i < count; i++)
		pkg_clear(&p[i]);
	free(p);
}

struct pkglist {
	struct cr_root_pkg *pkgs;
	size_t count, alloc;
	const char *file;
};

static int
pkglist_add(struct pkglist *l, const char *name, const char *version,
	    const char *arch)
{
	struct cr_root_pkg *p;

	if (l->count >= CR_ROOT_MAX_PACKAGES)
		return cr_error_set("%s: more than %u packages", l->file,
				    CR_ROOT_MAX_PACKAGES);
	if (l->count == l->alloc) {
		l->alloc = l->alloc ? 2 * l->alloc : 256;
		if ((p = realloc(l->pkgs, l->alloc * sizeof(*p))) == NULL)
			return cr_error_set("out of memory");
		l->pkgs = p;
	}
	p = &l->pkgs[l->count];
	memset(p, 0, sizeof(*p));
	l->count++;
	if ((p->name = strdup(name)) == NULL ||
	    (p->version = strdup(version)) == NULL ||
	    (p->arch = strdup(arch)) == NULL)
		return cr_error_set("out of memory");
	return CR_OK;
}

static int
status_installed(void *ctx, const struct stanza *s)
{
	struct pkglist *l = ctx;
	size_t n = strlen(s->status);

	/* "install ok installed": what dpkg has unpacked and configured. */
	if (n < 10 || strcmp(s->status + n - 10, " installed") != 0)
		return 0;
	if (!plain_token(s->name, 256) || !plain_token(s->version, 256) ||
	    !plain_token(s->arch, 64))
		return cr_error_set("%s: an installed package with a "
				    "malformed name, version or architecture "
				    "(after %zu good ones)",
				    l->file, l->count);
	return pkglist_add(l, s->name, s->version, s->arch);
}

int
cr_root_installed(struct cr_root_pkg **out, size_t *count, const char *root)
{
	struct pkglist l = {0};
	char file[PATH_MAX];
	FILE *f;
	int err;

	*out = NULL;
	*count = 0;
	if (snprintf(file, sizeof(file), "%s/var/lib/dpkg/status",
		     strcmp(root, "/") == 0 ? "" : root) >= (int)sizeof(file))
		return cr_error_set("%s: path too long", root);
	l.file = file;
	if ((f = fopen(file, "re")) == NULL)
		return errno == ENOENT ? CR_OK : cr_error_errno("%s", file);
	err = packages_foreach(f, file, status_installed, &l);
	fclose(f);
	if (err < 0) {
		cr_root_pkgs_free(l.pkgs, l.count);
		return err;
	}
	if (l.count > 0)
		qsort(l.pkgs, l.count, sizeof(*l.pkgs), cmp_pkg);
	*out = l.pkgs;
	*count = l.count;
	return CR_OK;
}

void
cr_root_drift_free(struct cr_root_drift *d, size_t count)
{
	size_t i;

	for (i = 0; d != NULL && i < count; i++) {
		free(d[i].package);
		free(d[i].arch);
		free(d[i].attested);
		free(d[i].here);
	}
	free(d);
}

static int
cmp_name_arch(const struct cr_root_pkg *x, const struct cr_root_pkg *y)
{
	int c = strcmp(x->name, y->name);

	return c ? c : strcmp(x->arch, y->arch);
}

int
cr_root_drift_list(struct cr_root_drift **out, size_t *count,
		   const struct cr_root_pkg *a, size_t na,
		   const struct cr_root_pkg *b, size_t nb)
{
	struct cr_root_drift *d = NULL, *e;
	size_t i = 0, j = 0, n = 0;
	int c;

	*out = NULL;
	*count = 0;
	if ((d = calloc(na + nb + 1, sizeof(*d))) == NULL)
		return cr_error_set("out of memory");
	while (i < na || j < nb) {
		const struct cr_root_pkg *p;

		c = i >= na ? 1 : j >= nb ? -1 : cmp_name_arch(&a[i], &b[j]);
		p = c <= 0 ? &a[i] : &b[j];
		if (c == 0 && strcmp(a[i].version, b[j].version) == 0) {
			i++;
			j++;
			continue;
		}
		e = &d[n++];
		if ((e->package = strdup(p->name)) == NULL ||
		    (e->arch = strdup(p->arch)) == NULL ||
		    (c <= 0 && (e->attested = strdup(a[i].version)) == NULL) ||
		    (c >= 0 && (e->here = strdup(b[j].version)) == NULL)) {
			cr_root_drift_free(d, n);
			return cr_error_set("out of memory");
		}
		if (c <= 0)
			i++;
		if (c >= 0)
			j++;
	}
	*out = d;
	*count = n;
	return CR_OK;
}

int
cr_root_describe(struct cr_root *r, const char *path)
{
	struct cr_root_drift *d = NULL;
	char mf[PATH_MAX];
	size_t len = strlen(path), nd = 0;
	struct stat st;
	int err;

	if ((err = cr_root_installed(&r->pkgs, &r->npkgs, r->dir)) < 0)
		return err;
	while (len > 1 && path[len - 1] == '/')
		len--;
	if (r->unpacked != NULL && len > 4 &&
	    strcmp(path + len - 4, ".tar") == 0)
		len -= 4;
	if (len + 6 > sizeof(mf))
		return cr_error_set("%s: path too long", path);
	memcpy(mf, path, len);
	memcpy(mf + len, ".json", 6);
	if (stat(mf, &st) < 0)
		return errno == ENOENT ? CR_OK : cr_error_errno("%s", mf);
	if ((err = cr_root_manifest_load(&r->manifest, mf)) < 0)
		return err;
	if (memcmp(r->manifest->tree, r->tree, CR_SHA256_LEN) != 0)
		return cr_error_fail("%s: its tree hash is not the one of %s",
				     mf, path);
	if ((err = cr_root_drift_list(&d, &nd, r->manifest->pkgs,
				      r->manifest->npkgs, r->pkgs, r->npkgs)) <
	    0)
		return err;
	if (nd > 0)
		err = cr_error_fail("%s: package %s is %s there, %s in the "
				    "root's dpkg status",
				    mf, d[0].package,
				    d[0].attested ? d[0].attested : "absent",
				    d[0].here ? d[0].here : "absent");
	cr_root_drift_free(d, nd);
	return err;
}

/* A resource of name with one digest alg, hex of md; NULL out of memory. */
static struct cr_resource *
resource_new(const char *name, const char *alg, const unsigned char *md)
{
	char hex[CR_SHA256_HEXLEN + 1];
	struct cr_resource *dep;

	cr_hex_encode(hex, md, CR_SHA256_LEN);
	if ((dep = calloc(1, sizeof(*dep))) == NULL)
		return NULL;
	dep->has_annotations = 1;
	if (cr_resource_set(&dep->name, name) < 0 ||
	    cr_resource_add_digest(dep, alg, hex) < 0) {
		cr_resources_free(dep, 1);
		return NULL;
	}
	return dep;
}

struct cr_resource *
cr_root_dependency(const struct cr_root *r)
{
	const struct cr_root_manifest *m = r->manifest;
	struct cr_resource *dep = NULL;
	char uri[512], hex[CR_SHA256_HEXLEN + 1];
	json_t *mj = NULL;
	size_t i;

	if ((dep = resource_new(CR_STATEMENT_ROOTFS, CR_DIGEST_GITTREE,
				r->tree)) == NULL)
		return NULL;
	dep->ann.has_packages = 1;
	for (i = 0; i < r->npkgs; i++) {
		const struct cr_root_pkg *k = &r->pkgs[i];

		/* Tree and package list checked alike: same order. */
		if (m != NULL && i < m->npkgs)
			cr_hex_encode(hex, m->pkgs[i].sha256, CR_SHA256_LEN);
		if (cr_resource_add_package(
			    dep, k->name, k->version, k->arch,
			    m != NULL && i < m->npkgs ? hex : NULL) < 0)
			goto fail;
	}
	if (cr_resource_set(&dep->ann.packages_from,
			    m ? "ROOT.json" : "var/lib/dpkg/status") < 0)
		goto fail;
	if (m != NULL) {
		snprintf(uri, sizeof(uri),
			 "urn:cleanroom:root:debian:%s:%s%s%s", m->recipe.suite,
			 m->recipe.arch, m->recipe.snapshot ? ":" : "",
			 m->recipe.snapshot ? m->recipe.snapshot : "");
		/* Written after the annotations, as it always was. */
		dep->uri_last = 1;
		if ((mj = cr_root_manifest_json(m)) == NULL ||
		    cr_resource_set(&dep->uri, uri) < 0)
			goto fail;
		/* ROOT.json's recipe, as it is there. */
		dep->ann.recipe = json_incref(json_object_get(mj, "recipe"));
		json_decref(mj);
	}
	return dep;
fail:
	json_decref(mj);
	cr_resources_free(dep, 1);
	return NULL;
}

void
cr_root_record_clear(struct cr_root_record *rec)
{
	cr_root_pkgs_free(rec->pkgs, rec->npkgs);
	memset(rec, 0, sizeof(*rec));
}

int
cr_root_pkgs_digest(unsigned char out[CR_SHA256_LEN],
		    const struct cr_root_pkg *p, size_t n)
{
	struct cr_sha256 h;
	size_t i;
	int err;

	if ((err = cr_sha256_init(&h)) < 0)
		return err;
	for (i = 0; i < n && err == CR_OK; i++)
		if ((err = cr_sha256_update(&h, p[i].name, strlen(p[i].name))) <
			    0 ||
		    (err = cr_sha256_update(&h, " ", 1)) < 0 ||
		    (err = cr_sha256_update(&h, p[i].version,
					    strlen(p[i].version))) < 0 ||
		    (err = cr_sha256_update(&h, " ", 1)) < 0 ||
		    (err = cr_sha256_update(&h, p[i].arch, strlen(p[i].arch))) <
			    0 ||
		    (err = cr_sha256_update(&h, "\n", 1)) < 0)
			break;
	if (err == CR_OK)
		err = cr_sha256_final(&h, out);
	cr_sha256_dispose(&h);
	return err;
}

/* The architecture most packages have: the host's own. */
static const char *
native_arch(const struct cr_root_pkg *p, size_t n)
{
	size_t i, amd = 0, best = 0, k, c;
	const char *a = "amd64";

	for (i = 0; i < n && i < 4096; i++) {
		if (strcmp(p[i].arch, "all") == 0)
			continue;
		for (c = 0, k = 0; k < n && k < 4096; k++)
			c += strcmp(p[k].arch, p[i].arch) == 0;
		if (c > best) {
			best = c;
			a = p[i].arch;
		}
		if (++amd > 8)
			break; /* a few samples are enough */
	}
	return a;
}

struct cr_resource *
cr_root_host_dependency(const struct cr_root_pkg *pkgs, size_t n)
{
	unsigned char md[CR_SHA256_LEN];
	const char *native = native_arch(pkgs, n);
	char *text = NULL, *t, *b64 = NULL;
	unsigned char *z = NULL;
	uLongf zlen;
	size_t len = 0, cap = 0, need, i;
	struct cr_resource *dep = NULL;

	/*
	 * One line a package, "NAME VERSION", "NAME:ARCH VERSION" when not
	 * the native architecture: a statement must stay small enough for a
	 * transparency log entry (64 KiB) on a host with a thousand packages.
	 */
	for (i = 0; i < n; i++) {
		int other = strcmp(pkgs[i].arch, native) != 0;

		need = strlen(pkgs[i].name) + strlen(pkgs[i].version) +
		       (other ? strlen(pkgs[i].arch) + 1 : 0) + 3;
		if (len + need > cap) {
			cap = (len + need) * 2;
			if ((t = realloc(text, cap)) == NULL)
				goto done;
			text = t;
		}
		len += (size_t)snprintf(text + len, cap - len, "%s%s%s %s\n",
					pkgs[i].name, other ? ":" : "",
					other ? pkgs[i].arch : "",
					pkgs[i].version);
	}
	if (cr_sha256_buf(md, text ? text : "", len) < 0)
		goto done;
	/* zlib, then base64: a thousand packages in a dozen KiB. */
	zlen = compressBound((uLong)len);
	if ((z = malloc(zlen)) == NULL ||
	    compress2(z, &zlen, (const Bytef *)(text ? text : ""), (uLong)len,
		      9) != Z_OK ||
	    cr_base64_encode(&b64, z, zlen) < 0)
		goto done;
	if ((dep = resource_new(CR_ROOT_HOST_NAME, "sha256", md)) == NULL)
		goto done;
	if (cr_resource_set(&dep->uri, "urn:cleanroom:root:host") < 0 ||
	    cr_resource_set(&dep->ann.packages_from, "var/lib/dpkg/status") <
		    0 ||
	    cr_resource_set(&dep->ann.architecture, native) < 0 ||
	    cr_resource_set(&dep->ann.packages_encoding, "zlib+base64") < 0 ||
	    cr_resource_set(&dep->ann.packages_text, b64) < 0) {
		cr_resources_free(dep, 1);
		dep = NULL;
	}
done:
	free(text);
	free(z);
	free(b64);
	return dep;
}

/* The packages of a recorded root (the codec checked them), sorted. */
static int
record_pkgs(struct cr_root_record *out, const struct cr_resource *d,
	    const char *file)
{
	struct pkglist l = {0};
	size_t i;
	int err;

	l.file = file;
	if (d->ann.packages_problem != NULL)
		return cr_error_set("%s: %s", file, d->ann.packages_problem);
	for (i = 0; i < d->ann.npackages; i++)
		if ((err = pkglist_add(&l, d->ann.packages[i].name,
				       d->ann.packages[i].version,
				       d->ann.packages[i].arch)) < 0) {
			cr_root_pkgs_free(l.pkgs, l.count);
			return err;
		}
	if ((err = pkgs_sort_once(l.pkgs, l.count, file)) < 0) {
		cr_root_pkgs_free(l.pkgs, l.count);
		return err;
	}
	out->pkgs = l.pkgs;
	out->npkgs = l.count;
	out->has_pkgs = 1;
	return CR_OK;
}

/* The resolvedDependencies entry named name, with a digest of alg. */
static const struct cr_resource *
find_dep(const struct cr_statement *st, const char *name, const char *alg,
	 unsigned char md[CR_SHA256_LEN])
{
	const char *hex;
	size_t i;

	for (i = 0; i < st->ndeps; i++) {
		const struct cr_resource *d = &st->deps[i];

		hex = cr_resource_digest(d, alg);
		if (d->name != NULL && strcmp(d->name, name) == 0 &&
		    hex != NULL && strlen(hex) == 64 &&
		    cr_hex_decode(md, CR_SHA256_LEN, hex) == 0)
			return d;
	}
	return NULL;
}

int
cr_root_record_get(struct cr_root_record *out, int *found,
		   const struct cr_statement *st)
{
	const struct cr_resource *d;

	memset(out, 0, sizeof(*out));
	*found = 0;
	if ((d = find_dep(st, CR_STATEMENT_ROOTFS, CR_DIGEST_GITTREE,
			  out->tree)) == NULL)
		return CR_OK;
	*found = 1;
	if (!d->ann.has_packages && d->ann.packages_problem == NULL)
		return CR_OK;
	return record_pkgs(out, d, "the statement's rootfs");
}

int
cr_root_host_record_get(struct cr_root_record *out, int *found,
			const struct cr_statement *st)
{
	unsigned char md[CR_SHA256_LEN], got[CR_SHA256_LEN];
	unsigned char *z = NULL;
	struct pkglist l = {0};
	const char *b64, *native, *enc, *s, *e;
	char line[600], *sp, *colon, *text = NULL;
	const struct cr_resource *d;
	size_t zlen = 0;
	uLongf len = CR_ROOT_HOST_MAX_TEXT;
	int err;

	memset(out, 0, sizeof(*out));
	*found = 0;
	l.file = "the statement's " CR_ROOT_HOST_NAME;
	if ((d = find_dep(st, CR_ROOT_HOST_NAME, "sha256", md)) == NULL)
		return CR_OK;
	b64 = d->ann.packages_text;
	native = d->ann.architecture;
	enc = d->ann.packages_encoding;
	if (b64 == NULL || native == NULL || !plain_token(native, 64) ||
	    enc == NULL || strcmp(enc, "zlib+base64") != 0)
		return cr_error_set("%s: no packages, architecture or "
				    "zlib+base64 encoding",
				    l.file);
	/* Inflated into a bounded buffer: a zlib bomb stops at the cap. */
	if ((text = malloc(CR_ROOT_HOST_MAX_TEXT + 1)) == NULL)
		return cr_error_set("out of memory");
	if (cr_base64_decode(&z, &zlen, b64, strlen(b64)) < 0 ||
	    uncompress((Bytef *)text, &len, z, (uLong)zlen) != Z_OK) {
		err = cr_error_set("%s: its packages are not zlib+base64 of "
				   "at most %u bytes",
				   l.file, CR_ROOT_HOST_MAX_TEXT);
		goto fail;
	}
	text[len] = '\0';
	/* The digest binds the list: an edited list is refused. */
	if ((err = cr_sha256_buf(got, text, len)) < 0)
		goto fail;
	if (strlen(text) != len || memcmp(got, md, CR_SHA256_LEN) != 0) {
		err = cr_error_set("%s: its digest is not the one of its "
				   "package list",
				   l.file);
		goto fail;
	}
	for (s = text; *s; s = e + 1) {
		if ((e = strchr(s, '\n')) == NULL ||
		    (size_t)(e - s) >= sizeof(line)) {
			err = cr_error_set("%s: package %zu is malformed",
					   l.file, l.count + 1);
			goto fail;
		}
		memcpy(line, s, (size_t)(e - s));
		line[e - s] = '\0';
		if ((sp = strchr(line, ' ')) == NULL) {
			err = cr_error_set("%s: package %zu is malformed",
					   l.file, l.count + 1);
			goto fail;
		}
		*sp++ = '\0';
		if ((colon = strchr(line, ':')) != NULL)
			*colon++ = '\0';
		if (!plain_token(line, 256) || !plain_token(sp, 256) ||
		    (colon && !plain_token(colon, 64))) {
			err = cr_error_set("%s: package %zu is malformed",
					   l.file, l.count + 1);
			goto fail;
		}
		if ((err = pkglist_add(&l, line, sp, colon ? colon : native)) <
		    0)
			goto fail;
	}
	if ((err = pkgs_sort_once(l.pkgs, l.count, l.file)) < 0)
		goto fail;
	out->pkgs = l.pkgs;
	out->npkgs = l.count;
	out->has_pkgs = 1;
	memcpy(out->tree, md, CR_SHA256_LEN);
	*found = 1;
	free(text);
	free(z);
	return CR_OK;
fail:
	cr_root_pkgs_free(l.pkgs, l.count);
	free(text);
	free(z);
	return err;
}

/* ---- the root a recipe names -------------------------------------------- */

int
cr_root_manifest_write(const struct cr_root_manifest *m, const char *path)
{
	json_t *j = cr_root_manifest_json(m);
	char *text = NULL, *t;
	size_t n;
	int err;

	if (j == NULL ||
	    (text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
		    NULL) {
		json_decref(j);
		return cr_error_set("out of memory");
	}
	json_decref(j);
	n = strlen(text);
	if ((t = realloc(text, n + 2)) == NULL) {
		free(text);
		return cr_error_set("out of memory");
	}
	text = t;
	text[n] = '\n';
	text[n + 1] = '\0';
	err = cr_write_atomic(path, text, n + 1, 0644, 0);
	free(text);
	return err;
}

static int
cmp_cstr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The recipe's include list, sorted (borrowed strings). */
static int
want_include(const char ***out, size_t *n, json_t *want)
{
	json_t *inc = json_object_get(want, "include"), *v;
	size_t i;

	*out = NULL;
	*n = json_array_size(inc);
	if (*n > CR_ROOT_MAX_INCLUDE)
		return cr_error_set("root.include: more than %u packages",
				    CR_ROOT_MAX_INCLUDE);
	if ((*out = calloc(*n + 1, sizeof(**out))) == NULL)
		return cr_error_set("out of memory");
	json_array_foreach(inc, i, v)(*out)[i] = json_string_value(v);
	for (i = 0; i < *n; i++)
		if ((*out)[i] == NULL || !plain_token((*out)[i], 256) ||
		    strchr((*out)[i], ',') != NULL) {
			free(*out);
			*out = NULL;
			return cr_error_set("root.include[%zu]: not a package "
					    "name",
					    i);
		}
	if (*n > 1)
		qsort(*out, *n, sizeof(**out), cmp_cstr);
	return CR_OK;
}

int
cr_root_recipe_check(const struct cr_root_manifest *m, json_t *want,
		     const char *name)
{
	const char *suite = jstr(want, "suite"), *snap = jstr(want, "snapshot");
	const char **inc = NULL;
	char **have = NULL;
	size_t n = 0, i;
	int err;

	if (suite == NULL || strcmp(suite, m->recipe.suite) != 0)
		return cr_error_fail("%s: the root is of suite %s, the recipe "
				     "names %s",
				     name, m->recipe.suite,
				     suite ? suite : "none");
	if ((snap == NULL) != (m->recipe.snapshot == NULL) ||
	    (snap != NULL && strcmp(snap, m->recipe.snapshot) != 0))
		return cr_error_fail(
			"%s: the root's snapshot is %s, the "
			"recipe names %s",
			name, m->recipe.snapshot ? m->recipe.snapshot : "none",
			snap ? snap : "none");
	if ((err = want_include(&inc, &n, want)) < 0)
		return err;
	if (n != m->recipe.ninclude ||
	    (have = calloc(n + 1, sizeof(*have))) == NULL) {
		err = n != m->recipe.ninclude
			      ? cr_error_fail("%s: the root includes %zu "
					      "packages, the recipe names %zu",
					      name, m->recipe.ninclude, n)
			      : cr_error_set("out of memory");
		goto done;
	}
	for (i = 0; i < n; i++)
		have[i] = m->recipe.include[i];
	if (n > 1)
		qsort(have, n, sizeof(*have), cmp_cstr);
	for (i = 0; i < n; i++)
		if (strcmp(have[i], inc[i]) != 0) {
			err = cr_error_fail("%s: the root includes %s, the "
					    "recipe names %s",
					    name, have[i], inc[i]);
			goto done;
		}
	err = CR_OK;
done:
	free(have);
	free(inc);
	return err;
}

int
cr_root_recipe_cache_name(char **out, json_t *want, const char *cache)
{
	const char *suite = jstr(want, "suite"), *snap = jstr(want, "snapshot");
	const char **inc = NULL;
	unsigned char md[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1];
	struct cr_sha256 h;
	size_t n = 0, i;
	int err;

	*out = NULL;
	if (suite == NULL || !plain_token(suite, 64))
		return cr_error_set("root.suite: not a suite name");
	if (snap != NULL && !plain_token(snap, 64))
		return cr_error_set("root.snapshot: not a timestamp");
	if ((err = want_include(&inc, &n, want)) < 0)
		return err;
	/* The key: suite, snapshot and the sorted includes, one a line. */
	if ((err = cr_sha256_init(&h)) == CR_OK) {
		cr_sha256_update(&h, suite, strlen(suite));
		cr_sha256_update(&h, "\n", 1);
		if (snap != NULL)
			cr_sha256_update(&h, snap, strlen(snap));
		cr_sha256_update(&h, "\n", 1);
		for (i = 0; i < n; i++) {
			cr_sha256_update(&h, inc[i], strlen(inc[i]));
			cr_sha256_update(&h, "\n", 1);
		}
		err = cr_sha256_final(&h, md);
		cr_sha256_dispose(&h);
	}
	free(inc);
	if (err < 0)
		return err;
	cr_hex_encode(hex, md, CR_SHA256_LEN);
	hex[16] = '\0';
	if (asprintf(out, "%s/root-%s-%s.tar", cache, suite, hex) < 0) {
		*out = NULL;
		return cr_error_set("out of memory");
	}
	return CR_OK;
}

int
cr_root_for_recipe(struct cr_root **out, json_t *want, const char *given,
		   const char *cache, const char *name,
		   void (*progress)(void *ctx, const char *line), void *ctx)
{
	struct cr_root_create_opts o = {0};
	struct cr_root_recipe r = {0};
	struct cr_root_manifest *m = NULL;
	struct cr_tree_opts topts = {0};
	const char **inc = NULL;
	char *tar = NULL, *json = NULL, *debs = NULL, *debcache = NULL;
	struct stat st;
	size_t n = 0;
	int err;

	*out = NULL;
	if (given == NULL && cache == NULL)
		return cr_error_set(
			"%s: names a root (suite %s): give --root "
			"ROOT.tar (made by attest root create "
			"as the recipe says) or --root-cache DIR "
			"(or CLEANROOM_ROOT_CACHE) to make it "
			"there",
			name, jstr(want, "suite") ? jstr(want, "suite") : "?");
	if (given == NULL) {
		if ((err = cr_root_recipe_cache_name(&tar, want, cache)) < 0)
			goto done;
		if (stat(tar, &st) < 0 && errno != ENOENT) {
			err = cr_error_errno("%s", tar);
			goto done;
		}
		if (stat(tar, &st) < 0) {
			if ((err = want_include(&inc, &n, want)) < 0)
				goto done;
			r.suite = (char *)jstr(want, "suite");
			r.snapshot = (char *)jstr(want, "snapshot");
			r.include = (char **)inc;
			r.ninclude = n;
			r.source_date_epoch = -1;
			/* Its .debs kept beside it, for verify root --debs. */
			if (asprintf(&debs, "%.*s.debs", (int)(strlen(tar) - 4),
				     tar) < 0) {
				debs = NULL;
				err = cr_error_set("out of memory");
				goto done;
			}
			/*
			 * The .debs in a directory of their own: mmdebstrap
			 * copies the whole cache into the root's apt cache.
			 */
			if (asprintf(&debcache, "%s/debs", cache) < 0) {
				debcache = NULL;
				err = cr_error_set("out of memory");
				goto done;
			}
			o.recipe = &r;
			o.output = tar;
			o.debs = debs;
			o.cache = debcache;
			o.progress = progress;
			o.progress_ctx = ctx;
			if ((err = cr_root_create(&m, &o)) < 0)
				goto done;
			if (asprintf(&json, "%.*s.json", (int)(strlen(tar) - 4),
				     tar) < 0) {
				json = NULL;
				err = cr_error_set("out of memory");
				goto done;
			}
			if ((err = cr_root_manifest_write(m, json)) < 0)
				goto done;
			free(json);
			if (asprintf(&json, "%s/ROOT.json", debs) < 0) {
				json = NULL;
				err = cr_error_set("out of memory");
				goto done;
			}
			if ((err = cr_root_manifest_write(m, json)) < 0)
				goto done;
		}
		given = tar;
	}
	topts.skip_special = 1;
	if ((err = cr_root_open(out, given, &topts)) < 0 ||
	    (err = cr_root_describe(*out, given)) < 0)
		goto done;
	/* Another root than the recipe's: nothing to check it against. */
	if ((*out)->manifest == NULL) {
		err = cr_error_set("%s: names a root, and %s has no ROOT.json "
				   "beside it to say how it was made",
				   name, given);
		goto done;
	}
	if ((err = cr_root_recipe_check((*out)->manifest, want, name)) ==
	    CR_EFAIL)
		err = CR_ERROR;
done:
	if (err < 0) {
		cr_root_close(*out);
		*out = NULL;
	}
	cr_root_manifest_free(m);
	free(inc);
	free(tar);
	free(json);
	free(debs);
	free(debcache);
	return err;
}

int
cr_root_select(struct cr_root **out, struct cr_resource **dep, json_t *want,
	       const char *given, const char *cache, const char *source,
	       void (*progress)(void *ctx, const char *line), void *ctx)
{
	struct cr_tree_opts topts = {0};
	struct cr_root *r = NULL;
	char name[4200];
	int err;

	*out = NULL;
	*dep = NULL;
	if (want != NULL) {
		if (cache == NULL)
			cache = getenv("CLEANROOM_ROOT_CACHE");
		snprintf(name, sizeof(name), "%s: %s", source, CR_RECIPE_FILE);
		err = cr_root_for_recipe(&r, want, given, cache, name, progress,
					 ctx);
	} else if (given != NULL) {
		topts.skip_special = 1;
		if ((err = cr_root_open(&r, given, &topts)) == CR_OK)
			err = cr_root_describe(r, given);
	} else {
		return CR_OK;
	}
	if (err == CR_OK && (*dep = cr_root_dependency(r)) == NULL)
		err = cr_error_set("out of memory");
	if (err < 0) {
		cr_root_close(r);
		return err;
	}
	*out = r;
	return CR_OK;
}
