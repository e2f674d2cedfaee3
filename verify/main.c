/*
 * verify: check binaries, source trees and logs against signed attestations.
 *
 * This program links lib/check and lib/base alone: what `verify artifact`,
 * `verify source` and `verify log` run is all a regulator has to audit for
 * them. The commands that build or take binaries apart (rebuild, diff, root)
 * are verify-build, a second program run from here with the same arguments
 * (run_build_part()).
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
 * Runs verify-build with argv (argv[0] the command). Only two files are
 * ever run: the one built beside this program in its build tree, when this
 * program is the one built there (its directory, as /proc/self/exe names
 * it, is CR_HELPER_BUILD_DIR), else the installed one (CR_HELPER_INSTALLED,
 * under the prefix's libexecdir). Never a file that merely sits next to a
 * copy of verify, never one found through PATH.
 */
static int
run_build_part(char **argv)
{
	char self[PATH_MAX], dir[PATH_MAX], path[PATH_MAX + 16], *slash;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self));
	if (n <= 0 || (size_t)n >= sizeof(self)) {
		tool_warn("/proc/self/exe: %s",
			  n <= 0 ? strerror(errno) : "path too long");
		return EXIT_ERROR;
	}
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL) {
		tool_warn("/proc/self/exe: not an absolute path");
		return EXIT_ERROR;
	}
	*slash = '\0';
	if (realpath(CR_HELPER_BUILD_DIR, dir) != NULL &&
	    strcmp(dir, self) == 0)
		snprintf(path, sizeof(path), "%s/verify-build", dir);
	else
		snprintf(path, sizeof(path), "%s", CR_HELPER_INSTALLED);
	argv[-1] = "verify-build";
	execv(path, argv - 1);
	tool_warn("%s: needs verify-build: %s: %s", argv[0], path,
		  strerror(errno));
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
