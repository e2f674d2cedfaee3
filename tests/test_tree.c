/* Unit tests for lib/tree*.c: git's SHA-256 tree ids, path rules, sources. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "error.h"
#include "tree.h"
#include "util.h"

/*
 * Known answers computed once with git 2.39 in a repository made by
 * "git init --object-format=sha256":
 *   git write-tree                               (nothing added)
 *   printf 'hello\n' | git hash-object --stdin
 *   git write-tree                               (hello.txt, 100644)
 *   git write-tree   (a-b a.c a0 a_ each holding its name and a newline,
 *                     a/x holding "x\n")
 * The last tests below also ask the git on this machine, when there is one.
 */
#define EMPTY_TREE \
	"6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"
#define HELLO_BLOB \
	"2cf8d83d9ee29543b34a87727421fdecb7e3f3a183d337639025de576db9ebb4"
#define HELLO_TREE \
	"c7187e8fdb691b3a692e5f3f0bbcb6359e5046285225f18f9773d4fe54268c55"
#define ORDER_TREE \
	"92c0108a84a62f8b51611b8f1076b345b2c9604ee181a6618c797463a59d8328"

/* The entry at path in t, which must be there. */
static const struct cr_tree_entry *
must_find(const struct cr_tree *t, const char *path)
{
	const struct cr_tree_entry *e = cr_tree_find(t, path);

	assert_non_null(e);
	return e;
}

static void
assert_hex(const unsigned char oid[CR_SHA256_LEN], const char *want)
{
	char hex[CR_SHA256_HEXLEN + 1];

	cr_hex_encode(hex, oid, CR_SHA256_LEN);
	assert_string_equal(hex, want);
}

static void
add_text(struct cr_tree *t, const char *path, const char *text)
{
	unsigned char oid[CR_SHA256_LEN];

	assert_int_equal(cr_blob_id(oid, text, strlen(text)), CR_OK);
	assert_int_equal(cr_tree_add(t, path, CR_MODE_FILE, oid, strlen(text)),
			 CR_OK);
}

static void
test_empty_tree(void **state)
{
	struct cr_tree *t;
	char id[CR_TREE_IDLEN + 1];

	(void)state;
	assert_int_equal(cr_tree_new(&t), CR_OK);
	assert_int_equal(cr_tree_finish(t), CR_OK);
	assert_hex(t->root, EMPTY_TREE);
	cr_tree_format_id(id, t->root);
	assert_string_equal(id, "sha256tree:" EMPTY_TREE);
	assert_int_equal(strlen(id), CR_TREE_IDLEN);
	cr_tree_free(t);
}

static void
test_one_file(void **state)
{
	struct cr_tree *t;
	unsigned char oid[CR_SHA256_LEN];

	(void)state;
	assert_int_equal(cr_blob_id(oid, "hello\n", 6), CR_OK);
	assert_hex(oid, HELLO_BLOB);
	assert_int_equal(cr_tree_new(&t), CR_OK);
	add_text(t, "hello.txt", "hello\n");
	assert_int_equal(cr_tree_finish(t), CR_OK);
	assert_hex(t->root, HELLO_TREE);
	/* Another mode is another tree. */
	t->entries[0].mode = CR_MODE_EXEC;
	t->finished = 0;
	assert_int_equal(cr_tree_finish(t), CR_OK);
	assert_memory_not_equal(t->root, oid, CR_SHA256_LEN);
	cr_tree_free(t);
}

