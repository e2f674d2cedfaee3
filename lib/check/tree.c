/* Source tree hashes: the flat list of files, its checks and git's tree ids. */
#include "tree.h"
#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* Paths live in a few large blocks rather than one allocation each. */
struct strblock {
	struct strblock *next;
	size_t used, cap;
	char data[];
};

#define STRBLOCK_SIZE (64u * 1024)

static char *
store_string(struct cr_tree *t, const char *s, size_t len)
{
	struct strblock *b = t->strings, *nb;
	size_t cap;
	char *p;

	if (b == NULL || b->cap - b->used < len + 1) {
		cap = len + 1 > STRBLOCK_SIZE ? len + 1 : STRBLOCK_SIZE;
		if ((nb = malloc(sizeof(*nb) + cap)) == NULL)
			return NULL;
		nb->next = b;
		nb->used = 0;
		nb->cap = cap;
		t->strings = b = nb;
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

int
cr_tree_new(struct cr_tree **out)
{
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		return cr_error_set("tree: out of memory");
	return CR_OK;
}

void
cr_tree_free(struct cr_tree *t)
{
	struct strblock *b, *next;

	if (t == NULL)
		return;
	for (b = t->strings; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	free(t->entries);
	free(t);
}

int
cr_tree_add(struct cr_tree *t, const char *path, unsigned int mode,
	    const unsigned char oid[CR_SHA256_LEN], uint64_t size)
{
	struct cr_tree_entry *e;
	size_t len, n;

	if (mode != CR_MODE_FILE && mode != CR_MODE_EXEC &&
	    mode != CR_MODE_LINK)
		return cr_error_set("'%s': unsupported mode %o", path, mode);
	if ((len = strlen(path)) > CR_TREE_MAX_PATH)
		return cr_error_set("'%.64s...': path longer than %u bytes",
				    path, CR_TREE_MAX_PATH);
	if (t->count >= CR_TREE_MAX_ENTRIES)
		return cr_error_set("'%s': more than %u files", path,
				    CR_TREE_MAX_ENTRIES);
	if (t->count == t->alloc) {
		n = t->alloc ? t->alloc * 2 : 256;
		if ((e = realloc(t->entries, n * sizeof(*e))) == NULL)
			return cr_error_set("tree: out of memory");
		t->entries = e;
		t->alloc = n;
	}
	e = &t->entries[t->count];
	if ((e->path = store_string(t, path, len)) == NULL)
		return cr_error_set("tree: out of memory");
	e->mode = mode;
	if (oid != NULL)
		memcpy(e->oid, oid, CR_SHA256_LEN);
	else
		memset(e->oid, 0, CR_SHA256_LEN);
	e->size = size;
	t->count++;
	t->finished = 0;
	return CR_OK;
}

/* Why path cannot be in a git tree, or NULL when it can. */
static const char *
bad_path(const char *path)
{
	const char *p = path, *end;
	size_t n, depth = 0;

	if (*path == '\0')
		return "empty path";
	if (*path == '/')
		return "absolute path";
	for (;;) {
		end = strchr(p, '/');
		n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0)
			return "empty path component";
		if ((n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return "'.' or '..' component";
		/* git refuses ".git" in any case, whatever the filesystem. */
		if (n == 4 && strncasecmp(p, ".git", 4) == 0)
			return "'.git' component";
		if (++depth > CR_TREE_MAX_DEPTH)
			return "nested too deep";
		if (end == NULL)
			return NULL;
		p = end + 1;
	}
}

static int
cmp_entry(const void *a, const void *b)
{
	const struct cr_tree_entry *x = a, *y = b;

	/*
	 * strcmp over whole paths is git's order: inside one directory two
	 * names first differ at some byte, or one is a prefix of the other
	 * and then the shorter one is followed by '\0' (a file) or '/' (a
	 * directory), exactly the byte git compares.
	 */
	return strcmp(x->path, y->path);
}

static int
cmp_key(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cr_tree_entry *)elem)->path);
}

/* One open directory while the trees are built: its path end and body. */
struct level {
	size_t end;  /* its path is cur[0..end) */
	size_t name; /* its own name starts at cur[name] */
	unsigned char *buf;
	size_t len, cap;
};

struct builder {
	const struct cr_tree *t;
	struct level levels[CR_TREE_MAX_DEPTH + 1];
	size_t depth; /* levels[0..depth] are open; 0 is the root */
	char cur[CR_TREE_MAX_PATH + 1];
	int (*fn)(void *, const char *, const unsigned char *,
		  const unsigned char *, size_t);
	void *ctx;
};

static int
append(struct level *l, unsigned int mode, const char *name, size_t n,
       const unsigned char oid[CR_SHA256_LEN])
{
	char m[16];
	const char *ms = m;
	size_t ml, need;
	unsigned char *p;

	/* The four modes a tree holds, without a printf each. */
	switch (mode) {
	case CR_MODE_FILE:
		ms = "100644";
		break;
	case CR_MODE_EXEC:
		ms = "100755";
		break;
	case CR_MODE_LINK:
		ms = "120000";
		break;
	case CR_MODE_TREE:
		ms = "40000";
		break;
	default:
		snprintf(m, sizeof(m), "%o", mode);
	}
	ml = strlen(ms);
	need = ml + 1 + n + 1 + CR_SHA256_LEN;
	if (l->cap - l->len < need) {
		size_t cap = l->cap ? l->cap : 4096;
		while (cap - l->len < need)
			cap *= 2;
		if ((p = realloc(l->buf, cap)) == NULL)
			return cr_error_set("tree: out of memory");
		l->buf = p;
		l->cap = cap;
	}
	p = l->buf + l->len;
	memcpy(p, ms, ml);
	p += ml;
	*p++ = ' ';
	memcpy(p, name, n);
	p += n;
	*p++ = '\0';
	memcpy(p, oid, CR_SHA256_LEN);
	l->len += need;
	return CR_OK;
}

/* Closes the deepest open directory, adding it to its parent. */
static int
close_level(struct builder *b, unsigned char oid[CR_SHA256_LEN])
{
	struct level *l = &b->levels[b->depth];
	int err;

	if ((err = cr_object_id(oid, "tree", l->buf, l->len)) < 0)
		return err;
	if (b->fn != NULL) {
		b->cur[l->end] = '\0';
		if ((err = b->fn(b->ctx, b->cur, oid, l->buf, l->len)) < 0)
			return err;
	}
	if (b->depth == 0)
		return CR_OK;
	b->depth--;
	return append(&b->levels[b->depth], CR_MODE_TREE, b->cur + l->name,
		      l->end - l->name, oid);
}

static int
build(const struct cr_tree *t, unsigned char root[CR_SHA256_LEN],
      int (*fn)(void *, const char *, const unsigned char *,
		const unsigned char *, size_t),
      void *ctx)
{
	struct builder *b;
	unsigned char oid[CR_SHA256_LEN];
	const char *path, *slash, *name;
	size_t i, k, m, start;
	int err = CR_OK;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return cr_error_set("tree: out of memory");
	b->t = t;
	b->fn = fn;
	b->ctx = ctx;
	for (i = 0; i < t->count; i++) {
		path = t->entries[i].path;
		/* How many open directories this path lies in. */
		for (m = 0; m < b->depth; m++) {
			struct level *l = &b->levels[m + 1];
			if (strncmp(path + l->name, b->cur + l->name,
				    l->end - l->name) != 0 ||
			    path[l->end] != '/')
				break;
		}
		while (b->depth > m)
			if ((err = close_level(b, oid)) < 0)
				goto done;
		start = m == 0 ? 0 : b->levels[m].end + 1;
		name = path + start;
		while ((slash = strchr(name, '/')) != NULL) {
			struct level *l = &b->levels[++b->depth];
			k = (size_t)(slash - path);
			memcpy(b->cur, path, k);
			b->cur[k] = '\0';
			if (bsearch(b->cur, t->entries, t->count,
				    sizeof(*t->entries), cmp_key) != NULL) {
				err = cr_error_set("'%s': both a file and a "
						   "directory",
						   b->cur);
				goto done;
			}
			l->name = (size_t)(name - path);
			l->end = k;
			l->len = 0;
			name = slash + 1;
		}
		if ((err = append(&b->levels[b->depth], t->entries[i].mode,
				  name, strlen(name), t->entries[i].oid)) < 0)
			goto done;
	}
	while (b->depth > 0)
		if ((err = close_level(b, oid)) < 0)
			goto done;
	err = close_level(b, root);
done:
	for (i = 0; i <= CR_TREE_MAX_DEPTH; i++)
		free(b->levels[i].buf);
	free(b);
	return err;
}

int
cr_tree_finish(struct cr_tree *t)
{
	const char *why;
	size_t i;
	int err;

	if (t->finished)
		return CR_OK;
	for (i = 0; i < t->count; i++)
		if ((why = bad_path(t->entries[i].path)) != NULL)
			return cr_error_set("'%s': %s", t->entries[i].path,
					    why);
	/* A git tree's walk comes in order already: checked in one pass. */
	for (i = 1; i < t->count; i++)
		if (cmp_entry(&t->entries[i - 1], &t->entries[i]) > 0)
			break;
	if (i < t->count)
		qsort(t->entries, t->count, sizeof(*t->entries), cmp_entry);
	for (i = 1; i < t->count; i++)
		if (strcmp(t->entries[i - 1].path, t->entries[i].path) == 0)
			return cr_error_set("'%s': listed twice",
					    t->entries[i].path);
	if ((err = build(t, t->root, NULL, NULL)) < 0)
		return err;
	t->finished = 1;
	return CR_OK;
}

int
cr_tree_foreach_tree(const struct cr_tree *t,
		     int (*fn)(void *ctx, const char *dir,
			       const unsigned char oid[CR_SHA256_LEN],
			       const unsigned char *body, size_t len),
		     void *ctx)
{
	unsigned char root[CR_SHA256_LEN];

	if (!t->finished)
		return cr_error_set("tree: not finished");
	return build(t, root, fn, ctx);
}

const struct cr_tree_entry *
cr_tree_find(const struct cr_tree *t, const char *path)
{
	if (!t->finished)
		return NULL;
	return bsearch(path, t->entries, t->count, sizeof(*t->entries),
		       cmp_key);
}

size_t
cr_object_header(char out[CR_OBJECT_HEADER_MAX], const char *type,
		 uint64_t size)
{
	int n = snprintf(out, CR_OBJECT_HEADER_MAX, "%s %llu", type,
			 (unsigned long long)size);

	return (size_t)n + 1;
}

int
cr_object_id(unsigned char out[CR_SHA256_LEN], const char *type,
	     const void *body, size_t len)
{
	struct cr_sha256 h = {0};
	char head[CR_OBJECT_HEADER_MAX];
	int err;

	if ((err = cr_sha256_init(&h)) < 0)
		return err;
	if ((err = cr_sha256_update(&h, head,
				    cr_object_header(head, type, len))) < 0 ||
	    (err = cr_sha256_update(&h, body, len)) < 0) {
		cr_sha256_dispose(&h);
		return err;
	}
	return cr_sha256_final(&h, out);
}

int
cr_blob_id(unsigned char out[CR_SHA256_LEN], const void *buf, size_t len)
{
	return cr_object_id(out, "blob", buf, len);
}

size_t
cr_tree_threads(const struct cr_tree_opts *opts, size_t max)
{
	size_t n = opts != NULL ? opts->threads : 0;
	long cpus;

	if (n == 0) {
		cpus = sysconf(_SC_NPROCESSORS_ONLN);
		n = cpus > 0 ? (size_t)cpus : 1;
	}
	return n > max ? max : n;
}

void
cr_tree_format_id(char out[CR_TREE_IDLEN + 1],
		  const unsigned char root[CR_SHA256_LEN])
{
	memcpy(out, "sha256tree:", 11);
	cr_hex_encode(out + 11, root, CR_SHA256_LEN);
}

long
cr_tree_compare(const struct cr_tree *a, const struct cr_tree *b,
		int (*fn)(void *ctx, enum cr_change change,
			  const struct cr_tree_entry *ea,
			  const struct cr_tree_entry *eb),
		void *ctx)
{
	const struct cr_tree_entry *ea, *eb;
	size_t i = 0, j = 0;
	long n = 0;
	int c, r;

	while (i < a->count || j < b->count) {
		ea = i < a->count ? &a->entries[i] : NULL;
		eb = j < b->count ? &b->entries[j] : NULL;
		c = ea == NULL	 ? 1
		    : eb == NULL ? -1
				 : strcmp(ea->path, eb->path);
		if (c < 0) {
			r = fn(ctx, CR_CHANGE_REMOVED, ea, NULL);
			i++;
		} else if (c > 0) {
			r = fn(ctx, CR_CHANGE_ADDED, NULL, eb);
			j++;
		} else {
			i++;
			j++;
			if (memcmp(ea->oid, eb->oid, CR_SHA256_LEN) != 0)
				r = fn(ctx, CR_CHANGE_CONTENT, ea, eb);
			else if (ea->mode != eb->mode)
				r = fn(ctx, CR_CHANGE_MODE, ea, eb);
			else
				continue;
		}
		if (r < 0)
			return r;
		n++;
	}
	return n;
}

const char *
cr_change_name(enum cr_change change)
{
	switch (change) {
	case CR_CHANGE_ADDED:
		return "added";
	case CR_CHANGE_REMOVED:
		return "removed";
	case CR_CHANGE_CONTENT:
		return "changed";
	case CR_CHANGE_MODE:
		return "mode changed";
	}
	return "?";
}
