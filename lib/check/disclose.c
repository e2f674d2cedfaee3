/* Selective disclosure: some files of a tree, provably from the attested tree. */
#include "disclose.h"
#include "archive_policy.h"
#include "error.h"
#include "util.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <openssl/crypto.h>

struct tentry {
	const char *name; /* into the body copy */
	size_t namelen;
	unsigned int mode;
	const unsigned char *oid;
	int used; /* disclosed, or a tree that was provided */
};

struct tobj {
	char *path;
	unsigned char *body;
	size_t len;
	unsigned char id[CR_SHA256_LEN];
	struct tentry *entries;
	size_t count;
};

struct bundle {
	const char *file;
	struct tobj *trees; /* sorted by path once loaded */
	size_t ntrees;
	uint64_t disclosed_bytes;
};

static int
parse_mode(unsigned int *mode, const char *s, size_t n)
{
	static const struct {
		const char *text;
		unsigned int mode;
	} modes[] = {
		{"100644", CR_MODE_FILE},
		{"100755", CR_MODE_EXEC},
		{"120000", CR_MODE_LINK},
		{"40000", CR_MODE_TREE},
	};
	size_t i;

	for (i = 0; i < CR_ARRAY_SIZE(modes); i++)
		if (strlen(modes[i].text) == n &&
		    memcmp(modes[i].text, s, n) == 0) {
			*mode = modes[i].mode;
			return CR_OK;
		}
	return CR_ERROR;
}

/* git's order: names compared bytewise, a tree's as if it ended in '/'. */
static int
entry_cmp(const struct tentry *a, const struct tentry *b)
{
	size_t n = a->namelen < b->namelen ? a->namelen : b->namelen;
	unsigned char ca, cb;
	int c = memcmp(a->name, b->name, n);

	if (c != 0)
		return c;
	ca = n < a->namelen ? (unsigned char)a->name[n]
			    : (a->mode == CR_MODE_TREE ? '/' : 0);
	cb = n < b->namelen ? (unsigned char)b->name[n]
			    : (b->mode == CR_MODE_TREE ? '/' : 0);
	return (int)ca - (int)cb;
}

/* Splits a tree body into entries, refusing anything git would not write. */
static int
parse_tree(struct tobj *t, const char *file)
{
	const unsigned char *p = t->body, *end = t->body + t->len, *sp, *nul;
	struct tentry *e;
	size_t alloc = 0;
	const char *where = *t->path ? t->path : "(root)";

	while (p < end) {
		if (t->count == alloc) {
			alloc = alloc ? alloc * 2 : 16;
			if (alloc > CR_TREE_MAX_ENTRIES)
				return cr_error_set("%s: tree '%s' too large",
						    file, where);
			e = realloc(t->entries, alloc * sizeof(*e));
			if (e == NULL)
				return cr_error_set("out of memory");
			t->entries = e;
		}
		e = &t->entries[t->count];
		if ((sp = memchr(p, ' ', (size_t)(end - p))) == NULL ||
		    (nul = memchr(sp, '\0', (size_t)(end - sp))) == NULL ||
		    (size_t)(end - nul) < 1 + CR_SHA256_LEN)
			return cr_error_set("%s: tree '%s' is truncated", file,
					    where);
		if (parse_mode(&e->mode, (const char *)p, (size_t)(sp - p)) < 0)
			return cr_error_set("%s: tree '%s' has an unknown mode",
					    file, where);
		e->name = (const char *)sp + 1;
		e->namelen = (size_t)(nul - sp - 1);
		e->oid = nul + 1;
		e->used = 0;
		if (e->namelen == 0 || memchr(e->name, '/', e->namelen) ||
		    (e->namelen == 1 && e->name[0] == '.') ||
		    (e->namelen == 2 && memcmp(e->name, "..", 2) == 0) ||
		    (e->namelen == 4 && memcmp(e->name, ".git", 4) == 0))
			return cr_error_fail("%s: tree '%s' has a bad entry "
					     "name",
					     file, where);
		if (t->count > 0 &&
		    entry_cmp(&t->entries[t->count - 1], e) >= 0)
			return cr_error_fail("%s: tree '%s' is not a valid git "
					     "tree: entries unsorted or "
					     "duplicated at '%.*s'",
					     file, where, (int)e->namelen,
					     e->name);
		t->count++;
		p = nul + 1 + CR_SHA256_LEN;
	}
	return CR_OK;
}

/* Orders tree objects by path, bytewise, so they can be found by bsearch. */
static int
tobj_cmp(const void *a, const void *b)
{
	return strcmp(((const struct tobj *)a)->path,
		      ((const struct tobj *)b)->path);
}

/* A name to look up: path[0..n). */
struct span {
	const char *p;
	size_t n;
};

