/* verify: check binaries, source trees and logs against signed attestations. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "tool.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
	{"artifact", cmd_artifact,
	 "check files against attestations and trusted keys"},
	{"source", cmd_source, "check a source tree against an attestation"},
	{"rebuild", cmd_rebuild,
	 "rebuild reviewed source and compare with shipped files"},
	{"diff", cmd_diff, "explain how two files differ"},
	{"root", cmd_root,
	 "check a build root, or the .debs it is made from, against an "
	 "attestation"},
	{"log", cmd_log,
	 "check inclusion or consistency proofs of a transparency log"},
};

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: verify COMMAND [OPTION]... [ARG]...\n"
		   "       verify --help | --version\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-9s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'verify COMMAND --help' describes a command; "
		   "man verify has the details.\n"
		   "Exit status: 0 every check held, 1 a check does not hold, "
		   "2 no answer could be reached.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	tool_prog = "verify";
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("verify (cleanroom) %s\n", CR_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	tool_warn("unknown command '%s'; try 'verify --help'", argv[1]);
	return EXIT_ERROR;
}
