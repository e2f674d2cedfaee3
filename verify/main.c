/*
 * verify: check binaries, source trees and logs against signed attestations.
 *
 * This program links lib/check and lib/base alone: what `verify artifact`,
 * `verify source` and `verify log` run is all a regulator has to audit for
 * them. The commands that build or take binaries apart (rebuild, diff, root)
 * are verify-build, a second program run from here with the same arguments.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
	{"rebuild", NULL,
	 "rebuild reviewed source and compare with shipped files"},
	{"diff", NULL, "explain how two files differ"},
	{"root", NULL,
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

/*
 * Runs verify-build with argv (argv[0] the command): it lies next to this
 * program (the build tree, or installed side by side) or in
 * ../libexec/cleanroom from it, found through /proc/self/exe, never $PATH.
 */
static int
run_build_part(char **argv)
{
	static const char *const where[] = {
		"verify-build", "../libexec/cleanroom/verify-build"};
	char self[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n;
	size_t i;
	int e = ENOENT;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		tool_warn("/proc/self/exe: %s", strerror(errno));
		return EXIT_ERROR;
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL) {
		tool_warn("/proc/self/exe: not an absolute path");
		return EXIT_ERROR;
	}
	*slash = '\0';
	for (i = 0; i < sizeof(where) / sizeof(where[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", self, where[i]);
		if (access(path, X_OK) != 0) {
			e = errno == ENOENT ? e : errno;
			continue;
		}
		argv[-1] = "verify-build";
		execv(path, argv - 1);
		e = errno;
	}
	tool_warn("%s: needs verify-build, which is not in %s nor in "
		  "%s/../libexec/cleanroom: %s",
		  argv[0], self, self, strerror(e));
	return EXIT_ERROR;
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
			return cmds[i].fn ? cmds[i].fn(argc - 1, argv + 1)
					  : run_build_part(argv + 1);
	tool_warn("unknown command '%s'; try 'verify --help'", argv[1]);
	return EXIT_ERROR;
}
