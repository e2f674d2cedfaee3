/*
 * The source tree hash of a directory as on disk. The calling thread walks
 * the directory and opens each regular file relative to its directory's
 * descriptor; the open files go through a small bounded set (the ring) to
 * hashing threads, largest first, so hashing starts with the walk, runs on
 * every core, and ends on every core at about the same time.
 */
#include "tree.h"
#include "error.h"
#include "mapped.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#define MAX_THREADS 64
/*
 * Files opened and waiting for a hashing thread. Bounded so that they and
 * the CR_TREE_MAX_DEPTH directories the walk may hold open stay well under
 * the usual limit of 1024 descriptors.
 */
#define RING 128

/*
 * One opened file to hash: its entry, its stored (never moved) path, and
 * its mode and size as fstat gave them when it was opened.
 */
struct job {
	size_t idx;
	const char *path;
	int fd;
	mode_t mode;
	uint64_t size;
};

/* Shared by the walk and the hashing threads. */
struct pool {
	struct cr_tree *t; /* entries move when the walk adds: under lock */
	const char *root;  /* as given, for messages */
	const struct cr_tree_opts *opts;
	EVP_MD *md;
	pthread_mutex_t lock;
	pthread_cond_t more;   /* a job was queued, the walk ended or stop */
	struct job ring[RING]; /* in no order: the largest is taken first */
	size_t len;	       /* under lock */
	int walked;	       /* under lock: no more jobs will come */
	atomic_int stop;
	atomic_uint_fast64_t files, bytes;
	int err; /* the first failure of a hashing thread, under lock */
	char msg[1024];
	struct timespec last;
};

/* One hashing thread's own state: a read buffer and a digest context. */
struct worker {
	struct pool *p;
	int main; /* the calling thread: reports progress */
	unsigned char *buf;
	EVP_MD_CTX *ctx;
};

/* The directory walk: collects paths, hashes symlink targets on the way. */
struct walk {
	struct pool *p;
	struct worker *self; /* hashes a job itself when the ring is full */
	const char *root;
	int skip_special;
	char path[CR_TREE_MAX_PATH + 1];
};

static const char *
kind(unsigned char type)
{
	switch (type) {
	case DT_FIFO:
		return "a FIFO";
	case DT_SOCK:
		return "a socket";
	case DT_CHR:
		return "a character device";
	case DT_BLK:
		return "a block device";
	default:
		return "of an unknown type";
	}
}

static unsigned char
dtype_of(mode_t m)
{
	if (S_ISREG(m))
		return DT_REG;
	if (S_ISDIR(m))
		return DT_DIR;
	if (S_ISLNK(m))
		return DT_LNK;
	if (S_ISFIFO(m))
		return DT_FIFO;
	if (S_ISSOCK(m))
		return DT_SOCK;
	if (S_ISCHR(m))
		return DT_CHR;
	if (S_ISBLK(m))
		return DT_BLK;
	return DT_UNKNOWN;
}

