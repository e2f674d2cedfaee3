/* The source tree hash of a committed tree, read through libgit2 as git reads it. */
#include "tree.h"
#include "error.h"
#include "git_child.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <git2.h>
#include <git2/sys/odb_backend.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

/*
 * Memory: a blob stored loose and larger than CR_STREAM_CHUNK is streamed
 * that much at a time (libgit2 maps the compressed object file and inflates
 * it piecewise); a smaller one is read whole. A blob in a pack cannot be
 * streamed by libgit2 1.5, whose pack reader resolves deltas in memory:
 * such a blob is held whole while it is hashed, once. So memory is bounded
 * by the largest packed blobs (one per hashing thread) and the pack windows
 * limit_memory() allows, not by the tree. A blob both packed and loose is
 * read from the pack, as git reads it (first_copy_streams()); one stored in
 * two packs has every copy checked against its id (check_pack_copies()).
 *
 * One reading: libgit2 1.5 differs from git where git would show a reviewer
 * other bytes than the objects hold. Those repositories and trees are
 * refused here, for every command (hash, sign, build, export, disclose,
 * verify source): tree entry modes other than the four git writes (libgit2
 * normalises the rest one way, git's checkout another), names git will not
 * check out, replace refs and grafts (git honours them, libgit2 does not),
 * and gitattributes or the repository's own config that make a checkout
 * write other bytes than the blob (ident, filter, working-tree-encoding,
 * eol=crlf, core.autocrlf). Shallow repositories read the same in both;
 * alternates too, once the entries the two resolve differently are
 * refused and their packs scanned with ours. docs/format.md lists what is
 * read.
 */

/* Hashing threads at most. */
#define MAX_THREADS 64

/* Largest gitattributes file read; git itself ignores those over 100 MB. */
#define CR_GITATTR_MAX (1u << 20)

/* A file's git id and its index in the tree. */
struct blobref {
	git_oid id;
	size_t idx;
	size_t group; /* its distinct blob in the pool */
};

struct bpool;
static int pool_add(struct bpool *p, const git_oid *id, size_t *group);

struct gwalk {
	struct cr_tree *t;
	struct bpool *pool;   /* where each blob goes to be hashed */
	struct blobref *refs; /* one per entry, in the order added */
	size_t alloc;
	size_t *attrs; /* indexes in refs of the .gitattributes files */
	size_t nattrs;
	size_t attrs_alloc;
	git_oid *dirs; /* the ids of the directories' trees */
	size_t ndirs;
	size_t dirs_alloc;
	const char *repo;
	const char *rev;
	int loose; /* a loose object is stored somewhere: a blob may stream */
	int err;
	/* The entry met last in each open tree, by depth: git's order. */
	struct last_entry {
		char *name;
		size_t len, cap;
		int tree, set;
	} prev[CR_TREE_MAX_DEPTH + 1];
};

int
cr_git_error(const char *fmt, ...)
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

/* What git's checkout makes of a tree entry mode (its canon_mode()). */
static const char *
git_checks_out(unsigned int raw)
{
	switch (raw & 0170000) {
	case 0100000:
		return (raw & 0100) ? "an executable file (100755)"
				    : "a file (100644)";
	case 0120000:
		return "a symlink";
	case 0040000:
		return "a directory";
	default:
		return "a submodule (an empty directory)";
	}
}

/* Remembers a .gitattributes file (its index in refs) for scan_tree_attrs. */
static int
note_attrs(struct gwalk *w, const char *path, unsigned int mode)
{
	size_t *n;

	/* git >= 2.32 ignores a symlinked one, older git follows it. */
	if (mode == CR_MODE_LINK)
		return cr_error_set("%s: %s: '%s' is a symlink, which git "
				    "versions read differently; commit it "
				    "as a file",
				    w->repo, w->rev, path);
	if (w->nattrs == w->attrs_alloc) {
		size_t na = w->attrs_alloc ? w->attrs_alloc * 2 : 16;

		if ((n = realloc(w->attrs, na * sizeof(*n))) == NULL)
			return cr_error_set("%s: out of memory", w->repo);
		w->attrs = n;
		w->attrs_alloc = na;
	}
	/* cr_tree_add below makes it entry number count. */
	w->attrs[w->nattrs++] = w->t->count;
	return CR_OK;
}

static int
is_word(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && strncasecmp(s, word, len) == 0;
}

/*
 * The attribute one token of a gitattributes line sets that makes git's
 * checkout write other bytes than the blob holds, or NULL: ident expands
 * $Id$, a filter runs the reviewer's smudge command (git-lfs...),
 * working-tree-encoding re-encodes, eol=crlf adds CRs. Unset (-x) and
 * unspecified (!x) ones change nothing; text, crlf and eol=lf change
 * nothing on a checkout with git's defaults. Names are compared without
 * case, values not at all but for eol, which can only refuse more.
 */
static const char *
token_changes_bytes(const char *tok, size_t len)
{
	const char *eq;
	size_t n;

	if (len == 0 || *tok == '-' || *tok == '!')
		return NULL;
	eq = memchr(tok, '=', len);
	n = eq != NULL ? (size_t)(eq - tok) : len;
	if (is_word(tok, n, "ident"))
		return "ident";
	if (is_word(tok, n, "filter"))
		return "filter";
	if (is_word(tok, n, "working-tree-encoding"))
		return "working-tree-encoding";
	if (is_word(tok, n, "eol") && eq != NULL &&
	    is_word(eq + 1, len - n - 1, "crlf"))
		return "eol=crlf";
	return NULL;
}

static int
is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '"';
}

/*
 * Refuses a gitattributes text with a line that sets an attribute changing
 * what a checkout writes (token_changes_bytes). Patterns are not matched:
 * a line counts whatever it names, and every token after the first counts
 * as an attribute (a quote ends a token too, so a quoted pattern's words
 * count as well); macro definitions ("[attr]x ident") are caught the same
 * way. Work is linear in len.
 */
static int
scan_attrs(const char *repo, const char *name, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *eol, *tok, *what;
	size_t line = 0;
	int first;

	if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	for (; p < end; p = eol < end ? eol + 1 : end) {
		line++;
		if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
			eol = end;
		while (p < eol && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == eol || *p == '#')
			continue;
		for (first = 1; p < eol; first = 0) {
			while (p < eol && is_sep(*p))
				p++;
			for (tok = p; p < eol && !is_sep(*p); p++)
				;
			if (!first && (what = token_changes_bytes(
					       tok, (size_t)(p - tok))) != NULL)
				return cr_error_set(
					"%s: %s line %zu sets '%s', so a git "
					"checkout would not hold the committed "
					"bytes; remove it, or hash a checkout "
					"with 'attest hash DIR'",
					repo, name, line, what);
		}
	}
	return CR_OK;
}

static int cmp_ref(const void *a, const void *b);

/* Reads the blob id, at most CR_GITATTR_MAX bytes, and scans it. */
static int
scan_attrs_blob(const struct gwalk *w, git_odb *odb, const git_oid *id,
		const char *where)
{
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t len;
	int err;

	if (git_odb_read_header(&len, &type, odb, id) < 0)
		return cr_git_error("%s: %s", w->repo, where);
	if (type != GIT_OBJECT_BLOB || len > CR_GITATTR_MAX)
		return cr_error_set("%s: %s: not a blob of at most %u bytes",
				    w->repo, where, CR_GITATTR_MAX);
	if (git_odb_read(&obj, odb, id) < 0)
		return cr_git_error("%s: %s", w->repo, where);
	err = scan_attrs(w->repo, where, git_odb_object_data(obj),
			 git_odb_object_size(obj));
	git_odb_object_free(obj);
	return err;
}

/*
 * Scans every .gitattributes of the tree (noted by walk_cb), each blob once
 * however many paths hold it, so the work is bounded by the repository.
 */
static int
scan_tree_attrs(const struct gwalk *w, git_repository *r)
{
	git_odb *odb = NULL;
	struct blobref *ids = NULL;
	size_t i;
	char where[CR_TREE_MAX_PATH + 64];
	int err = CR_OK;

	if (w->nattrs == 0)
		return CR_OK;
	if ((ids = calloc(w->nattrs, sizeof(*ids))) == NULL)
		return cr_error_set("%s: out of memory", w->repo);
	for (i = 0; i < w->nattrs; i++) {
		git_oid_cpy(&ids[i].id, &w->refs[w->attrs[i]].id);
		ids[i].idx = w->attrs[i];
	}
	qsort(ids, w->nattrs, sizeof(*ids), cmp_ref);
	if (git_repository_odb(&odb, r) < 0) {
		err = cr_git_error("%s", w->repo);
		goto done;
	}
	for (i = 0; i < w->nattrs; i++) {
		if (i > 0 && git_oid_equal(&ids[i].id, &ids[i - 1].id))
			continue;
		snprintf(where, sizeof(where), "%s: '%s'", w->rev,
			 w->t->entries[ids[i].idx].path);
		if ((err = scan_attrs_blob(w, odb, &ids[i].id, where)) < 0)
			goto done;
	}
done:
	git_odb_free(odb);
	free(ids);
	return err;
}

/*
 * Whether name, after a case-insensitive ".git" or "git~1" (NTFS short
 * name), holds only dots and spaces up to its end, a backslash or a colon
 * (an NTFS stream): what git's is_ntfs_dotgit() refuses.
 */
static int
ntfs_is(const char *name, const char *word)
{
	size_t n = strlen(word);

	if (strncasecmp(name, word, n) != 0)
		return 0;
	for (name += n;; name++) {
		if (*name == '\0' || *name == '\\' || *name == ':')
			return 1;
		if (*name != '.' && *name != ' ')
			return 0;
	}
}

/*
 * Whether git's checkout refuses an entry name (verify_path() with
 * core.protectNTFS, on by default everywhere, and core.protectHFS, on by
 * default on macOS): ".git" spelt for NTFS or with the code points HFS+
 * ignores, and ".gitmodules" as a symlink. Such a tree cannot be checked out
 * by a reviewer, so it is not read either. A few more names than git's are
 * refused (any symlink named gitmod~ or gi7eba~, NTFS short names).
 */
static int
checkout_refuses(const char *name, unsigned int mode)
{
	const unsigned char *p = (const unsigned char *)name;
	char bare[CR_TREE_MAX_PATH + 1];
	size_t n = 0;

	while (*p != '\0' && n < sizeof(bare) - 1) {
		/* U+200C-200F, U+202A-202E, U+206A-206F, U+FEFF */
		if ((p[0] == 0xe2 && p[1] == 0x80 &&
		     ((p[2] >= 0x8c && p[2] <= 0x8f) ||
		      (p[2] >= 0xaa && p[2] <= 0xae))) ||
		    (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xaa &&
		     p[2] <= 0xaf) ||
		    (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)) {
			p += 3;
			continue;
		}
		bare[n++] = (char)*p++;
	}
	bare[n] = '\0';
	if (strcasecmp(bare, ".git") == 0 || ntfs_is(name, ".git") ||
	    ntfs_is(name, "git~1"))
		return 1;
	return mode == CR_MODE_LINK && (strcasecmp(bare, ".gitmodules") == 0 ||
					ntfs_is(name, ".gitmodules") ||
					strncasecmp(name, "gitmod~", 7) == 0 ||
					strncasecmp(name, "gi7eba~", 7) == 0);
}

/*
 * Whether the entry name (len bytes, a tree when tree) comes after the one
 * met before it in its tree (depth), as git orders a tree's entries (a
 * tree's name compared as if followed by '/'); remembers it. A tree out of
 * that order is one git's lookups do not read (git show TREE:PATH finds
 * nothing, git fsck says treeNotSorted) while a checkout writes it.
 */
static int
in_git_order(struct gwalk *w, unsigned int depth, const char *name, size_t len,
	     int tree)
{
	struct last_entry *p = &w->prev[depth];
	size_t n = p->len < len ? p->len : len, cap;
	unsigned char a, b;
	char *grown;
	int cmp;

	if (p->set) {
		cmp = memcmp(p->name, name, n);
		if (cmp == 0) {
			a = n < p->len ? (unsigned char)p->name[n]
			    : p->tree  ? '/'
				       : '\0';
			b = n < len ? (unsigned char)name[n]
			    : tree  ? '/'
				    : '\0';
			cmp = a < b ? -1 : a > b;
		}
		if (cmp >= 0)
			return 0;
	}
	if (len + 1 > p->cap) {
		cap = len + 1 > 64 ? len + 1 : 64;
		if ((grown = realloc(p->name, cap)) == NULL)
			return -1;
		p->name = grown;
		p->cap = cap;
	}
	memcpy(p->name, name, len + 1);
	p->len = len;
	p->tree = tree;
	p->set = 1;
	/* Its own entries, if a tree, start a new order. */
	if (depth < CR_TREE_MAX_DEPTH)
		w->prev[depth + 1].set = 0;
	return 1;
}

