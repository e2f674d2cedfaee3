/* The source tree hash of a committed tree, read through libgit2. */
#include "tree.h"
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2.h>

/*
 * Memory: a blob stored loose is streamed CR_STREAM_CHUNK at a time (libgit2
 * maps the compressed object file and inflates it piecewise). A blob in a
 * pack cannot be streamed by libgit2 1.5, whose pack reader resolves deltas
 * in memory: such a blob is held whole while it is hashed, once. So memory
 * is bounded by the largest packed blob, not by the tree.
 */

/* A file's git id and its index in the tree. */
struct blobref {
	git_oid id;
	size_t idx;
};

struct gwalk {
	struct cr_tree *t;
	struct blobref *refs; /* one per entry, in the order added */
	size_t alloc;
	const char *repo;
	const char *rev;
	int err;
};

/* Sets fmt + ": " + libgit2's last error as the message; CR_ERROR. */
static int git_fail(const char *fmt, ...) CR_PRINTF(1, 2);

static int
git_fail(const char *fmt, ...)
{
	const git_error *e = git_error_last();
	char ctx[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	return cr_error_set("%s: %s", ctx,
			    e != NULL && e->message != NULL ? e->message
							    : "libgit2 error");
}

static int
walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct gwalk *w = payload;
	const char *name = git_tree_entry_name(entry);
	char path[CR_TREE_MAX_PATH + 1];
	unsigned int mode, depth = 1;
	const char *p;
	struct blobref *n;
	int len;

	len = snprintf(path, sizeof(path), "%s%s", root, name);
	if (len < 0 || (size_t)len > CR_TREE_MAX_PATH) {
		w->err = cr_error_set("%s: %s: '%.64s...': path longer than %u "
				      "bytes",
				      w->repo, w->rev, path, CR_TREE_MAX_PATH);
		return -1;
	}
	if (*name == '\0' || strchr(name, '/') != NULL) {
		w->err = cr_error_set("%s: %s: '%s': malformed tree entry name",
				      w->repo, w->rev, path);
		return -1;
	}
	for (p = path; *p; p++)
		depth += *p == '/';
	switch (git_tree_entry_filemode(entry)) {
	case GIT_FILEMODE_TREE:
		if (depth >= CR_TREE_MAX_DEPTH) {
			w->err = cr_error_set("%s: %s: '%s': nested deeper "
					      "than %u directories",
					      w->repo, w->rev, path,
					      CR_TREE_MAX_DEPTH);
			return -1;
		}
		return 0;
	case GIT_FILEMODE_BLOB:
		mode = CR_MODE_FILE;
		break;
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		mode = CR_MODE_EXEC;
		break;
	case GIT_FILEMODE_LINK:
		mode = CR_MODE_LINK;
		break;
	case GIT_FILEMODE_COMMIT:
		w->err = cr_error_set("%s: %s: submodule '%s': hash each "
				      "repository on its own, or vendor it "
				      "into the tree",
				      w->repo, w->rev, path);
		return -1;
	default:
		w->err = cr_error_set(
			"%s: %s: '%s': unsupported mode %o", w->repo, w->rev,
			path, (unsigned int)git_tree_entry_filemode_raw(entry));
		return -1;
	}
	if ((w->err = cr_tree_add(w->t, path, mode, NULL, 0)) < 0)
		return -1;
	if (w->t->count > w->alloc) {
		size_t na = w->alloc ? w->alloc * 2 : 256;
		if ((n = realloc(w->refs, na * sizeof(*n))) == NULL) {
			w->err = cr_error_set("%s: out of memory", w->repo);
			return -1;
		}
		w->refs = n;
		w->alloc = na;
	}
	git_oid_cpy(&w->refs[w->t->count - 1].id, git_tree_entry_id(entry));
	w->refs[w->t->count - 1].idx = w->t->count - 1;
	return 0;
}

/* Files ordered by git id, so each blob is hashed once however used. */
static int
cmp_ref(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct blobref *)a)->id,
			   &((const struct blobref *)b)->id);
}

