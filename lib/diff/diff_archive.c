/* Containers compared member by member: tar, zip, ar, cpio (libarchive) and gzip, xz, bzip2, zstd streams. */
#include "diff_int.h"
#include "sha256.h"
#include "util.h"
#include "text.h"
#include "write.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#define NAME_MAX_LEN 4096
#define ARCHIVE_BLOCK 65536
#define TYPE_HARDLINK 1u /* a pseudo file type: content is the target */

/* A member's time: ns is 0 but for mtime; set is 0 where the archive has none. */
struct stamp {
	int64_t t;
	long ns;
	int set;
};

/* One member as listed: what is compared, and where its bytes went. */
struct entry {
	char *name;
	size_t index;	  /* position in the archive */
	unsigned int occ; /* earlier members with the same name */
	unsigned int type;
	unsigned int perm;
	int64_t uid, gid;
	char *uname, *gname;
	struct stamp mtime, atime, ctime;
	char *link; /* symlink or hardlink target, or NULL */
	uint64_t size;
	unsigned char digest[CR_SHA256_LEN];
	int matched;
	int detail; /* content differs and is examined: spool it */
	int fd;	    /* spooled bytes, or -1 */
};

struct alist {
	struct entry *e;
	size_t n, alloc;
	char format[64];
	int broken; /* the listing stopped early: why says why */
	char why[256];
	uint64_t unpacked; /* bytes of content read */
};

/* One side's listing, run on a thread of its own. */
struct listjob {
	struct alist *l;
	int fd;
	uint64_t cap;
	int err;
	char error[512]; /* the thread's message, when err is CR_ERROR */
};

static void
alist_free(struct alist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->e[i].name);
		free(l->e[i].uname);
		free(l->e[i].gname);
		free(l->e[i].link);
		if (l->e[i].fd >= 0)
			close(l->e[i].fd);
	}
	free(l->e);
	memset(l, 0, sizeof(*l));
}

static char *
clean_dup(const char *s)
{
	size_t i, n;
	char *d;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	if (n > NAME_MAX_LEN)
		n = NAME_MAX_LEN;
	if ((d = malloc(n + 1)) == NULL)
		return NULL;
	for (i = 0; i < n; i++)
		d[i] = ((unsigned char)s[i] < ' ' || s[i] == 0x7f) ? '?' : s[i];
	d[n] = '\0';
	return d;
}

static struct archive *
reader_new(int fd)
{
	struct archive *a;

	if (lseek(fd, 0, SEEK_SET) < 0 || (a = archive_read_new()) == NULL)
		return NULL;
	archive_read_support_format_tar(a);
	archive_read_support_format_gnutar(a);
	archive_read_support_format_zip(a);
	archive_read_support_format_ar(a);
	archive_read_support_format_cpio(a);
	if (archive_read_open_fd(a, fd, ARCHIVE_BLOCK) != ARCHIVE_OK) {
		archive_read_free(a);
		return NULL;
	}
	return a;
}

static int
entry_fill(struct entry *e, struct archive_entry *ae, size_t index)
{
	const char *p = archive_entry_pathname(ae), *l;
	char buf[48];

	memset(e, 0, sizeof(*e));
	e->fd = -1;
	e->index = index;
	if (p == NULL || *p == '\0') {
		snprintf(buf, sizeof(buf), "(unnamed member %zu)", index);
		p = buf;
	}
	e->type = archive_entry_filetype(ae);
	e->perm = archive_entry_perm(ae);
	e->uid = archive_entry_uid(ae);
	e->gid = archive_entry_gid(ae);
	e->mtime.set = archive_entry_mtime_is_set(ae);
	e->mtime.t = archive_entry_mtime(ae);
	e->mtime.ns = archive_entry_mtime_nsec(ae);
	e->atime.set = archive_entry_atime_is_set(ae);
	e->atime.t = archive_entry_atime(ae);
	e->ctime.set = archive_entry_ctime_is_set(ae);
	e->ctime.t = archive_entry_ctime(ae);
	l = archive_entry_symlink(ae);
	if (l == NULL && (l = archive_entry_hardlink(ae)) != NULL)
		e->type = TYPE_HARDLINK;
	else if (e->type == 0)
		e->type = AE_IFREG; /* ar members carry no file type */
	if ((e->name = clean_dup(p)) == NULL ||
	    (archive_entry_uname(ae) &&
	     (e->uname = clean_dup(archive_entry_uname(ae))) == NULL) ||
	    (archive_entry_gname(ae) &&
	     (e->gname = clean_dup(archive_entry_gname(ae))) == NULL) ||
	    (l && (e->link = clean_dup(l)) == NULL))
		return cr_error_set("diff: out of memory");
	return CR_OK;
}

/*
 * Lists the members of the archive in fd with the SHA-256 of each one's
 * bytes, reading at most cap bytes of content. A damaged archive (or one
 * past the cap) is not an error: l->broken says where it stopped. CR_ERROR
 * when out of memory. l->unpacked receives the bytes read.
 */
