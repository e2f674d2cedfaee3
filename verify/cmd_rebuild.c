/* verify rebuild: rebuild the reviewed source and compare with what was attested and shipped. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "cmds.h"
#include "diff.h"
#include "error.h"
#include "root.h"
#include "source.h"
#include "tool.h"
#include "toolchain_diff.h"
#include "trust.h"
#include "util.h"

static const char usage_text[] =
	"usage: verify rebuild -a ATTESTATION -k PUB [--keep DIR]\n"
	"                      [--root DIR|ROOT.tar] [--root-cache DIR]\n"
	"                      [--strip-components N]\n"
	"                      [--trust-recipe]\n"
	"                      [--timeout SECONDS] [--max-size SIZE] [--json] [-q]\n"
	"                      (SOURCE | --git REPO [--rev REV]) [SHIPPED]...\n"
	"\n"
	"Checks the attestation's signature and that SOURCE (a directory or a\n"
	"source archive) or the committed tree of REPO is the attested tree,\n"
	"rebuilds it in the sandbox with the recorded recipe, and compares each\n"
	"rebuilt artifact with the attested digest and with each SHIPPED file of\n"
	"the same name. For each, it says identical, or different and why: the\n"
	"members, ELF sections and bytes that differ and the leaks they show. The\n"
	"environment is checked first: the --root given against the root the\n"
	"statement records (tree hash, then every package from the root's dpkg\n"
	"status), or the host's toolchain against the recorded one for a host\n"
	"build; a statement that records a root rebuilt without --root is\n"
	"rebuilt on the host, and that is environment drift. One verdict line\n"
	"ends the report.\n"
	"\n"
	"The recipe is the reviewed tree's cleanroom.json when the statement\n"
	"says so (never the statement's copy; a statement that recorded another\n"
	"one fails). A recipe that was given on the command line is not part of\n"
	"the reviewed source: it is shown in full and replayed only with\n"
	"--trust-recipe. Every attested subject must be rebuilt, same name, same\n"
	"digest: those of every trusted statement in the input, each of which\n"
	"must name this tree.\n"
	"\n"
	"  -a, --attestation FILE  the attestation of an 'attest build'\n"
	"  --bundle FILE           a Sigstore bundle v0.3 (.sigstore.json), as -a\n"
	"  -k, --key PUB           a trusted public key (SPKI PEM)\n"
	"  --git REPO [--rev REV]  rebuild the committed tree of REPO\n"
	"  --strip-components N    drop N leading path parts of archive members\n"
	"  --keep DIR              keep the rebuilt artifacts and the log\n"
	"                          (DIR/rebuild.log, also when the build fails)\n"
	"  --timeout SECONDS       kill the whole build after SECONDS, collecting\n"
	"                          its artifacts included (default 3600; exit 2)\n"
	"  --max-size SIZE         the bytes all artifacts may hold together (K,\n"
	"                          M, G, T: powers of 1024; default 8G; exit 2)\n"
	"  --root DIR|ROOT.tar     the build's root filesystem (default: host's);\n"
	"                          when cleanroom.json names a root, its\n"
	"                          ROOT.json must say it is made as it asks\n"
	"  --root-cache DIR        the root cleanroom.json names, made there by\n"
	"                          attest root create or reused (default:\n"
	"                          $CLEANROOM_ROOT_CACHE)\n"
	"  --trust-recipe          replay a recipe given on the vendor's command\n"
	"                          line, after reading it\n"
	"  --json                  print a machine-readable report\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 every artifact matches (in the attested environment, or\n"
	"despite environment drift), 1 one differs in the attested environment\n"
	"(or the source is not the attested one, or a SHIPPED file is not the\n"
	"reproduced artifact), 2 inconclusive: artifacts differ and so does the\n"
	"environment; or it could not rebuild (the recipe failed or timed out,\n"
	"an artifact is not a regular file...).\n";

/* The recipe is another party's: an hour unless --timeout says otherwise. */
#define CR_REBUILD_DEFAULT_TIMEOUT 3600u

