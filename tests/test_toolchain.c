/* Unit tests for lib/toolchain.c: tools resolved as in the sandbox, checked against the host's own tools and dpkg. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sandbox.h"
#include "sha256.h"
#include "toolchain.h"
#include "util.h"
#include "write.h"

#include "scratch.h"

/* --- helpers ------------------------------------------------------------ */

/* The first line a shell command prints, or "" (allocated). */
static char *sh_line(const char *fmt, ...) CR_PRINTF(1, 2);

static char *
sh_line(const char *fmt, ...)
{
	char cmd[2048], line[4096] = "";
	va_list ap;
	size_t len;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	f = popen(cmd, "r");
	assert_non_null(f);
	if (fgets(line, sizeof(line), f) == NULL)
		line[0] = '\0';
	while (fgetc(f) != EOF)
		;
	pclose(f);
	len = strlen(line);
	if (len > 0 && line[len - 1] == '\n')
		line[len - 1] = '\0';
	return strdup(line);
}

/* Makes root/path's directories and writes text there with mode. */
static void
put(const char *root, const char *path, const char *text, mode_t mode)
{
	char full[PATH_MAX], *s;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	for (s = full + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(full, 0755);
		*s = '/';
	}
	assert_int_equal(cr_write_atomic(full, text, strlen(text), mode, 0),
			 CR_OK);
}

static void
link_at(const char *root, const char *path, const char *target)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s/%s", root, path);
	assert_int_equal(symlink(target, full), 0);
}

/* A file of a fake root; mode 0 makes path a link to text. */
struct fake_file {
	const char *path, *text;
	mode_t mode;
};

/* Puts each file of the table (ended by a NULL path), in order. */
static void
put_all(const char *root, const struct fake_file *f)
{
	for (; f->path != NULL; f++)
		if (f->mode == 0)
			link_at(root, f->path, f->text);
		else
			put(root, f->path, f->text, f->mode);
}

static void
sha256_hex(char out[CR_SHA256_HEXLEN + 1], const char *text)
{
	unsigned char md[CR_SHA256_LEN];

	assert_int_equal(cr_sha256_buf(md, text, strlen(text)), CR_OK);
	cr_hex_encode(out, md, sizeof(md));
}

static const struct cr_tool *
tool(const struct cr_toolchain *tc, const char *name)
{
	size_t i;

	for (i = 0; i < tc->count; i++)
		if (strcmp(tc->tools[i].name, name) == 0)
			return &tc->tools[i];
	return NULL;
}

/* --- tests -------------------------------------------------------------- */