static int
hash_blob(unsigned char out[CR_SHA256_LEN], uint64_t *size, git_odb *odb,
	  const git_oid *id, char *buf, const struct gwalk *w)
{
	struct cr_sha256 h = {0};
	git_odb_stream *st = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	char hex[GIT_OID_HEXSZ + 1], head[32];
	size_t len, total = 0;
	int n, hl, err;

	git_oid_tostr(hex, sizeof(hex), id);
	if ((err = cr_sha256_init(&h)) < 0)
		return err;
	if (git_odb_open_rstream(&st, &len, &type, odb, id) == 0) {
		if (type != GIT_OBJECT_BLOB) {
			err = cr_error_set("%s: object %s: not a blob", w->repo,
					   hex);
			goto done;
		}
		hl = snprintf(head, sizeof(head), "blob %zu", len);
		if ((err = cr_sha256_update(&h, head, (size_t)hl + 1)) < 0)
			goto done;
		while (total < len) {
			n = git_odb_stream_read(st, buf, CR_STREAM_CHUNK);
			if (n < 0) {
				err = git_fail("%s: object %s", w->repo, hex);
				goto done;
			}
			if (n == 0 || (size_t)n > len - total) {
				err = cr_error_set("%s: object %s: size "
						   "differs from its header",
						   w->repo, hex);
				goto done;
			}
			if ((err = cr_sha256_update(&h, buf, (size_t)n)) < 0)
				goto done;
			total += (size_t)n;
		}
	} else {
		/* No backend streams it (it is packed): read it whole. */
		git_error_clear();
		if (git_odb_read(&obj, odb, id) < 0) {
			err = git_fail("%s: object %s", w->repo, hex);
			goto done;
		}
		if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
			err = cr_error_set("%s: object %s: not a blob", w->repo,
					   hex);
			goto done;
		}
		len = git_odb_object_size(obj);
		hl = snprintf(head, sizeof(head), "blob %zu", len);
		if ((err = cr_sha256_update(&h, head, (size_t)hl + 1)) < 0 ||
		    (err = cr_sha256_update(&h, git_odb_object_data(obj),
					    len)) < 0)
			goto done;
	}
	if ((err = cr_sha256_final(&h, out)) < 0)
		goto done;
	*size = len;
done:
	cr_sha256_dispose(&h);
	git_odb_object_free(obj);
	if (st != NULL)
		git_odb_stream_free(st);
	return err;
}

static int
hash_blobs(struct gwalk *w, git_repository *r, const struct cr_tree_opts *opts)
{
	struct cr_tree *t = w->t;
	struct blobref *refs = w->refs;
	git_odb *odb = NULL;
	size_t i, j;
	char *buf = NULL;
	uint64_t bytes = 0, size = 0;
	unsigned char oid[CR_SHA256_LEN];
	int err = CR_OK;

	if (t->count == 0)
		return CR_OK;
	if (git_repository_odb(&odb, r) < 0)
		return git_fail("%s", w->repo);
	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		err = cr_error_set("%s: out of memory", w->repo);
		goto done;
	}
	qsort(refs, t->count, sizeof(*refs), cmp_ref);
	for (i = 0; i < t->count; i = j) {
		if ((err = hash_blob(oid, &size, odb, &refs[i].id, buf, w)) < 0)
			goto done;
		for (j = i;
		     j < t->count && git_oid_equal(&refs[j].id, &refs[i].id);
		     j++) {
			memcpy(t->entries[refs[j].idx].oid, oid, CR_SHA256_LEN);
			t->entries[refs[j].idx].size = size;
			bytes += size;
		}
		if (opts != NULL && opts->progress != NULL)
			opts->progress(opts->progress_ctx, j, bytes, t->count);
	}
done:
	free(buf);
	git_odb_free(odb);
	return err;
}