static int
walk_cb(const char *root, const git_tree_entry *entry, void *payload)
{
	struct gwalk *w = payload;
	const char *name = git_tree_entry_name(entry);
	char path[CR_TREE_MAX_PATH + 1];
	unsigned int mode, raw, depth = 1;
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
	/* The raw mode: libgit2's normalised one is not what git checks out. */
	raw = (unsigned int)git_tree_entry_filemode_raw(entry);
	if (checkout_refuses(name, raw == 0120000 ? CR_MODE_LINK : raw)) {
		w->err = cr_error_set("%s: %s: '%s': a name git refuses to "
				      "check out (core.protectNTFS or "
				      "core.protectHFS)",
				      w->repo, w->rev, path);
		return -1;
	}
	if (depth <= CR_TREE_MAX_DEPTH) {
		int in = in_git_order(w, depth, name, strlen(name),
				      raw == 0040000);

		if (in < 0) {
			w->err = cr_error_set("%s: out of memory", w->repo);
			return -1;
		}
		if (in == 0) {
			w->err = cr_error_set(
				"%s: %s: '%s': a tree whose entries are not "
				"in git's order, which git show and git fsck "
				"do not read as a checkout writes it; refusing",
				w->repo, w->rev, path);
			return -1;
		}
	}
	switch (raw) {
	case 0040000:
		if (depth >= CR_TREE_MAX_DEPTH) {
			w->err = cr_error_set("%s: %s: '%s': nested deeper "
					      "than %u directories",
					      w->repo, w->rev, path,
					      CR_TREE_MAX_DEPTH);
			return -1;
		}
		if (w->ndirs == w->dirs_alloc) {
			size_t na = w->dirs_alloc ? w->dirs_alloc * 2 : 64;
			git_oid *d = realloc(w->dirs, na * sizeof(*d));

			if (d == NULL) {
				w->err = cr_error_set("%s: out of memory",
						      w->repo);
				return -1;
			}
			w->dirs = d;
			w->dirs_alloc = na;
		}
		git_oid_cpy(&w->dirs[w->ndirs++], git_tree_entry_id(entry));
		return 0;
	case 0100644:
		mode = CR_MODE_FILE;
		break;
	case 0100755:
		mode = CR_MODE_EXEC;
		break;
	case 0120000:
		mode = CR_MODE_LINK;
		break;
	case 0160000:
		w->err = cr_error_set("%s: %s: submodule '%s': hash each "
				      "repository on its own, or vendor it "
				      "into the tree",
				      w->repo, w->rev, path);
		return -1;
	default:
		w->err = cr_error_set("%s: %s: '%s': mode %o, which git checks "
				      "out as %s; only modes 100644, 100755, "
				      "120000 and 40000 are read",
				      w->repo, w->rev, path, raw,
				      git_checks_out(raw));
		return -1;
	}
	if (strcasecmp(name, ".gitattributes") == 0 &&
	    (w->err = note_attrs(w, path, mode)) < 0)
		return -1;
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
	if ((w->err = pool_add(w->pool, git_tree_entry_id(entry),
			       &w->refs[w->t->count - 1].group)) < 0)
		return -1;
	return 0;
}

/* Files ordered by git id, so each blob is hashed once however used. */
static int
cmp_ref(const void *a, const void *b)
{
	return git_oid_cmp(&((const struct blobref *)a)->id,
			   &((const struct blobref *)b)->id);
}

/* Fails naming the object: why, or libgit2's error when why is NULL. */
static int
object_fail(const struct gwalk *w, const git_oid *id, const char *why)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), id);
	if (why == NULL)
		return cr_git_error("%s: object %s", w->repo, hex);
	return cr_error_set("%s: object %s: %s", w->repo, hex, why);
}

/*
 * 1 when the copy of id that git reads is one libgit2 can stream, 0 when it
 * is not (a pack), CR_ERROR when a backend cannot be read. git takes an
 * object from a pack before a loose file, and so do libgit2's whole reads
 * (backends in priority order, packs first); libgit2's stream skips the
 * backends that cannot stream and would read a loose file stored under the
 * same id as a packed object: other bytes than git shows the reviewer.
 */
static int
first_copy_streams(git_odb *odb, const git_oid *id, const struct gwalk *w)
{
	git_odb_backend *b;
	size_t i, n = git_odb_num_backends(odb);

	for (i = 0; i < n; i++) {
		if (git_odb_get_backend(&b, odb, i) < 0)
			return object_fail(w, id, NULL);
		if (b->exists != NULL && b->exists(b, id))
			return b->readstream != NULL;
	}
	return 0;
}

/*
 * Checks that the streamed bytes, which libgit2 does not verify, hash to
 * the object's id (SHA-1 of header and content), as its whole reads do: a
 * corrupt loose object is refused at every size.
 */
static int
stream_id_check(EVP_MD_CTX *md, const git_oid *id, const struct gwalk *w)
{
	unsigned char got[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(md, got, &n) != 1)
		return cr_error_set("%s: SHA-1: OpenSSL failed", w->repo);
	if (n != GIT_OID_RAWSZ || memcmp(got, id->id, n) != 0)
		return object_fail(w, id,
				   "its bytes do not hash to its id (a corrupt "
				   "or shadowed loose object)");
	return CR_OK;
}

static int
hash_blob(unsigned char out[CR_SHA256_LEN], uint64_t *size, git_odb *odb,
	  const git_oid *id, char *buf, const struct gwalk *w)
{
	struct cr_sha256 h = {0};
	git_odb_stream *st = NULL;
	git_odb_object *obj = NULL;
	EVP_MD_CTX *md = NULL;
	git_object_t type;
	char head[CR_OBJECT_HEADER_MAX];
	size_t len, total = 0;
	size_t hl;
	int n, err, streams = 0;

	if ((err = cr_sha256_init(&h)) < 0)
		return err;
	/*
	 * A blob of at most one chunk is read whole: asking for a stream
	 * first costs a loose-object lookup (a path resolved by the kernel)
	 * and a formatted "not found" for every packed blob.
	 */
	/*
	 * With no loose object in the repository or its alternates, every
	 * blob is packed and read whole: its header (a walk down its delta
	 * chain, under libgit2's pack locks) is not read first.
	 */
	if (w->loose) {
		if (git_odb_read_header(&len, &type, odb, id) < 0) {
			err = object_fail(w, id, NULL);
			goto done;
		}
		if (len > CR_STREAM_CHUNK &&
		    (streams = first_copy_streams(odb, id, w)) < 0) {
			err = streams;
			goto done;
		}
	}
	if (streams == 1 &&
	    git_odb_open_rstream(&st, &len, &type, odb, id) == 0) {
		if (type != GIT_OBJECT_BLOB) {
			err = object_fail(w, id, "not a blob");
			goto done;
		}
		hl = cr_object_header(head, "blob", len);
		if ((md = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 ||
		    EVP_DigestUpdate(md, head, hl) != 1) {
			err = cr_error_set("%s: SHA-1: OpenSSL failed",
					   w->repo);
			goto done;
		}
		if ((err = cr_sha256_update(&h, head, hl)) < 0)
			goto done;
		while (total < len) {
			n = git_odb_stream_read(st, buf, CR_STREAM_CHUNK);
			if (n < 0) {
				err = object_fail(w, id, NULL);
				goto done;
			}
			if (n == 0 || (size_t)n > len - total) {
				err = object_fail(
					w, id, "size differs from its header");
				goto done;
			}
			if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) {
				err = cr_error_set("%s: SHA-1: OpenSSL failed",
						   w->repo);
				goto done;
			}
			if ((err = cr_sha256_update(&h, buf, (size_t)n)) < 0)
				goto done;
			total += (size_t)n;
		}
		if ((err = stream_id_check(md, id, w)) < 0)
			goto done;
	} else {
		/* Small, or no backend streams it (it is packed): whole. */
		git_error_clear();
		if (git_odb_read(&obj, odb, id) < 0) {
			err = object_fail(w, id, NULL);
			goto done;
		}
		if (git_odb_object_type(obj) != GIT_OBJECT_BLOB) {
			err = object_fail(w, id, "not a blob");
			goto done;
		}
		len = git_odb_object_size(obj);
		hl = cr_object_header(head, "blob", len);
		if ((err = cr_sha256_update(&h, head, hl)) < 0 ||
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
	EVP_MD_CTX_free(md);
	if (st != NULL)
		git_odb_stream_free(st);
	return err;
}

/*
 * The threads hashing blobs start before the tree walk and take each
 * distinct blob as soon as the walk has met it, in the walk's order (close
 * to the packs' order). Each has its own repository handle (libgit2
 * objects are not shared between threads; its pack files and their caches
 * are, under libgit2's own locks). The walk thread alone adds blobs; once
 * it has ended it hashes too, with the caller's handle.
 *
 * A distinct blob lives in a chunk that never moves, so a hashing thread
 * reads its id and writes its digest while the walk adds more; the files'
 * entries, which the walk reallocates, are filled in after every thread
 * has ended. The walk finds an id it has met already through an index
 * keyed at random per run: blob ids are the vendor's to choose, and a
 * fixed hash would let it make every look-up collide.
 */
struct bgroup {
	git_oid id;
	unsigned char oid[CR_SHA256_LEN];
	uint64_t size;
};

#define GROUP_CHUNK 4096u
#define GROUP_CHUNKS ((CR_TREE_MAX_ENTRIES + GROUP_CHUNK - 1) / GROUP_CHUNK)

/* Distinct blobs added between two wake-ups of the hashing threads. */
#define GROUP_BATCH 64u

struct bpool {
	const struct gwalk *w; /* repo and rev only: the rest moves */
	struct bgroup *chunk[GROUP_CHUNKS];
	size_t ngroups;		 /* added so far: the walk thread's */
	size_t *slots;		 /* the index: group + 1, or 0 */
	size_t nslots;		 /* a power of two, or 0 */
	uint64_t key[3];	 /* the index's random key */
	atomic_size_t published; /* groups the hashing threads may take */
	atomic_size_t next;	 /* the next group to take */
	atomic_int done;	 /* nothing more will be published */
	atomic_uint_fast64_t files, bytes;
	atomic_int stop;
	pthread_mutex_t lock;
	pthread_cond_t more;
	int err; /* the first failure, under lock */
	char msg[1024];
};

struct bworker {
	struct bpool *p;
	git_repository *r; /* the caller's for worker 0, else its own */
	int own;
	git_odb *odb;
	char *buf;
	pthread_t tid;
};

static struct bgroup *
group_at(const struct bpool *p, size_t g)
{
	return &p->chunk[g / GROUP_CHUNK][g % GROUP_CHUNK];
}

static void
bfail(struct bpool *p, int err)
{
	pthread_mutex_lock(&p->lock);
	if (p->err == CR_OK) {
		p->err = err;
		snprintf(p->msg, sizeof(p->msg), "%s", cr_error_last());
	}
	atomic_store(&p->stop, 1);
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
}

/* Lets the hashing threads take the groups added so far; last: no more. */
static void
publish(struct bpool *p, int last)
{
	pthread_mutex_lock(&p->lock);
	atomic_store_explicit(&p->published, p->ngroups, memory_order_release);
	if (last)
		atomic_store(&p->done, 1);
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
}

/* The next group to hash, or NULL when there is none or work stopped. */
static struct bgroup *
take(struct bpool *p)
{
	size_t g = atomic_fetch_add(&p->next, 1);

	for (;;) {
		if (atomic_load_explicit(&p->stop, memory_order_relaxed))
			return NULL;
		if (g <
		    atomic_load_explicit(&p->published, memory_order_acquire))
			return group_at(p, g);
		pthread_mutex_lock(&p->lock);
		while (!atomic_load(&p->stop) && !atomic_load(&p->done) &&
		       g >= atomic_load(&p->published))
			pthread_cond_wait(&p->more, &p->lock);
		if (atomic_load(&p->done) && g >= atomic_load(&p->published)) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		pthread_mutex_unlock(&p->lock);
	}
}

static size_t
slot_of(const struct bpool *p, const git_oid *id)
{
	uint64_t w[3] = {0};

	memcpy(w, id->id, GIT_OID_RAWSZ);
	return (size_t)((w[0] * p->key[0] ^ w[1] * p->key[1] ^
			 w[2] * p->key[2]) >>
			32) &
	       (p->nslots - 1);
}

/* Doubles the index (at most half full), putting every group again. */
static int
grow_index(struct bpool *p)
{
	size_t n = p->nslots ? p->nslots * 2 : 1024, g, s;
	size_t *old = p->slots, oldn = p->nslots;

	if ((p->slots = calloc(n, sizeof(*p->slots))) == NULL) {
		p->slots = old;
		return cr_error_set("%s: out of memory", p->w->repo);
	}
	p->nslots = n;
	for (g = 0; g < p->ngroups; g++) {
		for (s = slot_of(p, &group_at(p, g)->id); p->slots[s] != 0;
		     s = (s + 1) & (n - 1))
			;
		p->slots[s] = g + 1;
	}
	(void)oldn;
	free(old);
	return CR_OK;
}

/* The group of blob id, added (and in time published) if new. */
static int
pool_add(struct bpool *p, const git_oid *id, size_t *group)
{
	size_t s, g = p->ngroups;
	int err;

	if ((g + 1) * 2 > p->nslots && (err = grow_index(p)) < 0)
		return err;
	for (s = slot_of(p, id); p->slots[s] != 0;
	     s = (s + 1) & (p->nslots - 1))
		if (git_oid_equal(&group_at(p, p->slots[s] - 1)->id, id)) {
			*group = p->slots[s] - 1;
			return CR_OK;
		}
	if (g % GROUP_CHUNK == 0 &&
	    (p->chunk[g / GROUP_CHUNK] =
		     calloc(GROUP_CHUNK, sizeof(struct bgroup))) == NULL)
		return cr_error_set("%s: out of memory", p->w->repo);
	git_oid_cpy(&group_at(p, g)->id, id);
	p->slots[s] = g + 1;
	p->ngroups = g + 1;
	if (p->ngroups % GROUP_BATCH == 0)
		publish(p, 0);
	*group = g;
	return CR_OK;
}

static int
bwork_loop(struct bworker *bw, const struct cr_tree_opts *opts, size_t total)
{
	struct bpool *p = bw->p;
	struct bgroup *grp;
	int err;

	while ((grp = take(p)) != NULL) {
		if ((err = hash_blob(grp->oid, &grp->size, bw->odb, &grp->id,
				     bw->buf, p->w)) < 0)
			return err;
		atomic_fetch_add(&p->bytes, grp->size);
		atomic_fetch_add(&p->files, 1);
		if (bw->own == 0 && opts != NULL && opts->progress != NULL)
			opts->progress(opts->progress_ctx,
				       atomic_load(&p->files),
				       atomic_load(&p->bytes), total);
	}
	return CR_OK;
}

static void *
bwork(void *arg)
{
	struct bworker *bw = arg;
	int err;

	/* Opened as the caller's was: exactly that directory. */
	if (git_repository_open_ext(&bw->r, bw->p->w->repo,
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0) {
		bfail(bw->p, cr_git_error("%s", bw->p->w->repo));
		return NULL;
	}
	if (git_repository_odb(&bw->odb, bw->r) < 0) {
		bfail(bw->p, cr_git_error("%s", bw->p->w->repo));
		return NULL;
	}
	if ((err = bwork_loop(bw, NULL, 0)) < 0)
		bfail(bw->p, err);
	return NULL;
}

/* The pool and its threads, hashing while the walk runs. */
struct hasher {
	struct bpool p;
	struct bworker ws[MAX_THREADS];
	size_t n, started;
};

static int
hasher_start(struct hasher *h, const struct gwalk *w,
	     const struct cr_tree_opts *opts)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	h->p.w = w;
	atomic_init(&h->p.published, 0);
	atomic_init(&h->p.next, 0);
	atomic_init(&h->p.done, 0);
	atomic_init(&h->p.files, 0);
	atomic_init(&h->p.bytes, 0);
	atomic_init(&h->p.stop, 0);
	pthread_mutex_init(&h->p.lock, NULL);
	pthread_cond_init(&h->p.more, NULL);
	if (getrandom(h->p.key, sizeof(h->p.key), 0) !=
	    (ssize_t)sizeof(h->p.key))
		return cr_error_errno("%s: getrandom", w->repo);
	for (i = 0; i < 3; i++)
		h->p.key[i] |= 1;
	h->n = cr_tree_threads(opts, MAX_THREADS);
	for (i = 0; i < h->n; i++) {
		h->ws[i].p = &h->p;
		h->ws[i].own = i > 0;
		if ((h->ws[i].buf = malloc(CR_STREAM_CHUNK)) == NULL)
			return cr_error_set("%s: out of memory", w->repo);
	}
	/* A thread that fails to start only means less parallelism. */
	for (i = 1; i < h->n; i++) {
		if (pthread_create(&h->ws[i].tid, NULL, bwork, &h->ws[i]) != 0)
			break;
		h->started = i;
	}
	return CR_OK;
}

/*
 * Ends the pool: when ok, the walk's thread hashes too until every group
 * is done, else the threads stop. Joins them all; then fills each file's
 * entry from its group (refs[i] is entry i). Frees what the pool holds.
 */
static int
hasher_end(struct hasher *h, struct gwalk *w, git_repository *r, int ok,
	   const struct cr_tree_opts *opts)
{
	struct bpool *p = &h->p;
	struct cr_tree *t = w->t;
	const struct bgroup *grp;
	size_t i;
	int err = CR_OK;

	if (!ok)
		atomic_store(&p->stop, 1);
	publish(p, 1);
	if (ok && h->n > 0) {
		h->ws[0].r = r;
		if (git_repository_odb(&h->ws[0].odb, r) < 0)
			bfail(p, cr_git_error("%s", w->repo));
		else if ((err = bwork_loop(&h->ws[0], opts, t->count)) < 0)
			bfail(p, err);
	}
	for (i = 1; i <= h->started; i++)
		pthread_join(h->ws[i].tid, NULL);
	err = CR_OK;
	if (ok && p->err != CR_OK) {
		err = cr_error_set("%s", p->msg);
	} else if (ok) {
		for (i = 0; i < t->count; i++) {
			grp = group_at(p, w->refs[i].group);
			memcpy(t->entries[i].oid, grp->oid, CR_SHA256_LEN);
			t->entries[i].size = grp->size;
		}
		if (opts != NULL && opts->progress != NULL)
			opts->progress(opts->progress_ctx, t->count,
				       atomic_load(&p->bytes), t->count);
	}
	for (i = 0; i < h->n; i++) {
		git_odb_free(h->ws[i].odb);
		if (h->ws[i].own)
			git_repository_free(h->ws[i].r);
		free(h->ws[i].buf);
	}
	for (i = 0; i < GROUP_CHUNKS; i++)
		free(p->chunk[i]);
	free(p->slots);
	pthread_cond_destroy(&p->more);
	pthread_mutex_destroy(&p->lock);
	return err;
}

/*
 * The git directory's files, checked before libgit2 (or git) opens any of
 * them: opening a FIFO blocks until a writer comes, a device may never end,
 * and libgit2 has no timeout. Each file git or libgit2 reads must be absent,
 * a regular file (or a symlink to one), or a directory where one belongs.
 */

/* Entries of refs/, logs/ and objects/ looked at, at most. */
#define CR_GITDIR_MAX_ENTRIES 1000000u

/* Directories nested in refs/, logs/, objects/ at most. */
#define CR_GITDIR_MAX_DEPTH 32

/* Largest .git file or commondir file read. */
#define CR_GITLINK_MAX 4096u

/* Largest config file (or 'git config --list' output) read. */
#define CR_GITCONFIG_MAX (4u << 20)

static const char *
type_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISDIR(m))
		return "a directory";
	return "of an unknown type";
}