/* The end of a failed rebuild's log, escaped, and where the whole log is. */
static void
print_log_tail(const struct cr_build *b, const char *keep)
{
	const char *p, *start = b->log_tail;
	char *esc;
	int lines = 0;

	for (p = b->log_tail + strlen(b->log_tail); p > b->log_tail; p--)
		if (p[-1] == '\n' && ++lines > 20) {
			start = p;
			break;
		}
	fprintf(stderr, "%s: the rebuild's last lines:\n", tool_prog);
	if ((esc = tool_escape(start, TOOL_ESC_NEWLINES)) != NULL) {
		fputs(esc, stderr);
		if (*esc && esc[strlen(esc) - 1] != '\n')
			fputc('\n', stderr);
		free(esc);
	}
	if (keep != NULL && b->log_path != NULL)
		fprintf(stderr, "%s: the whole log: %s\n", tool_prog,
			tool_name(b->log_path));
	else
		fprintf(stderr, "%s: --keep DIR keeps the whole log\n",
			tool_prog);
}

static const char *
base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* The environment of the rebuild against the one the statement records. */
struct env {
	int same;    /* the attested environment */
	int has_rec; /* the statement records a root */
	struct cr_root_record rec;
	int has_host; /* the statement records its host's package set */
	const struct cr_root *given; /* --root, or NULL */
	struct cr_root_pkg *host;    /* the host's packages, when compared */
	size_t nhost;
	struct cr_root_drift *drift; /* by package */
	size_t ndrift;
	const struct cr_toolchain_diff *tools;
};

static void
env_free(struct env *e)
{
	cr_root_record_clear(&e->rec);
	cr_root_pkgs_free(e->host, e->nhost);
	cr_root_drift_free(e->drift, e->ndrift);
}

static int
env_check(struct env *e, const struct cr_statement *statement,
	  const struct cr_root *given, const struct cr_toolchain_diff *tools)
{
	int err;

	e->given = given;
	e->tools = tools;
	if ((err = cr_root_record_get(&e->rec, &e->has_rec, statement)) < 0)
		return err;
	if (e->has_rec && given != NULL) {
		e->same = memcmp(e->rec.tree, given->tree, CR_SHA256_LEN) == 0;
		if (!e->same && e->rec.has_pkgs)
			return cr_root_drift_list(&e->drift, &e->ndrift,
						  e->rec.pkgs, e->rec.npkgs,
						  given->pkgs, given->npkgs);
		return CR_OK;
	}
	if (!e->has_rec && (err = cr_root_host_record_get(&e->rec, &e->has_host,
							  statement)) < 0)
		return err;
	if (e->has_host) {
		/* Built on its host: that package set against this one. */
		if (given == NULL &&
		    (err = cr_root_installed(&e->host, &e->nhost, "/")) < 0)
			return err;
		if ((err = cr_root_drift_list(
			     &e->drift, &e->ndrift, e->rec.pkgs, e->rec.npkgs,
			     given ? given->pkgs : e->host,
			     given ? given->npkgs : e->nhost)) < 0)
			return err;
		e->same = e->ndrift == 0 && tools != NULL &&
			  tools->compared > 0 && tools->count == 0;
		return CR_OK;
	}
	if (e->has_rec) {
		/* Rebuilt on the host: its packages are the drift. */
		e->same = 0;
		if (!e->rec.has_pkgs)
			return CR_OK;
		if ((err = cr_root_installed(&e->host, &e->nhost, "/")) < 0)
			return err;
		return cr_root_drift_list(&e->drift, &e->ndrift, e->rec.pkgs,
					  e->rec.npkgs, e->host, e->nhost);
	}
	/* A host build: its recorded toolchain is the environment. */
	e->same = given == NULL && tools != NULL && tools->compared > 0 &&
		  tools->count == 0;
	return CR_OK;
}

static size_t
env_ntools(const struct env *e)
{
	return !e->has_rec && e->tools ? e->tools->count : 0;
}

static size_t
env_ndrift(const struct env *e)
{
	return e->ndrift + env_ntools(e);
}

/* The i-th drift's name: a package, or a tool's package, or the tool. */
static const char *
env_drift_name(const struct env *e, size_t i)
{
	const struct cr_toolchain_change *c;

	if (i < e->ndrift)
		return e->drift[i].package;
	c = &e->tools->changes[i - e->ndrift];
	return c->package ? c->package : c->tool;
}

