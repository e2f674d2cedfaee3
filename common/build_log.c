/* A build's output on the terminal: its last line as progress, its last
 * lines when it fails. */
#include "build_log.h"
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
tool_progress_line(void *ctx, const char *line)
{
	char buf[72], *esc;
	size_t len;

	(void)ctx;
	if (tool_quiet || !isatty(STDERR_FILENO))
		return;
	/* One terminal line: control characters escaped, cut to fit. */
	if ((esc = tool_escape(line, 0)) == NULL)
		return;
	len = strlen(esc);
	if (len >= sizeof(buf)) {
		len = sizeof(buf) - 1;
		while (len > 0 && ((unsigned char)esc[len] & 0xc0) == 0x80)
			len--;
	}
	memcpy(buf, esc, len);
	buf[len] = '\0';
	free(esc);
	fprintf(stderr, "\r\033[K%s: %s", tool_prog, buf);
	tool_progress_shown = 1;
}

void
tool_log_tail(const char *tail, const char *what)
{
	const char *p, *start = tail;
	char *esc;
	int lines = 0;

	/* The last 20 lines, escaped: the log is the build's to write. */
	for (p = tail + strlen(tail); p > tail; p--)
		if (p[-1] == '\n' && ++lines > 20) {
			start = p;
			break;
		}
	fprintf(stderr, "%s: the %s's last lines:\n", tool_prog, what);
	if ((esc = tool_escape(start, TOOL_ESC_NEWLINES)) != NULL) {
		fputs(esc, stderr);
		if (*esc && esc[strlen(esc) - 1] != '\n')
			fputc('\n', stderr);
		free(esc);
	}
}
