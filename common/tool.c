/* Front-end helpers shared by attest and verify: messages, exit codes, progress. */
#include "tool.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *tool_prog = "cleanroom";
int tool_quiet;

static int progress_shown;
static struct timespec progress_last;

void
tool_warn(const char *fmt, ...)
{
	va_list ap;

	tool_progress_done();
	/* Keep the report and the diagnostics in order on a shared tty. */
	fflush(stdout);
	fprintf(stderr, "%s: ", tool_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
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
	va_list ap;

	fprintf(stderr, "%s %s: ", tool_prog, cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", tool_prog, cmd);
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
	if (progress_shown && ms < 200)
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
	progress_shown = 1;
}

void
tool_progress_line(void *ctx, const char *line)
{
	char buf[72];
	size_t i;

	(void)ctx;
	if (tool_quiet || !isatty(STDERR_FILENO))
		return;
	/* One terminal line: control characters out, cut to fit. */
	snprintf(buf, sizeof(buf), "%s", line);
	for (i = 0; buf[i]; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
	fprintf(stderr, "\r\033[K%s: %s", tool_prog, buf);
	progress_shown = 1;
}

void
tool_progress_done(void)
{
	if (progress_shown) {
		fputs("\r\033[K", stderr);
		progress_shown = 0;
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

const char *
tool_text(char *buf, size_t size, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = 0;

	if (size == 0)
		return buf;
	for (; *p && n + 9 < size; p++) {
		if (*p < 0x20 || *p == 0x7f ||
		    (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", *p);
			if (*p == 0xc2) {
				p++;
				n += (size_t)snprintf(buf + n, size - n,
						      "\\x%02x", *p);
			}
		} else {
			buf[n++] = (char)*p;
		}
	}
	buf[n] = '\0';
	return buf;
}

void
tool_json_print(json_t *obj)
{
	tool_progress_done();
	if (obj == NULL || json_dumpf(obj, stdout, JSON_INDENT(2)) < 0)
		tool_warn("cannot print the JSON report");
	else
		fputc('\n', stdout);
	json_decref(obj);
}

void
tool_json_string(FILE *f, const char *s)
{
	json_t *j = tool_json_str(s);
	char *text = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	fputs(text ? text : "null", f);
	free(text);
	json_decref(j);
}
