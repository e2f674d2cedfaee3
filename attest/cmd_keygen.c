/* attest keygen: make a signing key pair, PREFIX.key (private, 0600) and PREFIX.pub. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "opts.h"
#include "signer.h"
#include "tool.h"

enum { OPT_ALGORITHM = 1, OPT_OUTPUT, OPT_JSON, OPT_QUIET };

static const struct tool_opt options[] = {
	{"algorithm", 'a', "ALG",
	 "ed25519 (default) or p256 (ECDSA P-256, SHA-256)", OPT_ALGORITHM},
	{"output", 'o', "PREFIX", "where to write PREFIX.key and PREFIX.pub",
	 OPT_OUTPUT},
	{"json", 0, NULL,
	 "print {\"keyid\", \"algorithm\", \"key\", \"pub\"} "
	 "instead",
	 OPT_JSON},
	{"quiet", 'q', NULL, "no notes on stderr", OPT_QUIET},
	TOOL_OPT_HELP_ENTRY("this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"keygen",
	"attest keygen [--algorithm ed25519|p256] [--json] [-q] -o PREFIX",
	"Makes a signing key pair: PREFIX.key, the private key (PKCS#8 PEM, "
	"mode\n"
	"0600; keep it secret) and PREFIX.pub, the public key (SPKI PEM) to "
	"give to\n"
	"verifiers. Existing files are never overwritten.",
	options,
	"Output: one line on stdout, \"KEYID  PREFIX.pub\": the key id (64 "
	"hex, the\n"
	"SHA-256 of the public key's DER SubjectPublicKeyInfo) is the first "
	"token.\n"
	"Exit status: 0 done, 2 error (usage, a file exists, I/O).",
	0,
};

struct keygen_opts {
	const char *prefix, *algname;
	enum cr_key_alg alg;
	int json, quiet;
};

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct keygen_opts *o = ctx;

	switch (id) {
	case OPT_ALGORITHM:
		return tool_getopt_once(&command, &o->algname, arg,
					"--algorithm");
	case OPT_OUTPUT:
		return tool_getopt_once(&command, &o->prefix, arg, "-o");
	case OPT_JSON:
		return o->json++ ? tool_usage("keygen", "--json given twice")
				 : 0;
	default: /* OPT_QUIET */
		return o->quiet++ ? tool_usage("keygen", "-q given twice") : 0;
	}
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct keygen_opts *o, int argc, char **argv)
{
	struct tool_getopt g;
	int rc;

	o->alg = CR_KEY_ED25519;
	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    o)) != TOOL_PARSED)
		return rc;
	if (g.optind < argc)
		return tool_usage("keygen", "unexpected argument '%s'",
				  argv[g.optind]);
	if (o->prefix == NULL || o->prefix[0] == '\0')
		return tool_usage("keygen", "-o PREFIX is required");
	if (o->algname != NULL) {
		if (strcmp(o->algname, "ed25519") == 0)
			o->alg = CR_KEY_ED25519;
		else if (strcmp(o->algname, "p256") == 0)
			o->alg = CR_KEY_P256;
		else
			return tool_usage("keygen",
					  "unknown algorithm '%s' (want "
					  "ed25519 or p256)",
					  o->algname);
	}
	return TOOL_PARSED;
}

/* Prints the key id and the files written, as text or JSON. */
static int
report(const struct keygen_opts *o, const struct cr_privkey *key,
       const char *keypath, const char *pubpath)
{
	if (o->json) {
		printf("{\"keyid\":\"%s\",\"algorithm\":\"%s\",\"key\":",
		       key->keyid, cr_key_alg_name(o->alg));
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
			tool_prog, keypath, pubpath, cr_key_alg_name(o->alg));
	return fflush(stdout) == 0 ? EXIT_OK : EXIT_ERROR;
}

int
cmd_keygen(int argc, char **argv)
{
	struct keygen_opts o = {0};
	struct cr_privkey *key = NULL;
	char *keypath = NULL, *pubpath = NULL;
	int err, ret;

	if ((ret = parse(&o, argc, argv)) != TOOL_PARSED)
		return ret;
	tool_quiet = o.quiet;
	if (asprintf(&keypath, "%s.key", o.prefix) < 0 ||
	    asprintf(&pubpath, "%s.pub", o.prefix) < 0) {
		keypath = pubpath = NULL;
		tool_warn("keygen: out of memory");
		ret = EXIT_ERROR;
		goto done;
	}
	if ((err = cr_privkey_generate(&key, o.alg)) < 0 ||
	    (err = cr_privkey_save(key, o.prefix)) < 0) {
		ret = tool_report(err);
		goto done;
	}
	ret = report(&o, key, keypath, pubpath);
done:
	cr_privkey_free(key);
	free(keypath);
	free(pubpath);
	return ret;
}
