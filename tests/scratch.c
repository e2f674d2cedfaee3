/* A scratch directory for a unit test program, and shell commands run in it. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scratch.h"
#include "util.h"
#include "write.h"

static char dir[1024];

int
scratch_setup(void **state)
{
	const char *tmp = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cr-test.XXXXXX", tmp ? tmp : "/tmp");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

int
scratch_teardown(void **state)
{
	(void)state;
	return cr_rmtree(dir) == CR_OK ? 0 : -1;
}

const char *
path(const char *name)
{
	static char buf[2][2048];
	static int i;

	i = !i;
	snprintf(buf[i], sizeof(buf[i]), "%s/%s", dir, name);
	return buf[i];
}

int
sh(const char *fmt, ...)
{
	char cmd[8192];
	int n, st;
	va_list ap;

	n = snprintf(cmd, sizeof(cmd), "cd '%s' && (", dir);
	va_start(ap, fmt);
	n += vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(cmd + n, sizeof(cmd) - (size_t)n, ") >/dev/null 2>&1");
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *
scratch_mkdtemp(const char *prefix)
{
	const char *base = getenv("TMPDIR");
	char *d;

	if (base == NULL || base[0] != '/')
		base = "/tmp";
	assert_true(asprintf(&d, "%s/%s-XXXXXX", base, prefix) > 0);
	assert_non_null(mkdtemp(d));
	return d;
}

void
scratch_rmtree(char *d)
{
	cr_rmtree(d);
	free(d);
}

void
scratch_write(const char *name, const void *buf, size_t len)
{
	FILE *f = fopen(path(name), "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void
scratch_copy_into(const char *root, const char *src)
{
	char dst[PATH_MAX], *buf, *s;
	size_t len;
	struct stat st;

	assert_int_equal(stat(src, &st), 0);
	snprintf(dst, sizeof(dst), "%s%s", root, src);
	for (s = dst + strlen(root) + 1; (s = strchr(s, '/')) != NULL; s++) {
		*s = '\0';
		mkdir(dst, 0755);
		*s = '/';
	}
	assert_int_equal(cr_read_file(&buf, &len, src, 64u << 20), CR_OK);
	assert_int_equal(cr_write_atomic(dst, buf, len, st.st_mode & 0777, 0),
			 CR_OK);
	free(buf);
}

char *
scratch_mini_root(const char *prefix)
{
	char *root = scratch_mkdtemp(prefix), line[PATH_MAX + 64], sh[PATH_MAX],
	     *s, *e;
	FILE *f;

	assert_non_null(realpath("/bin/sh", sh));
	scratch_copy_into(root, sh);
	f = popen("ldd /bin/sh", "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if ((s = strchr(line, '/')) == NULL)
			continue;
		if ((e = strchr(s, ' ')) != NULL)
			*e = '\0';
		scratch_copy_into(root, s);
	}
	assert_int_equal(pclose(f), 0);
	snprintf(line, sizeof(line), "%s/bin", root);
	mkdir(line, 0755);
	snprintf(line, sizeof(line), "%s/bin/sh", root);
	assert_int_equal(symlink(sh, line), 0);
	return root;
}
