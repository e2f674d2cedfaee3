/* The sealed build: export the source, run the recipe in the sandbox, collect artifacts. */
#ifndef CR_BUILD_H
#define CR_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "statement.h"
#include "tree.h"

#define CR_BUILD_MAX_ARTIFACTS 4096u
#define CR_BUILD_LOG_TAIL 4096u
/* Directory entries one artifact pattern may look at. */
#define CR_BUILD_MAX_WALK 1000000u
/* Bytes all artifacts may hold together, as built (--max-size). */
#define CR_BUILD_MAX_SIZE (8ull << 30)
/* Bytes of the build's log kept; the rest is read and dropped. */
#define CR_BUILD_MAX_LOG (256ull << 20)

/* What another party needs to build the same thing again. */
struct cr_recipe {
	char **command;		   /* NULL-terminated argv */
	char **artifacts;	   /* NULL-terminated paths or globs */
	char **env;		   /* NULL-terminated user NAME=VALUE pairs */
	char **tools;		   /* NULL-terminated extra tool names */
	int64_t source_date_epoch; /* -1: from the source (commit time...) */
	int fake_clock;
	int normalize; /* normalise container artifacts */
	int from_tree; /* the recipe is cleanroom.json of the source tree */
	unsigned char file_sha256[CR_SHA256_LEN]; /* its bytes, from_tree */
	json_t *root; /* cleanroom.json "root" as written, or NULL */
};

/* The source as hashed, and how to read it again. */
struct cr_build_source {
	const char *kind; /* "git", "directory" or "archive" */
	const char *path;
	unsigned int strip_components;
	const struct cr_tree *tree;
	const struct cr_source_info *info;
};

struct cr_build_opts {
	const char *output_dir; /* artifacts and the log are copied here */
	const char *root;	/* the root filesystem; NULL: the host's */
	/*
	 * The root's resolvedDependencies entry (cr_root_dependency()), or
	 * NULL: made here from root.
	 */
	json_t *root_dependency;
	const char *log_name; /* the log's file name in output_dir */
	int reverse_export;   /* create the source's files in reverse order */
	unsigned int timeout; /* seconds; 0: none */
	uint64_t max_size;    /* all artifacts' bytes; 0: CR_BUILD_MAX_SIZE */
	/*
	 * When not NULL, called about five times a second from another
	 * thread while the command runs, with the last line of its log so far
	 * (for progress on a terminal).
	 */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
	/*
	 * attest build --check. vary: the sandbox's CR_VARY_* bits, and
	 * CR_BUILD_VARY_ORDER: each directory of the export is made so that
	 * it lists its entries in the opposite order from order_ref's
	 * src_order (the export is checked against the tree hash as always).
	 * record_order: keep the export's order in the build's src_order.
	 * work_parent: where the private build directory is made (NULL:
	 * $TMPDIR, else /tmp).
	 */
	unsigned int vary;
	const struct cr_build *order_ref;
	int record_order;
	const char *work_parent;
};

#define CR_BUILD_VARY_ORDER (1u << 16)

struct cr_artifact {
	char *name; /* relative to the source root */
	unsigned char sha256[CR_SHA256_LEN];
	char format[64];    /* normalisation: "none", "tar+gzip"... */
	unsigned int steps; /* normalisation steps applied */
	uint64_t kept;	    /* nested containers kept as data, as built */
};

struct cr_build {
	int exit_status; /* the command's; 128+N for a signal */
	int64_t source_date_epoch;
	int64_t started, finished;
	struct cr_artifact *artifacts;
	size_t nartifacts;
	unsigned char log_sha256[CR_SHA256_LEN];
	char log_tail[CR_BUILD_LOG_TAIL]; /* the end of the log */
	char *log_path;	   /* where the whole log was kept, or NULL */
	int log_truncated; /* it was cut at CR_BUILD_MAX_LOG bytes */
	int timed_out;	   /* opts->timeout passed (build or collection) */
	/*
	 * The user's choices for the statement's externalParameters:
	 * sourceDateEpoch, fakeClock, normalize and rootfs ("host", or the
	 * given root's digest).
	 */
	json_t *external;
	json_t *internal;     /* internalParameters for the statement */
	json_t *dependencies; /* the toolchain and root, after the source */
	json_t *byproducts;
	/*
	 * With opts->record_order: every directory of the export, parents
	 * first, its entries as readdir listed them before the command ran
	 * ("dir/" for a directory); NULL-terminated.
	 */
	char **src_order;
	size_t nsrc_order;
	/*
	 * With CR_BUILD_VARY_ORDER: the export's directories of two entries
	 * or more, and of them those listed in the same order as order_ref's
	 * (a file system that orders by name hash ignores creation order).
	 */
	size_t order_dirs, order_same;
};