static int
list_archive(struct alist *l, int fd, uint64_t cap)
{
	uint64_t unpacked = 0;
	struct archive *a = NULL;
	struct archive_entry *ae;
	struct cr_sha256 h = {0};
	struct entry *tmp, *e;
	unsigned char *buf = NULL;
	la_ssize_t r;
	int rc, err = CR_ERROR;

	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	if ((a = reader_new(fd)) == NULL) {
		l->broken = 1;
		snprintf(l->why, sizeof(l->why), "cannot be opened");
		err = CR_OK;
		goto done;
	}
	for (;;) {
		rc = archive_read_next_header(a, &ae);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			l->broken = 1;
			snprintf(l->why, sizeof(l->why), "%s",
				 archive_error_string(a)
					 ? archive_error_string(a)
					 : "unreadable header");
			break;
		}
		if (l->n == 0)
			snprintf(l->format, sizeof(l->format), "%s",
				 archive_format_name(a));
		if (l->n >= CR_DIFF_MAX_ENTRIES) {
			l->broken = 1;
			snprintf(l->why, sizeof(l->why),
				 "more than %u members: the rest not compared",
				 CR_DIFF_MAX_ENTRIES);
			break;
		}
		if (l->n == l->alloc) {
			l->alloc = l->alloc ? l->alloc * 2 : 64;
			if ((tmp = realloc(l->e, l->alloc * sizeof(*tmp))) ==
			    NULL) {
				cr_error_set("diff: out of memory");
				goto done;
			}
			l->e = tmp;
		}
		e = &l->e[l->n];
		if ((err = entry_fill(e, ae, l->n)) < 0) {
			free(e->name);
			free(e->uname);
			free(e->gname);
			free(e->link);
			goto done;
		}
		l->n++;
		err = CR_ERROR;
		if (cr_sha256_init(&h) < 0)
			goto done;
		while ((r = archive_read_data(a, buf, CR_STREAM_CHUNK)) > 0) {
			e->size += (uint64_t)r;
			unpacked += (uint64_t)r;
			if (unpacked > cap)
				break;
			if (cr_sha256_update(&h, buf, (size_t)r) < 0)
				goto done;
		}
		l->unpacked = unpacked;
		if (cr_sha256_final(&h, e->digest) < 0)
			goto done;
		if (r < 0 || unpacked > cap) {
			l->broken = 1;
			if (r < 0)
				snprintf(l->why, sizeof(l->why), "%s: %s",
					 e->name,
					 archive_error_string(a)
						 ? archive_error_string(a)
						 : "unreadable data");
			else
				snprintf(l->why, sizeof(l->why),
					 "%s: over the cap of %llu bytes "
					 "unpacked",
					 e->name, (unsigned long long)cap);
			/* Its digest is of a prefix: never call it equal. */
			e->digest[0] ^= 0xff;
			e->size = UINT64_MAX;
			break;
		}
	}
	err = CR_OK;
done:
	cr_sha256_dispose(&h);
	if (a)
		archive_read_free(a);
	free(buf);
	return err;
}

static void *
run_list(void *p)
{
	struct listjob *j = p;

	j->err = list_archive(j->l, j->fd, j->cap);
	if (j->err == CR_ERROR)
		snprintf(j->error, sizeof(j->error), "%s", cr_error_last());
	return NULL;
}

/*
 * Runs fn on side a and side b at once: b in a second thread when one can
 * be made, else after a.
 */
static void
run_both(void *(*fn)(void *), void *a, void *b)
{
	pthread_t th;
	int threaded = pthread_create(&th, NULL, fn, b) == 0;

	fn(a);
	if (threaded)
		pthread_join(th, NULL);
	else
		fn(b);
}

/* The message of side a's CR_ERROR, else of side b's, set again here. */
static int
first_error(int ea, const char *ma, int eb, const char *mb)
{
	if (ea == CR_ERROR)
		return cr_error_set("%s", ma);
	if (eb == CR_ERROR)
		return cr_error_set("%s", mb);
	return CR_OK;
}

/* Lists both archives at once (two threads when it can). */
static int
list_pair(struct cr_diff_ctx *c, struct alist *A, int fda, struct alist *B,
	  int fdb)
{
	struct listjob ja = {A, fda, 0, 0, ""}, jb = {B, fdb, 0, 0, ""};

	ja.cap = jb.cap =
		(c->max_unpack > c->unpacked ? c->max_unpack - c->unpacked
					     : 0) /
		2;
	run_both(run_list, &ja, &jb);
	c->unpacked += A->unpacked + B->unpacked;
	return first_error(ja.err, ja.error, jb.err, jb.error);
}

