/* The one archive policy: whitelisted formats and filters, checked members. */
#include "archive_policy.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64u * 1024)
#define ZIP_EOCD 22u
#define ZIP_MAX_COMMENT 0xffffu
#define ZIP_MAX_CD (64u << 20)

enum { F_NONE, F_TAR, F_ZIP, F_AR, F_RAW, F_EMPTY, F_CPIO };
enum { K_IMPLIED = 1, K_DIR, K_FILE, K_LINK };

/* A window of a file read with pread, or a buffer. */
struct src {
	int fd;
	const unsigned char *mem;
	uint64_t off, len, pos;
	unsigned char buf[CHUNK];
};

struct slot {
	char *path;
	int kind;
};

struct cr_archive {
	struct archive *a;
	int own_fd; /* opened by cr_archive_open_file(), closed by free */
	struct src src, scan_src;
	unsigned int flags;
	const char *name;
	int fmt;
	uint64_t members, expected; /* from the scan or central directory */
	char **cd;		    /* zip: names from the central directory */
	size_t ncd;
	struct slot *set; /* every name so far, and the directories implied */
	size_t nset, used;
	char *raw, *path, *link, *hardlink, *hardlink_raw;
	locale_t loc;
};

static la_ssize_t
src_read(struct archive *a, void *data, const void **buf)
{
	struct src *s = data;
	uint64_t left = s->len - s->pos;
	size_t n = left < CHUNK ? (size_t)left : CHUNK;
	ssize_t r;

	if (s->mem != NULL) {
		*buf = s->mem + s->pos;
		s->pos += left;
		return (la_ssize_t)left;
	}
	*buf = s->buf;
	if (n == 0)
		return 0;
	do {
		r = pread(s->fd, s->buf, n, (off_t)(s->off + s->pos));
	} while (r < 0 && errno == EINTR);
	if (r < 0) {
		archive_set_error(a, errno, "read error");
		return -1;
	}
	s->pos += (uint64_t)r;
	return r;
}

static la_int64_t
src_seek(struct archive *a, void *data, la_int64_t off, int whence)
{
	struct src *s = data;
	int64_t base;

	(void)a;
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)s->pos;
		break;
	case SEEK_END:
		base = (int64_t)s->len;
		break;
	default:
		return ARCHIVE_FATAL;
	}
	if (off < -base || base + off > (int64_t)s->len)
		return ARCHIVE_FATAL;
	s->pos = (uint64_t)(base + off);
	return (la_int64_t)s->pos;
}

static la_int64_t
src_skip(struct archive *a, void *data, la_int64_t req)
{
	struct src *s = data;
	uint64_t left = s->len - s->pos;

	(void)a;
	if (req <= 0)
		return 0;
	if ((uint64_t)req > left)
		req = (la_int64_t)left;
	s->pos += (uint64_t)req;
	return req;
}

/* Exactly n bytes at off of the source, or a message. */
static int
src_pread(struct cr_archive *ca, void *buf, size_t n, uint64_t at)
{
	const struct src *s = &ca->src;
	ssize_t r;

	if (at > s->len || n > s->len - at)
		return cr_error_set("%s: truncated zip", ca->name);
	if (s->mem != NULL) {
		memcpy(buf, s->mem + at, n);
		return CR_OK;
	}
	if ((r = cr_pread_full(s->fd, buf, n, s->off + at)) < 0)
		return cr_error_errno("%s", ca->name);
	if ((size_t)r < n)
		return cr_error_set("%s: truncated zip", ca->name);
	return CR_OK;
}

const char *
cr_archive_reason(struct archive *a, const char *fallback)
{
	const char *m = a != NULL ? archive_error_string(a) : NULL;

	return m != NULL ? m : fallback;
}

int
cr_archive_error(struct archive *a, const char *name, const char *what,
		 const char *fallback)
{
	return cr_error_set("%s: %s%s%s", name, what != NULL ? what : "",
			    what != NULL ? ": " : "",
			    cr_archive_reason(a, fallback));
}

/* A stream asked for by name: its decoder built in, or refused. */
static int
raw_filter(struct archive *a, unsigned int flags, unsigned int want,
	   const char *lib, int (*support)(struct archive *))
{
	if (!(flags & want) || (flags & CR_ARC_FILTERS))
		return 0;
	return lib != NULL && support(a) == ARCHIVE_OK ? 0 : -1;
}

/* Gzip, bzip2, xz, lzma and zstd when built in: never an outside program. */
static int
add_filters(struct archive *a, unsigned int flags)
{
	if ((flags & (CR_ARC_FILTERS | CR_ARC_GZIP_RAW)) &&
	    archive_zlib_version() != NULL &&
	    archive_read_support_filter_gzip(a) != ARCHIVE_OK)
		return -1;
	if (raw_filter(a, flags, CR_ARC_XZ_RAW, archive_liblzma_version(),
		       archive_read_support_filter_xz) < 0 ||
	    raw_filter(a, flags, CR_ARC_BZIP2_RAW, archive_bzlib_version(),
		       archive_read_support_filter_bzip2) < 0 ||
	    raw_filter(a, flags, CR_ARC_ZSTD_RAW, archive_libzstd_version(),
		       archive_read_support_filter_zstd) < 0)
		return -1;
	if (!(flags & CR_ARC_FILTERS))
		return 0;
	if (archive_bzlib_version() != NULL &&
	    archive_read_support_filter_bzip2(a) != ARCHIVE_OK)
		return -1;
	if (archive_liblzma_version() != NULL &&
	    (archive_read_support_filter_xz(a) != ARCHIVE_OK ||
	     archive_read_support_filter_lzma(a) != ARCHIVE_OK))
		return -1;
	if (archive_libzstd_version() != NULL &&
	    archive_read_support_filter_zstd(a) != ARCHIVE_OK)
		return -1;
	return 0;
}

#define RAW_STREAMS \
	(CR_ARC_GZIP_RAW | CR_ARC_XZ_RAW | CR_ARC_BZIP2_RAW | CR_ARC_ZSTD_RAW)

/*
 * The one libarchive reader set-up: the filters and formats in flags (raw:
 * the bytes alone, for the tar scan), nothing else. -1 when out of memory
 * (*out NULL) or when libarchive cannot give a filter or format asked for
 * without an outside program (*out set, the caller frees it).
 */
static int
reader_new(struct archive **out, unsigned int flags, int raw)
{
	struct archive *a;
	int r = 0;

	if ((*out = a = archive_read_new()) == NULL)
		return -1;
	if (add_filters(a, flags) < 0)
		return -1;
	if (raw || (flags & RAW_STREAMS))
		r |= archive_read_support_format_raw(a);
	if (!raw && (flags & CR_ARC_TAR))
		r |= archive_read_support_format_tar(a);
	/*
	 * The seekable reader alone: it reads the central directory. Read
	 * for explanation, the streaming one as well, so a zip whose central
	 * directory is damaged is still listed from its local headers.
	 */
	if (!raw && (flags & CR_ARC_ZIP))
		r |= (flags & CR_ARC_EXPLAIN)
			     ? archive_read_support_format_zip(a)
			     : archive_read_support_format_zip_seekable(a);
	if (!raw && (flags & CR_ARC_AR))
		r |= archive_read_support_format_ar(a);
	if (!raw && (flags & CR_ARC_CPIO))
		r |= archive_read_support_format_cpio(a);
	if (!raw && (flags & CR_ARC_EMPTY))
		r |= archive_read_support_format_empty(a);
	return r == ARCHIVE_OK ? 0 : -1;
}

