/*
 * Hashing a large regular file from read-only mappings instead of read():
 * no copy out of the page cache. A file cut short while mapped raises
 * SIGBUS on the pages past its end; that fault is caught and reported, so
 * a truncated file is an error, never a crash.
 */
#ifndef CR_MAPPED_H
#define CR_MAPPED_H

#include <stddef.h>
#include <stdint.h>

/* Files at least this large are worth mapping; smaller ones are read. */
#define CR_MAP_MIN (1u << 20)

/* Bytes mapped at a time: what a hashing thread adds to the RSS. */
#define CR_MAP_WINDOW (4u << 20)

/*
 * Feeds bytes [0, size) of the regular file fd to the OpenSSL digest
 * context ctx (an EVP_MD_CTX, initialised by the caller), one window at a
 * time, and checks that the file still has size bytes once hashed. After
 * each window, each(arg, bytes) is called when not NULL; a negative return
 * stops with that value. Returns CR_OK; 1 when the file cannot be mapped
 * from *fed on (a file system that maps only part of it, or none: the
 * first *fed bytes were fed to ctx, the caller reads the rest); CR_EFAIL
 * when the file no longer
 * holds size bytes (*longer set to 1 if it grew, 0 if it shrank), with no
 * message; CR_ERROR with the message naming name otherwise. Thread-safe:
 * each thread catches its own faults. The first call installs a SIGBUS
 * handler for the process that passes faults not its own to the handler
 * before it (or the default action).
 */
int cr_digest_mapped(void *ctx, int fd, uint64_t size, const char *name,
		     int (*each)(void *arg, size_t bytes), void *arg,
		     int *longer, uint64_t *fed);

#endif
