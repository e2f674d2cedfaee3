/* The source tree hash of an archive's members, read through libarchive. */
#include "tree.h"
#include "error.h"
#include "archive_policy.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

/*
 * Decompression and hashing overlap: the reading thread decompresses each
 * member's data into the slots of a small ring, a hashing thread hashes
 * them in order. A slot that ends a blob carries its entry's index and
 * gets its id, which the reading thread copies into the entry when it
 * takes the slot back (only the reading thread touches the tree).
 */
#define HRING 32
/* Slots handed over at once: fewer wake-ups for many small members. */
#define HBATCH 16

enum { S_BEGIN = 1, S_END = 2 };

struct hslot {
	unsigned char *buf;
	size_t len;
	unsigned int flags;
	uint64_t size;			  /* S_BEGIN: the blob's size */
	size_t idx;			  /* S_END: its entry */
	unsigned char oid[CR_SHA256_LEN]; /* S_END: its id, once hashed */
};

struct hasher {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t tid;
	int inited;
	int running; /* a thread hashes; else each slot when put */
	struct hslot slots[HRING];
	/* Slots handed over and hashed; a side sleeps under lock only when
	 * the other has nothing for it, and says so in a flag. */
	atomic_uint_fast64_t filled, hashed;
	atomic_int hasher_sleeps, reader_sleeps;
	uint64_t queued;    /* put, by the reading thread */
	uint64_t reclaimed; /* taken back, by the reading thread */
	size_t unsent;	    /* bytes put but not yet handed over */
	int quit;	    /* under lock */
	int err;	    /* the hashing's failure, read after a drain */
	char msg[512];
	EVP_MD_CTX *ctx;
	EVP_MD *md;
};

struct arc {
	struct cr_archive *ca;
	struct archive *a; /* ca's reader, for the data */
	struct cr_tree *t;
	const char *file; /* the archive, for messages */
	unsigned int strip;
	const struct cr_tree_opts *opts;
	unsigned char *buf;
	uint64_t bytes; /* decompressed so far */
	uint64_t members;
	int64_t newest;
	size_t *slots; /* path index: entry index + 1, or 0 */
	size_t nslots;
	int spool; /* unlinked temporary file, or -1 */
	struct hasher h;
	struct hslot *pending; /* the slot a blob's end goes in */
};

