/* A command's options as one table: parsed with getopt_long, listed by --help. */
#include "opts.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"

/* --help's option column: the text starts here. */
#define HELP_COLUMN 26

/* getopt_long returns the entry's index plus this for a long option. */
#define INDEX_BASE 0x10000

/* Prepares to parse argv (argv[0] being the command's name) by cmd. */
static void
opts_init(struct tool_getopt *g, const struct tool_cmd *cmd, int argc,
	  char **argv)
{
	const struct tool_opt *o;
	size_t n = 0, i;
	char *s = g->shortopts;

	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	g->argc = argc;
	g->argv = argv;
	if (cmd->flags & TOOL_CMD_IN_ORDER)
		*s++ = '+';
	*s++ = ':'; /* a missing value returns ':' */
	for (i = 0, o = cmd->opts; o->name != NULL || o->arg != NULL;
	     i++, o++) {
		if (o->name == NULL)
			continue;
		if (n >= TOOL_OPT_MAX || o->id <= 0)
			abort(); /* a table this file cannot hold: a bug */
		g->longopts[n].name = o->name;
		g->longopts[n].has_arg =
			o->arg ? required_argument : no_argument;
		g->longopts[n].val = INDEX_BASE + (int)i;
		n++;
		if (o->letter != 0) {
			*s++ = (char)o->letter;
			if (o->arg)
				*s++ = ':';
		}
	}
	*s = '\0';
	/* 0: glibc starts over, whatever an earlier parse left. */
	optind = 0;
	opterr = 0;
}

/* The entry for a short option letter or a long option's value. */
static const struct tool_opt *
find(const struct tool_cmd *cmd, int c)
{
	const struct tool_opt *o;

	if (c >= INDEX_BASE)
		return &cmd->opts[c - INDEX_BASE];
	for (o = cmd->opts; o->name != NULL || o->arg != NULL; o++)
		if (o->name != NULL && o->letter == c)
			return o;
	return NULL;
}

/* Reports what getopt_long refused: the usage error's exit code. */
static int
bad_option(const struct tool_getopt *g, int c)
{
	const char *arg = g->argv[optind - 1];
	char shortname[3];

	if (optopt >= INDEX_BASE) /* a long option, known */
		return tool_usage(g->cmd->name,
				  c == ':' ? "option '--%s' needs a value"
					   : "option '--%s' takes no value",
				  g->cmd->opts[optopt - INDEX_BASE].name);
	/* A short option is named by its letter: it may be in "-qx". */
	if (optopt != 0) {
		shortname[0] = '-';
		shortname[1] = (char)optopt;
		shortname[2] = '\0';
		arg = shortname;
	}
	if (c == ':')
		return tool_usage(g->cmd->name, "option '%s' needs a value",
				  arg);
	return tool_usage(g->cmd->name, "unknown option '%s'", arg);
}

/*
 * The next option: its id, with *arg its value (NULL for a flag); 0 at the
 * end, g->optind then being the first operand; -1 when the command is done
 * and must return g->exit: after -h/--help printed the help on stdout (0)
 * or after an unknown option, one without its value or a flag with one
 * was reported as tool_usage() does (2). --json and -q are taken here.
 */
static int
opts_next(struct tool_getopt *g, const char **arg)
{
	const struct tool_opt *o;
	int c;

again:
	*arg = NULL;
	c = getopt_long(g->argc, g->argv, g->shortopts, g->longopts, NULL);
	if (c == -1) {
		g->optind = optind;
		return 0;
	}
	if (c == '?' || c == ':') {
		g->exit = bad_option(g, c);
		return -1;
	}
	if ((o = find(g->cmd, c)) == NULL) {
		tool_warn("internal error: getopt returned %d", c);
		g->exit = EXIT_ERROR;
		return -1;
	}
	if (o->id == TOOL_OPT_HELP) {
		tool_cmd_help(g->cmd, stdout);
		g->exit = EXIT_OK;
		return -1;
	}
	if (o->id == TOOL_OPT_JSON || o->id == TOOL_OPT_QUIET) {
		if (o->id == TOOL_OPT_JSON)
			g->json = 1;
		else
			tool_quiet = 1;
		goto again;
	}
	*arg = optarg;
	return o->id;
}