/* Writes the bytes of the members marked detail to spool files. */
static int
spool_members(struct cr_diff_ctx *c, struct alist *l, int fd)
{
	struct archive *a = NULL;
	struct archive_entry *ae;
	unsigned char *buf = NULL;
	size_t i, left = 0;
	la_ssize_t r;
	int err = CR_ERROR;

	for (i = 0; i < l->n; i++)
		left += l->e[i].detail;
	if (left == 0)
		return CR_OK;
	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	if ((a = reader_new(fd)) == NULL) {
		err = CR_OK; /* unexamined members are said so later */
		goto done;
	}
	for (i = 0; left > 0 && i < l->n; i++) {
		if (archive_read_next_header(a, &ae) < ARCHIVE_WARN)
			break;
		if (!l->e[i].detail)
			continue;
		left--;
		if (c->spooled + l->e[i].size > c->max_spool)
			continue;
		if ((err = cr_diff_spool_open(c, &l->e[i].fd)) < 0)
			goto done;
		err = CR_ERROR;
		while ((r = archive_read_data(a, buf, CR_STREAM_CHUNK)) > 0) {
			c->spooled += (uint64_t)r;
			if (c->spooled > c->max_spool)
				break;
			if (cr_write_all(l->e[i].fd, buf, (size_t)r) < 0) {
				cr_error_errno("diff: %s: spooling %s",
					       c->tmpdir, l->e[i].name);
				goto done;
			}
		}
		if (r != 0) {
			close(l->e[i].fd);
			l->e[i].fd = -1;
		}
	}
	err = CR_OK;
done:
	if (a)
		archive_read_free(a);
	free(buf);
	return err;
}

static int
cmp_name(const void *x, const void *y)
{
	const struct entry *a = *(const struct entry *const *)x;
	const struct entry *b = *(const struct entry *const *)y;

	return cr_diff_cmp_named(a->name, a->index, b->name, b->index);
}

static int
cmp_occ(const void *x, const void *y)
{
	const struct entry *a = *(const struct entry *const *)x;
	const struct entry *b = *(const struct entry *const *)y;

	return cr_diff_cmp_named(a->name, a->occ, b->name, b->occ);
}

static void
fmt_time(char *out, size_t len, int64_t t, long ns)
{
	char base[32];

	if (cr_format_time(base, t) < 0)
		snprintf(base, sizeof(base), "%lld", (long long)t);
	if (ns)
		snprintf(out, len, "%s (+%09ldns)", base, ns);
	else
		snprintf(out, len, "%s", base);
}

static const char *
type_name(unsigned int t)
{
	switch (t) {
	case AE_IFREG:
		return "file";
	case AE_IFDIR:
		return "directory";
	case AE_IFLNK:
		return "symlink";
	case TYPE_HARDLINK:
		return "hard link";
	default:
		return "special file";
	}
}

/* A time that differs: "-" on a side that does not set it. */
static int
time_meta(struct cr_diff_node *n, const char *field, const struct stamp *a,
	  const struct stamp *b)
{
	char sa[128], sb[128];

	fmt_time(sa, sizeof(sa), a->t, a->ns);
	fmt_time(sb, sizeof(sb), b->t, b->ns);
	return cr_diff_node_add_meta(n, field, a->set ? sa : "-",
				     b->set ? sb : "-");
}

/* Metadata that differs between two members of the same content. */
static int
entry_meta(struct cr_diff_node *n, const struct entry *a, const struct entry *b)
{
	char sa[128], sb[128];
	int err;

	/* mtime differs even where neither side sets it but the values do. */
	if ((a->mtime.set != b->mtime.set || a->mtime.t != b->mtime.t ||
	     a->mtime.ns != b->mtime.ns) &&
	    (err = time_meta(n, "mtime", &a->mtime, &b->mtime)) < 0)
		return err;
	if ((a->atime.set != b->atime.set ||
	     (a->atime.set && a->atime.t != b->atime.t)) &&
	    (err = time_meta(n, "atime", &a->atime, &b->atime)) < 0)
		return err;
	if ((a->ctime.set != b->ctime.set ||
	     (a->ctime.set && a->ctime.t != b->ctime.t)) &&
	    (err = time_meta(n, "ctime", &a->ctime, &b->ctime)) < 0)
		return err;
	if (a->uid != b->uid || a->gid != b->gid ||
	    strcmp(a->uname ? a->uname : "", b->uname ? b->uname : "") != 0 ||
	    strcmp(a->gname ? a->gname : "", b->gname ? b->gname : "") != 0) {
		snprintf(sa, sizeof(sa), "%lld:%lld (%.40s:%.40s)",
			 (long long)a->uid, (long long)a->gid,
			 a->uname ? a->uname : "", a->gname ? a->gname : "");
		snprintf(sb, sizeof(sb), "%lld:%lld (%.40s:%.40s)",
			 (long long)b->uid, (long long)b->gid,
			 b->uname ? b->uname : "", b->gname ? b->gname : "");
		if ((err = cr_diff_node_add_meta(n, "owner", sa, sb)) < 0)
			return err;
	}
	if (a->perm != b->perm) {
		snprintf(sa, sizeof(sa), "%04o", a->perm);
		snprintf(sb, sizeof(sb), "%04o", b->perm);
		if ((err = cr_diff_node_add_meta(n, "mode", sa, sb)) < 0)
			return err;
	}
	return CR_OK;
}

