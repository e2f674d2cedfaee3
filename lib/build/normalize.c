/* Normalisation of build artifacts that are known containers (tar, cpio,
 * gzip, xz, zip, ar). */
#include "normalize.h"
#include "error.h"
#include "util.h"
#include "write.h"
#include "archive_policy.h"

#include <archive.h>
#include <archive_entry.h>
#include <lzma.h>
#include <zlib.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64u * 1024)
#define RATIO_SLACK (1u << 20)
#define MAX_NAME_BYTES (64u << 20) /* all member names of one archive */
#define ZIP_MAX 0xfffffffeu

enum kind { K_NONE, K_TAR, K_GZIP, K_ZIP, K_AR, K_CPIO, K_XZ, K_TARV7 };

struct ctx {
	struct cr_normalize_report *rep;
	int64_t sde;
	uint64_t max_total, max_ratio, max_entries;
	int64_t deadline; /* CLOCK_MONOTONIC ms; 0: none */
	int timed_out;	  /* it passed: nothing is kept as data then */
	int max_depth;
	const char *tmpdir;
	locale_t loc; /* C.UTF-8, for libarchive's name conversions */
	uint64_t total;
	unsigned char buf[CHUNK]; /* for copies; never used across calls */
};

/* A member of tar, cpio or zip, a regular file's data in the spool file. */
struct member {
	char *path;
	char *link;	     /* symlink target, or hardlink target */
	char *uname, *gname; /* tar: as stored, NULL when absent */
	unsigned type, perm; /* perm: all of 07777, as built */
	unsigned rdevmajor, rdevminor;
	int64_t uid, gid;
	int64_t mtime;
	int hardlink;
	int slash;	   /* a '/' added to a directory's name, for sorting */
	size_t index, grp; /* grp: the member holding a hard link's data */
	size_t lead;	   /* the first name of its file in sorted order */
	uint64_t off, size;
	/* zip output */
	uint32_t crc;
	uint64_t csize, lho;
	int deflate;
};

struct members {
	struct member *v;
	size_t n, alloc;
	uint64_t name_bytes;
	int zip;  /* sort order and name checks of zip */
	int cpio; /* hard links: the data on any one name */
};

static int norm_window(struct ctx *c, enum kind *kind, char *fmt, size_t fmtsz,
		       int out_fd, int fd, uint64_t off, uint64_t len,
		       const char *name, int depth);

static const char *const step_names[CR_NORM_NSTEPS] = {
	"entries-sorted",	  "mtime-clamped",     "owner-zeroed",
	"mode-reduced",		  "metadata-dropped",  "hardlinks-copied",
	"gzip-header-cleared",	  "zip-extra-dropped", "zip-time-fixed",
	"recompressed-deflate-9", "nested-normalized", "recompressed-xz",
	"inodes-renumbered",
};

const char *
cr_normalize_step_name(unsigned step)
{
	unsigned i;

	for (i = 0; i < CR_NORM_NSTEPS; i++)
		if (step == 1u << i)
			return step_names[i];
	return NULL;
}

static int
write_all(int fd, const void *buf, size_t len, const char *name)
{
	if (cr_write_all(fd, buf, len) < 0)
		return cr_error_errno("%s: writing", name);
	return CR_OK;
}

static int
pread_full(int fd, void *buf, size_t len, uint64_t off, const char *name)
{
	ssize_t n = cr_pread_full(fd, buf, len, off);

	if (n < 0)
		return cr_error_errno("%s: reading", name);
	if ((size_t)n < len)
		return cr_error_set("%s: unexpected end of file", name);
	return CR_OK;
}

/* An unlinked temporary file: gone when closed, whatever happens. */
static int
spool_open(int *fd, const struct ctx *c, const char *name)
{
	if ((*fd = cr_spool_open(c->tmpdir)) < 0)
		return cr_error_errno("%s: spool file in %s", name, c->tmpdir);
	return CR_OK;
}

static int
file_size(uint64_t *size, int fd, const char *name)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return cr_error_errno("%s", name);
	if (!S_ISREG(st.st_mode))
		return cr_error_set("%s: not a regular file", name);
	*size = (uint64_t)st.st_size;
	return CR_OK;
}

/* Copies [off, off+len) of in_fd to out_fd at its position. */
static int
copy_range(unsigned char *buf, int out_fd, int in_fd, uint64_t off,
	   uint64_t len, const char *name)
{
	size_t n;
	int err;

	while (len > 0) {
		n = len < CHUNK ? (size_t)len : CHUNK;
		if ((err = pread_full(in_fd, buf, n, off, name)) < 0 ||
		    (err = write_all(out_fd, buf, n, name)) < 0)
			return err;
		off += n;
		len -= n;
	}
	return CR_OK;
}

/* Whether the build's time ran out (it is then never kept as data). */
static int
check_deadline(struct ctx *c, const char *name, const char *sep,
	       const char *member)
{
	struct timespec ts;

	if (c->deadline == 0)
		return CR_OK;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 < c->deadline)
		return CR_OK;
	c->timed_out = 1;
	return cr_error_set("%s%s%s: the build timed out while it was "
			    "normalised (--timeout)",
			    name, sep, member);
}

/*
 * Counts bytes read out of a container against the total cap and against
 * the container's own size times the ratio cap.
 */
static int
account(struct ctx *c, uint64_t *out, uint64_t in_len, size_t n,
	const char *name, const char *member)
{
	const char *sep = member != NULL ? ": " : "";
	uint64_t limit;

	int err;

	if (member == NULL)
		member = "";
	if ((err = check_deadline(c, name, sep, member)) < 0)
		return err;
	c->total += n;
	*out += n;
	if (c->total > c->max_total)
		return cr_error_set("%s%s%s: expands to more than %" PRIu64
				    " bytes in all; refusing (decompression "
				    "bomb?)",
				    name, sep, member, c->max_total);
	if (__builtin_mul_overflow(in_len, c->max_ratio, &limit) ||
	    __builtin_add_overflow(limit, RATIO_SLACK, &limit))
		limit = UINT64_MAX;
	if (*out > limit)
		return cr_error_set("%s%s%s: expands more than %" PRIu64
				    " times the archive's size; refusing "
				    "(decompression bomb?)",
				    name, sep, member, c->max_ratio);
	return CR_OK;
}

/* A tar header's octal field: -1 when it is not one. */
static int64_t
tar_octal(const unsigned char *p, size_t n)
{
	int64_t v = 0;
	size_t i = 0;

	while (i < n && p[i] == ' ')
		i++;
	if (i == n || p[i] < '0' || p[i] > '7')
		return -1;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v > (INT64_MAX >> 3))
			return -1;
		v = v * 8 + (p[i] - '0');
	}
	for (; i < n; i++)
		if (p[i] != ' ' && p[i] != '\0')
			return -1;
	return v;
}

static int
zeros(const unsigned char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0)
			return 0;
	return 1;
}

/*
 * A V7 tar header, as automake's "make dist" writes them (GNU tar -o): a
 * good checksum, a V7 type (GNU adds '5' for directories), a name, and
 * nothing where ustar keeps its magic, owner names and prefix; GNU tar
 * fills devmajor and devminor with octal zeros, which V7 does not read.
 */