static int
tobj_find_cmp(const void *key, const void *elem)
{
	const struct span *k = key;
	const char *path = ((const struct tobj *)elem)->path;
	size_t m = strlen(path);
	int c = memcmp(k->p, path, m < k->n ? m : k->n);

	return c != 0 ? c : (k->n > m) - (k->n < m);
}

/* The tree object at path[0..n), in O(log trees): b->trees is sorted. */
static struct tobj *
find_tree(struct bundle *b, const char *path, size_t n)
{
	struct span key = {path, n};

	return bsearch(&key, b->trees, b->ntrees, sizeof(*b->trees),
		       tobj_find_cmp);
}

static int
tentry_cmp(const void *a, const void *b)
{
	return entry_cmp(a, b);
}

/*
 * The entry named name[0..n) that is a tree or not, by bsearch: entry_cmp
 * tells a tree "name" (sorted as "name/") from a file "name".
 */
static struct tentry *
search_entry(struct tobj *t, const char *name, size_t n, int tree)
{
	struct tentry key = {name, n, tree ? CR_MODE_TREE : CR_MODE_FILE, NULL,
			     0};

	return bsearch(&key, t->entries, t->count, sizeof(*t->entries),
		       tentry_cmp);
}

/*
 * The entry named name in t: entries are strictly sorted in git order, where
 * a tree sorts as "name/", so look for both kinds (parse_tree refused a
 * name given as both).
 */
static struct tentry *
find_entry(struct tobj *t, const char *name)
{
	size_t n = strlen(name);
	struct tentry *e = search_entry(t, name, n, 0);

	return e ? e : search_entry(t, name, n, 1);
}

/* Reads the first member, which must be the manifest, capped. */
static int
read_manifest(char **out, size_t *len, const char *file)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member m;
	struct archive *a;
	struct archive_entry *e;
	la_int64_t size;
	la_ssize_t n;
	char *buf = NULL;
	int err = CR_ERROR;

	*out = NULL;
	/* The one archive policy: every header of the bundle is checked. */
	if ((err = cr_archive_open_file(&ca, file,
					CR_ARC_TAR | CR_ARC_FILTERS)) < 0 ||
	    (err = cr_archive_next(ca, &m)) < 0)
		goto done;
	err = CR_ERROR;
	a = cr_archive_handle(ca);
	e = m.e;
	if (e == NULL || strcmp(m.raw, CR_DISCLOSURE_MANIFEST) != 0 ||
	    m.type != AE_IFREG || m.hardlink != NULL) {
		err = cr_error_set("%s: not a disclosure bundle (no %s first)",
				   file, CR_DISCLOSURE_MANIFEST);
		goto done;
	}
	size = archive_entry_size(e);
	if (size < 0 || size > (la_int64_t)CR_DISCLOSURE_MANIFEST_MAX) {
		err = cr_error_set("%s: %s larger than %u bytes", file,
				   CR_DISCLOSURE_MANIFEST,
				   CR_DISCLOSURE_MANIFEST_MAX);
		goto done;
	}
	if ((buf = malloc((size_t)size + 1)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	n = archive_read_data(a, buf, (size_t)size);
	if (n != (la_ssize_t)size) {
		err = cr_error_set("%s: %s is truncated", file,
				   CR_DISCLOSURE_MANIFEST);
		goto done;
	}
	buf[size] = '\0';
	*out = buf;
	*len = (size_t)size;
	buf = NULL;
	err = CR_OK;
done:
	free(buf);
	cr_archive_free(ca);
	return err;
}

int
cr_disclosure_detect(int *is_bundle, const char *path)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member m;
	int fd;

	*is_bundle = 0;
	/* A peek at the first name; read_manifest checks the whole bundle. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return CR_OK;
	if (cr_archive_open(&ca, fd, 0, UINT64_MAX, NULL,
			    CR_ARC_TAR | CR_ARC_FILTERS | CR_ARC_PEEK,
			    path) == CR_OK &&
	    cr_archive_next(ca, &m) == CR_OK && m.e != NULL &&
	    strcmp(m.raw, CR_DISCLOSURE_MANIFEST) == 0)
		*is_bundle = 1;
	cr_archive_free(ca);
	close(fd);
	cr_error_clear();
	return CR_OK;
}

static int
load_trees(struct bundle *b, json_t *trees)
{
	const char *path, *body;
	json_t *t;
	size_t i, n;

	if (!json_is_array(trees) || (n = json_array_size(trees)) == 0)
		return cr_error_set("%s: manifest has no trees", b->file);
	if (n > CR_TREE_MAX_ENTRIES)
		return cr_error_set("%s: too many trees", b->file);
	if ((b->trees = calloc(n, sizeof(*b->trees))) == NULL)
		return cr_error_set("out of memory");
	json_array_foreach(trees, i, t)
	{
		struct tobj *o = &b->trees[i];

		path = json_string_value(json_object_get(t, "path"));
		body = json_string_value(json_object_get(t, "body"));
		if (path == NULL || body == NULL)
			return cr_error_set("%s: tree %zu lacks path or body",
					    b->file, i);
		if (strlen(path) > CR_TREE_MAX_PATH)
			return cr_error_set("%s: tree path too long", b->file);
		if (path[0] == '/')
			return cr_error_set("%s: tree path '%s' is absolute",
					    b->file, path);
		b->ntrees++;
		if ((o->path = strdup(path)) == NULL)
			return cr_error_set("out of memory");
		if (cr_base64_decode(&o->body, &o->len, body, strlen(body)) < 0)
			return cr_error_set("%s: tree '%s': body is not valid "
					    "base64",
					    b->file, path);
		if (cr_object_id(o->id, "tree", o->body, o->len) < 0)
			return CR_ERROR;
	}
	/* Sorted once, so each look-up is a binary search: no n^2 work. */
	qsort(b->trees, b->ntrees, sizeof(*b->trees), tobj_cmp);
	for (i = 1; i < b->ntrees; i++)
		if (strcmp(b->trees[i - 1].path, b->trees[i].path) == 0)
			return cr_error_set("%s: tree '%s' given twice",
					    b->file, b->trees[i].path);
	return CR_OK;
}

