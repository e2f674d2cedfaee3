/* Source tree hashes: git's SHA-256 tree id of a directory, a commit or an archive. */
#ifndef CR_TREE_H
#define CR_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
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

/* Room for a git object header: "tree 18446744073709551615" and a NUL. */
#define CR_OBJECT_HEADER_MAX 32

/*
 * Writes git's object header "<type> <size>" and its NUL to out (type is
 * "blob" or "tree") and returns its length, the NUL included: what is
 * hashed before an object's bytes. Never fails.
 */
size_t cr_object_header(char out[CR_OBJECT_HEADER_MAX], const char *type,
			uint64_t size);

/*
 * The git object id, SHA-256 of the header and the len bytes of body, of an
 * object held in memory: type "blob" or "tree". CR_ERROR (OpenSSL's
 * message) only when hashing fails.
 */
int cr_object_id(unsigned char out[CR_SHA256_LEN], const char *type,
		 const void *body, size_t len);

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
 * Sets the message to fmt, ": " and libgit2's last error (or "libgit2
 * error" when it has none) and returns CR_ERROR: libgit2's error
 * translated once, at the call that failed.
 */
int cr_git_error(const char *fmt, ...) CR_PRINTF(1, 2);

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

/*
 * The kind of source path is, as a statement names it: "directory" when it
 * is one (a link to one included), else "archive". Fails with a message
 * naming path when it cannot be looked at.
 */
int cr_source_kind(const char **kind, const char *path);

/*
 * Hashes a source of kind "git" (repository path at rev, NULL meaning
 * HEAD), "directory", "archive", or "path" (resolved by cr_source_kind()).
 * Fills info when not NULL (its fields unknown, -1 or "", unless the kind
 * knows them). The caller frees *out with cr_tree_free().
 */
int cr_tree_from_source(struct cr_tree **out, struct cr_source_info *info,
			const char *kind, const char *path, const char *rev,
			const struct cr_tree_opts *opts);

/* A directory, or else an archive: cr_tree_from_source() of kind "path". */
int cr_tree_from_path(struct cr_tree **out, struct cr_source_info *info,
		      const char *path, const struct cr_tree_opts *opts);

enum cr_change {
	CR_CHANGE_ADDED = 1,   /* only in b */
	CR_CHANGE_REMOVED = 2, /* only in a */
	CR_CHANGE_CONTENT = 3, /* in both, other content */
	CR_CHANGE_MODE = 4,    /* in both, same content, other mode */
};

/*
 * Calls fn for every path that differs between two finished trees, in tree
 * order, with the entry of each side (NULL where absent). Returns the number
 * of differences, or the first negative value fn returns.
 */
long cr_tree_compare(const struct cr_tree *a, const struct cr_tree *b,
		     int (*fn)(void *ctx, enum cr_change change,
			       const struct cr_tree_entry *ea,
			       const struct cr_tree_entry *eb),
		     void *ctx);

/* "added", "removed", "changed" or "mode changed": a static string ("?"
 * for another value). */
const char *cr_change_name(enum cr_change change);

/* "sha256tree:" and 64 hex digits and a NUL. */
#define CR_TREE_IDLEN (11 + CR_SHA256_HEXLEN)
void cr_tree_format_id(char out[CR_TREE_IDLEN + 1],
		       const unsigned char root[CR_SHA256_LEN]);

/*
 * The hashing threads opts asks for, the online CPUs when it says 0 (or
 * opts is NULL): at least 1, at most max. Never fails.
 */
size_t cr_tree_threads(const struct cr_tree_opts *opts, size_t max);

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
