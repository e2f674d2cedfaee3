/* Small helpers shared by the core: capped reads, atomic writes, hex, base64. */
#include "util.h"
#include "error.h"

#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

static int
write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
sync_dir_of(const char *path)
{
	char *copy, *dir;
	int fd, ret = 0;

	if ((copy = strdup(path)) == NULL)
		return -1;
	dir = dirname(copy);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fsync(fd) < 0)
		ret = -1;
	if (fd >= 0)
		close(fd);
	free(copy);
	return ret;
}

int
cr_atomic_open(struct cr_atomic *a, const char *path, mode_t mode, int flags)
{
	struct stat st;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->mode = mode;
	a->flags = flags;
	if ((flags & CR_WRITE_NOCLOBBER) && lstat(path, &st) == 0)
		return cr_error_set("%s: already exists; refusing to overwrite",
				    path);
	if ((a->path = strdup(path)) == NULL ||
	    asprintf(&a->tmp, "%s.tmp.XXXXXX", path) < 0) {
		a->tmp = NULL;
		cr_atomic_abort(a);
		return cr_error_set("%s: out of memory", path);
	}
	if ((a->fd = mkostemp(a->tmp, O_CLOEXEC)) < 0) {
		cr_error_errno("%s", a->tmp);
		free(a->tmp);
		a->tmp = NULL;
		cr_atomic_abort(a);
		return CR_ERROR;
	}
	return CR_OK;
}

int
cr_atomic_commit(struct cr_atomic *a)
{
	int err = CR_ERROR;

	if (a->tmp == NULL || a->fd < 0)
		return cr_error_set("%s: not open for writing",
				    a->path ? a->path : "?");
	if (fchmod(a->fd, a->mode) < 0 || fsync(a->fd) < 0) {
		cr_error_errno("%s", a->tmp);
		goto done;
	}
	if (close(a->fd) < 0) {
		a->fd = -1;
		cr_error_errno("%s", a->tmp);
		goto done;
	}
	a->fd = -1;
	if (a->flags & CR_WRITE_NOCLOBBER) {
		/* link() fails if path appeared meanwhile: never replace it. */
		if (link(a->tmp, a->path) < 0) {
			if (errno == EEXIST)
				cr_error_set("%s: already exists; refusing to "
					     "overwrite",
					     a->path);
			else
				cr_error_errno("%s", a->path);
			goto done;
		}
		unlink(a->tmp);
	} else if (rename(a->tmp, a->path) < 0) {
		cr_error_errno("%s", a->path);
		goto done;
	}
	free(a->tmp);
	a->tmp = NULL;
	if (sync_dir_of(a->path) < 0) {
		cr_error_errno("%s: syncing its directory", a->path);
		goto done;
	}
	err = CR_OK;
done:
	cr_atomic_abort(a);
	return err;
}

void
cr_atomic_abort(struct cr_atomic *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
	if (a->tmp != NULL) {
		unlink(a->tmp);
		free(a->tmp);
		a->tmp = NULL;
	}
	free(a->path);
	a->path = NULL;
}

int
cr_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		int flags)
{
	struct cr_atomic a;
	int err;

	if ((err = cr_atomic_open(&a, path, mode, flags)) < 0)
		return err;
	if (write_all(a.fd, buf, len) < 0) {
		cr_error_errno("%s", a.tmp);
		cr_atomic_abort(&a);
		return CR_ERROR;
	}
	return cr_atomic_commit(&a);
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

int
cr_format_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return cr_error_set("time %lld cannot be formatted",
				    (long long)t);
	return CR_OK;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Makes every directory below path writable, so its entries can go. */
static int
open_up(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(path, (st->st_mode & 07777) | 0700);
	return 0;
}

int
cr_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? CR_OK : cr_error_errno("%s", path);
	nftw(path, open_up, 16, FTW_PHYS);
	if (nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS) < 0)
		return cr_error_errno("%s: cannot remove", path);
	return CR_OK;
}

void
cr_str_vprintf(struct cr_str *s, const char *fmt, va_list ap)
{
	va_list aq;
	size_t cap;
	char *p;
	int n;

	if (s->failed)
		return;
	va_copy(aq, ap);
	n = vsnprintf(s->p ? s->p + s->len : NULL, s->p ? s->cap - s->len : 0,
		      fmt, aq);
	va_end(aq);
	if (n < 0 || (size_t)n >= CR_STR_MAX - s->len) {
		s->failed = 1;
		goto undo;
	}
	if (s->p != NULL && (size_t)n < s->cap - s->len) {
		s->len += (size_t)n;
		return;
	}
	for (cap = s->cap ? s->cap : 256; cap <= s->len + (size_t)n;)
		cap *= 2;
	if ((p = realloc(s->p, cap)) == NULL) {
		s->failed = 1;
		goto undo;
	}
	s->p = p;
	s->cap = cap;
	vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	s->len += (size_t)n;
	return;
undo:
	/* vsnprintf may have written a truncated part past len. */
	if (s->p != NULL)
		s->p[s->len] = '\0';
}

void
cr_str_printf(struct cr_str *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cr_str_vprintf(s, fmt, ap);
	va_end(ap);
}

int
cr_str_take(char **out, struct cr_str *s)
{
	*out = NULL;
	if (s->failed) {
		cr_str_free(s);
		return cr_error_set("text report: out of memory or longer "
				    "than %u bytes",
				    CR_STR_MAX);
	}
	if (s->p == NULL && (s->p = strdup("")) == NULL)
		return cr_error_set("text report: out of memory");
	*out = s->p;
	s->p = NULL;
	s->len = s->cap = 0;
	return CR_OK;
}

void
cr_str_free(struct cr_str *s)
{
	if (s == NULL)
		return;
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
	s->failed = 0;
}