/*
 * git order lets a file "a" and a tree "a" both sit in one sorted tree (as
 * "a" and "a/", with "a.c" between them); git fsck calls that a duplicate
 * entry, and a reader could pick either: refuse it.
 */
static int
unique_names(struct tobj *t, const char *file)
{
	size_t i;

	for (i = 0; i < t->count; i++)
		if (t->entries[i].mode == CR_MODE_TREE &&
		    search_entry(t, t->entries[i].name, t->entries[i].namelen,
				 0) != NULL)
			return cr_error_fail(
				"%s: tree '%s' is not a valid git "
				"tree: '%.*s' is both a file and "
				"a directory",
				file, *t->path ? t->path : "(root)",
				(int)t->entries[i].namelen, t->entries[i].name);
	return CR_OK;
}

/* Every tree must hash to its parent's entry, up to the attested root. */
static int
link_trees(struct bundle *b, const unsigned char (*roots)[CR_SHA256_LEN],
	   size_t nroots, size_t *which)
{
	char hex[CR_SHA256_HEXLEN + 1];
	struct tobj *parent;
	struct tentry *e;
	const char *slash, *name;
	size_t i;
	int err;

	for (i = 0; i < b->ntrees; i++)
		if ((err = parse_tree(&b->trees[i], b->file)) < 0 ||
		    (err = unique_names(&b->trees[i], b->file)) < 0)
			return err;
	parent = find_tree(b, "", 0);
	if (parent == NULL)
		return cr_error_set("%s: no root tree", b->file);
	for (*which = 0; *which < nroots; (*which)++)
		if (CRYPTO_memcmp(parent->id, roots[*which], CR_SHA256_LEN) ==
		    0)
			break;
	if (*which == nroots) {
		cr_hex_encode(hex, parent->id, CR_SHA256_LEN);
		return cr_error_fail("%s: the root tree is sha256tree:%s, not "
				     "the attested tree",
				     b->file, hex);
	}
	for (i = 0; i < b->ntrees; i++) {
		struct tobj *t = &b->trees[i];

		if (*t->path == '\0')
			continue;
		slash = strrchr(t->path, '/');
		name = slash ? slash + 1 : t->path;
		parent = find_tree(b, t->path,
				   slash ? (size_t)(slash - t->path) : 0);
		e = parent ? find_entry(parent, name) : NULL;
		if (e == NULL || e->mode != CR_MODE_TREE)
			return cr_error_fail("%s: tree '%s' is not in its "
					     "parent tree",
					     b->file, t->path);
		if (CRYPTO_memcmp(e->oid, t->id, CR_SHA256_LEN) != 0)
			return cr_error_fail("%s: tree '%s' does not hash to "
					     "its parent's entry",
					     b->file, t->path);
		e->used = 1;
	}
	return CR_OK;
}