/* "a" as a directory sorts as "a/": after "a-b" and "a.c", before "a0". */
static void
test_sort_order(void **state)
{
	static const char *const order[] = {"a-b", "a.c", "a/x", "a0", "a_"};
	static const char *const added[] = {"a_", "a/x", "a0", "a.c", "a-b"};
	struct cr_tree *t;
	char text[8];
	size_t i;

	(void)state;
	assert_int_equal(cr_tree_new(&t), CR_OK);
	for (i = 0; i < 5; i++) {
		snprintf(text, sizeof(text), "%s\n",
			 strcmp(added[i], "a/x") == 0 ? "x" : added[i]);
		add_text(t, added[i], text);
	}
	assert_int_equal(cr_tree_finish(t), CR_OK);
	for (i = 0; i < 5; i++)
		assert_string_equal(t->entries[i].path, order[i]);
	assert_hex(t->root, ORDER_TREE);
	assert_non_null(cr_tree_find(t, "a/x"));
	assert_null(cr_tree_find(t, "a"));
	cr_tree_free(t);
}

static int
finishes(const char *a, const char *b)
{
	struct cr_tree *t;
	int err;

	assert_int_equal(cr_tree_new(&t), CR_OK);
	add_text(t, a, "1");
	if (b != NULL)
		add_text(t, b, "2");
	err = cr_tree_finish(t);
	cr_tree_free(t);
	return err;
}

static void
test_bad_paths(void **state)
{
	static const char *const bad[] = {
		"",	 "/abs",   "a//b",     "a/",	      "./a",
		"a/./b", "..",	   "../a",     "a/../b",      "a/..",
		".git",	 ".git/x", "x/.git/y", ".GIT/config", "x/.Git",
	};
	size_t i;

	(void)state;
	for (i = 0; i < CR_ARRAY_SIZE(bad); i++) {
		cr_error_clear();
		assert_int_equal(finishes(bad[i], NULL), CR_ERROR);
		assert_non_null(strstr(cr_error_last(), bad[i]));
	}
	/* Names near the bad ones are fine. */
	assert_int_equal(finishes(".gitignore", "a/.git2"), CR_OK);
	assert_int_equal(finishes("...", "a/.b"), CR_OK);
	assert_int_equal(finishes("a b\n\t\\\"", "\xc3\xbc/\xe9"), CR_OK);
	/* Duplicates and a file that is also a directory. */
	assert_int_equal(finishes("a", "a"), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "twice"));
	assert_int_equal(finishes("a", "a/b"), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "both a file and a directory"));
	assert_int_equal(finishes("x/a/b", "x/a"), CR_ERROR);
	assert_int_equal(finishes("a-b", "a/b"), CR_OK);
}

static void
test_caps(void **state)
{
	struct cr_tree *t;
	char *path;
	unsigned char oid[CR_SHA256_LEN] = {0};
	size_t i, n;

	(void)state;
	path = malloc(CR_TREE_MAX_PATH + 2);
	assert_non_null(path);
	/* CR_TREE_MAX_DEPTH parts is the deepest path there may be. */
	for (n = 0, i = 0; i < CR_TREE_MAX_DEPTH; i++) {
		path[n++] = 'd';
		path[n++] = '/';
	}
	path[n - 1] = '\0';
	assert_int_equal(cr_tree_new(&t), CR_OK);
	assert_int_equal(cr_tree_add(t, path, CR_MODE_FILE, oid, 0), CR_OK);
	assert_int_equal(cr_tree_finish(t), CR_OK);
	cr_tree_free(t);
	path[n - 1] = '/';
	path[n] = 'd';
	path[n + 1] = '\0';
	assert_int_equal(cr_tree_new(&t), CR_OK);
	assert_int_equal(cr_tree_add(t, path, CR_MODE_FILE, oid, 0), CR_OK);
	assert_int_equal(cr_tree_finish(t), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "deep"));
	/* Too long a path, or a mode that is no blob's, is refused at once. */
	memset(path, 'x', CR_TREE_MAX_PATH + 1);
	path[CR_TREE_MAX_PATH + 1] = '\0';
	assert_int_equal(cr_tree_add(t, path, CR_MODE_FILE, oid, 0), CR_ERROR);
	assert_int_equal(cr_tree_add(t, "x", CR_MODE_TREE, oid, 0), CR_ERROR);
	assert_int_equal(cr_tree_add(t, "x", 0100664, oid, 0), CR_ERROR);
	cr_tree_free(t);
	free(path);
}

