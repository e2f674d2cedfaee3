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
 * a->fd; the caller writes to it; cr_atomic_commit() gives it mode,
 * fsyncs, closes, renames (or links) it to path and fsyncs the directory;
 * on any failure, or by cr_atomic_abort(), the temporary file is removed
 * and path is untouched. Commit and abort may be called once; abort after
 * commit does nothing.
 */
struct cr_atomic {
	int fd;
	int flags;
	mode_t mode;
	char *path, *tmp;
};

int cr_atomic_open(struct cr_atomic *a, const char *path, mode_t mode,
		   int flags);
int cr_atomic_commit(struct cr_atomic *a);
void cr_atomic_abort(struct cr_atomic *a);

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