static void
progress(struct pool *p, int force)
{
	struct timespec now;
	long ms;

	if (p->opts == NULL || p->opts->progress == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	ms = (now.tv_sec - p->last.tv_sec) * 1000 +
	     (now.tv_nsec - p->last.tv_nsec) / 1000000;
	if (!force && ms < 100)
		return;
	p->last = now;
	p->opts->progress(p->opts->progress_ctx, atomic_load(&p->files),
			  atomic_load(&p->bytes), p->t->count);
}

/* A hashed file's id, size and mode, written into its entry under lock. */
struct result {
	unsigned char oid[CR_SHA256_LEN];
	uint64_t size;
	unsigned int mode;
};

/* After each window of a mapped file: progress, and stop when told. */
static int
mapped_window(void *arg, size_t n)
{
	struct worker *w = arg;

	atomic_fetch_add_explicit(&w->p->bytes, (uint64_t)n,
				  memory_order_relaxed);
	if (w->main)
		progress(w->p, 0);
	return atomic_load_explicit(&w->p->stop, memory_order_relaxed)
		       ? CR_ERROR
		       : CR_OK;
}

/*
 * Hashes size bytes of job's file from mappings (no copy out of the page
 * cache); a file cut meanwhile is caught, not a SIGBUS. 1 when the file
 * cannot be mapped from *fed on (the rest is then read).
 */
static int
hash_mapped(struct worker *w, const struct job *j, uint64_t size, uint64_t *fed)
{
	char name[PATH_MAX + 64];
	int longer = 0, err;

	snprintf(name, sizeof(name), "%s/%s", w->p->root, j->path);
	err = cr_digest_mapped(w->ctx, j->fd, size, name, mapped_window, w,
			       &longer, fed);
	if (err == CR_EFAIL)
		return cr_error_set("%s: changed while reading (%s bytes than "
				    "the %llu it had when opened)",
				    name, longer ? "more" : "fewer",
				    (unsigned long long)size);
	return err;
}

/*
 * Reads job's file to its end (at most one byte past size, which is
 * enough to tell it grew) into the digest; *total is what was read. A
 * short read on a regular file is its end: a file smaller than the buffer
 * is read with one call.
 */
static int
hash_read(struct worker *w, const struct job *j, uint64_t size, uint64_t *total)
{
	struct pool *p = w->p;
	ssize_t n;

	for (;;) {
		n = read(j->fd, w->buf, CR_STREAM_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cr_error_errno("%s/%s", p->root, j->path);
		}
		if (n == 0)
			return CR_OK;
		*total += (uint64_t)n;
		if (*total > size)
			return CR_OK;
		if (EVP_DigestUpdate(w->ctx, w->buf, (size_t)n) != 1)
			return cr_error_openssl("%s/%s: sha256", p->root,
						j->path);
		atomic_fetch_add_explicit(&p->bytes, (uint64_t)n,
					  memory_order_relaxed);
		if (w->main)
			progress(p, 0);
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			return CR_ERROR;
		if ((size_t)n < CR_STREAM_CHUNK && *total == size)
			return CR_OK;
	}
}

/*
 * Hashes the open file of job as a git blob of the size fstat gives, and
 * fails if it holds other than that many bytes while it is read (it grew
 * or shrank). A file of CR_MAP_MIN bytes or more is hashed from mappings,
 * a smaller one read.
 */
static int
hash_fd(struct worker *w, const struct job *j, struct result *r)
{
	struct pool *p = w->p;
	char head[CR_OBJECT_HEADER_MAX];
	uint64_t size = j->size, total = 0;
	unsigned int len;
	size_t hl;
	int err;

	if (!S_ISREG(j->mode))
		return cr_error_set("%s/%s: changed while reading (no longer "
				    "a regular file)",
				    p->root, j->path);
	hl = cr_object_header(head, "blob", size);
	if (EVP_DigestInit_ex2(w->ctx, p->md, NULL) != 1 ||
	    EVP_DigestUpdate(w->ctx, head, hl) != 1)
		return cr_error_openssl("%s/%s: sha256", p->root, j->path);
	err = size >= CR_MAP_MIN ? hash_mapped(w, j, size, &total) : 1;
	if (err < 0)
		return err;
	/* Not mapped from total on: read the rest. */
	if (err == 1 && ((total > 0 && lseek(j->fd, (off_t)total, SEEK_SET) !=
					       (off_t)total) ||
			 (err = hash_read(w, j, size, &total)) < 0))
		return err < 0 ? err
			       : cr_error_errno("%s/%s", p->root, j->path);
	if (total != size)
		return cr_error_set("%s/%s: changed while reading (%s bytes "
				    "than the %llu it had when opened)",
				    p->root, j->path,
				    total > size ? "more" : "fewer",
				    (unsigned long long)size);
	if (EVP_DigestFinal_ex(w->ctx, r->oid, &len) != 1)
		return cr_error_openssl("%s/%s: sha256", p->root, j->path);
	r->size = total;
	r->mode = (j->mode & S_IXUSR) ? CR_MODE_EXEC : CR_MODE_FILE;
	return CR_OK;
}

/* Remembers the first failure of any thread and stops them all. */
static void
fail(struct pool *p, int err)
{
	pthread_mutex_lock(&p->lock);
	if (p->err == CR_OK && !atomic_load(&p->stop)) {
		p->err = err;
		snprintf(p->msg, sizeof(p->msg), "%s", cr_error_last());
	}
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
}

/* Hashes one job, closes its file and fills in its entry. */
static int
run(struct worker *w, struct job *j)
{
	struct pool *p = w->p;
	struct cr_tree_entry *e;
	struct result r;
	int err;

	err = hash_fd(w, j, &r);
	close(j->fd);
	j->fd = -1;
	if (err < 0) {
		fail(p, err);
		return err;
	}
	pthread_mutex_lock(&p->lock);
	e = &p->t->entries[j->idx];
	memcpy(e->oid, r.oid, CR_SHA256_LEN);
	e->size = r.size;
	e->mode = r.mode;
	pthread_mutex_unlock(&p->lock);
	atomic_fetch_add_explicit(&p->files, 1, memory_order_relaxed);
	if (w->main)
		progress(p, 0);
	return CR_OK;
}

/*
 * Takes the largest queued job (the smallest when smallest), under lock.
 * The hashing threads take the largest, so that the files left when the
 * walk ends are small ones and no core waits long for another to finish
 * a big file alone (a SHA-256 cannot be split). The walk, when the ring
 * is full, takes the smallest, to be back walking soon: were it to hash a
 * big file, the others could empty the ring and wait.
 */
static struct job
pop_job(struct pool *p, int smallest)
{
	struct job j;
	size_t i, best = 0;

	for (i = 1; i < p->len; i++)
		if (smallest ? p->ring[i].size < p->ring[best].size
			     : p->ring[i].size > p->ring[best].size)
			best = i;
	j = p->ring[best];
	p->ring[best] = p->ring[--p->len];
	return j;
}

/* The next job, waiting for the walk; 0 when there is none left or stop. */
static int
take(struct pool *p, struct job *j)
{
	int got = 0;

	pthread_mutex_lock(&p->lock);
	while (p->len == 0 && !p->walked && !atomic_load(&p->stop))
		pthread_cond_wait(&p->more, &p->lock);
	if (p->len > 0 && !atomic_load(&p->stop)) {
		*j = pop_job(p, 0);
		got = 1;
	}
	pthread_mutex_unlock(&p->lock);
	return got;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct job j;

	while (take(w->p, &j))
		if (run(w, &j) < 0)
			break;
	return NULL;
}

/*
 * Queues an opened file (the job's fd taken over). When the ring is full
 * the walk hashes the smallest job itself rather than wait, so no core
 * idles.
 */
static int
queue(struct walk *w, const struct job *nj)
{
	struct pool *p = w->p;
	struct job j;
	int err;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		if (p->len < RING) {
			p->ring[p->len++] = *nj;
			pthread_cond_signal(&p->more);
			pthread_mutex_unlock(&p->lock);
			return CR_OK;
		}
		j = pop_job(p, 1);
		pthread_mutex_unlock(&p->lock);
		if ((err = run(w->self, &j)) < 0) {
			close(nj->fd);
			return err;
		}
	}
}