static void
test_host_tools(void **state)
{
	struct cr_toolchain *tc = NULL;
	struct cr_sandbox_opts o;
	const struct cr_tool *cc, *sh;
	char *want, *pkg, *ver, *p;
	struct timespec t0, t1;
	size_t i;
	double ms;
	int checked = 0;

	(void)state;
	cr_sandbox_opts_init(&o);
	o.source_date_epoch = 1700000000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (cr_toolchain_probe(&tc, &o, NULL, 0) != CR_OK)
		fail_msg("probe: %s", cr_error_last());
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("probed %zu tools with versions in %.0f ms\n", tc->count,
		      ms);

	for (i = 0; i < tc->count; i++) {
		const struct cr_tool *t = &tc->tools[i];

		/* What a shell with the sandbox's PATH finds. */
		want = sh_line("PATH=%s; realpath \"$(command -v %s)\"",
			       CR_SANDBOX_PATH, t->name);
		assert_string_equal(t->path, want);
		free(want);
		want = sh_line("sha256sum '%s' | cut -d' ' -f1", t->path);
		assert_string_equal(t->sha256, want);
		free(want);
	}
	cc = tool(tc, "cc");
	if (cc == NULL) {
		cr_toolchain_free(tc);
		skip(); /* no compiler on this machine */
	}
	want = sh_line("LC_ALL=C.UTF-8 cc --version");
	assert_string_equal(cc->version, want);
	assert_true(strlen(cc->version) > 0);
	free(want);

	/* Every tool's package as dpkg sees it: the diverting package for
	 * a diverted path, else what dpkg -S names (through /bin for a
	 * merged-/usr path), with dpkg-query's version and architecture. */
	for (i = 0; i < tc->count; i++) {
		const struct cr_tool *t = &tc->tools[i];

		pkg = sh_line("P='%s'; d=$(dpkg-divert --listpackage \"$P\" "
			      "2>/dev/null); if [ -n \"$d\" ]; then echo "
			      "\"$d\"; else (dpkg -S \"$P\" || dpkg -S "
			      "\"/${P#/usr/}\") 2>/dev/null | grep -v "
			      "'^diversion' | cut -d: -f1; fi",
			      t->path);
		if (pkg[0] == '\0' || strchr(pkg, ',') != NULL) {
			free(pkg);
			continue;
		}
		checked++;
		if (t->package == NULL)
			fail_msg("%s: no package, dpkg says %s", t->path, pkg);
		assert_string_equal(t->package, pkg);
		ver = sh_line("dpkg-query -W -f='${Version}' '%s'", pkg);
		assert_string_equal(t->package_version, ver);
		want = sh_line("dpkg-query -W -f='${Architecture}' '%s'", pkg);
		assert_string_equal(t->arch, want);
		free(want);
		assert_non_null(t->purl);
		assert_int_equal(strncmp(t->purl, "pkg:deb/", 8), 0);
		p = strchr(t->purl + 8, '/');
		assert_non_null(p);
		assert_non_null(strstr(p, "?arch="));
		free(pkg);
		free(ver);
	}
	print_message("%d tools checked against dpkg\n", checked);
	if (access("/var/lib/dpkg/status", F_OK) == 0)
		assert_true(checked > 0);

	/* sh: its --version fails (dash), so no version line; on a
	 * merged-/usr system the package is found through /bin. */
	sh = tool(tc, "sh");
	assert_non_null(sh);
	want = sh_line("sh --version 2>/dev/null >/dev/null && sh --version");
	assert_string_equal(sh->version, want);
	free(want);
	pkg = sh_line("(dpkg -S '%s' || dpkg -S \"/bin/$(basename '%s')\") "
		      "2>/dev/null | cut -d: -f1",
		      sh->path, sh->path);
	if (pkg[0] != '\0') {
		assert_non_null(sh->package);
		assert_string_equal(sh->package, pkg);
	}
	free(pkg);
	cr_toolchain_free(tc);
}

