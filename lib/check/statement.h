/* in-toto Statement v1 with SLSA provenance v1: the one codec (typed provenance, encoder, strict decoder). */
#ifndef CR_STATEMENT_H
#define CR_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sha256.h"

#define CR_STATEMENT_TYPE "https://in-toto.io/Statement/v1"
#define CR_SLSA_PROVENANCE_V1 "https://slsa.dev/provenance/v1"
#define CR_BUILDTYPE_SIGN "urn:cleanroom:buildtype:sign:v1"
#define CR_BUILDTYPE_SANDBOX "urn:cleanroom:buildtype:sandbox:v1"
/*
 * One builder id per mode, as SLSA asks of modes with different guarantees:
 * signing what was built elsewhere vouches for nothing of the build.
 */
#define CR_BUILDER_ID_SIGN "urn:cleanroom:builder:attest-sign"
#define CR_BUILDER_ID_SANDBOX "urn:cleanroom:builder:attest-sandbox"

/* The resolvedDependencies entry of a given root, and its digest. */
#define CR_STATEMENT_ROOTFS "rootfs"
#define CR_DIGEST_GITTREE "gitTree"

/* Caps on what a statement may hold. */
#define CR_STATEMENT_MAX_SUBJECTS 65536u
#define CR_STATEMENT_MAX_NAME 4096u
#define CR_STATEMENT_MAX_DEPTH 32u
/* Strings in a recorded command, artifacts or tools (CR_BUILD_MAX_ARTIFACTS). */
#define CR_STATEMENT_MAX_LIST 4096u

struct cr_subject {
	char *name;
	unsigned char sha256[CR_SHA256_LEN];
};

/* One entry of a digest set: the algorithm and its value, as written. */
struct cr_digest {
	char *alg;
	char *value;
};

/* Packages a root's list may hold (CR_ROOT_MAX_PACKAGES). */
#define CR_STATEMENT_MAX_PACKAGES 65536u
/* Bytes in a package's name or version; an architecture's. */
#define CR_STATEMENT_MAX_TOKEN 256u
#define CR_STATEMENT_MAX_ARCH 64u

/* One package of a root's list ("rootfs"), every string owned. */
struct cr_package {
	char *name;
	char *version;
	char *arch;
	char *sha256; /* the .deb's, hex as written; NULL: not written */
};

/*
 * A resource descriptor: a resolvedDependencies entry or a byproduct. Every
 * string is owned (cr_resource_clear() frees them); NULL is absent. The
 * annotations a reader interprets are typed; any other key stays in more,
 * in the order written.
 */
struct cr_resource {
	char *name;
	char *uri;
	struct cr_digest *digest; /* in the order written */
	size_t ndigest;
	char *media_type;
	int has_annotations; /* written even when empty */
	struct {
		char *path;    /* a tool's or a file's path */
		char *version; /* a tool's --version line */
		char *kind;    /* "file" for a file a tool read */
		char *package; /* the dpkg package owning it */
		char *package_version;
		char *purl;
		/*
		 * A root's package list, written when has_packages (a
		 * given root's "rootfs": every package), else the host's
		 * list as packages_text, encoded as packages_encoding says
		 * ("rootfs-host"). packages_problem: why the list that was
		 * read is not a list of packages (a message without the
		 * file's name), or NULL; packages is then empty.
		 */
		int has_packages;
		struct cr_package *packages;
		size_t npackages;
		char *packages_problem;
		char *packages_from; /* "ROOT.json", "var/lib/dpkg/status" */
		char *architecture;  /* the host's own */
		char *packages_encoding; /* "zlib+base64" */
		char *packages_text;
		/* A given root's recipe, as its ROOT.json holds it (owned). */
		json_t *recipe;
		json_t *more; /* other annotations (owned), or NULL */
	} ann;
	/* "uri" after "annotations": the rootfs entry's layout. */
	int uri_last;
};

/* externalParameters.rootfs: none, "host", or the given root's digest. */
enum cr_rootfs { CR_ROOTFS_NONE, CR_ROOTFS_HOST, CR_ROOTFS_GIVEN };

/*
 * externalParameters: what the user chose. Every pointer is borrowed; NULL
 * (or -1, CR_ROOTFS_NONE) is not written.
 */
