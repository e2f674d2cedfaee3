/* Front-end helpers shared by attest and verify: messages, exit codes, progress. */
#include "tool.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *tool_prog = "cleanroom";
int tool_quiet;

int tool_progress_shown;
static struct timespec progress_last;

/*
 * The length of the valid UTF-8 sequence at s that is not a control,
 * bidirectional override or separator, or 0.
 */
static size_t
utf8_ok(const unsigned char *s)
{
	uint32_t c;
	size_t n, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	n = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	c = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 3 && c < 0x800) || (n == 4 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0; /* overlong, out of range, surrogate */
	if (c < 0xa0 || (c >= 0x2028 && c <= 0x202e) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0x200e || c == 0x200f ||
	    c == 0x061c)
		return 0; /* C1 controls, separators, bidi controls */
	return n;
}

char *
tool_escape(const char *s, unsigned int flags)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *q;
	size_t n;

	if ((out = malloc(strlen(s) * 4 + 1)) == NULL)
		return NULL;
	for (q = out; *p;) {
		if (*p >= 0x20 && *p < 0x7f) {
			*q++ = (char)*p++;
		} else if ((flags & TOOL_ESC_NEWLINES) &&
			   (*p == '\n' || *p == '\t')) {
			*q++ = (char)*p++;
		} else if (*p >= 0x80 && (n = utf8_ok(p)) > 0) {
			memcpy(q, p, n);
			q += n;
			p += n;
		} else {
			q += sprintf(q, "\\x%02x", *p++);
		}
	}
	*q = '\0';
	return out;
}

const char *
tool_name(const char *s)
{
	static char ring[8][8192];
	static unsigned int next;
	char *buf = ring[next++ % 8], *e;
	size_t len;

	if ((e = tool_escape(s, 0)) == NULL)
		return "(out of memory)";
	len = strlen(e);
	if (len < sizeof(ring[0])) {
		memcpy(buf, e, len + 1);
	} else {
		len = sizeof(ring[0]) - 4;
		/* Cut at a character boundary. */
		while (len > 0 && ((unsigned char)e[len] & 0xc0) == 0x80)
			len--;
		memcpy(buf, e, len);
		memcpy(buf + len, "...", 4);
	}
	free(e);
	return buf;
}

void
tool_warn(const char *fmt, ...)
{
	char *msg = NULL, *esc = NULL;
	va_list ap;
	int r;

	tool_progress_done();
	/* Keep the report and the diagnostics in order on a shared tty. */
	fflush(stdout);
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0 || (esc = tool_escape(msg, 0)) == NULL)
		fprintf(stderr, "%s: (out of memory)\n", tool_prog);
	else
		fprintf(stderr, "%s: %s\n", tool_prog, esc);
	free(esc);
	if (r >= 0)
		free(msg);
}

int
tool_exit_code(int err)
{
	if (err == CR_OK)
		return EXIT_OK;
	if (err == CR_EFAIL)
		return EXIT_FAIL;
	return EXIT_ERROR;
}

int
tool_report(int err)
{
	const char *msg = cr_error_last();

	tool_warn("%s", *msg ? msg : "internal error");
	return tool_exit_code(err);
}

int
tool_usage(const char *cmd, const char *fmt, ...)
{
	char *msg = NULL, *esc = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r >= 0)
		esc = tool_escape(msg, 0);
	fprintf(stderr, "%s %s: %s\nTry '%s %s --help'.\n", tool_prog, cmd,
		esc ? esc : "(out of memory)", tool_prog, cmd);
	free(esc);
	if (r >= 0)
		free(msg);
	return EXIT_ERROR;
}

void
tool_progress(void *ctx, uint64_t files, uint64_t bytes, uint64_t total_files)
{
	struct timespec now;
	long ms;

	(void)ctx;
	if (tool_quiet || !isatty(STDERR_FILENO))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - progress_last.tv_sec) * 1000 +
	     (now.tv_nsec - progress_last.tv_nsec) / 1000000;
	if (tool_progress_shown && ms < 200)
		return;
	progress_last = now;
	if (total_files > 0)
		fprintf(stderr, "\r%s: %llu/%llu files, %.1f MiB ", tool_prog,
			(unsigned long long)files,
			(unsigned long long)total_files,
			(double)bytes / (1024.0 * 1024.0));
	else
		fprintf(stderr, "\r%s: %llu files, %.1f MiB ", tool_prog,
			(unsigned long long)files,
			(double)bytes / (1024.0 * 1024.0));
	tool_progress_shown = 1;
}

void
tool_progress_done(void)
{
	if (tool_progress_shown) {
		fputs("\r\033[K", stderr);
		tool_progress_shown = 0;
	}
}

json_t *
tool_json_str(const char *s)
{
	json_t *j;
	char *buf, *q;
	const char *p;

	if ((j = json_string(s)) != NULL)
		return j;
	if ((buf = malloc(strlen(s) * 4 + 1)) == NULL)
		return NULL;
	for (p = s, q = buf; *p; p++) {
		if ((unsigned char)*p < 0x80)
			*q++ = *p;
		else
			q += sprintf(q, "\\x%02x", (unsigned char)*p);
	}
	*q = '\0';
	j = json_string(buf);
	free(buf);
	return j;
}

void
tool_json_print(json_t *obj)
{
	tool_progress_done();
	/* ASCII only: no C1 control or bidi override reaches a terminal. */
	if (obj == NULL ||
	    json_dumpf(obj, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) < 0)
		tool_warn("cannot print the JSON report");
	else
		fputc('\n', stdout);
	json_decref(obj);
}

void
tool_json_string(FILE *f, const char *s)
{
	json_t *j = tool_json_str(s);
	char *text =
		j ? json_dumps(j, JSON_ENCODE_ANY | JSON_ENSURE_ASCII) : NULL;

	fputs(text ? text : "null", f);
	free(text);
	json_decref(j);
}

void *
tool_append(void *arr, size_t *n, size_t *cap, size_t size)
{
	void **a = arr;
	unsigned char *p;
	size_t c;

	if (*n == *cap) {
		c = *cap ? 2 * *cap : 16;
		if ((p = reallocarray(*a, c, size)) == NULL)
			return NULL;
		*a = p;
		*cap = c;
	}
	p = (unsigned char *)*a + (*n)++ * size;
	memset(p, 0, size);
	return p;
}