/*
 * Adds a regular file and queues it, opened without following a symlink
 * relative to its directory: nothing on the way from the root can be
 * swapped for a symlink, the directories being open already.
 */
static int
add_file(struct walk *w, int dfd, const char *name)
{
	struct pool *p = w->p;
	struct stat st;
	struct job j;
	int err;

	j.fd = openat(dfd, name,
		      O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY |
			      O_NONBLOCK);
	if (j.fd < 0) {
		if (errno == ELOOP)
			return cr_error_set("%s/%s: changed while reading (now "
					    "a symlink)",
					    w->root, w->path);
		return cr_error_errno("%s/%s", w->root, w->path);
	}
	if (fstat(j.fd, &st) < 0) {
		err = cr_error_errno("%s/%s", w->root, w->path);
		close(j.fd);
		return err;
	}
	j.mode = st.st_mode;
	j.size = (uint64_t)st.st_size;
	/* Mode and id are filled in when the file is hashed. */
	pthread_mutex_lock(&p->lock);
	err = cr_tree_add(p->t, w->path, CR_MODE_FILE, NULL, 0);
	j.idx = p->t->count - 1;
	j.path = p->t->entries[j.idx].path;
	pthread_mutex_unlock(&p->lock);
	if (err < 0) {
		close(j.fd);
		return err;
	}
	return queue(w, &j);
}

