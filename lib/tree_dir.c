/* The source tree hash of a directory as on disk, hashed on several threads. */
#include "tree.h"
#include "error.h"

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
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <linux/openat2.h>
#include <openssl/evp.h>

#define MAX_THREADS 64

/* The directory walk: collects paths, hashes symlink targets on the way. */
struct walk {
	struct cr_tree *t;
	const char *root; /* as given, for messages */
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
	return cr_tree_add(w->t, w->path, CR_MODE_LINK, oid, (uint64_t)n);
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
			/* Mode, size and id come when the file is hashed. */
			err = cr_tree_add(w->t, w->path, CR_MODE_FILE, NULL, 0);
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
	}
	closedir(d);
	return err;
}

/* Shared by the hashing threads; each takes the next file by index. */
struct hasher {
	struct cr_tree *t;
	const char *root;
	int rootfd;
	EVP_MD *md;
	atomic_size_t next;
	atomic_uint_fast64_t files, bytes;
	atomic_int stop;
	pthread_mutex_t lock;
	int err;
	char msg[1024];
	const struct cr_tree_opts *opts;
	struct timespec last;
};

static atomic_int no_openat2;

/*
 * Opens path below rootfd without following any symlink on the way, so a
 * directory swapped for a symlink after the walk cannot lead outside the
 * tree. openat2 does it in one call; without it, one directory at a time.
 */