struct seen {
	int n;
	char last[64];
	unsigned char oid[CR_SHA256_LEN];
	size_t len;
};

static int
visit(void *ctx, const char *dir, const unsigned char oid[CR_SHA256_LEN],
      const unsigned char *body, size_t len)
{
	struct seen *s = ctx;

	s->n++;
	snprintf(s->last, sizeof(s->last), "%s", dir);
	memcpy(s->oid, oid, CR_SHA256_LEN);
	s->len = len;
	(void)body;
	return 0;
}

static void
test_foreach_tree(void **state)
{
	struct cr_tree *t;
	struct seen s = {0};

	(void)state;
	assert_int_equal(cr_tree_new(&t), CR_OK);
	add_text(t, "a/b/c", "1");
	add_text(t, "a/d", "2");
	add_text(t, "e", "3");
	assert_int_equal(cr_tree_foreach_tree(t, visit, &s), CR_ERROR);
	assert_int_equal(cr_tree_finish(t), CR_OK);
	assert_int_equal(cr_tree_foreach_tree(t, visit, &s), CR_OK);
	assert_int_equal(s.n, 3); /* a/b, a, root */
	assert_string_equal(s.last, "");
	assert_memory_equal(s.oid, t->root, CR_SHA256_LEN);
	/* The root body: "40000 a\0" + 32 bytes, "100644 e\0" + 32 bytes. */
	assert_int_equal(s.len, 8 + 32 + 9 + 32);
	cr_tree_free(t);
}

/* A scratch directory for the tests below, removed by the caller. */
static char scratch[64];

static void
put(const char *rel, const char *text, mode_t mode)
{
	char p[256];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", scratch, rel);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(chmod(p, mode), 0);
}

static void
sub(const char *rel)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/%s", scratch, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static int
make_scratch(void **state)
{
	(void)state;
	snprintf(scratch, sizeof(scratch), "%s/test_tree.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(scratch) == NULL)
		return -1;
	sub("a");
	sub("a/deep");
	sub("empty");
	sub(".git");
	put(".git/HEAD", "ignored\n", 0644);
	put("a-b", "a-b\n", 0644);
	put("a.c", "a.c\n", 0644);
	put("a0", "a0\n", 0644);
	put("a_", "a_\n", 0644);
	put("a/x", "x\n", 0644);
	put("a/deep/run", "#!/bin/sh\n", 0755);
	put("a/deep/empty", "", 0600);
	return 0;
}

static int
remove_scratch(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

/* What the git on this machine says the tree of dir is, or "" without git. */
static void
git_tree(char out[CR_SHA256_HEXLEN + 1], const char *dir)
{
	char cmd[512];
	FILE *p;

	out[0] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "g=$(mktemp -d) && git init -q --object-format=sha256 \"$g\" "
		 "&& git --git-dir=\"$g/.git\" --work-tree='%s' add -A && "
		 "git --git-dir=\"$g/.git\" --work-tree='%s' write-tree; "
		 "rm -rf \"$g\"",
		 dir, dir);
	if ((p = popen(cmd, "r")) == NULL)
		return;
	if (fgets(out, CR_SHA256_HEXLEN + 1, p) == NULL)
		out[0] = '\0';
	pclose(p);
}

static void
test_dir(void **state)
{
	struct cr_tree_opts one = {.threads = 1}, two = {.threads = 2};
	struct cr_tree *t, *u;
	char want[CR_SHA256_HEXLEN + 1], link[256];
	const struct cr_tree_entry *e;

	(void)state;
	snprintf(link, sizeof(link), "%s/a/link", scratch);
	assert_int_equal(symlink("../a.c", link), 0);
	assert_int_equal(cr_tree_from_dir(&t, scratch, &one), CR_OK);
	assert_int_equal(cr_tree_from_dir(&u, scratch, &two), CR_OK);
	assert_memory_equal(t->root, u->root, CR_SHA256_LEN);
	assert_int_equal(t->count, 8); /* .git skipped, empty dir absent */
	assert_null(cr_tree_find(t, ".git/HEAD"));
	e = must_find(t, "a/deep/run");
	assert_int_equal(e->mode, CR_MODE_EXEC);
	e = must_find(t, "a/link");
	assert_int_equal(e->mode, CR_MODE_LINK);
	assert_int_equal(e->size, 6);
	e = must_find(t, "a/deep/empty");
	assert_int_equal(e->size, 0);
	git_tree(want, scratch);
	if (want[0] != '\0')
		assert_hex(t->root, want);
	cr_tree_free(u);

	/* One byte changed is another tree. */
	put("a/x", "y\n", 0644);
	assert_int_equal(cr_tree_from_dir(&u, scratch, NULL), CR_OK);
	assert_memory_not_equal(t->root, u->root, CR_SHA256_LEN);
	cr_tree_free(u);
	put("a/x", "x\n", 0644);
	cr_tree_free(t);
}

static void
test_dir_fifo(void **state)
{
	struct cr_tree *t;
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/a/deep/pipe", scratch);
	assert_int_equal(mkfifo(p, 0644), 0);
	assert_int_equal(cr_tree_from_dir(&t, scratch, NULL), CR_ERROR);
	assert_null(t);
	assert_non_null(strstr(cr_error_last(), "a/deep/pipe"));
	assert_non_null(strstr(cr_error_last(), "FIFO"));
	unlink(p);
	snprintf(p, sizeof(p), "%s/missing", scratch);
	assert_int_equal(cr_tree_from_dir(&t, p, NULL), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "missing"));
}

