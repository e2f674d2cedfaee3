/* Pinned Debian roots: ROOT.json, the archive's signature chain, tree hashes. */
#ifndef CR_ROOT_H
#define CR_ROOT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sha256.h"
#include "statement.h"
#include "tree.h"

#define CR_ROOT_TYPE "urn:cleanroom:root:v1"
#define CR_ROOT_KEYRING "/usr/share/keyrings/debian-archive-keyring.gpg"

/* Caps on what a root, its manifest and its archive files may hold. */
#define CR_ROOT_MAX_PACKAGES CR_STATEMENT_MAX_PACKAGES
#define CR_ROOT_MAX_INCLUDE 1024u
#define CR_ROOT_MAX_MANIFEST (64u << 20)
#define CR_ROOT_MAX_RELEASE (16u << 20)
#define CR_ROOT_MAX_PACKAGES_FILE (1024ull << 20)

/* One Debian package of a root. */
struct cr_root_pkg {
	char *name;
	char *version;
	char *arch;
	char *filename; /* the pool path Packages gives, "" when unknown */
	unsigned char sha256[CR_SHA256_LEN]; /* of the .deb */
	uint64_t size;
};

/* How a root is made: what `attest root create` was asked for. */
struct cr_root_recipe {
	char *suite;	/* "bookworm" */
	char *snapshot; /* "20250520T000000Z" or NULL */
	char *mirror;	/* the mirror it was fetched from */
	char *variant;	/* mmdebstrap's --variant: "minbase" */
	char *arch;	/* "amd64" */
	char **include; /* extra packages */
	size_t ninclude;
	int64_t source_date_epoch;
};

/* ROOT.json: the recipe, the result and every package in it. */
struct cr_root_manifest {
	struct cr_root_recipe recipe;
	unsigned char tree[CR_SHA256_LEN];	    /* the root's tree hash */
	unsigned char tar[CR_SHA256_LEN];	    /* ROOT.tar's bytes */
	unsigned char release[CR_SHA256_LEN];	    /* InRelease's bytes */
	char *release_date;			    /* its Date: field */
	unsigned char packages_file[CR_SHA256_LEN]; /* Packages' bytes */
	struct cr_root_pkg *pkgs;		    /* sorted by name */
	size_t npkgs;
};

/*
 * The JSON form (see docs/format.md), a new reference the caller
 * json_decref()s; NULL when out of memory.
 */
json_t *cr_root_manifest_json(const struct cr_root_manifest *m);

/*
 * Reads ROOT.json strictly (at most CR_ROOT_MAX_MANIFEST bytes): duplicate
 * keys, a wrong _type, missing or mistyped fields, a name, version or
 * architecture that is not a plain token, a package listed twice, bad hex
 * and more than the caps are CR_ERROR naming file. *out is the caller's
 * (cr_root_manifest_free()); NULL on failure.
 */
int cr_root_manifest_load(struct cr_root_manifest **out, const char *file);

/* Frees m and everything it holds; NULL is accepted. */
void cr_root_manifest_free(struct cr_root_manifest *m);

/* Frees what a recipe holds (not the struct) and zeroes it; NULL ignored. */
void cr_root_recipe_clear(struct cr_root_recipe *r);

/*
 * The tree hash of a root, a directory or a tar archive (ROOT.tar): the
 * source tree hash with device nodes, FIFOs and sockets left out, the way
 * `attest build --root` records a root and `attest hash --root-fs` prints
 * it. Owners, times and permission bits other than the owner's execute bit
 * do not count, as for any tree hash. opts (NULL: defaults) is taken as
 * cr_tree_from_path() takes it, skip_special forced on and no components
 * stripped. *out is the caller's (cr_tree_free()); CR_ERROR as
 * cr_tree_from_path() fails (unreadable, malformed or hostile input).
 */
int cr_root_hash(struct cr_tree **out, const char *path,
		 const struct cr_tree_opts *opts);

