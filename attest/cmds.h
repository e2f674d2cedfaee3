/* attest's subcommands, one file each. */
#ifndef ATTEST_CMDS_H
#define ATTEST_CMDS_H

int cmd_keygen(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_disclose(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_root(int argc, char **argv);

struct cr_tree;
struct cr_source_info;

/*
 * Reports an archive export or disclose wrote to out: a line of text, or
 * with json one object (tree, commit, output with its SHA-256 and size,
 * files, and with disclosed != (size_t)-1 the files disclosed). Returns
 * a core status: reading out back may fail.
 */
int export_report(const char *out, const struct cr_tree *tree,
		  const struct cr_source_info *info, size_t disclosed,
		  int json);

#include <stddef.h>

#include "source.h"

struct tool_cmd;

/* The option table of export and disclose, -o's help being output. */
#define EXPORT_OPTS(output)                                                 \
	{"git", 0, "REPO", "the git repository", 'G'},                      \
		{"rev", 0, "REV", "the revision (default HEAD)", 'r'},      \
		{"output", 'o', "FILE", output, 'o'},                       \
		TOOL_OPT_JSON_ENTRY("print one JSON object: tree, commit, " \
				    "output,\n"                             \
				    "its SHA-256 and size, files"),         \
		TOOL_OPT_QUIET_ENTRY("print nothing but errors"),           \
		TOOL_OPT_HELP_ENTRY("show this help"), TOOL_OPT_END

/* The options of export and disclose. */
struct export_args {
	struct tool_source src;
	const char *out;
	int json;
	char **operands;
	size_t noperands;
};

/*
 * Parses export's or disclose's options (cmd being either): --git, --rev,
 * -o, --json, -q. With operands 0, none may follow. TOOL_PARSED, or the
 * exit code after the usage or help was printed.
 */
int export_parse(struct export_args *a, const struct tool_cmd *cmd, int argc,
		 char **argv, int operands);

#endif
