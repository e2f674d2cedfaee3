/* Front-end helpers shared by attest and verify: messages, exit codes, progress. */
#ifndef CR_TOOL_H
#define CR_TOOL_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "error.h"

/* Exit codes, as fixed by the contract. */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	/* the check ran and does not hold */
	EXIT_ERROR = 2, /* no answer: usage, I/O, malformed input */
};

/* The program's name, set by main(): "attest" or "verify". */
extern const char *tool_prog;

/* Whether -q was given: then only results and errors are printed. */
extern int tool_quiet;

/* "prog: " + message + newline on stderr. */
void tool_warn(const char *fmt, ...) CR_PRINTF(1, 2);

/*
 * Reports a core failure on stderr ("prog: " + cr_error_last()) and returns
 * the exit code for it: 1 for CR_EFAIL, 2 for anything else.
 */
int tool_report(int err);

/* "prog CMD: " + message, a hint to --help, exit code 2. */
int tool_usage(const char *cmd, const char *fmt, ...) CR_PRINTF(2, 3);

/* Maps a core status to an exit code without printing. */
int tool_exit_code(int err);

/*
 * Progress on stderr, only when stderr is a terminal and not quiet: a line
 * redrawn at most a few times a second. tool_progress_done() clears it.
 */
void tool_progress(void *ctx, uint64_t files, uint64_t bytes,
		   uint64_t total_files);
void tool_progress_done(void);

/* Progress as one line of text, e.g. the build's last output line. */
void tool_progress_line(void *ctx, const char *line);

/*
 * A JSON string for s; bytes that are not UTF-8 (a file name can hold any)
 * are written as \\xNN so the report stays valid JSON. Never NULL unless
 * out of memory.
 */
json_t *tool_json_str(const char *s);

/* Writes s as a JSON string to f, as tool_json_str() makes it. */
void tool_json_string(FILE *f, const char *s);

/*
 * s for a terminal, in buf (truncated to size): control bytes (C0, DEL,
 * and C1 written in UTF-8) as \\xNN, so a name from a tree, a bundle, a
 * build or a statement cannot move the cursor or erase a line of the
 * report. Returns buf.
 */
const char *tool_text(char *buf, size_t size, const char *s);

/* Room for any path of PATH_MAX bytes through tool_text(). */
#define TOOL_TEXT_MAX (4 * 4096 + 1)

/* Prints obj, indented, to stdout and releases it. */
void tool_json_print(json_t *obj);

#endif