static int
open_reader(struct archive **out, struct src *s, unsigned int flags, int raw)
{
	struct archive *a;

	if (reader_new(out, flags, raw) < 0)
		return -1;
	a = *out;
	archive_read_set_read_callback(a, src_read);
	archive_read_set_seek_callback(a, src_seek);
	archive_read_set_skip_callback(a, src_skip);
	archive_read_set_callback_data(a, s);
	return archive_read_open1(a) == ARCHIVE_OK ? 0 : -2;
}

/* ---- names ---- */

static size_t utf8_len(const unsigned char *s);

/*
 * s for a message, at most 256 bytes of it: control characters and bytes
 * that are not UTF-8 as \xHH, so a name cannot paint the terminal.
 */
static const char *
shown(char out[1100], const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0, n, i;

	for (i = 0; *p != '\0' && i < 256; i++) {
		n = *p >= 0x20 && *p != 0x7f ? utf8_len(p) : 0;
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			n = 0;
		if (n == 0) {
			o += (size_t)snprintf(out + o, 5, "\\x%02x", *p++);
			continue;
		}
		memcpy(out + o, p, n);
		o += n;
		p += n;
	}
	out[o] = '\0';
	return out;
}

/* Length of the UTF-8 sequence at s (no overlongs, surrogates), or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	unsigned int c = s[0], v;
	size_t n, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, v = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, v = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, v = c & 0x07;
	else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
	    (n == 4 && (v < 0x10000 || v > 0x10ffff)))
		return 0;
	return n;
}

/* Valid UTF-8 without control characters (C0, DEL, C1). */
static const char *
text_problem(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return "a control character in the name";
		if ((n = utf8_len(p)) == 0)
			return "a name that is not valid UTF-8";
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0)
			return "a control character in the name";
		p += n;
	}
	return NULL;
}

const char *
cr_archive_name_problem(const char *name, int isdir)
{
	const char *p = name, *q, *why;
	size_t len = strlen(name), n;

	if (len == 0)
		return "an empty name";
	if (len > CR_ARCHIVE_MAX_NAME)
		return "a name over 4096 bytes";
	if ((why = text_problem(name)) != NULL)
		return why;
	if (strchr(name, '\\') != NULL)
		return "a '\\' in the name (a separator to some extractors)";
	if (*p == '/')
		return "an absolute name";
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (*p == '\0' || strcmp(p, ".") == 0)
		return isdir ? NULL : "the root named as a file";
	if (name[len - 1] == '/' && !isdir)
		return "a name ending in '/' that is not a directory";
	for (;;) {
		q = strchr(p, '/');
		n = q != NULL ? (size_t)(q - p) : strlen(p);
		if (n == 0)
			return q != NULL && q[1] == '\0' && isdir
				       ? NULL
				       : "an empty name component";
		if (n == 1 && p[0] == '.')
			return "a '.' component";
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return "a '..' component";
		if (n > CR_ARCHIVE_MAX_PART)
			return "a name component over 255 bytes";
		if (q == NULL || q[1] == '\0')
			return NULL;
		p = q + 1;
	}
}

/* name less leading "./" and trailing '/' into a fresh string. */
static char *
tree_path(const char *name)
{
	size_t n;

	while (name[0] == '.' && name[1] == '/')
		name += 2;
	n = strlen(name);
	while (n > 0 && name[n - 1] == '/')
		n--;
	if (n == 1 && name[0] == '.')
		n = 0;
	return strndup(name, n);
}

/* ---- the set of names: duplicates, file vs directory ---- */

static size_t
hash_mem(const char *s, size_t n)
{
	size_t h = 14695981039346656037ull;

	while (n-- > 0)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

static struct slot *
find(const struct cr_archive *ca, const char *path, size_t n)
{
	size_t i;

	if (ca->nset == 0)
		return NULL;
	for (i = hash_mem(path, n) & (ca->nset - 1); ca->set[i].path != NULL;
	     i = (i + 1) & (ca->nset - 1))
		if (strncmp(ca->set[i].path, path, n) == 0 &&
		    ca->set[i].path[n] == '\0')
			return &ca->set[i];
	return NULL;
}

static int
insert(struct cr_archive *ca, const char *path, size_t n, int kind)
{
	struct slot *ns;
	size_t i, j, nn;

	if (ca->used >= 2 * (size_t)CR_ARCHIVE_MAX_MEMBERS)
		return cr_error_set("%s: too many names", ca->name);
	if ((ca->used + 1) * 2 > ca->nset) {
		nn = ca->nset ? ca->nset * 2 : 1024;
		if ((ns = calloc(nn, sizeof(*ns))) == NULL)
			return cr_error_set("%s: out of memory", ca->name);
		for (j = 0; j < ca->nset; j++) {
			if (ca->set[j].path == NULL)
				continue;
			i = hash_mem(ca->set[j].path, strlen(ca->set[j].path)) &
			    (nn - 1);
			while (ns[i].path != NULL)
				i = (i + 1) & (nn - 1);
			ns[i] = ca->set[j];
		}
		free(ca->set);
		ca->set = ns;
		ca->nset = nn;
	}
	i = hash_mem(path, n) & (ca->nset - 1);
	while (ca->set[i].path != NULL)
		i = (i + 1) & (ca->nset - 1);
	if ((ca->set[i].path = strndup(path, n)) == NULL)
		return cr_error_set("%s: out of memory", ca->name);
	ca->set[i].kind = kind;
	ca->used++;
	return CR_OK;
}

/*
 * Records path (non-empty) as kind. Each name once; nothing below a file
 * or symlink; no file where a directory was implied. Parents are walked
 * upwards until one is known, so each costs its length once.
 */
static int
record(struct cr_archive *ca, const char *raw, const char *path, int kind)
{
	struct slot *s;
	const char *q;
	size_t n = strlen(path);
	int err;

	if ((s = find(ca, path, n)) != NULL) {
		if (s->kind == K_IMPLIED && kind == K_DIR) {
			s->kind = K_DIR;
			return CR_OK;
		}
		if (s->kind == K_IMPLIED || s->kind == K_DIR)
			return cr_error_set("%s: member '%s': a %s where a "
					    "directory of that name is; "
					    "refusing",
					    ca->name, raw,
					    kind == K_DIR ? "directory listed "
							    "twice"
							  : "non-directory");
		return cr_error_set("%s: member '%s': '%s' listed twice; "
				    "refusing",
				    ca->name, raw, path);
	}
	if ((err = insert(ca, path, n, kind)) < 0)
		return err;
	for (q = path + n; q > path;) {
		while (q > path && q[-1] != '/')
			q--;
		if (q == path)
			break;
		n = (size_t)(q - 1 - path);
		if ((s = find(ca, path, n)) != NULL) {
			if (s->kind == K_FILE || s->kind == K_LINK)
				return cr_error_set("%s: member '%s': below "
						    "'%.*s', which is not a "
						    "directory; refusing",
						    ca->name, raw, (int)n,
						    path);
			break;
		}
		if ((err = insert(ca, path, n, K_IMPLIED)) < 0)
			return err;
		q--;
	}
	return CR_OK;
}

/* ---- tar: every header scanned before any member is read ---- */

/* A header's own name field, for messages. */
static const char *
hname(char out[1100], const unsigned char *h)
{
	char tmp[101];

	memcpy(tmp, h, 100);
	tmp[100] = '\0';
	return shown(out, tmp);
}

struct scan {
	struct cr_archive *ca;
	struct archive *r;
	unsigned char *meta; /* a pax or long-name header's data */
	unsigned char *skip; /* data skipped over */
	uint64_t members, bytes;
	char attr_key[72];   /* a pending pax header's xattr/ACL key, or "" */
	char attr_path[256]; /* and its path record, or "" */
};

/* n bytes of the decompressed stream into buf (NULL: skipped); *got. */
static int
scan_get(struct scan *s, unsigned char *buf, uint64_t n, uint64_t *got)
{
	la_ssize_t r;
	size_t want;

	*got = 0;
	while (*got < n) {
		want = n - *got > CHUNK ? CHUNK : (size_t)(n - *got);
		r = archive_read_data(s->r, buf != NULL ? buf + *got : s->skip,
				      want);
		if (r < 0)
			return cr_archive_error(s->r, s->ca->name, NULL,
						"damaged archive");
		if (r == 0)
			break;
		*got += (uint64_t)r;
	}
	return CR_OK;
}

static uint64_t
octal(const unsigned char *p, size_t n, int *bad)
{
	uint64_t v = 0;
	size_t i = 0;

	if (p[0] & 0x80) { /* GNU base-256 */
		if (p[0] != 0x80)
			*bad = 1;
		for (i = 1; i < n; i++) {
			if (v >> 55)
				*bad = 1;
			v = (v << 8) | p[i];
		}
		return v;
	}
	while (i < n && p[i] == ' ')
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60)
			*bad = 1;
		v = v * 8 + (uint64_t)(p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			*bad = 1;
	return v;
}

/* The pax keys every extractor reads the same way, or ignores alike. */
static int
pax_key_ok(const char *k, size_t n, int global)
{
	static const char *const keys[] = {
		"comment",    "path",	      "linkpath",   "size",
		"mtime",      "atime",	      "ctime",	    "uid",
		"gid",	      "uname",	      "gname",	    "SCHILY.dev",
		"SCHILY.ino", "SCHILY.nlink", "hdrcharset",
	};
	size_t i;

	if (global) /* git archive's commit id, and nothing else */
		return n == 7 && memcmp(k, "comment", 7) == 0;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i]) == n && memcmp(k, keys[i], n) == 0)
			return 1;
	return 0;
}

