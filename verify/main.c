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
#include "opts.h"
#include "tool.h"

static const struct tool_command cmds[] = {
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
	tool_commands_usage(f, cmds, sizeof(cmds) / sizeof(cmds[0]), 9,
			    "\n'verify COMMAND --help' describes a command; "
			    "man verify has the details.\n"
			    "Exit status: 0 every check held, 1 a check does "
			    "not hold, 2 no answer could be reached.\n");
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
	const struct tool_command *c;
	int rc;

	tool_prog = "verify";
	if ((rc = tool_commands_find(&c, cmds, sizeof(cmds) / sizeof(cmds[0]),
				     argc, argv, usage)) >= 0)
		return rc;
	return c->fn ? c->fn(argc - 1, argv + 1) : run_build_part(argv + 1);
}
