/* Unit tests for lib/util.c and lib/sha256.c: hex, base64, reads, atomic writes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "sha256.h"
#include "util.h"
#include "text.h"
#include "write.h"

static void
test_hex(void **state)
{
	unsigned char raw[3] = {0x00, 0xab, 0xff}, back[3];
	char hex[7];

	(void)state;
	cr_hex_encode(hex, raw, 3);
	assert_string_equal(hex, "00abff");
	assert_int_equal(cr_hex_decode(back, 3, "00ABff"), CR_OK);
	assert_memory_equal(back, raw, 3);
	assert_int_equal(cr_hex_decode(back, 3, "00abf"), CR_ERROR);
	assert_int_equal(cr_hex_decode(back, 3, "00abffe"), CR_ERROR);
	assert_int_equal(cr_hex_decode(back, 3, "00abfg"), CR_ERROR);
}

static void
roundtrip(const char *in, const char *want)
{
	unsigned char *dec;
	char *enc;
	size_t n;

	assert_int_equal(
		cr_base64_encode(&enc, (const unsigned char *)in, strlen(in)),
		CR_OK);
	assert_string_equal(enc, want);
	assert_int_equal(cr_base64_decode(&dec, &n, enc, strlen(enc)), CR_OK);
	assert_int_equal(n, strlen(in));
	assert_memory_equal(dec, in, n);
	free(enc);
	free(dec);
}

static int
decodes(const char *in)
{
	unsigned char *dec;
	size_t n;
	int err;

	err = cr_base64_decode(&dec, &n, in, strlen(in));
	if (err == CR_OK)
		free(dec);
	return err == CR_OK;
}

static void
test_base64(void **state)
{
	unsigned char *dec;
	size_t n;

	(void)state;
	/* RFC 4648 section 10. */
	roundtrip("", "");
	roundtrip("f", "Zg==");
	roundtrip("fo", "Zm8=");
	roundtrip("foo", "Zm9v");
	roundtrip("foob", "Zm9vYg==");
	roundtrip("fooba", "Zm9vYmE=");
	roundtrip("foobar", "Zm9vYmFy");

	/* Unpadded and URL-safe forms are accepted on input. */
	assert_true(decodes("Zg"));
	assert_int_equal(cr_base64_decode(&dec, &n, "-_8", 3), CR_OK);
	assert_int_equal(n, 2);
	assert_int_equal(dec[0], 0xfb);
	assert_int_equal(dec[1], 0xff);
	free(dec);

	/* Everything else is refused. */
	assert_false(decodes("Zg="));	   /* padded but not whole */
	assert_false(decodes("Z"));	   /* impossible length */
	assert_false(decodes("Zh=="));	   /* bits after the last byte */
	assert_false(decodes("Zm9v\n"));   /* whitespace */
	assert_false(decodes("Zg==Zg==")); /* data after padding */
	assert_false(decodes("+-8A"));	   /* alphabets mixed */
	assert_false(decodes("Zm9v!"));
	assert_false(decodes("===="));
}

static void
test_read_cap(void **state)
{
	char path[] = "/tmp/cr-test-util.XXXXXX", *buf;
	size_t n;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "hello", 5), 5);
	close(fd);
	assert_int_equal(cr_read_file(&buf, &n, path, 5), CR_OK);
	assert_int_equal(n, 5);
	assert_string_equal(buf, "hello");
	free(buf);
	assert_int_equal(cr_read_file(&buf, &n, path, 4), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), path));
	assert_non_null(strstr(cr_error_last(), "larger than"));
	assert_null(buf);
	unlink(path);
	assert_int_equal(cr_read_file(&buf, &n, path, 4), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "No such file"));
}

