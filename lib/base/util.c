/* Small helpers shared by the core: capped reads, spool files, hex, base64. */
#include "util.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
cr_read_fd(char **out, size_t *len, int fd, const char *name, size_t max)
{
	struct stat st;
	char *buf = NULL, *tmp;
	size_t size = 0, alloc = 0;
	ssize_t n;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &st) < 0)
		return cr_error_errno("%s", name);
	if (S_ISDIR(st.st_mode))
		return cr_error_set("%s: is a directory", name);
	for (;;) {
		if (size == alloc) {
			if (alloc > max) {
				free(buf);
				return cr_error_set("%s: larger than %zu bytes",
						    name, max);
			}
			alloc = alloc ? alloc * 2 : 8192;
			if (alloc > max + 1)
				alloc = max + 1;
			if ((tmp = realloc(buf, alloc + 1)) == NULL) {
				free(buf);
				return cr_error_set("%s: out of memory", name);
			}
			buf = tmp;
		}
		n = read(fd, buf + size, alloc - size);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(buf);
			return cr_error_errno("%s", name);
		}
		if (n == 0)
			break;
		size += (size_t)n;
		if (size > max) {
			free(buf);
			return cr_error_set("%s: larger than %zu bytes", name,
					    max);
		}
	}
	if (buf == NULL && (buf = malloc(1)) == NULL)
		return cr_error_set("%s: out of memory", name);
	buf[size] = '\0';
	*out = buf;
	*len = size;
	return CR_OK;
}

int
cr_read_file(char **out, size_t *len, const char *path, size_t max)
{
	int fd, err;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return cr_error_errno("%s", path);
	err = cr_read_fd(out, len, fd, path, max);
	close(fd);
	return err;
}

int
cr_readdir(struct dirent **de, DIR *d, const char *name)
{
	errno = 0;
	if ((*de = readdir(d)) != NULL)
		return 1;
	return errno != 0 ? cr_error_errno("%s", name) : 0;
}

ssize_t
cr_pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int
cr_spool_open(const char *dir)
{
	char tmpl[4096];
	int fd, n;

	if (dir == NULL && ((dir = getenv("TMPDIR")) == NULL || *dir == '\0'))
		dir = "/tmp";
	if ((fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) >= 0)
		return fd;
	/* A file system without O_TMPFILE: a named file, unlinked at once. */
	n = snprintf(tmpl, sizeof(tmpl), "%s/.cleanroom-spool.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(tmpl)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0)
		return -1;
	unlink(tmpl);
	return fd;
}

void
cr_hex_encode(char *out, const unsigned char *in, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
cr_hex_decode(unsigned char *out, size_t outlen, const char *hex)
{
	size_t i;
	int hi, lo;

	for (i = 0; i < outlen; i++) {
		if ((hi = hexval((unsigned char)hex[2 * i])) < 0)
			return CR_ERROR;
		if ((lo = hexval((unsigned char)hex[2 * i + 1])) < 0)
			return CR_ERROR;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return hex[2 * outlen] == '\0' ? CR_OK : CR_ERROR;
}

static const char b64std[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int
cr_base64_encode(char **out, const unsigned char *in, size_t len)
{
	char *s, *p;
	size_t i;
	uint32_t v;

	*out = NULL;
	if (len > (SIZE_MAX / 4) * 3 - 3)
		return cr_error_set("base64: input too large");
	if ((s = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return cr_error_set("base64: out of memory");
	for (i = 0, p = s; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*p++ = b64std[v >> 18];
		*p++ = b64std[(v >> 12) & 63];
		*p++ = b64std[(v >> 6) & 63];
		*p++ = b64std[v & 63];
	}
	if (i < len) {
		v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		*p++ = b64std[v >> 18];
		*p++ = b64std[(v >> 12) & 63];
		*p++ = i + 1 < len ? b64std[(v >> 6) & 63] : '=';
		*p++ = '=';
	}
	*p = '\0';
	*out = s;
	return CR_OK;
}

/* 0..63 for a digit of the given alphabet, -1 otherwise. */
static int
b64val(int c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int
cr_base64_decode(unsigned char **out, size_t *outlen, const char *in,
		 size_t inlen)
{
	unsigned char *buf;
	size_t i, n = inlen, o = 0;
	uint32_t acc = 0;
	int url = 0, v, bits = 0;

	*out = NULL;
	*outlen = 0;
	if (memchr(in, '-', inlen) || memchr(in, '_', inlen))
		url = 1;
	/* Up to two '=' of padding, and then the length must be whole. */
	if (n > 0 && in[n - 1] == '=')
		n--;
	if (n > 0 && in[n - 1] == '=')
		n--;
	if (n != inlen && inlen % 4 != 0)
		return CR_ERROR;
	if (n % 4 == 1)
		return CR_ERROR;
	if ((buf = malloc(n / 4 * 3 + 3)) == NULL)
		return CR_ERROR;
	for (i = 0; i < n; i++) {
		if ((v = b64val((unsigned char)in[i], url)) < 0) {
			free(buf);
			return CR_ERROR;
		}
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			buf[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	/* Leftover bits must be zero, or two encodings decode alike. */
	if (acc != 0) {
		free(buf);
		return CR_ERROR;
	}
	*out = buf;
	*outlen = o;
	return CR_OK;
}