struct member {
	const char *name;
	unsigned int type;
	const char *data; /* content, link target or hard link target */
};

/* A tar (or, with zip set, a zip) of members, written by libarchive. */
static void *
make_archive(size_t *len, const struct member *m, size_t n, int zip)
{
	struct archive *a;
	struct archive_entry *e;
	size_t cap = 1 << 20, i;
	void *buf = malloc(cap);

	assert_non_null(buf);
	a = archive_write_new();
	if (zip)
		archive_write_set_format_zip(a);
	else
		archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, len),
			 ARCHIVE_OK);
	for (i = 0; i < n; i++) {
		e = archive_entry_new();
		archive_entry_set_pathname(e, m[i].name);
		archive_entry_set_perm(e, 0644);
		if (m[i].type == 0) {
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_hardlink(e, m[i].data);
		} else {
			archive_entry_set_filetype(e, m[i].type);
		}
		if (m[i].type == AE_IFLNK)
			archive_entry_set_symlink(e, m[i].data);
		if (m[i].type == AE_IFREG)
			archive_entry_set_size(e,
					       (la_int64_t)strlen(m[i].data));
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (m[i].type == AE_IFREG)
			assert_int_equal(archive_write_data(a, m[i].data,
							    strlen(m[i].data)),
					 (la_ssize_t)strlen(m[i].data));
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	return buf;
}

static int
archive_status(const struct member *m, size_t n, const char *want_in_msg)
{
	struct cr_tree *t = NULL;
	void *buf;
	size_t len;
	int err;

	buf = make_archive(&len, m, n, 0);
	err = cr_tree_from_archive_memory(&t, NULL, buf, len, "x.tar", NULL);
	if (want_in_msg != NULL) {
		assert_int_equal(err, CR_ERROR);
		assert_non_null(strstr(cr_error_last(), "x.tar"));
		assert_non_null(strstr(cr_error_last(), want_in_msg));
	}
	cr_tree_free(t);
	free(buf);
	return err;
}

