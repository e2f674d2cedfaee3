/* attest keygen: make a signing key pair, PREFIX.key (private, 0600) and PREFIX.pub. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "signer.h"
#include "tool.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: attest keygen [--algorithm ed25519|p256] [--json] [-q] "
		"-o PREFIX\n\n"
		"Makes a signing key pair: PREFIX.key, the private key (PKCS#8 "
		"PEM, mode\n"
		"0600; keep it secret) and PREFIX.pub, the public key (SPKI "
		"PEM) to give to\n"
		"verifiers. Existing files are never overwritten.\n\n"
		"  -a, --algorithm ALG  ed25519 (default) or p256 (ECDSA "
		"P-256, SHA-256)\n"
		"  -o, --output PREFIX  where to write PREFIX.key and "
		"PREFIX.pub\n"
		"      --json           print {\"keyid\", \"algorithm\", "
		"\"key\", \"pub\"} instead\n"
		"  -q, --quiet          no notes on stderr\n"
		"  -h, --help           this help\n\n"
		"Output: one line on stdout, \"KEYID  PREFIX.pub\": the key "
		"id (64 hex, the\n"
		"SHA-256 of the public key's DER SubjectPublicKeyInfo) is the "
		"first token.\n"
		"Exit status: 0 done, 2 error (usage, a file exists, I/O).\n");
}

int
cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"algorithm", required_argument, NULL, 'a'},
		{"output", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cr_privkey *key = NULL;
	char *keypath = NULL, *pubpath = NULL;
	const char *prefix = NULL, *algname = NULL;
	enum cr_key_alg alg = CR_KEY_ED25519;
	int c, json = 0, quiet = 0, err, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":a:o:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (algname != NULL)
				return tool_usage("keygen", "--algorithm given "
							    "twice");
			algname = optarg;
			break;
		case 'o':
			if (prefix != NULL)
				return tool_usage("keygen", "-o given twice");
			prefix = optarg;
			break;
		case 'j':
			if (json++)
				return tool_usage("keygen", "--json given "
							    "twice");
			break;
		case 'q':
			if (quiet++)
				return tool_usage("keygen", "-q given twice");
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case ':':
			return tool_usage("keygen", "option '%s' needs a value",
					  argv[optind - 1]);
		default:
			return tool_usage("keygen", "unknown option '%s'",
					  argv[optind - 1]);
		}
	}
	if (optind < argc)
		return tool_usage("keygen", "unexpected argument '%s'",
				  argv[optind]);
	if (prefix == NULL || prefix[0] == '\0')
		return tool_usage("keygen", "-o PREFIX is required");
	if (algname != NULL) {
		if (strcmp(algname, "ed25519") == 0)
			alg = CR_KEY_ED25519;
		else if (strcmp(algname, "p256") == 0)
			alg = CR_KEY_P256;
		else
			return tool_usage("keygen",
					  "unknown algorithm '%s' (want "
					  "ed25519 or p256)",
					  algname);
	}
	tool_quiet = quiet;

	if (asprintf(&keypath, "%s.key", prefix) < 0 ||
	    asprintf(&pubpath, "%s.pub", prefix) < 0) {
		keypath = pubpath = NULL;
		tool_warn("keygen: out of memory");
		ret = EXIT_ERROR;
		goto done;
	}
	if ((err = cr_privkey_generate(&key, alg)) < 0 ||
	    (err = cr_privkey_save(key, prefix)) < 0) {
		ret = tool_report(err);
		goto done;
	}
	if (json) {
		printf("{\"keyid\":\"%s\",\"algorithm\":\"%s\",\"key\":",
		       key->keyid, cr_key_alg_name(alg));
		tool_json_string(stdout, keypath);
		printf(",\"pub\":");
		tool_json_string(stdout, pubpath);
		printf("}\n");
	} else {
		printf("%s  %s\n", key->keyid, pubpath);
	}
	if (!tool_quiet)
		fprintf(stderr,
			"%s: wrote %s (private: keep it secret) and %s "
			"(%s)\n",
			tool_prog, keypath, pubpath, cr_key_alg_name(alg));
	ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
done:
	cr_privkey_free(key);
	free(keypath);
	free(pubpath);
	return ret;
}