static void
printable(char *out, size_t outsz, const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n && i + 1 < outsz; i++)
		out[i] = p[i] >= ' ' && p[i] < 127 ? (char)p[i] : '?';
	out[i] = '\0';
}

/*
 * Whether the pax records d[0..n) hold extended attributes, ACLs or file
 * flags (GNU tar --xattrs and --acls, bsdtar, star: a file capability is
 * SCHILY.xattr.security.capability): the first such key goes to
 * s->attr_key, the header's path record to s->attr_path, both printable.
 * Their values may hold NULs: this walks the records by their lengths and
 * stops at the first malformed one.
 */
static int
pax_attr_key(struct scan *s, const unsigned char *d, size_t n)
{
	static const char *const prefixes[] = {
		"SCHILY.xattr.",  "LIBARCHIVE.xattr.", "SCHILY.acl.",
		"LIBARCHIVE.acl", "SCHILY.fflags",     "RHT.security.",
	};
	size_t pos = 0, len, i, j, klen;
	const unsigned char *k, *eq;
	int found = 0;

	s->attr_key[0] = s->attr_path[0] = '\0';
	while (pos < n) {
		len = 0;
		for (i = pos;
		     i < n && i - pos < 20 && d[i] >= '0' && d[i] <= '9'; i++)
			len = len * 10 + (size_t)(d[i] - '0');
		if (i == pos || i >= n || d[i] != ' ' || len > n - pos ||
		    len < (i - pos) + 3)
			break;
		k = d + i + 1;
		if ((eq = memchr(k, '=', len - (i - pos) - 2)) == NULL)
			break;
		klen = (size_t)(eq - k);
		if (klen == 4 && memcmp(k, "path", 4) == 0)
			printable(s->attr_path, sizeof(s->attr_path), eq + 1,
				  (size_t)(d + pos + len - 1 - (eq + 1)));
		for (j = 0;
		     !found && j < sizeof(prefixes) / sizeof(prefixes[0]);
		     j++) {
			if (klen < strlen(prefixes[j]) ||
			    memcmp(k, prefixes[j], strlen(prefixes[j])) != 0)
				continue;
			printable(s->attr_key, sizeof(s->attr_key), k, klen);
			found = 1;
		}
		pos += len;
	}
	if (!found)
		s->attr_key[0] = s->attr_path[0] = '\0';
	return found;
}

/*
 * Checks pax records "LEN KEY=VALUE\n"; *size gets a "size" value. Keys
 * outside the whitelist, a key twice, an empty value (which unsets a key
 * in some readers only) or a NUL are refused.
 */
static int
pax_check(struct scan *s, const unsigned char *d, size_t n, int global,
	  uint64_t *size, int *has_size, int *slash)
{
	const char *name = s->ca->name;
	const unsigned char *k, *eq, *end;
	const unsigned char *seen[16];
	size_t seen_n[16], nseen = 0, pos = 0, len, i;
	uint64_t v;

	if (memchr(d, '\0', n) != NULL)
		return cr_error_set("%s: a NUL in a pax header; refusing",
				    name);
	while (pos < n) {
		len = 0;
		for (i = pos; i < n && d[i] >= '0' && d[i] <= '9'; i++) {
			if (len > n)
				break;
			len = len * 10 + (size_t)(d[i] - '0');
		}
		if (i == pos || i >= n || d[i] != ' ' || len > n - pos ||
		    len < (i - pos) + 4 || d[pos + len - 1] != '\n' ||
		    (d[pos] == '0'))
			return cr_error_set("%s: a malformed pax record; "
					    "refusing",
					    name);
		k = d + i + 1;
		end = d + pos + len - 1;
		if ((eq = memchr(k, '=', (size_t)(end - k))) == NULL ||
		    eq == k || eq + 1 == end)
			return cr_error_set("%s: a pax record without a key "
					    "or value; refusing",
					    name);
		if (!pax_key_ok((const char *)k, (size_t)(eq - k), global))
			return cr_error_set("%s: pax %sheader key '%.*s' that "
					    "extractors read differently; "
					    "refusing",
					    name, global ? "global " : "",
					    (int)(eq - k > 64 ? 64 : eq - k),
					    (const char *)k);
		for (i = 0; i < nseen; i++)
			if (seen_n[i] == (size_t)(eq - k) &&
			    memcmp(seen[i], k, seen_n[i]) == 0)
				return cr_error_set("%s: pax key '%.*s' twice "
						    "in one header; refusing",
						    name, (int)seen_n[i],
						    (const char *)k);
		if (nseen < 16) {
			seen[nseen] = k;
			seen_n[nseen++] = (size_t)(eq - k);
		}
		/* Names are UTF-8 by policy: both charsets read the same. */
		if ((size_t)(eq - k) == 10 &&
		    memcmp(k, "hdrcharset", 10) == 0 &&
		    !((end - eq - 1 == 6 && memcmp(eq + 1, "BINARY", 6) == 0) ||
		      (end - eq - 1 == 23 &&
		       memcmp(eq + 1, "ISO-IR 10646 2000 UTF-8", 23) == 0)))
			return cr_error_set(
				"%s: pax hdrcharset '%.*s'; "
				"refusing",
				name,
				(int)(end - eq - 1 > 64 ? 64 : end - eq - 1),
				(const char *)eq + 1);
		if ((size_t)(eq - k) == 4 && memcmp(k, "path", 4) == 0)
			*slash = end[-1] == '/';
		if ((size_t)(eq - k) == 4 && memcmp(k, "size", 4) == 0) {
			v = 0;
			for (i = 1; eq + i < end; i++) {
				if (eq[i] < '0' || eq[i] > '9' || i > 19)
					return cr_error_set("%s: a bad pax "
							    "size; refusing",
							    name);
				v = v * 10 + (uint64_t)(eq[i] - '0');
			}
			*size = v;
			*has_size = 1;
		}
		pos += len;
	}
	return CR_OK;
}