/*
 * Builds: derives SOURCE_DATE_EPOCH (the recipe's, else the commit time,
 * else an archive's newest member; a directory needs it given), exports the
 * hashed tree fresh into a private directory (every file and directory
 * mtime SOURCE_DATE_EPOCH) and checks that the export hashes to
 * src->tree->root, runs the command in the sandbox, then copies each
 * artifact (opened inside the build directory, never through a link out of
 * it), normalised unless the recipe says not to, to opts->output_dir under
 * its relative path, with the log (kept there whether the command
 * succeeded, failed or timed out). An artifact that is not a regular file
 * (a FIFO, socket, device or directory) is refused without being opened
 * for reading. With opts->timeout, the whole sandbox is killed at the
 * limit.
 *
 * Returns CR_OK when the command succeeded and every artifact was found;
 * CR_EFAIL when the command failed (*out filled: exit_status, log_tail,
 * log_path) or an artifact is missing (message naming it); CR_ERROR
 * otherwise, with *out filled (timed_out set) when the build timed out
 * ("the build timed out after N s").
 */
int cr_build_run(struct cr_build **out, const struct cr_recipe *recipe,
		 const struct cr_build_source *src,
		 const struct cr_build_opts *opts);

void cr_build_free(struct cr_build *b);

/* ---- recipes (lib/recipe.c, and the statement's in build.c) ---------- */

#define CR_RECIPE_FILE "cleanroom.json"
#define CR_RECIPE_MAX_BYTES (64u * 1024u)
#define CR_RECIPE_MAX_LIST 256u
#define CR_RECIPE_MAX_STRING 4096u

/*
 * Why NAME (name_len bytes) may not be set by any recipe, or NULL when it
 * may: the variables that make the dynamic loader, libc, a shell, make, git
 * or a language runtime load or run code the command does not name (PATH,
 * LD_*, GCONV_PATH, BASH_ENV, ENV, SHELL, PYTHONPATH, MAKEFLAGS...).
 */
const char *cr_recipe_env_refused(const char *name, size_t name_len);

/*
 * Checks NAME=VALUE pairs against cr_recipe_env_refused(): CR_ERROR naming
 * what (a file, "--env") and the variable at the first refused one.
 */
int cr_recipe_check_env(char *const *env, const char *what);

/*
 * Parses the bytes of a cleanroom.json strictly: a JSON object with no
 * duplicate keys and only the fields command (non-empty argv), artifacts
 * (non-empty list of paths or globs), env (object of strings), fakeClock
 * (bool) and root (object: suite, snapshot, include); every list, string
 * and the file capped; refused env names refused. The recipe gets
 * from_tree, file_sha256 and source_date_epoch -1. CR_ERROR naming name.
 */
int cr_recipe_parse_file(struct cr_recipe **out, const void *buf, size_t len,
			 const char *name);

/*
 * cleanroom.json at the root of the hashed source tree src->tree, read from
 * the source (git objects, the directory, or the archive's member) and
 * accepted only if its bytes are the blob the tree hash covers. *out is
 * NULL when the tree has none. A src->kind of "path" is resolved here.
 */
int cr_recipe_from_tree(struct cr_recipe **out,
			const struct cr_build_source *src);

/*
 * CR_EFAIL when the source is a git commit and the recorded
 * SOURCE_DATE_EPOCH is not its committer time: the build time decides bytes
 * (a build may test it), so it must come from the reviewed source.
 */
int cr_recipe_check_time(const struct cr_recipe *recorded,
			 const struct cr_source_info *info, const char *name);

/*
 * Whether a and b run the same build: command, artifacts, env and
 * fakeClock. CR_EFAIL, with a message naming both, when not.
 */
int cr_recipe_compare(const struct cr_recipe *recorded,
		      const struct cr_recipe *tree, const char *name);

/*
 * The recipe to replay the statement st (name for messages) on the source
 * src: when the statement says its recipe is the tree's cleanroom.json,
 * that file is read from src (CR_EFAIL when it is missing or differs from
 * what the statement recorded) and the statement's command is never used;
 * a recipe from the command line is refused (CR_ERROR, "the recipe is not
 * part of the reviewed source") unless trust is set. *shown gets the
 * recorded recipe either way, when it could be read (for the caller to
 * show in full); the caller frees both.
 */
int cr_recipe_for_replay(struct cr_recipe **out, struct cr_recipe **shown,
			 const struct cr_statement *st,
			 const struct cr_build_source *src, int trust,
			 const char *name);

/*
 * The recipe as text for people: one line each for where it comes from,
 * the command (shell-quoted), artifacts and env; bytes that are not
 * printable are written \xNN. Allocated; NULL when out of memory.
 */
char *cr_recipe_describe(const struct cr_recipe *r);

/* The recipe for a JSON report: source, command, artifacts, env... */
json_t *cr_recipe_json(const struct cr_recipe *r);

/* Fills a statement's recipe fields (command, artifacts, env) from r. */
void cr_recipe_to_statement(struct cr_statement_in *in,
			    const struct cr_recipe *r);

/*
 * The recipe recorded in a statement made by `attest build`: command,
 * artifacts, env and tools from externalParameters, and where the recipe
 * came from (externalParameters.recipe.source "cleanroom.json" sets
 * from_tree; absent, as in older statements, or "command-line" does not);
 * sourceDateEpoch, fakeClock and normalize from externalParameters, or, in
 * statements made before they moved there, from internalParameters.
 * CR_ERROR naming name when the statement holds no recipe, a malformed
 * one, or an env variable no recipe may set.
 */
int cr_recipe_from_statement(struct cr_recipe **out,
			     const struct cr_statement *st, const char *name);

void cr_recipe_free(struct cr_recipe *r);

#endif