static int
v7_header(const unsigned char h[512])
{
	uint64_t sum = 0;
	int64_t want;
	size_t i;

	if (h[0] == 0 || !zeros(h + 257, 72) || !zeros(h + 345, 167) ||
	    !(h[156] == 0 || h[156] == '0' || h[156] == '1' || h[156] == '2' ||
	      h[156] == '5'))
		return 0;
	for (i = 329; i < 345; i++)
		if (h[i] != 0 && h[i] != ' ' && (h[i] < '0' || h[i] > '7'))
			return 0;
	/* A file named "d/" is a directory to some readers: not ours. */
	if ((h[156] == 0 || h[156] == '0') &&
	    h[strnlen((const char *)h, 100) - 1] == '/')
		return 0;
	if ((want = tar_octal(h + 148, 8)) < 0)
		return 0;
	for (i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return (uint64_t)want == sum;
}

/*
 * K_TARV7 when every header up to the end blocks is V7 and the data fits,
 * else K_NONE: a file that merely starts like one is no container.
 */
static int
v7_scan(enum kind *kind, int fd, uint64_t off, uint64_t len, const char *name)
{
	unsigned char h[512];
	uint64_t pos = 0, nent = 0, data;
	int64_t size;
	int err;

	*kind = K_NONE;
	while (pos + 512 <= len) {
		if ((err = pread_full(fd, h, 512, off + pos, name)) < 0)
			return err;
		if (zeros(h, 512)) {
			*kind = K_TARV7;
			return CR_OK;
		}
		if (!v7_header(h) || (size = tar_octal(h + 124, 12)) < 0 ||
		    ++nent > CR_NORMALIZE_MAX_ENTRIES)
			return CR_OK;
		data = ((uint64_t)size + 511) / 512 * 512;
		if (data > len - pos - 512)
			return CR_OK;
		pos += 512 + data;
	}
	return CR_OK;
}

static int
detect(enum kind *kind, int fd, uint64_t off, uint64_t len, const char *name)
{
	unsigned char head[512];
	size_t n = len < sizeof(head) ? (size_t)len : sizeof(head);
	int err;

	*kind = K_NONE;
	if ((err = pread_full(fd, head, n, off, name)) < 0)
		return err;
	if (n >= 3 && head[0] == 0x1f && head[1] == 0x8b && head[2] == 8)
		*kind = K_GZIP;
	else if (n >= 8 && memcmp(head, "!<arch>\n", 8) == 0)
		*kind = K_AR;
	else if (n >= 6 && memcmp(head,
				  "\xfd"
				  "7zXZ\0",
				  6) == 0)
		*kind = K_XZ;
	else if (n >= 110 && memcmp(head, "070701", 6) == 0)
		*kind = K_CPIO;
	else if (n >= 4 && (memcmp(head, "PK\3\4", 4) == 0 ||
			    memcmp(head, "PK\5\6", 4) == 0))
		*kind = K_ZIP;
	else if (n == sizeof(head) && cr_archive_tar_header(head))
		*kind = K_TAR;
	else if (n == sizeof(head) && v7_header(head))
		return v7_scan(kind, fd, off, len, name);
	return CR_OK;
}

/* Refuses absolute names and ".." components (and "..\" in zip). */
static int
check_name(const char *path, int zip, const char *name)
{
	const char *p = path, *q;
	size_t n;

	if (*path == '\0')
		return cr_error_set("%s: member with an empty name; refusing",
				    name);
	if (*path == '/' || (zip && *path == '\\'))
		return cr_error_set("%s: %s: absolute member name; refusing",
				    name, path);
	for (;;) {
		for (q = p; *q != '\0' && *q != '/' && !(zip && *q == '\\');
		     q++)
			;
		n = (size_t)(q - p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return cr_error_set("%s: %s: member name climbs out "
					    "with \"..\"; refusing",
					    name, path);
		if (*q == '\0')
			return CR_OK;
		p = q + 1;
	}
}

static int
special_rank(const char *path)
{
	if (strcmp(path, "mimetype") == 0)
		return 0;
	if (strcmp(path, "META-INF/") == 0)
		return 1;
	if (strcmp(path, "META-INF/MANIFEST.MF") == 0)
		return 2;
	return 3;
}

static _Thread_local int zip_order; /* qsort takes no context in C11 */

static int
member_cmp(const void *a, const void *b)
{
	const struct member *x = a, *y = b;
	int rx, ry;

	if (zip_order) {
		rx = special_rank(x->path);
		ry = special_rank(y->path);
		if (rx != ry)
			return rx < ry ? -1 : 1;
	}
	return strcmp(x->path, y->path); /* compares as unsigned char */
}

static void
members_free(struct members *ms)
{
	size_t i;

	for (i = 0; i < ms->n; i++) {
		free(ms->v[i].path);
		free(ms->v[i].link);
		free(ms->v[i].uname);
		free(ms->v[i].gname);
	}
	free(ms->v);
	memset(ms, 0, sizeof(*ms));
}

static int
members_add(struct members *ms, struct member **out, const struct ctx *c,
	    const char *path, const char *name)
{
	struct member *m, *tmp;
	size_t len = strlen(path), alloc;

	if (ms->n >= c->max_entries)
		return cr_error_set("%s: more than %" PRIu64 " entries; "
				    "refusing",
				    name, c->max_entries);
	ms->name_bytes += len;
	if (ms->name_bytes > MAX_NAME_BYTES)
		return cr_error_set("%s: member names exceed %u bytes in all; "
				    "refusing",
				    name, MAX_NAME_BYTES);
	if (ms->n == ms->alloc) {
		alloc = ms->alloc ? ms->alloc * 2 : 64;
		if ((tmp = reallocarray(ms->v, alloc, sizeof(*tmp))) == NULL)
			return cr_error_set("%s: out of memory", name);
		ms->v = tmp;
		ms->alloc = alloc;
	}
	m = &ms->v[ms->n];
	memset(m, 0, sizeof(*m));
	/* Directories always end in '/', so sort keys agree across tools. */
	if ((m->path = malloc(len + 2)) == NULL)
		return cr_error_set("%s: out of memory", name);
	memcpy(m->path, path, len + 1);
	m->index = ms->n++;
	*out = m;
	return CR_OK;
}

/* The owner names tar stored (UTF-8 or as stored), kept as built. */
static int
owner_names(struct member *m, struct archive_entry *e, const char *name)
{
	const char *u = archive_entry_uname(e), *g = archive_entry_gname(e);

	if (u == NULL)
		u = archive_entry_uname_utf8(e);
	if (g == NULL)
		g = archive_entry_gname_utf8(e);
	if ((u != NULL && *u != '\0' && (m->uname = strdup(u)) == NULL) ||
	    (g != NULL && *g != '\0' && (m->gname = strdup(g)) == NULL))
		return cr_error_set("%s: out of memory", name);
	return CR_OK;
}

static int
read_error(struct archive *a, const char *name)
{
	const char *msg = archive_error_string(a);

	return cr_error_set("%s: %s", name, msg ? msg : "damaged archive");
}

/*
 * Reads every entry of a (tar or zip, through the archive policy, which
 * has checked names, types, duplicates and hard links) into ms, regular
 * files' data appended to spool. Checks symlinks and sizes; counts
 * expansion.
 */
static int
read_members(struct ctx *c, struct members *ms, int spool,
	     struct cr_archive *ca, uint64_t in_len, const char *name)
{
	struct archive *a = cr_archive_handle(ca);
	struct cr_archive_member am;
	struct member *m = NULL;
	const char *path;
	uint64_t spooled = 0, out = 0, got;
	la_ssize_t n;
	size_t len;
	int err;

	for (;;) {
		if ((err = cr_archive_next(ca, &am)) < 0)
			return err;
		if (am.e == NULL)
			break;
		path = am.raw;
		if ((err = check_name(path, ms->zip, name)) < 0)
			return err;
		if ((err = members_add(ms, &m, c, path, name)) < 0)
			return err;
		m->type = am.type;
		m->perm = archive_entry_perm(am.e) & 07777;
		m->uid = archive_entry_uid(am.e);
		m->gid = archive_entry_gid(am.e);
		if (m->type == AE_IFCHR || m->type == AE_IFBLK) {
			m->rdevmajor = (unsigned)archive_entry_rdevmajor(am.e);
			m->rdevminor = (unsigned)archive_entry_rdevminor(am.e);
		}
		if ((err = owner_names(m, am.e, name)) < 0)
			return err;
		m->mtime = c->sde;
		if (archive_entry_mtime_is_set(am.e) &&
		    archive_entry_mtime(am.e) < c->sde)
			m->mtime = archive_entry_mtime(am.e);
		len = strlen(m->path);
		if (m->type == AE_IFDIR && m->path[len - 1] != '/') {
			m->path[len] = '/';
			m->path[len + 1] = '\0';
			m->slash = 1;
		}
		if (am.hardlink != NULL) {
			m->hardlink = 1;
			if ((m->link = strdup(am.hardlink_raw)) == NULL)
				return cr_error_set("%s: out of memory", name);
			if (!ms->cpio) /* in cpio it may hold the data */
				continue;
		}
		/* Targets as built, absolute or not: nothing is extracted. */
		if (m->type == AE_IFLNK) {
			if ((m->link = strdup(am.link)) == NULL)
				return cr_error_set("%s: out of memory", name);
		}
		if (m->type != AE_IFREG)
			continue;
		m->off = spooled;
		got = 0;
		while ((n = archive_read_data(a, c->buf, CHUNK)) > 0) {
			if ((err = account(c, &out, in_len, (size_t)n, name,
					   path)) < 0 ||
			    (err = write_all(spool, c->buf, (size_t)n, name)) <
				    0)
				return err;
			got += (uint64_t)n;
		}
		if (n < 0)
			return cr_error_set("%s: %s: %s", name, path,
					    archive_error_string(a));
		if (am.size >= 0 && (uint64_t)am.size != got)
			return cr_error_set(
				"%s: %s: data size %" PRIu64
				" does not match the header's %" PRId64
				"; refusing",
				name, path, got, am.size);
		m->size = got;
		spooled += got;
	}
	return CR_OK;
}

static int
strdup_to(char **dst, const char *src, const char *name)
{
	free(*dst);
	*dst = NULL;
	if (src != NULL && (*dst = strdup(src)) == NULL)
		return cr_error_set("%s: out of memory", name);
	return CR_OK;
}

/*
 * Sorts and refuses duplicates. Hard links stay hard links: each group of
 * names for one file is written with its data on the member that sorts
 * first and the others linking to it, so the output is a function of the
 * set of names whatever order and data holder the input had.
 */
static int
sort_members(struct members *ms, const char *name)
{
	struct member key, *t, *m;
	size_t i, k, *first = NULL;
	int err = CR_ERROR;

	if (ms->n == 0)
		return CR_OK;
	zip_order = ms->zip;
	qsort(ms->v, ms->n, sizeof(*ms->v), member_cmp);
	for (i = 1; i < ms->n; i++)
		if (strcmp(ms->v[i - 1].path, ms->v[i].path) == 0)
			return cr_error_set("%s: %s: duplicate member; "
					    "refusing",
					    name, ms->v[i].path);
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		m->grp = i;
		if (!m->hardlink)
			continue;
		/* Through earlier links to the member holding the data. */
		memset(&key, 0, sizeof(key));
		key.path = m->link;
		for (k = 0, t = NULL; k <= ms->n; k++) {
			t = bsearch(&key, ms->v, ms->n, sizeof(*ms->v),
				    member_cmp);
			if (t == NULL || !t->hardlink || t->index >= m->index)
				break;
			key.path = t->link;
		}
		if (t == NULL || t->hardlink || t->type != AE_IFREG ||
		    t->index > m->index)
			return cr_error_set("%s: %s: hardlink to %s, which is "
					    "not an earlier regular file; "
					    "refusing",
					    name, m->path, m->link);
		m->grp = (size_t)(t - ms->v);
	}
	/* cpio: whichever name of a file carries the data, it is the file's. */
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		t = &ms->v[m->grp];
		if (!m->hardlink || m->size == 0)
			continue;
		if (t->size != 0)
			return cr_error_set(
				"%s: %s: two names of one file both "
				"carry data; refusing",
				name, m->path);
		t->off = m->off;
		t->size = m->size;
	}
	if ((first = malloc(ms->n * sizeof(*first))) == NULL)
		return cr_error_set("%s: out of memory", name);
	for (i = 0; i < ms->n; i++)
		first[i] = SIZE_MAX;
	for (i = 0; i < ms->n; i++)
		if (first[ms->v[i].grp] == SIZE_MAX)
			first[ms->v[i].grp] = i;
	/* The data and metadata of the file, on every name of it. */
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		if (!m->hardlink)
			continue;
		t = &ms->v[m->grp];
		m->type = AE_IFREG;
		m->off = t->off;
		m->size = t->size;
		m->perm = t->perm;
		m->uid = t->uid;
		m->gid = t->gid;
		m->mtime = t->mtime;
		if ((err = strdup_to(&m->uname, t->uname, name)) < 0 ||
		    (err = strdup_to(&m->gname, t->gname, name)) < 0)
			goto done;
	}
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		k = first[m->grp];
		m->lead = k;
		if (k == i && !m->hardlink)
			continue; /* not linked, or the first name already */
		m->hardlink = k != i;
		if ((err = strdup_to(&m->link, k != i ? ms->v[k].path : NULL,
				     name)) < 0)
			goto done;
	}
	err = CR_OK;