static void
test_fake_root(void **state)
{
	char *root = scratch_mkdtemp("cr-toolchain-test"), gcc[65], mytool[65],
	     esc[65], t2[65];
	const char *extra[] = {"mytool", "esc",		"cc", "mytool2",
			       "ar-x",	 "ar-x.single", NULL};
	static const struct fake_file fake[] = {
		{"usr/bin/gcc-x", "gcc content\n", 0755},
		{"usr/bin/mytool", "my tool\n", 0755},
		{"usr/bin/true", "the root's true\n", 0755},
		{"usr/bin/noexec", "not executable\n", 0644},
		{"opt/tools/bin/mytool2", "tool two\n", 0755},
		{"etc/alternatives/.keep", "", 0644},
		{"bin", "usr/bin", 0},
		{"usr/bin/cc", "/etc/alternatives/cc", 0},
		{"etc/alternatives/cc", "/usr/bin/gcc-x", 0},
		{"usr/bin/esc", "/../../../../bin/true", 0},
		{"etc/os-release", "NAME=\"Test\"\nID=\"ubuntu\"\n", 0644},
		{"var/lib/dpkg/info/gcc-x.list", "/.\n/usr\n/usr/bin/gcc-x\n",
		 0644},
		{"var/lib/dpkg/info/libfoo++1:amd64.list",
		 "/.\n/bin\n/bin/mytool\n", 0644},
		{"var/lib/dpkg/info/other.list", "/usr/bin/true\n", 0644},
		/* ar-x is diverted by zz-multi: ours is zz-multi's, and the
		 * diverted ar-x.single is ar-x's (though "ar-x" <
		 * "zz-multi"); zz-gcc lists gcc-x too, but gcc-x is the
		 * smaller name. */
		{"usr/bin/ar-x", "multi ar\n", 0755},
		{"usr/bin/ar-x.single", "single ar\n", 0755},
		{"var/lib/dpkg/diversions",
		 "/usr/bin/other-path\n/usr/bin/other-path.x\nzz-dup\n"
		 "/usr/bin/ar-x\n/usr/bin/ar-x.single\nzz-multi\n",
		 0644},
		{"var/lib/dpkg/info/ar-x.list", "/usr/bin/ar-x\n", 0644},
		{"var/lib/dpkg/info/zz-multi.list", "/usr/bin/ar-x\n", 0644},
		{"var/lib/dpkg/info/zz-dup.list.bak", "/usr/bin/gcc-x\n", 0644},
		{"var/lib/dpkg/info/zz-gcc.list", "/usr/bin/gcc-x\n", 0644},
		{"var/lib/dpkg/status",
		 "Package: libfoo++1\nStatus: install ok installed\n"
		 "Architecture: i386\nVersion: 9.9\n"
		 "Description: the other architecture\n continued\n\n"
		 "Package: gcc-x\nStatus: install ok installed\nPriority: "
		 "optional\nArchitecture: amd64\nVersion: 1:2.3+dfsg-1~bpo1\n\n"
		 "Package: other\nStatus: deinstall ok config-files\n"
		 "Architecture: all\nVersion: 1.0\n\n"
		 "Package: libfoo++1\nStatus: install ok installed\n"
		 "Architecture: amd64\nVersion: 4.5\n",
		 0644},
		{NULL, NULL, 0},
	};
	const char *env[] = {"PATH=/opt/tools/bin:/usr/bin:/bin", NULL};
	struct cr_toolchain *tc = NULL;
	struct cr_sandbox_opts o;
	const struct cr_tool *t;

	(void)state;
	put_all(root, fake);
	sha256_hex(gcc, "gcc content\n");
	sha256_hex(mytool, "my tool\n");
	sha256_hex(esc, "the root's true\n");
	sha256_hex(t2, "tool two\n");

	cr_sandbox_opts_init(&o);
	o.root = root;
	o.env = env;
	if (cr_toolchain_probe(&tc, &o, extra, CR_TOOLCHAIN_NO_VERSION) !=
	    CR_OK)
		fail_msg("probe: %s", cr_error_last());
	/* The defaults the root lacks are left out; "cc" is probed once. */
	assert_int_equal(tc->count, 6);
	assert_string_equal(tc->tools[0].name, "cc");
	assert_string_equal(tc->tools[1].name, "mytool");
	assert_string_equal(tc->tools[2].name, "esc");
	assert_string_equal(tc->tools[3].name, "mytool2");

	t = tool(tc, "cc");
	assert_string_equal(t->path, "/usr/bin/gcc-x");
	assert_string_equal(t->sha256, gcc);
	assert_string_equal(t->version, "");
	assert_string_equal(t->package, "gcc-x");
	assert_string_equal(t->package_version, "1:2.3+dfsg-1~bpo1");
	assert_string_equal(t->arch, "amd64");
	assert_string_equal(
		t->purl, "pkg:deb/ubuntu/gcc-x@1:2.3%2Bdfsg-1~bpo1?arch=amd64");

	/* Found as /usr/bin/mytool, listed by dpkg as /bin/mytool. */
	t = tool(tc, "mytool");
	assert_string_equal(t->path, "/usr/bin/mytool");
	assert_string_equal(t->sha256, mytool);
	assert_string_equal(t->package, "libfoo++1");
	assert_string_equal(t->package_version, "4.5");
	assert_string_equal(t->purl,
			    "pkg:deb/ubuntu/libfoo%2B%2B1@4.5?arch=amd64");

	/* An absolute link climbing out stays in the root; a package not
	 * installed any more gives no version. */
	t = tool(tc, "esc");
	assert_string_equal(t->path, "/usr/bin/true");
	assert_string_equal(t->sha256, esc);
	assert_string_equal(t->package, "other");
	assert_null(t->package_version);
	assert_null(t->purl);

	t = tool(tc, "ar-x");
	assert_string_equal(t->package, "zz-multi");
	t = tool(tc, "ar-x.single");
	assert_string_equal(t->path, "/usr/bin/ar-x.single");
	assert_string_equal(t->package, "ar-x");

	t = tool(tc, "mytool2");
	assert_string_equal(t->path, "/opt/tools/bin/mytool2");
	assert_string_equal(t->sha256, t2);
	assert_null(t->package);
	cr_toolchain_free(tc);

	/* Missing or unusable extra tools are errors naming them. */
	{
		const char *missing[] = {"nope", NULL};
		const char *noexec[] = {"noexec", NULL};
		const char *abs[] = {"/usr/bin/noexec", NULL};
		const char *absok[] = {"/bin/mytool", NULL};

		assert_int_equal(cr_toolchain_probe(&tc, &o, missing,
						    CR_TOOLCHAIN_NO_VERSION),
				 CR_ERROR);
		assert_non_null(strstr(cr_error_last(),
				       "tool nope: not found in the sandbox's "
				       "PATH /opt/tools/bin:/usr/bin:/bin"));
		assert_int_equal(cr_toolchain_probe(&tc, &o, noexec,
						    CR_TOOLCHAIN_NO_VERSION),
				 CR_ERROR);
		assert_non_null(strstr(cr_error_last(), "tool noexec: not "
							"found"));
		assert_int_equal(cr_toolchain_probe(&tc, &o, abs,
						    CR_TOOLCHAIN_NO_VERSION),
				 CR_ERROR);
		assert_non_null(strstr(cr_error_last(),
				       "/usr/bin/noexec: not an executable"));
		assert_int_equal(cr_toolchain_probe(&tc, &o, absok,
						    CR_TOOLCHAIN_NO_VERSION),
				 CR_OK);
		t = tool(tc, "/bin/mytool");
		assert_non_null(t);
		assert_string_equal(t->path, "/usr/bin/mytool");
		cr_toolchain_free(tc);
	}
	scratch_rmtree(root);
}

