/* Writing files: the one atomic writer, durable renames, mkdir -p, rmtree. */
#ifndef CR_WRITE_H
#define CR_WRITE_H

#include <stddef.h>
#include <sys/types.h>

enum {
	CR_WRITE_NOCLOBBER = 1 << 0, /* fail if path exists; never replace it */
};

/*
 * Writes buf to path so that path holds either its old content or all of
 * buf, never a part: a temporary file in the same directory is written,
 * fsync'd, given mode, then renamed (or, with CR_WRITE_NOCLOBBER, hard-linked
 * so that an existing path is never replaced), and the directory fsync'd.
 */
int cr_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		    int flags);

/*
 * The same, streamed: cr_atomic_open() makes the temporary file next to
 * path (checking CR_WRITE_NOCLOBBER early) and gives its descriptor in
 * a->fd, open for reading and writing; the caller writes to it;
 * cr_atomic_commit() gives it mode, fsyncs, closes, renames (or links) it
 * to path and fsyncs the directory; on any failure, or by
 * cr_atomic_abort(), the temporary file is removed and path is untouched.
 * Commit and abort may be called once; abort after commit does nothing, and
 * so does abort on a struct set to {.fd = -1} and never opened. Every
 * function sets a message naming path (or the temporary file) on failure.
 */
struct cr_atomic {
	int fd;
	int dirfd; /* the directory, held from open to commit */
	int flags;
	mode_t mode;
	char *path, *tmp;     /* the names used in messages */
	char *name, *tmpname; /* the entries in dirfd */
};

int cr_atomic_open(struct cr_atomic *a, const char *path, mode_t mode,
		   int flags);

/*
 * The same in the directory dirfd (the caller keeps its descriptor; one
 * opened without following links keeps the write there): name is a single
 * path component, path how messages name it. The temporary file is created
 * without following a link.
 */
int cr_atomic_openat(struct cr_atomic *a, int dirfd, const char *name,
		     const char *path, mode_t mode, int flags);
int cr_atomic_commit(struct cr_atomic *a);
void cr_atomic_abort(struct cr_atomic *a);

/*
 * Makes a file another program wrote durable under a new name: fsyncs from
 * (not following a link), renames it to to and fsyncs to's directory, the
 * end of cr_atomic_commit() for a file we did not write ourselves. Fails
 * with a message naming the file, errno kept from the call that failed
 * (EXDEV: from and to are on two file systems); from is left where it was
 * when the rename fails.
 */
int cr_rename_synced(const char *from, const char *to);

/*
 * Writes all len bytes of buf to fd, again after EINTR or a short write.
 * Returns 0, or -1 with errno set and no message, so that the caller names
 * what it was writing.
 */
int cr_write_all(int fd, const void *buf, size_t len);

/*
 * mkdir -p: makes dir and each missing directory above it (mode 0755),
 * following links as mkdir(1) does; the first skip bytes of dir name a
 * directory known to exist, whose components are not tried. An existing
 * entry is accepted. Fails with a message naming the component that could
 * not be made, or dir when it is longer than PATH_MAX.
 */
int cr_mkdir_p(const char *dir, size_t skip);

/*
 * Removes path and everything below it, without following links (a build
 * may leave anything behind, read-only directories included). Missing is
 * not an error.
 */
int cr_rmtree(const char *path);

#endif