/* Names the first pair of common members that B holds in another order. */
static int
order_meta(struct cr_diff_node *n, const struct alist *A, struct entry **match)
{
	char sa[256], sb[256];
	size_t i, prev = SIZE_MAX;

	for (i = 0; i < A->n; i++) {
		if (match[i] == NULL)
			continue;
		if (prev != SIZE_MAX && match[i]->index < match[prev]->index) {
			snprintf(sa, sizeof(sa), "%.120s before %.120s",
				 A->e[prev].name, A->e[i].name);
			snprintf(sb, sizeof(sb), "%.120s before %.120s",
				 A->e[i].name, A->e[prev].name);
			return cr_diff_node_add_meta(n, "order", sa, sb);
		}
		prev = i;
	}
	return CR_OK;
}

static void
assign_occ(struct entry **s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		s[i]->occ = i > 0 && strcmp(s[i]->name, s[i - 1]->name) == 0
				    ? s[i - 1]->occ + 1
				    : 0;
}

/* A member's node before its bytes are looked at. */
static int
member_node(struct cr_diff_ctx *c, struct cr_diff_node **out, struct entry *ea,
	    struct entry *eb, size_t *ndetail)
{
	struct cr_diff_node *n;
	struct entry *e = ea ? ea : eb;
	char da[CR_SHA256_HEXLEN + 1], db[CR_SHA256_HEXLEN + 1];
	int err;

	*out = NULL;
	if ((n = cr_diff_node_new(c, e->name, type_name(e->type))) == NULL)
		return cr_error_set("diff: out of memory");
	if (ea == NULL || eb == NULL) {
		n->status = ea ? CR_DIFF_ONLY_A : CR_DIFF_ONLY_B;
		n->size_a = ea ? ea->size : 0;
		n->size_b = eb ? eb->size : 0;
		*out = n;
		return CR_OK;
	}
	n->size_a = ea->size;
	n->size_b = eb->size;
	if ((err = entry_meta(n, ea, eb)) < 0)
		goto fail;
	if (ea->type != eb->type) {
		n->status = CR_DIFF_CONTENT;
		err = cr_diff_node_add_meta(n, "type", type_name(ea->type),
					    type_name(eb->type));
	} else if (strcmp(ea->link ? ea->link : "", eb->link ? eb->link : "")) {
		n->status = CR_DIFF_CONTENT;
		err = cr_diff_node_add_meta(n, "link target",
					    ea->link ? ea->link : "",
					    eb->link ? eb->link : "");
	} else if (ea->size != eb->size ||
		   memcmp(ea->digest, eb->digest, CR_SHA256_LEN) != 0) {
		n->status = CR_DIFF_CONTENT;
		if (ea->size == UINT64_MAX || eb->size == UINT64_MAX) {
			n->unexplained = 1;
			err = cr_diff_node_note(
				n, "its bytes could not be read to "
				   "the end");
		} else if (ea->type == AE_IFREG &&
			   *ndetail < CR_DIFF_MAX_DETAIL) {
			ea->detail = eb->detail = 1;
			(*ndetail)++;
		} else {
			cr_hex_encode(da, ea->digest, CR_SHA256_LEN);
			cr_hex_encode(db, eb->digest, CR_SHA256_LEN);
			err = cr_diff_node_note(
				n,
				"content differs (sha256 %.16s... vs "
				"%.16s...); not examined: more than "
				"%u members differ",
				da, db, CR_DIFF_MAX_DETAIL);
		}
	} else if (n->nmeta > 0) {
		n->status = CR_DIFF_METADATA;
	}
	if (err < 0)
		goto fail;
	*out = n;
	return CR_OK;
fail:
	cr_diff_node_free(n);
	return err;
}

/* Compares the spooled bytes of a member whose digests differ. */
static int
member_detail(struct cr_diff_ctx *c, struct cr_diff_node *n, struct entry *ea,
	      struct entry *eb, unsigned int depth)
{
	int err;

	if (ea->fd < 0 || eb->fd < 0) {
		n->unexplained = 1;
		return cr_diff_node_note(
			n,
			"content differs; not examined: over the "
			"%llu-byte spool cap",
			(unsigned long long)c->max_spool);
	}
	if ((err = cr_diff_into(c, n, ea->fd, eb->fd, depth + 1)) < 0)
		return err;
	if (n->status != CR_DIFF_CONTENT) {
		n->status = CR_DIFF_CONTENT;
		n->unexplained = 1;
		return cr_diff_node_note(
			n, "digests differ but the extracted bytes "
			   "match");
	}
	return CR_OK;
}