done:
	free(first);
	return err;
}

/*
 * Where a regular member's bytes come from: the spool, or a temporary file
 * holding its own normalisation when it is a container itself.
 */
struct data {
	int fd, tmp;
	uint64_t off, size;
};

static void
data_close(struct data *d)
{
	if (d->tmp >= 0)
		close(d->tmp);
	d->tmp = -1;
}

static int
member_data(struct ctx *c, struct data *d, int spool, const struct member *m,
	    const char *name, int depth)
{
	struct cr_normalize_report saved;
	enum kind kind;
	char *sub = NULL, fmt[64];
	uint64_t size, total;
	int err;

	d->fd = spool;
	d->tmp = -1;
	d->off = m->off;
	d->size = m->size;
	if (m->size == 0 || depth >= c->max_depth)
		return CR_OK;
	if (asprintf(&sub, "%s: %s", name, m->path) < 0)
		return cr_error_set("%s: out of memory", name);
	if ((err = detect(&kind, spool, m->off, m->size, sub)) < 0 ||
	    kind == K_NONE)
		goto done;
	if ((err = spool_open(&d->tmp, c, sub)) < 0)
		goto done;
	saved = *c->rep;
	total = c->total;
	if ((err = norm_window(c, &kind, fmt, sizeof(fmt), d->tmp, spool,
			       m->off, m->size, sub, depth + 1)) == CR_OK)
		err = file_size(&size, d->tmp, sub);
	if (err < 0 && c->timed_out)
		goto done; /* the time, not the member: never kept */
	if (err < 0) {
		/*
		 * A member that looks like a container but cannot be normalised
		 * (a zip whose names the policy refuses, a bomb, bytes that
		 * merely start like an archive) is data of the artifact: kept
		 * byte for byte, as built, and reported.
		 */
		*c->rep = saved;
		c->total = total;
		if (c->rep->kept++ == 0)
			snprintf(c->rep->kept_why, sizeof(c->rep->kept_why),
				 "%s", cr_error_last());
		data_close(d);
		err = CR_OK;
		goto done;
	}
	d->fd = d->tmp;
	d->off = 0;
	d->size = size;
	c->rep->nested++;
	c->rep->steps |= CR_NORM_NESTED;
done:
	free(sub);
	return err;
}

static int
write_error(struct archive *w, const char *name)
{
	const char *msg = archive_error_string(w);

	return cr_error_set("%s: writing: %s", name, msg ? msg : "failed");
}

/*
 * Writes the header e and then d's bytes (none when d is NULL) to w; for
 * the archives normalisation rewrites.
 */
static int
write_member(struct ctx *c, struct archive *w, struct archive_entry *e,
	     const struct data *d, const char *name)
{
	uint64_t left;
	size_t n;
	int err;

	if (archive_write_header(w, e) < ARCHIVE_WARN)
		return write_error(w, name);
	for (left = d ? d->size : 0; left > 0; left -= n) {
		n = left < CHUNK ? (size_t)left : CHUNK;
		if ((err = pread_full(d->fd, c->buf, n, d->off + d->size - left,
				      name)) < 0)
			return err;
		if (archive_write_data(w, c->buf, n) != (la_ssize_t)n)
			return write_error(w, name);
	}
	return CR_OK;
}

static int
tar_write(struct ctx *c, int out_fd, int spool, struct members *ms,
	  const char *name, int depth)
{
	struct archive *w = NULL;
	struct archive_entry *e = NULL;
	struct data d = {.tmp = -1};
	struct member *m;
	locale_t old = (locale_t)0;
	size_t i;
	int err = CR_ERROR;

	if ((w = archive_write_new()) == NULL ||
	    (e = archive_entry_new()) == NULL) {
		cr_error_set("%s: out of memory", name);
		goto done;
	}
	/*
	 * Restricted pax: plain ustar unless a name, link, owner name, id or
	 * size does not fit, and then an extended header with just that
	 * (UTF-8, so no hdrcharset record: GNU tar warns about one). The
	 * names are UTF-8 by policy; C.UTF-8 makes libarchive take them so
	 * whatever the caller's locale.
	 */
	if (c->loc != (locale_t)0)
		old = uselocale(c->loc);
	if (archive_write_set_format_pax_restricted(w) != ARCHIVE_OK ||
	    archive_write_open_fd(w, out_fd) != ARCHIVE_OK) {
		write_error(w, name);
		goto done;
	}
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		archive_entry_clear(e);
		archive_entry_copy_pathname(e, m->path);
		archive_entry_set_filetype(e, m->type);
		archive_entry_set_perm(e, m->perm);
		archive_entry_set_mtime(e, m->mtime, 0);
		archive_entry_set_uid(e, m->uid);
		archive_entry_set_gid(e, m->gid);
		if (m->uname != NULL)
			archive_entry_copy_uname(e, m->uname);
		if (m->gname != NULL)
			archive_entry_copy_gname(e, m->gname);
		if (m->type == AE_IFCHR || m->type == AE_IFBLK) {
			archive_entry_set_rdevmajor(e, m->rdevmajor);
			archive_entry_set_rdevminor(e, m->rdevminor);
		}
		if (m->type == AE_IFLNK)
			archive_entry_copy_symlink(e, m->link);
		if (m->hardlink) {
			archive_entry_copy_hardlink(e, m->link);
			archive_entry_set_size(e, 0);
		} else if (m->type == AE_IFREG) {
			if ((err = member_data(c, &d, spool, m, name, depth)) <
			    0)
				goto done;
			archive_entry_set_size(e, (la_int64_t)d.size);
		} else {
			archive_entry_set_size(e, 0);
		}
		if ((err = write_member(
			     c, w, e,
			     m->type == AE_IFREG && !m->hardlink ? &d : NULL,
			     name)) < 0)
			goto done;
		data_close(&d);
		c->rep->entries++;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		err = write_error(w, name);
		goto done;
	}
	err = CR_OK;
done:
	data_close(&d);
	archive_entry_free(e);
	archive_write_free(w);
	if (c->loc != (locale_t)0)
		uselocale(old);
	return err;
}

static void
le16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v & 0xff);
	p[1] = (unsigned char)((v >> 8) & 0xff);
}

static void
le32(unsigned char *p, uint32_t v)
{
	le16(p, v & 0xffff);
	le16(p + 2, v >> 16);
}

/* SOURCE_DATE_EPOCH as a DOS date and time, in UTC, within DOS's range. */
static void
dos_time(unsigned *date, unsigned *tim, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	*date = (0u << 9) | (1u << 5) | 1u; /* 1980-01-01 */
	*tim = 0;
	if (t < 315532800 || gmtime_r(&tt, &tm) == NULL)
		return;
	if (tm.tm_year + 1900 > 2107) {
		*date = (127u << 9) | (12u << 5) | 31u;
		*tim = (23u << 11) | (59u << 5) | 29u;
		return;
	}
	*date = ((unsigned)(tm.tm_year - 80) << 9) |
		((unsigned)(tm.tm_mon + 1) << 5) | (unsigned)tm.tm_mday;
	*tim = ((unsigned)tm.tm_hour << 11) | ((unsigned)tm.tm_min << 5) |
	       ((unsigned)tm.tm_sec / 2);
}

static int
has_high_bytes(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* Fills the fields local and central headers share, from "version needed". */
static void
zip_common(unsigned char *p, const struct member *m, unsigned date,
	   unsigned tim)
{
	le16(p, 20);
	le16(p + 2, has_high_bytes(m->path) ? 1u << 11 : 0);
	le16(p + 4, m->deflate ? 8 : 0);
	le16(p + 6, tim);
	le16(p + 8, date);
	le32(p + 10, m->crc);
	le32(p + 14, (uint32_t)m->csize);
	le32(p + 18, (uint32_t)m->size);
	le16(p + 22, (unsigned)strlen(m->path));
	le16(p + 24, 0);
}

/* Writes one member's data, stored or deflated, computing crc and sizes. */
static int
zip_data(struct ctx *c, int out_fd, struct member *m, int fd, uint64_t off,
	 uint64_t size, const char *name)
{
	unsigned char *obuf = NULL;
	z_stream z;
	uint64_t left = size;
	size_t n;
	int zinit = 0, flush, zr, err = CR_ERROR;

	m->crc = (uint32_t)crc32(0, Z_NULL, 0);
	m->size = size;
	m->csize = 0;
	if (m->deflate) {
		memset(&z, 0, sizeof(z));
		if ((obuf = malloc(CHUNK)) == NULL ||
		    deflateInit2(&z, 9, Z_DEFLATED, -15, 8,
				 Z_DEFAULT_STRATEGY) != Z_OK) {
			cr_error_set("%s: %s: out of memory", name, m->path);
			goto done;
		}
		zinit = 1;
	}
	do {
		n = left < CHUNK ? (size_t)left : CHUNK;
		if ((err = pread_full(fd, c->buf, n, off + size - left, name)) <
		    0)
			goto done;
		left -= n;
		m->crc = (uint32_t)crc32(m->crc, c->buf, (uInt)n);
		if (!m->deflate) {
			if ((err = write_all(out_fd, c->buf, n, name)) < 0)
				goto done;
			m->csize += n;
			continue;
		}
		z.next_in = c->buf;
		z.avail_in = (uInt)n;
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = obuf;
			z.avail_out = CHUNK;
			zr = deflate(&z, flush);
			if (zr == Z_STREAM_ERROR) {
				err = cr_error_set("%s: %s: deflate failed",
						   name, m->path);
				goto done;
			}
			n = CHUNK - z.avail_out;
			if ((err = write_all(out_fd, obuf, n, name)) < 0)
				goto done;
			m->csize += n;
		} while (z.avail_out == 0);
	} while (left > 0);
	if (m->size > ZIP_MAX || m->csize > ZIP_MAX) {
		err = cr_error_set("%s: %s: member over 4 GiB; zip64 is not "
				   "supported",
				   name, m->path);
		goto done;
	}
	err = CR_OK;
done:
	if (zinit)
		deflateEnd(&z);
	free(obuf);
	return err;
}

