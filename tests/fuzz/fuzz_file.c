/* The input of a fuzz harness as a file, for the readers that take a path. */
#include <stdlib.h>
#include <unistd.h>

#include "fuzz_file.h"

int
fuzz_file(char *path, const uint8_t *data, size_t size)
{
	int fd;

	if (size > (4u << 20) || (fd = mkstemp(path)) < 0)
		return -1;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}
