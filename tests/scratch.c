/* A scratch directory for a unit test program, and shell commands run in it. */
#include "scratch.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

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
