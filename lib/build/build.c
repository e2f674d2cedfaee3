/* The sealed build: export the source, run the recipe in the sandbox, collect artifacts. */
#include "build.h"
#include "archive_policy.h"
#include "error.h"
#include "export.h"
#include "normalize.h"
#include "root.h"
#include "sandbox.h"
#include "toolchain_diff.h"
#include "util.h"
#include "write.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <pthread.h>
#include <sys/statvfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/crypto.h>

/* A private scratch directory: the export, the staged archive, the log. */
struct work {
	char *dir;   /* mkdtemp'd */
	char *src;   /* dir/src: what the build sees at the build path */
	char *stage; /* dir/stage: an archive source, extracted */
	char *log;   /* dir/build.log */
};

static void
work_free(struct work *w)
{
	if (w->dir != NULL)
		cr_rmtree(w->dir);
	free(w->dir);
	free(w->src);
	free(w->stage);
	free(w->log);
}

static int
work_new(struct work *w, const char *parent)
{
	const char *tmp = parent ? parent : getenv("TMPDIR");

	memset(w, 0, sizeof(*w));
	if (asprintf(&w->dir, "%s/cleanroom-build.XXXXXX",
		     tmp && *tmp ? tmp : "/tmp") < 0) {
		w->dir = NULL;
		return cr_error_set("out of memory");
	}
	if (mkdtemp(w->dir) == NULL) {
		int err = cr_error_errno("%s", w->dir);

		free(w->dir);
		w->dir = NULL;
		return err;
	}
	if (asprintf(&w->src, "%s/src", w->dir) < 0 ||
	    asprintf(&w->stage, "%s/stage", w->dir) < 0 ||
	    asprintf(&w->log, "%s/build.log", w->dir) < 0)
		return cr_error_set("out of memory");
	if (mkdir(w->src, 0755) < 0 || mkdir(w->stage, 0700) < 0)
		return cr_error_errno("%s", w->dir);
	return CR_OK;
}

/* ---- exporting the source ------------------------------------------- */

static int
write_all(int fd, const void *buf, size_t len, const char *name)
{
	if (cr_write_all(fd, buf, len) < 0)
		return cr_error_errno("%s", name);
	return CR_OK;
}

static int
copy_fd(int out, int in, const char *name)
{
	char *buf;
	ssize_t n;
	int err = CR_OK;

	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL)
		return cr_error_set("out of memory");
	while ((n = read(in, buf, CR_STREAM_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s", name);
			break;
		}
		if ((err = write_all(out, buf, (size_t)n, name)) < 0)
			break;
	}
	free(buf);
	return err;
}

/* mkdir -p of path's parent directories under root. */
static int
make_parents(const char *root, const char *path)
{
	char buf[PATH_MAX];
	char *slash;
	int n;

	n = snprintf(buf, sizeof(buf), "%s/%s", root, path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return cr_error_set("%s: path too long", path);
	if ((slash = strrchr(buf + strlen(root) + 1, '/')) == NULL)
		return CR_OK;
	*slash = '\0';
	return cr_mkdir_p(buf, strlen(root) + 1);
}

/* Writes one tree entry into dst, from git or from the directory base. */
static int
export_entry(const char *dst, const struct cr_tree_entry *te,
	     struct cr_git_reader *git, const char *base)
{
	char to[PATH_MAX], from[PATH_MAX], target[PATH_MAX + 1];
	const void *data = NULL;
	size_t len = 0;
	ssize_t n;
	int in = -1, out = -1, err;

	if ((err = make_parents(dst, te->path)) < 0)
		return err;
	snprintf(to, sizeof(to), "%s/%s", dst, te->path);
	if (git != NULL) {
		if ((err = cr_git_reader_blob(git, te, &data, &len)) < 0)
			return err;
	} else {
		snprintf(from, sizeof(from), "%s/%s", base, te->path);
	}
	if (te->mode == CR_MODE_LINK) {
		if (git == NULL) {
			if ((n = readlink(from, target, PATH_MAX)) < 0)
				return cr_error_errno("%s", from);
			target[n] = '\0';
		} else {
			if (len > PATH_MAX || memchr(data, '\0', len) != NULL)
				return cr_error_set("%s: bad symlink target",
						    te->path);
			memcpy(target, data, len);
			target[len] = '\0';
		}
		if (symlink(target, to) < 0)
			return cr_error_errno("%s", to);
		return CR_OK;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		   0600);
	if (out < 0)
		return cr_error_errno("%s", to);
	if (git != NULL) {
		err = write_all(out, data, len, to);
	} else if ((in = open(from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err = cr_error_errno("%s", from);
	} else {
		err = copy_fd(out, in, from);
	}
	/* Modes are set, not left to the umask. */
	if (err == CR_OK &&
	    fchmod(out, te->mode == CR_MODE_EXEC ? 0755 : 0644) < 0)
		err = cr_error_errno("%s", to);
	if (in >= 0)
		close(in);
	if (close(out) < 0 && err == CR_OK)
		err = cr_error_errno("%s", to);
	return err;
}

/* Every file, link and directory of the export gets mtime t. */
static int
clamp_times(const char *dst, const struct cr_tree *tree, int64_t t)
{
	struct timespec ts[2] = {{(time_t)t, 0}, {(time_t)t, 0}};
	char path[PATH_MAX], *slash;
	size_t i;

	for (i = 0; i < tree->count; i++) {
		snprintf(path, sizeof(path), "%s/%s", dst,
			 tree->entries[i].path);
		if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) < 0)
			return cr_error_errno("%s", path);
	}
	/* Directories after their contents, deepest first. */
	for (i = tree->count; i-- > 0;) {
		snprintf(path, sizeof(path), "%s/%s", dst,
			 tree->entries[i].path);
		while ((slash = strrchr(path + strlen(dst), '/')) != NULL) {
			*slash = '\0';
			if (utimensat(AT_FDCWD, path, ts, 0) < 0)
				return cr_error_errno("%s", path);
		}
	}
	return CR_OK;
}

/*
 * Extracts an archive source into stage through the one archive policy
 * (lib/archive_policy.c), the same reading the hash was taken with.
 */
static int
stage_archive(const char *stage, const char *file, unsigned int strip)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	struct archive *a = NULL, *disk = NULL;
	struct archive_entry *e;
	char path[PATH_MAX], member[PATH_MAX];
	const char *name, *p;
	unsigned int i;
	int err = CR_ERROR;

	/*
	 * Members were checked when the archive was hashed; the disk writer
	 * guards the extraction anyway. Names are made absolute below the
	 * stage here, so SECURE_NOABSOLUTEPATHS cannot be asked for.
	 */
	if ((err = cr_archive_disk_new(&disk, 0)) < 0)
		goto done;
	if ((err = cr_archive_open_file(&ca, file, CR_ARC_SOURCE)) < 0)
		goto done;
	a = cr_archive_handle(ca);
	for (;;) {
		if ((err = cr_archive_next(ca, &am)) < 0)
			goto done;
		if ((e = am.e) == NULL)
			break;
		snprintf(member, sizeof(member), "%s", am.raw);
		name = member;
		for (p = name, i = 0; i < strip && p; i++)
			if ((p = strchr(p, '/')) != NULL)
				p++;
		if (p == NULL || *p == '\0')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", stage, p) >=
		    (int)sizeof(path)) {
			err = cr_error_set("%s: %s: name too long", file, name);
			goto done;
		}
		archive_entry_set_pathname(e, path);
		if (am.hardlink_raw != NULL) {
			const char *h = am.hardlink_raw;

			for (i = 0; i < strip && h; i++)
				if ((h = strchr(h, '/')) != NULL)
					h++;
			if (h == NULL) {
				err = cr_error_set("%s: %s: hard link out of "
						   "the tree",
						   file, name);
				goto done;
			}
			if (snprintf(path, sizeof(path), "%s/%s", stage, h) >=
			    (int)sizeof(path)) {
				err = cr_error_set("%s: %s: name too long",
						   file, name);
				goto done;
			}
			archive_entry_set_hardlink(e, path);
		}
		if ((err = cr_archive_extract(disk, a, e, file, name)) < 0)
			goto done;
	}
	err = CR_OK;