static int
add_link(struct walk *w, int dfd, const char *name)
{
	char target[CR_TREE_MAX_PATH + 1];
	unsigned char oid[CR_SHA256_LEN];
	ssize_t n;
	int err;

	n = readlinkat(dfd, name, target, sizeof(target));
	if (n < 0)
		return cr_error_errno("%s/%s", w->root, w->path);
	if ((size_t)n >= sizeof(target))
		return cr_error_set("%s/%s: symlink target longer than %u "
				    "bytes",
				    w->root, w->path, CR_TREE_MAX_PATH);
	if ((err = cr_blob_id(oid, target, (size_t)n)) < 0)
		return err;
	pthread_mutex_lock(&w->p->lock);
	err = cr_tree_add(w->p->t, w->path, CR_MODE_LINK, oid, (uint64_t)n);
	pthread_mutex_unlock(&w->p->lock);
	return err;
}

/*
 * Walks the directory open as fd (taken over and closed), whose path
 * relative to the root is w->path[0..plen). Recursion is bounded by
 * CR_TREE_MAX_DEPTH.
 */
static int
walk_dir(struct walk *w, int fd, size_t plen, unsigned int depth)
{
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	size_t nlen, off;
	unsigned char type;
	int dfd, sub, err = CR_OK;

	if ((d = fdopendir(fd)) == NULL) {
		err = cr_error_errno("%s/%s", w->root, w->path);
		close(fd);
		return err;
	}
	dfd = dirfd(d);
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0) {
				w->path[plen] = '\0';
				err = cr_error_errno("%s/%s", w->root, w->path);
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    (plen == 0 && strcmp(de->d_name, ".git") == 0))
			continue;
		nlen = strlen(de->d_name);
		off = plen ? plen + 1 : 0;
		/*
		 * Only the checkout's own .git is skipped. One deeper (a file
		 * or an empty directory a build may test for) is no part of
		 * any git tree, so it is refused, as in an archive.
		 */
		if (nlen == 4 && strcasecmp(de->d_name, ".git") == 0) {
			w->path[plen] = '\0';
			err = cr_error_set(
				"%s/%s%s%s: a '.git' entry other than "
				"the checkout's own, which git "
				"cannot track and a reviewer may "
				"not see; remove it",
				w->root, w->path, plen ? "/" : "", de->d_name);
			break;
		}
		if (off + nlen > CR_TREE_MAX_PATH) {
			w->path[plen] = '\0';
			err = cr_error_set(
				"%s/%s/%s: path longer than %u bytes", w->root,
				w->path, de->d_name, CR_TREE_MAX_PATH);
			break;
		}
		if (plen)
			w->path[plen] = '/';
		memcpy(w->path + off, de->d_name, nlen + 1);
		type = de->d_type;
		if (type == DT_UNKNOWN) {
			if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0) {
				err = cr_error_errno("%s/%s", w->root, w->path);
				break;
			}
			type = dtype_of(st.st_mode);
		}
		switch (type) {
		case DT_REG:
			err = add_file(w, dfd, de->d_name);
			break;
		case DT_LNK:
			err = add_link(w, dfd, de->d_name);
			break;
		case DT_DIR:
			if (depth + 1 >= CR_TREE_MAX_DEPTH) {
				err = cr_error_set("%s/%s: nested deeper than "
						   "%u directories",
						   w->root, w->path,
						   CR_TREE_MAX_DEPTH);
				break;
			}
			sub = openat(dfd, de->d_name,
				     O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					     O_CLOEXEC);
			if (sub < 0) {
				err = cr_error_errno("%s/%s", w->root, w->path);
				break;
			}
			err = walk_dir(w, sub, off + nlen, depth + 1);
			break;
		default:
			if (w->skip_special)
				break;
			err = cr_error_set("%s/%s: %s, not a regular file, "
					   "symlink or directory",
					   w->root, w->path, kind(type));
		}
		if (err < 0)
			break;
		if (atomic_load_explicit(&w->p->stop, memory_order_relaxed)) {
			err = CR_ERROR;
			break;
		}
		if (w->self->main)
			progress(w->p, 0);
	}
	closedir(d);
	return err;
}