static size_t
hash_str(const char *s)
{
	size_t h = 14695981039346656037ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The index of path among the members collected, or -1. */
static long
lookup(const struct arc *c, const char *path)
{
	size_t i, v;

	if (c->nslots == 0)
		return -1;
	for (i = hash_str(path) & (c->nslots - 1); (v = c->slots[i]) != 0;
	     i = (i + 1) & (c->nslots - 1))
		if (strcmp(c->t->entries[v - 1].path, path) == 0)
			return (long)(v - 1);
	return -1;
}

static int
index_last(struct arc *c)
{
	size_t i, j, n, *ns;

	if (c->t->count * 2 > c->nslots) {
		n = c->nslots ? c->nslots * 2 : 1024;
		if ((ns = calloc(n, sizeof(*ns))) == NULL)
			return cr_error_set("%s: out of memory", c->file);
		for (j = 0; j + 1 < c->t->count; j++) {
			i = hash_str(c->t->entries[j].path) & (n - 1);
			while (ns[i] != 0)
				i = (i + 1) & (n - 1);
			ns[i] = j + 1;
		}
		free(c->slots);
		c->slots = ns;
		c->nslots = n;
	}
	i = hash_str(c->t->entries[c->t->count - 1].path) & (c->nslots - 1);
	while (c->slots[i] != 0)
		i = (i + 1) & (c->nslots - 1);
	c->slots[i] = c->t->count;
	return CR_OK;
}

static int
add(struct arc *c, const char *raw, const char *path, unsigned int mode,
    const unsigned char oid[CR_SHA256_LEN], uint64_t size)
{
	int err;

	if (lookup(c, path) >= 0)
		return cr_error_set("%s: member '%s': '%s' listed twice",
				    c->file, raw, path);
	if ((err = cr_tree_add(c->t, path, mode, oid, size)) < 0)
		return err;
	return index_last(c);
}

/*
 * Turns a member name into a tree path in out: no leading "./", no
 * trailing '/' (for directories), opts->strip_components parts dropped.
 * Sets *skip when nothing is left. Refuses absolute names, "..", "." and
 * empty parts anywhere, before stripping, so no part can hide one.
 * Returns why the name is refused, or NULL.
 */
static const char *
normalize(const struct arc *c, const char *raw, int isdir, char *out, int *skip)
{
	const char *p = raw, *q, *end, *s;
	size_t len, n;
	unsigned int parts = 0;

	*skip = 0;
	if (*p == '/')
		return "absolute path";
	while (p[0] == '.' && p[1] == '/')
		p += 2;
	len = strlen(p);
	if (isdir)
		while (len > 0 && p[len - 1] == '/')
			len--;
	if (len == 0 || (len == 1 && p[0] == '.')) {
		*skip = 1; /* the root itself */
		return NULL;
	}
	if (len > CR_TREE_MAX_PATH)
		return "path too long";
	end = p + len;
	for (q = p; q <= end; q += n + 1) {
		s = memchr(q, '/', (size_t)(end - q));
		n = s ? (size_t)(s - q) : (size_t)(end - q);
		if (n == 0)
			return "empty path component";
		if (n == 2 && q[0] == '.' && q[1] == '.')
			return "'..' in path";
		if (n == 1 && q[0] == '.')
			return "'.' in path";
		if (parts++ == c->strip)
			p = q;
	}
	if (parts <= c->strip) {
		*skip = 1;
		return NULL;
	}
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return NULL;
}

static int
count_bytes(struct arc *c, const char *raw, uint64_t n)
{
	if (n > CR_ARCHIVE_MAX_BYTES || c->bytes + n > CR_ARCHIVE_MAX_BYTES)
		return cr_error_set(
			"%s: member '%s': more than %llu GiB "
			"decompressed",
			c->file, raw,
			(unsigned long long)(CR_ARCHIVE_MAX_BYTES >> 30));
	c->bytes += n;
	return CR_OK;
}

static int
read_fail(struct arc *c, const char *raw)
{
	const char *m = archive_error_string(c->a);

	return cr_error_set("%s: member '%s': %s", c->file, raw,
			    m != NULL ? m : "read error");
}

/* Hashes one slot, in order; the first failure is kept for the reader. */
static void
hash_slot(struct hasher *h, struct hslot *s)
{
	char head[32];
	unsigned int len;
	int hl;

	if (h->err < 0)
		return;
	if (s->flags & S_BEGIN) {
		hl = snprintf(head, sizeof(head), "blob %llu",
			      (unsigned long long)s->size);
		if (EVP_DigestInit_ex2(h->ctx, h->md, NULL) != 1 ||
		    EVP_DigestUpdate(h->ctx, head, (size_t)hl + 1) != 1)
			goto fail;
	}
	if (s->len > 0 && EVP_DigestUpdate(h->ctx, s->buf, s->len) != 1)
		goto fail;
	if ((s->flags & S_END) && EVP_DigestFinal_ex(h->ctx, s->oid, &len) != 1)
		goto fail;
	return;
fail:
	h->err = cr_error_openssl("sha256");
	snprintf(h->msg, sizeof(h->msg), "%s", cr_error_last());
}

static void *
hash_main(void *arg)
{
	struct hasher *h = arg;
	uint64_t i = 0, end;

	for (;;) {
		end = atomic_load(&h->filled);
		if (end == i) {
			pthread_mutex_lock(&h->lock);
			atomic_store(&h->hasher_sleeps, 1);
			while ((end = atomic_load(&h->filled)) == i && !h->quit)
				pthread_cond_wait(&h->cond, &h->lock);
			atomic_store(&h->hasher_sleeps, 0);
			pthread_mutex_unlock(&h->lock);
			if (end == i)
				break;
		}
		for (; i < end; i++)
			hash_slot(h, &h->slots[i % HRING]);
		atomic_store(&h->hashed, end);
		if (atomic_load(&h->reader_sleeps)) {
			pthread_mutex_lock(&h->lock);
			pthread_cond_broadcast(&h->cond);
			pthread_mutex_unlock(&h->lock);
		}
	}
	return NULL;
}

/* Takes back the oldest hashed slot, copying a blob's id to its entry. */
static void
reclaim(struct arc *c)
{
	struct hslot *s = &c->h.slots[c->h.reclaimed % HRING];

	if ((s->flags & S_END) && c->h.err == CR_OK)
		memcpy(c->t->entries[s->idx].oid, s->oid, CR_SHA256_LEN);
	c->h.reclaimed++;
}

/* Hands the slots put so far to the hashing thread. */
static void
publish(struct hasher *h)
{
	if (!h->running || atomic_load(&h->filled) == h->queued)
		return;
	atomic_store(&h->filled, h->queued);
	h->unsent = 0;
	if (atomic_load(&h->hasher_sleeps)) {
		pthread_mutex_lock(&h->lock);
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
	}
}

/* Waits until the hashing thread has hashed more than n slots. */
static void
wait_hashed(struct hasher *h, uint64_t n)
{
	if (atomic_load(&h->hashed) > n)
		return;
	pthread_mutex_lock(&h->lock);
	atomic_store(&h->reader_sleeps, 1);
	while (atomic_load(&h->hashed) <= n)
		pthread_cond_wait(&h->cond, &h->lock);
	atomic_store(&h->reader_sleeps, 0);
	pthread_mutex_unlock(&h->lock);
}

/* A free slot to fill, waiting for the hashing thread if need be. */
static struct hslot *
slot_get(struct arc *c)
{
	struct hasher *h = &c->h;
	struct hslot *s;

	if (h->queued - h->reclaimed == HRING) {
		publish(h);
		wait_hashed(h, h->reclaimed);
		reclaim(c);
	}
	s = &h->slots[h->queued % HRING];
	s->len = 0;
	s->flags = 0;
	return s;
}

/* Hands the slot slot_get gave to the hashing. */
static void
slot_put(struct arc *c)
{
	struct hasher *h = &c->h;

	if (!h->running) {
		hash_slot(h, &h->slots[h->queued % HRING]);
		h->queued++;
		atomic_store(&h->filled, h->queued);
		atomic_store(&h->hashed, h->queued);
		return;
	}
	h->unsent += h->slots[h->queued % HRING].len;
	h->queued++;
	if (h->queued - atomic_load(&h->filled) >= HBATCH ||
	    h->unsent >= CR_STREAM_CHUNK)
		publish(h);
}

/* Waits until every slot put is hashed and its id in its entry. */
static int
drain(struct arc *c)
{
	struct hasher *h = &c->h;

	if (h->running && h->queued > 0) {
		publish(h);
		wait_hashed(h, h->queued - 1);
	}
	while (h->reclaimed != h->queued)
		reclaim(c);
	if (h->err < 0)
		return cr_error_set("%s: %s", c->file, h->msg);
	return CR_OK;
}

/*
 * A member whose size the header gives: its data streamed into the ring.
 * On success the slot that will end the blob is left in c->pending, for
 * finish_blob() once the entry exists.
 */
static int
hash_sized(struct arc *c, const char *raw, uint64_t size)
{
	struct hslot *s;
	uint64_t total = 0;
	la_ssize_t n;
	int err;

	s = slot_get(c);
	s->flags = S_BEGIN;
	s->size = size;
	while (total < size) {
		if (s->len > 0) {
			slot_put(c);
			s = slot_get(c);
		}
		n = archive_read_data(c->a, s->buf, CR_STREAM_CHUNK);
		if (n < 0)
			return read_fail(c, raw);
		if (n == 0)
			return cr_error_set("%s: member '%s': truncated (%llu "
					    "of %llu bytes)",
					    c->file, raw,
					    (unsigned long long)total,
					    (unsigned long long)size);
		if ((uint64_t)n > size - total)
			return cr_error_set("%s: member '%s': more data than "
					    "its header says",
					    c->file, raw);
		if ((err = count_bytes(c, raw, (uint64_t)n)) < 0)
			return err;
		total += (uint64_t)n;
		s->len = (size_t)n;
	}
	/* Its end: nothing more may come. The last slot waits for it. */
	if ((n = archive_read_data(c->a, c->buf, CR_STREAM_CHUNK)) < 0)
		return read_fail(c, raw);
	if (n > 0)
		return cr_error_set("%s: member '%s': more data than its "
				    "header says",
				    c->file, raw);
	c->pending = s;
	return CR_OK;
}

/* Ends the blob hash_sized() streamed: its id goes to entry idx. */
static void
finish_blob(struct arc *c, size_t idx)
{
	c->pending->flags |= S_END;
	c->pending->idx = idx;
	c->pending = NULL;
	slot_put(c);
}

/* Starts the hashing thread (or hashes in the reading thread). */
static int
hasher_start(struct arc *c, const struct cr_tree_opts *opts)
{
	struct hasher *h = &c->h;
	size_t i;

	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->cond, NULL);
	atomic_init(&h->filled, 0);
	atomic_init(&h->hashed, 0);
	atomic_init(&h->hasher_sleeps, 0);
	atomic_init(&h->reader_sleeps, 0);
	h->inited = 1;
	if ((h->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return cr_error_openssl("sha256");
	if ((h->ctx = EVP_MD_CTX_new()) == NULL)
		return cr_error_set("%s: out of memory", c->file);
	for (i = 0; i < HRING; i++)
		if ((h->slots[i].buf = malloc(CR_STREAM_CHUNK)) == NULL)
			return cr_error_set("%s: out of memory", c->file);
	/* A thread that fails to start only means no overlap. */
	if ((opts == NULL || opts->threads != 1) &&
	    pthread_create(&h->tid, NULL, hash_main, h) == 0)
		h->running = 1;
	return CR_OK;
}

static void
hasher_stop(struct hasher *h)
{
	size_t i;

	if (!h->inited)
		return;
	if (h->running) {
		pthread_mutex_lock(&h->lock);
		h->quit = 1;
		pthread_cond_broadcast(&h->cond);
		pthread_mutex_unlock(&h->lock);
		pthread_join(h->tid, NULL);
		h->running = 0;
	}
	for (i = 0; i < HRING; i++)
		free(h->slots[i].buf);
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->md);
	pthread_cond_destroy(&h->cond);
	pthread_mutex_destroy(&h->lock);
}

static int
open_spool(struct arc *c)
{
	const char *dir = getenv("TMPDIR");
	char tmpl[4096];
	int fd;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(tmpl, sizeof(tmpl), "%s/cleanroom-spool.XXXXXX", dir);
		if ((fd = mkostemp(tmpl, O_CLOEXEC)) < 0)
			return cr_error_errno("%s: temporary file in %s",
					      c->file, dir);
		unlink(tmpl);
	}
	c->spool = fd;
	return CR_OK;
}