done:
	if (disk != NULL)
		archive_write_free(disk);
	cr_archive_free(ca);
	return err;
}

/* ---- directory order (--check) ------------------------------------------ */

#define ORDER_CAP(tree) (2 * (tree)->count + 16)

static int
order_add(char ***list, size_t *n, size_t *cap, size_t max, char *s)
{
	char **tmp;

	if (s == NULL)
		return cr_error_set("out of memory");
	if (*n + 2 > max) {
		free(s);
		return cr_error_set("the export holds more entries than its "
				    "tree");
	}
	if (*n + 2 > *cap) {
		*cap = *cap ? 2 * *cap : 64;
		if ((tmp = realloc(*list, *cap * sizeof(**list))) == NULL) {
			free(s);
			return cr_error_set("out of memory");
		}
		*list = tmp;
	}
	(*list)[(*n)++] = s;
	(*list)[*n] = NULL;
	return CR_OK;
}

static void
order_free(char **list, size_t n)
{
	size_t i;

	for (i = 0; list != NULL && i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * The entries of root and of every directory below it, each directory's
 * as readdir lists them, parents first: the children of one directory are
 * contiguous, a directory is "path/". At most max entries.
 */
static int
read_order(char ***out, size_t *count, const char *root, size_t max)
{
	char **list = NULL, *name, path[PATH_MAX];
	size_t n = 0, cap = 0, next = 0;
	const char *dir = "";
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int isdir, err = CR_OK;

	for (;;) {
		snprintf(path, sizeof(path), "%s/%s", root, dir);
		if ((d = opendir(path)) == NULL) {
			err = cr_error_errno("%s", path);
			goto done;
		}
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			isdir = de->d_type == DT_DIR;
			if (de->d_type == DT_UNKNOWN &&
			    fstatat(dirfd(d), de->d_name, &st,
				    AT_SYMLINK_NOFOLLOW) == 0)
				isdir = S_ISDIR(st.st_mode);
			if (asprintf(&name, "%s%s%s", dir, de->d_name,
				     isdir ? "/" : "") < 0)
				name = NULL;
			if ((err = order_add(&list, &n, &cap, max, name)) < 0)
				goto done;
		}
		closedir(d);
		d = NULL;
		while (next < n && list[next][strlen(list[next]) - 1] != '/')
			next++;
		if (next == n)
			break;
		dir = list[next++];
	}
done:
	if (d != NULL)
		closedir(d);
	if (err < 0) {
		order_free(list, n);
		list = NULL;
		n = 0;
	}
	*out = list;
	*count = n;
	return err;
}

/* The length of the parent part of an order entry ("a/b/" of "a/b/c/"). */
static size_t
parent_len(const char *e)
{
	size_t len = strlen(e);

	if (len > 0 && e[len - 1] == '/')
		len--;
	while (len > 0 && e[len - 1] != '/')
		len--;
	return len;
}

/* Whether a file system lists a directory's newest entries first. */
static int
lists_newest_first(int *out, const char *dir)
{
	char probe[PATH_MAX], path[PATH_MAX + 4];
	struct dirent *de;
	DIR *d;
	int fd;

	*out = 0;
	snprintf(probe, sizeof(probe), "%s/.order-probe", dir);
	if (mkdir(probe, 0700) < 0)
		return cr_error_errno("%s", probe);
	snprintf(path, sizeof(path), "%s/a", probe);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	snprintf(path, sizeof(path), "%s/b", probe);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) >= 0)
		close(fd);
	if ((d = opendir(probe)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (de->d_name[0] != '.') {
				*out = strcmp(de->d_name, "b") == 0;
				break;
			}
		closedir(d);
	}
	cr_rmtree(probe);
	return CR_OK;
}

/*
 * Exports the tree with each directory's entries created so that readdir
 * lists them in the opposite order from ref's (where the file system
 * lists them in creation order, as tmpfs does, in either direction).
 */
static int
export_ordered(struct work *w, const struct cr_build_source *src,
	       struct cr_git_reader *git, const char *base,
	       const struct cr_build *ref)
{
	const struct cr_tree_entry *te;
	char path[PATH_MAX];
	size_t s, e, i, k, plen, made = 0;
	int newest, err;

	if ((err = lists_newest_first(&newest, w->dir)) < 0)
		return err;
	for (s = 0; s < ref->nsrc_order; s = e) {
		plen = parent_len(ref->src_order[s]);
		for (e = s + 1;
		     e < ref->nsrc_order &&
		     parent_len(ref->src_order[e]) == plen &&
		     strncmp(ref->src_order[e], ref->src_order[s], plen) == 0;
		     e++)
			;
		for (k = 0; k < e - s; k++) {
			/* Newest first: create in ref's order, else reverse. */
			const char *it =
				ref->src_order[newest ? s + k : e - 1 - k];
			size_t len = strlen(it);

			if (it[len - 1] == '/') {
				snprintf(path, sizeof(path), "%s/%.*s", w->src,
					 (int)(len - 1), it);
				if (mkdir(path, 0755) < 0)
					return cr_error_errno("%s", path);
				continue;
			}
			if ((te = cr_tree_find(src->tree, it)) == NULL)
				return cr_error_set("%s: not in the source "
						    "tree",
						    it);
			if ((err = export_entry(w->src, te, git, base)) < 0)
				return err;
			made++;
		}
	}
	/* Anything the first build's order did not hold (cannot happen). */
	for (i = 0; made < src->tree->count && i < src->tree->count; i++) {
		snprintf(path, sizeof(path), "%s/%s", w->src,
			 src->tree->entries[i].path);
		if (access(path, F_OK) == 0)
			continue;
		if ((err = export_entry(w->src, &src->tree->entries[i], git,
					base)) < 0)
			return err;
	}
	return CR_OK;
}

struct group {
	const char *parent;
	size_t plen, start, n;
};