int
cr_diff_archive(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
		unsigned int depth)
{
	struct alist A = {0}, B = {0};
	struct entry **sa = NULL, **sb = NULL, **match = NULL, *key, **hit;
	struct cr_diff_node **nodes = NULL;
	size_t i, k = 0, ndetail = 0, nnodes, own = n->nmeta;
	int err = CR_ERROR;

	if ((err = list_pair(c, &A, fda, &B, fdb)) < 0)
		goto done;
	if ((A.broken && A.n == 0) || (B.broken && B.n == 0)) {
		err = cr_diff_node_note(n,
					"%s: not a readable archive (%s): "
					"compared bytewise",
					A.broken && A.n == 0 ? "A" : "B",
					A.broken && A.n == 0 ? A.why : B.why);
		if (err == CR_OK)
			err = CR_EFAIL;
		goto done;
	}
	err = CR_ERROR;
	nnodes = A.n + B.n;
	if ((sa = malloc((A.n + 1) * sizeof(*sa))) == NULL ||
	    (sb = malloc((B.n + 1) * sizeof(*sb))) == NULL ||
	    (match = calloc(A.n + 1, sizeof(*match))) == NULL ||
	    (nodes = calloc(nnodes + 1, sizeof(*nodes))) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	for (i = 0; i < A.n; i++)
		sa[i] = &A.e[i];
	for (i = 0; i < B.n; i++)
		sb[i] = &B.e[i];
	qsort(sa, A.n, sizeof(*sa), cmp_name);
	qsort(sb, B.n, sizeof(*sb), cmp_name);
	assign_occ(sa, A.n);
	assign_occ(sb, B.n);
	for (i = 0; i < A.n; i++) {
		key = &A.e[i];
		hit = bsearch(&key, sb, B.n, sizeof(*sb), cmp_occ);
		if (hit) {
			match[i] = *hit;
			(*hit)->matched = 1;
		}
		if ((err = member_node(c, &nodes[k++], key, match[i],
				       &ndetail)) < 0)
			goto done;
	}
	for (i = 0; i < B.n; i++)
		if (!B.e[i].matched &&
		    (err = member_node(c, &nodes[k++], NULL, &B.e[i],
				       &ndetail)) < 0)
			goto done;
	if ((err = spool_members(c, &A, fda)) < 0 ||
	    (err = spool_members(c, &B, fdb)) < 0)
		goto done;
	n->total = k;
	for (i = 0; i < k; i++) {
		if (i < A.n && A.e[i].detail &&
		    (err = member_detail(c, nodes[i], &A.e[i], match[i],
					 depth)) < 0)
			goto done;
		if (i < A.n && A.e[i].detail) {
			close(A.e[i].fd);
			close(match[i]->fd);
			A.e[i].fd = match[i]->fd = -1;
		}
		switch (nodes[i]->status) {
		case CR_DIFF_SAME:
			cr_diff_node_free(nodes[i]);
			nodes[i] = NULL;
			continue;
		case CR_DIFF_CONTENT:
			n->ncontent++;
			break;
		case CR_DIFF_METADATA:
			n->nmetadata++;
			break;
		case CR_DIFF_ONLY_A:
			n->nonly_a++;
			break;
		case CR_DIFF_ONLY_B:
			n->nonly_b++;
			break;
		}
		err = cr_diff_node_add_child(c, n, nodes[i]);
		nodes[i] = NULL;
		if (err < 0)
			goto done;
	}
	if (strcmp(A.format, B.format) != 0 &&
	    (err = cr_diff_node_add_meta(n, "format", A.format, B.format)) < 0)
		goto done;
	if ((err = order_meta(n, &A, match)) < 0)
		goto done;
	if (A.broken || B.broken) {
		n->unexplained = 1;
		if ((err = cr_diff_node_note(n, "%s: archive read stopped: %s",
					     A.broken ? "A" : "B",
					     A.broken ? A.why : B.why)) < 0)
			goto done;
	}
	if (n->ncontent || n->nonly_a || n->nonly_b || n->unexplained) {
		n->status = CR_DIFF_CONTENT;
	} else if (n->nmetadata || n->nmeta > own) {
		n->status = CR_DIFF_METADATA;
	} else {
		n->status = CR_DIFF_CONTENT;
		n->unexplained = 1;
		err = cr_diff_node_note(n,
					"the archives' bytes differ, yet every "
					"member, its metadata and their order "
					"match");
	}
done:
	if (nodes)
		for (i = 0; i < nnodes; i++)
			cr_diff_node_free(nodes[i]);
	free(nodes);
	free(match);
	free(sa);
	free(sb);
	alist_free(&A);
	alist_free(&B);
	return err;
}

/* The fields of a gzip member header that builds leak into. */
struct gzhead {
	int ok;
	unsigned int flags, xfl, os;
	uint32_t mtime;
	char name[256];
	char comment[256];
};

static void
read_gzhead(struct gzhead *g, int fd)
{
	unsigned char h[4096];
	ssize_t n;
	size_t p = 10, k;

	memset(g, 0, sizeof(*g));
	if ((n = cr_pread_full(fd, h, sizeof(h), 0)) < 10 || h[0] != 0x1f ||
	    h[1] != 0x8b)
		return;
	g->flags = h[3];
	g->mtime = (uint32_t)h[4] | (uint32_t)h[5] << 8 | (uint32_t)h[6] << 16 |
		   (uint32_t)h[7] << 24;
	g->xfl = h[8];
	g->os = h[9];
	if ((g->flags & 4) && p + 2 <= (size_t)n)
		p += 2 + ((size_t)h[p] | (size_t)h[p + 1] << 8);
	if (g->flags & 8) {
		for (k = 0; p < (size_t)n && h[p]; p++)
			if (k + 1 < sizeof(g->name))
				g->name[k++] = (h[p] >= ' ' && h[p] < 0x7f)
						       ? (char)h[p]
						       : '?';
		p++;
	}
	if (g->flags & 16) {
		for (k = 0; p < (size_t)n && h[p]; p++)
			if (k + 1 < sizeof(g->comment))
				g->comment[k++] = (h[p] >= ' ' && h[p] < 0x7f)
							  ? (char)h[p]
							  : '?';
	}
	g->ok = 1;
}

static int
gz_meta(struct cr_diff_node *n, const struct gzhead *a, const struct gzhead *b)
{
	char sa[64], sb[64];
	int err;

	if (!a->ok || !b->ok)
		return CR_OK;
	if (a->mtime != b->mtime) {
		if (a->mtime)
			fmt_time(sa, sizeof(sa), a->mtime, 0);
		else
			snprintf(sa, sizeof(sa), "0 (none)");
		if (b->mtime)
			fmt_time(sb, sizeof(sb), b->mtime, 0);
		else
			snprintf(sb, sizeof(sb), "0 (none)");
		if ((err = cr_diff_node_add_meta(n, "gzip mtime", sa, sb)) < 0)
			return err;
	}
	if (strcmp(a->name, b->name) != 0 &&
	    (err = cr_diff_node_add_meta(n, "gzip name", a->name, b->name)) < 0)
		return err;
	if (strcmp(a->comment, b->comment) != 0 &&
	    (err = cr_diff_node_add_meta(n, "gzip comment", a->comment,
					 b->comment)) < 0)
		return err;
	if (a->os != b->os) {
		snprintf(sa, sizeof(sa), "%u", a->os);
		snprintf(sb, sizeof(sb), "%u", b->os);
		if ((err = cr_diff_node_add_meta(n, "gzip os", sa, sb)) < 0)
			return err;
	}
	if (a->xfl != b->xfl) {
		snprintf(sa, sizeof(sa), "%u", a->xfl);
		snprintf(sb, sizeof(sb), "%u", b->xfl);
		if ((err = cr_diff_node_add_meta(n, "gzip level flag", sa,
						 sb)) < 0)
			return err;
	}
	return CR_OK;
}

/* One side's decompression into a spool file, run on a thread of its own. */
struct unpack {
	enum cr_diff_fmt f;
	int in, out;
	uint64_t cap; /* bytes it may write */
	uint64_t written;
	uint64_t end; /* gzip: where the compressed members ended */
	const char *tmpdir;
	int err;
	char msg[256];	 /* why, when err is CR_EFAIL */
	char error[512]; /* the thread's message, when err is CR_ERROR */
};

static int
spool_write(struct unpack *u, const void *buf, size_t len)
{
	u->written += len;
	if (u->written > u->cap) {
		snprintf(u->msg, sizeof(u->msg),
			 "decompressed size over the cap");
		return CR_EFAIL;
	}
	if (cr_write_all(u->out, buf, len) < 0)
		return cr_error_errno("diff: %s: spooling", u->tmpdir);
	return CR_OK;
}

/*
 * Inflates the gzip members of in (one after the other) into out. *end
 * receives where the last member ended: bytes after it are not gzip.
 * CR_EFAIL with msg when the data is corrupt or over the caps.
 */
static int
gunzip(struct unpack *u)
{
	uint64_t *end = &u->end;
	char *msg = u->msg;
	size_t msglen = sizeof(u->msg);
	int in = u->in;
	unsigned char *ib = NULL, *ob = NULL;
	uint64_t off = 0, base = 0;
	z_stream z;
	ssize_t r;
	int zr = Z_OK, err = CR_ERROR, init = 0;
	size_t have;

	memset(&z, 0, sizeof(z));
	*end = 0;
	if ((ib = malloc(CR_STREAM_CHUNK)) == NULL ||
	    (ob = malloc(CR_STREAM_CHUNK)) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		cr_error_set("diff: zlib: cannot initialise");
		goto done;
	}
	init = 1;
	for (;;) {
		if (z.avail_in == 0) {
			if ((r = cr_pread_full(in, ib, CR_STREAM_CHUNK, off)) <
			    0) {
				cr_error_errno("diff: read");
				goto done;
			}
			if (r == 0) {
				snprintf(msg, msglen, "truncated gzip stream");
				err = CR_EFAIL;
				goto done;
			}
			base = off;
			off += (uint64_t)r;
			z.next_in = ib;
			z.avail_in = (uInt)r;
		}
		z.next_out = ob;
		z.avail_out = CR_STREAM_CHUNK;
		zr = inflate(&z, Z_NO_FLUSH);
		have = CR_STREAM_CHUNK - z.avail_out;
		if (have && (err = spool_write(u, ob, have)) != CR_OK)
			goto done;
		err = CR_ERROR;
		if (zr == Z_STREAM_END) {
			*end = base + (uint64_t)(z.next_in - ib);
			/* Another member follows only if its magic does. */
			if (z.avail_in == 0) {
				unsigned char m[2];

				if (cr_pread_full(in, m, 2, *end) != 2 ||
				    m[0] != 0x1f || m[1] != 0x8b)
					break;
			} else if (z.avail_in < 2 || z.next_in[0] != 0x1f ||
				   z.next_in[1] != 0x8b) {
				break;
			}
			inflateReset(&z);
			continue;
		}
		if (zr != Z_OK && zr != Z_BUF_ERROR) {
			snprintf(msg, msglen, "corrupt gzip data: %s",
				 z.msg ? z.msg : "error");
			err = CR_EFAIL;
			goto done;
		}
	}
	err = CR_OK;
done:
	if (init)
		inflateEnd(&z);
	free(ib);
	free(ob);
	return err;
}

/* Decompresses xz, bzip2 or zstd through libarchive's own decoders. */
static int
unpack_other(struct unpack *u)
{
	enum cr_diff_fmt f = u->f;
	char *msg = u->msg;
	size_t msglen = sizeof(u->msg);
	int in = u->in;
	struct archive *a = NULL;
	struct archive_entry *ae;
	unsigned char *buf = NULL;
	la_ssize_t r;
	int rc, err = CR_ERROR;

	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		cr_error_set("diff: out of memory");
		goto done;
	}
	if (lseek(in, 0, SEEK_SET) < 0 || (a = archive_read_new()) == NULL) {
		cr_error_errno("diff: read");
		goto done;
	}
	/* Only built-in decoders: ARCHIVE_WARN means an external program. */
	rc = f == CR_DIFF_FMT_XZ      ? archive_read_support_filter_xz(a)
	     : f == CR_DIFF_FMT_BZIP2 ? archive_read_support_filter_bzip2(a)
				      : archive_read_support_filter_zstd(a);
	if (rc != ARCHIVE_OK) {
		snprintf(msg, msglen, "no built-in %s decoder",
			 cr_diff_fmt_name(f));
		err = CR_EFAIL;
		goto done;
	}
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in, ARCHIVE_BLOCK) != ARCHIVE_OK ||
	    archive_read_next_header(a, &ae) != ARCHIVE_OK) {
		snprintf(msg, msglen, "%s",
			 archive_error_string(a) ? archive_error_string(a)
						 : "cannot decompress");
		err = CR_EFAIL;
		goto done;
	}
	while ((r = archive_read_data(a, buf, CR_STREAM_CHUNK)) > 0)
		if ((err = spool_write(u, buf, (size_t)r)) != CR_OK)
			goto done;
	if (r < 0) {
		snprintf(msg, msglen, "%s",
			 archive_error_string(a) ? archive_error_string(a)
						 : "corrupt data");
		err = CR_EFAIL;
		goto done;
	}
	err = CR_OK;