static int
all_zero(const unsigned char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static int
checksum_ok(const unsigned char *h)
{
	uint64_t u = 0;
	int64_t sg = 0;
	int bad = 0;
	uint64_t want = octal(h + 148, 8, &bad);
	size_t i;

	for (i = 0; i < 512; i++) {
		unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];

		u += c;
		sg += (signed char)c;
	}
	return !bad && (want == u || (int64_t)want == sg);
}

int
cr_archive_tar_header(const unsigned char h[512])
{
	return checksum_ok(h) && (memcmp(h + 257,
					 "ustar\0"
					 "00",
					 8) == 0 ||
				  memcmp(h + 257, "ustar  \0", 8) == 0);
}

/*
 * After the first zero block: the rest of the decompressed stream must be
 * zeros, and the compressed one must end where its last member ends.
 */
static int
tar_tail(struct scan *s, unsigned char *h, uint64_t got)
{
	int64_t used;
	uint64_t at;
	size_t k;
	int err;

	while (got > 0) {
		if (!all_zero(h, (size_t)got))
			return cr_error_set("%s: data after the end of the tar "
					    "(read by tar -i, or another "
					    "archive appended); refusing",
					    s->ca->name);
		if ((s->bytes += got) > CR_ARCHIVE_MAX_BYTES)
			return cr_error_set(
				"%s: more than %llu GiB "
				"decompressed",
				s->ca->name,
				(unsigned long long)(CR_ARCHIVE_MAX_BYTES >>
						     30));
		if ((err = scan_get(s, h, 512, &got)) < 0)
			return err;
	}
	if (archive_filter_count(s->r) < 2)
		return CR_OK;
	if ((used = archive_filter_bytes(s->r, -1)) < 0 ||
	    (uint64_t)used > s->ca->src.len)
		return cr_error_set("%s: damaged compressed stream",
				    s->ca->name);
	/* Zeros, as old tars blocked their gzip output: read by no one. */
	for (at = (uint64_t)used; at < s->ca->src.len; at += k) {
		k = s->ca->src.len - at < 512 ? (size_t)(s->ca->src.len - at)
					      : 512;
		if ((err = src_pread(s->ca, h, k, at)) < 0)
			return err;
		if (!all_zero(h, k))
			return cr_error_set("%s: bytes after the end of the "
					    "compressed stream; refusing",
					    s->ca->name);
	}
	return CR_OK;
}

/*
 * Walks every header of the decompressed tar: only regular files ('0'),
 * directories, symlinks and data-less hard links, each preceded by at most
 * one pax 'x' header or by GNU 'L'/'K' headers, never both; a pax global
 * header only with a comment; nothing else.
 */
static int
tar_scan(struct cr_archive *ca)
{
	struct scan s = {.ca = ca};
	unsigned char h[512];
	char sb[1100];
	uint64_t got, size, psize = 0;
	int bad, has_x = 0, has_l = 0, has_k = 0, has_psize = 0, err;
	int slash = 0, gslash = 0;
	unsigned char t;
	struct archive_entry *e;

	ca->scan_src = ca->src;
	ca->scan_src.pos = 0;
	if (open_reader(&s.r, &ca->scan_src, ca->flags, 1) != 0) {
		err = s.r != NULL ? cr_archive_error(s.r, ca->name, NULL,
						     "damaged archive")
				  : cr_error_set("%s: out of memory", ca->name);
		goto done;
	}
	if (archive_read_next_header(s.r, &e) != ARCHIVE_OK) {
		err = cr_archive_error(s.r, ca->name, NULL, "damaged archive");
		goto done;
	}
	if ((s.meta = malloc(CR_ARCHIVE_MAX_META)) == NULL ||
	    (s.skip = malloc(CHUNK)) == NULL) {
		err = cr_error_set("%s: out of memory", ca->name);
		goto done;
	}
	for (;;) {
		if ((err = scan_get(&s, h, 512, &got)) < 0)
			goto done;
		if (got == 0 || all_zero(h, got)) {
			if (has_x || has_l || has_k) {
				err = cr_error_set("%s: a pax or long-name "
						   "header with no member "
						   "after it; refusing",
						   ca->name);
				goto done;
			}
			/* Only zeros may follow: tar -i, unzip (a zip appended)
			 * and a second gzip member would read on. */
			if ((err = tar_tail(&s, h, got)) < 0)
				goto done;
			break;
		}
		if (got < 512) {
			err = cr_error_set("%s: truncated tar header",
					   ca->name);
			goto done;
		}
		if (!checksum_ok(h)) {
			err = cr_error_set("%s: a tar header with a bad "
					   "checksum after member %llu; "
					   "refusing",
					   ca->name,
					   (unsigned long long)s.members);
			goto done;
		}
		if (memcmp(h + 257,
			   "ustar\0"
			   "00",
			   8) != 0 &&
		    memcmp(h + 257, "ustar  \0", 8) != 0) {
			err = cr_error_set("%s: a tar header that is not "
					   "ustar, pax or GNU; refusing",
					   ca->name);
			goto done;
		}
		/* GNU keeps times there; Python takes them as a name prefix. */
		if (h[263] == ' ' && h[345] != 0) {
			err = cr_error_set("%s: member '%s': a GNU tar header "
					   "with bytes in the ustar prefix "
					   "field (a name prefix to Python's "
					   "tarfile only); refusing",
					   ca->name, hname(sb, h));
			goto done;
		}
		bad = 0;
		size = octal(h + 124, 12, &bad);
		/* Python stops at a field it cannot parse, as if at the end. */
		octal(h + 100, 8, &bad);
		octal(h + 108, 8, &bad);
		octal(h + 116, 8, &bad);
		octal(h + 136, 12, &bad);
		octal(h + 329, 8, &bad);
		octal(h + 337, 8, &bad);
		if (bad) {
			err = cr_error_set("%s: member '%s': a numeric field "
					   "of its tar header is malformed; "
					   "refusing",
					   ca->name, hname(sb, h));
			goto done;
		}
		t = h[156];
		if (t == 'x' || t == 'g' || t == 'L' || t == 'K') {
			if (size > CR_ARCHIVE_MAX_META) {
				err = cr_error_set("%s: a pax or long-name "
						   "header over 1 MiB; "
						   "refusing",
						   ca->name);
				goto done;
			}
			if ((err = scan_get(&s, s.meta, size, &got)) < 0)
				goto done;
			if (got != size ||
			    (err = scan_get(&s, NULL, (512 - size % 512) % 512,
					    &got)) < 0) {
				err = got != size
					      ? cr_error_set("%s: truncated "
							     "tar",
							     ca->name)
					      : err;
				goto done;
			}
		}
		switch (t) {
		case 'g':
			if (has_x || has_l || has_k) {
				err = cr_error_set("%s: a pax global header "
						   "inside a member's "
						   "headers; refusing",
						   ca->name);
				goto done;
			}
			if ((err = pax_check(&s, s.meta, (size_t)size, 1,
					     &psize, &has_psize, &gslash)) < 0)
				goto done;
			continue;
		case 'x':
			if (has_x || has_l || has_k) {
				err = cr_error_set("%s: a pax header after "
						   "another or after a GNU "
						   "long name; refusing",
						   ca->name);
				goto done;
			}
			/* Refused below, naming the member it belongs to. */
			if (pax_attr_key(&s, s.meta, (size_t)size)) {
				has_x = 1;
				continue;
			}
			if ((err = pax_check(&s, s.meta, (size_t)size, 0,
					     &psize, &has_psize, &slash)) < 0)
				goto done;
			has_x = 1;
			continue;
		case 'L':
		case 'K':
			if (has_x || (t == 'L' ? has_l : has_k) || size == 0 ||
			    memchr(s.meta, '\0', (size_t)size - 1) != NULL) {
				err = cr_error_set("%s: a GNU long %s that "
						   "extractors read "
						   "differently; refusing",
						   ca->name,
						   t == 'L' ? "name" : "link");
				goto done;
			}
			if (t == 'L')
				slash = s.meta[size - 1 -
					       (s.meta[size - 1] == '\0' &&
						size > 1)] == '/';
			*(t == 'L' ? &has_l : &has_k) = 1;
			continue;
		}
		if (s.attr_key[0] != '\0') {
			err = cr_error_set("%s: member '%s': extended "
					   "attributes, ACLs or file flags "
					   "(pax key '%s'), which extractors "
					   "apply or ignore each their own "
					   "way; refusing",
					   ca->name,
					   s.attr_path[0] ? s.attr_path
							  : hname(sb, h),
					   s.attr_key);
			goto done;
		}
		switch (t) {
		case '0':
		case '1':
		case '2':
		case '5':
			break;
		case '3':
		case '4':
		case '6':
			if ((ca->flags & CR_ARC_ARTIFACT) ||
			    ((ca->flags & CR_ARC_SPECIAL) && size == 0))
				break;
			err = cr_error_set("%s: member '%s': a device, "
					   "FIFO or socket (tar type '%c'); "
					   "refusing",
					   ca->name, hname(sb, h), t);
			goto done;
		default:
			err = cr_error_set("%s: member '%s': tar type '%c' "
					   "(0x%02x) that extractors treat "
					   "differently; refusing",
					   ca->name, hname(sb, h),
					   t >= 0x20 && t < 0x7f ? t : '?', t);
			goto done;
		}
		if (has_psize)
			size = psize;
		if (size > CR_ARCHIVE_MAX_BYTES ||
		    (s.bytes += size) > CR_ARCHIVE_MAX_BYTES) {
			err = cr_error_set(
				"%s: member '%s': more than "
				"%llu GiB decompressed",
				ca->name, hname(sb, h),
				(unsigned long long)(CR_ARCHIVE_MAX_BYTES >>
						     30));
			goto done;
		}
		if (t != '0' && (size != 0 || octal(h + 124, 12, &bad) != 0)) {
			err = cr_error_set("%s: member '%s': a %s carrying "
					   "data; refusing",
					   ca->name, hname(sb, h),
					   t == '1'   ? "hard link"
					   : t == '2' ? "symlink"
					   : t == '5' ? "directory"
						      : "device or FIFO");
			goto done;
		}
		if (!has_l && !(has_x && slash))
			slash = h[0] != 0 &&
				h[strnlen(hname(sb, h), 100) - 1] == '/';
		if (t == '0' && slash) {
			err = cr_error_set("%s: a regular file whose name ends "
					   "in '/'; refusing",
					   ca->name);
			goto done;
		}
		if (++s.members > CR_ARCHIVE_MAX_MEMBERS) {
			err = cr_error_set("%s: more than %u members", ca->name,
					   CR_ARCHIVE_MAX_MEMBERS);
			goto done;
		}
		if ((err = scan_get(&s, NULL, size + (512 - size % 512) % 512,
				    &got)) < 0)
			goto done;
		if (got != size + (512 - size % 512) % 512) {
			err = cr_error_set("%s: truncated tar", ca->name);
			goto done;
		}
		has_x = has_l = has_k = has_psize = slash = 0;
		psize = 0;
	}
	ca->expected = s.members;
	err = CR_OK;
done:
	free(s.skip);
	free(s.meta);
	if (s.r != NULL)
		archive_read_free(s.r);
	return err;
}

