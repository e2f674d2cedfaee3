/* Unit tests for lib/archive_policy.c: names, tar headers, members in order. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "archive_policy.h"
#include "error.h"
#include "util.h"
#include "write.h"

static void
test_names(void **state)
{
	static const struct {
		const char *name;
		int isdir, ok;
	} cases[] = {
		{"a", 0, 1},
		{"./a/b", 0, 1},
		{"a/", 1, 1},
		{"./", 1, 1},
		{"caf\xc3\xa9", 0, 1},
		{"", 0, 0},
		{"/etc/passwd", 0, 0},
		{"a/../b", 0, 0},
		{"..", 1, 0},
		{"a/./b", 0, 0},
		{"a//b", 0, 0},
		{"a/", 0, 0},		/* a file named like a directory */
		{"caf\xe9", 0, 0},	/* Latin-1, not UTF-8 */
		{"\xc0\xaf", 0, 0},	/* an overlong '/' */
		{"\xed\xa0\x80", 0, 0}, /* a surrogate */
		{"a\x1b[2J", 0, 0},	/* a terminal escape */
		{"a\xc2\x9b", 0, 0},	/* C1 control */
		{"a\\..\\b", 0, 0},	/* a separator to unzip */
		{".", 0, 0},
	};
	char longpart[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if ((cr_archive_name_problem(cases[i].name, cases[i].isdir) ==
		     NULL) != cases[i].ok)
			fail_msg("case %zu (%s): wrong verdict", i,
				 cases[i].name);
	memset(longpart, 'x', sizeof(longpart) - 1);
	longpart[sizeof(longpart) - 1] = '\0';
	assert_non_null(cr_archive_name_problem(longpart, 0));
}

/* A ustar header with a valid checksum; 512 bytes at h. */
static void
header(unsigned char *h, const char *name, char type, unsigned size,
       const char *link)
{
	unsigned sum = 0, i;

	memset(h, 0, 512);
	memcpy(h, name, strlen(name));
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 108, 8, "%07o", 0);
	snprintf((char *)h + 116, 8, "%07o", 0);
	snprintf((char *)h + 124, 12, "%011o", size);
	snprintf((char *)h + 136, 12, "%011o", 1700000000);
	h[156] = (unsigned char)type;
	if (link != NULL)
		memcpy(h + 157, link, strlen(link));
	memcpy(h + 257,
	       "ustar\0"
	       "00",
	       8);
	memset(h + 148, ' ', 8);
	for (i = 0; i < 512; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
}

struct m {
	const char *name;
	char type;
	const char *data; /* for 'x' and 'g', the records */
	const char *link;
};

static unsigned int flags = CR_ARC_SOURCE;

/* Reads a tar of ms through the policy: CR_OK or the refusal. */
static int
read_tar(const struct m *ms, size_t n, unsigned *members)
{
	static unsigned char buf[64 * 512];
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	size_t off = 0, i, len;
	int err;

	memset(buf, 0, sizeof(buf));
	for (i = 0; i < n; i++) {
		len = ms[i].data != NULL ? strlen(ms[i].data) : 0;
		header(buf + off, ms[i].name, ms[i].type, (unsigned)len,
		       ms[i].link);
		off += 512;
		if (len > 0) {
			memcpy(buf + off, ms[i].data, len);
			off += (len + 511) / 512 * 512;
		}
	}
	off += 1024;
	*members = 0;
	if ((err = cr_archive_open(&ca, -1, 0, off, buf, flags, "t.tar")) < 0)
		return err;
	while ((err = cr_archive_next(ca, &am)) == CR_OK && am.e != NULL)
		(*members)++;
	cr_archive_free(ca);
	return err;
}

#define OK(...)                                                               \
	do {                                                                  \
		const struct m ms_[] = {__VA_ARGS__};                         \
		if (read_tar(ms_, sizeof(ms_) / sizeof(ms_[0]), &n) != CR_OK) \
			fail_msg("line %d: refused: %s", __LINE__,            \
				 cr_error_last());                            \
	} while (0)
#define REFUSED(why, ...)                                              \
	do {                                                           \
		const struct m ms_[] = {__VA_ARGS__};                  \
		if (read_tar(ms_, sizeof(ms_) / sizeof(ms_[0]), &n) != \
			    CR_ERROR ||                                \
		    strstr(cr_error_last(), why) == NULL)              \
			fail_msg("line %d: not refused for '%s': %s",  \
				 __LINE__, why, cr_error_last());      \
	} while (0)