static void
test_archive(void **state)
{
	static const struct member good[] = {
		{"./a/", AE_IFDIR, NULL},     {"./a/x", AE_IFREG, "x\n"},
		{"./a-b", AE_IFREG, "a-b\n"}, {"./a.c", AE_IFREG, "a.c\n"},
		{"./a0", AE_IFREG, "a0\n"},   {"./a_", AE_IFREG, "a_\n"},
	};
	static const struct member links[] = {
		{"f", AE_IFREG, "hello\n"},
		{"hard", 0, "f"},
		{"soft", AE_IFLNK, "f"},
	};
	struct cr_tree_opts strip = {.strip_components = 1};
	struct cr_source_info info;
	struct cr_tree *t;
	const struct cr_tree_entry *e;
	void *buf;
	size_t len;
	int zip;

	(void)state;
	for (zip = 0; zip <= 1; zip++) {
		buf = make_archive(&len, good, CR_ARRAY_SIZE(good), zip);
		assert_int_equal(cr_tree_from_archive_memory(&t, &info, buf,
							     len, "good", NULL),
				 CR_OK);
		assert_hex(t->root, ORDER_TREE);
		cr_tree_free(t);
		/* Everything one level down: "a/x" remains, as "x". */
		assert_int_equal(cr_tree_from_archive_memory(&t, NULL, buf, len,
							     "good", &strip),
				 CR_OK);
		assert_int_equal(t->count, 1);
		assert_string_equal(t->entries[0].path, "x");
		cr_tree_free(t);
		free(buf);
	}
	buf = make_archive(&len, links, CR_ARRAY_SIZE(links), 0);
	assert_int_equal(
		cr_tree_from_archive_memory(&t, NULL, buf, len, "l", NULL),
		CR_OK);
	e = must_find(t, "hard");
	assert_hex(e->oid, HELLO_BLOB);
	e = must_find(t, "soft");
	assert_int_equal(e->mode, CR_MODE_LINK);
	assert_int_equal(e->size, 1);
	cr_tree_free(t);
	free(buf);
}

static void
test_archive_hostile(void **state)
{
	static const struct member dotdot[] = {{"a/../../x", AE_IFREG, "x"}};
	static const struct member abs[] = {{"/etc/x", AE_IFREG, "x"}};
	static const struct member dev[] = {{"null", AE_IFCHR, NULL}};
	static const struct member fifo[] = {{"p", AE_IFIFO, NULL}};
	static const struct member dup[] = {{"a", AE_IFREG, "1"},
					    {"./a", AE_IFREG, "2"}};
	static const struct member hard[] = {{"h", 0, "nowhere"}};
	static const struct member git[] = {{".git/config", AE_IFREG, "x"}};
	struct cr_tree *t;

	(void)state;
	archive_status(dotdot, 1, "'..'");
	archive_status(abs, 1, "absolute");
	archive_status(dev, 1, "device");
	archive_status(fifo, 1, "FIFO");
	archive_status(dup, 2, "twice");
	archive_status(hard, 1, "hard link");
	archive_status(git, 1, ".git");
	assert_int_equal(cr_tree_from_archive_memory(&t, NULL, "hello\n", 6,
						     "x.txt", NULL),
			 CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "x.txt"));
	assert_int_equal(
		cr_tree_from_archive_memory(&t, NULL, "", 0, "e", NULL),
		CR_ERROR);
}

/* Runs a shell command in the scratch directory, quietly; its status. */
static int
in_scratch(const char *body)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && { %s; } >/dev/null 2>&1 </dev/null", scratch,
		 body);
	return system(cmd);
}

#define GIT_COMMIT "git -c user.name=t -c user.email=t@e commit -qm x"

/*
 * gitattributes lines: those that make a checkout write other bytes than
 * the blob are refused naming the line and attribute; the rest are read.
 */
