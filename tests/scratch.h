/* A scratch directory for a unit test program, and shell commands run in it. */
#ifndef CR_TEST_SCRATCH_H
#define CR_TEST_SCRATCH_H

#include "error.h"

/* cmocka group setup/teardown: make and remove the scratch directory. */
int scratch_setup(void **state);
int scratch_teardown(void **state);

/* dir/name, in one of two static buffers (two at a time are enough). */
const char *path(const char *name);

/* Runs a shell command in the directory, quietly; returns its exit status. */
int sh(const char *fmt, ...) CR_PRINTF(1, 2);

#endif
