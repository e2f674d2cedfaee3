/* Deterministic source archives of committed trees (attest export, disclose). */
#include "export.h"
#include "error.h"
#include "util.h"
#include "write.h"

#include <fcntl.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

struct writer {
	struct archive *a;
	struct archive_entry *e;
	const char *out;
	int64_t mtime;
	char dir[CR_TREE_MAX_PATH + 1]; /* the last directory written */
};

static int
arc_fail(struct writer *w, const char *what)
{
	return cr_error_set("%s: %s: %s", w->out, what,
			    archive_error_string(w->a)
				    ? archive_error_string(w->a)
				    : "libarchive error");
}

static int
put(struct writer *w, const char *path, unsigned int type, unsigned int perm,
    const void *data, size_t len, const char *link)
{
	archive_entry_clear(w->e);
	archive_entry_set_pathname(w->e, path);
	archive_entry_set_filetype(w->e, type);
	archive_entry_set_perm(w->e, perm);
	archive_entry_set_uid(w->e, 0);
	archive_entry_set_gid(w->e, 0);
	archive_entry_set_mtime(w->e, (time_t)w->mtime, 0);
	archive_entry_set_size(w->e, type == AE_IFREG ? (la_int64_t)len : 0);
	if (link != NULL)
		archive_entry_set_symlink(w->e, link);
	if (archive_write_header(w->a, w->e) != ARCHIVE_OK)
		return arc_fail(w, path);
	if (type == AE_IFREG && len > 0 &&
	    archive_write_data(w->a, data, len) != (la_ssize_t)len)
		return arc_fail(w, path);
	return CR_OK;
}

/* Writes an entry for each directory of path not written yet. */
static int
put_dirs(struct writer *w, const char *path)
{
	char buf[CR_TREE_MAX_PATH + 2];
	const char *slash;
	size_t n, have;
	int err;

	have = strlen(w->dir);
	for (slash = strchr(path, '/'); slash; slash = strchr(slash + 1, '/')) {
		n = (size_t)(slash - path);
		/* Already written: a prefix of the last directory. */
		if (n <= have && strncmp(w->dir, path, n) == 0 &&
		    (w->dir[n] == '/' || w->dir[n] == '\0'))
			continue;
		memcpy(buf, path, n);
		buf[n] = '/';
		buf[n + 1] = '\0';
		if ((err = put(w, buf, AE_IFDIR, 0755, NULL, 0, NULL)) < 0)
			return err;
	}
	slash = strrchr(path, '/');
	n = slash ? (size_t)(slash - path) : 0;
	memcpy(w->dir, path, n);
	w->dir[n] = '\0';
	return CR_OK;
}

static int
put_blob(struct writer *w, struct cr_git_reader *r,
	 const struct cr_tree_entry *te)
{
	char *target = NULL;
	const void *data;
	size_t len;
	int err;

	if ((err = cr_git_reader_blob(r, te, &data, &len)) < 0 ||
	    (err = put_dirs(w, te->path)) < 0)
		return err;
	if (te->mode == CR_MODE_LINK) {
		if ((target = strndup(data, len)) == NULL ||
		    strlen(target) != len) {
			free(target);
			return cr_error_set("%s: bad symlink target", te->path);
		}
		err = put(w, te->path, AE_IFLNK, 0777, NULL, 0, target);
		free(target);
		return err;
	}
	return put(w, te->path, AE_IFREG,
		   te->mode == CR_MODE_EXEC ? 0755 : 0644, data, len, NULL);
}

/* Whether s is UTF-8 as iconv takes it (no overlong forms or surrogates). */
static int
is_utf8(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned int v;
	size_t n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2, v = *p & 0x1fu;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3, v = *p & 0x0fu;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4, v = *p & 0x07u;
		else
			return 0;
		for (i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return 0;
			v = (v << 6) | (p[i] & 0x3fu);
		}
		if ((n == 3 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
		    (n == 4 && (v < 0x10000 || v > 0x10ffff)))
			return 0;
		p += n;
	}
	return 1;
}

