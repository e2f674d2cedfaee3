/* attest root create: a bit-reproducible Debian root and its ROOT.json. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "opts.h"
#include "root.h"
#include "tool.h"
#include "build_log.h"
#include "tree.h"
#include "util.h"

static const struct tool_opt options[] = {
	{"suite", 0, "SUITE", "the Debian suite (bookworm)", 's'},
	{"snapshot", 0, "TIMESTAMP",
	 "the archive state, YYYYMMDDTHHMMSSZ: recorded, and\n"
	 "SOURCE_DATE_EPOCH is taken from it",
	 'S'},
	{"mirror", 0, "URL", "the Debian mirror (default: the one apt uses)",
	 'm'},
	{"include", 0, "PKG[,PKG]...", "more packages (repeatable)", 'i'},
	{"variant", 0, "NAME", "mmdebstrap's variant (default minbase)", 'V'},
	{"architecture", 0, "ARCH",
	 "the Debian architecture (default the host's)", 'A'},
	{"debs", 0, "DIR",
	 "keep the .debs, InRelease and Packages in DIR as a\n"
	 "file:// mirror, with a copy of ROOT.json, for\n"
	 "'verify root --debs'",
	 'd'},
	{"cache", 0, "DIR", "reuse and keep downloaded .debs in DIR", 'c'},
	{"keyring", 0, "FILE",
	 "the archive keyring (default\n"
	 "/usr/share/keyrings/debian-archive-keyring.gpg)",
	 'K'},
	TOOL_OPT_JSON_ENTRY("print one JSON object: the root, its tree hash,\n"
			    "packages, SOURCE_DATE_EPOCH and ROOT.json"),
	{"output", 'o', "ROOT.tar", "the root, an uncompressed tar", 'o'},
	TOOL_OPT_QUIET_ENTRY("no progress"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"root create",
	"attest root create --suite SUITE [--snapshot TIMESTAMP] [--mirror "
	"URL]\n"
	"                   [--include PKG[,PKG]...] [--variant NAME]\n"
	"                   [--architecture ARCH] [--debs DIR] [--cache DIR]\n"
	"                   [--keyring FILE] [--json] [-q] -o ROOT.tar",
	"Makes a Debian root filesystem with mmdebstrap that two machines "
	"make\n"
	"byte for byte alike: SOURCE_DATE_EPOCH from the snapshot, else from "
	"the\n"
	"Date of the archive's signed InRelease; /etc/resolv.conf, "
	"/etc/hostname\n"
	"and apt's sources left out. Every installed package is checked "
	"against\n"
	"the archive's signature (InRelease -> Packages -> .deb). Writes "
	"ROOT.tar\n"
	"and, next to it, ROOT.json (the recipe and every package with "
	"version,\n"
	"architecture and .deb SHA-256), and prints the root's tree hash.",
	options,
	"Exit status: 0 made, 1 a package fails the archive's signature "
	"chain,\n"
	"2 error.",
	0,
};

/* Splits "a,b" into the include list. */
static int
add_include(struct cr_root_recipe *r, const char *arg)
{
	char *copy, *p, *save = NULL, **n;

	if ((copy = strdup(arg)) == NULL)
		return tool_report(cr_error_set("out of memory"));
	for (p = strtok_r(copy, ",", &save); p;
	     p = strtok_r(NULL, ",", &save)) {
		if (r->ninclude >= CR_ROOT_MAX_INCLUDE) {
			free(copy);
			return tool_usage("root create", "too many --include");
		}
		if ((n = realloc(r->include, (r->ninclude + 1) * sizeof(*n))) ==
			    NULL ||
		    (n[r->ninclude] = strdup(p)) == NULL) {
			if (n != NULL)
				r->include = n;
			free(copy);
			return tool_report(cr_error_set("out of memory"));
		}
		r->include = n;
		r->ninclude++;
	}
	free(copy);
	return 0;
}

/* ROOT.tar -> ROOT.json */
static char *
json_name(const char *tar)
{
	size_t n = strlen(tar);
	char *s = malloc(n + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, tar, n - 4);
	strcpy(s + n - 4, ".json");
	return s;
}

/* What the command line asks: the recipe and where the root goes. */
struct create_opts {
	struct cr_root_recipe r;
	struct cr_root_create_opts o;
	const char *suite, *snapshot, *mirror, *variant, *arch;
	int json;
};