int
tool_getopt_parse(struct tool_getopt *g, const struct tool_cmd *cmd, int argc,
		  char **argv, int (*fn)(void *ctx, int id, const char *arg),
		  void *ctx)
{
	const char *arg;
	int id, rc;

	opts_init(g, cmd, argc, argv);
	while ((id = opts_next(g, &arg)) > 0) {
		if ((rc = fn(ctx, id, arg)) > 0)
			return rc;
		/*
		 * A negative answer (CR_ERROR, an option no case handled) is a
		 * bug, never a parse that goes on with options left unread.
		 */
		if (rc < 0) {
			tool_warn("%s: internal error: option %d not handled",
				  cmd->name, id);
			return EXIT_ERROR;
		}
	}
	return id < 0 ? g->exit : TOOL_PARSED;
}

int
tool_getopt_operands(const struct tool_cmd *cmd, int *argc, char ***argv,
		     int (*fn)(void *ctx, int id, const char *arg), void *ctx,
		     int *json)
{
	struct tool_getopt g;
	int rc;

	if ((rc = tool_getopt_parse(&g, cmd, *argc, *argv, fn, ctx)) !=
	    TOOL_PARSED)
		return rc;
	*json = g.json;
	*argc -= g.optind;
	*argv += g.optind;
	return TOOL_PARSED;
}

int
tool_getopt_once(const struct tool_cmd *cmd, const char **slot, const char *arg,
		 const char *what)
{
	if (*slot != NULL)
		return tool_usage(cmd->name, "%s given twice", what);
	*slot = arg;
	return 0;
}

/* Writes text, each "\n" followed by indent blanks. */
static void
put_indented(FILE *f, const char *text, int indent)
{
	const char *nl;

	while ((nl = strchr(text, '\n')) != NULL) {
		fprintf(f, "%.*s\n%*s", (int)(nl - text), text, indent, "");
		text = nl + 1;
	}
	fputs(text, f);
}

/* One option's line(s): "  -o, --output FILE" and its help. */
static void
help_option(FILE *f, const struct tool_opt *o)
{
	char left[128];
	int n;

	if (o->name == NULL)
		n = snprintf(left, sizeof(left), "%s", o->arg);
	else if (o->letter != 0)
		n = snprintf(left, sizeof(left), "-%c, --%s%s%s", o->letter,
			     o->name, o->arg ? " " : "", o->arg ? o->arg : "");
	else
		n = snprintf(left, sizeof(left), "--%s%s%s", o->name,
			     o->arg ? " " : "", o->arg ? o->arg : "");
	if (n + 2 > HELP_COLUMN - 2)
		fprintf(f, "  %s\n%*s", left, HELP_COLUMN, "");
	else
		fprintf(f, "  %-*s", HELP_COLUMN - 2, left);
	put_indented(f, o->help, HELP_COLUMN);
	fputc('\n', f);
}

void
tool_cmd_help(const struct tool_cmd *cmd, FILE *f)
{
	const struct tool_opt *o;

	fputs("usage: ", f);
	put_indented(f, cmd->synopsis, 7);
	fputc('\n', f);
	if (cmd->about != NULL)
		fprintf(f, "\n%s\n", cmd->about);
	fputc('\n', f);
	for (o = cmd->opts; o->name != NULL || o->arg != NULL; o++)
		if (o->help != NULL)
			help_option(f, o);
	if (cmd->tail != NULL)
		fprintf(f, "\n%s\n", cmd->tail);
}

void
tool_commands_usage(FILE *f, const struct tool_command *cmds, size_t n,
		    int width, const char *tail)
{
	size_t i;

	fprintf(f,
		"usage: %s COMMAND [OPTION]... [ARG]...\n"
		"       %s --help | --version\n\n"
		"Commands:\n",
		tool_prog, tool_prog);
	for (i = 0; i < n; i++)
		fprintf(f, "  %-*s %s\n", width, cmds[i].name, cmds[i].summary);
	fputs(tail, f);
}

int
tool_commands_find(const struct tool_command **out,
		   const struct tool_command *cmds, size_t n, int argc,
		   char **argv, void (*usage)(FILE *f))
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("%s (cleanroom) %s\n", tool_prog, CR_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < n; i++)
		if (strcmp(argv[1], cmds[i].name) == 0) {
			*out = &cmds[i];
			return -1;
		}
	tool_warn("unknown command '%s'; try '%s --help'", argv[1], tool_prog);
	return EXIT_ERROR;
}

/* ---- option values ---------------------------------------------------- */

long long
tool_parse_number(const char *s, long long max)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	return v;
}