static int
zip_write(struct ctx *c, int out_fd, int spool, struct members *ms,
	  const char *name, int depth)
{
	unsigned char h[46];
	struct data d = {.tmp = -1};
	struct member *m;
	unsigned date, tim;
	uint64_t base, pos, cd;
	off_t cur;
	size_t i, nlen;
	int err = CR_ERROR;

	if (ms->n >= 0xffff)
		return cr_error_set("%s: %zu entries; zip64 is not supported",
				    name, ms->n);
	if ((cur = lseek(out_fd, 0, SEEK_CUR)) < 0)
		return cr_error_errno("%s: output", name);
	base = (uint64_t)cur;
	pos = 0;
	dos_time(&date, &tim, c->sde);
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		nlen = strlen(m->path);
		if (nlen > 0xffff) {
			err = cr_error_set("%s: member name too long for zip",
					   name);
			goto done;
		}
		if (m->type == AE_IFLNK) {
			d.fd = -1;
			d.size = strlen(m->link);
		} else if ((err = member_data(c, &d, spool, m, name, depth)) <
			   0) {
			goto done;
		}
		if (m->type == AE_IFDIR)
			d.size = 0;
		m->deflate = m->type == AE_IFREG && d.size > 0 &&
			     strcmp(m->path, "mimetype") != 0;
		m->lho = pos;
		if (pos > ZIP_MAX) {
			err = cr_error_set("%s: over 4 GiB; zip64 is not "
					   "supported",
					   name);
			goto done;
		}
		m->crc = 0;
		m->csize = m->size = 0;
		le32(h, 0x04034b50);
		zip_common(h + 4, m, date, tim);
		if ((err = write_all(out_fd, h, 30, name)) < 0 ||
		    (err = write_all(out_fd, m->path, nlen, name)) < 0)
			goto done;
		pos += 30 + nlen;
		if (m->type == AE_IFLNK) {
			m->crc = (uint32_t)crc32(0, (const Bytef *)m->link,
						 (uInt)d.size);
			m->size = m->csize = d.size;
			if ((err = write_all(out_fd, m->link, d.size, name)) <
			    0)
				goto done;
		} else if (m->type == AE_IFREG &&
			   (err = zip_data(c, out_fd, m, d.fd, d.off, d.size,
					   name)) < 0) {
			goto done;
		}
		data_close(&d);
		pos += m->csize;
		/* Patch crc and sizes in: no data descriptor needed. */
		le32(h, m->crc);
		le32(h + 4, (uint32_t)m->csize);
		le32(h + 8, (uint32_t)m->size);
		if (pwrite(out_fd, h, 12, (off_t)(base + m->lho + 14)) != 12) {
			err = cr_error_errno("%s: writing", name);
			goto done;
		}
		c->rep->entries++;
	}
	cd = pos;
	if (cd > ZIP_MAX) {
		err = cr_error_set("%s: over 4 GiB; zip64 is not supported",
				   name);
		goto done;
	}
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		nlen = strlen(m->path);
		le32(h, 0x02014b50);
		le16(h + 4, (3u << 8) | 20); /* made by Unix, zip 2.0 */
		zip_common(h + 6, m, date, tim);
		le16(h + 32, 0); /* comment */
		le16(h + 34, 0); /* disk */
		le16(h + 36, 0); /* internal attributes */
		le32(h + 38, ((uint32_t)(m->type | m->perm) << 16) |
				     (m->type == AE_IFDIR ? 0x10 : 0));
		le32(h + 42, (uint32_t)m->lho);
		if ((err = write_all(out_fd, h, 46, name)) < 0 ||
		    (err = write_all(out_fd, m->path, nlen, name)) < 0)
			goto done;
		pos += 46 + nlen;
	}
	if (pos - cd > ZIP_MAX) {
		err = cr_error_set("%s: central directory over 4 GiB", name);
		goto done;
	}
	le32(h, 0x06054b50);
	le16(h + 4, 0);
	le16(h + 6, 0);
	le16(h + 8, (unsigned)ms->n);
	le16(h + 10, (unsigned)ms->n);
	le32(h + 12, (uint32_t)(pos - cd));
	le32(h + 16, (uint32_t)cd);
	le16(h + 20, 0);
	err = write_all(out_fd, h, 22, name);
done:
	data_close(&d);
	return err;
}

/* ---- cpio newc ---- */

#define CPIO_HDR 110u

static int
hex8(uint32_t *v, const unsigned char *p)
{
	unsigned i, d;

	*v = 0;
	for (i = 0; i < 8; i++) {
		if (p[i] >= '0' && p[i] <= '9')
			d = p[i] - '0';
		else if (p[i] >= 'a' && p[i] <= 'f')
			d = p[i] - 'a' + 10;
		else if (p[i] >= 'A' && p[i] <= 'F')
			d = p[i] - 'A' + 10;
		else
			return -1;
		*v = (*v << 4) | d;
	}
	return 0;
}

/*
 * Walks the newc headers to the trailer: what follows it must be zeros
 * (block padding). A second archive after it (early microcode before an
 * initramfs) is refused rather than dropped, as libarchive would.
 */
static int
cpio_check_end(struct ctx *c, int fd, uint64_t off, uint64_t len,
	       const char *name)
{
	unsigned char h[CPIO_HDR + 12];
	uint32_t namesize, filesize;
	uint64_t pos = 0, n, i;
	size_t k;
	int err;

	for (n = 0;; n++) {
		if (n > c->max_entries)
			return cr_error_set("%s: more than %" PRIu64
					    " entries; refusing",
					    name, c->max_entries);
		if (pos > len || len - pos < CPIO_HDR + 11)
			return cr_error_set("%s: truncated cpio (no "
					    "trailer); refusing",
					    name);
		if ((err = pread_full(fd, h, CPIO_HDR + 11, off + pos, name)) <
		    0)
			return err;
		if (memcmp(h, "070701", 6) != 0 ||
		    hex8(&filesize, h + 54) < 0 || hex8(&namesize, h + 94) < 0)
			return cr_error_set("%s: a malformed cpio header at "
					    "offset %" PRIu64 "; refusing",
					    name, pos);
		if (namesize == 11 &&
		    memcmp(h + CPIO_HDR, "TRAILER!!!", 11) == 0)
			break;
		pos += (CPIO_HDR + (uint64_t)namesize + 3) & ~3ull;
		pos += ((uint64_t)filesize + 3) & ~3ull;
	}
	pos += (CPIO_HDR + 11 + 3) & ~3ull;
	for (i = pos; i < len; i += k) {
		k = len - i < CHUNK ? (size_t)(len - i) : CHUNK;
		if ((err = pread_full(fd, c->buf, k, off + i, name)) < 0)
			return err;
		while (k > 0 && c->buf[k - 1] == 0)
			k--;
		if (k > 0)
			return cr_error_set("%s: data after the cpio trailer "
					    "(another archive?); refusing",
					    name);
		k = len - i < CHUNK ? (size_t)(len - i) : CHUNK;
	}
	return CR_OK;
}

static int
cpio_header(int out_fd, uint64_t *pos, const char *path, uint32_t ino,
	    uint32_t mode, const struct member *m, uint32_t nlink,
	    uint64_t size, const char *name)
{
	static const unsigned char zeros[4];
	char h[CPIO_HDR + 1];
	size_t nlen = strlen(path) + 1, pad;
	int err;

	if (size > 0xffffffffu || nlen > 0xffffffffu ||
	    (m != NULL &&
	     (m->uid < 0 || m->uid > 0xffffffff || m->gid < 0 ||
	      m->gid > 0xffffffff || m->mtime < 0 || m->mtime > 0xffffffff)))
		return cr_error_set("%s: %s: a size, id or time newc cannot "
				    "hold; refusing",
				    name, path);
	/* dev 0:0 (the build's filesystem); ino renumbered; check 0. */
	snprintf(h, sizeof(h),
		 "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
		 ino, mode, m != NULL ? (uint32_t)m->uid : 0,
		 m != NULL ? (uint32_t)m->gid : 0, nlink,
		 m != NULL ? (uint32_t)m->mtime : 0, (uint32_t)size, 0u, 0u,
		 m != NULL ? m->rdevmajor : 0, m != NULL ? m->rdevminor : 0,
		 (uint32_t)nlen, 0u);
	pad = (4 - (CPIO_HDR + nlen) % 4) % 4;
	if ((err = write_all(out_fd, h, CPIO_HDR, name)) < 0 ||
	    (err = write_all(out_fd, path, nlen, name)) < 0 ||
	    (err = write_all(out_fd, zeros, pad, name)) < 0)
		return err;
	*pos += CPIO_HDR + nlen + pad;
	return CR_OK;
}

/* The name as stored, without the '/' read_members gave a directory. */
static const char *
cpio_name(char **buf, const struct member *m)
{
	size_t n = strlen(m->path);

	if (!m->slash)
		return m->path;
	if ((*buf = strndup(m->path, n - 1)) == NULL)
		return NULL;
	return *buf;
}

/*
 * newc as `cpio -o -H newc` writes it, in sorted order: inode numbers
 * 1, 2, ... in that order (the names of one file share the number of the
 * first), directories' link count 2 plus their subdirectories, others the
 * number of their names, a file's data with its last name, data padded to
 * 4 bytes, the archive to 512.
 */
