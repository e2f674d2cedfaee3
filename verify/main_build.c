/*
 * verify-build: the verify commands that build or take binaries apart
 * (rebuild, diff, root). `verify` runs it for them; it links lib/build and
 * lib/diff, which `verify`'s own commands never reach.
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "tool.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
} cmds[] = {
	{"rebuild", cmd_rebuild},
	{"diff", cmd_diff},
	{"root", cmd_root},
};

int
main(int argc, char **argv)
{
	size_t i;

	tool_prog = "verify";
	for (i = 0; argc >= 2 && i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: verify-build rebuild|diff|root [OPTION]... "
			"[ARG]...\n(run by 'verify'; see 'verify --help')\n");
	return EXIT_ERROR;
}
