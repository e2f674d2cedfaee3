/* Small helpers shared by the core: capped reads, spool files, hex, base64. */
#ifndef CR_UTIL_H
#define CR_UTIL_H

#include <dirent.h>
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

/*
 * Reads len bytes at off with pread(), again after EINTR or a short read.
 * Returns the count read, less than len only at the end of the file, or -1
 * with errno set and no message.
 */
ssize_t cr_pread_full(int fd, void *buf, size_t len, uint64_t off);

/*
 * The next entry of d in *de: 1, or 0 at its end; CR_ERROR naming name
 * when reading fails (readdir's NULL alone does not tell the two apart).
 */
int cr_readdir(struct dirent **de, DIR *d, const char *name);

/*
 * A spool file: a new, empty, unlinked file in dir (NULL: $TMPDIR, else
 * /tmp), open for reading and writing, gone when closed whatever happens.
 * O_TMPFILE where the file system has it, else a named file unlinked at
 * once. Returns the descriptor, which the caller closes, or -1 with errno
 * set and no message.
 */
int cr_spool_open(const char *dir);

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

#endif