/*
 * The files a C build runs and reads, found in a fake root: cc1 and crt
 * files by their places, a link out of the root not followed to the
 * host, DT_NEEDED of a real ELF resolved in the root; then probed as files
 * (never run, no execute bit) with their package, a missing one left out.
 */
static void
test_internals(void **state)
{
	char *root = scratch_mkdtemp("cr-toolchain-test"),
	     *out = scratch_mkdtemp("cr-toolchain-test"), cc1[65];
	const char *arts[] = {"prog", "text", "missing", NULL};
	const char *files[] = {"/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
			       "/usr/lib/x86_64-linux-gnu/crt1.o",
			       "/usr/lib/nothing.o", NULL};
	static const struct fake_file fake[] = {
		{"usr/lib/gcc/x86_64-linux-gnu/12/cc1", "cc1 bytes\n", 0755},
		{"usr/lib/gcc/x86_64-linux-gnu/12/crtbegin.o", "crtb\n", 0644},
		{"usr/lib/x86_64-linux-gnu/crt1.o", "crt1\n", 0644},
		{"usr/include/stdio.h", "/* stdio */\n", 0644},
		{"usr/lib/x86_64-linux-gnu/libc.so.6", "libc\n", 0755},
		{"usr/lib/libm.so.6", "libm\n", 0755},
		{"lib", "usr/lib", 0},
		/* A link out of the root: resolved inside it, so nothing found. */
		{"usr/lib/gcc/evil", "/usr/lib/gcc", 0},
		{"var/lib/dpkg/info/cpp-12:amd64.list",
		 "/usr/lib/gcc/x86_64-linux-gnu/12/cc1\n", 0644},
		{"var/lib/dpkg/status",
		 "Package: cpp-12\nStatus: install ok installed\n"
		 "Architecture: amd64\nVersion: 12.2.0-14\n",
		 0644},
		{NULL, NULL, 0},
	};
	struct cr_toolchain *tc = NULL;
	struct cr_sandbox_opts o;
	const struct cr_tool *t;
	char **list = NULL, dst[PATH_MAX];
	size_t n = 0, i;

	(void)state;
	put_all(root, fake);
	/* prog: this test's own binary, whose DT_NEEDED has libc.so.6. */
	snprintf(dst, sizeof(dst), "%s/prog", out);
	{
		char *buf;
		size_t len;

		assert_int_equal(
			cr_read_file(&buf, &len, "/proc/self/exe", 256u << 20),
			CR_OK);
		assert_int_equal(cr_write_atomic(dst, buf, len, 0755, 0),
				 CR_OK);
		free(buf);
	}
	put(out, "text", "not ELF\n", 0644);

	assert_int_equal(cr_toolchain_internals(&list, &n, root, out, arts),
			 CR_OK);
	for (i = 0; i < n; i++)
		assert_true(strncmp(list[i], "/usr/lib/gcc/evil", 17) != 0);
	assert_null(list[n]);
	{
		const char *want[] = {
			"/lib/x86_64-linux-gnu/libc.so.6",
			"/usr/include/stdio.h",
			"/usr/lib/gcc/x86_64-linux-gnu/12/cc1",
			"/usr/lib/gcc/x86_64-linux-gnu/12/crtbegin.o",
			"/usr/lib/x86_64-linux-gnu/crt1.o",
		};
		assert_int_equal(n, CR_ARRAY_SIZE(want));
		for (i = 0; i < n; i++)
			assert_string_equal(list[i], want[i]);
	}
	cr_toolchain_list_free(list, n);

	cr_sandbox_opts_init(&o);
	o.root = root;
	assert_int_equal(cr_toolchain_probe_files(&tc, &o, NULL, files,
						  CR_TOOLCHAIN_NO_VERSION),
			 CR_OK);
	sha256_hex(cc1, "cc1 bytes\n");
	assert_non_null(t = tool(tc, files[0]));
	assert_true(t->file);
	assert_string_equal(t->sha256, cc1);
	assert_string_equal(t->version, "");
	assert_string_equal(t->package, "cpp-12");
	assert_string_equal(t->package_version, "12.2.0-14");
	assert_non_null(t = tool(tc, files[1]));
	assert_true(t->file);
	assert_null(t->package);
	assert_null(tool(tc, files[2]));
	cr_toolchain_free(tc);

	/*
	 * A statement's files are read only under the toolchain directories,
	 * and only regular files there: not a secret elsewhere, not through a
	 * link out of them, not a FIFO (which would block the verifier).
	 */
	put(root, "etc/secret", "regulator's secret\n", 0600);
	put(root, "home/u/.ssh/id", "key\n", 0600);
	link_at(root, "usr/lib/to-secret", "/etc/secret");
	snprintf(dst, sizeof(dst), "%s/usr/lib/fifo", root);
	assert_int_equal(mkfifo(dst, 0644), 0);
	{
		const char *out_of_reach[] = {
			"/etc/secret",
			"/home/u/.ssh/id",
			"/usr/lib/to-secret",
			"/usr/lib/../../etc/secret",
			"/usr//lib/x86_64-linux-gnu/crt1.o",
			"/usr/lib/fifo",
			"/proc/self/environ",
			NULL};

		assert_int_equal(
			cr_toolchain_probe_files(&tc, &o, NULL, out_of_reach,
						 CR_TOOLCHAIN_NO_VERSION),
			CR_OK);
		assert_int_equal(tc->count, 0);
		cr_toolchain_free(tc);
	}

	/* A relative file name is refused. */
	{
		const char *rel[] = {"usr/lib/x", NULL};

		assert_int_equal(
			cr_toolchain_probe_files(&tc, &o, NULL, rel, 0),
			CR_ERROR);
	}
	scratch_rmtree(out);
	scratch_rmtree(root);
}