/*
 * A member of unknown size (a streamed zip entry): spooled to an unlinked
 * temporary file first, since the blob header needs the size.
 */
static int
hash_spooled(struct arc *c, const char *raw, uint64_t *size,
	     unsigned char oid[CR_SHA256_LEN])
{
	char head[32];
	uint64_t total = 0, got = 0;
	la_ssize_t n;
	ssize_t w;
	size_t off;
	int hl, err;

	if (c->spool < 0 && (err = open_spool(c)) < 0)
		return err;
	if (ftruncate(c->spool, 0) < 0 || lseek(c->spool, 0, SEEK_SET) < 0)
		return cr_error_errno("%s: temporary file", c->file);
	for (;;) {
		n = archive_read_data(c->a, c->buf, CR_STREAM_CHUNK);
		if (n < 0)
			return read_fail(c, raw);
		if (n == 0)
			break;
		if ((err = count_bytes(c, raw, (uint64_t)n)) < 0)
			return err;
		for (off = 0; off < (size_t)n; off += (size_t)w) {
			w = write(c->spool, c->buf + off, (size_t)n - off);
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w < 0)
				return cr_error_errno("%s: temporary file",
						      c->file);
		}
		total += (uint64_t)n;
	}
	if (lseek(c->spool, 0, SEEK_SET) < 0)
		return cr_error_errno("%s: temporary file", c->file);
	hl = snprintf(head, sizeof(head), "blob %llu",
		      (unsigned long long)total);
	if ((err = cr_sha256_fd(oid, &got, c->spool, head, (size_t)hl + 1,
				"temporary file")) < 0)
		return err;
	if (got != total)
		return cr_error_set("%s: member '%s': temporary file changed",
				    c->file, raw);
	*size = total;
	return CR_OK;
}

