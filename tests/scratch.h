/* A scratch directory for a unit test program, and shell commands run in it. */
#ifndef CR_TEST_SCRATCH_H
#define CR_TEST_SCRATCH_H

#include <stddef.h>

#include "error.h"

/* cmocka group setup/teardown: make and remove the scratch directory. */
int scratch_setup(void **state);
int scratch_teardown(void **state);

/* dir/name, in one of two static buffers (two at a time are enough). */
const char *path(const char *name);

/* Runs a shell command in the directory, quietly; returns its exit status. */
int sh(const char *fmt, ...) CR_PRINTF(1, 2);

/*
 * A new directory of its own, $TMPDIR/prefix-XXXXXX (else /tmp), for a test
 * that needs more than the one scratch directory; the caller frees it with
 * scratch_rmtree. Fails the test if it cannot be made.
 */
char *scratch_mkdtemp(const char *prefix);

/* Removes dir (cr_rmtree never follows links) and frees it. */
void scratch_rmtree(char *dir);

/* Writes buf to the scratch file name; fails the test if it cannot. */
void scratch_write(const char *name, const void *buf, size_t len);

/* Copies src (an absolute host path) to root/src, making directories. */
void scratch_copy_into(const char *root, const char *src);

/*
 * A tiny root filesystem in a new scratch_mkdtemp(prefix): the host's shell
 * and the libraries ldd names for it, /bin/sh a link to it.
 */
char *scratch_mini_root(const char *prefix);

#endif