/*
 * path is absent, a regular file, a directory (when dir_ok; *isdir is set)
 * or a symlink to one of those; anything else is refused. Neither is opened.
 */
static int
check_node(const char *path, int dir_ok, int *isdir)
{
	struct stat st;

	*isdir = 0;
	if (lstat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR
			       ? CR_OK
			       : cr_error_errno("%s", path);
	/* A dangling link or a loop: libgit2's open fails, no more. */
	if (S_ISLNK(st.st_mode) && stat(path, &st) != 0)
		return errno == ENOENT || errno == ENOTDIR || errno == ELOOP
			       ? CR_OK
			       : cr_error_errno("%s", path);
	if (S_ISREG(st.st_mode))
		return CR_OK;
	if (S_ISDIR(st.st_mode) && dir_ok) {
		*isdir = 1;
		return CR_OK;
	}
	return cr_error_set("%s: not a regular file (%s); refusing", path,
			    type_name(st.st_mode));
}

/* check_node for every entry under dir, within *budget entries. */
static int
check_subtree(const char *dir, int depth, size_t *budget)
{
	char path[4096];
	struct dirent *de;
	DIR *d;
	int isdir, err = CR_OK;

	if (depth > CR_GITDIR_MAX_DEPTH)
		return cr_error_set("%s: nested more than %d deep; refusing",
				    dir, CR_GITDIR_MAX_DEPTH);
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT || errno == ENOTDIR
			       ? CR_OK
			       : cr_error_errno("%s", dir);
	for (;;) {
		if ((err = cr_readdir(&de, d, dir)) <= 0)
			break;
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 || de->d_type == DT_REG)
			continue;
		if (*budget == 0) {
			err = cr_error_set("%s: the git directory holds more "
					   "than %u entries; refusing",
					   dir, CR_GITDIR_MAX_ENTRIES);
			break;
		}
		--*budget;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path)) {
			err = cr_error_set("%s: a path too long; refusing",
					   dir);
			break;
		}
		if ((err = check_node(path, 1, &isdir)) < 0 ||
		    (isdir &&
		     (err = check_subtree(path, depth + 1, budget)) < 0))
			break;
	}
	closedir(d);
	return err;
}

/*
 * Opens path for reading into *out, so that a FIFO cannot block the
 * opening, and refuses anything but a regular file; *st is its status. An
 * absent path is CR_OK with *out -1 when missing_ok.
 */
static int
open_regular(int *out, struct stat *st, const char *path, int missing_ok)
{
	int fd, err;

	*out = -1;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0)
		return missing_ok && (errno == ENOENT || errno == ENOTDIR)
			       ? CR_OK
			       : cr_error_errno("%s", path);
	if (fstat(fd, st) != 0) {
		err = cr_error_errno("%s", path);
	} else if (!S_ISREG(st->st_mode)) {
		err = cr_error_set("%s: not a regular file (%s); refusing",
				   path, type_name(st->st_mode));
	} else {
		*out = fd;
		return CR_OK;
	}
	close(fd);
	return err;
}

/*
 * Reads path, a regular file of at most max bytes, into *out (NUL-ended;
 * NULL when absent), opened so that a FIFO cannot block the opening.
 */
static int
read_regular(char **out, size_t *len, const char *path, size_t max)
{
	struct stat st;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;
	int fd, err = CR_OK;

	*out = NULL;
	*len = 0;
	if ((err = open_regular(&fd, &st, path, 1)) < 0 || fd < 0)
		return err;
	if (st.st_size < 0 || (uint64_t)st.st_size > max) {
		err = cr_error_set("%s: larger than %zu bytes; refusing", path,
				   max);
		goto done;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		err = cr_error_set("%s: out of memory", path);
		goto done;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = cr_error_errno("%s", path);
			goto done;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
done:
	free(buf);
	close(fd);
	return err;
}

/*
 * Refuses an [include] or [includeIf] section in a config file, read as
 * bytes before libgit2 follows it (to a FIFO, say). Any '[' followed by
 * "include" counts, in any case: git allows no space after the '['; a
 * quoted value holding one is refused too, which errs on the safe side.
 */
static int
refuse_config_include(const char *path)
{
	char *buf, *p;
	size_t len;
	int err;

	if ((err = read_regular(&buf, &len, path, CR_GITCONFIG_MAX)) < 0 ||
	    buf == NULL)
		return err;
	for (p = buf; (p = memchr(p, '[', len - (size_t)(p - buf))) != NULL;
	     p++) {
		if (len - (size_t)(p - buf) > 7 &&
		    strncasecmp(p + 1, "include", 7) == 0) {
			err = cr_error_set(
				"%s: has an [include] or [includeIf] "
				"section: git reads more settings "
				"from another file, which libgit2 "
				"may not read the same way; "
				"refusing",
				path);
			break;
		}
	}
	free(buf);
	return err;
}

/*
 * Refuses an executable hook (any file of hooks/ but git's *.sample
 * ones): git runs it in the repository, on a checkout, a commit, a merge.
 */
static int
refuse_hooks(const char *dir)
{
	char path[4096];
	struct dirent *de;
	struct stat st;
	size_t n, seen = 0;
	DIR *d;
	int err = CR_OK;

	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT || errno == ENOTDIR
			       ? CR_OK
			       : cr_error_errno("%s", dir);
	while ((de = readdir(d)) != NULL) {
		n = strlen(de->d_name);
		if (*de->d_name == '.' ||
		    (n > 7 && strcmp(de->d_name + n - 7, ".sample") == 0))
			continue;
		if (++seen > 10000) {
			err = cr_error_set("%s: more than 10000 entries; "
					   "refusing",
					   dir);
			break;
		}
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue; /* nor can git run it */
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    (st.st_mode & 0111) != 0) {
			err = cr_error_set("%s: an executable hook, which git "
					   "runs in the repository (on a "
					   "checkout, a commit, a merge); "
					   "remove it or hash a fresh clone",
					   path);
			break;
		}
	}
	closedir(d);
	return err;
}

/*
 * Checks one git directory (a repository's, or the common one of a linked
 * worktree): the files git and libgit2 read, refs/, logs/ and objects/
 * throughout, its hooks, and includes in its config files.
 */