static int
cpio_write(struct ctx *c, int out_fd, int spool, struct members *ms,
	   const char *name, int depth)
{
	static const unsigned char zeros[512];
	struct data d = {.tmp = -1};
	struct member *m, *t, key = {0};
	uint32_t *nlink = NULL;
	size_t *last = NULL;
	uint64_t pos = 0, left, size;
	const char *p, *slash;
	char *nb = NULL;
	size_t i, n, plen;
	int err = CR_ERROR;

	if (ms->n >= 0xfffffffeu)
		return cr_error_set("%s: too many entries for newc", name);
	if ((nlink = calloc(ms->n ? ms->n : 1, sizeof(*nlink))) == NULL ||
	    (last = calloc(ms->n ? ms->n : 1, sizeof(*last))) == NULL) {
		err = cr_error_set("%s: out of memory", name);
		goto done;
	}
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		if (m->type != AE_IFDIR) {
			nlink[m->lead]++; /* the names of one file */
			last[m->lead] = i;
			continue;
		}
		nlink[i] += 2;
		/* Its parent, an earlier member in sorted order, if listed. */
		plen = strlen(m->path) - 1;
		for (slash = NULL, p = m->path; p < m->path + plen; p++)
			if (*p == '/')
				slash = p;
		/* "bin" is in ".", as GNU cpio names it. */
		plen = slash != NULL ? (size_t)(slash - m->path) : 1;
		if ((key.path = slash != NULL ? strndup(m->path, plen + 1)
					      : strdup("./")) == NULL) {
			err = cr_error_set("%s: out of memory", name);
			goto done;
		}
		t = bsearch(&key, ms->v, ms->n, sizeof(*ms->v), member_cmp);
		free(key.path);
		if (t != NULL && t != m && t->type == AE_IFDIR)
			nlink[t - ms->v]++;
	}
	for (i = 0; i < ms->n; i++) {
		m = &ms->v[i];
		size = 0;
		if (m->type == AE_IFREG && last[m->lead] == i) {
			if ((err = member_data(c, &d, spool, m, name, depth)) <
			    0)
				goto done;
			size = d.size;
		} else if (m->type == AE_IFLNK) {
			size = strlen(m->link);
		}
		if ((p = cpio_name(&nb, m)) == NULL) {
			err = cr_error_set("%s: out of memory", name);
			goto done;
		}
		if ((err = cpio_header(out_fd, &pos, p, (uint32_t)m->lead + 1,
				       m->type | m->perm, m,
				       nlink[m->type == AE_IFDIR ? i : m->lead],
				       size, name)) < 0)
			goto done;
		free(nb);
		nb = NULL;
		if (m->type == AE_IFLNK &&
		    (err = write_all(out_fd, m->link, size, name)) < 0)
			goto done;
		for (left = m->type == AE_IFREG ? size : 0; left > 0;
		     left -= n) {
			n = left < CHUNK ? (size_t)left : CHUNK;
			if ((err = pread_full(d.fd, c->buf, n,
					      d.off + d.size - left, name)) <
				    0 ||
			    (err = write_all(out_fd, c->buf, n, name)) < 0)
				goto done;
		}
		data_close(&d);
		pos += size;
		if ((err = write_all(out_fd, zeros, (4 - size % 4) % 4, name)) <
		    0)
			goto done;
		pos += (4 - size % 4) % 4;
		c->rep->entries++;
	}
	if ((err = cpio_header(out_fd, &pos, "TRAILER!!!", 0, 0, NULL, 1, 0,
			       name)) < 0)
		goto done;
	err = write_all(out_fd, zeros, (512 - pos % 512) % 512, name);
done:
	free(nb);
	data_close(&d);
	free(nlink);
	free(last);
	return err;
}

/* tar, cpio or zip: read all, spool, sort, write. */
static int
norm_sorted(struct ctx *c, enum kind kind, int out_fd, int fd, uint64_t off,
	    uint64_t len, const char *name, int depth)
{
	struct cr_archive *ca = NULL;
	struct members ms = {0};
	unsigned flags = kind == K_TAR	  ? CR_ARC_TAR | CR_ARC_ARTIFACT
			 : kind == K_CPIO ? CR_ARC_CPIO | CR_ARC_ARTIFACT
					  : CR_ARC_ZIP;
	int spool = -1, err = CR_ERROR;

	ms.zip = kind == K_ZIP;
	ms.cpio = kind == K_CPIO;
	if ((kind == K_CPIO &&
	     (err = cpio_check_end(c, fd, off, len, name)) < 0) ||
	    (err = cr_archive_open(&ca, fd, off, len, NULL, flags, name)) < 0 ||
	    (err = spool_open(&spool, c, name)) < 0 ||
	    (err = read_members(c, &ms, spool, ca, len, name)) < 0 ||
	    (err = sort_members(&ms, name)) < 0)
		goto done;
	/* It starts with a local header, yet the central directory is empty
	 * or unreadable: dropping the members silently would hide them. */
	if (kind == K_ZIP && ms.n == 0) {
		err = cr_error_set("%s: zip without central directory "
				   "entries; refusing",
				   name);
		goto done;
	}
	if (kind == K_TAR) {
		err = tar_write(c, out_fd, spool, &ms, name, depth);
		c->rep->steps |=
			CR_NORM_SORTED | CR_NORM_MTIME | CR_NORM_METADATA;
	} else if (kind == K_CPIO) {
		err = cpio_write(c, out_fd, spool, &ms, name, depth);
		c->rep->steps |= CR_NORM_SORTED | CR_NORM_MTIME |
				 CR_NORM_METADATA | CR_NORM_INODES;
	} else {
		err = zip_write(c, out_fd, spool, &ms, name, depth);
		c->rep->steps |= CR_NORM_SORTED | CR_NORM_ZIP_TIME |
				 CR_NORM_ZIP_EXTRA | CR_NORM_METADATA |
				 CR_NORM_RECOMPRESSED;
	}
done:
	members_free(&ms);
	if (spool >= 0)
		close(spool);
	cr_archive_free(ca);
	return err;
}

/*
 * A V7 tar (v7_scan() said so) as ustar, into a spool file: each header
 * gets the ustar magic and a new checksum (devmajor and devminor,
 * meaningless in V7, zeroed; the NUL type written '0'); names, modes,
 * owners, times, types and data
 * are left as they are, so every reader sees the same members (a V7 header
 * is the start of a ustar one).
 */
static int
v7_to_ustar(struct ctx *c, int *out, uint64_t *out_len, int fd, uint64_t off,
	    uint64_t len, const char *name)
{
	unsigned char h[512];
	uint64_t pos = 0, data, sum;
	int64_t size;
	int spool = -1, err;
	size_t i;

	*out = -1;
	if ((err = spool_open(&spool, c, name)) < 0)
		return err;
	while (pos + 512 <= len) {
		if ((err = pread_full(fd, h, 512, off + pos, name)) < 0)
			goto done;
		if (zeros(h, 512))
			break;
		if (!v7_header(h) || (size = tar_octal(h + 124, 12)) < 0 ||
		    ((uint64_t)size + 511) / 512 * 512 > len - pos - 512) {
			err = cr_error_set("%s: changed while read", name);
			goto done;
		}
		memcpy(h + 257,
		       "ustar\0"
		       "00",
		       8);
		memset(h + 329, 0, 16);
		/* V7's NUL type is a regular file to every reader. */
		if (h[156] == 0)
			h[156] = '0';
		memset(h + 148, ' ', 8);
		for (sum = 0, i = 0; i < 512; i++)
			sum += h[i];
		snprintf((char *)h + 148, 8, "%06o", (unsigned)sum);
		h[155] = ' ';
		data = ((uint64_t)size + 511) / 512 * 512;
		if ((err = write_all(spool, h, 512, name)) < 0 ||
		    (err = copy_range(c->buf, spool, fd, off + pos + 512, data,
				      name)) < 0)
			goto done;
		pos += 512 + data;
	}
	/* The end blocks and whatever follows, for the policy to judge. */
	if ((err = copy_range(c->buf, spool, fd, off + pos, len - pos, name)) <
	    0)
		goto done;
	*out = spool;
	*out_len = len;
	spool = -1;
	err = CR_OK;
done:
	if (spool >= 0)
		close(spool);
	return err;
}

/* A V7 tar: made ustar, then normalised as any tar. */
static int
norm_v7(struct ctx *c, enum kind *kind, char *fmt, size_t fmtsz, int out_fd,
	int fd, uint64_t off, uint64_t len, const char *name, int depth)
{
	uint64_t ulen = 0;
	int ufd = -1, err;

	if ((err = v7_to_ustar(c, &ufd, &ulen, fd, off, len, name)) < 0)
		return err;
	*kind = K_TAR;
	snprintf(fmt, fmtsz, "tar");
	err = norm_sorted(c, K_TAR, out_fd, ufd, 0, ulen, name, depth);
	close(ufd);
	return err;
}

static int
ar_special(const char *path)
{
	return strcmp(path, "/") == 0 || strcmp(path, "//") == 0 ||
	       strcmp(path, "/SYM64/") == 0 ||
	       strncmp(path, "__.SYMDEF", 9) == 0;
}

/* The names an SVR4 writer looks up in "//", in member order. */
struct ar_info {
	char *strtab;
	size_t strtab_len;
	int symtab, had_strtab, bsd;
};

static int
ar_scan(struct ctx *c, struct ar_info *ai, int fd, uint64_t off, uint64_t len,
	const char *name)
{
	struct archive *a = NULL;
	struct archive_entry *e;
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	const char *path;
	char *tmp;
	uint64_t count = 0;
	size_t n;
	int err = CR_ERROR;

	if ((err = cr_archive_open(&ca, fd, off, len, NULL, CR_ARC_AR, name)) <
	    0)
		goto done;
	a = cr_archive_handle(ca);
	for (;;) {
		if ((err = cr_archive_next(ca, &am)) < 0)
			goto done;
		err = CR_ERROR;
		if ((e = am.e) == NULL)
			break;
		if (++count > c->max_entries) {
			err = cr_error_set("%s: more than %" PRIu64
					   " entries; refusing",
					   name, c->max_entries);
			goto done;
		}
		if ((path = archive_entry_pathname(e)) == NULL) {
			err = cr_error_set("%s: member with an unreadable "
					   "name; refusing",
					   name);
			goto done;
		}
		if (ar_special(path)) {
			if (strcmp(path, "//") == 0)
				ai->had_strtab = 1;
			else if (count == 1)
				ai->symtab = 1;
			continue;
		}
		/* ar members are base names; '/' and '\n' would also break
		 * the "//" table, whose names end in "/\n". */
		if (strpbrk(path, "/\n") != NULL || *path == '\0') {
			err = cr_error_set("%s: %s: ar member name with '/' or "
					   "a newline; refusing",
					   name, path);
			goto done;
		}
		if (archive_entry_filetype(e) != 0 &&
		    archive_entry_filetype(e) != AE_IFREG) {
			err = cr_error_set("%s: %s: ar member that is not a "
					   "regular file; refusing",
					   name, path);
			goto done;
		}
		n = strlen(path);
		if (n <= 15)
			continue;
		if (ai->strtab_len + n + 2 > MAX_NAME_BYTES) {
			err = cr_error_set("%s: member names exceed %u bytes; "
					   "refusing",
					   name, MAX_NAME_BYTES);
			goto done;
		}
		if ((tmp = realloc(ai->strtab, ai->strtab_len + n + 2)) ==
		    NULL) {
			err = cr_error_set("%s: out of memory", name);
			goto done;
		}
		ai->strtab = tmp;
		memcpy(ai->strtab + ai->strtab_len, path, n);
		memcpy(ai->strtab + ai->strtab_len + n, "/\n", 2);
		ai->strtab_len += n + 2;
	}
	/* ar has no end marker: bytes libarchive could not parse as a
	 * member would be dropped silently. */
	if ((uint64_t)archive_filter_bytes(a, 0) != len) {
		err = cr_error_set("%s: %" PRIu64 " bytes of trailing data "
				   "after the last member; refusing",
				   name,
				   len - (uint64_t)archive_filter_bytes(a, 0));
		goto done;
	}
	ai->bsd = archive_format(a) == ARCHIVE_FORMAT_AR_BSD;
	err = CR_OK;
done:
	cr_archive_free(ca);
	return err;
}