static const char *
kind(unsigned int type)
{
	switch (type) {
	case AE_IFCHR:
		return "a character device";
	case AE_IFBLK:
		return "a block device";
	case AE_IFIFO:
		return "a FIFO";
	case AE_IFSOCK:
		return "a socket";
	default:
		return "of an unknown type";
	}
}

static int
member(struct arc *c, const struct cr_archive_member *am)
{
	struct archive_entry *e = am->e;
	char path[CR_TREE_MAX_PATH + 1], target[CR_TREE_MAX_PATH + 1];
	unsigned char oid[CR_SHA256_LEN];
	const char *raw, *link, *why;
	unsigned int type = am->type, mode;
	uint64_t size = 0;
	int64_t s;
	long i;
	int skip, tskip, err;

	raw = am->raw;
	if (archive_entry_mtime_is_set(e) &&
	    (int64_t)archive_entry_mtime(e) > c->newest)
		c->newest = (int64_t)archive_entry_mtime(e);
	/*
	 * Data not hashed (of a directory, a link, a stripped member) is
	 * still decompressed to be skipped: it counts against the cap too.
	 */
	if (archive_entry_size_is_set(e) && archive_entry_size(e) > 0 &&
	    (type != AE_IFREG || am->hardlink != NULL) &&
	    (err = count_bytes(c, raw, (uint64_t)archive_entry_size(e))) < 0)
		return err;
	if ((why = normalize(c, raw, type == AE_IFDIR, path, &skip)) != NULL)
		return cr_error_set("%s: member '%.512s': %s", c->file, raw,
				    why);
	if ((link = am->hardlink_raw) != NULL) {
		if ((why = normalize(c, link, 0, target, &tskip)) != NULL)
			return cr_error_set("%s: member '%.256s': hard link "
					    "to '%.256s': %s",
					    c->file, raw, link, why);
		if (skip)
			return CR_OK;
		if (tskip || (i = lookup(c, target)) < 0)
			return cr_error_set("%s: member '%s': hard link to "
					    "'%s', not an earlier file",
					    c->file, raw, link);
		/* The target's id may still be being hashed. */
		if ((err = drain(c)) < 0)
			return err;
		/* Copy first: adding may move the entries. */
		memcpy(oid, c->t->entries[i].oid, CR_SHA256_LEN);
		return add(c, raw, path, c->t->entries[i].mode, oid,
			   c->t->entries[i].size);
	}
	switch (type) {
	case AE_IFDIR:
		return CR_OK; /* implied by the files in it */
	case AE_IFREG:
		if (skip) {
			if (archive_entry_size_is_set(e) &&
			    archive_entry_size(e) > 0)
				return count_bytes(
					c, raw,
					(uint64_t)archive_entry_size(e));
			return CR_OK;
		}
		mode = (archive_entry_perm(e) & 0100) ? CR_MODE_EXEC
						      : CR_MODE_FILE;
		if (archive_entry_size_is_set(e)) {
			if ((s = archive_entry_size(e)) < 0)
				return cr_error_set("%s: member '%s': bad "
						    "size",
						    c->file, raw);
			size = (uint64_t)s;
			/* Refuse at once what would pass the cap anyway. */
			if (size > CR_ARCHIVE_MAX_BYTES - c->bytes)
				return count_bytes(c, raw, size);
			if ((err = hash_sized(c, raw, size)) < 0 ||
			    (err = add(c, raw, path, mode, NULL, size)) < 0)
				return err;
			finish_blob(c, c->t->count - 1);
			return CR_OK;
		}
		if ((err = hash_spooled(c, raw, &size, oid)) < 0)
			return err;
		return add(c, raw, path, mode, oid, size);
	case AE_IFLNK:
		if ((link = am->link) == NULL)
			return cr_error_set("%s: member '%s': symlink "
					    "without a target",
					    c->file, raw);
		if (skip)
			return CR_OK;
		size = strlen(link);
		if ((err = cr_blob_id(oid, link, (size_t)size)) < 0)
			return err;
		return add(c, raw, path, CR_MODE_LINK, oid, size);
	default:
		/* A root filesystem's /dev: left out, as from a directory. */
		if (c->opts != NULL && c->opts->skip_special &&
		    (type == AE_IFCHR || type == AE_IFBLK || type == AE_IFIFO ||
		     type == AE_IFSOCK))
			return CR_OK;
		return cr_error_set("%s: member '%s': %s, not a file, "
				    "symlink or directory",
				    c->file, raw, kind(type));
	}
}

