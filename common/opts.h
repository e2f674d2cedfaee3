/* A command's options as one table: parsed with getopt_long, listed by --help. */
#ifndef CR_TOOL_OPTS_H
#define CR_TOOL_OPTS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

/*
 * One option. The table ends with TOOL_OPT_END. An entry with no name is a
 * line of --help alone (arg is its left column): e.g. several options
 * described together, each of them then listed with help NULL.
 */
struct tool_opt {
	const char *name; /* the long name, without "--" */
	int letter;	  /* the short option letter, or 0 */
	const char *arg;  /* the argument's name; NULL: a flag */
	const char *help; /* "\n" starts a line; NULL: not in --help */
	int id;		  /* what the parse gives fn: > 0 */
};

#define TOOL_OPT_END                   \
	{                              \
		NULL, 0, NULL, NULL, 0 \
	}

/*
 * The ids of the options every command has, which the parse
 * answers itself: -h/--help prints the help; --json sets the parse's json;
 * -q/--quiet sets tool_quiet.
 */
enum { TOOL_OPT_HELP = 0x7f00, TOOL_OPT_JSON, TOOL_OPT_QUIET };

/* clang-format off */
#define TOOL_OPT_HELP_ENTRY(text) {"help", 'h', NULL, text, TOOL_OPT_HELP}
#define TOOL_OPT_JSON_ENTRY(text) {"json", 0, NULL, text, TOOL_OPT_JSON}
#define TOOL_OPT_QUIET_ENTRY(text) {"quiet", 'q', NULL, text, TOOL_OPT_QUIET}
/* clang-format on */

/* Flags of struct tool_cmd. */
enum {
	TOOL_CMD_IN_ORDER = 1u << 0, /* options end at the first operand */
};

/* A command: what --help and usage errors print, and its options. */
struct tool_cmd {
	const char *name;     /* "keygen", "root create" */
	const char *synopsis; /* the usage lines, "\n" apart, no "usage: " */
	const char *about;    /* the text after the synopsis, or NULL */
	const struct tool_opt *opts;
	const char *tail; /* the text after the options, or NULL */
	unsigned int flags;
};

/*
 * What a command's parse() returns when the command goes on; anything else
 * is the exit code to return at once (0 after --help, 2 after misuse).
 */
enum { TOOL_PARSED = -1 };

#define TOOL_OPT_MAX 64

/* A parse of argv by a command's table. */
struct tool_getopt {
	const struct tool_cmd *cmd;
	int argc;
	char **argv;
	int optind; /* once done: the first operand */
	int exit;   /* the exit code once the parse stopped */
	int json;   /* --json was given */
	struct option longopts[TOOL_OPT_MAX + 1];
	char shortopts[3 * TOOL_OPT_MAX + 3];
};

/*
 * Parses all of argv by cmd, each option given to fn(ctx, id, arg), which
 * returns 0 or the exit code after a usage message (a negative answer, an
 * option fn did not handle, stops the parse with exit code 2, never as
 * TOOL_PARSED). Returns TOOL_PARSED,
 * g->optind then the first operand and g->json whether --json was given,
 * or the exit code to return (after --help, a usage error or fn's).
 */
int tool_getopt_parse(struct tool_getopt *g, const struct tool_cmd *cmd,
		      int argc, char **argv,
		      int (*fn)(void *ctx, int id, const char *arg), void *ctx);

/*
 * tool_getopt_parse with the parse kept inside: once TOOL_PARSED, *json is
 * whether --json was given and *argc, *argv are the operands alone.
 */
int tool_getopt_operands(const struct tool_cmd *cmd, int *argc, char ***argv,
			 int (*fn)(void *ctx, int id, const char *arg),
			 void *ctx, int *json);

/*
 * Stores arg in *slot, an option given once: 0, or after "WHAT given
 * twice" (tool_usage) the exit code 2.
 */
int tool_getopt_once(const struct tool_cmd *cmd, const char **slot,
		     const char *arg, const char *what);

/* Prints cmd's help: usage lines, about, options, tail. */
void tool_cmd_help(const struct tool_cmd *cmd, FILE *f);

/* One of a program's commands, as main() dispatches them. */
struct tool_command {
	const char *name;
	int (*fn)(int argc, char **argv); /* NULL: the program runs it apart */
	const char *summary;		  /* for the program's --help */
};

/*
 * The program's usage on f: "usage: PROG COMMAND...", the commands with
 * their summaries (names padded to width), then tail.
 */
void tool_commands_usage(FILE *f, const struct tool_command *cmds, size_t n,
			 int width, const char *tail);

/*
 * main()'s first argument: none is a usage error (the usage on stderr,
 * 2), -h or --help prints the usage (0), --version the version (0), and a
 * name not in cmds is an error (2). Returns that exit code, or -1 with *out
 * the command argv[1] names.
 */
int tool_commands_find(const struct tool_command **out,
		       const struct tool_command *cmds, size_t n, int argc,
		       char **argv, void (*usage)(FILE *f));

/* Parses a non-negative decimal option value; -1 if it is not one. */
long long tool_parse_number(const char *s, long long max);

#endif