static void
test_tar(void **state)
{
	unsigned n;

	(void)state;
	OK({"a", '0', "x", NULL}, {"d/", '5', NULL, NULL},
	   {"d/b", '0', "y", NULL}, {"l", '2', NULL, "a"},
	   {"h", '1', NULL, "a"});
	assert_int_equal(n, 5);
	/* git archive's global header: a comment alone. */
	OK({"pax_global_header", 'g',
	    "52 comment=0123456789012345678901"
	    "234567890123456789\n",
	    NULL},
	   {"a", '0', "x", NULL});
	assert_int_equal(n, 1);
	REFUSED("global header key 'path'",
		{"pax_global_header", 'g', "13 path=evil\n", NULL},
		{"a", '0', "x", NULL});
	REFUSED("key 'SCHILY.fflags'",
		{"x", 'x', "22 SCHILY.fflags=schg\n", NULL},
		{"a", '0', "x", NULL});
	REFUSED("twice", {"a", '0', "x", NULL}, {"./a", '0', "y", NULL});
	REFUSED("a non-directory where a directory", {"d/b", '0', "x", NULL},
		{"d", '0', "y", NULL});
	REFUSED("directory listed twice", {"d/", '5', NULL, NULL},
		{"d/", '5', NULL, NULL});
	REFUSED("below 'l'", {"l", '2', NULL, "/etc"},
		{"l/passwd", '0', "x", NULL});
	REFUSED("not an earlier regular file", {"h", '1', NULL, "a"},
		{"a", '0', "x", NULL});
	REFUSED("not an earlier regular file", {"l", '2', NULL, "a"},
		{"h", '1', NULL, "l"});
	REFUSED("tar type 'A'", {"a", 'A', "x", NULL});
	REFUSED("device", {"null", '3', NULL, NULL});
	REFUSED("a regular file whose name ends in '/'",
		{"a/", '0', "x", NULL});
	REFUSED("hard link carrying data", {"a", '0', "x", NULL},
		{"h", '1', "x", "a"});
	REFUSED("pax or long-name header with no member",
		{"x", 'x', "11 path=ab\n", NULL});
}

/* The normaliser's reading: devices and FIFOs pass, nothing else does. */
static void
test_artifact(void **state)
{
	unsigned n;

	(void)state;
	flags = CR_ARC_TAR | CR_ARC_ARTIFACT;
	OK({"dev/", '5', NULL, NULL}, {"dev/null", '3', NULL, NULL},
	   {"dev/sda", '4', NULL, NULL}, {"p", '6', NULL, NULL},
	   {"l", '2', NULL, "/usr/share/zoneinfo/UTC"});
	assert_int_equal(n, 5);
	REFUSED("'..'", {"a/../b", '0', "x", NULL});
	REFUSED("absolute", {"/etc/passwd", '0', "x", NULL});
	REFUSED("tar type 'A'", {"a", 'A', "x", NULL});
	REFUSED("a device or FIFO carrying data", {"dev/null", '3', "x", NULL});
	flags = CR_ARC_SOURCE; /* sources: as before */
	REFUSED("device", {"null", '3', NULL, NULL});
	REFUSED("FIFO", {"p", '6', NULL, NULL});
}

/* One newc member (nlink as given) and the trailer. */
static size_t
newc(unsigned char *buf, unsigned nlink)
{
	size_t n = 0;

	n += (size_t)sprintf((char *)buf + n,
			     "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x"
			     "%08x%08x%08x",
			     1u, 0100644u, 0u, 0u, nlink, 0u, 1u, 0u, 0u, 0u,
			     0u, 2u, 0u);
	memcpy(buf + n, "a\0x\0\0\0", 6); /* name, data, pad */
	n += 6;
	n += (size_t)sprintf((char *)buf + n,
			     "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x"
			     "%08x%08x%08x",
			     0u, 0u, 0u, 0u, 1u, 0u, 0u, 0u, 0u, 0u, 0u, 11u,
			     0u);
	memcpy(buf + n, "TRAILER!!!\0\0\0\0", 14);
	return n + 14;
}

static int
read_cpio(unsigned int fl, unsigned nlink)
{
	unsigned char buf[1024] = {0};
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	size_t len = newc(buf, nlink);
	int err;

	if ((err = cr_archive_open(&ca, -1, 0, len, buf, fl, "t.cpio")) < 0)
		return err;
	while ((err = cr_archive_next(ca, &am)) == CR_OK && am.e != NULL)
		assert_string_equal(am.path, "a");
	if (err == CR_OK)
		assert_string_equal(cr_archive_format(ca), "cpio");
	cr_archive_free(ca);
	return err;
}