done:
	if (a)
		archive_read_free(a);
	free(buf);
	return err;
}

static void *
run_unpack(void *p)
{
	struct unpack *u = p;

	u->err = u->f == CR_DIFF_FMT_GZIP ? gunzip(u) : unpack_other(u);
	if (u->err == CR_ERROR)
		snprintf(u->error, sizeof(u->error), "%s", cr_error_last());
	return NULL;
}

/* Decompresses both sides at once (two threads when it can). */
static int
unpack_pair(struct cr_diff_ctx *c, struct unpack *ua, struct unpack *ub)
{
	uint64_t room_s, room_u;

	room_s = c->max_spool > c->spooled ? c->max_spool - c->spooled : 0;
	room_u = c->max_unpack > c->unpacked ? c->max_unpack - c->unpacked : 0;
	ua->cap = ub->cap = (room_s < room_u ? room_s : room_u) / 2;
	ua->tmpdir = ub->tmpdir = c->tmpdir;
	run_both(run_unpack, ua, ub);
	c->spooled += ua->written + ub->written;
	c->unpacked += ua->written + ub->written;
	return first_error(ua->err, ua->error, ub->err, ub->error);
}

/* The name of what a compressed file holds: "x.tar" for "x.tar.gz". */
static void
inner_name(char *out, size_t len, const char *name)
{
	static const char *const sfx[][2] = {
		{".tgz", ".tar"},  {".taz", ".tar"},  {".txz", ".tar"},
		{".tbz2", ".tar"}, {".tzst", ".tar"}, {".gz", ""},
		{".xz", ""},	   {".bz2", ""},      {".zst", ""},
	};
	const char *base = strrchr(name, '/');
	size_t i, n, k;

	base = base ? base + 1 : name;
	n = strlen(base);
	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		k = strlen(sfx[i][0]);
		if (n > k && strcmp(base + n - k, sfx[i][0]) == 0) {
			snprintf(out, len, "%.*s%s", (int)(n - k), base,
				 sfx[i][1]);
			return;
		}
	}
	snprintf(out, len, "%.200s (decompressed)", base);
}