static void
env_print(const struct env *e)
{
	char a[CR_TREE_IDLEN + 1], g[CR_TREE_IDLEN + 1];
	size_t i;

	if (e->has_rec)
		cr_tree_format_id(a, e->rec.tree);
	if (e->given != NULL)
		cr_tree_format_id(g, e->given->tree);
	if (e->has_rec && e->given != NULL && e->same)
		printf("root %s: the attested root\n", g);
	else if (e->has_rec && e->given != NULL)
		printf("root %s: NOT the attested root %s\n", g, a);
	else if (e->has_rec)
		printf("root: none given; the statement records root %s: "
		       "rebuilt on the host instead\n",
		       a);
	else if (e->given != NULL)
		printf("root %s: the statement records a build on its host, "
		       "not in a root\n",
		       g);
	if (e->has_host && e->ndrift == 0)
		printf("host packages: the %zu attested packages, the same "
		       "versions here\n",
		       e->rec.npkgs);
	else if (e->has_host)
		printf("host packages: DIFFER from the attested host's %zu "
		       "(%zu package%s):\n",
		       e->rec.npkgs, e->ndrift, e->ndrift == 1 ? "" : "s");
	if (!e->has_rec && !e->has_host)
		return;
	if (!e->has_host && !e->same && !e->rec.has_pkgs)
		printf("  the statement lists no packages of its root\n");
	else if (!e->has_host && !e->same && e->ndrift == 0)
		printf("  every package is the attested version: files of "
		       "the root were changed\n");
	for (i = 0; i < e->ndrift; i++)
		printf("  drift %s:%s  attested %s, here %s\n",
		       tool_name(e->drift[i].package),
		       tool_name(e->drift[i].arch),
		       e->drift[i].attested ? tool_name(e->drift[i].attested)
					    : "(none)",
		       e->drift[i].here ? tool_name(e->drift[i].here)
					: "(none)");
}

static json_t *
env_json(const struct env *e)
{
	char a[CR_TREE_IDLEN + 1], g[CR_TREE_IDLEN + 1];
	json_t *o, *d = json_array();
	size_t i;

	if (e->has_rec)
		cr_tree_format_id(a, e->rec.tree);
	if (e->given != NULL)
		cr_tree_format_id(g, e->given->tree);
	for (i = 0; d && i < e->ndrift; i++)
		json_array_append_new(
			d,
			json_pack("{s:o, s:o, s:o?, s:o?}", "package",
				  tool_json_str(e->drift[i].package),
				  "architecture",
				  tool_json_str(e->drift[i].arch), "attested",
				  e->drift[i].attested
					  ? tool_json_str(e->drift[i].attested)
					  : NULL,
				  "here",
				  e->drift[i].here
					  ? tool_json_str(e->drift[i].here)
					  : NULL));
	for (i = 0; d && i < env_ntools(e); i++) {
		const struct cr_toolchain_change *c = &e->tools->changes[i];

		json_array_append_new(
			d, json_pack("{s:o, s:o, s:s, s:o, s:o}", "package",
				     tool_json_str(c->package ? c->package
							      : c->tool),
				     "file", tool_json_str(c->tool), "field",
				     c->field, "attested",
				     tool_json_str(c->recorded), "here",
				     tool_json_str(c->local)));
	}
	o = json_pack("{s:s?, s:s?, s:b}", "attested", e->has_rec ? a : NULL,
		      "given", e->given ? g : NULL, "same", e->same);
	if (o != NULL && e->has_host)
		json_object_set_new(o, "hostPackages",
				    json_integer((json_int_t)e->rec.npkgs));
	return json_pack("{s:o, s:o}", "root", o, "drift", d);
}

