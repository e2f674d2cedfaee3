/* attest: build, hash and sign source trees and their artifacts. */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "passphrase.h"
#include "tool.h"

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
} cmds[] = {
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
	size_t i;

	fprintf(f, "usage: attest COMMAND [OPTION]... [ARG]...\n"
		   "       attest --help | --version\n\n"
		   "Commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f, "\n'attest COMMAND --help' describes a command; "
		   "man attest has the details.\n"
		   "Exit status: 0 done, 1 the build or check failed, "
		   "2 error.\n");
}

int
main(int argc, char **argv)
{
	size_t i;

	tool_prog = "attest";
	passphrase_install();
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("attest (cleanroom) %s\n", CR_VERSION);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	tool_warn("unknown command '%s'; try 'attest --help'", argv[1]);
	return EXIT_ERROR;
}