static void
test_versions_in_sandbox(void **state)
{
	char *root = scratch_mini_root("cr-toolchain-test");
	const char *extra[] = {"fancy", "failing", "quiet", "whoami-tool",
			       NULL};
	struct cr_toolchain *tc = NULL;
	struct cr_sandbox_opts o;

	(void)state;
	put(root, "usr/bin/fancy",
	    "#!/bin/sh\nprintf 'fancy\\ttool 1.0 \\r\\nsecond line\\n'\n"
	    "echo noise >&2\n",
	    0755);
	put(root, "usr/bin/failing", "#!/bin/sh\necho 'v 1'\nexit 1\n", 0755);
	put(root, "usr/bin/quiet", "#!/bin/sh\necho only-stderr >&2\n", 0755);
	/* Run inside: it sees the sandbox's hostname and build path. */
	put(root, "usr/bin/whoami-tool",
	    "#!/bin/sh\nread h < /proc/sys/kernel/hostname\n"
	    "echo \"$h $PWD $HOME\"\n",
	    0755);
	cr_sandbox_opts_init(&o);
	o.root = root;
	if (cr_toolchain_probe(&tc, &o, extra, 0) != CR_OK)
		fail_msg("probe: %s", cr_error_last());
	assert_string_equal(tool(tc, "fancy")->version, "fancy tool 1.0");
	assert_string_equal(tool(tc, "failing")->version, "");
	assert_string_equal(tool(tc, "quiet")->version, "");
	assert_string_equal(tool(tc, "whoami-tool")->version,
			    CR_SANDBOX_HOSTNAME " " CR_SANDBOX_BUILD_PATH
						" " CR_SANDBOX_HOME);
	/* The mini root has sh, found through bin -> its real path. */
	assert_non_null(tool(tc, "sh"));
	assert_null(tool(tc, "cc"));
	cr_toolchain_free(tc);
	scratch_rmtree(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_tools),
		cmocka_unit_test(test_fake_root),
		cmocka_unit_test(test_internals),
		cmocka_unit_test(test_versions_in_sandbox),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