/* The verdict line of the SPEC's table, and the exit status it gives. */
static int
env_verdict(char *buf, size_t n, const struct env *e, int rebuilt_differs,
	    int shipped_differs)
{
	char names[256] = "";
	size_t i, nd = env_ndrift(e), len = 0, nu = 0;

	for (i = 0; i < nd && len < sizeof(names) - 1; i++) {
		const char *p = env_drift_name(e, i);
		size_t k;

		/* Each package once, however many of its files differ. */
		for (k = 0; k < i; k++)
			if (strcmp(env_drift_name(e, k), p) == 0)
				break;
		if (k < i)
			continue;
		nu++;
		len += (size_t)snprintf(names + len, sizeof(names) - len,
					"%s%s", len ? ", " : "", p);
	}
	if (len >= sizeof(names) - 1)
		memcpy(names + sizeof(names) - 5, "...", 4);
	if (!rebuilt_differs && shipped_differs) {
		snprintf(buf, n,
			 "NOT reproduced: a shipped file is not the "
			 "rebuilt artifact");
		return EXIT_FAIL;
	}
	if (e->same && !rebuilt_differs) {
		snprintf(buf, n, "reproduced in the attested environment");
		return EXIT_OK;
	}
	if (e->same) {
		snprintf(buf, n, "NOT reproduced in the attested environment");
		return EXIT_FAIL;
	}
	if (!rebuilt_differs) {
		snprintf(buf, n,
			 "reproduced despite environment drift (%zu: %s)", nu,
			 nd ? names : "no package differs");
		return EXIT_OK;
	}
	snprintf(buf, n,
		 "inconclusive: the environment differs (%zu: %s); rebuild "
		 "in the attested root",
		 nu, nd ? names : "no package differs");
	return EXIT_ERROR;
}

/* The trusted statement of a sandboxed build naming the source's tree. */
static const struct cr_checked *
pick_statement(const struct trust *t, const unsigned char *root, int *any)
{
	size_t i;

	*any = 0;
	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *c = &t->set.items[i];

		if (c->status != CR_OK || !c->st->has_tree)
			continue;
		*any = 1;
		if (memcmp(c->st->tree, root, CR_SHA256_LEN) == 0)
			return c;
	}
	return NULL;
}

/* Rebuilt artifact vs the shipped file: identical, or explained. */
static int
compare_shipped(json_t *jart, const char *rebuilt, const char *label,
		const char *shipped,
		const unsigned char rebuilt_sha[CR_SHA256_LEN], int json,
		int *differs)
{
	struct cr_diff_report *rep = NULL;
	struct cr_diff_opts dopts = {0};
	unsigned char sha[CR_SHA256_LEN];
	char verdict[1024], *text;
	static const char *paths[] = {"/build/src", "/build/home"};
	int err;

	if ((err = cr_sha256_file(sha, shipped)) < 0)
		return err;
	if (memcmp(sha, rebuilt_sha, CR_SHA256_LEN) == 0) {
		if (json)
			json_object_set_new(jart, "shipped",
					    json_pack("{s:o, s:s}", "file",
						      tool_json_str(shipped),
						      "result", "identical"));
		else if (!tool_quiet)
			printf("  shipped %s: identical\n", tool_name(shipped));
		return CR_OK;
	}
	*differs = 1;
	dopts.build_paths = paths;
	dopts.nbuild_paths = 2;
	{
		int fa = open(rebuilt, O_RDONLY | O_CLOEXEC);
		int fb = open(shipped, O_RDONLY | O_CLOEXEC);

		if (fa < 0 || fb < 0)
			err = cr_error_errno("%s", fa < 0 ? rebuilt : shipped);
		else
			err = cr_diff_fds(&rep, fa, label, fb, shipped, &dopts);
		if (fa >= 0)
			close(fa);
		if (fb >= 0)
			close(fb);
	}
	if (err == CR_ERROR)
		return err;
	if (json) {
		json_object_set_new(jart, "shipped",
				    json_pack("{s:o, s:s, s:o}", "file",
					      tool_json_str(shipped), "result",
					      "different", "diff",
					      cr_diff_json(rep)));
	} else if (!tool_quiet) {
		if ((err = cr_diff_text(&text, rep, 0)) < 0) {
			cr_diff_report_free(rep);
			return err;
		}
		printf("  shipped %s: DIFFERENT from the rebuild\n",
		       tool_name(shipped));
		fputs(text, stdout);
		free(text);
	}
	cr_diff_verdict(verdict, sizeof(verdict), rep);
	tool_warn("%s: differs from the rebuild: %s", shipped, verdict);
	cr_diff_report_free(rep);
	return CR_OK;
}

