/* Source tree hashes: git's SHA-256 tree id of a directory, a commit or an archive. */
#ifndef CR_TREE_H
#define CR_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

#define CR_MODE_FILE 0100644u
#define CR_MODE_EXEC 0100755u
#define CR_MODE_LINK 0120000u
#define CR_MODE_TREE 0040000u

/* Caps on what a tree may hold; past them input is refused as hostile. */
#define CR_TREE_MAX_ENTRIES (4u << 20)
#define CR_TREE_MAX_PATH 4096u
#define CR_TREE_MAX_DEPTH 256u

/* One file of a tree: a blob (regular file, executable or symlink). */
struct cr_tree_entry {
	char *path;	   /* '/'-separated, relative, no "." or ".." part */
	unsigned int mode; /* CR_MODE_FILE, CR_MODE_EXEC or CR_MODE_LINK */
	unsigned char oid[CR_SHA256_LEN]; /* SHA-256 git blob id */
	uint64_t size; /* bytes of content (link: target length) */
};

/*
 * A flat, sorted list of a tree's files and the root tree id computed from
 * it. Directories are implied by the paths; empty directories do not exist.
 */
struct cr_tree {
	struct cr_tree_entry *entries;
	size_t count;
	size_t alloc;
	unsigned char root[CR_SHA256_LEN]; /* valid after cr_tree_finish() */
	int finished;
	void *strings; /* storage of the entries' paths; never free a path */
};

/* What was learnt about the source while hashing it, for statements. */
struct cr_source_info {
	char commit[CR_SHA256_HEXLEN +
		    1];	      /* commit id (hex) for git, else "" */
	int64_t commit_time;  /* committer time for git, else -1 */
	int64_t newest_mtime; /* newest entry mtime of an archive, else -1 */
};

struct cr_tree_opts {
	/* Archives: leading path parts to drop. */
	unsigned int strip_components;
	/* Hashing threads; 0: online CPUs. */
	unsigned int threads;
	/* Directories and archives: leave FIFOs, sockets and devices out
	 * instead of refusing them (a root filesystem has some in /dev). */
	int skip_special;
	/* git: refuse a repository whose working tree is checked out at the
	 * hashed commit (HEAD) but holds other tracked content: a reviewer
	 * reading its files would see other bytes than were hashed. */
	int clean_worktree;
	/* Called now and then from the calling thread with running totals. */
	void (*progress)(void *ctx, uint64_t files, uint64_t bytes,
			 uint64_t total_files);
	void *progress_ctx;
};

/*
 * An empty tree to be filled with cr_tree_add() and sealed by
 * cr_tree_finish(); CR_ERROR only when out of memory. cr_tree_free() frees
 * it and its entries; NULL is a no-op.
 */
int cr_tree_new(struct cr_tree **out);
void cr_tree_free(struct cr_tree *t);

/*
 * Appends a file; path is copied (at most CR_TREE_MAX_PATH bytes, at most
 * CR_TREE_MAX_ENTRIES files). oid may be NULL for zeros, to be filled in
 * before cr_tree_finish(). The path rules are checked in cr_tree_finish().
 */
int cr_tree_add(struct cr_tree *t, const char *path, unsigned int mode,
		const unsigned char oid[CR_SHA256_LEN], uint64_t size);

/*
 * Sorts the entries in git order, refuses bad paths (empty, absolute, "."
 * or ".." or ".git" parts, empty parts), duplicates and a path that is both
 * a file and a directory, then computes t->root. Idempotent.
 */
int cr_tree_finish(struct cr_tree *t);

/*
 * Calls fn for every tree object of a finished tree, children before their
 * parent, the root last (dir ""): its path, its id and its exact body (the
 * bytes after "tree <len>\0"). body is valid during the call only. A
 * negative return from fn stops the walk and is returned.
 */
int cr_tree_foreach_tree(const struct cr_tree *t,
			 int (*fn)(void *ctx, const char *dir,
				   const unsigned char oid[CR_SHA256_LEN],
				   const unsigned char *body, size_t len),
			 void *ctx);

/* The entry for path in a finished tree, or NULL. */
const struct cr_tree_entry *cr_tree_find(const struct cr_tree *t,
					 const char *path);

/* The git object id ("blob <size>\0" + content) of an in-memory blob. */
int cr_blob_id(unsigned char out[CR_SHA256_LEN], const void *buf, size_t len);

/*
 * Hashes the directory dir as on disk: regular files (100755 when the owner
 * may execute), symlinks (the target is the blob) and subdirectories; any
 * ".git" is skipped; a FIFO, socket or device is refused naming it. File
 * contents are streamed on opts->threads threads. Files are opened with
 * O_NOFOLLOW relative to their directory descriptor.
 */
int cr_tree_from_dir(struct cr_tree **out, const char *dir,
		     const struct cr_tree_opts *opts);

/*
 * Hashes the tree of rev (default "HEAD") in the git repository repo through
 * libgit2: blobs and trees are re-hashed with SHA-256 whatever the
 * repository's object format. A submodule is refused with a message saying
 * how to proceed. Fills info when not NULL.
 */
int cr_tree_from_git(struct cr_tree **out, struct cr_source_info *info,
		     const char *repo, const char *rev,
		     const struct cr_tree_opts *opts);

/*
 * Hashes the members of an archive (any format and filter libarchive reads:
 * tar, tar.gz, tar.xz, zip...). Directories are implied; hard links take the
 * content of their target; absolute or ".." paths, devices, FIFOs and
 * duplicate members are refused naming the member. Fills info when not NULL.
 */
int cr_tree_from_archive(struct cr_tree **out, struct cr_source_info *info,
			 const char *file, const struct cr_tree_opts *opts);

/*
 * The same for an archive held in memory; name appears in messages only.
 * Members that must be spooled go to an unlinked temporary file.
 */
int cr_tree_from_archive_memory(struct cr_tree **out,
				struct cr_source_info *info, const void *buf,
				size_t len, const char *name,
				const struct cr_tree_opts *opts);

/* A directory, or else an archive. */
int cr_tree_from_path(struct cr_tree **out, struct cr_source_info *info,
		      const char *path, const struct cr_tree_opts *opts);

/* "sha256tree:" and 64 hex digits and a NUL. */
#define CR_TREE_IDLEN (11 + CR_SHA256_HEXLEN)
void cr_tree_format_id(char out[CR_TREE_IDLEN + 1],
		       const unsigned char root[CR_SHA256_LEN]);

/* ---- the git reader (tree_git.c) ------------------------------------- */

/* Reads blobs of one commit by path, each checked against its tree entry. */
struct cr_git_reader;

/*
 * Opens repo as cr_tree_from_git() does (the same refusals) and resolves
 * commit (a hex commit id or a revision such as "HEAD") to its tree.
 * CR_ERROR naming repo when it cannot be opened or has no such commit.
 * cr_git_reader_free() closes it; NULL is a no-op.
 */
int cr_git_reader_open(struct cr_git_reader **out, const char *repo,
		       const char *commit);

/*
 * The content of te's blob in the commit; *data stays valid until the next
 * call. CR_ERROR when it is missing or its SHA-256 id is not te->oid (the
 * repository changed since it was hashed).
 */
int cr_git_reader_blob(struct cr_git_reader *r, const struct cr_tree_entry *te,
		       const void **data, size_t *len);

/* Closes the repository and frees r; NULL is a no-op. */
void cr_git_reader_free(struct cr_git_reader *r);

#endif