/* A root ready for a build: a directory and its tree hash. */
struct cr_root {
	char *dir;			   /* the root to build in */
	char *unpacked;			   /* our private copy, or NULL */
	unsigned char tree[CR_SHA256_LEN]; /* its root tree hash */
	size_t files;
	/* Filled by cr_root_describe(): */
	struct cr_root_pkg *pkgs; /* installed, from dpkg status, sorted */
	size_t npkgs;
	struct cr_root_manifest *manifest; /* the ROOT.json beside, or NULL */
};

/*
 * Opens a root for `attest build --root` and `verify rebuild --root`: a
 * directory is used as it is; a ROOT.tar is hashed, then unpacked into a
 * private temporary directory (device nodes left out: the sandbox makes its
 * own /dev; owners kept when run as root; names checked again; hard links
 * only to earlier members), and the directory is hashed again and must give
 * the tar's tree hash, so the tree hash recorded is the one of the files the
 * build runs on. *out is the caller's, to give to cr_root_close(), which
 * removes the private copy; pkgs and manifest stay empty until
 * cr_root_describe(). CR_ERROR (nothing left behind) when path cannot be
 * read or hashed, or unpacked does not give the tar's tree hash.
 */
int cr_root_open(struct cr_root **out, const char *path,
		 const struct cr_tree_opts *opts);
/*
 * Removes the private copy a ROOT.tar was unpacked to and frees r (NULL
 * accepted). A directory given as the root is never touched.
 */
void cr_root_close(struct cr_root *r);

/*
 * The packages a root's dpkg database (var/lib/dpkg/status under root;
 * "/" for the host) says are installed: name, version, architecture, sorted
 * by name and architecture. A root without a dpkg database has none
 * (CR_OK, *out NULL, *count 0). *out is the caller's (cr_root_pkgs_free()).
 * CR_ERROR when the status file cannot be read, an installed package lacks
 * a plain name, version or architecture, or there are more than
 * CR_ROOT_MAX_PACKAGES.
 */
int cr_root_installed(struct cr_root_pkg **out, size_t *count,
		      const char *root);
/* Frees count packages and the array; NULL is accepted. */
void cr_root_pkgs_free(struct cr_root_pkg *p, size_t count);

/*
 * Fills r->pkgs from the opened root's dpkg status and loads the ROOT.json
 * beside path (X.tar: X.json; a directory DIR: DIR.json) when there is one:
 * its tree hash must be the root's and its packages the installed ones
 * (CR_EFAIL naming the file otherwise). CR_ERROR when the status or
 * ROOT.json cannot be read (cr_root_installed(), cr_root_manifest_load()).
 * What it fills is r's, freed by cr_root_close().
 */
int cr_root_describe(struct cr_root *r, const char *path);

/*
 * The root as a statement's resolvedDependencies entry (docs/format.md):
 * name "rootfs", digest.gitTree, never a local path; annotations hold the
 * recipe (from ROOT.json, with uri urn:cleanroom:root:debian:SUITE:ARCH
 * [:SNAPSHOT]) and every package r->pkgs holds (with its .deb SHA-256
 * when ROOT.json gives it, in the same order), typed in struct cr_resource's
 * ann (packages, packages_from, recipe). Allocated (cr_resources_free(dep,
 * 1)); NULL when out of memory.
 */
struct cr_resource *cr_root_dependency(const struct cr_root *r);

/* The root a statement records (the "rootfs" dependency). */
struct cr_root_record {
	unsigned char tree[CR_SHA256_LEN];
	struct cr_root_pkg *pkgs; /* sorted; none when not recorded */
	size_t npkgs;
	int has_pkgs; /* the statement lists its packages */
};