static int
check_gitdir(const char *dir, size_t *budget)
{
	static const char *const files[] = {
		"config",
		"config.worktree",
		"HEAD",
		"packed-refs",
		"commondir",
		"gitdir",
		"index",
		"shallow",
		"FETCH_HEAD",
		"ORIG_HEAD",
		"MERGE_HEAD",
		"CHERRY_PICK_HEAD",
		"REVERT_HEAD",
		"REBASE_HEAD",
		"AUTO_MERGE",
		"BISECT_HEAD",
		"MERGE_MSG",
		"MERGE_MODE",
		"description",
		"info/attributes",
		"info/grafts",
		"info/exclude",
		"info/refs",
		"info/sparse-checkout",
		"objects/info/alternates",
		"objects/info/http-alternates",
		"objects/info/packs",
		"objects/info/commit-graph",
	};
	static const char *const dirs[] = {"refs", "logs", "objects"};
	char path[4096];
	size_t i;
	int isdir, err;

	for (i = 0; i < CR_ARRAY_SIZE(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if ((err = check_node(path, 0, &isdir)) < 0)
			return err;
	}
	for (i = 0; i < CR_ARRAY_SIZE(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, dirs[i]);
		if ((err = check_node(path, 1, &isdir)) < 0 ||
		    (isdir && (err = check_subtree(path, 1, budget)) < 0))
			return err;
	}
	snprintf(path, sizeof(path), "%s/config", dir);
	if ((err = refuse_config_include(path)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/config.worktree", dir);
	if ((err = refuse_config_include(path)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/hooks", dir);
	return refuse_hooks(path);
}

/*
 * Reads a one-line pointer file (a .git file's "gitdir: X", a commondir
 * file's "X") into out as a path, relative ones taken from base.
 * out is "" when the file is absent or not of that form.
 */
static int
read_pointer(char out[4096], const char *path, const char *prefix,
	     const char *base)
{
	char *buf;
	size_t len, plen = strlen(prefix);
	int err;

	out[0] = '\0';
	if ((err = read_regular(&buf, &len, path, CR_GITLINK_MAX)) < 0 ||
	    buf == NULL)
		return err;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	if (strncmp(buf, prefix, plen) == 0 && buf[plen] != '\0' &&
	    strlen(buf) == len) {
		if (buf[plen] == '/')
			snprintf(out, 4096, "%s", buf + plen);
		else
			snprintf(out, 4096, "%s/%s", base, buf + plen);
	}
	free(buf);
	return CR_OK;
}

/*
 * Before libgit2 opens repo: finds its git directory as libgit2 does
 * (repo/.git, a directory or a "gitdir:" file, else repo itself) and checks
 * it and its common directory (check_gitdir).
 */
static int
refuse_gitdir_files(const char *repo)
{
	char dotgit[4096], linked[4096], common[4096], path[4096];
	const char *gitdir = repo;
	size_t budget = CR_GITDIR_MAX_ENTRIES;
	int isdir, err;

	if (snprintf(dotgit, sizeof(dotgit), "%s/.git", repo) >=
	    (int)sizeof(dotgit))
		return cr_error_set("%s: path too long", repo);
	if ((err = check_node(dotgit, 1, &isdir)) < 0)
		return err;
	if (isdir) {
		gitdir = dotgit;
	} else if (access(dotgit, F_OK) == 0) {
		if ((err = read_pointer(linked, dotgit, "gitdir: ", repo)) < 0)
			return err;
		if (linked[0] == '\0')
			return CR_OK; /* libgit2 says what is wrong */
		gitdir = linked;
		if ((err = check_node(gitdir, 1, &isdir)) < 0)
			return err;
	}
	if ((err = check_gitdir(gitdir, &budget)) < 0)
		return err;
	if (snprintf(path, sizeof(path), "%s/commondir", gitdir) >=
	    (int)sizeof(path))
		return cr_error_set("%s: path too long", gitdir);
	if ((err = read_pointer(common, path, "", gitdir)) < 0)
		return err;
	if (common[0] == '\0')
		return CR_OK;
	if ((err = check_node(common, 1, &isdir)) < 0)
		return err;
	return check_gitdir(common, &budget);
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
	return cr_git_error("%s", repo);
}

/*
 * Refuses replace refs: git shows the object a ref under refs/replace/ (or
 * under $GIT_REPLACE_REF_BASE, which the caller's git would use) names in
 * place of the one committed, libgit2 does not. They are refused even when
 * GIT_NO_REPLACE_OBJECTS is set: a reviewer's shell may not set it.
 */
static int
refuse_replace_refs(git_repository *r, const char *repo)
{
	git_reference_iterator *it = NULL;
	const char *name, *base = getenv("GIT_REPLACE_REF_BASE");
	int rc, err = CR_OK;

	if (git_reference_iterator_new(&it, r) < 0)
		return cr_git_error("%s: references", repo);
	while ((rc = git_reference_next_name(&name, it)) == 0) {
		if (strncmp(name, "refs/replace/", 13) == 0 ||
		    (base != NULL && *base != '\0' &&
		     strncmp(name, base, strlen(base)) == 0)) {
			err = cr_error_set("%s: replace ref '%s': git shows "
					   "the object it names instead of "
					   "the committed one; delete it "
					   "('git replace -d') or hash a "
					   "fresh clone",
					   repo, name);
			goto done;
		}
	}
	if (rc != GIT_ITEROVER)
		err = cr_git_error("%s: references", repo);
done:
	git_reference_iterator_free(it);
	return err;
}

/*
 * Refuses what git reads from the repository's own info/ directory and
 * libgit2 does not: grafts (another history, so another commit for a
 * revision like HEAD~1; also the one $GIT_GRAFT_FILE names) and attributes
 * that change a checkout.
 */
static int
refuse_info(git_repository *r, const char *repo)
{
	char path[4096], *buf = NULL;
	const char *common = git_repository_commondir(r), *graft;
	struct stat st;
	size_t len;
	int err = CR_OK;

	if (common == NULL)
		return cr_error_set("%s: no git directory", repo);
	snprintf(path, sizeof(path), "%sinfo/grafts", common);
	if (stat(path, &st) == 0 ? st.st_size > 0 : errno != ENOENT)
		return cr_error_set("%s: has info/grafts, which git honours "
				    "and libgit2 does not (another history); "
				    "remove it or hash a fresh clone",
				    repo);
	/* The caller's git would read this one instead. */
	graft = getenv("GIT_GRAFT_FILE");
	if (graft != NULL && *graft != '\0' && stat(graft, &st) == 0 &&
	    st.st_size > 0)
		return cr_error_set("%s: GIT_GRAFT_FILE names a grafts file, "
				    "which git honours and libgit2 does not; "
				    "unset it",
				    repo);
	snprintf(path, sizeof(path), "%sinfo/attributes", common);
	if (stat(path, &st) != 0 && errno == ENOENT)
		return CR_OK;
	if ((err = cr_read_file(&buf, &len, path, CR_GITATTR_MAX)) < 0)
		return err;
	err = scan_attrs(repo, "info/attributes", buf, len);
	free(buf);
	return err;
}

/* git's false values; anything else (true, 1, a typo...) counts as true. */
static int
is_false(const char *v)
{
	return v != NULL && (*v == '\0' || strcasecmp(v, "false") == 0 ||
			     strcasecmp(v, "no") == 0 ||
			     strcasecmp(v, "off") == 0 || strcmp(v, "0") == 0);
}

/*
 * Why one setting of a repository's own config is refused, or NULL: it makes
 * a checkout in the repository write other bytes than the blobs (CRLF, an
 * attributes file from outside the tree, a filter command), or it makes git
 * read settings from a file no reviewer audits and libgit2 1.5 may not read
 * the same way (includes, config.worktree). name is compared without case
 * (git lowercases the section and key, not a subsection); value is NULL for
 * a bare "key" line, which git takes as true. Also refused: settings that
 * change what git shows a reviewer working in the repository (a textconv
 * diff driver, a pager, an external diff) or run a command as the reviewer
 * (aliases, fsmonitor, hooksPath, editors).
 */
static const char *
config_refuses(const char *name, const char *value)
{
	const char *key = strrchr(name, '.');

	if (strcasecmp(name, "core.autocrlf") == 0)
		return (value != NULL && strcasecmp(value, "input") == 0) ||
				       is_false(value)
			       ? NULL
			       : "checkouts in it write CRLF line ends";
	if (strcasecmp(name, "core.eol") == 0)
		return value != NULL && strcasecmp(value, "crlf") == 0
			       ? "checkouts in it write CRLF line ends"
			       : NULL;
	if (strcasecmp(name, "core.attributesfile") == 0)
		return "attributes from outside the tree apply to checkouts "
		       "in it";
	if (strncasecmp(name, "filter.", 7) == 0 && key != NULL &&
	    key > name + 6 &&
	    (strcasecmp(key, ".smudge") == 0 ||
	     strcasecmp(key, ".clean") == 0 ||
	     strcasecmp(key, ".process") == 0))
		return "a filter command may rewrite what checkouts in it "
		       "write";
	if (strncasecmp(name, "include.", 8) == 0 ||
	    strncasecmp(name, "includeif.", 10) == 0)
		return "git reads more settings from another file, which "
		       "libgit2 may not read the same way";
	if (strcasecmp(name, "extensions.worktreeconfig") == 0)
		return "git reads config.worktree too, which libgit2 does not";
	/* Where git (and not libgit2) looks for objects. */
	if (strcasecmp(name, "extensions.partialclone") == 0 ||
	    (strncasecmp(name, "remote.", 7) == 0 && key != NULL &&
	     key > name + 6 && strcasecmp(key, ".promisor") == 0))
		return "git fetches a missing object from a remote (a partial "
		       "clone), running what the config names";
	if (strcasecmp(name, "core.multipackindex") == 0 && value != NULL &&
	    strcasecmp(value, "true") != 0 && strcasecmp(value, "yes") != 0 &&
	    strcasecmp(value, "on") != 0 && strcmp(value, "1") != 0)
		return "git may ignore the multi-pack-index, which libgit2 "
		       "reads";
	/* What the reviewer's git shows in it: a diff, a log -p, a pager. */
	if (strncasecmp(name, "diff.", 5) == 0 && key != NULL &&
	    key > name + 4 &&
	    (strcasecmp(key, ".textconv") == 0 ||
	     strcasecmp(key, ".command") == 0))
		return "a diff driver command rewrites what git diff and git "
		       "log -p show of it";
	if (strcasecmp(name, "diff.external") == 0 ||
	    strcasecmp(name, "interactive.difffilter") == 0)
		return "a command rewrites what git diff shows of it";
	if (strcasecmp(name, "core.pager") == 0 ||
	    strncasecmp(name, "pager.", 6) == 0)
		return "a pager command rewrites what git shows in it";
	/* Commands git runs in it, as the reviewer. */
	if (strncasecmp(name, "alias.", 6) == 0)
		return "an alias changes what a git command does in it";
	if (strcasecmp(name, "core.fsmonitor") == 0)
		return is_false(value) ? NULL
				       : "git runs a command on every status";
	if (strcasecmp(name, "core.hookspath") == 0)
		return "git runs hooks from another directory";
	if (strcasecmp(name, "core.editor") == 0 ||
	    strcasecmp(name, "sequence.editor") == 0)
		return "git runs an editor command set by the repository";
	/* Commands git show, log, merge or a fetch run as the reviewer. */
	if (strncasecmp(name, "gpg.", 4) == 0 && key != NULL &&
	    strcasecmp(key, ".program") == 0)
		return "git show and git log run a signature program set by "
		       "the repository";
	if (strncasecmp(name, "merge.", 6) == 0 && key != NULL &&
	    key > name + 5 && strcasecmp(key, ".driver") == 0)
		return "a merge driver command runs on a merge in it";
	if (strcasecmp(name, "core.sshcommand") == 0 ||
	    strcasecmp(name, "core.gitproxy") == 0 ||
	    (strncasecmp(name, "credential.", 11) == 0 && key != NULL &&
	     strcasecmp(key, ".helper") == 0) ||
	    (strncasecmp(name, "remote.", 7) == 0 && key != NULL &&
	     key > name + 6 &&
	     (strcasecmp(key, ".uploadpack") == 0 ||
	      strcasecmp(key, ".receivepack") == 0 ||
	      strcasecmp(key, ".proxy") == 0)))
		return "a fetch or push in it runs a command set by the "
		       "repository";
	/* What the reviewer's checkout and diff show of the tree. */
	if (strncasecmp(name, "diff.", 5) == 0 && key != NULL &&
	    key > name + 4 && strcasecmp(key, ".binary") == 0)
		return "git diff and git log -p show the files of that diff "
		       "driver as binary, not their text";
	if ((strcasecmp(name, "core.sparsecheckout") == 0 ||
	     strcasecmp(name, "core.sparsecheckoutcone") == 0 ||
	     strcasecmp(name, "index.sparse") == 0) &&
	    !is_false(value))
		return "a checkout in it leaves committed files out (a sparse "
		       "checkout)";
	if (strcasecmp(name, "core.worktree") == 0)
		return "git checks the commit out into another directory than "
		       "the one a reviewer reads";
	if (strcasecmp(name, "core.symlinks") == 0 && is_false(value))
		return "a checkout in it writes symlinks as files holding their "
		       "target";
	return NULL;
}

static int
config_refusal(const char *repo, const char *where, const char *name,
	       const char *why)
{
	return cr_error_set("%s: its config sets %.200s (%s): %s, so a "
			    "reviewer's checkout may not hold the committed "
			    "bytes; unset it or hash a fresh clone",
			    repo, name, where, why);
}

/*
 * Refuses a refused setting (config_refuses) in one config file of the
 * repository, read as a file: libgit2 loads the repository's config but
 * not config.worktree. A missing file is no error.
 */
static int
scan_config_file(const char *repo, const char *dir, const char *file)
{
	git_config *cfg = NULL;
	git_config_iterator *it = NULL;
	git_config_entry *e;
	struct stat st;
	char path[4096];
	const char *why;
	int rc, err = CR_OK;

	snprintf(path, sizeof(path), "%s%s", dir, file);
	if (stat(path, &st) != 0)
		return errno == ENOENT ? CR_OK
				       : cr_error_errno("%s: %s", repo, file);
	/* A FIFO would block the reading, a device never end it. */
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)CR_GITCONFIG_MAX)
		return cr_error_set("%s: %s: not a regular file of at most %u "
				    "bytes",
				    repo, file, CR_GITCONFIG_MAX);
	if (git_config_open_ondisk(&cfg, path) < 0)
		return cr_git_error("%s: %s", repo, file);
	if (git_config_iterator_new(&it, cfg) < 0) {
		err = cr_git_error("%s: %s", repo, file);
		goto done;
	}
	while ((rc = git_config_next(&e, it)) == 0) {
		if ((why = config_refuses(e->name, e->value)) != NULL) {
			err = config_refusal(repo, file, e->name, why);
			goto done;
		}
	}
	if (rc != GIT_ITEROVER)
		err = cr_git_error("%s: %s", repo, file);
done:
	git_config_iterator_free(it);
	git_config_free(cfg);
	return err;
}

/*
 * Reads what the child pid writes to fd until EOF, at most CR_GITCONFIG_MAX
 * bytes and for at most CR_GIT_TIMEOUT_MS: a config that makes git block (an
 * include naming a FIFO) is refused, not waited for. The child is killed on
 * any failure; the caller reaps it.
 */
static int
read_child(char **out, size_t *len, int fd, pid_t pid, const char *repo,
	   const char *what)
{
	struct timespec start, now;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char *buf;
	size_t size = 0;
	ssize_t n;
	long left;
	int rc, err = CR_OK;

	*out = NULL;
	*len = 0;
	if ((buf = malloc(CR_GITCONFIG_MAX + 1)) == NULL) {
		kill(pid, SIGKILL);
		return cr_error_set("%s: out of memory", repo);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = CR_GIT_TIMEOUT_MS - (now.tv_sec - start.tv_sec) * 1000 -
		       (now.tv_nsec - start.tv_nsec) / 1000000;
		if (left <= 0 || (rc = poll(&pfd, 1, (int)left)) == 0) {
			err = cr_error_set("%s: '%s' did not finish in %d s",
					   repo, what,
					   CR_GIT_TIMEOUT_MS / 1000);
			break;
		}
		if (rc < 0 || (n = read(fd, buf + size,
					CR_GITCONFIG_MAX + 1 - size)) < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s: %s", repo, what);
			break;
		}
		if (n == 0)
			break;
		if ((size += (size_t)n) > CR_GITCONFIG_MAX) {
			err = cr_error_set("%s: '%s' wrote more than %u bytes",
					   repo, what, CR_GITCONFIG_MAX);
			break;
		}
	}
	if (err < 0) {
		kill(pid, SIGKILL);
		free(buf);
		return err;
	}
	buf[size] = '\0';
	*out = buf;
	*len = size;
	return CR_OK;
}

/*
 * Runs git on the git directory gitdir with args (at most 6), the caller's
 * config shut out (no system or global file, a bare environment), and
 * reads what it writes to stdout (and stderr when both), bounded as
 * read_child bounds it. *code is git's exit status, or -1 when git is not
 * installed (then *out is NULL). what names the command in messages.
 */
static int
run_git(char **out, size_t *len, int *code, const char *repo,
	const char *gitdir, const char *const *args, int both, const char *what)
{
	pid_t pid = -1;
	int fd = -1, status, err;

	*out = NULL;
	*len = 0;
	*code = -1;
	if ((err = cr_git_spawn(&pid, &fd, -1, repo, gitdir, args, both)) < 0 ||
	    pid < 0)
		return err;
	err = read_child(out, len, fd, pid, repo, what);
	close(fd);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			if (err == CR_OK)
				err = cr_error_errno("%s: git", repo);
			goto done;
		}
	if (err < 0)
		goto done;
	if (!WIFEXITED(status))
		err = cr_error_set("%s: '%s' was killed", repo, what);
	else if (WEXITSTATUS(status) != 127) /* 127: no such program */
		*code = WEXITSTATUS(status);
done:
	if (err < 0 || *code < 0) {
		free(*out);
		*out = NULL;
		*len = 0;
	}
	return err;
}

/*
 * Asks git itself what it reads of the repository's config and refuses
 * what config_refuses refuses. git is the reviewer's tool, so its reading
 * is authoritative where it and libgit2 differ (includeIf,
 * config.worktree, parsing corner cases); a git that cannot read the config
 * is a refusal too. Without git installed this check is skipped and the
 * files read by scan_config_file stand alone.
 */
static int
git_config_check(const char *repo, const char *gitdir)
{
	static const char *const args[] = {"config", "--list", "-z", NULL};
	const char *why;
	char *out = NULL, *p, *end, *nl;
	size_t len = 0;
	int code, err;

	if ((err = run_git(&out, &len, &code, repo, gitdir, args, 0,
			   "git config --list")) < 0 ||
	    code < 0)
		return err;
	if (code != 0) {
		err = cr_error_set("%s: git cannot read its config ('git "
				   "config --list' exits %d); a reviewer's "
				   "git would not read it either",
				   repo, code);
		goto done;
	}
	/* Records "key\nvalue\0", or "key\0" for a bare key. */
	for (p = out, end = out + len; p < end; p += strlen(p) + 1) {
		nl = strchr(p, '\n');
		if (nl != NULL)
			*nl = '\0';
		if ((why = config_refuses(p, nl != NULL ? nl + 1 : NULL)) !=
		    NULL) {
			err = config_refusal(repo, "as git reads it", p, why);
			goto done;
		}
		if (nl != NULL)
			*nl = '\n';
	}
done:
	free(out);
	return err;
}

static int pread_all(int fd, const char *path, void *buf, size_t len,
		     uint64_t off);

/*
 * Refuses a commit-graph file that holds changed-path Bloom filters (BIDX
 * or BDAT chunks): 'git commit-graph verify' does not check them, and a
 * filter saying "no path changed" hides a commit from 'git log -p --
 * PATH'. Absent is fine; so is what git's verify alone can judge.
 */
static int
graph_filters(const char *path)
{
	unsigned char head[8], row[12];
	struct stat st;
	unsigned int i;
	int fd = -1, isdir, err;

	if ((err = check_node(path, 0, &isdir)) < 0 ||
	    (err = open_regular(&fd, &st, path, 1)) < 0 || fd < 0)
		return err;
	if ((err = pread_all(fd, path, head, sizeof(head), 0)) < 0)
		goto done;
	for (i = 0; memcmp(head, "CGPH", 4) == 0 && i <= head[6]; i++) {
		if ((err = pread_all(fd, path, row, sizeof(row),
				     8 + (uint64_t)i * 12)) < 0)
			goto done;
		if (memcmp(row, "BIDX", 4) == 0 ||
		    memcmp(row, "BDAT", 4) == 0) {
			err = cr_error_set(
				"%s: a commit-graph with changed-path "
				"filters, which 'git commit-graph "
				"verify' does not check and git log "
				"-- PATH trusts; refusing (remove "
				"it: it is only a cache)",
				path);
			goto done;
		}
	}
done:
	close(fd);
	return err;
}

/* Every commit-graph file of the object directory objdir (graph_filters). */
static int
graph_files_filters(const char *objdir, int *any)
{
	char path[4096 + 64];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int err;

	snprintf(path, sizeof(path), "%s/info/commit-graph", objdir);
	if (lstat(path, &st) == 0)
		*any = 1;
	if ((err = graph_filters(path)) < 0)
		return err;
	snprintf(path, sizeof(path), "%s/info/commit-graphs", objdir);
	if (lstat(path, &st) != 0)
		return CR_OK;
	*any = 1;
	if ((d = opendir(path)) == NULL)
		return errno == ENOENT || errno == ENOTDIR
			       ? CR_OK
			       : cr_error_errno("%s", path);
	while ((err = cr_readdir(&de, d, path)) > 0) {
		char file[4096 + 320];
		size_t n = strlen(de->d_name);

		if (n < 6 || strcmp(de->d_name + n - 6, ".graph") != 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
		if ((err = graph_filters(file)) < 0)
			break;
	}
	closedir(d);
	return err < 0 ? err : CR_OK;
}

/*
 * git takes a commit's root tree and parents from the commit-graph of the
 * first object directory that has one, the repository's own
 * (objects/info/commit-graph, or the chain in objects/info/commit-graphs)
 * or an alternate's, and does not check it when it loads it; libgit2 reads
 * the commit objects. A graph that names other trees makes 'git log -p' and
 * 'git show' show the reviewer other changes than the commits hold, so git
 * is asked to check it against every commit ('git commit-graph verify',
 * with --object-dir for an alternate's: objdir, or NULL for the
 * repository's own under common) and a graph it finds wrong is refused, as
 * is one with changed-path filters (graph_filters). Without git to ask, a
 * graph is refused.
 */
static int
git_graph_check(const char *repo, const char *gitdir, const char *common,
		const char *objdir)
{
	const char *args[] = {"commit-graph", "verify", NULL, NULL, NULL};
	char dir[4096 + 16], *out = NULL, *nl;
	size_t len = 0;
	int code, err, any = 0;

	if (objdir != NULL) {
		args[2] = "--object-dir";
		args[3] = objdir;
		snprintf(dir, sizeof(dir), "%s", objdir);
	} else {
		len = strlen(common);
		snprintf(dir, sizeof(dir), "%s%sobjects", common,
			 len > 0 && common[len - 1] == '/' ? "" : "/");
		len = 0;
	}
	if ((err = graph_files_filters(dir, &any)) < 0 || !any)
		return err;
	if ((err = run_git(&out, &len, &code, repo, gitdir, args, 1,
			   "git commit-graph verify")) < 0)
		return err;
	if (code < 0)
		return cr_error_set("%s: %s/info/commit-graph: git is not "
				    "installed to check it against the "
				    "commits; remove the commit-graph or "
				    "install git",
				    repo, dir);
	if (code != 0) {
		if (out != NULL && (nl = strchr(out, '\n')) != NULL)
			*nl = '\0';
		err = cr_error_set(
			"%s: the commit-graph%s%s does not match the "
			"commits ('git commit-graph verify': "
			"%.200s); git log and git show would show "
			"a reviewer other trees than the commits "
			"hold: refusing",
			repo, objdir != NULL ? " of " : "",
			objdir != NULL ? objdir : "",
			out != NULL && *out ? out : "fails");
	}
	free(out);
	return err;
}

/*
 * Asks git which commit rev names and refuses a revision git resolves to
 * another commit than libgit2 did (id): a tag or a commit on the way
 * (v1.0, HEAD~2) stored twice with other contents, one read by each, would
 * show the reviewer another commit than the one hashed. Without git this
 * check is skipped, as git_config_check is.
 */
static int
git_rev_check(git_repository *r, const char *repo, const char *rev,
	      const git_oid *id)
{
	const char *args[] = {"rev-parse", "--verify", "--end-of-options", NULL,
			      NULL};
	char spec[4096], hex[GIT_OID_HEXSZ + 1], *out = NULL;
	size_t len = 0;
	int code, err;

	if (snprintf(spec, sizeof(spec), "%s^{commit}", rev) >=
	    (int)sizeof(spec))
		return cr_error_set("%s: revision '%.64s...' too long", repo,
				    rev);
	args[3] = spec;
	if ((err = run_git(&out, &len, &code, repo, git_repository_path(r),
			   args, 0, "git rev-parse")) < 0 ||
	    code < 0)
		return err;
	git_oid_tostr(hex, sizeof(hex), id);
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	if (code != 0 || strcmp(out, hex) != 0)
		err = cr_error_set("%s: revision '%s' is commit %s for libgit2 "
				   "but %.64s for git ('git rev-parse'): "
				   "objects on the way read differently; "
				   "refusing",
				   repo, rev, hex, code != 0 ? "nothing" : out);
	free(out);
	return err;
}

/*
 * Refuses a repository whose own config (not the caller's global or system
 * one) makes a checkout in it write other bytes than the blobs, or reads
 * settings from elsewhere (config_refuses): its config file and
 * config.worktree (the common one and a linked worktree's own) are read as
 * files, whatever libgit2 loads, then git is asked (git_config_check).
 */
static int
refuse_local_config(git_repository *r, const char *repo)
{
	const char *common = git_repository_commondir(r),
		   *gitdir = git_repository_path(r);
	int err;

	if (common == NULL || gitdir == NULL)
		return cr_error_set("%s: no git directory", repo);
	if ((err = scan_config_file(repo, common, "config")) < 0 ||
	    (err = scan_config_file(repo, common, "config.worktree")) < 0 ||
	    (strcmp(common, gitdir) != 0 &&
	     (err = scan_config_file(repo, gitdir, "config.worktree")) < 0))
		return err;
	if ((err = git_config_check(repo, gitdir)) < 0)
		return err;
	return git_graph_check(repo, gitdir, common, NULL);
}

/*
 * Opens repo (exactly that directory, no search upwards) and refuses what
 * git would read differently from libgit2: a SHA-256 repository (libgit2
 * 1.5 cannot read one), replace refs, grafts, info/attributes, and its
 * own config asking for CRLF or other attributes.
 */
static int refuse_alternates(git_repository *r, const char *repo);

static int
open_repo(git_repository **out, const char *repo)
{
	git_repository *r = NULL;
	int err;

	*out = NULL;
	/* Before libgit2 opens (and blocks on) any of its files. */
	if ((err = refuse_gitdir_files(repo)) < 0)
		return err;
	if (sha256_repo(repo))
		return cr_error_set("%s: a SHA-256 repository, which this "
				    "libgit2 cannot read; hash a clean "
				    "checkout with 'attest hash DIR' instead",
				    repo);
	if (git_repository_open_ext(&r, repo, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0)
		return open_fail(repo);
	if ((err = refuse_replace_refs(r, repo)) < 0 ||
	    (err = refuse_info(r, repo)) < 0 ||
	    (err = refuse_local_config(r, repo)) < 0 ||
	    (err = refuse_alternates(r, repo)) < 0) {
		git_repository_free(r);
		return err;
	}
	*out = r;
	return CR_OK;
}

/*
 * Refuses a revision whose name git resolves differently in different
 * commands: a short name that is more than one reference (a branch and a
 * tag both called v1.2). git rev-parse and libgit2 take the tag, but
 * 'git checkout v1.2' and 'git clone --branch v1.2' take the branch, so a
 * reviewer could read one tree while the other is hashed. Only the name
 * before any ~ ^ : or @{ is looked up; a full object id is not a name.
 */
static int
refuse_ambiguous_rev(git_repository *r, const char *repo, const char *rev)
{
	/* git's order (refs.c ref_rev_parse_rules): prefix, suffix. */
	static const char *const rules[][2] = {
		{"", ""},
		{"refs/", ""},
		{"refs/tags/", ""},
		{"refs/heads/", ""},
		{"refs/remotes/", ""},
		{"refs/remotes/", "/HEAD"},
	};
	char name[1024], first[1024] = "";
	git_reference *ref = NULL;
	size_t len, i, found = 0;

	len = strcspn(rev, "~^:");
	for (i = 0; i + 1 < len; i++)
		if (rev[i] == '@' && rev[i + 1] == '{')
			len = i;
	if (len == 0 || len > 512)
		return CR_OK;
	/*
	 * A full object id is that object for libgit2 and git rev-parse, but
	 * 'git checkout ID' takes a branch of that name first.
	 */
	if (len == GIT_OID_HEXSZ &&
	    strspn(rev, "0123456789abcdefABCDEF") >= len) {
		snprintf(first, sizeof(first), "the object %.*s", (int)len,
			 rev);
		found = 1;
	}
	for (i = 0; i < CR_ARRAY_SIZE(rules); i++) {
		snprintf(name, sizeof(name), "%s%.*s%s", rules[i][0], (int)len,
			 rev, rules[i][1]);
		if (git_reference_lookup(&ref, r, name) < 0) {
			git_error_clear();
			continue;
		}
		git_reference_free(ref);
		if (found++ == 0) {
			snprintf(first, sizeof(first), "%s", name);
			continue;
		}
		return cr_error_set("%s: revision '%.*s' is ambiguous: both %s "
				    "and %s exist, and git's commands do not "
				    "all pick the same one ('git checkout' "
				    "and 'git clone --branch' take the "
				    "branch first, 'git rev-parse' a tag or "
				    "an object id); give the full reference "
				    "name",
				    repo, (int)len, rev, first, name);
	}
	return CR_OK;
}

/* path without trailing slashes, resolved; 0 or -1. */
static int
resolve(char out[PATH_MAX], const char *path)
{
	size_t n;

	if (realpath(path, out) == NULL)
		return -1;
	n = strlen(out);
	while (n > 1 && out[n - 1] == '/')
		out[--n] = '\0';
	return 0;
}

/*
 * Refuses a repository whose working tree is not the directory given (nor
 * the one holding it, when the .git directory was given): with core.worktree
 * set elsewhere, git status and libgit2 look at other files than the ones a
 * reviewer opens in the directory.
 */
static int
refuse_other_workdir(git_repository *r, const char *repo)
{
	char want[PATH_MAX], work[PATH_MAX], gitdir[PATH_MAX];
	const char *wd = git_repository_workdir(r);

	if (wd == NULL || resolve(want, repo) < 0 || resolve(work, wd) < 0 ||
	    resolve(gitdir, git_repository_path(r)) < 0)
		return cr_error_set("%s: cannot resolve its working tree",
				    repo);
	if (strcmp(want, work) == 0 || strcmp(want, gitdir) == 0)
		return CR_OK;
	return cr_error_set("%s: its working tree is '%.200s' (core.worktree), "
			    "not this directory: git status looks at other "
			    "files than a reviewer reads here; verify a fresh "
			    "clone",
			    repo, work);
}

/*
 * Refuses index entries marked assume-unchanged or skip-worktree: git
 * status and git diff do not look at those files, so an edit to one is
 * shown to nobody (and a sparse checkout leaves files out).
 */
static int
refuse_hidden_entries(git_repository *r, const char *repo)
{
	git_index *idx = NULL;
	const git_index_entry *e;
	size_t i, n;
	int err = CR_OK;

	if (git_repository_index(&idx, r) < 0)
		return cr_git_error("%s: index", repo);
	n = git_index_entrycount(idx);
	for (i = 0; i < n; i++) {
		if ((e = git_index_get_byindex(idx, i)) == NULL)
			continue;
		if ((e->flags & GIT_INDEX_ENTRY_VALID) ||
		    (e->flags_extended & GIT_INDEX_ENTRY_SKIP_WORKTREE)) {
			err = cr_error_set(
				"%s: its index marks '%.200s' %s, so git "
				"status does not look at the file a reviewer "
				"reads there; clear it ('git update-index "
				"--no-%s') or verify a fresh clone",
				repo, e->path,
				(e->flags & GIT_INDEX_ENTRY_VALID)
					? "assume-unchanged"
					: "skip-worktree",
				(e->flags & GIT_INDEX_ENTRY_VALID)
					? "assume-unchanged"
					: "skip-worktree");
			break;
		}
	}
	git_index_free(idx);
	return err;
}

/*
 * Opens the parent directory of path below rootfd, following no symlink
 * (git never checks a tracked file out through one), as an O_PATH
 * descriptor; *name points at path's last component. -1 and errno on error.
 */
static int
open_parent(int rootfd, const char *path, char *scratch, const char **name)
{
	char *p, *slash;
	int dfd = rootfd, nfd, saved;

	strcpy(scratch, path);
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
	*name = path + (p - scratch);
	return dfd == rootfd ? dup(rootfd) : dfd;
}

/*
 * Compares the working tree's file at e->path with the hashed entry, by its
 * bytes alone: the type, the owner's executable bit (what 'attest hash DIR'
 * reads), the size and the SHA-256 blob id of the content or symlink target.
 * Sets *why to the difference and returns CR_EFAIL, or CR_OK when it is the
 * same; CR_ERROR when the file cannot be read.
 */
static int
worktree_entry_differs(const char **why, int rootfd, const char *repo,
		       const struct cr_tree_entry *e, char *scratch)
{
	unsigned char id[CR_SHA256_LEN];
	char head[CR_OBJECT_HEADER_MAX], target[CR_TREE_MAX_PATH + 1];
	const char *name;
	struct stat st;
	uint64_t size;
	ssize_t n;
	size_t hl;
	int dfd, fd = -1, err = CR_OK;

	*why = NULL;
	if ((dfd = open_parent(rootfd, e->path, scratch, &name)) < 0) {
		if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
			return cr_error_errno("%s: %s", repo, e->path);
		*why = "a directory on its path is missing or not one";
		return CR_EFAIL;
	}
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno != ENOENT) {
			err = cr_error_errno("%s: %s", repo, e->path);
			goto done;
		}
		*why = "deleted";
	} else if (e->mode == CR_MODE_LINK) {
		if (!S_ISLNK(st.st_mode)) {
			*why = "not a symlink";
		} else if ((n = readlinkat(dfd, name, target, sizeof(target))) <
			   0) {
			err = cr_error_errno("%s: %s", repo, e->path);
			goto done;
		} else if ((uint64_t)n != e->size ||
			   (err = cr_blob_id(id, target, (size_t)n)) < 0 ||
			   CRYPTO_memcmp(id, e->oid, CR_SHA256_LEN) != 0) {
			*why = "another symlink target";
		}
	} else if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
	} else if (((st.st_mode & S_IXUSR) != 0) != (e->mode == CR_MODE_EXEC)) {
		*why = "another executable bit";
	} else if ((uint64_t)st.st_size != e->size) {
		*why = "another size";
	} else {
		fd = openat(dfd, name,
			    O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
				    O_NOCTTY);
		if (fd < 0) {
			err = cr_error_errno("%s: %s", repo, e->path);
			goto done;
		}
		hl = cr_object_header(head, "blob", e->size);
		if ((err = cr_sha256_fd(id, &size, fd, head, hl, e->path)) < 0)
			goto done;
		if (size != e->size ||
		    CRYPTO_memcmp(id, e->oid, CR_SHA256_LEN) != 0)
			*why = "other bytes";
	}
	if (err == CR_OK && *why != NULL)
		err = CR_EFAIL;
done:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return err;
}

/*
 * Refuses a working tree checked out at the hashed commit whose tracked
 * files are not the hashed ones (modified, deleted, retyped, another mode):
 * a reviewer reading the files there would read other bytes than were
 * hashed. Each tracked file is read and hashed, so nothing git status
 * trusts (the index's stat data, core.trustctime, core.filemode,
 * core.fsmonitor) decides; the work is one more read of the tree's files.
 * Untracked and ignored files are no part of the commit and are left alone.
 */
static int
refuse_dirty_worktree(git_repository *r, const char *repo,
		      const git_oid *commit, const struct cr_tree *t)
{
	const char *wd, *why = NULL;
	char *scratch = NULL;
	git_oid head;
	size_t i;
	int rootfd = -1, err = CR_OK;

	if (git_repository_is_bare(r))
		return CR_OK;
	if ((err = refuse_other_workdir(r, repo)) < 0)
		return err;
	if (git_reference_name_to_id(&head, r, "HEAD") < 0) {
		git_error_clear();
		return CR_OK;
	}
	if (!git_oid_equal(&head, commit))
		return CR_OK;
	/* Entries git status trusts without looking at the file. */
	if ((err = refuse_hidden_entries(r, repo)) < 0)
		return err;
	if ((wd = git_repository_workdir(r)) == NULL)
		return cr_error_set("%s: cannot resolve its working tree",
				    repo);
	if ((rootfd = open(wd, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return cr_error_errno("%s", repo);
	if ((scratch = malloc(CR_TREE_MAX_PATH + 1)) == NULL) {
		err = cr_error_set("%s: out of memory", repo);
		goto done;
	}
	for (i = 0; i < t->count; i++) {
		err = worktree_entry_differs(&why, rootfd, repo, &t->entries[i],
					     scratch);
		if (err == CR_EFAIL) {
			err = cr_error_set(
				"%s: its working tree is checked out at the "
				"hashed commit but '%.200s' differs from it "
				"(%s): a reviewer reading the files there sees "
				"other bytes than were hashed; commit or "
				"discard the changes, or verify a fresh clone",
				repo, t->entries[i].path, why);
			goto done;
		}
		if (err < 0)
			goto done;
	}
done:
	free(scratch);
	close(rootfd);
	return err;
}

/* Pack indexes read at most; a repository with more is refused. */
#define CR_MAX_PACKS 4096

/* Ids read from a pack index at a time (about 1 MiB). */
#define CR_IDX_CHUNK_IDS 52428u

static int
cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

/*
 * Reads len bytes of path at off, or fails naming path (a short read is a
 * file shorter than it says).
 */
static int
pread_all(int fd, const char *path, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cr_error_errno("%s", path);
		if (n == 0)
			return cr_error_set("%s: a truncated pack index; "
					    "refusing",
					    path);
		got += (size_t)n;
	}
	return CR_OK;
}

/*
 * One pass over the ids of the pack index path (version 2: magic, version,
 * 256 fanout counts, then the sorted ids), merged with ids (n sorted,
 * distinct): first[i] is set to pack + 1 for each id it holds first, and
 * the index of each id an earlier pack already holds is put in again
 * (*nagain of them, at most n). Never mapped: a file cut short is an
 * error, not a SIGBUS.
 */
static int
scan_idx(const char *path, const git_oid *ids, size_t n, uint32_t *first,
	 uint32_t pack, uint32_t *again, size_t *nagain, unsigned char *chunk)
{
	unsigned char head[8 + 256 * 4], prev[GIT_OID_RAWSZ];
	struct stat st;
	uint32_t count = 0, f, i, k, take;
	size_t j = 0;
	int fd, isdir, err;

	/* Checked by type before it is opened, as check_gitdir does. */
	if ((err = check_node(path, 0, &isdir)) < 0 ||
	    (err = open_regular(&fd, &st, path, 0)) < 0)
		return err;
	if ((err = pread_all(fd, path, head, sizeof(head), 0)) < 0)
		goto done;
	if (memcmp(head, "\377tOc\0\0\0\2", 8) != 0) {
		err = cr_error_set("%s: not a version 2 pack index; refusing",
				   path);
		goto done;
	}
	for (i = 0; i < 256; i++) {
		f = (uint32_t)head[8 + 4 * i] << 24 |
		    (uint32_t)head[9 + 4 * i] << 16 |
		    (uint32_t)head[10 + 4 * i] << 8 | head[11 + 4 * i];
		if (f < count) {
			err = cr_error_set("%s: a malformed pack index "
					   "(fanout not monotonic); refusing",
					   path);
			goto done;
		}
		count = f;
	}
	/* The ids, their CRCs and offsets, and the two trailing hashes. */
	if (st.st_size < 0 ||
	    (uint64_t)st.st_size <
		    sizeof(head) + (uint64_t)count * 28 + 2 * GIT_OID_RAWSZ) {
		err = cr_error_set("%s: a truncated pack index; refusing",
				   path);
		goto done;
	}
	for (i = 0; i < count && j < n; i += take) {
		take = count - i < CR_IDX_CHUNK_IDS ? count - i
						    : CR_IDX_CHUNK_IDS;
		if ((err = pread_all(
			     fd, path, chunk, (size_t)take * GIT_OID_RAWSZ,
			     sizeof(head) + (uint64_t)i * GIT_OID_RAWSZ)) < 0)
			goto done;
		for (k = 0; k < take && j < n; k++) {
			const unsigned char *id = chunk + k * GIT_OID_RAWSZ;

			if ((i > 0 || k > 0) &&
			    memcmp(prev, id, GIT_OID_RAWSZ) >= 0) {
				err = cr_error_set("%s: a malformed pack index "
						   "(ids not sorted); refusing",
						   path);
				goto done;
			}
			memcpy(prev, id, GIT_OID_RAWSZ);
			while (j < n &&
			       memcmp(ids[j].id, id, GIT_OID_RAWSZ) < 0)
				j++;
			if (j == n || memcmp(ids[j].id, id, GIT_OID_RAWSZ) != 0)
				continue;
			if (first[j] != 0)
				again[(*nagain)++] = (uint32_t)j;
			else
				first[j] = pack + 1;
		}
	}
done:
	close(fd);
	return err;
}

/* A copy of the object ids[obj] in pack, another being in pack other. */
struct copy {
	uint32_t pack, obj, other;
};

static int
cmp_copy(const void *a, const void *b)
{
	const struct copy *x = a, *y = b;

	return x->pack < y->pack ? -1 : x->pack > y->pack;
}

/*
 * Streams the loose copy of id from odb (a loose-only odb), CR_STREAM_CHUNK
 * at a time, and checks it hashes to id (SHA-1 of header and bytes): a
 * large loose blob is never held whole. CR_EFAIL when it does not, with
 * the reason in *why.
 */
static int
loose_copy_check(git_odb *odb, const git_oid *id, const char **why)
{
	static const char *const names[] = {
		[GIT_OBJECT_COMMIT] = "commit",
		[GIT_OBJECT_TREE] = "tree",
		[GIT_OBJECT_BLOB] = "blob",
		[GIT_OBJECT_TAG] = "tag",
	};
	unsigned char got[EVP_MAX_MD_SIZE];
	char head[CR_OBJECT_HEADER_MAX], *buf = NULL;
	git_odb_stream *st = NULL;
	EVP_MD_CTX *md = NULL;
	git_object_t type;
	size_t len, total = 0;
	unsigned int n = 0;
	int k, err = CR_EFAIL;

	*why = "unreadable";
	if (git_odb_open_rstream(&st, &len, &type, odb, id) < 0 ||
	    type < GIT_OBJECT_COMMIT || type > GIT_OBJECT_TAG)
		goto done;
	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL ||
	    (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(md, head,
			     cr_object_header(head, names[type], len)) != 1) {
		err = cr_error_set("SHA-1: OpenSSL failed or out of memory");
		goto done;
	}
	while (total < len) {
		if ((k = git_odb_stream_read(st, buf, CR_STREAM_CHUNK)) <= 0 ||
		    (size_t)k > len - total) {
			*why = "size differs from its header";
			goto done;
		}
		if (EVP_DigestUpdate(md, buf, (size_t)k) != 1) {
			err = cr_error_set("SHA-1: OpenSSL failed");
			goto done;
		}
		total += (size_t)k;
	}
	*why = "its bytes do not hash to its id";
	if (EVP_DigestFinal_ex(md, got, &n) == 1 && n == GIT_OID_RAWSZ &&
	    memcmp(got, id->id, n) == 0)
		err = CR_OK;
done:
	git_odb_stream_free(st);
	EVP_MD_CTX_free(md);
	free(buf);
	return err;
}

/*
 * Reads the copies c (n of them, all of one pack) from that pack alone.
 * libgit2 checks that what it reads hashes to the id (SHA-1 with collision
 * detection); a copy that does not is refused, naming both packs.
 */
static int
check_copies(char *const *names, const unsigned char *loose, const git_oid *ids,
	     const struct copy *c, size_t n)
{
	char hex[GIT_OID_HEXSZ + 1];
	const char *why;
	git_odb *odb = NULL;
	git_odb_backend *b = NULL;
	git_odb_object *o;
	size_t k;
	int err = CR_OK;

	if (git_odb_new(&odb) < 0 ||
	    (loose[c[0].pack]
		     ? git_odb_backend_loose(&b, names[c[0].pack], -1, 0, 0, 0)
		     : git_odb_backend_one_pack(&b, names[c[0].pack])) < 0) {
		err = cr_git_error("%s", names[c[0].pack]);
		goto done;
	}
	if (git_odb_add_backend(odb, b, 1) < 0) {
		b->free(b);
		err = cr_git_error("%s", names[c[0].pack]);
		goto done;
	}
	for (k = 0; k < n; k++) {
		why = NULL;
		if (loose[c[k].pack]) {
			if ((err = loose_copy_check(odb, &ids[c[k].obj],
						    &why)) == CR_OK)
				continue;
			if (err == CR_ERROR)
				goto done;
		} else if (git_odb_read(&o, odb, &ids[c[k].obj]) == 0) {
			git_odb_object_free(o);
			continue;
		}
		git_oid_tostr(hex, sizeof(hex), &ids[c[k].obj]);
		err = cr_error_set(
			"%s%s: object %s is stored here and in "
			"%s%s, and this copy does not read as its "
			"id (%s): git may show it to a reviewer; "
			"refusing",
			names[c[k].pack], loose[c[k].pack] ? " (loose)" : "",
			hex, names[c[k].other],
			loose[c[k].other] ? " (loose)" : "",
			why != NULL		   ? why
			: git_error_last() != NULL ? git_error_last()->message
						   : "unreadable");
		goto done;
	}
done:
	git_odb_free(odb);
	return err;
}

/*
 * Checks the copies of pack's objects that an earlier pack holds too (the
 * indexes again, nagain of them) and those earlier copies not yet checked
 * (checked[i] unset): every copy of an object in two packs must read as its
 * id. git takes the copy of the pack it used last, libgit2 its own, so a
 * crafted copy in either would be what git shows a reviewer while the
 * other is hashed. Each copy is read once; c has room for nagain.
 */
static int
check_again(char *const *names, const unsigned char *loose, uint32_t pack,
	    const git_oid *ids, const uint32_t *first, const uint32_t *again,
	    size_t nagain, unsigned char *checked, struct copy *c)
{
	size_t k, m, run;
	int err;

	if (nagain == 0)
		return CR_OK;
	for (k = 0; k < nagain; k++)
		c[k] = (struct copy){pack, again[k], first[again[k]] - 1};
	if ((err = check_copies(names, loose, ids, c, nagain)) < 0)
		return err;
	/* The first copies, grouped by pack. */
	for (m = 0, k = 0; k < nagain; k++)
		if (!checked[again[k]]) {
			checked[again[k]] = 1;
			c[m++] = (struct copy){first[again[k]] - 1, again[k],
					       pack};
		}
	qsort(c, m, sizeof(*c), cmp_copy);
	for (k = 0; k < m; k += run) {
		for (run = 1; k + run < m && c[k + run].pack == c[k].pack;)
			run++;
		if ((err = check_copies(names, loose, ids, c + k, run)) < 0)
			return err;
	}
	return CR_OK;
}

/* Object directories whose packs are scanned: ours and its alternates. */
#define CR_MAX_ODBS 16

/* Largest objects/info/alternates file read. */
#define CR_ALTERNATES_MAX (64u << 10)

/*
 * Adds to dirs (n of them) the object directories objects/info/alternates
 * of the object directory objdir names, as git and libgit2 both read them:
 * one path a line, '#' lines and empty ones skipped, a relative path taken
 * from objdir. Refused where the two read it differently: a quoted line
 * (git unquotes it, libgit2 does not), a relative path not starting with
 * '.' (libgit2 takes it from the working directory), and an alternate with
 * alternates of its own (nested ones are resolved and cut off differently).
 */
static int
add_alternates(char (*dirs)[4096], size_t *n, const char *objdir, int nested)
{
	char path[4096], *buf = NULL, *line, *next;
	size_t len;
	int err;

	if (snprintf(path, sizeof(path), "%s/info/alternates", objdir) >=
	    (int)sizeof(path))
		return cr_error_set("%s: path too long", objdir);
	if ((err = read_regular(&buf, &len, path, CR_ALTERNATES_MAX)) < 0 ||
	    buf == NULL)
		return err;
	if (nested) {
		err = cr_error_set("%s: an alternate with alternates of its "
				   "own, which git and libgit2 follow "
				   "differently; refusing",
				   path);
		goto done;
	}
	if (strlen(buf) != len) {
		err = cr_error_set("%s: a NUL byte; refusing", path);
		goto done;
	}
	for (line = buf; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '"' || strchr(line, '\r') != NULL ||
		    (*line != '/' && *line != '.')) {
			err = cr_error_set("%s: '%s': an entry git and libgit2 "
					   "read differently (quoted, a CR, or "
					   "relative without a leading '.'); "
					   "refusing",
					   path, line);
			goto done;
		}
		if (*n == CR_MAX_ODBS) {
			err = cr_error_set("%s: more than %d alternates; "
					   "refusing",
					   path, CR_MAX_ODBS - 1);
			goto done;
		}
		if ((*line == '/' ? snprintf(dirs[*n], 4096, "%s", line)
				  : snprintf(dirs[*n], 4096, "%s/%s", objdir,
					     line)) >= 4096) {
			err = cr_error_set("%s: a path too long; refusing",
					   path);
			goto done;
		}
		(*n)++;
	}
	err = CR_OK;
done:
	free(buf);
	return err;
}

/* The object directories whose packs git and libgit2 read for r. */
static int
object_dirs(char (*dirs)[4096], size_t *n, git_repository *r, const char *repo)
{
	const char *common = git_repository_commondir(r);
	size_t i, mine;
	int err;

	*n = 0;
	if (common == NULL)
		return cr_error_set("%s: no git directory", repo);
	if (snprintf(dirs[0], 4096, "%sobjects", common) >= 4096)
		return cr_error_set("%s: path too long", repo);
	*n = 1;
	if ((err = add_alternates(dirs, n, dirs[0], 0)) < 0)
		return err;
	for (mine = *n, i = 1; i < mine; i++)
		if ((err = add_alternates(dirs, n, dirs[i], 1)) < 0)
			return err;
	return CR_OK;
}

static int check_midx(const char *dir);

/*
 * Refuses alternates git and libgit2 would read differently (object_dirs),
 * and multi-pack-indexes they would (check_midx), before anything is read
 * through them.
 */
static int
refuse_alternates(git_repository *r, const char *repo)
{
	char(*dirs)[4096];
	char pack[4096 + 8];
	size_t n, i;
	int err;

	if ((dirs = malloc(CR_MAX_ODBS * sizeof(*dirs))) == NULL)
		return cr_error_set("%s: out of memory", repo);
	err = object_dirs(dirs, &n, r, repo);
	/* Before libgit2 reads an object through one. */
	for (i = 0; err >= 0 && i < n; i++) {
		snprintf(pack, sizeof(pack), "%s/pack", dirs[i]);
		err = check_midx(pack);
		/* git may take an alternate's commit-graph too. */
		if (err >= 0 && i > 0)
			err = git_graph_check(repo, git_repository_path(r),
					      NULL, dirs[i]);
	}
	free(dirs);
	return err < 0 ? err : CR_OK;
}

/*
 * Sets *out when the repository or an alternate holds a loose object (a
 * file in one of objects/00 to objects/ff); at most 256 directories
 * opened and one entry read from each.
 */
static int
any_loose(git_repository *r, const char *repo, int *out)
{
	char(*dirs)[4096], dir[4096 + 4];
	struct dirent *de;
	size_t n = 0, i;
	unsigned x;
	DIR *d;
	int err;

	*out = 0;
	if ((dirs = malloc(CR_MAX_ODBS * sizeof(*dirs))) == NULL)
		return cr_error_set("%s: out of memory", repo);
	if ((err = object_dirs(dirs, &n, r, repo)) < 0)
		goto done;
	for (i = 0; i < n && !*out; i++)
		for (x = 0; x < 256 && !*out; x++) {
			snprintf(dir, sizeof(dir), "%s/%02x", dirs[i], x);
			if ((d = opendir(dir)) == NULL)
				continue;
			while ((err = cr_readdir(&de, d, dir)) > 0)
				if (strcmp(de->d_name, ".") != 0 &&
				    strcmp(de->d_name, "..") != 0) {
					*out = 1;
					break;
				}
			closedir(d);
			if (err < 0)
				goto done;
		}
	err = CR_OK;
done:
	free(dirs);
	return err;
}

/* What check_dup_packs reads and keeps, freed by dup_scan_free. */
struct dup_scan {
	const char *repo;
	git_oid *ids; /* n, sorted, distinct */
	size_t n;
	char **names;	      /* CR_MAX_PACKS sources: pack indexes, and */
	unsigned char *loose; /* object directories' loose objects */
	size_t npacks;
	int midx;      /* a multi-pack-index is there */
	size_t budget; /* loose entries still to look at */
	uint32_t *first, *again;
	unsigned char *chunk, *checked;
	struct copy *c;
	size_t room;
};

/* Largest PNAM chunk (the pack names) of a multi-pack-index read. */
#define CR_MIDX_NAMES_MAX (CR_MAX_PACKS * 64u)

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/*
 * A pack index git and libgit2 both load: pack-<40 hex>.idx. git loads
 * any NAME.idx, libgit2 skips some (".idx" matches every loaded pack by
 * its prefix test), so a crafted copy could be read by git alone.
 */
static int
git_pack_name(const char *name)
{
	return strlen(name) == 49 && strncmp(name, "pack-", 5) == 0 &&
	       strspn(name + 5, "0123456789abcdef") == 40 &&
	       strcmp(name + 45, ".idx") == 0;
}

/*
 * Refuses a multi-pack-index in dir (the pack directory) that git and
 * libgit2 would not both use: one they cannot parse, or one naming a pack
 * that is missing (git keeps using it, libgit2 drops it and reads the
 * packs' own indexes, so a copy only the multi-pack-index points at would
 * be read by git alone). A multi-pack-index.d chain (newer git) is
 * refused: libgit2 does not read it. 1 when there is one, and it is not
 * refused: libgit2 may still drop one git uses (a chunk it does not know,
 * such as git's RIDX), so git is then asked for every object
 * (cr_git_batch_start). Checked when the repository is opened, before
 * libgit2 reads any object (and sizes its tables from the header).
 */
static int
check_midx(const char *dir)
{
	char path[4096], pk[4096];
	unsigned char head[12], row[12], *names = NULL;
	uint64_t pnam = 0, end = 0, off;
	uint32_t nchunks, npacks, i, k, got = 0;
	struct stat st;
	int fd = -1, isdir, err;

	if (snprintf(path, sizeof(path), "%s/multi-pack-index.d", dir) >=
	    (int)sizeof(path))
		return cr_error_set("%s: path too long", dir);
	if (lstat(path, &st) == 0)
		return cr_error_set("%s: a multi-pack-index chain, which "
				    "libgit2 does not read; refusing (git "
				    "multi-pack-index write, or remove it)",
				    path);
	path[strlen(path) - 2] = '\0'; /* multi-pack-index */
	if (lstat(path, &st) != 0)
		return CR_OK;
	if ((err = check_node(path, 0, &isdir)) < 0 ||
	    (err = open_regular(&fd, &st, path, 0)) < 0)
		return err;
	if ((err = pread_all(fd, path, head, sizeof(head), 0)) < 0)
		goto done;
	nchunks = head[6];
	npacks = be32(head + 8);
	if (memcmp(head, "MIDX\1\1", 6) != 0 || head[7] != 0 ||
	    npacks > CR_MAX_PACKS) {
		err = cr_error_set("%s: not a multi-pack-index git and libgit2 "
				   "both read (version 1, SHA-1, at most %u "
				   "packs); refusing",
				   path, CR_MAX_PACKS);
		goto done;
	}
	for (i = 0; i < nchunks; i++) {
		if ((err = pread_all(fd, path, row, sizeof(row),
				     12 + (uint64_t)i * 12)) < 0)
			goto done;
		off = (uint64_t)be32(row + 4) << 32 | be32(row + 8);
		if (pnam != 0 && end == 0)
			end = off;
		if (memcmp(row, "PNAM", 4) == 0)
			pnam = off;
	}
	if ((err = pread_all(fd, path, row, sizeof(row),
			     12 + (uint64_t)nchunks * 12)) < 0)
		goto done;
	if (end == 0)
		end = (uint64_t)be32(row + 4) << 32 | be32(row + 8);
	if (pnam == 0 || end <= pnam || end - pnam > CR_MIDX_NAMES_MAX ||
	    end > (uint64_t)st.st_size) {
		err = cr_error_set("%s: a malformed multi-pack-index (pack "
				   "names); refusing",
				   path);
		goto done;
	}
	if ((names = malloc(end - pnam + 1)) == NULL) {
		err = cr_error_set("%s: out of memory", path);
		goto done;
	}
	if ((err = pread_all(fd, path, names, end - pnam, pnam)) < 0)
		goto done;
	names[end - pnam] = '\0';
	for (k = 0; k < end - pnam && got < npacks;
	     k += strlen((char *)names + k) + 1) {
		const char *n = (const char *)names + k;

		if (*n == '\0')
			continue;
		got++;
		if (!git_pack_name(n) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, n) >=
			    (int)sizeof(path) ||
		    snprintf(pk, sizeof(pk), "%s/%.45s.pack", dir, n) >=
			    (int)sizeof(pk) ||
		    stat(path, &st) != 0 || stat(pk, &st) != 0) {
			err = cr_error_set("%s/multi-pack-index: names pack "
					   "'%.64s', which is missing or "
					   "misnamed: git would use the index, "
					   "libgit2 drops it; refusing (git "
					   "multi-pack-index write, or remove "
					   "it)",
					   dir, n);
			goto done;
		}
	}
	if (got != npacks)
		err = cr_error_set("%s/multi-pack-index: names %u packs of "
				   "%u; refusing",
				   dir, got, npacks);
	else
		err = 1;
done:
	free(names);
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * After a source (a pack, or a directory's loose objects) was scanned:
 * checks the copies met again (check_again) and counts it.
 */
static int
after_source(struct dup_scan *ds, size_t nagain)
{
	struct copy *more;
	int err;

	if (nagain > ds->room) {
		if ((more = realloc(ds->c, nagain * sizeof(*more))) == NULL)
			return cr_error_set("%s: out of memory", ds->repo);
		ds->c = more;
		ds->room = nagain;
	}
	if ((err = check_again(ds->names, ds->loose, (uint32_t)ds->npacks,
			       ds->ids, ds->first, ds->again, nagain,
			       ds->checked, ds->c)) < 0)
		return err;
	ds->npacks++;
	return CR_OK;
}

/*
 * Scans the pack indexes of the object directory objdir (every NAME.idx
 * with its NAME.pack, as git and libgit2 read, not only pack-*), merging
 * their ids with ds's and checking the copies met again.
 */
static int
scan_pack_dir(struct dup_scan *ds, const char *objdir)
{
	char dir[4096], path[4096], pk[4096];
	struct dirent *de;
	struct stat st;
	size_t len, nagain;
	DIR *d;
	int err;

	if (snprintf(dir, sizeof(dir), "%s/pack", objdir) >= (int)sizeof(dir))
		return cr_error_set("%s: path too long", objdir);
	if ((err = check_midx(dir)) < 0)
		return err;
	ds->midx |= err;
	if ((d = opendir(dir)) == NULL)
		return errno == ENOENT || errno == ENOTDIR
			       ? CR_OK
			       : cr_error_errno("%s", dir);
	for (;;) {
		if ((err = cr_readdir(&de, d, dir)) <= 0)
			break;
		len = strlen(de->d_name);
		if (len < 4 || strcmp(de->d_name + len - 4, ".idx") != 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
			    (int)sizeof(path) ||
		    snprintf(pk, sizeof(pk), "%s/%.*s.pack", dir,
			     (int)(len - 4), de->d_name) >= (int)sizeof(pk)) {
			err = cr_error_set("%s: a path too long; refusing",
					   dir);
			break;
		}
		/* An index without its pack is read by neither. */
		if (stat(pk, &st) != 0)
			continue;
		if (!git_pack_name(de->d_name)) {
			err = cr_error_set("%s: a pack not named "
					   "pack-<id>.idx, which git loads and "
					   "libgit2 may skip; refusing (git "
					   "repack -a -d)",
					   path);
			break;
		}
		if (ds->npacks == CR_MAX_PACKS) {
			err = cr_error_set("%s: more than %u packs; refusing "
					   "(git repack -a -d)",
					   dir, CR_MAX_PACKS);
			break;
		}
		if ((ds->names[ds->npacks] = strdup(path)) == NULL) {
			err = cr_error_set("%s: out of memory", ds->repo);
			break;
		}
		nagain = 0;
		if ((err = scan_idx(path, ds->ids, ds->n, ds->first,
				    (uint32_t)ds->npacks, ds->again, &nagain,
				    ds->chunk)) < 0)
			break;
		if ((err = after_source(ds, nagain)) < 0)
			break;
	}
	closedir(d);
	return err;
}

/*
 * Scans the loose objects of the object directory objdir (files xx/ and 38
 * lowercase hex digits, as git and libgit2 name them) as one more source.
 */
static int
scan_loose_dir(struct dup_scan *ds, const char *objdir)
{
	char dir[4096], hex[GIT_OID_HEXSZ + 1];
	struct dirent *de;
	git_oid id, *hit;
	size_t nagain = 0;
	unsigned x;
	DIR *d;
	int err = CR_OK;

	if (ds->npacks == CR_MAX_PACKS)
		return cr_error_set("%s: more than %u packs; refusing "
				    "(git repack -a -d)",
				    objdir, CR_MAX_PACKS);
	if ((ds->names[ds->npacks] = strdup(objdir)) == NULL)
		return cr_error_set("%s: out of memory", ds->repo);
	ds->loose[ds->npacks] = 1;
	for (x = 0; x < 256 && err >= 0; x++) {
		snprintf(dir, sizeof(dir), "%s/%02x", objdir, x);
		if ((d = opendir(dir)) == NULL) {
			if (errno != ENOENT && errno != ENOTDIR)
				err = cr_error_errno("%s", dir);
			continue;
		}
		while ((err = cr_readdir(&de, d, dir)) > 0) {
			if (ds->budget-- == 0) {
				err = cr_error_set("%s: more than %u loose "
						   "objects; refusing (git "
						   "repack -a -d)",
						   objdir,
						   CR_GITDIR_MAX_ENTRIES);
				break;
			}
			if (strlen(de->d_name) != GIT_OID_HEXSZ - 2 ||
			    strspn(de->d_name, "0123456789abcdef") !=
				    GIT_OID_HEXSZ - 2)
				continue;
			/* Its 38 digits after the directory's two. */
			hex[0] = "0123456789abcdef"[x >> 4];
			hex[1] = "0123456789abcdef"[x & 15];
			memcpy(hex + 2, de->d_name, GIT_OID_HEXSZ - 2);
			hex[GIT_OID_HEXSZ] = '\0';
			if (git_oid_fromstr(&id, hex) < 0 ||
			    (hit = bsearch(&id, ds->ids, ds->n,
					   sizeof(*ds->ids), cmp_oid)) == NULL)
				continue;
			if (ds->first[hit - ds->ids] == 0)
				ds->first[hit - ds->ids] =
					(uint32_t)ds->npacks + 1;
			else
				ds->again[nagain++] = (uint32_t)(hit - ds->ids);
		}
		closedir(d);
	}
	if (err < 0)
		return err;
	return after_source(ds, nagain);
}

static void
dup_scan_free(struct dup_scan *ds)
{
	size_t i;

	if (ds->names != NULL)
		for (i = 0; i < CR_MAX_PACKS && ds->names[i] != NULL; i++)
			free(ds->names[i]);
	free(ds->names);
	free(ds->loose);
	free(ds->ids);
	free(ds->first);
	free(ds->again);
	free(ds->checked);
	free(ds->c);
	free(ds->chunk);
}

/*
 * Checks that every object the hash reads (the commit, its trees, the
 * blobs) that is stored in more than one pack, of the repository or of
 * its alternates, reads as its id in each (check_again()): git picks
 * among all those packs by its own order. Each pack index is read once,
 * in order, its ids merged with ours; only the objects met twice are read
 * again. The blobs are the pool's distinct ones, all added (the walk has
 * ended), whose ids no thread writes.
 *
 * Where an object may be stored more than once (more than one pack, a
 * loose object, an alternate), git itself is then asked for every one of
 * them beside the hashing (*batch, cr_git_batch_start): a catch-all for a
 * way git picks a copy this scan does not know.
 */
static int
check_dup_packs(struct cr_git_batch **batch, git_repository *r,
		const char *repo, const struct gwalk *w, const struct bpool *p,
		const git_oid *commit, const git_oid *root)
{
	char(*dirs)[4096] = NULL;
	struct dup_scan ds;
	size_t n = 0, i, len, ndirs = 0;
	int err = CR_OK;

	memset(&ds, 0, sizeof(ds));
	ds.repo = repo;
	ds.budget = CR_GITDIR_MAX_ENTRIES;
	if ((dirs = malloc(CR_MAX_ODBS * sizeof(*dirs))) == NULL ||
	    (ds.ids = malloc((p->ngroups + w->ndirs + 2) * sizeof(*ds.ids))) ==
		    NULL ||
	    (ds.names = calloc(CR_MAX_PACKS, sizeof(*ds.names))) == NULL ||
	    (ds.loose = calloc(CR_MAX_PACKS, 1)) == NULL ||
	    (ds.chunk = malloc((size_t)CR_IDX_CHUNK_IDS * GIT_OID_RAWSZ)) ==
		    NULL) {
		err = cr_error_set("%s: out of memory", repo);
		goto done;
	}
	if ((err = object_dirs(dirs, &ndirs, r, repo)) < 0)
		goto done;
	git_oid_cpy(&ds.ids[n++], commit);
	git_oid_cpy(&ds.ids[n++], root);
	for (i = 0; i < w->ndirs; i++)
		git_oid_cpy(&ds.ids[n++], &w->dirs[i]);
	for (i = 0; i < p->ngroups; i++)
		git_oid_cpy(&ds.ids[n++], &group_at(p, i)->id);
	qsort(ds.ids, n, sizeof(*ds.ids), cmp_oid);
	for (len = 0, i = 0; i < n; i++)
		if (len == 0 || git_oid_cmp(&ds.ids[len - 1], &ds.ids[i]) != 0)
			git_oid_cpy(&ds.ids[len++], &ds.ids[i]);
	ds.n = len;
	if ((ds.first = calloc(ds.n, sizeof(*ds.first))) == NULL ||
	    (ds.again = malloc(ds.n * sizeof(*ds.again))) == NULL ||
	    (ds.checked = calloc(ds.n, 1)) == NULL) {
		err = cr_error_set("%s: out of memory", repo);
		goto done;
	}
	/*
	 * Loose copies count only with alternates: alone, git and libgit2
	 * both read a pack before a loose file (first_copy_streams), but
	 * libgit2 may read an alternate's loose file before our packs.
	 */
	for (i = 0; i < ndirs && err >= 0; i++)
		if ((err = scan_pack_dir(&ds, dirs[i])) >= 0 && ndirs > 1)
			err = scan_loose_dir(&ds, dirs[i]);
	if (err >= 0 && (ndirs > 1 || ds.npacks > 1 || w->loose || ds.midx)) {
		err = cr_git_batch_start(batch, repo, git_repository_path(r),
					 ds.ids, ds.n);
		ds.ids = NULL; /* the batch's now, freed by it */
	}
done:
	free(dirs);
	dup_scan_free(&ds);
	return err;
}

/*
 * Pack files are mapped in windows that count as our memory once read;
 * libgit2 maps up to 8 GiB of them and caches up to 256 MiB of trees and
 * commits by default. Small windows, few of them mapped (a limit libgit2
 * passes only while every window is in use) and a small object cache keep
 * hashing a large repository within a few tens of MiB. Process-wide
 * settings, the same every time.
 */
static void
limit_memory(void)
{
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(4u << 20));
	git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(8u << 20));
	git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(8 << 20));
}