static int
check_files(struct bundle *b, const struct cr_tree *files, json_t *listed)
{
	const struct cr_tree_entry *f;
	const char *slash;
	struct tobj *parent;
	struct tentry *e;
	size_t i, nfiles = 0;

	for (i = 0; i < files->count; i++) {
		f = &files->entries[i];
		if (strcmp(f->path, CR_DISCLOSURE_MANIFEST) == 0)
			continue;
		nfiles++;
		slash = strrchr(f->path, '/');
		parent = find_tree(b, f->path,
				   slash ? (size_t)(slash - f->path) : 0);
		e = parent ? find_entry(parent, slash ? slash + 1 : f->path)
			   : NULL;
		if (e == NULL || e->mode == CR_MODE_TREE)
			return cr_error_fail("%s: %s is not in the attested "
					     "tree",
					     b->file, f->path);
		if (e->mode != f->mode ||
		    CRYPTO_memcmp(e->oid, f->oid, CR_SHA256_LEN) != 0)
			return cr_error_fail("%s: %s differs from the attested "
					     "tree (%s)",
					     b->file, f->path,
					     e->mode != f->mode ? "mode"
								: "content");
		e->used = 2;
		b->disclosed_bytes += f->size;
	}
	if (!json_is_array(listed) || json_array_size(listed) != nfiles)
		return cr_error_fail("%s: the manifest lists %zu disclosed "
				     "files, the bundle holds %zu",
				     b->file, json_array_size(listed), nfiles);
	return CR_OK;
}

/* Orders disclosed items by path (the first member). */
static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
report(struct cr_disclosure *d, struct bundle *b)
{
	size_t i, j, n = 0;
	int len;

	for (i = 0; i < b->ntrees; i++)
		for (j = 0; j < b->trees[i].count; j++)
			if (b->trees[i].entries[j].used != 1)
				n++;
	if ((d->items = calloc(n + 1, sizeof(*d->items))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < b->ntrees; i++) {
		struct tobj *t = &b->trees[i];

		for (j = 0; j < t->count; j++) {
			struct tentry *e = &t->entries[j];
			struct cr_disclosed *it = &d->items[d->count];

			if (e->used == 1)
				continue;
			len = asprintf(&it->path, "%s%s%.*s", t->path,
				       *t->path ? "/" : "", (int)e->namelen,
				       e->name);
			if (len < 0) {
				it->path = NULL;
				return cr_error_set("out of memory");
			}
			it->mode = e->mode;
			memcpy(it->oid, e->oid, CR_SHA256_LEN);
			it->disclosed = e->used == 2;
			d->ndisclosed += (size_t)it->disclosed;
			if (e->mode == CR_MODE_TREE)
				d->nwithheld_trees++;
			else if (!it->disclosed)
				d->nwithheld_files++;
			d->count++;
		}
	}
	qsort(d->items, d->count, sizeof(*d->items), cmp_str);
	return CR_OK;
}

int
cr_disclosure_check(struct cr_disclosure **out, const char *path,
		    const unsigned char root[CR_SHA256_LEN])
{
	return cr_disclosure_check_roots(
		out, path, (const unsigned char(*)[CR_SHA256_LEN])root, 1);
}

int
cr_disclosure_check_roots(struct cr_disclosure **out, const char *path,
			  const unsigned char (*roots)[CR_SHA256_LEN],
			  size_t nroots)
{
	struct bundle b = {0};
	struct cr_disclosure *d = NULL;
	struct cr_tree *files = NULL;
	struct cr_tree_opts opts = {0};
	json_error_t jerr;
	json_t *m = NULL;
	char *text = NULL;
	size_t len = 0, i, which = 0;
	int err;

	*out = NULL;
	b.file = path;
	if ((err = read_manifest(&text, &len, path)) < 0)
		goto done;
	m = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (m == NULL) {
		err = cr_error_set("%s: manifest is not valid JSON: %s", path,
				   jerr.text);
		goto done;
	}
	if (json_integer_value(json_object_get(m, "cleanroomDisclosure")) !=
	    1) {
		err = cr_error_set("%s: not a version 1 disclosure manifest",
				   path);
		goto done;
	}
	if ((err = load_trees(&b, json_object_get(m, "trees"))) < 0 ||
	    (err = link_trees(&b, roots, nroots, &which)) < 0)
		goto done;
	if ((err = cr_tree_from_archive(&files, NULL, path, &opts)) < 0 ||
	    (err = check_files(&b, files, json_object_get(m, "disclosed"))) < 0)
		goto done;
	if ((d = calloc(1, sizeof(*d))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	memcpy(d->root, roots[which], CR_SHA256_LEN);
	if ((err = report(d, &b)) < 0)
		goto done;
	d->disclosed_bytes = b.disclosed_bytes;
	*out = d;
	d = NULL;
	err = CR_OK;
done:
	cr_disclosure_free(d);
	for (i = 0; i < b.ntrees; i++) {
		free(b.trees[i].path);
		free(b.trees[i].body);
		free(b.trees[i].entries);
	}
	free(b.trees);
	cr_tree_free(files);
	json_decref(m);
	free(text);
	return err;
}

void
cr_disclosure_free(struct cr_disclosure *d)
{
	size_t i;

	if (d == NULL)
		return;
	for (i = 0; i < d->count; i++)
		free(d->items[i].path);
	free(d->items);
	free(d);
}