int
cr_diff_compressed(struct cr_diff_ctx *c, struct cr_diff_node *n,
		   enum cr_diff_fmt f, int fda, int fdb, unsigned int depth)
{
	struct cr_diff_node *child = NULL, *tail = NULL;
	struct gzhead ga, gb;
	struct cr_diff_span pa, pb;
	struct stat sta, stb;
	struct unpack ua, ub;
	uint64_t ea = 0, eb = 0;
	char name[256];
	int ta = -1, tb = -1, err;
	size_t own = n->nmeta;

	if ((err = cr_diff_spool_open(c, &ta)) < 0 ||
	    (err = cr_diff_spool_open(c, &tb)) < 0)
		goto done;
	memset(&ua, 0, sizeof(ua));
	memset(&ub, 0, sizeof(ub));
	ua.f = ub.f = f;
	ua.in = fda;
	ua.out = ta;
	ub.in = fdb;
	ub.out = tb;
	if ((err = unpack_pair(c, &ua, &ub)) < 0)
		goto done;
	if (ua.err == CR_EFAIL || ub.err == CR_EFAIL) {
		err = cr_diff_node_note(n,
					"%s: cannot decompress (%s): compared "
					"bytewise",
					ua.err == CR_EFAIL ? "A" : "B",
					ua.err == CR_EFAIL ? ua.msg : ub.msg);
		err = err < 0 ? err : CR_EFAIL;
		goto done;
	}
	ea = ua.end;
	eb = ub.end;
	if (f == CR_DIFF_FMT_GZIP) {
		read_gzhead(&ga, fda);
		read_gzhead(&gb, fdb);
		if ((err = gz_meta(n, &ga, &gb)) < 0)
			goto done;
	}
	inner_name(name, sizeof(name), n->name);
	if ((child = cr_diff_node_new(c, name, "data")) == NULL) {
		err = cr_error_set("diff: out of memory");
		goto done;
	}
	if ((err = cr_diff_into(c, child, ta, tb, depth + 1)) < 0)
		goto done;
	n->status =
		child->status == CR_DIFF_SAME ? CR_DIFF_SAME : child->status;
	if (child->status != CR_DIFF_SAME) {
		err = cr_diff_node_add_child(c, n, child);
		child = NULL;
		if (err < 0)
			goto done;
	}
	if (f == CR_DIFF_FMT_GZIP) {
		if (fstat(fda, &sta) < 0 || fstat(fdb, &stb) < 0) {
			err = cr_error_errno("diff: %s: stat", n->name);
			goto done;
		}
		pa.off = ea;
		pa.len = (uint64_t)sta.st_size - ea;
		pb.off = eb;
		pb.len = (uint64_t)stb.st_size - eb;
		if ((tail = cr_diff_node_new(c, "(after the gzip stream)",
					     "data")) == NULL) {
			err = cr_error_set("diff: out of memory");
			goto done;
		}
		tail->klass = CR_DIFF_CLASS_NONE;
		if ((err = cr_diff_spans(c, tail, fda, &pa, 1, fdb, &pb, 1,
					 1)) < 0)
			goto done;
		if (tail->status != CR_DIFF_SAME) {
			n->status = CR_DIFF_CONTENT;
			if ((err = cr_diff_node_note(tail,
						     "bytes appended after the "
						     "compressed data")) < 0)
				goto done;
			err = cr_diff_node_add_child(c, n, tail);
			tail = NULL;
			if (err < 0)
				goto done;
		}
	}
	if (n->status == CR_DIFF_SAME) {
		/* Same content, different compressed bytes. */
		n->status = CR_DIFF_METADATA;
		if (n->nmeta == own &&
		    (err = cr_diff_node_add_meta(
			     n, "compression",
			     "same content, compressed differently", "")) < 0)
			goto done;
		if (f != CR_DIFF_FMT_GZIP) {
			n->unexplained = 1;
			err = cr_diff_node_note(
				n, "the decompressed bytes match; the "
				   "compressed ones differ, and "
				   "trailing data is not accounted "
				   "for");
		}
	}
	n->total = 1;
done:
	cr_diff_node_free(child);
	cr_diff_node_free(tail);
	if (ta >= 0)
		close(ta);
	if (tb >= 0)
		close(tb);
	return err;
}