int
cr_tree_from_git(struct cr_tree **out, struct cr_source_info *info,
		 const char *repo, const char *rev,
		 const struct cr_tree_opts *opts)
{
	struct gwalk w = {0};
	struct hasher h;
	struct cr_git_batch *batch = NULL;
	int hashing = 0;
	git_repository *r = NULL;
	git_object *obj = NULL, *peeled = NULL;
	git_tree *tree = NULL;
	const git_commit *commit;
	char msg[1024];
	size_t k;
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
	limit_memory();
	if ((err = open_repo(&r, repo)) < 0 ||
	    (err = refuse_ambiguous_rev(r, repo, rev)) < 0 ||
	    (err = any_loose(r, repo, &w.loose)) < 0)
		goto done;
	if (git_revparse_single(&obj, r, rev) < 0) {
		err = cr_git_error("%s: revision '%s'", repo, rev);
		goto done;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		err = cr_git_error("%s: revision '%s'", repo, rev);
		goto done;
	}
	commit = (const git_commit *)peeled;
	if ((err = git_rev_check(r, repo, rev, git_commit_id(commit))) < 0)
		goto done;
	if (git_commit_tree(&tree, commit) < 0) {
		err = cr_git_error("%s: revision '%s'", repo, rev);
		goto done;
	}
	if ((err = cr_tree_new(&w.t)) < 0)
		goto done;
	/* Blobs are hashed from the first the walk meets. */
	hashing = 1;
	w.pool = &h.p;
	if ((err = hasher_start(&h, &w, opts)) < 0)
		goto done;
	if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_cb, &w) < 0) {
		err = w.err < 0 ? w.err : cr_git_error("%s: %s", repo, rev);
		goto done;
	}
	/* The other threads hash every blob met while this one checks. */
	publish(&h.p, 0);
	if ((err = scan_tree_attrs(&w, r)) < 0 ||
	    (err = check_dup_packs(&batch, r, repo, &w, &h.p,
				   git_commit_id(commit), git_tree_id(tree))) <
		    0)
		goto done;
	hashing = 0;
	if ((err = hasher_end(&h, &w, r, 1, opts)) < 0)
		goto done;
	err = cr_git_batch_end(batch, 0);
	batch = NULL;
	if (err < 0)
		goto done;
	if ((err = cr_tree_finish(w.t)) < 0) {
		snprintf(msg, sizeof(msg), "%s", cr_error_last());
		err = cr_error_set("%s: %s: %s", repo, rev, msg);
		goto done;
	}
	/* After the tree's own refusals, which say more. */
	if (opts != NULL && opts->clean_worktree &&
	    (err = refuse_dirty_worktree(r, repo, git_commit_id(commit), w.t)) <
		    0)
		goto done;
	if (info != NULL) {
		git_oid_tostr(info->commit, sizeof(info->commit),
			      git_commit_id(commit));
		info->commit_time = (int64_t)git_commit_time(commit);
	}
	*out = w.t;
	w.t = NULL;
