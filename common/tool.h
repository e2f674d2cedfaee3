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

/*
 * "prog: " + message + newline on stderr. The whole message is escaped as
 * tool_escape() does without keeping newlines: names and texts that come
 * from input cannot move the cursor, clear the line or forge a line.
 */
void tool_warn(const char *fmt, ...) CR_PRINTF(1, 2);

/* Flags for tool_escape. */
enum {
	TOOL_ESC_NEWLINES = 1u << 0, /* keep \n and \t (a log) */
};

/*
 * s made safe for a terminal or a text report, allocated (NULL only when
 * out of memory): C0 controls, DEL, C1 controls (as bytes or as UTF-8),
 * Unicode's bidirectional overrides and isolates, line and paragraph
 * separators, and bytes that are not valid UTF-8 are written as \xNN, one
 * per byte; everything else is copied.
 */
char *tool_escape(const char *s, unsigned int flags);

/*
 * tool_escape(s, 0) for printing a name in text output; the result lives
 * until 8 more calls (a ring of buffers), and is cut with "..." past 8 KiB.
 */
const char *tool_name(const char *s);

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

/* Whether a progress line is on the terminal, for tool_progress_done(). */
extern int tool_progress_shown;

/*
 * A JSON string for s; bytes that are not UTF-8 (a file name can hold any)
 * are written as \\xNN so the report stays valid JSON. Never NULL unless
 * out of memory.
 */
json_t *tool_json_str(const char *s);

/* Writes s as a JSON string to f, as tool_json_str() makes it. */
void tool_json_string(FILE *f, const char *s);

/* Prints obj, indented, to stdout and releases it. */
void tool_json_print(json_t *obj);

/*
 * A new element of size bytes, zeroed, at the end of the array *arr of *n
 * (room for *cap, grown by doubling): a report's lines as a command's run
 * finds them. NULL when out of memory, the array then as it was.
 */
void *tool_append(void *arr, size_t *n, size_t *cap, size_t size);

#endif