/*
 * Reads the root statement records (its "rootfs" dependency with a gitTree
 * of 64 hex digits): CR_OK with *found 0 when it records none, and
 * has_pkgs 0 when it lists no packages; CR_ERROR naming "the statement's
 * rootfs" when its packages are not a list, one is malformed or there are
 * more than CR_ROOT_MAX_PACKAGES (the decoder's packages_problem). out is
 * the caller's to cr_root_record_clear(), after a failure too.
 */
int cr_root_record_get(struct cr_root_record *out, int *found,
		       const struct cr_statement *st);
/* Frees what rec holds and zeroes it. */
void cr_root_record_clear(struct cr_root_record *rec);

/* The host's package set in a statement, for a build with no --root. */
#define CR_ROOT_HOST_NAME "hostfs"
#define CR_ROOT_HOST_MAX_TEXT (4u << 20) /* its list, inflated */

/*
 * SHA-256 of the n packages as lines "NAME VERSION ARCH\n", in the order
 * given. CR_ERROR only when OpenSSL fails.
 */
int cr_root_pkgs_digest(unsigned char out[CR_SHA256_LEN],
			const struct cr_root_pkg *p, size_t n);

/*
 * The host's packages (sorted, cr_root_installed() of "/") as a statement's
 * resolvedDependencies entry, like a .buildinfo's Installed-Build-Depends:
 * name "hostfs", uri urn:cleanroom:root:host, annotations.architecture (the
 * native one) and annotations.packages, one text of lines "NAME VERSION"
 * ("NAME:ARCH VERSION" for another architecture) compressed with zlib and
 * base64-encoded (packagesEncoding "zlib+base64") so that a statement fits
 * a transparency log entry; digest.sha256 is the SHA-256 of that text.
 * Allocated (cr_resources_free(dep, 1)); NULL when out of memory.
 */
struct cr_resource *cr_root_host_dependency(const struct cr_root_pkg *pkgs,
					    size_t n);

/*
 * Reads the host package set a statement records: *found 0 when none;
 * CR_ERROR when its packages are malformed, too many, or not the ones its
 * digest names (the inflated text is capped at CR_ROOT_HOST_MAX_TEXT).
 * out->tree holds that digest. out is the caller's to
 * cr_root_record_clear(), after a failure too.
 */
int cr_root_host_record_get(struct cr_root_record *out, int *found,
			    const struct cr_statement *st);

/* One package that differs between the attested root and here. */
struct cr_root_drift {
	char *package;
	char *arch;
	char *attested; /* its version, NULL: not in the attested root */
	char *here;	/* its version, NULL: not installed here */
};

/*
 * The packages (by name and architecture) whose version differs between
 * the lists a (attested) and b (here), both sorted by name and
 * architecture as cr_root_installed() sorts them, or that only one has; in
 * that order, one merge pass. *out is the caller's (cr_root_drift_free());
 * CR_ERROR only when out of memory.
 */
int cr_root_drift_list(struct cr_root_drift **out, size_t *count,
		       const struct cr_root_pkg *a, size_t na,
		       const struct cr_root_pkg *b, size_t nb);
/* Frees count drift entries and the array; NULL is accepted. */
void cr_root_drift_free(struct cr_root_drift *d, size_t count);

/*
 * The mirror this machine's apt uses for Debian: the first URIs: of
 * /etc/apt/sources.list.d/debian.sources, else the first "deb" line of
 * /etc/apt/sources.list, an http://, https:// or file:// URL. *out is
 * the caller's to free(); CR_ERROR when neither file names one (or out of
 * memory, reported the same way).
 */
int cr_root_default_mirror(char **out);

/*
 * "20250520T000000Z" (or without the Z) as seconds since the epoch, UTC;
 * CR_ERROR naming the snapshot when it is not that form or before 1970.
 */
int cr_root_snapshot_time(int64_t *out, const char *snapshot);

/* One .deb found in a --debs directory and what became of its check. */
enum cr_deb_state {
	CR_DEB_OK = 0,
	CR_DEB_UNLISTED = 1, /* no Packages entry has its path */
	CR_DEB_DIFFERS = 2,  /* its SHA-256 is not the one Packages lists */
	CR_DEB_MISSING = 3,  /* the manifest names it, the directory lacks it */
};