static void
test_git_attrs(void **state)
{
	static const struct {
		const char *text;
		const char *refused; /* "" when read */
	} cases[] = {
		{"* ident\n", "line 1 sets 'ident'"},
		{"# * ident\n", ""},
		{" \t# ident filter=x\n", ""},
		{"*.c -ident\n*.c !filter\n", ""},
		{"\xef\xbb\xbf*.c ident\n", "line 1 sets 'ident'"},
		{"*.c text\r\n*.bat eol=CRLF\r\n", "line 2 sets 'eol=crlf'"},
		{"*.c text eol=lf crlf=input\n", ""},
		{"*.c filter\n", "line 1 sets 'filter'"},
		{"ident\n", ""},
		{"\"a b\"ident\n", "line 1 sets 'ident'"},
		{"*.c\tIDENT\n", "line 1 sets 'ident'"},
		{"[attr]x working-tree-encoding=latin1\n",
		 "line 1 sets 'working-tree-encoding'"},
		{"* text=auto\n*.bin binary\n*.c diff=ident\n", ""},
		{"\n\n* ident", "line 3 sets 'ident'"},
	};
	struct cr_tree *t;
	char repo[128];
	size_t i;
	int rc;

	(void)state;
	snprintf(repo, sizeof(repo), "%s/g", scratch);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(in_scratch("rm -rf g && git init -q g"), 0);
		put("g/.gitattributes", cases[i].text, 0644);
		put("g/a.c", "$Id$\n", 0644);
		assert_int_equal(
			in_scratch("cd g && git add -A && " GIT_COMMIT), 0);
		rc = cr_tree_from_git(&t, NULL, repo, NULL, NULL);
		if (cases[i].refused[0] == '\0') {
			assert_int_equal(rc, CR_OK);
			cr_tree_free(t);
			continue;
		}
		assert_int_equal(rc, CR_ERROR);
		assert_null(t);
		assert_non_null(strstr(cr_error_last(), "'.gitattributes'"));
		assert_non_null(strstr(cr_error_last(), cases[i].refused));
	}
}

/* Replace refs and odd modes: the tree reader and the blob reader agree. */
static void
test_git_refusals(void **state)
{
	struct cr_tree *t;
	struct cr_git_reader *r;
	char repo[128];

	(void)state;
	snprintf(repo, sizeof(repo), "%s/g", scratch);
	assert_int_equal(
		in_scratch("rm -rf g && git init -q g && cd g && "
			   "echo good >f && git add f && " GIT_COMMIT
			   " && git replace $(git rev-parse HEAD:f) "
			   "$(echo evil | git hash-object -w --stdin)"),
		0);
	assert_int_equal(cr_tree_from_git(&t, NULL, repo, NULL, NULL),
			 CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "replace ref 'refs/replace/"));
	assert_int_equal(cr_git_reader_open(&r, repo, "HEAD"), CR_ERROR);
	assert_null(r);
	assert_non_null(strstr(cr_error_last(), "replace ref 'refs/replace/"));

	/* A symlink mode with executable bits: git checks out a symlink. */
	assert_int_equal(
		in_scratch("cd g && git replace -d $(git rev-parse HEAD:f) && "
			   "python3 -c 'import sys; sys.stdout.buffer.write("
			   "b\"120755 l\\0\" + bytes.fromhex(sys.argv[1]))' "
			   "$(git rev-parse HEAD:f) | git hash-object -t tree "
			   "--literally -w --stdin >../tree && git update-ref "
			   "refs/heads/odd $(git -c user.name=t -c "
			   "user.email=t@e commit-tree $(cat ../tree) -m odd)"),
		0);
	assert_int_equal(cr_tree_from_git(&t, NULL, repo, "odd", NULL),
			 CR_ERROR);
	assert_non_null(strstr(cr_error_last(),
			       "'l': mode 120755, which git checks out as a "
			       "symlink"));
	assert_int_equal(cr_tree_from_git(&t, NULL, repo, NULL, NULL), CR_OK);
	cr_tree_free(t);
}

/*
 * Many files, more than the hashing ring holds, of sizes around the read
 * size: a directory, a tar of it (GNU tar, with a hard link, whose target's
 * id the reader must wait for) and a commit of it give one tree on one
 * thread and on several, and git agrees.
 */