static int
cmp_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	size_t m = x->plen < y->plen ? x->plen : y->plen;
	int c = memcmp(x->parent, y->parent, m);

	return c ? c : (x->plen > y->plen) - (x->plen < y->plen);
}

static int
make_groups(struct group **out, size_t *count, char **list, size_t n)
{
	struct group *g;
	size_t s, e, k = 0;

	if ((g = calloc(n + 1, sizeof(*g))) == NULL)
		return cr_error_set("out of memory");
	for (s = 0; s < n; s = e) {
		size_t plen = parent_len(list[s]);

		for (e = s + 1; e < n && parent_len(list[e]) == plen &&
				strncmp(list[e], list[s], plen) == 0;
		     e++)
			;
		g[k].parent = list[s];
		g[k].plen = plen;
		g[k].start = s;
		g[k++].n = e - s;
	}
	qsort(g, k, sizeof(*g), cmp_group);
	*out = g;
	*count = k;
	return CR_OK;
}

/* Counts b's directories of 2+ entries, and those listed as in ref. */
static int
compare_order(struct cr_build *b, const char *root, const struct cr_build *ref,
	      size_t max)
{
	struct group *ga = NULL, *gb = NULL;
	char **list = NULL;
	size_t n = 0, na = 0, nb = 0, i, j, k;
	int err;

	b->order_dirs = b->order_same = 0;
	if ((err = read_order(&list, &n, root, max)) < 0 ||
	    (err = make_groups(&ga, &na, ref->src_order, ref->nsrc_order)) <
		    0 ||
	    (err = make_groups(&gb, &nb, list, n)) < 0)
		goto done;
	for (i = j = 0; i < na && j < nb;) {
		int c = cmp_group(&ga[i], &gb[j]);

		if (c < 0) {
			i++;
		} else if (c > 0) {
			j++;
		} else {
			if (gb[j].n >= 2) {
				b->order_dirs++;
				for (k = 0;
				     k < gb[j].n && k < ga[i].n &&
				     strcmp(ref->src_order[ga[i].start + k],
					    list[gb[j].start + k]) == 0;
				     k++)
					;
				if (k == gb[j].n && k == ga[i].n)
					b->order_same++;
			}
			i++;
			j++;
		}
	}
done:
	free(ga);
	free(gb);
	order_free(list, n);
	return err;
}

static int
export_source(struct work *w, const struct cr_build_source *src, int reverse,
	      int64_t sde, const struct cr_build *ref)
{
	struct cr_git_reader *git = NULL;
	struct cr_tree *check = NULL;
	struct cr_tree_opts topts = {0};
	const char *base = src->path;
	size_t i, n = src->tree->count;
	int err;

	if (strcmp(src->kind, "git") == 0) {
		if ((err = cr_git_reader_open(&git, src->path,
					      src->info->commit)) < 0)
			return err;
	} else if (strcmp(src->kind, "archive") == 0) {
		if ((err = stage_archive(w->stage, src->path,
					 src->strip_components)) < 0)
			return err;
		base = w->stage;
	}
	if (ref != NULL && ref->src_order != NULL) {
		if ((err = export_ordered(w, src, git, base, ref)) < 0)
			goto done;
	} else {
		for (i = 0; i < n; i++) {
			const struct cr_tree_entry *te =
				&src->tree->entries[reverse ? n - 1 - i : i];

			if ((err = export_entry(w->src, te, git, base)) < 0)
				goto done;
		}
	}
	/* The build sees exactly the hashed tree, or does not run. */
	if ((err = cr_tree_from_dir(&check, w->src, &topts)) < 0)
		goto done;
	if (CRYPTO_memcmp(check->root, src->tree->root, CR_SHA256_LEN) != 0) {
		err = cr_error_set("%s: the source changed while it was being "
				   "exported; nothing was built",
				   src->path);
		goto done;
	}
	err = clamp_times(w->src, src->tree, sde);
done:
	cr_tree_free(check);
	cr_git_reader_free(git);
	return err;
}

/* ---- artifacts ---------------------------------------------------------- */

static int
bad_pattern(const char *p)
{
	const char *s;

	if (*p == '\0' || *p == '/')
		return 1;
	for (s = p; s; s = strchr(s, '/')) {
		if (*s == '/')
			s++;
		if (strncmp(s, "..", 2) == 0 && (s[2] == '/' || s[2] == '\0'))
			return 1;
	}
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Milliseconds of CLOCK_MONOTONIC. */
static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The build's deadline (0: none); the message says what ran out. */
struct limits {
	int64_t deadline;     /* CLOCK_MONOTONIC ms, 0: none */
	unsigned int timeout; /* seconds, for the message */
	int timed_out;
};

static int
check_deadline(struct limits *l)
{
	if (l->deadline == 0 || now_ms() < l->deadline)
		return CR_OK;
	l->timed_out = 1;
	return cr_error_set("the build timed out after %u s, while its "
			    "artifacts were collected",
			    l->timeout);
}

/* What a pattern walk found, and how far it may go. */
struct walk {
	const char *pattern;
	char **names;
	size_t n;
	uint64_t visited;
	struct limits *limits;
};

static int
magic(const char *comp)
{
	return strpbrk(comp, "*?[\\") != NULL;
}

static int
walk_add(struct walk *w, const char *prefix, const char *name)
{
	char **tmp;

	if (w->n >= CR_BUILD_MAX_ARTIFACTS)
		return cr_error_set("more than %u artifacts",
				    CR_BUILD_MAX_ARTIFACTS);
	if ((tmp = realloc(w->names, (w->n + 1) * sizeof(*tmp))) == NULL)
		return cr_error_set("out of memory");
	w->names = tmp;
	if (asprintf(&w->names[w->n], "%s%s%s", prefix, *prefix ? "/" : "",
		     name) < 0)
		return cr_error_set("out of memory");
	w->n++;
	return CR_OK;
}

static int
crosses_link(const struct walk *w, const char *prefix, const char *name)
{
	return cr_error_set("artifact '%s': %s%s%s is a symbolic link the "
			    "build made; artifact patterns never cross links "
			    "(name what it points to); refusing",
			    w->pattern, prefix, *prefix ? "/" : "", name);
}

static int walk_dir(struct walk *w, int dirfd, const char *prefix, char **comps,
		    size_t ncomp);

/* Goes into dirfd's entry name (a directory, never a link) for comps. */
static int
walk_into(struct walk *w, int dirfd, const char *prefix, const char *name,
	  char **comps, size_t ncomp)
{
	char *sub = NULL;
	int fd, err;

	fd = openat(dirfd, name,
		    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;

		if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISLNK(st.st_mode))
			return crosses_link(w, prefix, name);
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return CR_OK; /* no match through here */
		return cr_error_errno("artifact '%s': %s%s%s", w->pattern,
				      prefix, *prefix ? "/" : "", name);
	}
	if (asprintf(&sub, "%s%s%s", prefix, *prefix ? "/" : "", name) < 0) {
		close(fd);
		return cr_error_set("out of memory");
	}
	err = walk_dir(w, fd, sub, comps, ncomp);
	free(sub);
	close(fd);
	return err;
}

