/* attest root create: a bit-reproducible Debian root and its ROOT.json. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "root.h"
#include "tool.h"
#include "tree.h"
#include "util.h"

static const char usage_text[] =
	"usage: attest root create --suite SUITE [--snapshot TIMESTAMP] [--mirror URL]\n"
	"                          [--include PKG[,PKG]...] [--variant NAME]\n"
	"                          [--architecture ARCH] [--debs DIR] [--cache DIR]\n"
	"                          [--keyring FILE] [--json] [-q] -o ROOT.tar\n"
	"\n"
	"Makes a Debian root filesystem with mmdebstrap that two machines make\n"
	"byte for byte alike: SOURCE_DATE_EPOCH from the snapshot, else from the\n"
	"Date of the archive's signed InRelease; /etc/resolv.conf, /etc/hostname\n"
	"and apt's sources left out. Every installed package is checked against\n"
	"the archive's signature (InRelease -> Packages -> .deb). Writes ROOT.tar\n"
	"and, next to it, ROOT.json (the recipe and every package with version,\n"
	"architecture and .deb SHA-256), and prints the root's tree hash.\n"
	"\n"
	"  --suite SUITE           the Debian suite (bookworm)\n"
	"  --snapshot TIMESTAMP    the archive state, YYYYMMDDTHHMMSSZ: recorded, and\n"
	"                          SOURCE_DATE_EPOCH is taken from it\n"
	"  --mirror URL            the Debian mirror (default: the one apt uses)\n"
	"  --include PKG[,PKG]...  more packages (repeatable)\n"
	"  --variant NAME          mmdebstrap's variant (default minbase)\n"
	"  --architecture ARCH     the Debian architecture (default the host's)\n"
	"  --debs DIR              keep the .debs, InRelease and Packages in DIR as a\n"
	"                          file:// mirror, with a copy of ROOT.json, for\n"
	"                          'verify root --debs'\n"
	"  --cache DIR             reuse and keep downloaded .debs in DIR\n"
	"  --keyring FILE          the archive keyring (default\n"
	"                          /usr/share/keyrings/debian-archive-keyring.gpg)\n"
	"  --json                  print one JSON object: the root, its tree hash,\n"
	"                          packages, SOURCE_DATE_EPOCH and ROOT.json\n"
	"  -o, --output ROOT.tar   the root, an uncompressed tar\n"
	"  -q, --quiet             no progress\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 made, 1 a package fails the archive's signature chain,\n"
	"2 error.\n";

static int
once(const char **slot, const char *opt, const char *val)
{
	if (*slot != NULL)
		return tool_usage("root create", "%s given twice", opt);
	*slot = val;
	return 0;
}

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

static int
cmd_root_create(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"suite", required_argument, NULL, 's'},
		{"snapshot", required_argument, NULL, 'S'},
		{"mirror", required_argument, NULL, 'm'},
		{"include", required_argument, NULL, 'i'},
		{"variant", required_argument, NULL, 'V'},
		{"architecture", required_argument, NULL, 'A'},
		{"debs", required_argument, NULL, 'd'},
		{"cache", required_argument, NULL, 'c'},
		{"keyring", required_argument, NULL, 'K'},
		{"output", required_argument, NULL, 'o'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cr_root_recipe r = {0};
	struct cr_root_create_opts o = {0};
	struct cr_root_manifest *m = NULL;
	const char *suite = NULL, *snapshot = NULL, *mirror = NULL;
	const char *variant = NULL, *arch = NULL;
	char *jname = NULL, path[4096], id[CR_TREE_IDLEN + 1];
	int c, rc = 0, err = CR_OK, json = 0;
	int64_t t;

	r.source_date_epoch = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			rc = once(&suite, "--suite", optarg);
			break;
		case 'S':
			rc = once(&snapshot, "--snapshot", optarg);
			break;
		case 'm':
			rc = once(&mirror, "--mirror", optarg);
			break;
		case 'V':
			rc = once(&variant, "--variant", optarg);
			break;
		case 'A':
			rc = once(&arch, "--architecture", optarg);
			break;
		case 'i':
			rc = add_include(&r, optarg);
			break;
		case 'd':
			rc = once(&o.debs, "--debs", optarg);
			break;
		case 'c':
			rc = once(&o.cache, "--cache", optarg);
			break;
		case 'K':
			rc = once(&o.keyring, "--keyring", optarg);
			break;
		case 'o':
			rc = once(&o.output, "-o", optarg);
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			goto out;
		default:
			rc = tool_usage("root create", "unknown option");
		}
		if (rc)
			goto out;
	}
	if (optind < argc) {
		rc = tool_usage("root create", "unexpected argument '%s'",
				argv[optind]);
		goto out;
	}
	if (suite == NULL || o.output == NULL) {
		rc = tool_usage("root create", "--suite and -o are required");
		goto out;
	}
	if (strlen(o.output) < 5 ||
	    strcmp(o.output + strlen(o.output) - 4, ".tar") != 0) {
		rc = tool_usage("root create", "-o: the root is a .tar file");
		goto out;
	}
	if (snapshot != NULL && cr_root_snapshot_time(&t, snapshot) < 0) {
		rc = tool_usage("root create", "--snapshot: %s",
				cr_error_last());
		goto out;
	}
	r.suite = (char *)suite;
	r.snapshot = (char *)snapshot;
	r.mirror = (char *)mirror;
	r.variant = (char *)variant;
	r.arch = (char *)arch;
	o.recipe = &r;
	o.progress = tool_progress_line;
	if ((err = cr_root_create(&m, &o)) < 0)
		goto done;
	tool_progress_done();
	if ((jname = json_name(o.output)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if ((err = cr_root_manifest_write(m, jname)) < 0)
		goto done;
	if (o.debs != NULL) {
		snprintf(path, sizeof(path), "%s/ROOT.json", o.debs);
		if ((err = cr_root_manifest_write(m, path)) < 0)
			goto done;
	}
	cr_tree_format_id(id, m->tree);
	if (json) {
		tool_json_print(json_pack(
			"{s:o, s:s, s:I, s:I, s:o}", "root",
			tool_json_str(o.output), "tree", id, "packages",
			(json_int_t)m->npkgs, "sourceDateEpoch",
			(json_int_t)m->recipe.source_date_epoch, "manifest",
			tool_json_str(jname)));
		goto done;
	}
	printf("%s  %s\n", id + 11, o.output);
	if (!tool_quiet)
		fprintf(stderr,
			"attest: %s: %s, %zu packages, SOURCE_DATE_EPOCH=%lld; "
			"manifest %s\n",
			o.output, id, m->npkgs,
			(long long)m->recipe.source_date_epoch, jname);
done:
	tool_progress_done();
	free(jname);
	cr_root_manifest_free(m);
	r.suite = r.snapshot = r.mirror = r.variant = r.arch = NULL;
	cr_root_recipe_clear(&r);
	return err < 0 ? tool_report(err) : EXIT_OK;
out:
	r.suite = r.snapshot = r.mirror = r.variant = r.arch = NULL;
	cr_root_recipe_clear(&r);
	return rc;
}

int
cmd_root(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "create") == 0)
		return cmd_root_create(argc - 1, argv + 1);
	if (argc >= 2 &&
	    (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	return tool_usage("root", "give a subcommand: create");
}