static int
read_members(struct cr_tree **out, struct cr_source_info *info, struct arc *c)
{
	struct cr_archive_member am;
	char msg[1024];
	int err = CR_OK;

	for (;;) {
		if ((err = cr_archive_next(c->ca, &am)) < 0)
			return err;
		if (am.e == NULL)
			break;
		if (++c->members > CR_TREE_MAX_ENTRIES)
			return cr_error_set("%s: more than %u members", c->file,
					    CR_TREE_MAX_ENTRIES);
		if ((err = member(c, &am)) < 0)
			return err;
		if (c->opts != NULL && c->opts->progress != NULL)
			c->opts->progress(c->opts->progress_ctx, c->t->count,
					  c->bytes, 0);
	}
	if ((err = drain(c)) < 0)
		return err;
	if (c->members == 0 && strcmp(cr_archive_format(c->ca), "empty") == 0)
		return cr_error_set("%s: an empty file, not an archive",
				    c->file);
	if ((err = cr_tree_finish(c->t)) < 0) {
		snprintf(msg, sizeof(msg), "%s", cr_error_last());
		return cr_error_set("%s: %s", c->file, msg);
	}
	if (info != NULL) {
		info->commit[0] = '\0';
		info->commit_time = -1;
		info->newest_mtime = c->newest;
	}
	*out = c->t;
	c->t = NULL;
	return CR_OK;
}