struct cr_external {
	const char *source_kind;     /* "git", "directory" or "archive" */
	const char *source_uri;	     /* canonical (cr_srcuri_*) */
	const char *source_revision; /* the revision asked for, git only */
	char *const *command;	     /* argv of the build, NULL-terminated */
	char *const *artifacts;	     /* declared artifacts, NULL-terminated */
	char *const *tools;	     /* extra tools; written when not empty */
	char *const *env;	   /* user-chosen NAME=VALUE, NULL-terminated */
	const char *recipe_source; /* "cleanroom.json" or "command-line" */
	const unsigned char *recipe_sha256; /* cleanroom.json's bytes */
	int64_t source_date_epoch;	    /* -1: not written */
	int fake_clock;			    /* 0, 1; -1: not written */
	int normalize;			    /* 0, 1; -1: not written */
	enum cr_rootfs rootfs;
	const struct cr_digest *rootfs_digest; /* CR_ROOTFS_GIVEN */
	size_t nrootfs_digest;
};

/* One artifact's normalisation, as internalParameters records it. */
struct cr_normalization {
	const char *artifact;
	const char *format;	  /* "none", "tar+gzip"... */
	const char *const *steps; /* the steps applied, NULL-terminated */
	int64_t kept; /* nested containers kept as built; 0: not written */
};

/*
 * internalParameters: what cleanroom fixes, for people (SLSA consumers need
 * not check it): the build path, the sandbox and the normalisations. Every
 * pointer is borrowed; NULL is not written, and so is a sandbox with no
 * namespaces (a statement of `attest sign` has {}).
 */
struct cr_internal {
	const char *build_path;
	struct {
		const char *const *namespaces;
		const char *network;
		const char *root;
		const char *root_dirs_word; /* "all", else the list: */
		const char *const *root_dirs;
		const char *const *hidden;
		const char *var, *sys, *proc, *hostname, *home, *tmpdir;
		const char *path, *umask, *keyring;
		struct {
			const char *const *deny;
			const char *const *deny_namespace_flags;
			const char *clone3;
			const char *const *deny_ioctl;
			const char *other_architectures;
		} seccomp;
		/* libfaketime's settings, NAME=VALUE; NULL: no fake clock */
		const char *const *fake_clock_env;
	} sandbox;
	const struct cr_normalization *normalizations; /* NULL: not written */
	size_t nnormalizations;
};

/*
 * The provenance a statement carries, typed; every pointer is borrowed.
 * The source is written twice, as externalParameters.source and as the
 * first resolvedDependencies entry, named "source", whose digest is of what
 * its uri names: the tree (gitTree, the SHA-256 tree id of its files), the
 * commit for git, pinned in the uri as SLSA's git convention writes it
 * ("git+https://host/repo@COMMIT"), and an archive's own bytes (sha256).
 */
struct cr_provenance {
	const char *build_type; /* CR_BUILDTYPE_* */
	const struct cr_subject *subjects;
	size_t nsubjects;
	struct cr_external external;
	unsigned char tree[CR_SHA256_LEN];
	const char *commit; /* hex commit id, git only */
	/* SHA-256 of an archive's bytes, or NULL. */
	const unsigned char *source_sha256;
	struct cr_internal internal;
	const struct cr_resource *deps; /* after the source */
	size_t ndeps;
	/* NULL: the builder id of build_type, this program's version. */
	const char *builder_id;
	const char *builder_version;
	const char *invocation_id;	      /* NULL: a random urn:uuid: */
	int64_t started, finished;	      /* seconds since the epoch */
	const struct cr_resource *byproducts; /* NULL: not written */
	size_t nbyproducts;
};

/*
 * Zeroes p and sets the external choices (sourceDateEpoch, fakeClock,
 * normalize) to not written. Never fails.
 */
void cr_provenance_init(struct cr_provenance *p);

/*
 * Encodes p as the statement's compact JSON bytes (allocated in *out, the
 * caller frees; no newline), fields in a fixed order so that one provenance
 * gives the same bytes every time (but for a random invocationId). CR_ERROR
 * when a subject name is not a canonical relative path or is given twice
 * (ignoring ASCII case), a string is not UTF-8, or out of memory.
 */
int cr_statement_encode(char **out, size_t *len, const struct cr_provenance *p);

/*
 * A statement as read back, after its signature was checked. Everything is
 * owned by the statement (cr_statement_free()), prov's pointers included.
 */
struct cr_statement {
	json_t *root; /* the payload's JSON, which prov's strings point into */
	struct cr_subject *subjects;
	size_t nsubjects;
	int has_tree;
	unsigned char tree[CR_SHA256_LEN];
	char commit[CR_SHA256_HEXLEN + 1]; /* "" when absent */
	const char *build_type;		   /* "" when absent; owned by root */
	/*
	 * The provenance decoded: what re-encodes to the statement's bytes
	 * when it was written by cr_statement_encode(). Its external fields
	 * fall back to where older statements kept them (internalParameters
	 * SOURCE_DATE_EPOCH, sandbox.fakeClock, normalize).
	 */
	struct cr_provenance prov;
	/* Every resolvedDependencies entry, the source's included. */
	struct cr_resource *deps;
	size_t ndeps;
	/*
	 * Why externalParameters holds no usable recipe (the first of: command,
	 * artifacts, tools not lists of strings, an empty command, env not an
	 * object of strings, no sourceDateEpoch, a recipe with no or an unknown
	 * source or a digest that is not 64 hex digits), or NULL. A statement
	 * of `attest sign` records none; a reader that needs it refuses.
	 */
	char *recipe_problem;
	void *store; /* the decoded lists and strings */
};

