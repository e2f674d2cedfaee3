/* Feeds arbitrary bytes to the artifact normaliser as if they were an artifact. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "normalize.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes all of buf to fd; 0 on success. */
static int
put(int fd, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Whether two descriptors hold the same bytes. */
static int
same(int a, int b)
{
	uint8_t x[4096], y[4096];
	off_t la = lseek(a, 0, SEEK_END), lb = lseek(b, 0, SEEK_END), pos;
	ssize_t n;

	if (la < 0 || la != lb)
		return 0;
	for (pos = 0; pos < la; pos += n) {
		n = pread(a, x, sizeof(x), pos);
		if (n <= 0 || pread(b, y, (size_t)n, pos) != n ||
		    memcmp(x, y, (size_t)n) != 0)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_normalize_opts opts;
	struct cr_normalize_report rep, again;
	int in = -1, out = -1, out2 = -1;

	memset(&opts, 0, sizeof(opts));
	opts.max_total = 64u << 20; /* keep each run short */
	in = memfd_create("fuzz-in", MFD_CLOEXEC);
	out = memfd_create("fuzz-out", MFD_CLOEXEC);
	out2 = memfd_create("fuzz-out2", MFD_CLOEXEC);
	if (in < 0 || out < 0 || out2 < 0 || put(in, data, size) < 0)
		goto done;
	if (cr_normalize_fd(&rep, out, in, "fuzz", 1700000000, &opts) < 0) {
		if (cr_error_last()[0] == '\0')
			__builtin_trap(); /* every failure names its reason */
		goto done;
	}
	if (strcmp(rep.format, "none") == 0) {
		if (lseek(out, 0, SEEK_END) != 0)
			__builtin_trap(); /* "none" writes nothing */
		goto done;
	}
	/* What we write, we must read back and leave as it is: normalising
	 * is a fixed point, byte for byte. */
	if (cr_normalize_fd(&again, out2, out, "fuzz-out", 1700000000, &opts) <
		    0 ||
	    strcmp(again.format, rep.format) != 0 || !same(out, out2))
		__builtin_trap();
done:
	if (out2 >= 0)
		close(out2);
	if (out >= 0)
		close(out);
	if (in >= 0)
		close(in);
	return 0;
}