/*
 * Reads an archive from fd (when >= 0) or from buf, through the one archive
 * policy (lib/archive_policy.c): tar or zip, optionally compressed.
 */
static int
from_archive(struct cr_tree **out, struct cr_source_info *info, int fd,
	     const void *buf, size_t len, const char *file,
	     const struct cr_tree_opts *opts)
{
	struct arc c = {0};
	int err;

	*out = NULL;
	c.file = file;
	c.opts = opts;
	c.strip = opts != NULL ? opts->strip_components : 0;
	c.newest = -1;
	c.spool = -1;
	if ((c.buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		err = cr_error_set("%s: out of memory", file);
		goto done;
	}
	if ((err = hasher_start(&c, opts)) < 0)
		goto done;
	if ((err = cr_tree_new(&c.t)) < 0 ||
	    (err = cr_archive_open(
		     &c.ca, fd, 0, fd >= 0 ? UINT64_MAX : len, buf,
		     CR_ARC_SOURCE | (opts != NULL && opts->skip_special
					      ? CR_ARC_SPECIAL
					      : 0),
		     file)) < 0)
		goto done;
	c.a = cr_archive_handle(c.ca);
	err = read_members(out, info, &c);
done:
	hasher_stop(&c.h);
	cr_archive_free(c.ca);
	if (c.spool >= 0)
		close(c.spool);
	cr_tree_free(c.t);
	free(c.slots);
	free(c.buf);
	return err;
}

int
cr_tree_from_archive(struct cr_tree **out, struct cr_source_info *info,
		     const char *file, const struct cr_tree_opts *opts)
{
	struct stat st;
	int fd, err;

	*out = NULL;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return cr_error_errno("%s", file);
	if (fstat(fd, &st) < 0) {
		err = cr_error_errno("%s", file);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = cr_error_set("%s: not a directory nor a regular file",
				   file);
		goto done;
	}
	err = from_archive(out, info, fd, NULL, 0, file, opts);
done:
	close(fd);
	return err;
}

int
cr_tree_from_archive_memory(struct cr_tree **out, struct cr_source_info *info,
			    const void *buf, size_t len, const char *name,
			    const struct cr_tree_opts *opts)
{
	return from_archive(out, info, -1, buf, len, name, opts);
}