/*
 * Matches comps[0..ncomp) below the directory dirfd (named prefix), one
 * component at a time and relative to the descriptor, never following a
 * link: the walk cannot leave the build directory. A link where the
 * pattern goes on below it is refused; the last component may name one
 * (collect_one opens it inside the build directory). Components are
 * matched as glob(3) would: fnmatch(3), a leading '.' only explicitly.
 */
static int
walk_dir(struct walk *w, int dirfd, const char *prefix, char **comps,
	 size_t ncomp)
{
	const char *comp = comps[0];
	struct dirent *de;
	struct stat st;
	DIR *d = NULL;
	int fd, err = CR_OK;

	if (!magic(comp)) {
		if (ncomp > 1)
			return walk_into(w, dirfd, prefix, comp, comps + 1,
					 ncomp - 1);
		if (fstatat(dirfd, comp, &st, AT_SYMLINK_NOFOLLOW) == 0)
			return walk_add(w, prefix, comp);
		return CR_OK;
	}
	if ((fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
	    (d = fdopendir(fd)) == NULL) {
		err = cr_error_errno("artifact '%s': %s", w->pattern,
				     *prefix ? prefix : ".");
		if (fd >= 0)
			close(fd);
		return err;
	}
	while (err == CR_OK && (errno = 0, de = readdir(d)) != NULL) {
		if (++w->visited > CR_BUILD_MAX_WALK) {
			err = cr_error_set("artifact '%s': more than %u "
					   "directory entries to match; "
					   "refusing",
					   w->pattern, CR_BUILD_MAX_WALK);
			break;
		}
		if ((w->visited & 1023) == 0 &&
		    (err = check_deadline(w->limits)) < 0)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    fnmatch(comp, de->d_name, FNM_PERIOD) != 0)
			continue;
		if (ncomp == 1)
			err = walk_add(w, prefix, de->d_name);
		else
			err = walk_into(w, dirfd, prefix, de->d_name, comps + 1,
					ncomp - 1);
	}
	if (err == CR_OK && errno != 0)
		err = cr_error_errno("artifact '%s': %s", w->pattern,
				     *prefix ? prefix : ".");
	closedir(d);
	return err;
}

/* The artifact names the patterns match, sorted and unique. */
static int
match_artifacts(char ***out, size_t *count, int rootfd, char *const *patterns,
		struct limits *limits)
{
	struct walk w = {0};
	char **names = NULL, *copy = NULL, *comps[PATH_MAX / 2], *c, *save;
	size_t n = 0, i, j, ncomp, before;
	int err = CR_OK;

	w.limits = limits;
	for (i = 0; patterns[i] != NULL; i++) {
		if (bad_pattern(patterns[i])) {
			err = cr_error_set("artifact '%s': must be a path "
					   "relative to the source root, "
					   "without '..'",
					   patterns[i]);
			goto done;
		}
		free(copy);
		if ((copy = strdup(patterns[i])) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
		ncomp = 0;
		for (c = strtok_r(copy, "/", &save); c != NULL;
		     c = strtok_r(NULL, "/", &save)) {
			if (strcmp(c, ".") == 0)
				continue;
			if (ncomp == CR_ARRAY_SIZE(comps)) {
				err = cr_error_set("artifact '%.64s...': too "
						   "many components",
						   patterns[i]);
				goto done;
			}
			comps[ncomp++] = c;
		}
		if (ncomp == 0) {
			err = cr_error_set("artifact '%s': names no file",
					   patterns[i]);
			goto done;
		}
		w.pattern = patterns[i];
		before = w.n;
		if ((err = walk_dir(&w, rootfd, "", comps, ncomp)) < 0)
			goto done;
		if (w.n == before) {
			err = cr_error_fail("artifact '%s': the build did not "
					    "make it",
					    patterns[i]);
			goto done;
		}
	}
	names = w.names;
	n = w.n;
	w.names = NULL;
	if (n > 0)
		qsort(names, n, sizeof(*names), cmp_name);
	for (i = j = 0; i < n; i++) {
		if (j > 0 && strcmp(names[j - 1], names[i]) == 0)
			free(names[i]);
		else
			names[j++] = names[i];
	}
	n = j;
done:
	free(copy);
	for (i = 0; i < w.n && w.names != NULL; i++)
		free(w.names[i]);
	free(w.names);
	if (err < 0) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		names = NULL;
		n = 0;
	}
	*out = names;
	*count = n;
	return err;
}