static void
test_cpio(void **state)
{
	(void)state;
	assert_int_equal(read_cpio(CR_ARC_CPIO | CR_ARC_ARTIFACT, 1), CR_OK);
	/* Not a source format. */
	assert_int_equal(read_cpio(CR_ARC_SOURCE, 1), CR_ERROR);
	/* A file with other names (not in the archive) reads as a file. */
	assert_int_equal(read_cpio(CR_ARC_CPIO | CR_ARC_ARTIFACT, 2), CR_OK);
}

static void
test_tar_header(void **state)
{
	unsigned char h[512];

	(void)state;
	header(h, "a", '0', 1, NULL);
	assert_true(cr_archive_tar_header(h));
	h[0] = 'b'; /* the checksum no longer holds */
	assert_false(cr_archive_tar_header(h));
	header(h, "a", '0', 1, NULL);
	memcpy(h + 257,
	       "ustar\0"
	       "01",
	       8);
	h[148] = 0;
	assert_false(cr_archive_tar_header(h));
}

/*
 * The file opener and the one disk writer: a tar written to a file is read
 * through cr_archive_open_file() and extracted below a directory with
 * cr_archive_extract(); a missing file is named; a symlink member does not
 * let a later member be written through it out of the directory.
 */
static void
test_extract(void **state)
{
	static unsigned char buf[8 * 512];
	char dir[] = "/tmp/cr-test-arc.XXXXXX", tar[64], out[64], path[128];
	char got[16] = {0};
	struct cr_archive *ca = NULL;
	struct cr_archive_member am;
	struct archive *disk = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(tar, sizeof(tar), "%s/t.tar", dir);
	snprintf(out, sizeof(out), "%s/out", dir);
	assert_int_equal(mkdir(out, 0755), 0);
	memset(buf, 0, sizeof(buf));
	header(buf, "a/", '5', 0, NULL);
	header(buf + 512, "a/f", '0', 5, NULL);
	memcpy(buf + 1024, "hello", 5);
	header(buf + 1536, "a/l", '2', 0, "..");
	assert_non_null(f = fopen(tar, "w"));
	assert_int_equal(fwrite(buf, 1, sizeof(buf), f), sizeof(buf));
	assert_int_equal(fclose(f), 0);

	assert_int_equal(
		cr_archive_open_file(&ca, "/nonexistent/t.tar", CR_ARC_SOURCE),
		CR_ERROR);
	assert_null(ca);
	assert_non_null(strstr(cr_error_last(), "/nonexistent/t.tar"));

	assert_int_equal(cr_archive_open_file(&ca, tar, CR_ARC_SOURCE), CR_OK);
	assert_int_equal(cr_archive_disk_new(&disk, 0), CR_OK);
	for (;;) {
		assert_int_equal(cr_archive_next(ca, &am), CR_OK);
		if (am.e == NULL)
			break;
		snprintf(path, sizeof(path), "%s/%s", out, am.path);
		archive_entry_set_pathname(am.e, path);
		assert_int_equal(cr_archive_extract(disk, cr_archive_handle(ca),
						    am.e, tar, am.path),
				 CR_OK);
	}
	archive_write_free(disk);
	cr_archive_free(ca);
	snprintf(path, sizeof(path), "%s/a/f", out);
	assert_non_null(f = fopen(path, "r"));
	assert_int_equal(fread(got, 1, sizeof(got) - 1, f), 5);
	fclose(f);
	assert_string_equal(got, "hello");

	/* A member written through the link would land outside out/a. */
	assert_int_equal(cr_archive_disk_new(&disk, 0), CR_OK);
	snprintf(path, sizeof(path), "%s/a/l/escaped", out);
	{
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname(e, path);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_size(e, 0);
		assert_int_equal(
			cr_archive_extract(disk, NULL, e, tar, "a/l/escaped"),
			CR_ERROR);
		archive_entry_free(e);
	}
	archive_write_free(disk);
	snprintf(path, sizeof(path), "%s/escaped", out);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(cr_rmtree(dir), CR_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_tar),
		cmocka_unit_test(test_tar_header),
		cmocka_unit_test(test_artifact),
		cmocka_unit_test(test_cpio),
		cmocka_unit_test(test_extract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