static int
ar_put(struct archive *w, struct archive_entry *e, const void *buf, size_t len,
       const char *name)
{
	if (archive_write_header(w, e) < ARCHIVE_WARN ||
	    (len > 0 && archive_write_data(w, buf, len) != (la_ssize_t)len))
		return write_error(w, name);
	return CR_OK;
}

static int
ar_write_strtab(struct archive *w, const struct ar_info *ai, int64_t mtime,
		const char *name)
{
	struct archive_entry *e;
	int err;

	if ((e = archive_entry_new()) == NULL)
		return cr_error_set("%s: out of memory", name);
	archive_entry_copy_pathname(e, "//");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_size(e, (la_int64_t)ai->strtab_len);
	err = ar_put(w, e, ai->strtab, ai->strtab_len, name);
	archive_entry_free(e);
	return err;
}

static int
norm_ar(struct ctx *c, int out_fd, int fd, uint64_t off, uint64_t len,
	const char *name, int depth)
{
	struct ar_info ai = {0};
	struct archive *a = NULL, *w = NULL;
	struct archive_entry *e, *oe = NULL;
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	struct member m = {0};
	struct data d = {.tmp = -1};
	const char *path;
	uint64_t out = 0, got, inpos, outpos;
	int64_t mtime;
	la_ssize_t n;
	int strtab_done, tmp = -1, err = CR_ERROR;

	if ((err = ar_scan(c, &ai, fd, off, len, name)) < 0)
		goto done;
	err = CR_ERROR;
	strtab_done = ai.bsd || ai.strtab_len == 0;
	if ((w = archive_write_new()) == NULL ||
	    (oe = archive_entry_new()) == NULL) {
		cr_error_set("%s: out of memory", name);
		goto done;
	}
	if (ai.bsd)
		archive_write_set_format_ar_bsd(w);
	else
		archive_write_set_format_ar_svr4(w);
	if (archive_write_open_fd(w, out_fd) != ARCHIVE_OK) {
		err = write_error(w, name);
		goto done;
	}
	if ((err = cr_archive_open(&ca, fd, off, len, NULL, CR_ARC_AR, name)) <
	    0)
		goto done;
	a = cr_archive_handle(ca);
	err = CR_ERROR;
	for (;;) {
		if ((err = cr_archive_next(ca, &am)) < 0)
			goto done;
		err = CR_ERROR;
		if ((e = am.e) == NULL)
			break;
		path = archive_entry_pathname(e);
		mtime = c->sde;
		if (archive_entry_mtime(e) < mtime)
			mtime = archive_entry_mtime(e);
		if (!strtab_done && !ar_special(path) && !ai.had_strtab) {
			if ((err = ar_write_strtab(w, &ai, c->sde, name)) < 0)
				goto done;
			strtab_done = 1;
		}
		/*
		 * The symbol table holds member offsets: keep them all. The
		 * writer adds the previous member's padding byte only with
		 * the next header, so round up to the even header offset.
		 */
		inpos = (uint64_t)archive_read_header_position(a);
		outpos = ((uint64_t)archive_filter_bytes(w, 0) + 1) & ~1ull;
		if (ai.symtab && inpos != outpos) {
			err = cr_error_set("%s: %s: member would move from "
					   "offset %" PRIu64 " to %" PRIu64
					   " and invalidate the symbol table; "
					   "refusing",
					   name, path, inpos, outpos);
			goto done;
		}
		if (strcmp(path, "//") == 0) {
			if (!strtab_done &&
			    (err = ar_write_strtab(w, &ai, mtime, name)) < 0)
				goto done;
			strtab_done = 1;
			continue;
		}
		archive_entry_clear(oe);
		archive_entry_copy_pathname(oe, path);
		archive_entry_set_filetype(oe, AE_IFREG);
		/* Mode and owner as built; only the time varies. */
		archive_entry_set_perm(oe, archive_entry_perm(e));
		archive_entry_set_mtime(oe, mtime, 0);
		archive_entry_set_uid(oe, archive_entry_uid(e));
		archive_entry_set_gid(oe, archive_entry_gid(e));
		/* Spool the member: its size may change if it is a container. */
		if ((err = spool_open(&tmp, c, name)) < 0)
			goto done;
		got = 0;
		while ((n = archive_read_data(a, c->buf, CHUNK)) > 0) {
			if ((err = account(c, &out, len, (size_t)n, name,
					   path)) < 0 ||
			    (err = write_all(tmp, c->buf, (size_t)n, name)) < 0)
				goto done;
			got += (uint64_t)n;
		}
		if (n < 0) {
			err = cr_error_set("%s: %s: %s", name, path,
					   archive_error_string(a));
			goto done;
		}
		if ((uint64_t)archive_entry_size(e) != got) {
			err = cr_error_set("%s: %s: data size does not match "
					   "the header's; refusing",
					   name, path);
			goto done;
		}
		m.path = (char *)path;
		m.off = 0;
		m.size = got;
		if (ai.symtab || ar_special(path)) {
			d.fd = tmp;
			d.off = 0;
			d.size = got;
		} else if ((err = member_data(c, &d, tmp, &m, name, depth)) <
			   0) {
			goto done;
		}
		archive_entry_set_size(oe, (la_int64_t)d.size);
		if ((err = write_member(c, w, oe, &d, name)) < 0)
			goto done;
		data_close(&d);
		close(tmp);
		tmp = -1;
		c->rep->entries++;
	}
	if (archive_write_close(w) != ARCHIVE_OK) {
		err = write_error(w, name);
		goto done;
	}
	c->rep->steps |= CR_NORM_MTIME;
	err = CR_OK;
done:
	data_close(&d);
	if (tmp >= 0)
		close(tmp);
	archive_entry_free(oe);
	archive_write_free(w);
	cr_archive_free(ca);
	free(ai.strtab);
	return err;
}

/* xz again, with the input's integrity check (the kernel wants CRC32). */
static int
xz_write(struct ctx *c, int out_fd, int src, uint64_t size, lzma_check check,
	 const char *name)
{
	lzma_stream z = LZMA_STREAM_INIT;
	unsigned char *obuf = NULL;
	uint64_t left = size;
	lzma_action act;
	lzma_ret r;
	size_t k;
	int err = CR_ERROR;

	if ((obuf = malloc(CHUNK)) == NULL ||
	    lzma_easy_encoder(&z, CR_NORMALIZE_XZ_PRESET, check) != LZMA_OK) {
		err = cr_error_set("%s: cannot start the xz encoder", name);
		goto done;
	}
	do {
		k = left < CHUNK ? (size_t)left : CHUNK;
		if ((err = pread_full(src, c->buf, k, size - left, name)) < 0)
			goto done;
		left -= k;
		z.next_in = c->buf;
		z.avail_in = k;
		act = left == 0 ? LZMA_FINISH : LZMA_RUN;
		do {
			z.next_out = obuf;
			z.avail_out = CHUNK;
			r = lzma_code(&z, act);
			if (r != LZMA_OK && r != LZMA_STREAM_END) {
				err = cr_error_set("%s: xz compression "
						   "failed (%d)",
						   name, (int)r);
				goto done;
			}
			if ((err = write_all(out_fd, obuf, CHUNK - z.avail_out,
					     name)) < 0)
				goto done;
		} while (z.avail_out == 0 ||
			 (act == LZMA_FINISH && r != LZMA_STREAM_END));
	} while (left > 0);
	err = CR_OK;
done:
	lzma_end(&z);
	free(obuf);
	return err;
}

