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

/* What another party needs to build the same thing again. */
struct cr_recipe {
	char **command;		   /* NULL-terminated argv */
	char **artifacts;	   /* NULL-terminated paths or globs */
	char **env;		   /* NULL-terminated user NAME=VALUE pairs */
	char **tools;		   /* NULL-terminated extra tool names */
	int64_t source_date_epoch; /* -1: from the source (commit time...) */
	int fake_clock;
	int normalize; /* normalise container artifacts */
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
	const char *log_name;	/* the log's file name in output_dir */
	int reverse_export;	/* create the source's files in reverse order */
	unsigned int timeout;	/* seconds; 0: none */
	/*
	 * When not NULL, called about five times a second from another
	 * thread while the command runs, with the last line of its log so far
	 * (for progress on a terminal).
	 */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
};

struct cr_artifact {
	char *name; /* relative to the source root */
	unsigned char sha256[CR_SHA256_LEN];
	char format[64];    /* normalisation: "none", "tar+gzip"... */
	unsigned int steps; /* normalisation steps applied */
};

struct cr_build {
	int exit_status; /* the command's; 128+N for a signal */
	int64_t source_date_epoch;
	int64_t started, finished;
	struct cr_artifact *artifacts;
	size_t nartifacts;
	unsigned char log_sha256[CR_SHA256_LEN];
	char log_tail[CR_BUILD_LOG_TAIL]; /* the end of the log */
	char *log_path;	      /* where the whole log was kept, or NULL */
	int timed_out;	      /* the build was killed at opts->timeout */
	json_t *internal;     /* internalParameters for the statement */
	json_t *dependencies; /* the toolchain and root, after the source */
	json_t *byproducts;
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

/* Fills a statement's recipe fields (command, artifacts, env) from r. */
void cr_recipe_to_statement(struct cr_statement_in *in,
			    const struct cr_recipe *r);

/*
 * The recipe recorded in a statement made by `attest build`: command,
 * artifacts, env and tools from externalParameters; SOURCE_DATE_EPOCH,
 * fakeClock and normalize from internalParameters. CR_ERROR naming name
 * when the statement holds no recipe or a malformed one.
 */
int cr_recipe_from_statement(struct cr_recipe **out,
			     const struct cr_statement *st, const char *name);

void cr_recipe_free(struct cr_recipe *r);

#endif
