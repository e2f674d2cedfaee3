/* attest: build, hash and sign source trees and their artifacts. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "opts.h"
#include "passphrase.h"
#include "tool.h"

static const struct tool_command cmds[] = {
	{"keygen", cmd_keygen, "make a signing key pair"},
	{"hash", cmd_hash,
	 "print the source tree hash of a directory, archive or commit"},
	{"sign", cmd_sign, "sign a statement for artifacts built elsewhere"},
	{"build", cmd_build,
	 "build in the sealed sandbox and sign what was made"},
	{"export", cmd_export,
	 "write a deterministic source archive of a commit"},
	{"disclose", cmd_disclose,
	 "write a selective-disclosure bundle of some files"},
	{"log", cmd_log, "run a transparency log (init, add, prove, witness)"},
	{"root", cmd_root,
	 "make a bit-reproducible Debian root (create) and its ROOT.json"},
};

static void
usage(FILE *f)
{
	tool_commands_usage(f, cmds, sizeof(cmds) / sizeof(cmds[0]), 8,
			    "\n'attest COMMAND --help' describes a command; "
			    "man attest has the details.\n"
			    "Exit status: 0 done, 1 the build or check failed, "
			    "2 error.\n");
}

int
main(int argc, char **argv)
{
	const struct tool_command *c;
	int rc;

	tool_prog = "attest";
	passphrase_install();
	if ((rc = tool_commands_find(&c, cmds, sizeof(cmds) / sizeof(cmds[0]),
				     argc, argv, usage)) >= 0)
		return rc;
	return c->fn(argc - 1, argv + 1);
}