/*
 * Parses verified payload bytes: JSON with no duplicate keys, _type
 * Statement v1, predicateType SLSA provenance v1, a non-empty subject list
 * whose sha256 digests are 64 hex digits and whose names are distinct. The
 * source tree is the resolvedDependency named "source", which must carry a
 * gitTree and agree with externalParameters.source; its absence is not an
 * error here (has_tree is 0); at most one "rootfs" dependency, agreeing
 * with externalParameters.rootfs. The rest is decoded into prov leniently,
 * as its readers read it: a field of the wrong type is absent, and a
 * recipe that cannot be used is only recorded in recipe_problem, a root's
 * package list that is not one (not a list; a package whose name, version
 * or architecture is not a cr_statement_token() of CR_STATEMENT_MAX_TOKEN
 * or CR_STATEMENT_MAX_ARCH bytes; more than CR_STATEMENT_MAX_PACKAGES) in
 * its resource's ann.packages_problem, for the root readers to refuse.
 * Unknown fields are ignored; unknown annotations are kept in ann.more.
 * *out is the caller's (cr_statement_free()). CR_ERROR with a message
 * beginning with name.
 */
int cr_statement_parse(struct cr_statement **out, const unsigned char *payload,
		       size_t len, const char *name);

/* Frees st and all it owns; NULL is ignored. */
void cr_statement_free(struct cr_statement *st);

/*
 * The value of digest alg of r, or NULL. Borrowed from r.
 */
const char *cr_resource_digest(const struct cr_resource *r, const char *alg);

/*
 * Sets *field to a copy of value (NULL: absent), freeing what it held;
 * CR_ERROR when out of memory.
 */
int cr_resource_set(char **field, const char *value);

/* Appends digest alg = value to r; CR_ERROR when out of memory. */
int cr_resource_add_digest(struct cr_resource *r, const char *alg,
			   const char *value);

/*
 * Whether s is a Debian package name, version or architecture as a root's
 * list holds it: 1 to max bytes of printable ASCII, no space and no '/'.
 */
int cr_statement_token(const char *s, size_t max);

/*
 * Appends a package to r's list (the strings copied; sha256 may be NULL)
 * and sets has_packages. CR_ERROR when out of memory or the list already
 * holds CR_STATEMENT_MAX_PACKAGES.
 */
int cr_resource_add_package(struct cr_resource *r, const char *name,
			    const char *version, const char *arch,
			    const char *sha256);

/*
 * Copies src into dst (every string duplicated, recipe and more referenced); dst is
 * cleared first. CR_ERROR when out of memory (dst then cleared).
 */
int cr_resource_copy(struct cr_resource *dst, const struct cr_resource *src);

/* Frees what r owns and zeroes it. */
void cr_resource_clear(struct cr_resource *r);

/* Clears the n resources of r and frees the array; NULL is ignored. */
void cr_resources_free(struct cr_resource *r, size_t n);

/*
 * Why s is not a subject name (a canonical relative path: not empty, not
 * absolute, no '.', '..' or empty segment, no trailing '/', no C0 control
 * or DEL, at most CR_STATEMENT_MAX_NAME bytes), or NULL when it is one.
 */
const char *cr_statement_name_problem(const char *s);
/*
 * Compares subject names ignoring ASCII case ("App.exe" and "app.EXE" name
 * one file on a case-insensitive file system); Unicode forms are not folded.
 */
int cr_statement_name_cmp(const char *a, const char *b);

/*
 * Whether verified payload bytes are a statement cr_statement_parse()
 * reads: CR_OK when they claim Statement v1 with SLSA provenance v1 (the
 * parse may still refuse them); CR_EFAIL, with what they are in why, for
 * another in-toto Statement version or another predicateType (an SBOM, a
 * scan), which a reader skips; CR_ERROR naming name when they are not a
 * JSON object of an in-toto Statement at all.
 */
int cr_statement_peek(const unsigned char *payload, size_t len,
		      const char *name, char *why, size_t whylen);

/* The subject whose sha256 equals digest, or NULL. */
const struct cr_subject *
cr_statement_find(const struct cr_statement *st,
		  const unsigned char digest[CR_SHA256_LEN]);

#endif