static void
test_many(void **state)
{
	static const size_t sizes[] = {0,
				       1,
				       100,
				       CR_STREAM_CHUNK - 1,
				       CR_STREAM_CHUNK,
				       CR_STREAM_CHUNK + 1,
				       2 * CR_STREAM_CHUNK + 7};
	struct cr_tree_opts one = {.threads = 1}, three = {.threads = 3};
	struct cr_tree *t, *u;
	char dir[512], p[600], cmd[2048], want[CR_SHA256_HEXLEN + 1];
	unsigned char *buf;
	size_t i, j, n;
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/many", scratch);
	assert_int_equal(mkdir(dir, 0755), 0);
	buf = malloc(2 * CR_STREAM_CHUNK + 7);
	assert_non_null(buf);
	for (i = 0; i < 600; i++) {
		if (i % 50 == 0) {
			snprintf(p, sizeof(p), "%s/d%02zu", dir, i / 50);
			assert_int_equal(mkdir(p, 0755), 0);
		}
		n = i < 60 ? sizes[i % CR_ARRAY_SIZE(sizes)] : i;
		for (j = 0; j < n; j++)
			buf[j] = (unsigned char)(i * 31 + j * 7);
		snprintf(p, sizeof(p), "%s/d%02zu/f%03zu", dir, i / 50, i);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, i % 7 ? 0644 : 0755);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		close(fd);
	}
	free(buf);
	snprintf(p, sizeof(p), "%s/d11/hard", dir);
	snprintf(cmd, sizeof(cmd), "%s/d00/f005", dir);
	assert_int_equal(link(cmd, p), 0);

	assert_int_equal(cr_tree_from_dir(&t, dir, &one), CR_OK);
	assert_int_equal(t->count, 601);
	assert_int_equal(cr_tree_from_dir(&u, dir, &three), CR_OK);
	assert_memory_equal(t->root, u->root, CR_SHA256_LEN);
	cr_tree_free(u);
	git_tree(want, dir);
	if (want[0] != '\0')
		assert_hex(t->root, want);

	snprintf(cmd, sizeof(cmd),
		 "tar --format=pax -C '%s' -cf '%s.tar' . 2>/dev/null", dir,
		 dir);
	if (system(cmd) == 0) {
		snprintf(p, sizeof(p), "%s.tar", dir);
		assert_int_equal(cr_tree_from_archive(&u, NULL, p, &one),
				 CR_OK);
		assert_memory_equal(t->root, u->root, CR_SHA256_LEN);
		cr_tree_free(u);
		assert_int_equal(cr_tree_from_archive(&u, NULL, p, NULL),
				 CR_OK);
		assert_memory_equal(t->root, u->root, CR_SHA256_LEN);
		cr_tree_free(u);
	}

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && git init -q . && git add -A && git -c "
		 "user.name=t -c user.email=t@t commit -qm m && git gc -q",
		 dir);
	if (system(cmd) == 0) {
		assert_int_equal(cr_tree_from_git(&u, NULL, dir, NULL, &one),
				 CR_OK);
		assert_memory_equal(t->root, u->root, CR_SHA256_LEN);
		cr_tree_free(u);
		assert_int_equal(cr_tree_from_git(&u, NULL, dir, NULL, &three),
				 CR_OK);
		assert_memory_equal(t->root, u->root, CR_SHA256_LEN);
		cr_tree_free(u);
	}
	cr_tree_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_tree),
		cmocka_unit_test(test_one_file),
		cmocka_unit_test(test_sort_order),
		cmocka_unit_test(test_bad_paths),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_foreach_tree),
		cmocka_unit_test(test_dir),
		cmocka_unit_test(test_dir_fifo),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_archive),
		cmocka_unit_test(test_archive_hostile),
		cmocka_unit_test(test_git_attrs),
		cmocka_unit_test(test_git_refusals),
	};
	return cmocka_run_group_tests(tests, make_scratch, remove_scratch);
}
