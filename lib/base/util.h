/* Small helpers shared by the core: capped reads, atomic writes, hex, base64. */
#ifndef CR_UTIL_H
#define CR_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"

#define CR_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Reads the whole of path into a NUL-terminated buffer the caller frees.
 * Fails with a message naming path when it is not a regular file, cannot be
 * read, or holds more than max bytes (the check is made while reading, so a
 * growing or endless file is refused too).
 */
int cr_read_file(char **out, size_t *len, const char *path, size_t max);

/* The same for an open descriptor; name is used in messages only. */
int cr_read_fd(char **out, size_t *len, int fd, const char *name, size_t max);

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
 * Reads len bytes at off with pread(), again after EINTR or a short read.
 * Returns the count read, less than len only at the end of the file, or -1
 * with errno set and no message.
 */
ssize_t cr_pread_full(int fd, void *buf, size_t len, uint64_t off);

/*
 * A spool file: a new, empty, unlinked file in dir (NULL: $TMPDIR, else
 * /tmp), open for reading and writing, gone when closed whatever happens.
 * O_TMPFILE where the file system has it, else a named file unlinked at
 * once. Returns the descriptor, which the caller closes, or -1 with errno
 * set and no message.
 */
int cr_spool_open(const char *dir);

/*
 * mkdir -p: makes dir and each missing directory above it (mode 0755),
 * following links as mkdir(1) does; the first skip bytes of dir name a
 * directory known to exist, whose components are not tried. An existing
 * entry is accepted. Fails with a message naming the component that could
 * not be made, or dir when it is longer than PATH_MAX.
 */
int cr_mkdir_p(const char *dir, size_t skip);

/* Writes 2*len lowercase hex digits and a NUL to out. */
void cr_hex_encode(char *out, const unsigned char *in, size_t len);

/*
 * Decodes exactly 2*outlen hex digits (either case) from hex, which must be
 * NUL-terminated right after them. Returns CR_ERROR without a message on bad
 * input, so the caller can name what it was decoding.
 */
int cr_hex_decode(unsigned char *out, size_t outlen, const char *hex);

/* Standard, padded base64 of in, NUL-terminated, allocated. */
int cr_base64_encode(char **out, const unsigned char *in, size_t len);

/*
 * Decodes base64 in either the standard or the URL-safe alphabet (not both
 * mixed), with or without padding. Anything else (whitespace, bad length,
 * bits set after the last byte, characters after padding) is refused with
 * CR_ERROR and no message.
 */
int cr_base64_decode(unsigned char **out, size_t *outlen, const char *in,
		     size_t inlen);

/*
 * Removes path and everything below it, without following links (a build
 * may leave anything behind, read-only directories included). Missing is
 * not an error.
 */
int cr_rmtree(const char *path);

/* Formats seconds since the epoch as RFC 3339 UTC ("2006-01-02T15:04:05Z"). */
int cr_format_time(char out[32], int64_t t);

/* The longest text a struct cr_str holds; past it, appends fail. */
#define CR_STR_MAX (256u << 20)

/*
 * A growable text buffer, how the core builds a report it does not print:
 * zero-initialise it, append with cr_str_printf(), then take the text with
 * cr_str_take() or drop it with cr_str_free(). An append that fails (out of
 * memory, or the text would pass CR_STR_MAX) leaves the text as it was and
 * is remembered, so a builder need not check each call: cr_str_take()
 * reports it.
 */
struct cr_str {
	char *p; /* NUL-terminated once anything was appended */
	size_t len, cap;
	int failed;
};

void cr_str_printf(struct cr_str *s, const char *fmt, ...) CR_PRINTF(2, 3);
void cr_str_vprintf(struct cr_str *s, const char *fmt, va_list ap)
	CR_PRINTF(2, 0);

/*
 * Hands the text to *out (NUL-terminated; "" when nothing was appended),
 * which the caller frees with free(), and leaves s empty. CR_ERROR with a
 * message when an append failed or out of memory; then *out is NULL and s
 * is freed.
 */
int cr_str_take(char **out, struct cr_str *s);

/* Frees the text and leaves s empty; s may be NULL. */
void cr_str_free(struct cr_str *s);

#endif