static uint32_t
get_le32(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

/* gzip header flags (RFC 1952, 2.3.1). */
#define GZ_FTEXT 0x01u
#define GZ_FHCRC 0x02u
#define GZ_FEXTRA 0x04u
#define GZ_FNAME 0x08u
#define GZ_FCOMMENT 0x10u

/* Skips a zero-terminated header field (name, comment), adding it to crc. */
static int
gz_skip_string(struct ctx *c, int fd, uint64_t off, uint64_t len, uint64_t *pos,
	       uLong *crc, const char *name)
{
	size_t n, i;
	int err;

	while (*pos < len) {
		n = len - *pos < CHUNK ? (size_t)(len - *pos) : CHUNK;
		if ((err = pread_full(fd, c->buf, n, off + *pos, name)) < 0)
			return err;
		for (i = 0; i < n && c->buf[i] != 0; i++)
			;
		if (i < n)
			n = i + 1;
		*crc = crc32(*crc, c->buf, (uInt)n);
		*pos += n;
		if (i < n)
			return CR_OK;
	}
	return cr_error_set("%s: truncated gzip header", name);
}

/*
 * Copies one gzip member's deflate data from pos as it is, inflating it only
 * to find where it ends, and checks the trailer's CRC-32 and size.
 */
static int
gz_copy_data(struct ctx *c, int out_fd, unsigned char *obuf, z_stream *z,
	     int fd, uint64_t off, uint64_t len, uint64_t *pos,
	     const char *name)
{
	unsigned char t[8];
	uLong crc = crc32(0, NULL, 0);
	uint32_t isize = 0;
	size_t k, used;
	int zr = Z_OK, err;

	if (inflateReset(z) != Z_OK)
		return cr_error_set("%s: inflate failed", name);
	while (zr != Z_STREAM_END) {
		if ((err = check_deadline(c, name, "", "")) < 0)
			return err;
		if (*pos >= len)
			return cr_error_set("%s: truncated gzip data", name);
		k = len - *pos < CHUNK ? (size_t)(len - *pos) : CHUNK;
		if ((err = pread_full(fd, c->buf, k, off + *pos, name)) < 0)
			return err;
		z->next_in = c->buf;
		z->avail_in = (uInt)k;
		do {
			z->next_out = obuf;
			z->avail_out = CHUNK;
			zr = inflate(z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END &&
			    zr != Z_BUF_ERROR)
				return cr_error_set("%s: gzip data: %s", name,
						    z->msg ? z->msg
							   : "invalid");
			crc = crc32(crc, obuf, (uInt)(CHUNK - z->avail_out));
			isize += (uint32_t)(CHUNK - z->avail_out);
		} while (zr != Z_STREAM_END && z->avail_out == 0);
		used = k - z->avail_in;
		if (used == 0 && zr != Z_STREAM_END)
			return cr_error_set("%s: gzip data that does not end",
					    name);
		if ((err = write_all(out_fd, c->buf, used, name)) < 0)
			return err;
		*pos += used;
	}
	if (len - *pos < 8)
		return cr_error_set("%s: truncated gzip trailer", name);
	if ((err = pread_full(fd, t, 8, off + *pos, name)) < 0)
		return err;
	if (get_le32(t) != (uint32_t)crc || get_le32(t + 4) != isize)
		return cr_error_set("%s: gzip CRC or size does not match the "
				    "data; refusing",
				    name);
	*pos += 8;
	return write_all(out_fd, t, 8, name);
}

/*
 * A nested gzip whose payload is not normalised keeps its meaning: in each
 * member only the header's mtime (to 0), name and comment change, its
 * header CRC is recomputed if it has one; the deflate data, the trailer,
 * the extra field, XFL and OS bytes are copied as they are. A header with
 * none of those is copied byte for byte, so the md5sums of a .deb or the
 * RECORD of a wheel still hold for the member.
 */
static int
gz_keep(struct ctx *c, int out_fd, int fd, uint64_t off, uint64_t len,
	const char *name)
{
	unsigned char h[12], *obuf = NULL;
	z_stream z;
	uint64_t pos = 0;
	uLong ocrc, ncrc;
	unsigned flg, xlen = 0;
	int zinit = 0, changed = 0, err = CR_ERROR;

	memset(&z, 0, sizeof(z));
	if ((obuf = malloc(CHUNK)) == NULL ||
	    inflateInit2(&z, -MAX_WBITS) != Z_OK) {
		err = cr_error_set("%s: out of memory", name);
		goto done;
	}
	zinit = 1;
	while (pos < len) {
		if (len - pos < 18) {
			err = cr_error_set("%s: truncated gzip member", name);
			goto done;
		}
		if ((err = pread_full(fd, h, 10, off + pos, name)) < 0)
			goto done;
		flg = h[3];
		if (h[0] != 0x1f || h[1] != 0x8b || h[2] != 8 ||
		    (flg & 0xe0u) != 0) {
			err = cr_error_set("%s: not a gzip member header at "
					   "byte %" PRIu64,
					   name, pos);
			goto done;
		}
		pos += 10;
		ocrc = crc32(0, h, 10);
		if ((flg & (GZ_FNAME | GZ_FCOMMENT)) != 0 ||
		    get_le32(h + 4) != 0)
			changed = 1;
		h[3] = (unsigned char)(flg & (GZ_FTEXT | GZ_FHCRC | GZ_FEXTRA));
		memset(h + 4, 0, 4);
		ncrc = crc32(0, h, 10);
		if ((err = write_all(out_fd, h, 10, name)) < 0)
			goto done;
		if (flg & GZ_FEXTRA) {
			if ((err = pread_full(fd, h + 10, 2, off + pos, name)) <
			    0)
				goto done;
			xlen = h[10] | (unsigned)h[11] << 8;
			if (len - pos < 2u + xlen) {
				err = cr_error_set("%s: truncated gzip header",
						   name);
				goto done;
			}
			if ((err = pread_full(fd, c->buf, xlen, off + pos + 2,
					      name)) < 0)
				goto done;
			ocrc = crc32(crc32(ocrc, h + 10, 2), c->buf, xlen);
			ncrc = crc32(crc32(ncrc, h + 10, 2), c->buf, xlen);
			if ((err = write_all(out_fd, h + 10, 2, name)) < 0 ||
			    (err = write_all(out_fd, c->buf, xlen, name)) < 0)
				goto done;
			pos += 2u + xlen;
		}
		if (((flg & GZ_FNAME) &&
		     (err = gz_skip_string(c, fd, off, len, &pos, &ocrc,
					   name)) < 0) ||
		    ((flg & GZ_FCOMMENT) &&
		     (err = gz_skip_string(c, fd, off, len, &pos, &ocrc,
					   name)) < 0))
			goto done;
		if (flg & GZ_FHCRC) {
			if (len - pos < 2) {
				err = cr_error_set("%s: truncated gzip header",
						   name);
				goto done;
			}
			if ((err = pread_full(fd, h, 2, off + pos, name)) < 0)
				goto done;
			if ((h[0] | (unsigned)h[1] << 8) != (ocrc & 0xffffu)) {
				err = cr_error_set("%s: gzip header CRC does "
						   "not match; refusing",
						   name);
				goto done;
			}
			pos += 2;
			le16(h, (unsigned)(ncrc & 0xffffu));
			if ((err = write_all(out_fd, h, 2, name)) < 0)
				goto done;
		}
		if ((err = gz_copy_data(c, out_fd, obuf, &z, fd, off, len, &pos,
					name)) < 0)
			goto done;
	}
	if (changed)
		c->rep->steps |= CR_NORM_GZIP_HEADER;
	err = CR_OK;
done:
	if (zinit)
		inflateEnd(&z);
	free(obuf);
	return err;
}

/*
 * gzip or xz: decompress to a spool, normalise what is inside, compress.
 * Nested in another container, a stream whose payload is not a container
 * keeps its compressed bytes (gz_keep); one whose payload is normalised is
 * recompressed, which cannot be avoided as the payload changed.
 */
static int
norm_compressed(struct ctx *c, enum kind outer, char *fmt, size_t fmtsz,
		int out_fd, int fd, uint64_t off, uint64_t len,
		const char *name, int depth)
{
	const char *fname = outer == K_XZ ? "xz" : "gzip";
	unsigned char sf[8];
	lzma_check check = LZMA_CHECK_CRC64;
	struct archive *a = NULL;
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	unsigned char *obuf = NULL;
	enum kind kind = K_NONE;
	z_stream z;
	uint64_t out = 0, size, left;
	la_ssize_t n;
	size_t k;
	int spool = -1, inner = -1, zinit = 0, src, flush, err = CR_ERROR;

	if (outer == K_XZ) {
		/* Stream flags: the check type the input chose. */
		if ((err = pread_full(fd, sf, 8, off, name)) < 0)
			goto done;
		if (sf[6] != 0 ||
		    (sf[7] != 0 && sf[7] != 1 && sf[7] != 4 && sf[7] != 10)) {
			err = cr_error_set("%s: xz stream flags this reader "
					   "does not know; refusing",
					   name);
			goto done;
		}
		check = (lzma_check)sf[7];
	}
	if ((err = cr_archive_open(
		     &ca, fd, off, len, NULL,
		     outer == K_XZ ? CR_ARC_XZ_RAW : CR_ARC_GZIP_RAW, name)) <
		    0 ||
	    (err = spool_open(&spool, c, name)) < 0 ||
	    (err = cr_archive_next(ca, &am)) < 0)
		goto done;
	err = CR_ERROR;
	a = cr_archive_handle(ca);
	/* Without a header it would bid for, libarchive reads raw. */
	if (archive_filter_code(a, 0) !=
	    (outer == K_XZ ? ARCHIVE_FILTER_XZ : ARCHIVE_FILTER_GZIP)) {
		err = cr_error_set("%s: not a valid %s stream", name, fname);
		goto done;
	}
	if (am.e != NULL) {
		while ((n = archive_read_data(a, c->buf, CHUNK)) > 0)
			if ((err = account(c, &out, len, (size_t)n, name,
					   NULL)) < 0 ||
			    (err = write_all(spool, c->buf, (size_t)n, name)) <
				    0)
				goto done;
		if (n < 0) {
			err = read_error(a, name);
			goto done;
		}
	}
	/* Bytes after the stream (a device tree or signature appended to a
	 * kernel, padding to a flash size) would be dropped: refused. */
	if (archive_filter_bytes(a, -1) != (la_int64_t)len) {
		err = cr_error_set("%s: bytes after the end of the %s stream; "
				   "refusing",
				   name, fname);
		goto done;
	}
	if ((err = file_size(&size, spool, name)) < 0)
		goto done;
	src = spool;
	snprintf(fmt, fmtsz, "%s", fname);
	if (size > 0 && depth < c->max_depth) {
		if ((err = detect(&kind, spool, 0, size, name)) < 0)
			goto done;
		if (kind != K_NONE) {
			char sub[48];

			if ((err = spool_open(&inner, c, name)) < 0 ||
			    (err = norm_window(c, &kind, sub, sizeof(sub),
					       inner, spool, 0, size, name,
					       depth + 1)) < 0 ||
			    (err = file_size(&size, inner, name)) < 0)
				goto done;
			src = inner;
			snprintf(fmt, fmtsz, "%s+%s", sub, fname);
		}
	}
	if (depth > 1 && kind == K_NONE) {
		/* Nested, the payload as it was: the stream keeps its bytes
		 * (an xz header holds nothing that varies). */
		err = outer == K_XZ
			      ? copy_range(c->buf, out_fd, fd, off, len, name)
			      : gz_keep(c, out_fd, fd, off, len, name);
		goto done;
	}
	if (outer == K_XZ) {
		if ((err = xz_write(c, out_fd, src, size, check, name)) ==
		    CR_OK)
			c->rep->steps |= CR_NORM_XZ;
		goto done;
	}
	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip wrapper with mtime 0, no name, OS fixed. */
	if ((obuf = malloc(CHUNK)) == NULL ||
	    deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
		    Z_OK) {
		err = cr_error_set("%s: out of memory", name);
		goto done;
	}
	zinit = 1;
	left = size;
	do {
		k = left < CHUNK ? (size_t)left : CHUNK;
		if ((err = pread_full(src, c->buf, k, size - left, name)) < 0)
			goto done;
		left -= k;
		z.next_in = c->buf;
		z.avail_in = (uInt)k;
		flush = left == 0 ? Z_FINISH : Z_NO_FLUSH;
		do {
			z.next_out = obuf;
			z.avail_out = CHUNK;
			if (deflate(&z, flush) == Z_STREAM_ERROR) {
				err = cr_error_set("%s: deflate failed", name);
				goto done;
			}
			if ((err = write_all(out_fd, obuf, CHUNK - z.avail_out,
					     name)) < 0)
				goto done;
		} while (z.avail_out == 0);
	} while (left > 0);
	c->rep->steps |= CR_NORM_GZIP_HEADER | CR_NORM_RECOMPRESSED;
	err = CR_OK;
done:
	if (zinit)
		deflateEnd(&z);
	free(obuf);
	if (inner >= 0)
		close(inner);
	if (spool >= 0)
		close(spool);
	cr_archive_free(ca);
	return err;
}

/*
 * An empty zip is its end record alone, which libarchive does not read:
 * check it by hand and write the canonical one (no comment).
 */
static int
norm_zip(struct ctx *c, int out_fd, int fd, uint64_t off, uint64_t len,
	 const char *name, int depth)
{
	unsigned char h[22];
	unsigned i;
	int err;

	if ((err = pread_full(fd, h, 4, off, name)) < 0)
		return err;
	if (memcmp(h, "PK\5\6", 4) != 0)
		return norm_sorted(c, K_ZIP, out_fd, fd, off, len, name, depth);
	if (len < 22)
		return cr_error_set("%s: truncated zip", name);
	if ((err = pread_full(fd, h, 22, off, name)) < 0)
		return err;
	for (i = 4; i < 20; i++)
		if (h[i] != 0)
			return cr_error_set("%s: zip that starts with its end "
					    "record but is not empty; "
					    "refusing",
					    name);
	if (len != 22u + (h[20] | (unsigned)h[21] << 8))
		return cr_error_set("%s: data after an empty zip; refusing",
				    name);
	memset(h + 4, 0, 18);
	c->rep->steps |= CR_NORM_METADATA;
	return write_all(out_fd, h, 22, name);
}

static int
norm_window(struct ctx *c, enum kind *kind, char *fmt, size_t fmtsz, int out_fd,
	    int fd, uint64_t off, uint64_t len, const char *name, int depth)
{
	int err;

	snprintf(fmt, fmtsz, "none");
	if ((err = detect(kind, fd, off, len, name)) < 0)
		return err;
	switch (*kind) {
	case K_NONE:
		return CR_OK;
	case K_GZIP:
	case K_XZ:
		return norm_compressed(c, *kind, fmt, fmtsz, out_fd, fd, off,
				       len, name, depth);
	case K_CPIO:
		snprintf(fmt, fmtsz, "cpio");
		return norm_sorted(c, *kind, out_fd, fd, off, len, name, depth);
	case K_AR:
		snprintf(fmt, fmtsz, "ar");
		return norm_ar(c, out_fd, fd, off, len, name, depth);
	case K_TAR:
		snprintf(fmt, fmtsz, "tar");
		return norm_sorted(c, *kind, out_fd, fd, off, len, name, depth);
	case K_TARV7:
		return norm_v7(c, kind, fmt, fmtsz, out_fd, fd, off, len, name,
			       depth);
	case K_ZIP:
		snprintf(fmt, fmtsz, "zip");
		return norm_zip(c, out_fd, fd, off, len, name, depth);
	}
	return cr_error_set("%s: unknown format", name);
}

static int
ctx_new(struct ctx **out, struct cr_normalize_report *rep, int64_t sde,
	const struct cr_normalize_opts *opts, const char *tmpdir,
	const char *name)
{
	struct ctx *c;

	*out = NULL;
	memset(rep, 0, sizeof(*rep));
	snprintf(rep->format, sizeof(rep->format), "none");
	if (sde < 0)
		return cr_error_set("%s: SOURCE_DATE_EPOCH %" PRId64
				    " is negative",
				    name, sde);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return cr_error_set("%s: out of memory", name);
	c->rep = rep;
	c->sde = sde;
	c->max_total = CR_NORMALIZE_MAX_TOTAL;
	c->max_ratio = CR_NORMALIZE_MAX_RATIO;
	c->max_entries = CR_NORMALIZE_MAX_ENTRIES;
	c->max_depth = CR_NORMALIZE_MAX_DEPTH;
	c->tmpdir = tmpdir;
	c->loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (opts != NULL) {
		if (opts->max_total)
			c->max_total = opts->max_total;
		if (opts->max_ratio)
			c->max_ratio = opts->max_ratio;
		if (opts->max_entries)
			c->max_entries = opts->max_entries;
		if (opts->max_depth > 0)
			c->max_depth = opts->max_depth;
		if (opts->tmpdir != NULL)
			c->tmpdir = opts->tmpdir;
		c->deadline = opts->deadline;
	}
	*out = c;
	return CR_OK;
}

static int
normalize_fd(struct cr_normalize_report *rep, int out_fd, int in_fd,
	     const char *name, int64_t sde,
	     const struct cr_normalize_opts *opts, const char *tmpdir)
{
	struct ctx *c = NULL;
	enum kind kind;
	uint64_t len;
	int err;

	if ((err = ctx_new(&c, rep, sde, opts, tmpdir, name)) < 0)
		return err;
	if ((err = file_size(&len, in_fd, name)) == CR_OK)
		err = norm_window(c, &kind, rep->format, sizeof(rep->format),
				  out_fd, in_fd, 0, len, name, 1);
	if (err < 0) {
		memset(rep, 0, sizeof(*rep));
		snprintf(rep->format, sizeof(rep->format), "none");
	}
	if (c->loc != (locale_t)0)
		freelocale(c->loc);
	free(c);
	return err;
}

int
cr_normalize_fd(struct cr_normalize_report *rep, int out_fd, int in_fd,
		const char *name, int64_t source_date_epoch,
		const struct cr_normalize_opts *opts)
{
	const char *tmpdir = getenv("TMPDIR");

	if (tmpdir == NULL || *tmpdir == '\0')
		tmpdir = "/tmp";
	return normalize_fd(rep, out_fd, in_fd, name, source_date_epoch, opts,
			    tmpdir);
}

/* Whether two files hold the same bytes. */
static int
same_bytes(int *same, unsigned char *buf, int a, int b, const char *name)
{
	unsigned char *other = buf + CHUNK;
	uint64_t la, lb, pos;
	size_t n;
	int err;

	*same = 0;
	if ((err = file_size(&la, a, name)) < 0 ||
	    (err = file_size(&lb, b, name)) < 0)
		return err;
	if (la != lb)
		return CR_OK;
	for (pos = 0; pos < la; pos += n) {
		n = la - pos < CHUNK ? (size_t)(la - pos) : CHUNK;
		if ((err = pread_full(a, buf, n, pos, name)) < 0 ||
		    (err = pread_full(b, other, n, pos, name)) < 0)
			return err;
		if (memcmp(buf, other, n) != 0)
			return CR_OK;
	}
	*same = 1;
	return CR_OK;
}

int
cr_normalize_file(struct cr_normalize_report *rep, const char *in_path,
		  const char *out_path, int64_t source_date_epoch,
		  const struct cr_normalize_opts *opts)
{
	unsigned char *buf = NULL;
	struct stat in_st, out_st;
	struct cr_atomic out = {.fd = -1};
	char *dircopy = NULL, *dir;
	uint64_t len;
	int in_fd = -1, same, in_place = 0;
	int err = CR_ERROR;

	memset(rep, 0, sizeof(*rep));
	snprintf(rep->format, sizeof(rep->format), "none");
	if ((dircopy = strdup(out_path)) == NULL) {
		cr_error_set("%s: out of memory", out_path);
		goto done;
	}
	dir = dirname(dircopy);
	if ((in_fd = open(in_path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		cr_error_errno("%s", in_path);
		goto done;
	}
	if (fstat(in_fd, &in_st) < 0) {
		cr_error_errno("%s", in_path);
		goto done;
	}
	if (!S_ISREG(in_st.st_mode)) {
		cr_error_set("%s: not a regular file", in_path);
		goto done;
	}
	if (stat(out_path, &out_st) == 0 && out_st.st_dev == in_st.st_dev &&
	    out_st.st_ino == in_st.st_ino)
		in_place = 1;
	if ((err = cr_atomic_open(&out, out_path, in_st.st_mode & 0777, 0)) < 0)
		goto done;
	if ((err = normalize_fd(rep, out.fd, in_fd, in_path, source_date_epoch,
				opts, dir)) < 0)
		goto done;
	if ((buf = malloc(2 * CHUNK)) == NULL) {
		err = cr_error_set("%s: out of memory", in_path);
		goto done;
	}
	if (strcmp(rep->format, "none") == 0 &&
	    (err = file_size(&len, in_fd, in_path)) == CR_OK)
		err = copy_range(buf, out.fd, in_fd, 0, len, out.tmp);
	if (err < 0 ||
	    (err = same_bytes(&same, buf, in_fd, out.fd, out.tmp)) < 0)
		goto done;
	rep->unchanged = same;
	if (in_place && same) {
		err = CR_OK;
		goto done;
	}
	err = cr_atomic_commit(&out);
done:
	if (err < 0) {
		memset(rep, 0, sizeof(*rep));
		snprintf(rep->format, sizeof(rep->format), "none");
	}
	cr_atomic_abort(&out);
	if (in_fd >= 0)
		close(in_fd);
	free(buf);
	free(dircopy);
	return err;
}