/* One option into c: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct create_opts *c = ctx;
	switch (id) {
	case 's':
		return tool_getopt_once(&command, &c->suite, arg, "--suite");
	case 'S':
		return tool_getopt_once(&command, &c->snapshot, arg,
					"--snapshot");
	case 'm':
		return tool_getopt_once(&command, &c->mirror, arg, "--mirror");
	case 'V':
		return tool_getopt_once(&command, &c->variant, arg,
					"--variant");
	case 'A':
		return tool_getopt_once(&command, &c->arch, arg,
					"--architecture");
	case 'i':
		return add_include(&c->r, arg);
	case 'd':
		return tool_getopt_once(&command, &c->o.debs, arg, "--debs");
	case 'c':
		return tool_getopt_once(&command, &c->o.cache, arg, "--cache");
	case 'K':
		return tool_getopt_once(&command, &c->o.keyring, arg,
					"--keyring");
	default: /* 'o' */
		return tool_getopt_once(&command, &c->o.output, arg, "-o");
	}
}

/* argv to c: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct create_opts *c, int argc, char **argv)
{
	struct tool_getopt g;
	const char *out;
	int rc;
	int64_t t;

	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    c)) != TOOL_PARSED)
		return rc;
	c->json = g.json;
	if (g.optind < argc)
		return tool_usage("root create", "unexpected argument '%s'",
				  argv[g.optind]);
	if (c->suite == NULL || (out = c->o.output) == NULL)
		return tool_usage("root create", "--suite and -o are required");
	if (strlen(out) < 5 || strcmp(out + strlen(out) - 4, ".tar") != 0)
		return tool_usage("root create", "-o: the root is a .tar file");
	if (c->snapshot != NULL && cr_root_snapshot_time(&t, c->snapshot) < 0)
		return tool_usage("root create", "--snapshot: %s",
				  cr_error_last());
	return TOOL_PARSED;
}

/* Makes the root and writes ROOT.json (and a copy into --debs). */
static int
run(struct cr_root_manifest **m, char **jname, struct create_opts *c)
{
	char path[4096];
	int err;

	c->r.suite = (char *)c->suite;
	c->r.snapshot = (char *)c->snapshot;
	c->r.mirror = (char *)c->mirror;
	c->r.variant = (char *)c->variant;
	c->r.arch = (char *)c->arch;
	c->o.recipe = &c->r;
	c->o.progress = tool_progress_line;
	if ((err = cr_root_create(m, &c->o)) < 0)
		return err;
	tool_progress_done();
	if ((*jname = json_name(c->o.output)) == NULL)
		return cr_error_set("out of memory");
	if ((err = cr_root_manifest_write(*m, *jname)) < 0)
		return err;
	if (c->o.debs != NULL) {
		snprintf(path, sizeof(path), "%s/ROOT.json", c->o.debs);
		if ((err = cr_root_manifest_write(*m, path)) < 0)
			return err;
	}
	return CR_OK;
}

/* The root's tree hash, as text or JSON. */
static void
report(const struct create_opts *c, const struct cr_root_manifest *m,
       const char *jname)
{
	char id[CR_TREE_IDLEN + 1];

	cr_tree_format_id(id, m->tree);
	if (c->json) {
		tool_json_print(json_pack(
			"{s:o, s:s, s:I, s:I, s:o}", "root",
			tool_json_str(c->o.output), "tree", id, "packages",
			(json_int_t)m->npkgs, "sourceDateEpoch",
			(json_int_t)m->recipe.source_date_epoch, "manifest",
			tool_json_str(jname)));
		return;
	}
	printf("%s  %s\n", id + 11, c->o.output);
	if (!tool_quiet)
		fprintf(stderr,
			"attest: %s: %s, %zu packages, SOURCE_DATE_EPOCH=%lld; "
			"manifest %s\n",
			c->o.output, id, m->npkgs,
			(long long)m->recipe.source_date_epoch, jname);
}

static int
cmd_root_create(int argc, char **argv)
{
	struct create_opts c = {0};
	struct cr_root_manifest *m = NULL;
	char *jname = NULL;
	int rc, err;

	c.r.source_date_epoch = -1;
	if ((rc = parse(&c, argc, argv)) == TOOL_PARSED) {
		if ((err = run(&m, &jname, &c)) == CR_OK)
			report(&c, m, jname);
		tool_progress_done();
		rc = err < 0 ? tool_report(err) : EXIT_OK;
	}
	free(jname);
	cr_root_manifest_free(m);
	/* The recipe's strings are argv's, not its own. */
	c.r.suite = c.r.snapshot = c.r.mirror = c.r.variant = c.r.arch = NULL;
	cr_root_recipe_clear(&c.r);
	return rc;
}

int
cmd_root(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return cmd_root_create(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		tool_cmd_help(&command, stdout);
		return EXIT_OK;
	}
	return tool_usage("root", "give a subcommand: create");
}