struct cr_root_deb {
	struct cr_root_pkg pkg; /* from Packages when listed */
	enum cr_deb_state state;
	unsigned char got[CR_SHA256_LEN]; /* the file's digest */
};

/* What a --debs directory holds, checked. */
struct cr_root_debs {
	char *suite;
	char *arch;
	char *release_date;
	int64_t release_time;
	unsigned char release[CR_SHA256_LEN];
	unsigned char packages_file[CR_SHA256_LEN];
	struct cr_root_deb *debs; /* sorted by path */
	size_t count;
	size_t nbad; /* entries whose state is not CR_DEB_OK */
};

/*
 * Checks a --debs directory offline, the way apt would trust it: the
 * layout is a file:// mirror (dists/SUITE/InRelease,
 * dists/SUITE/main/binary-ARCH/Packages, the .debs at their pool paths).
 * InRelease must carry a good signature by a key of keyring (gpgv; NULL:
 * CR_ROOT_KEYRING), and only the signed text is read; Packages must have
 * the SHA256 InRelease lists for it; each .deb must have the SHA256 its
 * Packages entry lists. A refused signature or Packages is CR_EFAIL with a
 * message; a .deb that fails is recorded in the result (nbad) and is not an
 * error here. A manifest, when given, adds its packages the directory lacks
 * as CR_DEB_MISSING and any whose digest differs as CR_DEB_DIFFERS.
 * Runs gpgv in a child process (fork and exec, its output read through a
 * pipe). *out is the caller's (cr_root_debs_free()); CR_ERROR when the
 * directory or its files cannot be read or are malformed or over the caps.
 */
int cr_root_debs_check(struct cr_root_debs **out, const char *dir,
		       const char *keyring,
		       const struct cr_root_manifest *manifest);

/* Frees d and everything it holds; NULL is accepted. */
void cr_root_debs_free(struct cr_root_debs *d);

/* Options of cr_root_create(). */
struct cr_root_create_opts {
	const struct cr_root_recipe *recipe; /* mirror NULL: the default */
	const char *output;		     /* ROOT.tar */
	const char *debs;    /* keep the mirror layout here, or NULL */
	const char *cache;   /* .debs reused and kept here, or NULL */
	const char *keyring; /* NULL: CR_ROOT_KEYRING */
	/* Called with each line mmdebstrap prints, when not NULL. */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
};

/*
 * Makes a root with mmdebstrap (as root --mode=root, else --mode=unshare):
 * SOURCE_DATE_EPOCH from the recipe, else from the snapshot, else from the
 * Date of the InRelease the mirror serves (fetched first with curl and
 * checked with gpgv); /etc/resolv.conf, /etc/hostname and
 * /etc/apt/sources.list left out, so the same recipe and mirror state give
 * the same bytes anywhere. Then checks the archive chain of every package
 * installed, writes opts->output atomically and fills the manifest (to be
 * written by the caller with cr_root_manifest_json()). A mirror "file://DIR"
 * recreates a root from a --debs directory offline. CR_EFAIL when a package
 * fails the chain; CR_ERROR when mmdebstrap or the mirror fails. Runs
 * curl, gpgv and mmdebstrap as child processes and may take minutes;
 * progress is called from this thread. *out is the caller's
 * (cr_root_manifest_free()); nothing is written at opts->output on failure.
 */
int cr_root_create(struct cr_root_manifest **out,
		   const struct cr_root_create_opts *opts);

/*
 * Writes ROOT.json atomically (cr_root_manifest_json(), indented, a final
 * newline, mode 0644), replacing path. CR_ERROR out of memory or when the
 * write fails (cr_write_atomic()).
 */
int cr_root_manifest_write(const struct cr_root_manifest *m, const char *path);