/*
 * Walks the tree from rootfd and hashes its files on the pool's threads;
 * the calling thread walks, then hashes too.
 */
static int
walk_and_hash(struct cr_tree *t, int rootfd, const char *root,
	      const struct cr_tree_opts *opts)
{
	struct pool p;
	struct worker ws[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	struct walk w;
	size_t n, i, started = 0;
	int fd, err = CR_OK;

	memset(&p, 0, sizeof(p));
	memset(ws, 0, sizeof(ws));
	p.t = t;
	p.root = root;
	p.opts = opts;
	atomic_init(&p.stop, 0);
	atomic_init(&p.files, 0);
	atomic_init(&p.bytes, 0);
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.more, NULL);
	n = cr_tree_threads(opts, MAX_THREADS);
	if ((p.md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		err = cr_error_openssl("sha256");
		goto done;
	}
	/* One buffer per thread, page-aligned, reused for every file. */
	for (i = 0; i < n; i++) {
		ws[i].p = &p;
		if (posix_memalign((void **)&ws[i].buf, 4096,
				   CR_STREAM_CHUNK) != 0)
			ws[i].buf = NULL;
		ws[i].ctx = EVP_MD_CTX_new();
		if (ws[i].buf == NULL || ws[i].ctx == NULL) {
			err = cr_error_set("%s: out of memory", root);
			goto done;
		}
	}
	ws[0].main = 1;
	/* The calling thread is worker 0; a thread that fails to start
	 * only means less parallelism. */
	for (i = 1; i < n; i++) {
		if (pthread_create(&tids[i], NULL, work, &ws[i]) != 0)
			break;
		started = i;
	}
	w.p = &p;
	w.self = &ws[0];
	w.root = root;
	w.skip_special = opts != NULL && opts->skip_special;
	w.path[0] = '\0';
	if ((fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		err = cr_error_errno("%s", root);
	else
		err = walk_dir(&w, fd, 0, 0);
	if (err < 0 && !atomic_load(&p.stop)) {
		/* The walk's own failure: stop the others, keep its message. */
		pthread_mutex_lock(&p.lock);
		atomic_store(&p.stop, 1);
		pthread_cond_broadcast(&p.more);
		pthread_mutex_unlock(&p.lock);
	}
	pthread_mutex_lock(&p.lock);
	p.walked = 1;
	pthread_cond_broadcast(&p.more);
	pthread_mutex_unlock(&p.lock);
	if (err == CR_OK)
		work(&ws[0]);
	for (i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	/* Files still queued after a failure. */
	for (; p.len > 0; p.len--)
		close(p.ring[p.len - 1].fd);
	if (p.err != CR_OK)
		err = cr_error_set("%s", p.msg);
	else if (err == CR_OK && atomic_load(&p.stop))
		err = cr_error_set("%s: hashing stopped", root);
	if (err == CR_OK)
		progress(&p, 1);
done:
	for (i = 0; i < n; i++) {
		EVP_MD_CTX_free(ws[i].ctx);
		free(ws[i].buf);
	}
	EVP_MD_free(p.md);
	pthread_cond_destroy(&p.more);
	pthread_mutex_destroy(&p.lock);
	return err;
}

int
cr_tree_from_dir(struct cr_tree **out, const char *dir,
		 const struct cr_tree_opts *opts)
{
	struct cr_tree *t = NULL;
	char root[CR_TREE_MAX_PATH + 1];
	size_t rl;
	int rootfd = -1, err;

	*out = NULL;
	/* Messages say "dir/path"; "dir/" must not make "dir//path". */
	snprintf(root, sizeof(root), "%s", dir);
	rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		root[--rl] = '\0';
	if ((rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return cr_error_errno("%s", dir);
	if ((err = cr_tree_new(&t)) < 0)
		goto done;
	if ((err = walk_and_hash(t, rootfd, root, opts)) < 0)
		goto done;
	if ((err = cr_tree_finish(t)) < 0) {
		/* Name the directory: the tree's message names the path. */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s", cr_error_last());
		err = cr_error_set("%s: %s", root, msg);
		goto done;
	}
	*out = t;
	t = NULL;
done:
	cr_tree_free(t);
	if (rootfd >= 0)
		close(rootfd);
	return err;
}