/* Opens (creating as needed) the directory of rel under root, no links. */
static int
open_out_dir(int *dirfd, const char *root, const char *rel)
{
	char part[PATH_MAX];
	const char *p = rel, *slash;
	int fd, next;

	if ((fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return cr_error_errno("%s", root);
	while ((slash = strchr(p, '/')) != NULL) {
		snprintf(part, sizeof(part), "%.*s", (int)(slash - p), p);
		if (mkdirat(fd, part, 0755) < 0 && errno != EEXIST) {
			close(fd);
			return cr_error_errno("%s/%s", root, rel);
		}
		next = openat(fd, part,
			      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return cr_error_errno("%s/%s", root, rel);
		fd = next;
		p = slash + 1;
	}
	*dirfd = fd;
	return CR_OK;
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static const char *
file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

/*
 * Opens an artifact for reading without ever blocking: its type is checked
 * on an O_PATH descriptor before it is opened, the open is O_NONBLOCK (a
 * FIFO swapped in would not block it either), and the file opened must be
 * the one checked. Anything but a regular file is refused (CR_ERROR).
 */
static int
open_artifact(int *out, struct stat *st, int srcfd, const char *name)
{
	struct stat first;
	int pfd = -1, fd = -1, flags, err;

	*out = -1;
	err = cr_sandbox_open(&pfd, NULL, srcfd, name, O_PATH, 0);
	if (err < 0) {
		if (err == CR_EFAIL)
			cr_error_fail("artifact '%s': the build did not make "
				      "it (or it is a link out of the build)",
				      name);
		return err;
	}
	if (fstat(pfd, &first) < 0) {
		err = cr_error_errno("artifact '%s'", name);
		goto done;
	}
	if (!S_ISREG(first.st_mode)) {
		err = cr_error_set("artifact '%s': %s, not a regular file; "
				   "refused",
				   name, file_kind(first.st_mode));
		goto done;
	}
	if ((err = cr_sandbox_open(&fd, NULL, srcfd, name,
				   O_RDONLY | O_NONBLOCK, 0)) < 0)
		goto done;
	if (fstat(fd, st) < 0) {
		err = cr_error_errno("artifact '%s'", name);
		goto done;
	}
	if (!S_ISREG(st->st_mode) || st->st_dev != first.st_dev ||
	    st->st_ino != first.st_ino) {
		err = cr_error_set("artifact '%s': changed while it was "
				   "collected; refused",
				   name);
		goto done;
	}
	if ((flags = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0) {
		err = cr_error_errno("artifact '%s'", name);
		goto done;
	}
	*out = fd;
	fd = -1;
	err = CR_OK;
done:
	if (fd >= 0)
		close(fd);
	close(pfd);
	return err;
}

/*
 * Copies in to the empty file out under the deadline, holes left as holes
 * (SEEK_DATA/SEEK_HOLE; a filesystem without them shows one data extent):
 * a sparse artifact costs no disk, only the time to hash it.
 */
static int
copy_limited(int out, int in, const char *name, struct limits *l)
{
	char *buf;
	struct stat st;
	off_t pos = 0, data, hole;
	ssize_t n;
	size_t want;
	int err = CR_OK;

	if (fstat(in, &st) < 0)
		return cr_error_errno("%s", name);
	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL)
		return cr_error_set("out of memory");
	while (pos < st.st_size) {
		if ((data = lseek(in, pos, SEEK_DATA)) < 0) {
			if (errno != ENXIO)
				err = cr_error_errno("%s", name);
			break; /* ENXIO: a hole to the end */
		}
		if ((hole = lseek(in, data, SEEK_HOLE)) < 0) {
			err = cr_error_errno("%s", name);
			break;
		}
		for (pos = data; pos < hole; pos += n) {
			if ((err = check_deadline(l)) < 0)
				goto done;
			want = hole - pos > (off_t)CR_STREAM_CHUNK
				       ? CR_STREAM_CHUNK
				       : (size_t)(hole - pos);
			n = pread(in, buf, want, pos);
			if (n < 0 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n <= 0) {
				err = n < 0 ? cr_error_errno("%s", name)
					    : cr_error_set("%s: changed while "
							   "it was copied",
							   name);
				goto done;
			}
			if (lseek(out, pos, SEEK_SET) < 0) {
				err = cr_error_errno("%s", name);
				goto done;
			}
			if ((err = write_all(out, buf, (size_t)n, name)) < 0)
				goto done;
		}
	}
	if (err == CR_OK && ftruncate(out, st.st_size) < 0)
		err = cr_error_errno("%s", name);
done:
	free(buf);
	return err;
}

/* SHA-256 of fd from its start, under the deadline; *size its length. */
static int
hash_limited(unsigned char *sha, uint64_t *size, int fd, const char *name,
	     struct limits *l)
{
	struct cr_sha256 h;
	char *buf = NULL;
	ssize_t n;
	int err;

	*size = 0;
	if ((err = cr_sha256_init(&h)) < 0)
		return err;
	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		err = cr_error_errno("%s", name);
		goto done;
	}
	while ((err = check_deadline(l)) == CR_OK &&
	       (n = read(fd, buf, CR_STREAM_CHUNK)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s", name);
			break;
		}
		*size += (uint64_t)n;
		if ((err = cr_sha256_update(&h, buf, (size_t)n)) < 0)
			break;
	}
	if (err == CR_OK)
		err = cr_sha256_final(&h, sha);
done:
	cr_sha256_dispose(&h);
	free(buf);
	return err;
}

/* The bytes artifacts may hold, and how many they hold so far. */
struct budget {
	uint64_t max, used;
};

static int
spend(struct budget *b, uint64_t n, const char *name, const char *what)
{
	if (n > b->max - b->used)
		return cr_error_set("artifact '%s': %s %llu bytes, with the "
				    "%llu of the artifacts before it more "
				    "than the %llu all may hold together "
				    "(--max-size); refusing",
				    name, what, (unsigned long long)n,
				    (unsigned long long)b->used,
				    (unsigned long long)b->max);
	b->used += n;
	return CR_OK;
}

/*
 * Copies (and normalises) one artifact into the output directory: its size
 * as built, and again as written, counted against the budget before the
 * bytes are read (a sparse file costs the build nothing), every loop under
 * the deadline.
 */
static int
collect_one(struct cr_artifact *a, int srcfd, const char *outdir,
	    const struct cr_recipe *r, int64_t sde, struct budget *bud,
	    struct limits *l)
{
	struct cr_normalize_report rep;
	struct cr_normalize_opts nopts = {0};
	struct cr_atomic out = {.fd = -1};
	struct stat st;
	char *shown = NULL;
	uint64_t written;
	int in = -1, dir = -1, err;

	snprintf(a->format, sizeof(a->format), "none");
	if ((err = open_artifact(&in, &st, srcfd, a->name)) < 0)
		return err;
	if ((err = spend(bud, (uint64_t)st.st_size, a->name, "holds")) < 0)
		goto done;
	if ((err = open_out_dir(&dir, outdir, a->name)) < 0)
		goto done;
	if (asprintf(&shown, "%s/%s", outdir, a->name) < 0) {
		shown = NULL;
		err = cr_error_set("out of memory");
		goto done;
	}
	if ((err = cr_atomic_openat(&out, dir, base_name(a->name), shown,
				    (st.st_mode & 0111) ? 0755 : 0644, 0)) < 0)
		goto done;
	rep.format[0] = '\0';
	nopts.deadline = l->deadline;
	if (r->normalize && (err = cr_normalize_fd(&rep, out.fd, in, a->name,
						   sde, &nopts)) < 0) {
		/* Its message says so when the time ran out there. */
		if (l->deadline != 0 && now_ms() >= l->deadline)
			l->timed_out = 1;
		goto done;
	}
	if (!r->normalize || strcmp(rep.format, "none") == 0) {
		if (lseek(in, 0, SEEK_SET) < 0) {
			err = cr_error_errno("%s", a->name);
			goto done;
		}
		if ((err = copy_limited(out.fd, in, a->name, l)) < 0)
			goto done;
	} else {
		snprintf(a->format, sizeof(a->format), "%s", rep.format);
		a->steps = rep.steps;
		a->kept = rep.kept;
	}
	if ((err = hash_limited(a->sha256, &written, out.fd, a->name, l)) < 0)
		goto done;
	/* Normalised, it may differ in size: both count. */
	if (written > (uint64_t)st.st_size &&
	    (err = spend(bud, written - (uint64_t)st.st_size, a->name,
			 "normalised, grew by")) < 0)
		goto done;
	/* In the directory opened without following links. */
	err = cr_atomic_commit(&out);
done:
	cr_atomic_abort(&out);
	free(shown);
	if (dir >= 0)
		close(dir);
	if (in >= 0)
		close(in);
	return err;
}

/* ---- the log ------------------------------------------------------------ */

/*
 * Hashes the log the drain kept (at most CR_BUILD_MAX_LOG bytes and the
 * note of its truncation), keeps its tail and copies it to outdir/name.
 */
static int
keep_log(struct cr_build *b, const char *log, const char *outdir,
	 const char *name, struct limits *l)
{
	struct cr_atomic out = {.fd = -1};
	char path[PATH_MAX];
	uint64_t size;
	off_t off;
	ssize_t n;
	int in, err;

	if ((in = open(log, O_RDONLY | O_CLOEXEC)) < 0)
		return cr_error_errno("%s", log);
	if ((err = hash_limited(b->log_sha256, &size, in, log, l)) < 0)
		goto done;
	off = size > (uint64_t)(CR_BUILD_LOG_TAIL - 1)
		      ? (off_t)(size - (CR_BUILD_LOG_TAIL - 1))
		      : 0;
	n = pread(in, b->log_tail, CR_BUILD_LOG_TAIL - 1, off);
	b->log_tail[n > 0 ? n : 0] = '\0';
	if (outdir == NULL)
		goto done;
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	free(b->log_path);
	if ((b->log_path = strdup(path)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if ((err = cr_atomic_open(&out, path, 0644, 0)) < 0)
		goto done;
	if (lseek(in, 0, SEEK_SET) < 0)
		err = cr_error_errno("%s", log);
	else if ((err = copy_limited(out.fd, in, path, l)) == CR_OK)
		err = cr_atomic_commit(&out);
	cr_atomic_abort(&out);
done:
	close(in);
	return err;
}

/*
 * The build's stdout and stderr are a pipe, drained here into the log file
 * up to max bytes; what comes after is read and dropped (the build cannot
 * block on it, nor fill the disk, nor truncate or seek the log), and a
 * last line says so.
 */
struct drain {
	pthread_t thread;
	int rfd, out;
	uint64_t max, kept;
	int truncated, err, started;
	char *buf;
	char why[256];
};

static void *
drain_log(void *arg)
{
	struct drain *d = arg;
	uint64_t room;
	ssize_t n, k;
	char note[128];

	for (;;) {
		n = read(d->rfd, d->buf, CR_STREAM_CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		room = d->max - d->kept;
		k = (uint64_t)n > room ? (ssize_t)room : n;
		if ((uint64_t)n > room)
			d->truncated = 1;
		if (d->err != 0 || k == 0)
			continue;
		if (write_all(d->out, d->buf, (size_t)k, "build log") < 0) {
			d->err = errno ? errno : EIO;
			snprintf(d->why, sizeof(d->why), "%s",
				 strerror(d->err));
			continue;
		}
		d->kept += (uint64_t)k;
	}
	if (d->truncated && d->err == 0) {
		snprintf(note, sizeof(note),
			 "\n[cleanroom: the log was cut at %llu bytes]\n",
			 (unsigned long long)d->max);
		if (write_all(d->out, note, strlen(note), "build log") < 0) {
			d->err = errno ? errno : EIO;
			snprintf(d->why, sizeof(d->why), "%s",
				 strerror(d->err));
		}
	}
	return NULL;
}

static int
drain_start(struct drain *d, int *wfd, int logfd, uint64_t max)
{
	int p[2];

	memset(d, 0, sizeof(*d));
	d->rfd = -1;
	*wfd = -1;
	if ((d->buf = malloc(CR_STREAM_CHUNK)) == NULL)
		return cr_error_set("out of memory");
	if (pipe2(p, O_CLOEXEC) < 0)
		return cr_error_errno("build log: pipe");
	d->rfd = p[0];
	d->out = logfd;
	d->max = max;
	if (pthread_create(&d->thread, NULL, drain_log, d) != 0) {
		close(p[0]);
		close(p[1]);
		d->rfd = -1;
		return cr_error_set("build log: cannot start a thread");
	}
	d->started = 1;
	*wfd = p[1];
	return CR_OK;
}

/* After every writer is gone: waits for the rest of the pipe. */
static int
drain_stop(struct drain *d, const char *log)
{
	int was = d->started;

	if (was) {
		pthread_join(d->thread, NULL);
		d->started = 0;
	}
	if (d->rfd >= 0)
		close(d->rfd);
	d->rfd = -1;
	free(d->buf);
	d->buf = NULL;
	if (was && d->err != 0)
		return cr_error_set("%s: %s", log, d->why);
	return CR_OK;
}

/* ---- the statement's parameters --------------------------------------- */

/* What internalParameters says of the sandbox (sandbox.h). */
static const char *const sandbox_namespaces[] = {"user", "mount", "pid", "net",
						 "uts",	 "ipc",	  NULL};
static const char *const no_entries[] = {NULL};
static const char *const deny_namespace_flags[] = {"clone", "unshare", NULL};
static const char *const deny_ioctl[] = {"TIOCSTI", "TIOCLINUX", NULL};
/* How libfaketime runs decides bytes too (issue 11: file times). */
static const char *const fake_clock_env[] = {"FAKETIME_DONT_FAKE_MONOTONIC=1",
					     "NO_FAKE_STAT=1", NULL};

/* Each artifact's normalisation, for internalParameters. */
static int
record_normalizations(struct cr_build *b)
{
	unsigned int bit;
	size_t i, n;

	if ((b->norms = calloc(b->nartifacts + 1, sizeof(*b->norms))) == NULL ||
	    (b->norm_steps = calloc((b->nartifacts + 1) * CR_BUILD_MAX_STEPS,
				    sizeof(*b->norm_steps))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < b->nartifacts; i++) {
		const struct cr_artifact *a = &b->artifacts[i];
		const char **steps = &b->norm_steps[i * CR_BUILD_MAX_STEPS];

		n = 0;
		for (bit = 1; bit != 0 && bit <= a->steps; bit <<= 1)
			if ((a->steps & bit) && cr_normalize_step_name(bit) &&
			    n + 1 < CR_BUILD_MAX_STEPS)
				steps[n++] = cr_normalize_step_name(bit);
		b->norms[i].artifact = a->name;
		b->norms[i].format = a->format;
		b->norms[i].steps = steps;
		b->norms[i].kept = (int64_t)a->kept;
	}
	return CR_OK;
}

void
cr_build_provenance(struct cr_provenance *p, const struct cr_build *b)
{
	struct cr_external *e = &p->external;
	const struct cr_resource *root =
		b->has_root ? &b->deps[b->ndeps - 1] : NULL;

	/*
	 * What the user chose goes in externalParameters: SLSA consumers
	 * check those and need not check internalParameters, and a choice
	 * that decides bytes (the build time, the clock, normalisation, the
	 * root) is the user's. A host build records the host's package set
	 * as "hostfs", and its root as "host".
	 */
	e->source_date_epoch = b->source_date_epoch;
	e->fake_clock = b->fake_clock;
	e->normalize = b->normalize;
	if (root != NULL && root->name != NULL &&
	    strcmp(root->name, CR_STATEMENT_ROOTFS) == 0) {
		e->rootfs = CR_ROOTFS_GIVEN;
		e->rootfs_digest = root->digest;
		e->nrootfs_digest = root->ndigest;
	} else {
		e->rootfs = CR_ROOTFS_HOST;
	}
	p->internal.build_path = CR_SANDBOX_BUILD_PATH;
	p->internal.sandbox.namespaces = sandbox_namespaces;
	p->internal.sandbox.network = "none";
	p->internal.sandbox.root =
		b->given_root ? "given (rootfs)" : "host, read-only";
	if (b->given_root)
		p->internal.sandbox.root_dirs_word = "all";
	else
		p->internal.sandbox.root_dirs = cr_sandbox_host_dirs;
	p->internal.sandbox.hidden =
		b->given_root ? no_entries : cr_sandbox_hidden;
	p->internal.sandbox.var =
		b->given_root ? "the root's, read-only" : "tmpfs";
	p->internal.sandbox.sys = "empty";
	p->internal.sandbox.proc = "new, of the pid namespace";
	p->internal.sandbox.hostname = CR_SANDBOX_HOSTNAME;
	p->internal.sandbox.home = CR_SANDBOX_HOME;
	p->internal.sandbox.tmpdir = "/tmp";
	p->internal.sandbox.path = CR_SANDBOX_PATH;
	p->internal.sandbox.umask = "022";
	p->internal.sandbox.keyring = "new session keyring";
	p->internal.sandbox.seccomp.deny = cr_sandbox_denied;
	p->internal.sandbox.seccomp.deny_namespace_flags = deny_namespace_flags;
	p->internal.sandbox.seccomp.clone3 = "ENOSYS";
	p->internal.sandbox.seccomp.deny_ioctl = deny_ioctl;
	p->internal.sandbox.seccomp.other_architectures = "killed";
	if (b->fake_clock)
		p->internal.sandbox.fake_clock_env = fake_clock_env;
	p->internal.normalizations = b->norms;
	p->internal.nnormalizations = b->nartifacts;
	p->deps = b->deps;
	p->ndeps = b->ndeps;
	p->byproducts = &b->log;
	p->nbyproducts = 1;
	p->started = b->started;
	p->finished = b->finished;
}

/* ---- progress ------------------------------------------------------------ */

struct watch {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int done;
	const char *log;
	const struct cr_build_opts *opts;
};

/* Reports the log's last complete line now and then until told to stop. */
static void *
watch_log(void *arg)
{
	struct watch *wt = arg;
	char buf[512], line[256];
	struct timespec ts;
	ssize_t n;
	char *end, *start;
	int fd;

	pthread_mutex_lock(&wt->lock);
	while (!wt->done) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 200000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&wt->cond, &wt->lock, &ts);
		if (wt->done)
			break;
		if ((fd = open(wt->log, O_RDONLY | O_CLOEXEC)) < 0)
			continue;
		n = pread(fd, buf, sizeof(buf) - 1,
			  lseek(fd, 0, SEEK_END) > (off_t)sizeof(buf) - 1
				  ? lseek(fd, 0, SEEK_END) -
					    (off_t)sizeof(buf) + 1
				  : 0);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if ((end = strrchr(buf, '\n')) == NULL)
			continue;
		*end = '\0';
		start = strrchr(buf, '\n');
		start = start ? start + 1 : buf;
		if (strlen(start) >= sizeof(line))
			start[sizeof(line) - 1] = '\0';
		memcpy(line, start, strlen(start) + 1);
		wt->opts->progress(wt->opts->progress_ctx, line);
	}
	pthread_mutex_unlock(&wt->lock);
	return NULL;
}

static int
watch_start(struct watch *wt, const char *log, const struct cr_build_opts *o)
{
	memset(wt, 0, sizeof(*wt));
	wt->log = log;
	wt->opts = o;
	pthread_mutex_init(&wt->lock, NULL);
	pthread_cond_init(&wt->cond, NULL);
	if (pthread_create(&wt->thread, NULL, watch_log, wt) != 0) {
		wt->opts = NULL;
		return -1;
	}
	return 0;
}

static void
watch_stop(struct watch *wt)
{
	if (wt->opts == NULL)
		return;
	pthread_mutex_lock(&wt->lock);
	wt->done = 1;
	pthread_cond_signal(&wt->cond);
	pthread_mutex_unlock(&wt->lock);
	pthread_join(wt->thread, NULL);
	pthread_cond_destroy(&wt->cond);
	pthread_mutex_destroy(&wt->lock);
	wt->opts = NULL;
}

/* ---- the build ---------------------------------------------------------- */

/* The root filesystem given with --root, as a resolved dependency. */
static int
record_root(struct cr_resource **out, const struct cr_build_opts *opts)
{
	struct cr_tree_opts topts = {0};
	struct cr_root *r = NULL;
	int err;

	*out = NULL;
	if (opts->root_dependency != NULL) {
		if ((*out = calloc(1, sizeof(**out))) == NULL)
			return cr_error_set("out of memory");
		return cr_resource_copy(*out, opts->root_dependency);
	}
	if (opts->root == NULL) {
		/* The host's root: its package set, like a .buildinfo. */
		struct cr_root_pkg *p = NULL;
		size_t n = 0;

		if ((err = cr_root_installed(&p, &n, "/")) < 0)
			return err;
		if (n > 0 && (*out = cr_root_host_dependency(p, n)) == NULL)
			err = cr_error_set("out of memory");
		cr_root_pkgs_free(p, n);
		return err;
	}
	topts.skip_special = 1;
	if ((err = cr_root_open(&r, opts->root, &topts)) < 0 ||
	    (err = cr_root_describe(r, opts->root)) < 0)
		goto done;
	if ((*out = cr_root_dependency(r)) == NULL)
		err = cr_error_set("out of memory");
done:
	cr_root_close(r);
	return err;
}

/* The tools, and the files they ran and read that can be known. */
static int
probe_toolchain(struct cr_toolchain **tc, const struct cr_sandbox_opts *so,
		const struct cr_recipe *recipe, const struct cr_build *b,
		const struct cr_build_opts *opts)
{
	const char **arts = NULL;
	char **files = NULL;
	size_t nfiles = 0, i;
	int err;

	if ((arts = calloc(b->nartifacts + 1, sizeof(*arts))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < b->nartifacts; i++)
		arts[i] = b->artifacts[i].name;
	if ((err = cr_toolchain_internals(&files, &nfiles, opts->root,
					  opts->output_dir, arts)) == CR_OK)
		err = cr_toolchain_probe_files(
			tc, so, (const char *const *)recipe->tools,
			(const char *const *)files, 0);
	free(arts);
	cr_toolchain_list_free(files, nfiles);
	return err;
}

static int
derive_sde(int64_t *sde, const struct cr_recipe *r,
	   const struct cr_build_source *src)
{
	if (r->source_date_epoch >= 0)
		*sde = r->source_date_epoch;
	else if (src->info->commit_time >= 0)
		*sde = src->info->commit_time;
	else if (src->info->newest_mtime >= 0)
		*sde = src->info->newest_mtime;
	else
		return cr_error_set("%s: no SOURCE_DATE_EPOCH: a directory "
				    "carries no time of its own; give --env "
				    "SOURCE_DATE_EPOCH=N (or build from --git "
				    "or --tarball)",
				    src->path);
	return CR_OK;
}

int
cr_build_run(struct cr_build **out, const struct cr_recipe *recipe,
	     const struct cr_build_source *src,
	     const struct cr_build_opts *opts)
{
	struct cr_sandbox_opts so;
	struct watch watch = {0};
	struct statvfs vfs;
	struct cr_toolchain *tc = NULL;
	struct cr_resource *rootdep = NULL;
	struct cr_build *b = NULL;
	struct work w = {0};
	struct limits lim = {0};
	struct budget bud = {0};
	struct drain drain = {0};
	char **names = NULL;
	size_t n = 0, i;
	int64_t left;
	int logfd = -1, wfd = -1, srcfd = -1, err, err2;

	*out = NULL;
	drain.rfd = -1;
	if ((b = calloc(1, sizeof(*b))) == NULL)
		return cr_error_set("out of memory");
	b->started = (int64_t)time(NULL);
	/* One deadline over the export, the build and the collection. */
	lim.timeout = opts->timeout;
	if (opts->timeout > 0)
		lim.deadline = now_ms() + (int64_t)opts->timeout * 1000;
	bud.max = opts->max_size ? opts->max_size : CR_BUILD_MAX_SIZE;
	if ((err = derive_sde(&b->source_date_epoch, recipe, src)) < 0 ||
	    (err = work_new(&w, opts->work_parent)) < 0)
		goto done;
	/* The build runs what it makes: its directory must allow that. */
	if (statvfs(w.src, &vfs) == 0 && (vfs.f_flag & ST_NOEXEC)) {
		err = cr_error_set("%s is on a noexec mount, where a build "
				   "cannot run what it makes; set TMPDIR to "
				   "a directory elsewhere",
				   w.dir);
		goto done;
	}
	if ((err = export_source(
		     &w, src, opts->reverse_export, b->source_date_epoch,
		     (opts->vary & CR_BUILD_VARY_ORDER) ? opts->order_ref
							: NULL)) < 0)
		goto done;
	if (opts->record_order &&
	    (err = read_order(&b->src_order, &b->nsrc_order, w.src,
			      ORDER_CAP(src->tree))) < 0)
		goto done;
	if ((opts->vary & CR_BUILD_VARY_ORDER) && opts->order_ref != NULL &&
	    opts->order_ref->src_order != NULL &&
	    (err = compare_order(b, w.src, opts->order_ref,
				 ORDER_CAP(src->tree))) < 0)
		goto done;

	logfd = open(w.log, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (logfd < 0) {
		err = cr_error_errno("%s", w.log);
		goto done;
	}
	if ((err = drain_start(&drain, &wfd, logfd, CR_BUILD_MAX_LOG)) < 0)
		goto done;
	cr_sandbox_opts_init(&so);
	so.source_dir = w.src;
	so.root = opts->root;
	so.argv = (const char *const *)recipe->command;
	so.env = (const char *const *)recipe->env;
	so.source_date_epoch = b->source_date_epoch;
	so.fake_clock = recipe->fake_clock;
	so.log_fd = wfd;
	if (lim.deadline) {
		left = lim.deadline - now_ms();
		if (left < 1000)
			left = 1000;
		so.timeout = (unsigned int)((left + 999) / 1000);
	}
	so.vary = opts->vary & ~CR_BUILD_VARY_ORDER;
	if (opts->progress != NULL)
		watch_start(&watch, w.log, opts);
	err = cr_sandbox_run(&b->exit_status, &so);
	/* Every process of the sandbox is gone: ours is the last writer. */
	close(wfd);
	wfd = -1;
	err2 = drain_stop(&drain, w.log);
	watch_stop(&watch);
	b->log_truncated = drain.truncated;
	if (err < 0 && b->exit_status != CR_SANDBOX_TIMED_OUT)
		goto done;
	if ((err = err2) < 0)
		goto done;
	close(logfd);
	logfd = -1;
	b->finished = (int64_t)time(NULL);
	/* The log is kept even when the time ran out: no deadline here. */
	{
		struct limits none = {0};

		if ((err = keep_log(b, w.log, opts->output_dir,
				    opts->log_name ? opts->log_name
						   : "build.log",
				    &none)) < 0)
			goto done;
	}
	if (b->exit_status == CR_SANDBOX_TIMED_OUT) {
		b->timed_out = 1;
		err = cr_error_set("the build timed out after %u s; the whole "
				   "sandbox was killed",
				   opts->timeout);
		goto done;
	}
	if (b->exit_status != 0) {
		err = cr_error_fail("the build command failed (exit status "
				    "%d)",
				    b->exit_status);
		goto done;
	}

	if ((srcfd = open(w.src, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		err = cr_error_errno("%s", w.src);
		goto done;
	}
	if ((err = match_artifacts(&names, &n, srcfd, recipe->artifacts,
				   &lim)) < 0)
		goto done;
	if (n == 0) {
		err = cr_error_set("no artifact declared (--artifact PATH)");
		goto done;
	}
	if ((b->artifacts = calloc(n, sizeof(*b->artifacts))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		b->artifacts[i].name = names[i];
		names[i] = NULL;
		b->nartifacts++;
		if ((err = collect_one(&b->artifacts[i], srcfd,
				       opts->output_dir, recipe,
				       b->source_date_epoch, &bud, &lim)) < 0)
			goto done;
	}
	if ((err = probe_toolchain(&tc, &so, recipe, b, opts)) < 0 ||
	    (err = record_root(&rootdep, opts)) < 0)
		goto done;
	b->fake_clock = recipe->fake_clock;
	b->normalize = recipe->normalize;
	b->given_root = opts->root != NULL;
	if ((err = record_normalizations(b)) < 0 ||
	    (err = cr_toolchain_resources(&b->deps, &b->ndeps, tc,
					  rootdep != NULL)) < 0)
		goto done;
	if (rootdep != NULL) {
		/* Moved in: rootdep's strings now belong to b. */
		b->deps[b->ndeps++] = *rootdep;
		memset(rootdep, 0, sizeof(*rootdep));
		b->has_root = 1;
	}
	{
		char hex[CR_SHA256_HEXLEN + 1];

		cr_hex_encode(hex, b->log_sha256, CR_SHA256_LEN);
		if ((err = cr_resource_set(&b->log.name,
					   opts->log_name ? opts->log_name
							  : "build.log")) < 0 ||
		    (err = cr_resource_add_digest(&b->log, "sha256", hex)) <
			    0 ||
		    (err = cr_resource_set(&b->log.media_type, "text/plain")) <
			    0)
			goto done;
	}
	err = CR_OK;
done:
	if (wfd >= 0)
		close(wfd);
	(void)drain_stop(&drain, w.log);
	if (lim.timed_out)
		b->timed_out = 1;
	if (srcfd >= 0)
		close(srcfd);
	if (logfd >= 0)
		close(logfd);
	for (i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	work_free(&w);
	cr_toolchain_free(tc);
	cr_resources_free(rootdep, 1);
	/* A failed command still reports its status and log. */
	if (err == CR_OK || (err == CR_EFAIL && b->exit_status != 0) ||
	    b->timed_out)
		*out = b;
	else
		cr_build_free(b);
	return err;
}

void
cr_build_free(struct cr_build *b)
{
	size_t i;

	if (b == NULL)
		return;
	for (i = 0; i < b->nartifacts; i++)
		free(b->artifacts[i].name);
	free(b->artifacts);
	free(b->norms);
	free(b->norm_steps);
	cr_resources_free(b->deps, b->ndeps);
	cr_resource_clear(&b->log);
	order_free(b->src_order, b->nsrc_order);
	free(b->log_path);
	free(b);
}