/*
 * Whether the root manifest m describes was made as a recipe's "root"
 * object (cleanroom.json: suite, snapshot, include) asks: the same suite,
 * the same snapshot (or none on both sides) and the same set of included
 * packages. CR_EFAIL naming name and what differs (a missing suite too);
 * CR_ERROR when include is not a list of at most CR_ROOT_MAX_INCLUDE
 * package names (the message names root.include, not name), or out of
 * memory.
 */
int cr_root_recipe_check(const struct cr_root_manifest *m, json_t *want,
			 const char *name);

/*
 * Where a recipe's root is kept in a cache directory:
 * CACHE/root-SUITE-KEY.tar, KEY the first 16 hex digits of the SHA-256 of
 * the suite, the snapshot and the sorted includes, one a line. *out is
 * the caller's to free(); CR_ERROR when want is malformed (as for
 * cr_root_recipe_check()) or out of memory.
 */
int cr_root_recipe_cache_name(char **out, json_t *want, const char *cache);

/*
 * Opens the root a recipe's "root" names (name: the recipe, for messages):
 * given (--root DIR|ROOT.tar), which must have its ROOT.json beside it and
 * match the recipe (cr_root_recipe_check()); else the ROOT.tar kept in cache
 * under cr_root_recipe_cache_name(), made there first with
 * cr_root_create() (the .debs cached in CACHE/debs; needs the mirror) when
 * it is not there yet, with its ROOT.json and, in CACHE/root-SUITE-KEY.debs, the
 * --debs mirror layout verify root --debs reads. Neither given nor cache, a root
 * without ROOT.json or made otherwise: CR_ERROR saying what to give or
 * what differs (no build could be what the recipe says). The caller closes
 * *out with cr_root_close().
 */
int cr_root_for_recipe(struct cr_root **out, json_t *want, const char *given,
		       const char *cache, const char *name,
		       void (*progress)(void *ctx, const char *line),
		       void *ctx);

/*
 * The root a build runs in, as `attest build` and `verify rebuild` choose
 * it: the one the recipe's "root" object want names, and no other
 * (cr_root_for_recipe(); cache NULL: $CLEANROOM_ROOT_CACHE; messages name
 * source's cleanroom.json); else given (--root), opened with special files
 * skipped and described; else none (*out and *dep NULL, CR_OK). *dep is the
 * root as a statement dependency (cr_root_dependency()). The caller closes
 * *out with cr_root_close() and frees *dep with cr_resources_free(*dep,
 * 1); on failure both are NULL and the message is set.
 */
int cr_root_select(struct cr_root **out, struct cr_resource **dep, json_t *want,
		   const char *given, const char *cache, const char *source,
		   void (*progress)(void *ctx, const char *line), void *ctx);

/* Which package owns each file of a root, from its dpkg database. */
struct cr_root_owners {
	char **paths; /* sorted, relative ("usr/bin/ls") */
	char **pkgs;  /* pkgs[i] owns paths[i]; borrowed strings */
	size_t count;
	char **names; /* storage */
	size_t nnames;
};

/*
 * Reads var/lib/dpkg/info/PKG.list (and PKG:ARCH.list) of a root, a
 * directory or a tar archive (read through the archive policy). A root
 * without a dpkg database gives an empty map. *out is the caller's
 * (cr_root_owners_free()); CR_ERROR naming root when it cannot be read, a
 * list is malformed or out of memory.
 */
int cr_root_owners_load(struct cr_root_owners **out, const char *root);

/*
 * The package owning path, relative to the root as dpkg lists it
 * ("usr/bin/ls"; merged /usr aliases too), or NULL; o NULL owns nothing.
 * Borrowed from o. O(log n).
 */
const char *cr_root_owner(const struct cr_root_owners *o, const char *path);

/* Frees o and everything it holds; NULL is accepted. */
void cr_root_owners_free(struct cr_root_owners *o);

#endif