/*
 * Whether repo's config asks for SHA-256 objects. libgit2 1.5 refuses to
 * open such a repository (and leaks while doing so): look first, in the
 * config of a work tree's .git directory or of a bare repository.
 */
static int
sha256_repo(const char *repo)
{
	static const char *const where[] = {"/.git/config", "/config"};
	git_config *cfg = NULL;
	git_buf val = {0};
	char path[4096];
	size_t i;
	int found = 0;

	for (i = 0; i < 2 && !found; i++) {
		snprintf(path, sizeof(path), "%s%s", repo, where[i]);
		if (access(path, R_OK) != 0 ||
		    git_config_open_ondisk(&cfg, path) < 0)
			continue;
		if (git_config_get_string_buf(&val, cfg,
					      "extensions.objectformat") == 0)
			found = strcasecmp(val.ptr, "sha256") == 0;
		git_buf_dispose(&val);
		git_config_free(cfg);
		cfg = NULL;
	}
	git_error_clear();
	return found;
}

/* libgit2 1.5 knows SHA-1 repositories only; say so plainly. */
static int
open_fail(const char *repo)
{
	const git_error *e = git_error_last();

	if (e != NULL && e->message != NULL &&
	    strstr(e->message, "objectformat") != NULL)
		return cr_error_set("%s: a SHA-256 repository, which this "
				    "libgit2 cannot read; hash a clean "
				    "checkout with 'attest hash DIR' instead",
				    repo);
	return git_fail("%s", repo);
}

int
cr_tree_from_git(struct cr_tree **out, struct cr_source_info *info,
		 const char *repo, const char *rev,
		 const struct cr_tree_opts *opts)
{
	struct gwalk w = {0};
	git_repository *r = NULL;
	git_object *obj = NULL, *peeled = NULL;
	git_tree *tree = NULL;
	const git_commit *commit;
	char msg[1024];
	int err;

	*out = NULL;
	if (info != NULL) {
		info->commit[0] = '\0';
		info->commit_time = -1;
		info->newest_mtime = -1;
	}
	if (rev == NULL)
		rev = "HEAD";
	w.repo = repo;
	w.rev = rev;
	if (git_libgit2_init() < 0)
		return cr_error_set("libgit2: cannot initialise");
	if (sha256_repo(repo)) {
		err = cr_error_set("%s: a SHA-256 repository, which this "
				   "libgit2 cannot read; hash a clean checkout "
				   "with 'attest hash DIR' instead",
				   repo);
		goto done;
	}
	if (git_repository_open_ext(&r, repo, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0) {
		err = open_fail(repo);
		goto done;
	}
	if (git_revparse_single(&obj, r, rev) < 0) {
		err = git_fail("%s: revision '%s'", repo, rev);
		goto done;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		err = git_fail("%s: revision '%s'", repo, rev);
		goto done;
	}
	commit = (const git_commit *)peeled;
	if (git_commit_tree(&tree, commit) < 0) {
		err = git_fail("%s: revision '%s'", repo, rev);
		goto done;
	}
	if ((err = cr_tree_new(&w.t)) < 0)
		goto done;
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &w) < 0) {
		err = w.err < 0 ? w.err : git_fail("%s: %s", repo, rev);
		goto done;
	}
	if ((err = hash_blobs(&w, r, opts)) < 0)
		goto done;
	if ((err = cr_tree_finish(w.t)) < 0) {
		snprintf(msg, sizeof(msg), "%s", cr_error_last());
		err = cr_error_set("%s: %s: %s", repo, rev, msg);
		goto done;
	}
	if (info != NULL) {
		git_oid_tostr(info->commit, sizeof(info->commit),
			      git_commit_id(commit));
		info->commit_time = (int64_t)git_commit_time(commit);
	}
	*out = w.t;
	w.t = NULL;
done:
	cr_tree_free(w.t);
	free(w.refs);
	git_tree_free(tree);
	git_object_free(peeled);
	git_object_free(obj);
	git_repository_free(r);
	git_libgit2_shutdown();
	return err;
}