done:
	if (hashing)
		hasher_end(&h, &w, r, 0, opts);
	cr_git_batch_end(batch, 1);
	cr_tree_free(w.t);
	free(w.refs);
	free(w.attrs);
	free(w.dirs);
	for (k = 0; k <= CR_TREE_MAX_DEPTH; k++)
		free(w.prev[k].name);
	git_tree_free(tree);
	git_object_free(peeled);
	git_object_free(obj);
	git_repository_free(r);
	git_libgit2_shutdown();
	return err;
}

struct cr_git_reader {
	git_repository *repo;
	git_object *commit;
	git_tree *root;
	git_blob *blob;
	const char *name;
};

int
cr_git_reader_open(struct cr_git_reader **out, const char *repo,
		   const char *commit)
{
	struct cr_git_reader *r;
	int err;

	*out = NULL;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return cr_error_set("out of memory");
	r->name = repo;
	git_libgit2_init();
	/* The same opening, so the same refusals, as cr_tree_from_git. */
	if ((err = open_repo(&r->repo, repo)) < 0)
		goto done;
	if (git_revparse_single(&r->commit, r->repo, commit) < 0 ||
	    git_object_peel((git_object **)&r->root, r->commit,
			    GIT_OBJECT_TREE) < 0) {
		err = cr_git_error("%s: %s", repo, commit);
		goto done;
	}
	*out = r;
	r = NULL;
done:
	cr_git_reader_free(r);
	return err;
}

