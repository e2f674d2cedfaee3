/* Recipes: cleanroom.json, the recipe a statement records, and comparing them. */
#ifndef CR_RECIPE_H
#define CR_RECIPE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "statement.h"
#include "tree.h"

/* Artifacts one build may collect (and a statement may record). */
#define CR_BUILD_MAX_ARTIFACTS CR_STATEMENT_MAX_LIST

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
 * The recipe as text for people: one line each for where it comes from,
 * the command (shell-quoted), artifacts and env; bytes that are not
 * printable are written \xNN. Allocated; NULL when out of memory.
 */
char *cr_recipe_describe(const struct cr_recipe *r);

/*
 * The recipe for a JSON report: source, command, artifacts, env... A new
 * reference (the caller json_decref()s it); NULL when out of memory.
 */
json_t *cr_recipe_json(const struct cr_recipe *r);

/*
 * The recipe recorded in a statement made by `attest build`, from its
 * decoded externalParameters (st->prov.external): command, artifacts, env
 * and tools, and where the recipe came from (recipe.source
 * "cleanroom.json" sets from_tree; absent, as in older statements, or
 * "command-line" does not); sourceDateEpoch, fakeClock and normalize (the
 * decoder reads them where older statements kept them). *out is the
 * caller's (cr_recipe_free()). CR_ERROR naming name when the statement is
 * not of a sandboxed build, holds no recipe or a malformed one
 * (st->recipe_problem), or an env variable no recipe may set.
 */
int cr_recipe_from_statement(struct cr_recipe **out,
			     const struct cr_statement *st, const char *name);

/* Frees r and all it owns (its lists, root); NULL is ignored. */
void cr_recipe_free(struct cr_recipe *r);

#endif