/* ---- zip: the central directory against every local header ---- */

static unsigned int
rd16(const unsigned char *p)
{
	return p[0] | (unsigned int)p[1] << 8;
}

static uint32_t
rd32(const unsigned char *p)
{
	return rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

/* Extra fields: well-formed, and none that renames or resizes a member. */
static int
zip_extra_ok(const unsigned char *x, size_t n)
{
	size_t pos = 0, len;
	unsigned int id;

	while (pos < n) {
		if (n - pos < 4)
			return 0;
		id = rd16(x + pos);
		len = rd16(x + pos + 2);
		if (len > n - pos - 4)
			return 0;
		/* zip64 sizes, Info-ZIP Unicode path, AES, strong crypto;
		 * ASi Unix, whose mode unzip takes when the external
		 * attributes hold none (an x bit, a symlink), libarchive
		 * never. */
		if (id == 0x0001 || id == 0x7075 || id == 0x9901 ||
		    id == 0x0017 || id == 0x756e)
			return 0;
		pos += 4 + len;
	}
	return 1;
}

static int
zip_bad(struct cr_archive *ca, const char *member, const char *why)
{
	char b[1100];

	return cr_error_set("%s: zip member '%s': %s; refusing", ca->name,
			    shown(b, member), why);
}

/*
 * Reads the end record (no zip64, one disk, the central directory ending
 * where the end record starts, no "PK\5\6" in the comment) and each central
 * entry; each local header must repeat its name, flags, method, crc and
 * sizes (or carry them in a data descriptor after the data), the members
 * must follow each other from offset 0 to the central directory, with no
 * gap or overlap. Names are kept in ca->cd for the pass through libarchive.
 */
static int
zip_check(struct cr_archive *ca)
{
	unsigned char tail[ZIP_EOCD + ZIP_MAX_COMMENT], c[46], l[30], dd[16];
	unsigned char *cdbuf = NULL, *x = NULL;
	uint64_t len = ca->src.len, tn, eocd = 0, cdoff, cdsize, at, pos = 0;
	size_t i, j, n, nlen, xlen, clen, lnlen, lxlen;
	unsigned int flags, method, mode, madeby;
	uint32_t crc, csize, usize;
	char *nm = NULL;
	const char *why;
	int found = 0, err = CR_ERROR;

	tn = len < sizeof(tail) ? len : sizeof(tail);
	if (tn < ZIP_EOCD)
		return cr_error_set("%s: truncated zip", ca->name);
	if ((err = src_pread(ca, tail, (size_t)tn, len - tn)) < 0)
		return err;
	for (i = (size_t)tn - ZIP_EOCD + 1; i-- > 0;)
		if (memcmp(tail + i, "PK\5\6", 4) == 0 &&
		    i + ZIP_EOCD + rd16(tail + i + 20) == tn) {
			found = 1;
			eocd = len - tn + i;
			break;
		}
	if (!found)
		return cr_error_set("%s: zip without a readable end record",
				    ca->name);
	i = (size_t)(eocd - (len - tn));
	for (j = i + ZIP_EOCD; j + 4 <= tn; j++)
		if (memcmp(tail + j, "PK\5\6", 4) == 0 ||
		    memcmp(tail + j, "PK\6\6", 4) == 0 ||
		    memcmp(tail + j, "PK\6\7", 4) == 0)
			return cr_error_set("%s: zip comment holding an end "
					    "record; refusing",
					    ca->name);
	if (i >= 20 && memcmp(tail + i - 20, "PK\6\7", 4) == 0)
		return cr_error_set("%s: zip64 is not supported", ca->name);
	n = rd16(tail + i + 10);
	cdsize = rd32(tail + i + 12);
	cdoff = rd32(tail + i + 16);
	if (rd16(tail + i + 4) != 0 || rd16(tail + i + 6) != 0 ||
	    rd16(tail + i + 8) != n)
		return cr_error_set("%s: multi-disk zip; refusing", ca->name);
	if (n == 0xffff || cdsize == 0xffffffffu || cdoff == 0xffffffffu)
		return cr_error_set("%s: zip64 is not supported", ca->name);
	if (cdsize > ZIP_MAX_CD)
		return cr_error_set("%s: zip central directory over 64 MiB; "
				    "refusing",
				    ca->name);
	if (cdoff + cdsize != eocd)
		return cr_error_set("%s: zip central directory not right "
				    "before its end record (data prepended "
				    "or hidden); refusing",
				    ca->name);
	if ((cdbuf = malloc(cdsize + 1)) == NULL ||
	    (ca->cd = calloc(n + 1, sizeof(*ca->cd))) == NULL ||
	    (x = malloc(0x20000)) == NULL) {
		err = cr_error_set("%s: out of memory", ca->name);
		goto done;
	}
	if ((err = src_pread(ca, cdbuf, (size_t)cdsize, cdoff)) < 0)
		goto done;
	for (at = 0, ca->ncd = 0; ca->ncd < n; ca->ncd++) {
		if (cdsize - at < 46 || memcmp(cdbuf + at, "PK\1\2", 4) != 0) {
			err = cr_error_set("%s: damaged zip central directory",
					   ca->name);
			goto done;
		}
		memcpy(c, cdbuf + at, 46);
		nlen = rd16(c + 28);
		xlen = rd16(c + 30);
		clen = rd16(c + 32);
		if (cdsize - at - 46 < nlen + xlen + clen) {
			err = cr_error_set("%s: damaged zip central directory",
					   ca->name);
			goto done;
		}
		free(nm);
		if ((nm = strndup((const char *)cdbuf + at + 46, nlen)) ==
		    NULL) {
			err = cr_error_set("%s: out of memory", ca->name);
			goto done;
		}
		if (strlen(nm) != nlen) {
			err = zip_bad(ca, nm, "a NUL in the name");
			goto done;
		}
		if ((why = cr_archive_name_problem(
			     nm, nlen > 0 && nm[nlen - 1] == '/')) != NULL) {
			err = zip_bad(ca, nm, why);
			goto done;
		}
		flags = rd16(c + 8);
		method = rd16(c + 10);
		crc = rd32(c + 16);
		csize = rd32(c + 20);
		usize = rd32(c + 24);
		madeby = c[5];
		mode = rd32(c + 38) >> 16;
		/* unzip takes the Unix mode (symlink, x bits) of Amiga, VMS,
		 * Atari, QDOS, Acorn, BeOS, Tandem, THEOS and AtheOS zips,
		 * libarchive of Unix ones only: the hosts both read alike. */
		if (madeby != 0 && madeby != 3 && madeby != 6 && madeby != 7 &&
		    madeby != 11 && madeby != 14 && madeby != 19) {
			err = zip_bad(ca, nm,
				      "made on a host whose file modes "
				      "unzip and libarchive read "
				      "differently");
			goto done;
		}
		if (flags & 0x2041) {
			err = zip_bad(ca, nm, "encrypted");
			goto done;
		}
		if (method != 0 && method != 8) {
			err = zip_bad(ca, nm,
				      "compressed other than by "
				      "deflate");
			goto done;
		}
		for (j = 0; j < nlen; j++)
			if ((unsigned char)nm[j] >= 0x80)
				break;
		if (j < nlen && !(flags & 0x800)) {
			err = zip_bad(ca, nm,
				      "a non-ASCII name without the UTF-8 "
				      "flag (read as CP437 by some "
				      "extractors)");
			goto done;
		}
		/* unzip maps such names from an OEM code page, flag or not. */
		if (j < nlen && c[5] != 3) {
			err = zip_bad(ca, nm,
				      "a non-ASCII name from a non-Unix host "
				      "(unzip reads it in an OEM code page)");
			goto done;
		}
		if (!zip_extra_ok(cdbuf + at + 46 + nlen, xlen)) {
			err = zip_bad(ca, nm,
				      "an extra field that changes "
				      "its name, sizes or mode");
			goto done;
		}
		if (madeby == 3 && (mode & 0170000) != 0 &&
		    (mode & 0170000) != 0100000 && (mode & 0170000) != 040000 &&
		    (mode & 0170000) != 0120000) {
			err = zip_bad(ca, nm, "a device, FIFO or socket");
			goto done;
		}
		if (((madeby == 3 && (mode & 0170000) == 040000) ||
		     (rd32(c + 38) & 0x10)) !=
		    (nlen > 0 && nm[nlen - 1] == '/')) {
			err = zip_bad(ca, nm,
				      "a directory flag that disagrees "
				      "with its name");
			goto done;
		}
		if (method == 0 && csize != usize) {
			err = zip_bad(ca, nm, "stored with two sizes");
			goto done;
		}
		if (nlen > 0 && nm[nlen - 1] == '/' && usize != 0) {
			err = zip_bad(ca, nm, "a directory carrying data");
			goto done;
		}
		if (rd32(c + 42) != pos) {
			err = zip_bad(ca, nm,
				      "not right after the member "
				      "before it (a gap or overlap)");
			goto done;
		}
		if ((err = src_pread(ca, l, 30, pos)) < 0)
			goto done;
		lnlen = rd16(l + 26);
		lxlen = rd16(l + 28);
		if (memcmp(l, "PK\3\4", 4) != 0 || lnlen != nlen) {
			err = zip_bad(ca, nm,
				      "its local header names another "
				      "file");
			goto done;
		}
		if ((err = src_pread(ca, x, lnlen + lxlen, pos + 30)) < 0)
			goto done;
		if (memcmp(x, nm, nlen) != 0) {
			err = zip_bad(ca, nm,
				      "its local header names another "
				      "file");
			goto done;
		}
		if (!zip_extra_ok(x + lnlen, lxlen)) {
			err = zip_bad(ca, nm,
				      "an extra field that changes "
				      "its name, sizes or mode");
			goto done;
		}
		/* unzip 6 skips a member needing more than 4.6 (exit 81). */
		if (c[6] > 45 || l[4] > 45) {
			err = zip_bad(ca, nm,
				      "a \"version needed\" over 4.5 (unzip "
				      "skips it)");
			goto done;
		}
		if (rd16(l + 6) != flags || rd16(l + 8) != method) {
			err = zip_bad(ca, nm,
				      "local header flags or method "
				      "differ from the central "
				      "directory");
			goto done;
		}
		if (!(flags & 8)
			    ? rd32(l + 14) != crc || rd32(l + 18) != csize ||
				      rd32(l + 22) != usize
			    : (rd32(l + 14) != 0 && rd32(l + 14) != crc) ||
				      (rd32(l + 18) != 0 &&
				       rd32(l + 18) != csize) ||
				      (rd32(l + 22) != 0 &&
				       rd32(l + 22) != usize)) {
			err = zip_bad(ca, nm,
				      "local header crc or sizes "
				      "differ from the central "
				      "directory");
			goto done;
		}
		pos += 30 + lnlen + lxlen + (uint64_t)csize;
		if (flags & 8) {
			if ((err = src_pread(ca, dd, 12, pos)) < 0)
				goto done;
			if (rd32(dd) == crc && rd32(dd + 4) == csize &&
			    rd32(dd + 8) == usize) {
				pos += 12;
			} else if ((err = src_pread(ca, dd, 16, pos)) == 0 &&
				   memcmp(dd, "PK\7\10", 4) == 0 &&
				   rd32(dd + 4) == crc &&
				   rd32(dd + 8) == csize &&
				   rd32(dd + 12) == usize) {
				pos += 16;
			} else {
				err = zip_bad(ca, nm,
					      "its data descriptor "
					      "differs from the "
					      "central directory");
				goto done;
			}
		}
		if (pos > cdoff) {
			err = zip_bad(ca, nm,
				      "data running into the central "
				      "directory");
			goto done;
		}
		ca->cd[ca->ncd] = nm;
		nm = NULL;
		at += 46 + nlen + xlen + clen;
	}
	if (at != cdsize || pos != cdoff) {
		err = cr_error_set("%s: zip with bytes outside its members or "
				   "central directory; refusing",
				   ca->name);
		goto done;
	}
	ca->expected = n;
	err = CR_OK;
done:
	free(nm);
	free(x);
	free(cdbuf);
	return err;
}

/* ---- the reader ---- */

int
cr_archive_open(struct cr_archive **out, int fd, uint64_t off, uint64_t len,
		const void *buf, unsigned int flags, const char *name)
{
	struct cr_archive *ca;
	struct stat st;
	int r, err = CR_ERROR;

	*out = NULL;
	/* Never the permissive mode: it would read past the member policy. */
	if (flags & CR_ARC_EXPLAIN)
		return cr_error_set("%s: the policy reader cannot read for "
				    "explanation",
				    name);
	if ((ca = calloc(1, sizeof(*ca))) == NULL)
		return cr_error_set("%s: out of memory", name);
	ca->name = name;
	ca->flags = flags;
	ca->src.fd = fd;
	ca->src.off = off;
	ca->src.len = len;
	if (fd < 0) {
		ca->src.mem = buf;
	} else if (len == UINT64_MAX) {
		if (fstat(fd, &st) < 0) {
			err = cr_error_errno("%s", name);
			goto done;
		}
		ca->src.len = (uint64_t)st.st_size > off
				      ? (uint64_t)st.st_size - off
				      : 0;
	}
	ca->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if ((r = open_reader(&ca->a, &ca->src, flags, 0)) != 0) {
		/* EILSEQ is libarchive's ARCHIVE_ERRNO_FILE_FORMAT. */
		err = cr_archive_error(
			ca->a, name,
			r == -2 && archive_errno(ca->a) == EILSEQ
				? "not a directory nor an archive"
				: NULL,
			"cannot open");
		goto done;
	}
	*out = ca;
	ca = NULL;
	err = CR_OK;
done:
	cr_archive_free(ca);
	return err;
}

int
cr_archive_open_file(struct cr_archive **out, const char *path,
		     unsigned int flags)
{
	int fd, err;

	*out = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return cr_error_errno("%s", path);
	if ((err = cr_archive_open(out, fd, 0, UINT64_MAX, NULL, flags, path)) <
	    0) {
		close(fd);
		return err;
	}
	(*out)->own_fd = 1;
	return CR_OK;
}

int
cr_archive_explain(struct archive **out, int fd, unsigned int flags,
		   const char *name)
{
	*out = NULL;
	if (!(flags & CR_ARC_EXPLAIN))
		return cr_error_set("%s: reading for explanation needs "
				    "CR_ARC_EXPLAIN",
				    name);
	if (lseek(fd, 0, SEEK_SET) < 0)
		return cr_error_errno("%s: read", name);
	if (reader_new(out, flags, 0) < 0) {
		if (*out == NULL)
			return cr_error_set("%s: out of memory", name);
		archive_read_free(*out);
		*out = NULL;
		return cr_error_fail("%s: no built-in decoder", name);
	}
	/* libarchive's own descriptor reader, as the difference engine had. */
	if (archive_read_open_fd(*out, fd, CHUNK) != ARCHIVE_OK) {
		cr_archive_error(*out, name, NULL, "cannot open");
		return CR_EFAIL;
	}
	return CR_OK;
}

static int
first(struct cr_archive *ca)
{
	int code = archive_format(ca->a) & ARCHIVE_FORMAT_BASE_MASK;

	switch (code) {
	case ARCHIVE_FORMAT_TAR:
		ca->fmt = F_TAR;
		return (ca->flags & CR_ARC_PEEK) ? CR_OK : tar_scan(ca);
	case ARCHIVE_FORMAT_ZIP:
		ca->fmt = F_ZIP;
		if (archive_filter_count(ca->a) != 1)
			return cr_error_set("%s: a compressed zip; refusing",
					    ca->name);
		return zip_check(ca);
	case ARCHIVE_FORMAT_AR:
		ca->fmt = F_AR;
		return CR_OK;
	case ARCHIVE_FORMAT_CPIO:
		ca->fmt = F_CPIO;
		if (archive_format(ca->a) != ARCHIVE_FORMAT_CPIO_SVR4_NOCRC)
			return cr_error_set("%s: a cpio archive that is not "
					    "newc; refusing",
					    ca->name);
		return CR_OK;
	case ARCHIVE_FORMAT_RAW:
		ca->fmt = F_RAW;
		return CR_OK;
	default:
		return cr_error_set("%s: an archive format not accepted here",
				    ca->name);
	}
}

static int
keep(char **slot, const char *s, const char *name)
{
	free(*slot);
	*slot = NULL;
	if (s != NULL && (*slot = strdup(s)) == NULL)
		return cr_error_set("%s: out of memory", name);
	return CR_OK;
}

/* Names copied out in C.UTF-8, so the bytes do not depend on the locale. */
static int
header(struct cr_archive *ca, struct archive_entry **e, int *r)
{
	locale_t old = (locale_t)0;
	const char *s;
	int err = CR_OK;

	if (ca->loc != (locale_t)0)
		old = uselocale(ca->loc);
	*r = archive_read_next_header(ca->a, e);
	if (*r >= ARCHIVE_WARN && *r != ARCHIVE_EOF) {
		if ((s = archive_entry_pathname(*e)) == NULL)
			s = archive_entry_pathname_utf8(*e);
		err = keep(&ca->raw, s, ca->name);
		s = archive_entry_symlink(*e);
		if (err == 0 && s == NULL)
			s = archive_entry_symlink_utf8(*e);
		if (err == 0)
			err = keep(&ca->link, s, ca->name);
		s = archive_entry_hardlink(*e);
		if (err == 0 && s == NULL)
			s = archive_entry_hardlink_utf8(*e);
		if (err == 0)
			err = keep(&ca->hardlink, s, ca->name);
	}
	if (ca->loc != (locale_t)0)
		uselocale(old);
	return err;
}

static int
refuse(struct cr_archive *ca, const char *why)
{
	char b[1100];

	return cr_error_set("%s: member '%s': %s; refusing", ca->name,
			    shown(b, ca->raw), why);
}

int
cr_archive_next(struct cr_archive *ca, struct cr_archive_member *m)
{
	struct archive_entry *e = NULL;
	struct slot *s;
	const char *why;
	char *target = NULL;
	unsigned int type;
	int r, err;

	memset(m, 0, sizeof(*m));
	m->size = -1;
	if ((err = header(ca, &e, &r)) < 0)
		return err;
	if (r == ARCHIVE_EOF) {
		/*
		 * No member at all: the whole-archive checks still run (a tar
		 * of a GNU volume header alone reads as empty to libarchive).
		 */
		if (ca->fmt == F_NONE &&
		    (archive_format(ca->a) & ARCHIVE_FORMAT_BASE_MASK) ==
			    ARCHIVE_FORMAT_EMPTY)
			ca->fmt = F_EMPTY;
		else if (ca->fmt == F_NONE && (err = first(ca)) < 0)
			return err;
		if ((ca->fmt == F_TAR || ca->fmt == F_ZIP) &&
		    !(ca->flags & CR_ARC_PEEK) && ca->members != ca->expected)
			return cr_error_set("%s: %llu members read, %llu in "
					    "its headers; refusing",
					    ca->name,
					    (unsigned long long)ca->members,
					    (unsigned long long)ca->expected);
		return CR_OK;
	}
	if (r < ARCHIVE_WARN) {
		/* Our reason first, where the tar scan has one. */
		if (ca->fmt == F_NONE &&
		    (archive_format(ca->a) & ARCHIVE_FORMAT_BASE_MASK) ==
			    ARCHIVE_FORMAT_TAR &&
		    (err = first(ca)) < 0)
			return err;
		if (ca->members == 0)
			return cr_archive_error(
				ca->a, ca->name,
				ca->fmt == F_NONE ? "not a directory nor an "
						    "archive"
						  : NULL,
				"damaged archive");
		return cr_error_set("%s: after member %llu: %s", ca->name,
				    (unsigned long long)ca->members,
				    cr_archive_reason(ca->a, "read error"));
	}
	if (ca->fmt == F_NONE && (err = first(ca)) < 0)
		return err;
	if (++ca->members > CR_ARCHIVE_MAX_MEMBERS)
		return cr_error_set("%s: more than %u members", ca->name,
				    CR_ARCHIVE_MAX_MEMBERS);
	if (ca->raw == NULL)
		return cr_error_set("%s: member %llu: unreadable name; "
				    "refusing",
				    ca->name, (unsigned long long)ca->members);
	m->e = e;
	m->raw = ca->raw;
	m->type = archive_entry_filetype(e);
	m->link = ca->link;
	if (archive_entry_size_is_set(e))
		m->size = archive_entry_size(e);
	if (ca->fmt != F_TAR && ca->fmt != F_ZIP && ca->fmt != F_CPIO) {
		m->path = ca->raw;
		m->hardlink = ca->hardlink;
		return CR_OK;
	}
	type = m->type;
	if (ca->hardlink != NULL) {
		if (ca->fmt != F_TAR &&
		    !(ca->fmt == F_CPIO && (ca->flags & CR_ARC_ARTIFACT)))
			return refuse(ca, "a hard link outside tar");
		/* newc stores the data with the last name of a file. */
		if (m->size > 0 && ca->fmt == F_TAR)
			return refuse(ca, "a hard link carrying data");
		type = AE_IFREG;
	}
	if (type != AE_IFREG && type != AE_IFDIR && type != AE_IFLNK &&
	    !((ca->flags & CR_ARC_ARTIFACT) && ca->fmt != F_ZIP &&
	      (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO)) &&
	    !((ca->flags & CR_ARC_SPECIAL) && ca->fmt == F_TAR &&
	      m->size <= 0 &&
	      (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO)))
		return refuse(ca, "a device, FIFO or socket");
	if ((why = cr_archive_name_problem(ca->raw, type == AE_IFDIR)) != NULL)
		return refuse(ca, why);
	if (ca->fmt == F_ZIP && (ca->members > ca->ncd ||
				 strcmp(ca->cd[ca->members - 1], ca->raw) != 0))
		return refuse(ca, "not the name the central directory gives");
	if (archive_entry_is_encrypted(e))
		return refuse(ca, "encrypted");
	if (type == AE_IFDIR && m->size > 0)
		return refuse(ca, "a directory carrying data");
	if (type == AE_IFLNK) {
		if (ca->link == NULL || *ca->link == '\0')
			return refuse(ca, "a symlink without a target");
		if (strlen(ca->link) > CR_ARCHIVE_MAX_NAME ||
		    text_problem(ca->link) != NULL)
			return refuse(ca, "a symlink target that is too long, "
					  "not UTF-8 or has control "
					  "characters");
	}
	m->type = type;
	free(ca->path);
	if ((ca->path = tree_path(ca->raw)) == NULL)
		return cr_error_set("%s: out of memory", ca->name);
	m->path = ca->path;
	if (*ca->path == '\0') {
		if (type != AE_IFDIR)
			return refuse(ca, "the root named as a file");
		return CR_OK;
	}
	if ((err = record(ca, ca->raw, ca->path,
			  type == AE_IFDIR   ? K_DIR
			  : type == AE_IFLNK ? K_LINK
					     : K_FILE)) < 0)
		return err;
	if (ca->hardlink != NULL) {
		if ((why = cr_archive_name_problem(ca->hardlink, 0)) != NULL) {
			char b1[1100], b2[1100];

			return cr_error_set("%s: member '%s': a hard link to "
					    "'%s': %s; refusing",
					    ca->name, shown(b1, ca->raw),
					    shown(b2, ca->hardlink), why);
		}
		if ((target = tree_path(ca->hardlink)) == NULL)
			return cr_error_set("%s: out of memory", ca->name);
		s = find(ca, target, strlen(target));
		if (s == NULL || s->kind != K_FILE ||
		    strcmp(target, ca->path) == 0) {
			free(target);
			return refuse(ca, "a hard link to what is not an "
					  "earlier regular file");
		}
		free(ca->hardlink_raw);
		ca->hardlink_raw = ca->hardlink;
		ca->hardlink = target;
		m->hardlink = target;
		m->hardlink_raw = ca->hardlink_raw;
	}
	return CR_OK;
}

struct archive *
cr_archive_handle(struct cr_archive *ca)
{
	return ca->a;
}

const char *
cr_archive_format(const struct cr_archive *ca)
{
	static const char *const names[] = {"none", "tar",   "zip", "ar",
					    "raw",  "empty", "cpio"};

	return names[ca->fmt];
}

void
cr_archive_free(struct cr_archive *ca)
{
	size_t i;

	if (ca == NULL)
		return;
	if (ca->a != NULL)
		archive_read_free(ca->a);
	for (i = 0; i < ca->nset; i++)
		free(ca->set[i].path);
	free(ca->set);
	if (ca->cd != NULL)
		for (i = 0; i < ca->ncd; i++)
			free(ca->cd[i]);
	free(ca->cd);
	free(ca->raw);
	free(ca->path);
	free(ca->link);
	free(ca->hardlink);
	free(ca->hardlink_raw);
	if (ca->loc != (locale_t)0)
		freelocale(ca->loc);
	if (ca->own_fd)
		close(ca->src.fd);
	free(ca);
}

/* ---- extraction ---- */

int
cr_archive_disk_new(struct archive **out, int extra)
{
	if ((*out = archive_write_disk_new()) == NULL)
		return cr_error_set("out of memory");
	archive_write_disk_set_options(*out,
				       ARCHIVE_EXTRACT_SECURE_SYMLINKS |
					       ARCHIVE_EXTRACT_SECURE_NODOTDOT |
					       ARCHIVE_EXTRACT_PERM | extra);
	return CR_OK;
}

int
cr_archive_extract(struct archive *disk, struct archive *a,
		   struct archive_entry *e, const char *file, const char *name)
{
	const void *buf;
	size_t len;
	la_int64_t off;
	int r;

	if (archive_write_header(disk, e) != ARCHIVE_OK)
		return cr_error_set("%s: %s: %s", file, name,
				    archive_error_string(disk));
	if (archive_entry_size(e) > 0) {
		while ((r = archive_read_data_block(a, &buf, &len, &off)) ==
		       ARCHIVE_OK)
			if (archive_write_data_block(disk, buf, len, off) <
			    ARCHIVE_OK)
				break;
		if (r < ARCHIVE_WARN)
			return cr_error_set("%s: %s: %s", file, name,
					    archive_error_string(a));
	}
	if (archive_write_finish_entry(disk) < ARCHIVE_WARN)
		return cr_error_set("%s: %s: %s", file, name,
				    archive_error_string(disk));
	return CR_OK;
}
