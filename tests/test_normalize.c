/* Unit tests for lib/normalize.c: real archives made by tar, gzip, zip and ar. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "normalize.h"
#include "sha256.h"
#include "util.h"

/* 2022-01-01T00:00:00Z; the inputs are dated after it unless said. */
#define SDE 1640995200

static char dir[1024];

/* Runs a shell command in the test directory; returns its exit status. */
static int CR_PRINTF(1, 2) sh(const char *fmt, ...)
{
	char cmd[8192], full[16384];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "cd '%s' && (%s) >/dev/null 2>&1", dir,
		 cmd);
	st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Like sh(), but the command must succeed. */
#define RUN(...) assert_int_equal(sh(__VA_ARGS__), 0)

static const char *
path(const char *name)
{
	static char buf[4][2048];
	static int i;

	i = (i + 1) % 4;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

static int
norm(struct cr_normalize_report *rep, const char *in, const char *out,
     const struct cr_normalize_opts *opts)
{
	char a[2048];

	int err;

	snprintf(a, sizeof(a), "%s", path(in));
	err = cr_normalize_file(rep, a, path(out), SDE, opts);
	if (err < 0)
		print_message("normalize %s: %s\n", in, cr_error_last());
	return err;
}

static void
digest(char hex[CR_SHA256_HEXLEN + 1], const char *name)
{
	unsigned char d[CR_SHA256_LEN];

	assert_int_equal(cr_sha256_file(d, path(name)), CR_OK);
	cr_hex_encode(hex, d, sizeof(d));
}

/* Files a and b hold the same bytes (same), or not. */
static void
assert_digests(const char *a, const char *b, int same)
{
	char da[CR_SHA256_HEXLEN + 1], db[CR_SHA256_HEXLEN + 1];

	digest(da, a);
	digest(db, b);
	if (same)
		assert_string_equal(da, db);
	else
		assert_string_not_equal(da, db);
}

#define assert_same_file(a, b) assert_digests((a), (b), 1)
#define assert_differ(a, b) assert_digests((a), (b), 0)

static int
exists(const char *name)
{
	struct stat st;

	return lstat(path(name), &st) == 0;
}

/* No temporary file left behind in the test directory. */
static void
assert_no_temp(void)
{
	struct dirent *d;
	DIR *dp;

	assert_non_null(dp = opendir(dir));
	while ((d = readdir(dp)) != NULL) {
		assert_null(strstr(d->d_name, ".tmp."));
		assert_null(strstr(d->d_name, ".cr-normalize."));
	}
	closedir(dp);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_normalize.XXXXXX",
		 t != NULL && *t != '\0' ? t : "/tmp");
	if (mkdtemp(dir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[1100];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * Makes the same tree twice, in src1 and src2, with different dates (both
 * after SOURCE_DATE_EPOCH) and creation orders; the modes are the same
 * (they are what was built, and stay).
 */
static void
make_trees(void)
{
	RUN("rm -rf src1 src2 && mkdir src1 src2");
	RUN("cd src1 && umask 022 && mkdir -p b/deep e && printf hello > a.txt"
	    " && printf deep > b/deep/c.txt && printf '#!/bin/sh\\n' > x.sh"
	    " && chmod 755 x.sh && ln -s a.txt lnk && printf z > b/z &&"
	    " find . -exec touch -h -d '2023-03-01 10:00:00' {} +");
	RUN("cd src2 && umask 022 && ln -s a.txt lnk && printf '#!/bin/sh\\n' "
	    "> x.sh && chmod 755 x.sh"
	    " && mkdir e b && printf z > b/z && mkdir b/deep &&"
	    " printf deep > b/deep/c.txt && printf hello > a.txt &&"
	    " find . -exec touch -h -d '2024-07-15 23:59:59' {} +");
}

static void
test_tar_deterministic(void **state)
{
	struct cr_normalize_report r1, r2, r3;
	unsigned want = CR_NORM_SORTED | CR_NORM_MTIME | CR_NORM_METADATA;

	(void)state;
	make_trees();
	RUN("cd src1 && tar --format=gnu --numeric-owner --owner=1000 "
	    "--group=1000 -cf ../one.tar a.txt b e lnk x.sh");
	RUN("cd src2 && tar --format=posix --numeric-owner --owner=1000 "
	    "--group=1000 -cf ../two.tar x.sh lnk e b a.txt");
	RUN("cd src2 && tar --format=ustar -cf ../three.tar .");
	assert_differ("one.tar", "two.tar");
	assert_int_equal(norm(&r1, "one.tar", "one.n.tar", NULL), CR_OK);
	assert_int_equal(norm(&r2, "two.tar", "two.n.tar", NULL), CR_OK);
	assert_string_equal(r1.format, "tar");
	assert_string_equal(r2.format, "tar");
	assert_int_equal(r1.steps, want);
	assert_int_equal(r1.entries, 8);
	assert_int_equal(r1.unchanged, 0);
	assert_same_file("one.n.tar", "two.n.tar");

	/* Valid, sorted, clamped; owners and modes as built. */
	RUN("tar -tf one.n.tar");
	RUN("tar -tvf one.n.tar > list && grep -q '^-rw-r--r-- 1000/1000 .*"
	    "2022-01-01 00:00 a.txt$' list && grep -q '^-rwxr-xr-x 1000/1000 "
	    ".* x.sh$' list && grep -q '^lrwxrwxrwx 1000/1000 .* lnk -> a.txt$'"
	    " list && grep -q '^drwxr-xr-x 1000/1000 .* e/$' list");
	RUN("tar -tf one.n.tar > names && printf 'a.txt\\nb/\\nb/deep/\\n"
	    "b/deep/c.txt\\nb/z\\ne/\\nlnk\\nx.sh\\n' | cmp - names");
	RUN("rm -rf x && mkdir x && tar -xf one.n.tar -C x && diff -r x src1");
	/* Not the same as an unsorted or unclamped archive. */
	RUN("tar --format=posix --sort=name --mtime=@%d --owner=1000 "
	    "--group=1000 --numeric-owner -C src1 -cf four.tar a.txt b e lnk "
	    "x.sh",
	    SDE + 1);
	assert_int_equal(norm(&r3, "four.tar", "four.n.tar", NULL), CR_OK);
	assert_same_file("one.n.tar", "four.n.tar");

	/* A whole-directory tar ("./a.txt") keeps its own names. */
	assert_int_equal(norm(&r3, "three.tar", "three.n.tar", NULL), CR_OK);
	RUN("tar -tf three.n.tar | head -1 | grep -qx './'");
	assert_no_temp();
}

static void
test_names(void **state)
{
	struct cr_normalize_report r1, r2;

	(void)state;
	/* Long names need pax headers; non-ASCII bytes pass through as is. */
	RUN("L=$(printf 'd%%.0s' $(seq 120)) && rm -rf n1 n2 && mkdir -p "
	    "n1/$L n2/$L && printf x > n1/$L/$L && printf x > n2/$L/$L && "
	    "printf y > n1/caf\\303\\251 && printf y > n2/caf\\303\\251 &&"
	    " touch -d 2023-01-01 n1/* && touch -d 2024-01-01 n2/*");
	RUN("tar --format=gnu -C n1 -cf n1.tar . && tar --format=posix -C n2 "
	    "-cf n2.tar . && cd n1 && zip -q -r ../n1.zip . && cd ../n2 && zip"
	    " -q -X -r ../n2.zip .");
	assert_int_equal(norm(&r1, "n1.tar", "n1.n.tar", NULL), CR_OK);
	assert_int_equal(norm(&r2, "n2.tar", "n2.n.tar", NULL), CR_OK);
	assert_same_file("n1.n.tar", "n2.n.tar");
	assert_int_equal(norm(&r1, "n1.n.tar", "n1.nn.tar", NULL), CR_OK);
	assert_int_equal(r1.unchanged, 1);
	RUN("rm -rf x && mkdir x && tar -xf n1.n.tar -C x && diff -r x n1");
	assert_int_equal(norm(&r1, "n1.zip", "n1.n.zip", NULL), CR_OK);
	assert_int_equal(norm(&r2, "n2.zip", "n2.n.zip", NULL), CR_OK);
	assert_same_file("n1.n.zip", "n2.n.zip");
	RUN("rm -rf x && mkdir x && cd x && unzip -q ../n1.n.zip && cd .. && "
	    "diff -r x n1");
}

static void
test_mtime_clamp_only(void **state)
{
	struct cr_normalize_report r;

	(void)state;
	/* Older than SOURCE_DATE_EPOCH: kept (clamped means min()). */
	RUN("mkdir -p old && printf o > old/f && touch -d '2001-02-03 "
	    "04:05:06 UTC' old/f && tar -cf old.tar old/f");
	assert_int_equal(norm(&r, "old.tar", "old.n.tar", NULL), CR_OK);
	RUN("TZ=UTC tar -tvf old.n.tar | grep -q '2001-02-03 04:05 old/f$'");
}

static void
test_gzip(void **state)
{
	struct cr_normalize_report r1, r2, r3;
	unsigned char h[10];
	FILE *f;

	(void)state;
	RUN("printf 'some text\\n%%.0s' $(seq 500) > plain.txt && cp plain.txt"
	    " p2.txt && touch -d 2023-01-01 plain.txt && gzip -k -9 plain.txt"
	    " && touch -d 2024-01-01 p2.txt && gzip -1 -N p2.txt && mv "
	    "p2.txt.gz other.gz");
	/* gzip stored the name and mtime: */
	assert_non_null(f = fopen(path("plain.txt.gz"), "rb"));
	assert_int_equal(fread(h, 1, 10, f), 10);
	fclose(f);
	assert_true(h[3] & 0x08);
	assert_int_equal(norm(&r1, "plain.txt.gz", "a.gz", NULL), CR_OK);
	assert_int_equal(norm(&r2, "other.gz", "b.gz", NULL), CR_OK);
	assert_string_equal(r1.format, "gzip");
	assert_int_equal(r1.steps, CR_NORM_GZIP_HEADER | CR_NORM_RECOMPRESSED);
	assert_same_file("a.gz", "b.gz");
	assert_non_null(f = fopen(path("a.gz"), "rb"));
	assert_int_equal(fread(h, 1, 10, f), 10);
	fclose(f);
	assert_int_equal(h[0], 0x1f);
	assert_int_equal(h[1], 0x8b);
	assert_int_equal(h[3], 0); /* no FNAME, FCOMMENT, FEXTRA */
	assert_int_equal(h[4] | h[5] | h[6] | h[7], 0); /* MTIME */
	assert_int_equal(h[8], 2);			/* XFL: level 9 */
	assert_int_equal(h[9], 3);			/* OS: zlib's Unix */
	RUN("gzip -t a.gz && gzip -dc a.gz | cmp - plain.txt");

	/* tar.gz: the tar inside is normalised too. */
	make_trees();
	RUN("cd src1 && tar -czf ../one.tgz a.txt b e lnk x.sh");
	RUN("cd src2 && tar -cf - x.sh lnk e b a.txt | gzip -9 > ../two.tgz");
	assert_int_equal(norm(&r1, "one.tgz", "one.n.tgz", NULL), CR_OK);
	assert_int_equal(norm(&r2, "two.tgz", "two.n.tgz", NULL), CR_OK);
	assert_string_equal(r1.format, "tar+gzip");
	assert_true(r1.steps & CR_NORM_SORTED);
	assert_true(r1.steps & CR_NORM_GZIP_HEADER);
	assert_same_file("one.n.tgz", "two.n.tgz");
	RUN("tar -tzf one.n.tgz && rm -rf x && mkdir x && tar -xzf one.n.tgz"
	    " -C x && diff -r x src1");
	/* The same as normalising the tar alone, then gzip -n -9. */
	RUN("gzip -dc one.tgz > inner.tar");
	assert_int_equal(norm(&r3, "inner.tar", "inner.n.tar", NULL), CR_OK);
	RUN("gzip -dc one.n.tgz | cmp - inner.n.tar");
}

/* Every local header of a zip has no extra field; returns entries seen. */
static int
zip_local_extras(const char *name)
{
	unsigned char h[30];
	FILE *f;
	long csize;
	int n = 0;

	assert_non_null(f = fopen(path(name), "rb"));
	while (fread(h, 1, 30, f) == 30 && memcmp(h, "PK\3\4", 4) == 0) {
		assert_int_equal(h[28] | h[29] << 8, 0);
		assert_int_equal(h[6] & 0x08, 0); /* no data descriptor */
		csize = (long)(h[18] | h[19] << 8 | h[20] << 16 |
			       (unsigned long)h[21] << 24);
		assert_int_equal(
			fseek(f, (h[26] | h[27] << 8) + csize, SEEK_CUR), 0);
		n++;
	}
	fclose(f);
	return n;
}

static void
test_zip(void **state)
{
	struct cr_normalize_report r1, r2, r3;

	(void)state;
	make_trees();
	RUN("cd src1 && mkdir -p META-INF && printf 'Manifest-Version: 1.0\\n'"
	    " > META-INF/MANIFEST.MF && touch -d 2023-03-01 META-INF "
	    "META-INF/MANIFEST.MF && zip -q -r -y ../one.zip a.txt b e lnk x.sh"
	    " META-INF");
	RUN("cd src2 && mkdir -p META-INF && printf 'Manifest-Version: 1.0\\n'"
	    " > META-INF/MANIFEST.MF && TZ=Asia/Tokyo zip -q -X -9 -r -y "
	    "../two.zip x.sh META-INF lnk e b a.txt");
	assert_differ("one.zip", "two.zip");
	assert_int_equal(norm(&r1, "one.zip", "one.n.zip", NULL), CR_OK);
	assert_int_equal(norm(&r2, "two.zip", "two.n.zip", NULL), CR_OK);
	assert_string_equal(r1.format, "zip");
	assert_true(r1.steps & CR_NORM_ZIP_EXTRA);
	assert_true(r1.steps & CR_NORM_SORTED);
	assert_same_file("one.n.zip", "two.n.zip");
	RUN("unzip -t one.n.zip");
	assert_int_equal(zip_local_extras("one.n.zip"), 10);
	RUN("unzip -Z1 one.n.zip > names && printf 'META-INF/\\n"
	    "META-INF/MANIFEST.MF\\na.txt\\nb/\\nb/deep/\\nb/deep/c.txt\\nb/"
	    "z\\n"
	    "e/\\nlnk\\nx.sh\\n' | cmp - names");
	RUN("TZ=UTC unzip -Z -l one.n.zip | grep -q '22-Jan-01 00:00 a.txt$'");
	RUN("unzip -Z one.n.zip | grep -q '^-rwxr-xr-x .* x.sh$' && "
	    "unzip -Z one.n.zip | grep -q '^lrwxrwxrwx .* lnk$'");
	RUN("rm -rf x && mkdir x && cd x && unzip -q ../one.n.zip && cd .. &&"
	    " diff -r x src1 && test -L x/lnk");
	/* The zip's time does not depend on TZ at normalisation. */
	setenv("TZ", "America/New_York", 1);
	assert_int_equal(norm(&r3, "one.zip", "three.n.zip", NULL), CR_OK);
	unsetenv("TZ");
	assert_same_file("one.n.zip", "three.n.zip");
}

static void
test_ar(void **state)
{
	struct cr_normalize_report r1, r2;

	(void)state;
	RUN("printf 'int foo(void){return 1;}\\n' > averyveryverylongname_obj.c"
	    " && printf 'int bar(void){return 2;}\\n' > b.c && printf 'int "
	    "foo(void); int bar(void); int main(void){return foo()+bar()-3;}"
	    "\\n' > m.c && cc -c averyveryverylongname_obj.c b.c");
	RUN("touch -d 2023-01-01 *.o && ar rcsU one.a "
	    "averyveryverylongname_obj.o b.o");
	RUN("touch -d 2024-05-05 *.o && ar rcsU two.a "
	    "averyveryverylongname_obj.o b.o");
	assert_differ("one.a", "two.a");
	assert_int_equal(norm(&r1, "one.a", "one.n.a", NULL), CR_OK);
	assert_int_equal(norm(&r2, "two.a", "two.n.a", NULL), CR_OK);
	assert_string_equal(r1.format, "ar");
	assert_int_equal(r1.steps, CR_NORM_MTIME);
	assert_same_file("one.n.a", "two.n.a");
	/* A member's mode and owner are what ar recorded: kept. */
	RUN("cp b.o c.o && chmod 600 c.o && ar rcU mode.a c.o && ar tv mode.a"
	    " | grep -q '^rw------- '");
	assert_int_equal(norm(&r2, "mode.a", "mode.n.a", NULL), CR_OK);
	RUN("ar tv mode.n.a | grep -q '^rw------- '");
	RUN("ar t one.n.a > names && printf 'averyveryverylongname_obj.o\\n"
	    "b.o\\n' | cmp - names");
	RUN("ar tv one.n.a | grep -q '^rw-r--r-- 0/0 .* b.o$'");
	/* The symbol table still works: the linker finds foo and bar. */
	RUN("cc -o m m.c one.n.a && ./m");
	RUN("nm -s one.n.a | grep -q 'foo in averyveryverylongname_obj.o'");
	RUN("rm -rf x && mkdir x && cd x && ar x ../one.n.a && cmp b.o ../b.o");
	/* Member order is meaningful in ar, and kept. */
	RUN("ar rcsU three.a b.o averyveryverylongname_obj.o");
	assert_int_equal(norm(&r1, "three.a", "three.n.a", NULL), CR_OK);
	RUN("ar t three.n.a | head -1 | grep -qx b.o && cc -o m m.c three.n.a"
	    " && ./m");
	/* BSD flavour stays BSD. */
	if (sh("ar --help | grep -q -- --format") == 0) {
		RUN("ar rc --format=bsd four.a b.o "
		    "averyveryverylongname_obj.o");
		assert_int_equal(norm(&r1, "four.a", "four.n.a", NULL), CR_OK);
		RUN("ar t four.n.a");
	}
}

static void
test_nested(void **state)
{
	struct cr_normalize_report r1, r2;

	(void)state;
	make_trees();
	RUN("cd src1 && tar -czf ../in1.tgz a.txt b && zip -q -r ../in1.zip "
	    "x.sh e && touch -d 2023-01-01 ../in1.tgz ../in1.zip && mkdir -p "
	    "../o1 && mv ../in1.tgz ../o1/inner.tgz && mv ../in1.zip "
	    "../o1/inner.zip");
	RUN("sleep 1; cd src2 && tar -cf - b a.txt | gzip -1 > ../in2.tgz && "
	    "zip -q -X -r ../in2.zip e x.sh && touch -d 2024-01-01 ../in2.tgz "
	    "../in2.zip && mkdir -p ../o2 && mv ../in2.tgz ../o2/inner.tgz && "
	    "mv ../in2.zip ../o2/inner.zip");
	RUN("tar -C o1 -cf outer1.tar inner.tgz inner.zip && tar -C o2 -czf "
	    "outer2.tgz inner.zip inner.tgz");
	assert_int_equal(norm(&r1, "outer1.tar", "outer1.n.tar", NULL), CR_OK);
	assert_int_equal(r1.nested, 2);
	assert_true(r1.steps & CR_NORM_NESTED);
	assert_true(r1.steps & CR_NORM_ZIP_EXTRA);
	assert_string_equal(r1.format, "tar");
	assert_int_equal(norm(&r2, "outer2.tgz", "outer2.n.tgz", NULL), CR_OK);
	assert_string_equal(r2.format, "tar+gzip");
	assert_int_equal(r2.nested, 2);
	RUN("gzip -dc outer2.n.tgz | cmp - outer1.n.tar");
	RUN("rm -rf x && mkdir x && tar -xf outer1.n.tar -C x && tar -tzf "
	    "x/inner.tgz && unzip -t x/inner.zip && od -An -tx1 -j3 -N5 "
	    "x/inner.tgz | grep -q '^ 00 00 00 00 00$'");

	/* A .deb-like ar without symbol table: members normalised inside. */
	RUN("printf '2.0\\n' > debian-binary && ar rcU deb1.ar debian-binary "
	    "o1/inner.tgz && ar rcU deb2.ar debian-binary o2/inner.tgz");
	assert_int_equal(norm(&r1, "deb1.ar", "deb1.n.ar", NULL), CR_OK);
	assert_int_equal(norm(&r2, "deb2.ar", "deb2.n.ar", NULL), CR_OK);
	assert_int_equal(r1.nested, 1);
	assert_same_file("deb1.n.ar", "deb2.n.ar");
	RUN("ar t deb1.n.ar | head -1 | grep -qx debian-binary");

	/*
	 * A member that looks like a container but cannot be normalised (here
	 * a zip with a non-ASCII name from a DOS host, as OpenJDK's
	 * public_suffix_list.dat is) is kept byte for byte, not refused.
	 */
	RUN("mkdir -p o3 && python3 -c 'import zipfile\n"
	    "z = zipfile.ZipFile(\"o3/suffixes.dat\", \"w\")\n"
	    "i = zipfile.ZipInfo(\"verm\\u00f6gen\")\n"
	    "i.create_system = 0\n"
	    "z.writestr(i, \"x\")\n"
	    "z.close()' && printf 'PK\\003\\004 not a zip' > o3/fake.dat && "
	    "cp o1/inner.tgz o3/ && tar -C o3 -cf outer3.tar .");
	assert_int_equal(norm(&r1, "outer3.tar", "outer3.n.tar", NULL), CR_OK);
	assert_int_equal(r1.kept, 2);
	assert_int_equal(r1.nested, 1);
	assert_non_null(strstr(r1.kept_why, "./fake.dat"));
	RUN("rm -rf x && mkdir x && tar -xf outer3.n.tar -C x && cmp "
	    "x/suffixes.dat o3/suffixes.dat && cmp x/fake.dat o3/fake.dat");
	assert_int_equal(norm(&r2, "outer3.n.tar", "outer3.nn.tar", NULL),
			 CR_OK);
	assert_int_equal(r2.unchanged, 1);
	assert_int_equal(r2.kept, 2);
	/* The artifact itself is still refused. */
	assert_int_equal(norm(&r2, "o3/suffixes.dat", "s.out", NULL), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "non-Unix"));

	/* Depth cap: at depth 1 the inner archives are copied as data. */
	{
		struct cr_normalize_opts o = {.max_depth = 1};

		assert_int_equal(norm(&r1, "outer1.tar", "d1.tar", &o), CR_OK);
		assert_int_equal(r1.nested, 0);
		RUN("rm -rf x && mkdir x && tar -xf d1.tar -C x && cmp "
		    "x/inner.tgz o1/inner.tgz");
	}
}

/*
 * Nested gzip and xz members whose payload is data keep their compressed
 * bytes: only a gzip header's mtime, name and comment change
 * (tests/normalize/gzips.py writes them and checks the result).
 */
static void
test_nested_kept(void **state)
{
	struct cr_normalize_report r1, r2;
	const char *src = getenv("SRCDIR");

	(void)state;
	assert_non_null(src);
	RUN("python3 '%s/tests/normalize/gzips.py' make g && tar -cf g.tar g",
	    src);
	/* The checker can fail: the members as written break its rules. */
	assert_int_not_equal(
		sh("python3 '%s/tests/normalize/gzips.py' check g g", src), 0);
	assert_int_equal(norm(&r1, "g.tar", "g.n.tar", NULL), CR_OK);
	assert_string_equal(r1.format, "tar");
	assert_true(r1.steps & CR_NORM_GZIP_HEADER);
	assert_false(r1.steps & (CR_NORM_RECOMPRESSED | CR_NORM_XZ));
	assert_int_equal(r1.kept, 1); /* badcrc.gz */
	assert_non_null(strstr(r1.kept_why, "badcrc.gz"));
	RUN("rm -rf x && mkdir x && tar -xf g.n.tar -C x && "
	    "python3 '%s/tests/normalize/gzips.py' check g x/g && "
	    "gzip -t x/g/plain9n.gz x/g/named.gz x/g/hcrc.gz x/g/multi.gz && "
	    "xz -t x/g/data.xz",
	    src);
	/* Normalising again changes nothing. */
	assert_int_equal(norm(&r2, "g.n.tar", "g.nn.tar", NULL), CR_OK);
	assert_int_equal(r2.unchanged, 1);
	assert_false(r2.steps & CR_NORM_GZIP_HEADER);

	/* A .tar.gz inside is normalised as a tar, so it is recompressed. */
	make_trees();
	RUN("cd src1 && tar -cf - x.sh b a.txt | gzip -1 > ../in.tgz && "
	    "mkdir -p ../t && mv ../in.tgz ../t/ && tar -C ../t -cf ../t.tar .");
	assert_int_equal(norm(&r1, "t.tar", "t.n.tar", NULL), CR_OK);
	assert_true(r1.steps & CR_NORM_RECOMPRESSED);
	assert_int_equal(r1.nested, 1);

	/* Deeper than the depth cap: copied as data, not rewritten. */
	{
		struct cr_normalize_opts o = {.max_depth = 1};

		assert_int_equal(norm(&r1, "g.tar", "d1.tar", &o), CR_OK);
		assert_false(r1.steps & CR_NORM_GZIP_HEADER);
		RUN("rm -rf x && mkdir x && tar -xf d1.tar -C x && "
		    "cmp x/g/named.gz g/named.gz");
	}
}

/* Writes a hostile tar with python3's tarfile. */
static void
py_tar(const char *out, const char *body)
{
	RUN("python3 -c 'import tarfile, io\n"
	    "t = tarfile.open(\"%s\", \"w\", format=tarfile.GNU_FORMAT)\n"
	    "def add(name, data=b\"x\", **kw):\n"
	    "    i = tarfile.TarInfo(name)\n"
	    "    for k, v in kw.items(): setattr(i, k, v)\n"
	    "    i.size = len(data) if i.type == tarfile.REGTYPE else 0\n"
	    "    t.addfile(i, io.BytesIO(data) if i.size else None)\n"
	    "add(\"ok.txt\")\n"
	    "%s\n"
	    "t.close()'",
	    out, body);
}

static void
assert_refused(const char *in, const char *what, const char *member,
	       const struct cr_normalize_opts *opts)
{
	struct cr_normalize_report r;

	assert_int_equal(norm(&r, in, "refused.out", opts), CR_ERROR);
	if (strstr(cr_error_last(), what) == NULL ||
	    strstr(cr_error_last(), member) == NULL ||
	    strstr(cr_error_last(), in) == NULL)
		fail_msg("unexpected message: %s", cr_error_last());
	assert_string_equal(r.format, "none");
	assert_false(exists("refused.out"));
	assert_no_temp();
}

static void
test_hostile(void **state)
{
	struct cr_normalize_opts small = {.max_total = 1u << 20};
	struct cr_normalize_opts ratio = {.max_ratio = 10};
	struct cr_normalize_report r;

	(void)state;
	py_tar("dotdot.tar", "add(\"a/../../evil\")");
	assert_refused("dotdot.tar", "'..'", "a/../../evil", NULL);
	py_tar("abs.tar", "add(\"/etc/evil\")");
	assert_refused("abs.tar", "absolute", "/etc/evil", NULL);
	/*
	 * An artifact is data, never extracted here: devices, FIFOs and
	 * symlinks anywhere (a root filesystem has them) are kept as built.
	 */
	py_tar("dev.tar", "add(\"sda\", type=tarfile.BLKTYPE, devmajor=8, "
			  "devminor=3, mode=0o660)\n"
			  "add(\"pipe\", type=tarfile.FIFOTYPE, mode=0o600)\n"
			  "add(\"d/l\", type=tarfile.SYMTYPE, "
			  "linkname=\"../../etc/passwd\")\n"
			  "add(\"l\", type=tarfile.SYMTYPE, "
			  "linkname=\"/etc/passwd\")");
	assert_int_equal(norm(&r, "dev.tar", "dev.n.tar", NULL), CR_OK);
	RUN("tar -tvf dev.n.tar > list 2> err && test ! -s err && "
	    "grep -q '^brw-rw---- .* 8,3 .* sda$' list && "
	    "grep -q '^prw------- .* pipe$' list && "
	    "grep -q '^l.* d/l -> ../../etc/passwd$' list && "
	    "grep -q '^l.* l -> /etc/passwd$' list");
	py_tar("hl.tar", "add(\"h\", type=tarfile.LNKTYPE, linkname=\"nope\")");
	assert_refused("hl.tar", "hard link", "h", NULL);
	py_tar("dup.tar", "add(\"ok.txt\", b\"y\")");
	assert_refused("dup.tar", "listed twice", "ok.txt", NULL);
	/*
	 * A hard link stays one. Its data goes with the name sorting first
	 * ("h" before "ok.txt"), the other name links to it.
	 */
	py_tar("fine.tar",
	       "add(\"d/l\", type=tarfile.SYMTYPE, "
	       "linkname=\"../ok.txt\")\n"
	       "add(\"h\", type=tarfile.LNKTYPE, linkname=\"ok.txt\")");
	assert_int_equal(norm(&r, "fine.tar", "fine.n.tar", NULL), CR_OK);
	assert_false(r.steps & CR_NORM_HARDLINKS);
	RUN("tar -tvf fine.n.tar > list && grep -q '^-rw-r--r-- .* 1 .* h$' "
	    "list && grep -q '^hrw-r--r-- .* ok.txt link to h$' list");
	RUN("rm -rf x && mkdir x && tar -xf fine.n.tar -C x && test "
	    "\"$(stat -c %%i x/h)\" = \"$(stat -c %%i x/ok.txt)\"");

	/* zip with ../ and a bomb-ish member. */
	RUN("python3 -c 'import zipfile\n"
	    "z = zipfile.ZipFile(\"dotdot.zip\", \"w\")\n"
	    "z.writestr(\"ok\", \"x\")\n"
	    "z.writestr(\"..\\\\evil\", \"x\")\n"
	    "z.close()'");
	assert_refused("dotdot.zip", "'\\'", "evil", NULL);
	/*
	 * The local header names another file than the central directory
	 * (here a byte that is not UTF-8): refused, where the normaliser once
	 * took the local name and wrote a zip it then refused to read.
	 */
	RUN("python3 -c 'import zipfile\n"
	    "z = zipfile.ZipFile(\"local.zip\", \"w\")\n"
	    "z.writestr(\"a\", \"x\")\n"
	    "z.close()\n"
	    "b = bytearray(open(\"local.zip\", \"rb\").read())\n"
	    "b[30] = 0xa9\n"
	    "open(\"local.zip\", \"wb\").write(b)'");
	RUN("unzip -l local.zip | grep -q ' a$'");
	assert_refused("local.zip", "local header names another", "'a'", NULL);
	RUN("head -c 4194304 /dev/zero > zeros && zip -q -9 bomb.zip zeros && "
	    "gzip -9 -k zeros && tar -czf bomb.tgz zeros");
	assert_refused("bomb.zip", "bomb", "zeros", &small);
	assert_refused("bomb.zip", "times", "zeros", &ratio);
	assert_refused("zeros.gz", "bomb", "zeros.gz", &small);
	assert_refused("bomb.tgz", "bomb", "bomb.tgz", &small);
	/* Under the default caps the same files are fine. */
	assert_int_equal(norm(&r, "bomb.zip", "bomb.n.zip", NULL), CR_OK);

	/* Truncated and damaged containers are refused, not copied. */
	RUN("head -c 700 fine.n.tar > trunc.tar");
	assert_refused("trunc.tar", "", "trunc.tar", NULL);
	RUN("printf hello | gzip -c | head -c 15 > trunc.gz");
	assert_refused("trunc.gz", "", "trunc.gz", NULL);
	RUN("printf '\\037\\213\\010\\000' > short.gz");
	assert_refused("short.gz", "gzip", "short.gz", NULL);
	/* Bytes after the compressed stream would be dropped: refused. A
	 * second gzip member is part of the stream and stays. */
	RUN("printf hello | gzip -n > app.gz && printf DTB >> app.gz");
	assert_refused("app.gz", "after the end of the gzip", "app.gz", NULL);
	RUN("printf hello | gzip -n > pad.gz && head -c 64 /dev/zero >> pad.gz");
	assert_refused("pad.gz", "after the end of the gzip", "pad.gz", NULL);
	RUN("printf hello | gzip -n > two.gz && printf bye | gzip -n >> two.gz");
	assert_int_equal(norm(&r, "two.gz", "two.n.gz", NULL), CR_OK);
	RUN("test \"$(gzip -dc two.n.gz)\" = hellobye");
	RUN("printf 'PK\\003\\004garbage' > bad.zip");
	assert_refused("bad.zip", "", "bad.zip", NULL);
	RUN("printf '!<arch>\\nxx' > bad.a");
	assert_refused("bad.a", "trailing", "bad.a", NULL);
	RUN("python3 -c 'import sys\n"
	    "h = b\"a/b\".ljust(16) + b\"0\".ljust(12) + b\"0\".ljust(6) * 2"
	    " + b\"644\".ljust(8) + b\"1\".ljust(10) + b\"`\\n\"\n"
	    "open(\"slash.a\", \"wb\").write(b\"!<arch>\\n\" + h + "
	    "b\"x\\n\")'");
	assert_refused("slash.a", "'/'", "a/b", NULL);
	RUN("zip -q nocd.zip zeros && head -c 100 nocd.zip > nocd2.zip");
	assert_refused("nocd2.zip", "", "nocd2.zip", NULL);
}

/* tests/normalize/rootfs.py with its arguments, into the test directory. */
static void
rootfs(const char *args)
{
	const char *src = getenv("SRCDIR");

	assert_non_null(src);
	RUN("python3 '%s/tests/normalize/rootfs.py' %s", src, args);
}

/*
 * A root filesystem: setuid, setgid, sticky, 0600 and 0640 modes, owner
 * 0:42 and 1000:1000 with their names, absolute symlinks, a device, a hard
 * link, long and non-ASCII names. Normalised, GNU tar shows each of them
 * as built; only times and order change; two orders and times give the
 * same bytes; normalising again is a fixed point; GNU tar warns about
 * nothing.
 */
static void
test_rootfs_tar(void **state)
{
	struct cr_normalize_report r1, r2;

	(void)state;
	rootfs("fs1.tar fwd 1700000000 --format gnu");
	rootfs("fs2.tar rev 1690000000 --format pax");
	assert_differ("fs1.tar", "fs2.tar");
	assert_int_equal(norm(&r1, "fs1.tar", "fs1.n.tar", NULL), CR_OK);
	assert_int_equal(norm(&r2, "fs2.tar", "fs2.n.tar", NULL), CR_OK);
	assert_int_equal(r1.steps,
			 CR_NORM_SORTED | CR_NORM_MTIME | CR_NORM_METADATA);
	assert_same_file("fs1.n.tar", "fs2.n.tar");
	assert_int_equal(norm(&r1, "fs1.n.tar", "fs1.nn.tar", NULL), CR_OK);
	assert_int_equal(r1.unchanged, 1);
	RUN("TZ=UTC tar -tvvf fs1.n.tar > l 2> err && test ! -s err && tr -s "
	    "' ' < l > list");
	/* Everything but the time and the order as the input has it. */
	RUN("tar -tvvf fs1.tar | awk '{$4=$5=\"\"; print}' | sort > in.l && "
	    "awk '{$4=$5=\"\"; print}' list | sort > out.l && diff in.l out.l"
	    " | grep '^[<>]' > d; test $(wc -l < d) -eq 4 && "
	    "grep -q '^< hrwsr-xr-x root/root 0   ./bin/a-su link to ./bin/su$' d"
	    " && grep -q '^> hrwsr-xr-x root/root 0   ./bin/su link to "
	    "./bin/a-su$' d");
	RUN("grep -q '^-rwsr-xr-x root/root 8 2022-01-01 00:00 ./bin/a-su$' "
	    "list && grep -q '^-rwxr-sr-x root/shadow 12 .* ./bin/passwd$' list"
	    " && grep -q '^-rw-r----- root/shadow 26 .* ./etc/shadow$' list && "
	    "grep -q '^-rw------- root/root 36 .*/ssh_host_ed25519_key$' list "
	    "&& grep -q '^drwxrwxrwt root/root 0 .* ./tmp/$' list && grep -q "
	    "'^drwx------ user/user 0 .* ./home/user/$' list && grep -q "
	    "'^crw-rw-rw- root/root 1,3 .* ./dev/null$' list && grep -q "
	    "'^lrwxrwxrwx .* ./etc/localtime -> /usr/share/zoneinfo/UTC$' list");
	RUN("tar --numeric-owner -tvf fs1.n.tar | grep -q "
	    "'^-rw-r----- 0/42 .* ./etc/shadow$'");
	RUN("tar -tf fs1.n.tar | LC_ALL=C sort -c");
	/* Plain ustar where it fits: no pax header but for the long name
	 * and the non-ASCII one, and none with hdrcharset. */
	RUN("python3 -c 'import tarfile\n"
	    "n = [m.name for m in tarfile.open(\"fs1.n.tar\") if m.pax_headers]\n"
	    "h = [m.pax_headers for m in tarfile.open(\"fs1.n.tar\")]\n"
	    "assert len(n) == 2, n\n"
	    "assert not any(\"hdrcharset\" in x for x in h), h'");
	RUN("rm -rf x && mkdir x && tar -xf fs1.n.tar -C x --exclude ./dev/null"
	    " 2> err && test ! -s err && test \"$(stat -c %%a x/bin/su)\" = "
	    "4755 && test \"$(stat -c %%a x/tmp)\" = 1777 && test \"$(stat -c "
	    "%%i x/bin/su)\" = \"$(stat -c %%i x/bin/a-su)\" && test "
	    "\"$(readlink x/etc/localtime)\" = /usr/share/zoneinfo/UTC");
	RUN("bsdtar -tvf fs1.n.tar > /dev/null 2> err && test ! -s err");
	assert_no_temp();
}

/* A .deb from dpkg-deb, xz and gzip: still a .deb, modes as built. */
static void
test_deb(void **state)
{
	static const char *const z[] = {"xz", "gzip"};
	struct cr_normalize_report r1, r2;
	size_t i;

	(void)state;
	if (sh("command -v dpkg-deb") != 0)
		skip();
	RUN("rm -rf pkg && mkdir -p pkg/DEBIAN pkg/usr/bin pkg/etc/demo && "
	    "printf 'Package: demo\\nVersion: 1.0\\nArchitecture: all\\n"
	    "Maintainer: A <a@example.org>\\nDescription: demo\\n' > "
	    "pkg/DEBIAN/control && printf x > pkg/usr/bin/su && chmod 4755 "
	    "pkg/usr/bin/su && printf k > pkg/etc/demo/key && chmod 600 "
	    "pkg/etc/demo/key && ln -s /usr/bin/su pkg/usr/bin/su2 && "
	    "chmod 755 pkg pkg/DEBIAN pkg/usr pkg/usr/bin pkg/etc pkg/etc/demo"
	    " && chmod 644 pkg/DEBIAN/control");
	for (i = 0; i < CR_ARRAY_SIZE(z); i++) {
		RUN("find pkg -exec touch -h -d 2023-05-05 {} + && "
		    "SOURCE_DATE_EPOCH=1683244800 dpkg-deb --root-owner-group "
		    "-Z%s -b pkg d1.deb",
		    z[i]);
		RUN("find pkg -exec touch -h -d 2024-06-06 {} + && "
		    "SOURCE_DATE_EPOCH=1717632000 dpkg-deb --root-owner-group "
		    "-Z%s -z1 -b pkg d2.deb",
		    z[i]);
		assert_differ("d1.deb", "d2.deb");
		assert_int_equal(norm(&r1, "d1.deb", "d1.n.deb", NULL), CR_OK);
		assert_int_equal(norm(&r2, "d2.deb", "d2.n.deb", NULL), CR_OK);
		assert_string_equal(r1.format, "ar");
		assert_int_equal(r1.nested, 2);
		assert_same_file("d1.n.deb", "d2.n.deb");
		RUN("dpkg-deb --info d1.n.deb | grep -q 'Package: demo'");
		RUN("dpkg-deb --contents d1.deb | awk '{$4=$5=\"\"; print}' > "
		    "in.l && dpkg-deb --contents d1.n.deb > list 2> err && test "
		    "! -s err && awk '{$4=$5=\"\"; print}' list | sort > out.l "
		    "&& sort in.l | diff - out.l");
		RUN("grep -q '^-rwsr-xr-x root/root .* ./usr/bin/su$' list && "
		    "grep -q '^-rw------- root/root .* ./etc/demo/key$' list && "
		    "grep -q 'usr/bin/su2 -> /usr/bin/su$' list && grep -q "
		    "' 2022-01-01 00:00 ./usr/bin/su$' list");
		RUN("ar t d1.n.deb | head -1 | grep -qx debian-binary && "
		    "ar t d1.n.deb | sed -n 3p | grep -q '^data.tar.%s$'",
		    i == 0 ? "xz" : "gz");
		RUN("rm -rf x && dpkg-deb -x d1.n.deb x && test \"$(stat -c %%a "
		    "x/usr/bin/su)\" = 4755 && test \"$(stat -c %%a "
		    "x/etc/demo/key)\" = 600");
	}
}

/* A cpio newc initramfs, gzip and xz: identical across orders and times,
 * `cpio -t` shows the same modes, owners, devices and targets. */
static void
test_cpio(void **state)
{
	struct cr_normalize_report r1, r2;

	(void)state;
	if (sh("command -v cpio") != 0)
		skip();
	rootfs("c1.tar fwd 1700000000 --no-hardlink");
	rootfs("c2.tar rev 1690000000 --no-hardlink");
	RUN("bsdtar --format newc -cf c1.cpio @c1.tar && bsdtar --format newc "
	    "-cf c2.cpio @c2.tar && gzip -9 -c c1.cpio > c1.cpio.gz && gzip -1"
	    " -n -c c2.cpio > c2.cpio.gz && xz --check=crc32 -c c1.cpio > "
	    "c1.cpio.xz && xz -0 --check=crc32 -c c2.cpio > c2.cpio.xz");
	assert_int_equal(norm(&r1, "c1.cpio", "c1.n.cpio", NULL), CR_OK);
	assert_int_equal(norm(&r2, "c2.cpio", "c2.n.cpio", NULL), CR_OK);
	assert_string_equal(r1.format, "cpio");
	assert_true(r1.steps & CR_NORM_INODES);
	assert_same_file("c1.n.cpio", "c2.n.cpio");
	assert_int_equal(norm(&r1, "c1.n.cpio", "c1.nn.cpio", NULL), CR_OK);
	assert_int_equal(r1.unchanged, 1);
	assert_int_equal(norm(&r1, "c1.cpio.gz", "c1.n.cpio.gz", NULL), CR_OK);
	assert_int_equal(norm(&r2, "c2.cpio.gz", "c2.n.cpio.gz", NULL), CR_OK);
	assert_string_equal(r1.format, "cpio+gzip");
	assert_same_file("c1.n.cpio.gz", "c2.n.cpio.gz");
	assert_int_equal(norm(&r1, "c1.cpio.xz", "c1.n.cpio.xz", NULL), CR_OK);
	assert_int_equal(norm(&r2, "c2.cpio.xz", "c2.n.cpio.xz", NULL), CR_OK);
	assert_string_equal(r1.format, "cpio+xz");
	assert_true(r1.steps & CR_NORM_XZ);
	assert_same_file("c1.n.cpio.xz", "c2.n.cpio.xz");
	/* The kernel reads CRC32 xz only: the check is kept. */
	RUN("xz --robot -l c1.n.cpio.xz | grep -q 'CRC32' && xz -dc "
	    "c1.n.cpio.xz | cmp - c1.n.cpio && gzip -dc c1.n.cpio.gz | cmp - "
	    "c1.n.cpio");
	/* GNU cpio: the same modes, owners, devices, sizes and targets. */
	RUN("cpio -tv --numeric-uid-gid < c1.cpio 2>/dev/null | tr -s ' ' | "
	    "sed -E 's/ [A-Z][a-z]{2} [0-9]+ [0-9:]+ / /' | cut -d' ' -f1,3- "
	    "| sort > in.l && cpio -tv --numeric-uid-gid < c1.n.cpio > l 2> err"
	    " && grep -qx '[0-9]* blocks' err && tr -s ' ' < l > list && sed -E"
	    " 's/ [A-Z][a-z]{2} [0-9]+ [0-9:]+ / /' list | cut -d' ' -f1,3- | "
	    "sort > out.l && diff in.l out.l");
	RUN("grep -q '^-rw-r----- .* 0 *42 .* ./etc/shadow$' list && grep -q "
	    "'^drwxrwxrwt .* ./tmp/$' list && grep -q '^-rwsr-xr-x .* ./bin/su$'"
	    " list && grep -q '^crw-rw-rw- .* 1, *3 .* ./dev/null$' list && "
	    "grep -q './etc/localtime -> /usr/share/zoneinfo/UTC$' list");
	RUN("cpio -t < c1.n.cpio 2>/dev/null | LC_ALL=C sort -c");
	RUN("rm -rf x && mkdir x && cd x && cpio -id --no-absolute-filenames "
	    "< ../c1.n.cpio 2>/dev/null; test \"$(stat -c %%a bin/su)\" = 4755"
	    " && test \"$(stat -c %%a tmp)\" = 1777 && test \"$(stat -c %%a "
	    "etc/ssh/ssh_host_ed25519_key)\" = 600 && test \"$(readlink "
	    "etc/localtime)\" = /usr/share/zoneinfo/UTC");
	/* `find . | cpio -o -H newc` of a real tree, in two orders. */
	RUN("rm -rf t && mkdir -p t/bin t/tmp && printf s > t/bin/su && chmod "
	    "4755 t/bin/su && chmod 1777 t/tmp && printf k > t/key && chmod "
	    "600 t/key && ln -s /bin/su t/su && cd t && find . | LC_ALL=C sort "
	    "| cpio -o -H newc --quiet > ../g1.cpio && find . -exec touch -h -d"
	    " 2024-01-01 {} + && find . | LC_ALL=C sort -r | cpio -o -H newc "
	    "--quiet > ../g2.cpio");
	assert_int_equal(norm(&r1, "g1.cpio", "g1.n.cpio", NULL), CR_OK);
	assert_int_equal(norm(&r2, "g2.cpio", "g2.n.cpio", NULL), CR_OK);
	assert_same_file("g1.n.cpio", "g2.n.cpio");
	RUN("cpio -tv < g1.n.cpio | tr -s ' ' > list 2>/dev/null && grep -q "
	    "'^-rwsr-xr-x 1 .* bin/su$' list && grep -q '^-rw------- .* key$'"
	    " list && grep -q '^drwxrwxrwt 2 .* tmp$' list && grep -q "
	    "' su -> /bin/su$' list && grep -q '^drwxr-xr-x 4 .* \\.$' list");
	RUN("cpio -tv < g1.cpio | tr -s ' ' | cut -d' ' -f1-5,9- > in.l && "
	    "cut -d' ' -f1-5,9- list | diff - in.l");
	/* Another archive after the trailer: refused. */
	RUN("cat g1.cpio c1.cpio > two.cpio");
	assert_refused("two.cpio", "after the cpio trailer", "two.cpio", NULL);
	/*
	 * Hard links (GNU cpio puts the data with the last name): kept, the
	 * data with the last name in sorted order, one inode number, the
	 * same bytes whatever the input order.
	 */
	RUN("cd t && ln bin/su hl && ln bin/su a-first && find . | LC_ALL=C "
	    "sort | cpio -o -H newc --quiet > ../hl1.cpio && find . | LC_ALL=C"
	    " sort -r | cpio -o -H newc --quiet > ../hl2.cpio");
	assert_int_equal(norm(&r1, "hl1.cpio", "hl1.n.cpio", NULL), CR_OK);
	assert_int_equal(norm(&r2, "hl2.cpio", "hl2.n.cpio", NULL), CR_OK);
	assert_same_file("hl1.n.cpio", "hl2.n.cpio");
	assert_int_equal(norm(&r1, "hl1.n.cpio", "hl1.nn.cpio", NULL), CR_OK);
	assert_int_equal(r1.unchanged, 1);
	RUN("cpio -tv < hl1.n.cpio 2>/dev/null | tr -s ' ' > list && grep -q "
	    "'^-rwsr-xr-x 3 .* 0 .* a-first$' list && grep -q '^-rwsr-xr-x 3 .*"
	    " 1 .* hl$' list");
	RUN("rm -rf x && mkdir x && cd x && cpio -id < ../hl1.n.cpio "
	    "2>/dev/null; test \"$(stat -c '%%i %%h %%a' a-first)\" = "
	    "\"$(stat -c '%%i %%h %%a' bin/su)\" && test \"$(stat -c %%h hl)\""
	    " = 3 && test \"$(cat hl)\" = s");
	/* Two names of one file both carrying data: refused. */
	RUN("python3 -c 'import sys\n"
	    "def h(name, ino, nlink, data):\n"
	    "    n = name.encode() + b\"\\0\"\n"
	    "    f = [ino, 0o100644, 0, 0, nlink, 0, len(data), 0, 0, 0, 0, "
	    "len(n), 0]\n"
	    "    b = b\"070701\" + b\"\".join(b\"%%08x\" %% v for v in f) + n\n"
	    "    b += b\"\\0\" * (-len(b) %% 4) + data\n"
	    "    return b + b\"\\0\" * (-len(b) %% 4)\n"
	    "o = h(\"a\", 5, 2, b\"x\") + h(\"b\", 5, 2, b\"y\") + "
	    "h(\"TRAILER!!!\", 0, 1, b\"\")\n"
	    "open(\"twodata.cpio\", \"wb\").write(o)'");
	assert_refused("twodata.cpio", "both carry data", "b", NULL);
	RUN("head -c 300 g1.cpio > trunc.cpio");
	assert_refused("trunc.cpio", "", "trunc.cpio", NULL);
	RUN("cd t && rm hl && find . | cpio -o -H odc --quiet > ../odc.cpio");
	assert_int_equal(norm(&r1, "odc.cpio", "odc.out", NULL), CR_OK);
	assert_string_equal(r1.format, "none"); /* only newc is a container */
}

static void
test_not_container(void **state)
{
	struct cr_normalize_report r;

	(void)state;
	RUN("cp /bin/true elf && printf '' > empty && head -c 10240 /dev/zero"
	    " > zeros.bin");
	assert_int_equal(norm(&r, "elf", "elf.out", NULL), CR_OK);
	assert_string_equal(r.format, "none");
	assert_int_equal(r.steps, 0);
	assert_int_equal(r.unchanged, 1);
	assert_same_file("elf", "elf.out");
	assert_int_equal(norm(&r, "empty", "empty.out", NULL), CR_OK);
	assert_string_equal(r.format, "none");
	/* An empty zip (its end record alone) comes out canonical. */
	RUN("python3 -c 'import zipfile\n"
	    "z = zipfile.ZipFile(\"e.zip\", \"w\")\n"
	    "z.comment = b\"made at noon\"\n"
	    "z.close()'");
	assert_int_equal(norm(&r, "e.zip", "e.n.zip", NULL), CR_OK);
	assert_string_equal(r.format, "zip");
	RUN("printf 'PK\\005\\006' > want && head -c 18 /dev/zero >> want "
	    "&& cmp want e.n.zip");
	assert_int_equal(norm(&r, "zeros.bin", "zeros.out", NULL), CR_OK);
	assert_string_equal(r.format, "none");
	assert_same_file("zeros.bin", "zeros.out");
	/* Missing input, bad SOURCE_DATE_EPOCH. */
	assert_int_equal(norm(&r, "missing", "m.out", NULL), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "missing"));
	assert_int_equal(
		cr_normalize_file(&r, path("elf"), path("x.out"), -1, NULL),
		CR_ERROR);
	assert_false(exists("x.out"));
	assert_false(exists("m.out"));
	assert_no_temp();
}

/*
 * A V7 tar (GNU tar -o, what automake's make dist writes) is normalised as
 * the ustar it starts like: the same bytes from two trees with different
 * dates and orders, GNU tar extracting the same files; one whose later
 * header is not V7, or a regular file named "d/", is data, copied as is.
 */
static void
test_v7(void **state)
{
	struct cr_normalize_report r1, r2, r3;

	(void)state;
	make_trees();
	RUN("cd src1 && tar -o -cf ../v1.tar --sort=none . && cd ../src2 && "
	    "tar -o -cf ../v2.tar .");
	/* No ustar magic: V7 indeed. */
	RUN("test \"$(dd if=v1.tar bs=1 skip=257 count=5 2>/dev/null)\" = ''");
	assert_int_equal(norm(&r1, "v1.tar", "v1.n.tar", NULL), CR_OK);
	assert_int_equal(norm(&r2, "v2.tar", "v2.n.tar", NULL), CR_OK);
	assert_string_equal(r1.format, "tar");
	assert_true(r1.steps & CR_NORM_SORTED);
	assert_same_file("v1.n.tar", "v2.n.tar");
	RUN("mkdir x1 x2 && tar -xf v1.tar -C x1 && tar -xf v1.n.tar -C x2 "
	    "&& diff -r x1 x2 && tar -tvf v1.n.tar | grep -q '^lrwxrwxrwx .* "
	    "./lnk -> a.txt'");
	/* A header after the first that is not V7: not a container. */
	RUN("cp v1.tar bad.tar && printf 'ustar' | dd of=bad.tar bs=1 "
	    "seek=$((512 * 3 + 257)) conv=notrunc 2>/dev/null");
	assert_int_equal(norm(&r3, "bad.tar", "bad.n.tar", NULL), CR_OK);
	assert_string_equal(r3.format, "none");
	assert_same_file("bad.tar", "bad.n.tar");
	/* A regular file named "d/" (a directory to some readers): data. */
	RUN("python3 -c 'import tarfile, io\n"
	    "t = tarfile.open(\"slash.tar\", \"w\", format=tarfile.USTAR_FORMAT)\n"
	    "i = tarfile.TarInfo(\"d/\"); i.type = tarfile.REGTYPE\n"
	    "t.addfile(i, io.BytesIO(b\"\")); t.close()\n"
	    "b = bytearray(open(\"slash.tar\", \"rb\").read())\n"
	    "b[257:265] = bytes(8); b[265:345] = bytes(80)\n"
	    "b[148:156] = b\" \" * 8\n"
	    "b[148:155] = (\"%%06o\" %% sum(b[:512])).encode() + b\"\\0\"\n"
	    "open(\"slash.tar\", \"wb\").write(b)'");
	assert_int_equal(norm(&r3, "slash.tar", "slash.n.tar", NULL), CR_OK);
	assert_string_equal(r3.format, "none");
	assert_no_temp();
}

static void
test_idempotent(void **state)
{
	static const char *const names[] = {"one.tar", "one.tgz", "one.zip",
					    "one.a"};
	struct cr_normalize_report r;
	char a[64], b[64];
	size_t i;
	struct stat st1, st2;

	(void)state;
	make_trees();
	RUN("cd src1 && tar -cf ../one.tar . && tar -czf ../one.tgz . && zip "
	    "-q -r -y ../one.zip . && printf 'int q;' > q.c && cc -c q.c && "
	    "ar rcsU ../one.a q.o");
	for (i = 0; i < CR_ARRAY_SIZE(names); i++) {
		snprintf(a, sizeof(a), "%s.n1", names[i]);
		snprintf(b, sizeof(b), "%s.n2", names[i]);
		assert_int_equal(norm(&r, names[i], a, NULL), CR_OK);
		assert_int_equal(r.unchanged, 0);
		assert_int_equal(norm(&r, a, b, NULL), CR_OK);
		assert_int_equal(r.unchanged, 1);
		assert_same_file(a, b);
		/* In place: an unchanged file is left alone. */
		assert_int_equal(lstat(path(a), &st1), 0);
		assert_int_equal(norm(&r, a, a, NULL), CR_OK);
		assert_int_equal(lstat(path(a), &st2), 0);
		assert_int_equal(st1.st_ino, st2.st_ino);
	}
	/* In place on a file that changes. */
	assert_int_equal(norm(&r, "one.tar", "one.tar", NULL), CR_OK);
	assert_same_file("one.tar", "one.tar.n1");
}

static void
test_step_names(void **state)
{
	unsigned i, j;

	(void)state;
	for (i = 0; i < CR_NORM_NSTEPS; i++) {
		assert_non_null(cr_normalize_step_name(1u << i));
		for (j = 0; j < i; j++)
			assert_string_not_equal(
				cr_normalize_step_name(1u << i),
				cr_normalize_step_name(1u << j));
	}
	assert_string_equal(cr_normalize_step_name(CR_NORM_SORTED),
			    "entries-sorted");
	assert_null(cr_normalize_step_name(1u << CR_NORM_NSTEPS));
	assert_null(cr_normalize_step_name(3));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_step_names),
		cmocka_unit_test(test_not_container),
		cmocka_unit_test(test_tar_deterministic),
		cmocka_unit_test(test_v7),
		cmocka_unit_test(test_mtime_clamp_only),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_gzip),
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_ar),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_nested_kept),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_idempotent),
		cmocka_unit_test(test_rootfs_tar),
		cmocka_unit_test(test_deb),
		cmocka_unit_test(test_cpio),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
