/* Writing files: the one atomic writer, durable renames, mkdir -p, rmtree. */
#include "write.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int
cr_write_all(int fd, const void *buf, size_t len)
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

int
cr_mkdir_p(const char *dir, size_t skip)
{
	char buf[PATH_MAX], *p;
	size_t len = strlen(dir);

	if (len >= sizeof(buf))
		return cr_error_set("%s: path too long", dir);
	memcpy(buf, dir, len + 1);
	/* The first byte is never a separator between two components. */
	for (p = buf + (skip > 0 && skip <= len ? skip : 1);
	     p < buf + len && (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return cr_error_errno("%s", buf);
		*p = '/';
	}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return cr_error_errno("%s", buf);
	return CR_OK;
}

/* Splits path into a copy of its directory and a pointer to its name. */
static int
split_path(char **dir, const char **name, const char *path)
{
	const char *slash = strrchr(path, '/');

	*name = slash != NULL ? slash + 1 : path;
	if (slash == NULL)
		*dir = strdup(".");
	else if (slash == path)
		*dir = strdup("/");
	else
		*dir = strndup(path, (size_t)(slash - path));
	return *dir != NULL ? CR_OK : cr_error_set("%s: out of memory", path);
}

/* Creates a new file named name.tmp.XXXXXX in dirfd, never following a
 * link, the X's random: mkostemp() for a directory descriptor. */
static int
make_temp(char *name, size_t xs)
{
	static const char chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[6];
	size_t i;

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return -1;
	for (i = 0; i < sizeof(rnd); i++)
		name[xs + i] = chars[rnd[i] % (sizeof(chars) - 1)];
	return 0;
}

int
cr_atomic_openat(struct cr_atomic *a, int dirfd, const char *name,
		 const char *path, mode_t mode, int flags)
{
	struct stat st;
	size_t xs;
	int tries;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dirfd = -1;
	a->mode = mode;
	a->flags = flags;
	if (*name == '\0' || strchr(name, '/') != NULL)
		return cr_error_set("%s: not a file name", path);
	if ((flags & CR_WRITE_NOCLOBBER) &&
	    fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return cr_error_set("%s: already exists; refusing to overwrite",
				    path);
	if ((a->path = strdup(path)) == NULL ||
	    (a->name = strdup(name)) == NULL ||
	    asprintf(&a->tmpname, "%s.tmp.XXXXXX", name) < 0) {
		a->tmpname = NULL;
		cr_atomic_abort(a);
		return cr_error_set("%s: out of memory", path);
	}
	if ((a->dirfd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0)) < 0) {
		cr_error_errno("%s", path);
		cr_atomic_abort(a);
		return CR_ERROR;
	}
	xs = strlen(a->tmpname) - 6;
	for (tries = 0; tries < 100 && a->fd < 0; tries++) {
		if (make_temp(a->tmpname, xs) < 0)
			break;
		a->fd = openat(a->dirfd, a->tmpname,
			       O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW |
				       O_CLOEXEC,
			       0600);
		if (a->fd < 0 && errno != EEXIST)
			break;
	}
	if (a->fd < 0) {
		cr_error_errno("%s.tmp.%s", path, a->tmpname + xs);
		free(a->tmpname);
		a->tmpname = NULL;
		cr_atomic_abort(a);
		return CR_ERROR;
	}
	if (asprintf(&a->tmp, "%s.tmp.%s", path, a->tmpname + xs) < 0) {
		a->tmp = NULL;
		cr_atomic_abort(a);
		return cr_error_set("%s: out of memory", path);
	}
	return CR_OK;
}

int
cr_atomic_open(struct cr_atomic *a, const char *path, mode_t mode, int flags)
{
	const char *name;
	char *dir = NULL;
	int dfd, err;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	a->dirfd = -1;
	if ((err = split_path(&dir, &name, path)) < 0)
		return err;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = cr_error_errno("%s", path);
		free(dir);
		return err;
	}
	err = cr_atomic_openat(a, dfd, name, path, mode, flags);
	close(dfd);
	free(dir);
	return err;
}

int
cr_atomic_commit(struct cr_atomic *a)
{
	int err = CR_ERROR;

	if (a->tmpname == NULL || a->fd < 0)
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
		if (linkat(a->dirfd, a->tmpname, a->dirfd, a->name, 0) < 0) {
			if (errno == EEXIST)
				cr_error_set("%s: already exists; refusing to "
					     "overwrite",
					     a->path);
			else
				cr_error_errno("%s", a->path);
			goto done;
		}
		unlinkat(a->dirfd, a->tmpname, 0);
	} else if (renameat(a->dirfd, a->tmpname, a->dirfd, a->name) < 0) {
		cr_error_errno("%s", a->path);
		goto done;
	}
	free(a->tmpname);
	a->tmpname = NULL;
	if (fsync(a->dirfd) < 0) {
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
	if (a->tmpname != NULL && a->dirfd >= 0)
		unlinkat(a->dirfd, a->tmpname, 0);
	free(a->tmpname);
	a->tmpname = NULL;
	/* dirfd is valid only once path is set: {.fd = -1} is a closed one. */
	if (a->path != NULL && a->dirfd >= 0)
		close(a->dirfd);
	a->dirfd = -1;
	free(a->tmp);
	free(a->name);
	free(a->path);
	a->tmp = a->name = a->path = NULL;
}

int
cr_write_atomic(const char *path, const void *buf, size_t len, mode_t mode,
		int flags)
{
	struct cr_atomic a;
	int err;

	if ((err = cr_atomic_open(&a, path, mode, flags)) < 0)
		return err;
	if (cr_write_all(a.fd, buf, len) < 0) {
		cr_error_errno("%s", a.tmp);
		cr_atomic_abort(&a);
		return CR_ERROR;
	}
	return cr_atomic_commit(&a);
}

int
cr_rename_synced(const char *from, const char *to)
{
	const char *name;
	char *dir = NULL;
	int fd, err;

	if ((fd = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return cr_error_errno("%s", from);
	if (fsync(fd) < 0) {
		err = cr_error_errno("%s", from);
		close(fd);
		return err;
	}
	close(fd);
	if (rename(from, to) < 0)
		return cr_error_errno("%s", to);
	if ((err = split_path(&dir, &name, to)) < 0)
		return err;
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    fsync(fd) < 0)
		err = cr_error_errno("%s: syncing its directory", to);
	if (fd >= 0)
		close(fd);
	free(dir);
	return err;
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