int
cr_git_reader_blob(struct cr_git_reader *r, const struct cr_tree_entry *te,
		   const void **data, size_t *len)
{
	git_tree_entry *ge = NULL;
	unsigned char id[CR_SHA256_LEN];
	int err;

	git_blob_free(r->blob);
	r->blob = NULL;
	if (git_tree_entry_bypath(&ge, r->root, te->path) < 0 ||
	    git_blob_lookup(&r->blob, r->repo, git_tree_entry_id(ge)) < 0) {
		err = cr_git_error("%s: %s", r->name, te->path);
		git_tree_entry_free(ge);
		return err;
	}
	git_tree_entry_free(ge);
	*data = git_blob_rawcontent(r->blob);
	*len = (size_t)git_blob_rawsize(r->blob);
	/* What is written must be exactly what was hashed. */
	if ((err = cr_blob_id(id, *data, *len)) < 0)
		return err;
	if (CRYPTO_memcmp(id, te->oid, CR_SHA256_LEN) != 0)
		return cr_error_set("%s: %s changed since it was hashed",
				    r->name, te->path);
	return CR_OK;
}

void
cr_git_reader_free(struct cr_git_reader *r)
{
	if (r == NULL)
		return;
	git_blob_free(r->blob);
	git_tree_free(r->root);
	git_object_free(r->commit);
	git_repository_free(r->repo);
	free(r);
	git_libgit2_shutdown();
}