static int
open_output(struct writer *w, int fd, const struct cr_export_opts *opts,
	    int binary)
{
	if ((w->a = archive_write_new()) == NULL ||
	    (w->e = archive_entry_new()) == NULL)
		return cr_error_set("%s: out of memory", w->out);
	/*
	 * Plain ustar unless a path is too long or not ASCII, then a pax
	 * path in UTF-8 (the caller runs this in C.UTF-8, so the bytes stay
	 * as they are). Only a path that is not UTF-8 gets hdrcharset=BINARY,
	 * the one record GNU tar warns about: no "hdrcharset" otherwise.
	 */
	if (archive_write_set_format_pax_restricted(w->a) != ARCHIVE_OK ||
	    (binary &&
	     archive_write_set_format_option(w->a, "pax", "hdrcharset",
					     "BINARY") != ARCHIVE_OK))
		return arc_fail(w, "tar format");
	if (opts->gzip) {
		if (archive_write_add_filter_gzip(w->a) != ARCHIVE_OK ||
		    archive_write_set_filter_option(w->a, "gzip", "timestamp",
						    NULL) != ARCHIVE_OK ||
		    archive_write_set_filter_option(w->a, "gzip",
						    "compression-level",
						    "9") != ARCHIVE_OK)
			return arc_fail(w, "gzip");
	}
	if (archive_write_open_fd(w->a, fd) != ARCHIVE_OK)
		return arc_fail(w, "open");
	return CR_OK;
}

int
cr_export_git(const char *out_path, const char *repo, const char *commit,
	      const struct cr_tree *tree, const struct cr_export_opts *opts)
{
	struct writer w = {0};
	struct cr_git_reader *r = NULL;
	struct cr_atomic out = {.fd = -1};
	locale_t loc, old = (locale_t)0;
	size_t i;
	int binary, err;

	/* Names converted in C.UTF-8 whatever the process locale. */
	if ((loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0)) !=
	    (locale_t)0)
		old = uselocale(loc);
	w.out = out_path;
	w.mtime = opts->mtime;
	if ((err = cr_git_reader_open(&r, repo, commit)) < 0)
		goto done;
	if ((err = cr_atomic_open(&out, out_path, 0644, 0)) < 0)
		goto done;
	binary = opts->first_name != NULL && !is_utf8(opts->first_name);
	for (i = 0; i < tree->count && !binary; i++)
		binary = !is_utf8(tree->entries[i].path);
	if ((err = open_output(&w, out.fd, opts, binary)) < 0)
		goto done;
	if (opts->first_name != NULL &&
	    (err = put(&w, opts->first_name, AE_IFREG, 0644, opts->first,
		       opts->first_len, NULL)) < 0)
		goto done;
	for (i = 0; i < tree->count; i++) {
		const struct cr_tree_entry *te = &tree->entries[i];

		if (opts->select && !opts->select(opts->select_ctx, te->path))
			continue;
		if ((err = put_blob(&w, r, te)) < 0)
			goto done;
	}
	if (archive_write_close(w.a) != ARCHIVE_OK) {
		err = arc_fail(&w, "close");
		goto done;
	}
	err = cr_atomic_commit(&out);
done:
	if (w.a != NULL)
		archive_write_free(w.a);
	archive_entry_free(w.e);
	cr_atomic_abort(&out);
	cr_git_reader_free(r);
	if (loc != (locale_t)0) {
		uselocale(old);
		freelocale(loc);
	}
	return err;
}

int
cr_export_wants_gzip(const char *path)
{
	size_t n = strlen(path);

	return (n >= 7 && strcmp(path + n - 7, ".tar.gz") == 0) ||
	       (n >= 4 && strcmp(path + n - 4, ".tgz") == 0);
}