int
cmd_rebuild(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"attestation", required_argument, NULL, 'a'},
		{"bundle", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"strip-components", required_argument, NULL, 's'},
		{"keep", required_argument, NULL, 'K'},
		{"root", required_argument, NULL, 'R'},
		{"root-cache", required_argument, NULL, 'C'},
		{"timeout", required_argument, NULL, 'W'},
		{"max-size", required_argument, NULL, 'Z'},
		{"trust-recipe", no_argument, NULL, 'U'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct trust t = {0};
	struct tool_source src = {0};
	struct cr_source_info info;
	struct cr_tree *tree = NULL;
	struct cr_recipe *recipe = NULL, *shown = NULL;
	struct cr_build *b = NULL;
	struct cr_build_source bs;
	struct cr_build_opts bo = {0};
	struct cr_toolchain_diff *tdiff = NULL;
	const struct cr_checked *att;
	const char *keep = NULL, *root = NULL, *root_cache = NULL;
	char outdir_tmp[4096], *outdir = NULL;
	const char *tmp = getenv("TMPDIR");
	char hex[CR_SHA256_HEXLEN + 1], ahex[CR_SHA256_HEXLEN + 1];
	char id[CR_TREE_IDLEN + 1], path[4096], label[4200];
	json_t *report = NULL, *arts = NULL, *jart;
	char **shipped = NULL;
	size_t nshipped = 0, i, j, k;
	unsigned char *used = NULL;
	int c, rc, json = 0, err = CR_OK, any, differs = 0, firstpos;
	long long timeout = -1;
	uint64_t max_size = 0;
	int reported = 0; /* the failure was already printed */
	int trust_recipe = 0;
	int shipped_differs = 0, verdict_rc = -1;
	char verdict[512];
	struct cr_root *rootfs = NULL;
	struct cr_resource *rootdep = NULL;
	json_t *envj;
	struct env env;

	memset(&env, 0, sizeof(env));
	optind = 1;
	while ((c = getopt_long(argc, argv, "a:k:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if ((rc = trust_add_attestation(&t, "rebuild", optarg)))
				return rc;
			break;
		case 'b':
			if ((rc = trust_add_bundle(&t, "rebuild", optarg)))
				return rc;
			break;
		case 'k':
			if ((rc = trust_add_key(&t, "rebuild", optarg)))
				return rc;
			break;
		case 'K':
			if (keep)
				return tool_usage("rebuild",
						  "--keep given twice");
			keep = optarg;
			break;
		case 'R':
			if (root)
				return tool_usage("rebuild",
						  "--root given twice");
			root = optarg;
			break;
		case 'C':
			if (root_cache)
				return tool_usage("rebuild",
						  "--root-cache given twice");
			root_cache = optarg;
			break;
		case 'W':
			if (timeout >= 0 ||
			    (timeout = tool_parse_number(optarg, 31536000)) < 1)
				return tool_usage("rebuild",
						  "--timeout: 1 to 31536000 "
						  "seconds, once");
			break;
		case 'Z':
			if (max_size != 0 ||
			    (max_size = tool_parse_size(optarg)) == 0)
				return tool_usage("rebuild",
						  "--max-size: a size in bytes "
						  "(K, M, G, T), once");
			break;
		case 'U':
			trust_recipe = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			rc = tool_source_option(&src, "rebuild", c, optarg);
			if (rc < 0)
				return tool_usage("rebuild", "unknown option");
			if (rc > 0)
				return rc;
			break;
		}
	}
	if ((rc = trust_check_usage(&t, "rebuild")) != 0)
		return rc;
	firstpos = optind;
	if (src.kind == NULL) {
		if (optind >= argc)
			return tool_usage("rebuild", "no SOURCE given");
		if ((rc = tool_source_set(&src, "rebuild", "path",
					  argv[optind])))
			return rc;
		firstpos++;
	}
	if ((rc = tool_source_check(&src, "rebuild", 1)) != 0)
		return rc;
	shipped = argv + firstpos;
	nshipped = (size_t)(argc - firstpos);

	src.clean_worktree = 1;
	src.checkout_time = 1;
	if ((err = trust_load(&t)) < 0 ||
	    (err = tool_source_hash(&tree, &info, &src)) < 0)
		goto done;
	tool_progress_done();
	cr_tree_format_id(id, tree->root);
	if ((att = pick_statement(&t, tree->root, &any)) == NULL) {
		err = any ? cr_error_fail("%s: source tree %s is not the "
					  "attested one; nothing rebuilt",
					  src.path, id)
			  : cr_error_fail("no attestation signed by a trusted "
					  "key names a source tree");
		goto done;
	}
	if (strcmp(src.kind, "path") == 0) {
		struct stat st;

		if (stat(src.path, &st) < 0) {
			err = cr_error_errno("%s", src.path);
			goto done;
		}
		src.kind = S_ISDIR(st.st_mode) ? "directory" : "archive";
	}
	bs.kind = src.kind;
	bs.path = src.path;
	bs.strip_components = src.strip_components;
	bs.tree = tree;
	bs.info = &info;

	/* The reviewed tree's recipe, or one shown in full and trusted. */
	snprintf(path, sizeof(path), "%s:%u", att->file, att->line);
	err = cr_recipe_for_replay(&recipe, &shown, att->st, &bs, trust_recipe,
				   path);
	if (shown != NULL && !shown->from_tree && !json && !tool_quiet) {
		char *text = cr_recipe_describe(shown);

		if (text != NULL)
			printf("%s", text);
		free(text);
	}
	if (err < 0 && shown != NULL && !shown->from_tree && json) {
		/* What was refused, for a script to show its user. */
		report = json_pack("{s:s, s:s, s:o, s:s}", "command", "rebuild",
				   "result", "untrusted-recipe", "recipe",
				   cr_recipe_json(shown), "reason",
				   cr_error_last());
		tool_json_print(report);
		report = NULL;
	}
	if (err < 0)
		goto done;

	/* The environment is named before anything is built. */
	if (recipe->root != NULL) {
		/* The root the reviewed recipe names, and no other. */
		if (root_cache == NULL)
			root_cache = getenv("CLEANROOM_ROOT_CACHE");
		snprintf(path, sizeof(path), "%s: %s", src.path,
			 CR_RECIPE_FILE);
		if ((err = cr_root_for_recipe(
			     &rootfs, recipe->root, root, root_cache, path,
			     json ? NULL : tool_progress_line, NULL)) < 0)
			goto done;
		tool_progress_done();
		if ((rootdep = cr_root_dependency(rootfs)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
	} else if (root != NULL) {
		struct cr_tree_opts topts = {0};

		topts.skip_special = 1;
		if ((err = cr_root_open(&rootfs, root, &topts)) < 0 ||
		    (err = cr_root_describe(rootfs, root)) < 0)
			goto done;
		if ((rootdep = cr_root_dependency(rootfs)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
	}
	if ((err = cr_toolchain_compare(&tdiff, att->st,
					rootfs ? rootfs->dir : NULL)) < 0 ||
	    (err = env_check(&env, att->st, rootfs, tdiff)) < 0)
		goto done;
	if (keep != NULL) {
		if (mkdir(keep, 0755) < 0 && access(keep, W_OK) < 0) {
			err = cr_error_errno("%s", keep);
			goto done;
		}
		outdir = (char *)keep;
	} else if (snprintf(outdir_tmp, sizeof(outdir_tmp),
			    "%s/cleanroom-rebuild.XXXXXX",
			    tmp && *tmp ? tmp : "/tmp") < 0 ||
		   (outdir = mkdtemp(outdir_tmp)) == NULL) {
		err = cr_error_errno("%s", outdir_tmp);
		goto done;
	}
	bo.output_dir = outdir;
	bo.root = rootfs ? rootfs->dir : NULL;
	bo.root_dependency = rootdep;
	bo.log_name = "rebuild.log";
	bo.progress = json ? NULL : tool_progress_line;
	/* The recipe is another party's code: it never runs unbounded. */
	bo.timeout = timeout > 0 ? (unsigned int)timeout
				 : CR_REBUILD_DEFAULT_TIMEOUT;
	bo.max_size = max_size;
	if (!tool_quiet && !json)
		fprintf(stderr, "%s: rebuilding %s in the sandbox\n", tool_prog,
			id);
	err = cr_build_run(&b, recipe, &bs, &bo);
	tool_progress_done();
	if (err < 0 && b != NULL) {
		/* The one-line reason, then the log's end, escaped. */
		if (b->timed_out)
			tool_warn("could not rebuild: %s", cr_error_last());
		else
			tool_warn("could not rebuild: the recorded command "
				  "failed (exit status %d)",
				  b->exit_status);
		print_log_tail(b, keep);
		reported = 1;
		err = CR_ERROR;
		goto done;
	}
	if (err == CR_EFAIL) {
		char why[4096];

		snprintf(why, sizeof(why), "%s", cr_error_last());
		err = cr_error_set("could not rebuild: %s", why);
	}
	if (err < 0)
		goto done;

	if ((used = calloc(nshipped + 1, 1)) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	if (json) {
		report = json_object();
		arts = json_array();
		json_object_set_new(report, "command", json_string("rebuild"));
		json_object_set_new(report, "source", json_string(id));
		json_object_set_new(report, "attestation",
				    json_pack("{s:o, s:i}", "file",
					      tool_json_str(att->file), "line",
					      (int)att->line));
		json_object_set_new(report, "toolchain",
				    cr_toolchain_diff_json(tdiff));
		json_object_update(report, envj = env_json(&env));
		json_decref(envj);
		json_object_set_new(report, "recipe", cr_recipe_json(recipe));
		json_object_set_new(report, "recipeTrusted",
				    json_boolean(!recipe->from_tree));
		json_object_set_new(report, "attestations", trust_json(&t));
		json_object_set(report, "artifacts", arts);
		json_decref(arts);
	} else if (!tool_quiet) {
		char *tctext;

		if ((err = cr_toolchain_diff_text(&tctext, tdiff)) < 0)
			goto done;
		trust_print_rejected(&t);
		printf("source %s: the attested tree [%s:%u]\n", id,
		       tool_name(att->file), att->line);
		fputs(tctext, stdout);
		free(tctext);
		env_print(&env);
		if (recipe->from_tree) {
			char *text = cr_recipe_describe(recipe);

			if (text != NULL)
				printf("%s", text);
			free(text);
		}
	}
	for (i = 0; i < b->nartifacts; i++) {
		const struct cr_artifact *a = &b->artifacts[i];
		const struct cr_subject *s = NULL;
		int same;

		for (j = 0; j < att->st->nsubjects; j++)
			if (strcmp(att->st->subjects[j].name, a->name) == 0)
				s = &att->st->subjects[j];
		cr_hex_encode(hex, a->sha256, CR_SHA256_LEN);
		same = s && memcmp(s->sha256, a->sha256, CR_SHA256_LEN) == 0;
		if (s)
			cr_hex_encode(ahex, s->sha256, CR_SHA256_LEN);
		if (!same)
			differs = 1;
		jart = NULL;
		if (json) {
			jart = json_pack("{s:o, s:s, s:s}", "name",
					 tool_json_str(a->name), "rebuilt", hex,
					 "result",
					 same ? "identical" : "different");
			if (s)
				json_object_set_new(jart, "attested",
						    json_string(ahex));
			json_array_append_new(arts, jart);
		} else if (!tool_quiet) {
			printf("%s  %s  rebuilt sha256:%s\n",
			       same ? "OK  " : "FAIL", tool_name(a->name), hex);
			if (!s)
				printf("  not among the attested subjects\n");
			else if (!same)
				printf("  attested sha256:%s: the rebuild "
				       "differs%s\n",
				       ahex,
				       cr_toolchain_diff_count(tdiff)
					       ? " (the toolchain differs, "
						 "see above)"
					       : "");
		}
		if (!same)
			tool_warn("%s: the rebuild does not give the attested "
				  "digest",
				  a->name);
		for (j = 0; j < nshipped; j++) {
			if (strcmp(base_name(shipped[j]), base_name(a->name)))
				continue;
			used[j] = 1;
			snprintf(path, sizeof(path), "%s/%s", outdir, a->name);
			snprintf(label, sizeof(label), "rebuilt:%s", a->name);
			if ((err = compare_shipped(jart, path, label,
						   shipped[j], a->sha256, json,
						   &shipped_differs)) < 0)
				goto done;
		}
	}
	/* Every attested subject must have been made again. */
	for (j = 0; j < att->st->nsubjects; j++) {
		const struct cr_subject *s = &att->st->subjects[j];

		for (i = 0; i < b->nartifacts; i++)
			if (strcmp(b->artifacts[i].name, s->name) == 0)
				break;
		if (i < b->nartifacts)
			continue;
		differs = 1;
		cr_hex_encode(ahex, s->sha256, CR_SHA256_LEN);
		if (json)
			json_array_append_new(
				arts,
				json_pack("{s:o, s:s, s:s}", "name",
					  tool_json_str(s->name), "attested",
					  ahex, "result", "not rebuilt"));
		else if (!tool_quiet)
			printf("FAIL  %s  attested sha256:%s: the rebuild did "
			       "not make it\n",
			       tool_name(s->name), ahex);
		tool_warn("%s: an attested subject the rebuild did not make",
			  s->name);
	}
	/*
	 * Every other trusted statement in the input is checked too: one
	 * that names this tree must attest only what the rebuild made (an
	 * honest build statement beside a signed backdoor for the same
	 * tree would otherwise pass here and give the backdoor to
	 * customers); one that names another tree was not rebuilt, and
	 * exit 0 is not given on what was not.
	 */
	for (k = 0; k < t.set.count; k++) {
		const struct cr_checked *o = &t.set.items[k];

		if (o == att || o->status != CR_OK)
			continue;
		if (!o->st->has_tree ||
		    memcmp(o->st->tree, tree->root, CR_SHA256_LEN) != 0) {
			differs = 1;
			if (json)
				json_array_append_new(
					arts, json_pack("{s:o, s:i, s:s}",
							"attestation",
							tool_json_str(o->file),
							"line", (int)o->line,
							"result",
							"another source tree"));
			else if (!tool_quiet)
				printf("FAIL  %s:%u: a trusted statement of "
				       "another source tree, not rebuilt "
				       "here\n",
				       tool_name(o->file), o->line);
			tool_warn("%s:%u: a trusted statement of another "
				  "source tree; give each rebuild only its own",
				  o->file, o->line);
			continue;
		}
		for (j = 0; j < o->st->nsubjects; j++) {
			const struct cr_subject *s = &o->st->subjects[j];

			for (i = 0; i < b->nartifacts; i++)
				if (strcmp(b->artifacts[i].name, s->name) ==
					    0 &&
				    memcmp(b->artifacts[i].sha256, s->sha256,
					   CR_SHA256_LEN) == 0)
					break;
			if (i < b->nartifacts)
				continue;
			differs = 1;
			cr_hex_encode(ahex, s->sha256, CR_SHA256_LEN);
			if (json)
				json_array_append_new(
					arts,
					json_pack(
						"{s:o, s:s, s:s, s:o, s:i}",
						"name", tool_json_str(s->name),
						"attested", ahex, "result",
						"not reproduced", "attestation",
						tool_json_str(o->file), "line",
						(int)o->line));
			else if (!tool_quiet)
				printf("FAIL  %s  attested sha256:%s [%s:%u]: "
				       "the rebuild did not make these "
				       "bytes\n",
				       tool_name(s->name), ahex,
				       tool_name(o->file), o->line);
			tool_warn("%s:%u: %s: also attested for this tree, "
				  "and not what the rebuild made",
				  o->file, o->line, s->name);
		}
	}
	for (j = 0; j < nshipped; j++)
		if (!used[j]) {
			shipped_differs = 1;
			tool_warn("%s: no rebuilt artifact has this name",
				  shipped[j]);
		}
	verdict_rc = env_verdict(verdict, sizeof(verdict), &env, differs,
				 shipped_differs);
	if (json) {
		json_object_set_new(report, "result",
				    json_string(verdict_rc == EXIT_OK ? "ok"
						: verdict_rc == EXIT_FAIL
							? "fail"
							: "inconclusive"));
		json_object_set_new(report, "verdict", json_string(verdict));
		tool_json_print(report);
		report = NULL;
	} else if (!tool_quiet) {
		printf("verdict: %s\n", verdict);
	}
	if (verdict_rc != EXIT_OK)
		tool_warn("%s", verdict);
	if (!recipe->from_tree && !tool_quiet && !json)
		printf("note: rebuilt with a recipe given on the vendor's "
		       "command line, trusted by --trust-recipe, not "
		       "reviewed with the source\n");
	if (keep != NULL && !tool_quiet && !json)
		printf("rebuilt artifacts kept in %s\n", tool_name(keep));
done:
	json_decref(report);
	if (outdir != NULL && keep == NULL)
		cr_rmtree(outdir);
	free(used);
	cr_toolchain_diff_free(tdiff);
	env_free(&env);
	cr_resources_free(rootdep, 1);
	cr_root_close(rootfs);
	cr_build_free(b);
	cr_recipe_free(recipe);
	cr_recipe_free(shown);
	cr_tree_free(tree);
	trust_free(&t);
	if (err == CR_OK && verdict_rc >= 0)
		return verdict_rc;
	if (reported)
		return EXIT_ERROR;
	return err < 0 ? tool_report(err) : EXIT_OK;
}
