/* A build's output on the terminal: its last line as progress, its last
 * lines when it fails. */
#ifndef CR_TOOL_BUILD_LOG_H
#define CR_TOOL_BUILD_LOG_H

/* Progress as one line of text, e.g. the build's last output line. */
void tool_progress_line(void *ctx, const char *line);
/*
 * The last 20 lines of tail, a build's log, on stderr after "prog: the
 * WHAT's last lines:", escaped as a log: the build wrote them.
 */
void tool_log_tail(const char *tail, const char *what);
#endif
