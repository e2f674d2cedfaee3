/* The input of a fuzz harness as a file, for the readers that take a path. */
#ifndef CR_FUZZ_FILE_H
#define CR_FUZZ_FILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes data to a new file named from the mkstemp template path (which it
 * fills in): 0, or -1 with nothing left behind when the input is over 4 MiB
 * or the file cannot be written. The caller unlinks path after 0.
 */
int fuzz_file(char *path, const uint8_t *data, size_t size);

#endif