static void
test_write_atomic(void **state)
{
	char dir[] = "/tmp/cr-test-util.XXXXXX", path[64], *buf;
	struct stat st;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/key", dir);
	assert_int_equal(
		cr_write_atomic(path, "one", 3, 0600, CR_WRITE_NOCLOBBER),
		CR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Never overwritten, and the old content stays whole. */
	assert_int_equal(
		cr_write_atomic(path, "two", 3, 0600, CR_WRITE_NOCLOBBER),
		CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "refusing to overwrite"));
	assert_int_equal(cr_read_file(&buf, &n, path, 16), CR_OK);
	assert_string_equal(buf, "one");
	free(buf);
	/* Without the flag the file is replaced. */
	assert_int_equal(cr_write_atomic(path, "three", 5, 0644, 0), CR_OK);
	assert_int_equal(cr_read_file(&buf, &n, path, 16), CR_OK);
	assert_string_equal(buf, "three");
	free(buf);
	unlink(path);
	/* No temporary file is left behind. */
	assert_int_equal(rmdir(dir), 0);
}

/* The streamed writer: nothing reaches path before commit, nothing is left
 * after abort, and a path that appears meanwhile is never replaced. */
static void
test_atomic_stream(void **state)
{
	char dir[] = "/tmp/cr-test-util.XXXXXX", path[64], *buf;
	struct cr_atomic a;
	struct stat st;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/out", dir);
	assert_int_equal(cr_atomic_open(&a, path, 0640, 0), CR_OK);
	assert_int_equal(write(a.fd, "abc", 3), 3);
	assert_int_equal(lstat(path, &st), -1);
	cr_atomic_abort(&a);
	cr_atomic_abort(&a);
	assert_int_equal(lstat(path, &st), -1);
	assert_int_equal(rmdir(dir), 0);
	assert_non_null(mkdtemp(strcpy(dir, "/tmp/cr-test-util.XXXXXX")));
	snprintf(path, sizeof(path), "%s/out", dir);

	assert_int_equal(cr_atomic_open(&a, path, 0640, 0), CR_OK);
	assert_int_equal(write(a.fd, "abc", 3), 3);
	assert_int_equal(cr_atomic_commit(&a), CR_OK);
	cr_atomic_abort(&a);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	assert_int_equal(cr_read_file(&buf, &n, path, 16), CR_OK);
	assert_string_equal(buf, "abc");
	free(buf);

	/* Refused at open when path exists; at commit when it appeared. */
	assert_int_equal(cr_atomic_open(&a, path, 0600, CR_WRITE_NOCLOBBER),
			 CR_ERROR);
	unlink(path);
	assert_int_equal(cr_atomic_open(&a, path, 0600, CR_WRITE_NOCLOBBER),
			 CR_OK);
	assert_int_equal(write(a.fd, "new", 3), 3);
	assert_int_equal(cr_write_atomic(path, "old", 3, 0600, 0), CR_OK);
	assert_int_equal(cr_atomic_commit(&a), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "refusing to overwrite"));
	assert_int_equal(cr_read_file(&buf, &n, path, 16), CR_OK);
	assert_string_equal(buf, "old");
	free(buf);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* The writer in a directory descriptor: never through a link, nothing left
 * behind on abort, no overwrite with CR_WRITE_NOCLOBBER. */