static int
open_beneath(int rootfd, const char *path, char *scratch)
{
	struct open_how how = {0};
	char *p, *slash;
	int fd, dfd, nfd, saved;
	long r;

	how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
	how.resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	if (!atomic_load_explicit(&no_openat2, memory_order_relaxed)) {
		r = syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
		if (r >= 0 || (errno != ENOSYS && errno != EPERM))
			return (int)r;
		atomic_store(&no_openat2, 1);
	}
	strcpy(scratch, path);
	dfd = rootfd;
	for (p = scratch; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		nfd = openat(dfd, p,
			     O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		if (dfd != rootfd)
			close(dfd);
		if (nfd < 0) {
			errno = saved;
			return -1;
		}
		dfd = nfd;
	}
	fd = openat(dfd, p, (int)how.flags);
	saved = errno;
	if (dfd != rootfd)
		close(dfd);
	errno = saved;
	return fd;
}

static void
progress(struct hasher *h, int force)
{
	struct timespec now;
	long ms;

	if (h->opts == NULL || h->opts->progress == NULL)
		return;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	ms = (now.tv_sec - h->last.tv_sec) * 1000 +
	     (now.tv_nsec - h->last.tv_nsec) / 1000000;
	if (!force && ms < 100)
		return;
	h->last = now;
	h->opts->progress(h->opts->progress_ctx, atomic_load(&h->files),
			  atomic_load(&h->bytes), h->t->count);
}

struct worker {
	struct hasher *h;
	int main; /* the calling thread: reports progress */
	unsigned char *buf;
	EVP_MD_CTX *ctx;
	char scratch[CR_TREE_MAX_PATH + 1];
};

static int
hash_file(struct worker *w, struct cr_tree_entry *e)
{
	struct hasher *h = w->h;
	struct stat st;
	char head[32];
	uint64_t total = 0;
	unsigned int len;
	ssize_t n;
	int fd, hl, err = CR_OK;

	if ((fd = open_beneath(h->rootfd, e->path, w->scratch)) < 0) {
		if (errno == ELOOP || errno == EXDEV)
			return cr_error_set("%s/%s: changed while reading (a "
					    "symlink on the way)",
					    h->root, e->path);
		return cr_error_errno("%s/%s", h->root, e->path);
	}
	if (fstat(fd, &st) < 0) {
		err = cr_error_errno("%s/%s", h->root, e->path);
		goto done;
	}
	if (!S_ISREG(st.st_mode)) {
		err = cr_error_set("%s/%s: changed while reading (no longer "
				   "a regular file)",
				   h->root, e->path);
		goto done;
	}
	hl = snprintf(head, sizeof(head), "blob %llu",
		      (unsigned long long)st.st_size);
	if (EVP_DigestInit_ex2(w->ctx, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(w->ctx, head, (size_t)hl + 1) != 1) {
		err = cr_error_openssl("%s/%s: sha256", h->root, e->path);
		goto done;
	}
	for (;;) {
		n = read(fd, w->buf, CR_STREAM_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s/%s", h->root, e->path);
			goto done;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > (uint64_t)st.st_size)
			break;
		if (EVP_DigestUpdate(w->ctx, w->buf, (size_t)n) != 1) {
			err = cr_error_openssl("%s/%s: sha256", h->root,
					       e->path);
			goto done;
		}
		atomic_fetch_add_explicit(&h->bytes, (uint64_t)n,
					  memory_order_relaxed);
		if (w->main)
			progress(h, 0);
		if (atomic_load_explicit(&h->stop, memory_order_relaxed))
			goto done;
	}
	if (total != (uint64_t)st.st_size) {
		err = cr_error_set("%s/%s: changed while reading (%llu bytes "
				   "read, %llu expected)",
				   h->root, e->path, (unsigned long long)total,
				   (unsigned long long)st.st_size);
		goto done;
	}
	if (EVP_DigestFinal_ex(w->ctx, e->oid, &len) != 1) {
		err = cr_error_openssl("%s/%s: sha256", h->root, e->path);
		goto done;
	}
	e->size = total;
	e->mode = (st.st_mode & S_IXUSR) ? CR_MODE_EXEC : CR_MODE_FILE;
done:
	close(fd);
	return err;
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	struct hasher *h = w->h;
	struct cr_tree_entry *e;
	size_t i;
	int err = CR_OK;

	w->buf = malloc(CR_STREAM_CHUNK);
	w->ctx = EVP_MD_CTX_new();
	if (w->buf == NULL || w->ctx == NULL) {
		err = cr_error_set("%s: out of memory", h->root);
		goto done;
	}
	for (;;) {
		if (atomic_load_explicit(&h->stop, memory_order_relaxed))
			break;
		i = atomic_fetch_add_explicit(&h->next, 1,
					      memory_order_relaxed);
		if (i >= h->t->count)
			break;
		e = &h->t->entries[i];
		if (e->mode != CR_MODE_LINK && (err = hash_file(w, e)) < 0)
			break;
		atomic_fetch_add_explicit(&h->files, 1, memory_order_relaxed);
		if (w->main)
			progress(h, 0);
	}
done:
	if (err < 0) {
		pthread_mutex_lock(&h->lock);
		if (h->err == CR_OK) {
			h->err = err;
			snprintf(h->msg, sizeof(h->msg), "%s", cr_error_last());
		}
		pthread_mutex_unlock(&h->lock);
		atomic_store(&h->stop, 1);
	}
	EVP_MD_CTX_free(w->ctx);
	free(w->buf);
	return NULL;
}

static int
hash_files(struct cr_tree *t, int rootfd, const char *root,
	   const struct cr_tree_opts *opts)
{
	struct hasher h = {0};
	struct worker ws[MAX_THREADS];
	pthread_t tids[MAX_THREADS];
	size_t n, i, started = 0;
	long cpus;

	h.t = t;
	h.root = root;
	h.rootfd = rootfd;
	h.opts = opts;
	atomic_init(&h.next, 0);
	atomic_init(&h.files, 0);
	atomic_init(&h.bytes, 0);
	atomic_init(&h.stop, 0);
	pthread_mutex_init(&h.lock, NULL);
	if ((h.md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		pthread_mutex_destroy(&h.lock);
		return cr_error_openssl("sha256");
	}
	n = opts != NULL ? opts->threads : 0;
	if (n == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (size_t)cpus : 1;
	}
	if (n > MAX_THREADS)
		n = MAX_THREADS;
	if (n > t->count)
		n = t->count ? t->count : 1;
	memset(ws, 0, sizeof(ws));
	for (i = 0; i < n; i++)
		ws[i].h = &h;
	ws[0].main = 1;
	/* The calling thread is worker 0; a thread that fails to start
	 * only means less parallelism. */
	for (i = 1; i < n; i++) {
		if (pthread_create(&tids[i], NULL, work, &ws[i]) != 0)
			break;
		started = i;
	}
	work(&ws[0]);
	for (i = 1; i <= started; i++)
		pthread_join(tids[i], NULL);
	EVP_MD_free(h.md);
	pthread_mutex_destroy(&h.lock);
	if (h.err != CR_OK) {
		cr_error_set("%s", h.msg);
		return h.err;
	}
	progress(&h, 1);
	return CR_OK;
}

int
cr_tree_from_dir(struct cr_tree **out, const char *dir,
		 const struct cr_tree_opts *opts)
{
	struct cr_tree *t = NULL;
	struct walk w;
	char root[CR_TREE_MAX_PATH + 1];
	size_t rl;
	int rootfd = -1, fd, err;

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
	w.t = t;
	w.root = root;
	w.skip_special = opts != NULL && opts->skip_special;
	w.path[0] = '\0';
	if ((fd = openat(rootfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) <
	    0) {
		err = cr_error_errno("%s", dir);
		goto done;
	}
	if ((err = walk_dir(&w, fd, 0, 0)) < 0)
		goto done;
	if ((err = hash_files(t, rootfd, root, opts)) < 0)
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