static void
test_atomic_at(void **state)
{
	char dir[] = "/tmp/cr-test-util.XXXXXX", path[64], *buf;
	struct cr_atomic a = {.fd = -1};
	struct stat st;
	size_t n;
	int dfd;

	(void)state;
	cr_atomic_abort(&a); /* never opened: nothing to do */
	assert_non_null(mkdtemp(dir));
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(cr_atomic_openat(&a, dfd, "a/b", "x", 0644, 0),
			 CR_ERROR);
	assert_int_equal(cr_atomic_openat(&a, dfd, "out", "shown/out", 0644, 0),
			 CR_OK);
	assert_non_null(strstr(a.tmp, "shown/out.tmp."));
	assert_int_equal(cr_write_all(a.fd, "abc", 3), 0);
	cr_atomic_abort(&a);
	assert_int_equal(rmdir(dir), 0); /* empty: no temporary file left */
	assert_non_null(mkdtemp(strcpy(dir, "/tmp/cr-test-util.XXXXXX")));
	close(dfd);
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	snprintf(path, sizeof(path), "%s/out", dir);
	assert_int_equal(cr_atomic_openat(&a, dfd, "out", path, 0600, 0),
			 CR_OK);
	close(dfd); /* the writer holds its own */
	assert_int_equal(cr_write_all(a.fd, "abc", 3), 0);
	assert_int_equal(cr_pread_full(a.fd, path + 60, 4, 0), 3);
	assert_int_equal(cr_atomic_commit(&a), CR_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(cr_read_file(&buf, &n, path, 16), CR_OK);
	assert_string_equal(buf, "abc");
	free(buf);
	assert_true((dfd = open(dir, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(cr_atomic_openat(&a, dfd, "out", path, 0600,
					  CR_WRITE_NOCLOBBER),
			 CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "refusing to overwrite"));
	/* A link in the way is replaced, never followed. */
	unlink(path);
	assert_int_equal(symlink("/nonexistent/target", path), 0);
	assert_int_equal(cr_atomic_openat(&a, dfd, "out", path, 0644, 0),
			 CR_OK);
	assert_int_equal(cr_atomic_commit(&a), CR_OK);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	close(dfd);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* A file another program wrote, renamed durably; EXDEV-style failures keep
 * errno and leave the source. */
static void
test_rename_synced(void **state)
{
	char dir[] = "/tmp/cr-test-util.XXXXXX", from[64], to[64], bad[80];
	char *buf;
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(from, sizeof(from), "%s/from", dir);
	snprintf(to, sizeof(to), "%s/to", dir);
	snprintf(bad, sizeof(bad), "%s/missing/to", dir);
	assert_int_equal(cr_write_atomic(from, "x", 1, 0644, 0), CR_OK);
	assert_int_equal(cr_rename_synced(from, bad), CR_ERROR);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(access(from, F_OK), 0);
	assert_int_equal(cr_rename_synced(from, to), CR_OK);
	assert_int_equal(access(from, F_OK), -1);
	assert_int_equal(cr_read_file(&buf, &n, to, 4), CR_OK);
	assert_string_equal(buf, "x");
	free(buf);
	assert_int_equal(cr_rename_synced(from, to), CR_ERROR);
	unlink(to);
	assert_int_equal(rmdir(dir), 0);
}

/* mkdir -p: every component made, existing ones accepted, a file in the
 * way named; a link to a directory is followed, as mkdir(1) does. */
static void
test_mkdir_p(void **state)
{
	char dir[] = "/tmp/cr-test-util.XXXXXX", path[128];
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a/b/c/", dir);
	assert_int_equal(cr_mkdir_p(path, strlen(dir) + 1), CR_OK);
	assert_int_equal(cr_mkdir_p(path, 0), CR_OK);
	snprintf(path, sizeof(path), "%s/a/b/c", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	snprintf(path, sizeof(path), "%s/l", dir);
	assert_int_equal(symlink("a", path), 0);
	snprintf(path, sizeof(path), "%s/l/d", dir);
	assert_int_equal(cr_mkdir_p(path, 0), CR_OK);
	snprintf(path, sizeof(path), "%s/a/d", dir);
	assert_int_equal(stat(path, &st), 0);
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(cr_write_atomic(path, "", 0, 0644, 0), CR_OK);
	snprintf(path, sizeof(path), "%s/f/g/h", dir);
	assert_int_equal(cr_mkdir_p(path, 0), CR_ERROR);
	snprintf(path, sizeof(path), "%s/f/g", dir);
	assert_non_null(strstr(cr_error_last(), path));
	assert_int_equal(cr_rmtree(dir), CR_OK);
}

/* A spool file is unlinked from the start and readable back. */
static void
test_spool(void **state)
{
	char dir[] = "/tmp/cr-test-util.XXXXXX", buf[8];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((fd = cr_spool_open(dir)) >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_nlink, 0);
	assert_int_equal(cr_write_all(fd, "spooled", 7), 0);
	assert_int_equal(cr_pread_full(fd, buf, 7, 0), 7);
	assert_memory_equal(buf, "spooled", 7);
	assert_int_equal(cr_pread_full(fd, buf, 8, 3), 4); /* short at EOF */
	close(fd);
	assert_int_equal(rmdir(dir), 0);
	assert_int_equal(cr_spool_open(dir), -1);
	assert_int_equal(errno, ENOENT);
}

static void
test_sha256(void **state)
{
	static const char abc[] =
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	unsigned char d[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1];
	int fds[2];
	uint64_t size;

	(void)state;
	assert_int_equal(cr_sha256_buf(d, "abc", 3), CR_OK);
	cr_hex_encode(hex, d, sizeof(d));
	assert_string_equal(hex, abc);
	/* Streaming with a prefix gives the digest of the concatenation. */
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], "bc", 2), 2);
	close(fds[1]);
	assert_int_equal(cr_sha256_fd(d, &size, fds[0], "a", 1, "pipe"), CR_OK);
	close(fds[0]);
	assert_int_equal(size, 2);
	cr_hex_encode(hex, d, sizeof(d));
	assert_string_equal(hex, abc);
}

static void
test_format_time(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(cr_format_time(buf, 1704067200), CR_OK);
	assert_string_equal(buf, "2024-01-01T00:00:00Z");
}

static void
test_rmtree(void **state)
{
	char dir[] = "/tmp/cr-test-rm.XXXXXX",
	     keep[] = "/tmp/cr-test-keep.XXXXXX";
	char p[256];
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_non_null(mkdtemp(keep));
	snprintf(p, sizeof(p), "%s/ro", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/ro/file", dir);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	snprintf(p, sizeof(p), "%s/ro", dir);
	assert_int_equal(chmod(p, 0500), 0);
	/* A link out of the tree is removed, never followed. */
	snprintf(p, sizeof(p), "%s/out", dir);
	assert_int_equal(symlink(keep, p), 0);
	assert_int_equal(cr_rmtree(dir), CR_OK);
	assert_int_equal(lstat(dir, &st), -1);
	assert_int_equal(stat(keep, &st), 0);
	assert_int_equal(cr_rmtree(dir), CR_OK); /* gone already: fine */
	assert_int_equal(rmdir(keep), 0);
}

/* The text buffer: grows, keeps every byte, and fails once, at take. */
static void
test_str(void **state)
{
	struct cr_str t = {0};
	char *out, want[8192];
	size_t i, n = 0;

	(void)state;
	assert_int_equal(cr_str_take(&out, &t), CR_OK);
	assert_string_equal(out, "");
	free(out);
	for (i = 0; i < 1000; i++) {
		cr_str_printf(&t, "%zu,", i);
		n += (size_t)snprintf(want + n, sizeof(want) - n, "%zu,", i);
	}
	cr_str_printf(&t, "%s", "");
	assert_int_equal(t.len, n);
	assert_int_equal(cr_str_take(&out, &t), CR_OK);
	assert_string_equal(out, want);
	assert_null(t.p);
	free(out);

	/* Past CR_STR_MAX: the append is refused, the text left as it was. */
	cr_str_printf(&t, "kept");
	cr_str_printf(&t, "%*s", (int)CR_STR_MAX, "");
	assert_true(t.failed);
	assert_string_equal(t.p, "kept");
	cr_str_printf(&t, "more");
	assert_string_equal(t.p, "kept");
	assert_int_equal(cr_str_take(&out, &t), CR_ERROR);
	assert_null(out);
	assert_null(t.p);
	assert_non_null(strstr(cr_error_last(), "text report"));
	cr_str_free(&t);
	cr_str_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hex),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_read_cap),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_atomic_stream),
		cmocka_unit_test(test_atomic_at),
		cmocka_unit_test(test_rename_synced),
		cmocka_unit_test(test_mkdir_p),
		cmocka_unit_test(test_spool),
		cmocka_unit_test(test_sha256),
		cmocka_unit_test(test_format_time),
		cmocka_unit_test(test_rmtree),
		cmocka_unit_test(test_str),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
