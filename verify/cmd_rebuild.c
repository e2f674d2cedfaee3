/* verify rebuild: rebuild the reviewed source and compare with what was attested and shipped. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build.h"
#include "cmds.h"
#include "diff.h"
#include "error.h"
#include "opts.h"
#include "opts_build.h"
#include "recipe_build.h"
#include "root.h"
#include "source.h"
#include "tool.h"
#include "build_log.h"
#include "toolchain_diff.h"
#include "trust.h"
#include "util.h"
#include "write.h"

enum {
	OPT_KEEP = 0x100,
	OPT_ROOT,
	OPT_ROOT_CACHE,
	OPT_TIMEOUT,
	OPT_MAX_SIZE,
	OPT_TRUST_RECIPE,
};

static const struct tool_opt options[] = {
	TRUST_OPT_ATTESTATION("the attestation of an 'attest build'"),
	TRUST_OPT_BUNDLE,
	TRUST_OPT_KEY,
	{NULL, 0, "--git REPO [--rev REV]",
	 "rebuild the committed tree of REPO", 0},
	{"git", 0, "REPO", NULL, 'G'},
	{"rev", 0, "REV", NULL, 'r'},
	{"strip-components", 0, "N",
	 "drop N leading path parts of archive members", 's'},
	{"keep", 0, "DIR",
	 "keep the rebuilt artifacts and the log\n"
	 "(DIR/rebuild.log, also when the build fails)",
	 OPT_KEEP},
	{"timeout", 0, "SECONDS",
	 "kill the whole build after SECONDS, collecting\n"
	 "its artifacts included (default 3600; exit 2)",
	 OPT_TIMEOUT},
	{"max-size", 0, "SIZE",
	 "the bytes all artifacts may hold together (K,\n"
	 "M, G, T: powers of 1024; default 8G; exit 2)",
	 OPT_MAX_SIZE},
	{"root", 0, "DIR|ROOT.tar",
	 "the build's root filesystem (default: host's);\n"
	 "when cleanroom.json names a root, its\n"
	 "ROOT.json must say it is made as it asks",
	 OPT_ROOT},
	{"root-cache", 0, "DIR",
	 "the root cleanroom.json names, made there by\n"
	 "attest root create or reused (default:\n"
	 "$CLEANROOM_ROOT_CACHE)",
	 OPT_ROOT_CACHE},
	{"trust-recipe", 0, NULL,
	 "replay a recipe given on the vendor's command\n"
	 "line, after reading it",
	 OPT_TRUST_RECIPE},
	TOOL_OPT_JSON_ENTRY("print a machine-readable report"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"rebuild",
	"verify rebuild -a ATTESTATION -k PUB [--keep DIR]\n"
	"               [--root DIR|ROOT.tar] [--root-cache DIR]\n"
	"               [--strip-components N]\n"
	"               [--trust-recipe]\n"
	"               [--timeout SECONDS] [--max-size SIZE] [--json] [-q]\n"
	"               (SOURCE | --git REPO [--rev REV]) [SHIPPED]...",
	"Checks the attestation's signature and that SOURCE (a directory or "
	"a\n"
	"source archive) or the committed tree of REPO is the attested tree,\n"
	"rebuilds it in the sandbox with the recorded recipe, and compares "
	"each\n"
	"rebuilt artifact with the attested digest and with each SHIPPED file "
	"of\n"
	"the same name. For each, it says identical, or different and why: "
	"the\n"
	"members, ELF sections and bytes that differ and the leaks they show. "
	"The\n"
	"environment is checked first: the --root given against the root "
	"the\n"
	"statement records (tree hash, then every package from the root's "
	"dpkg\n"
	"status), or the host's toolchain against the recorded one for a "
	"host\n"
	"build; a statement that records a root rebuilt without --root is\n"
	"rebuilt on the host, and that is environment drift. One verdict "
	"line\n"
	"ends the report.\n"
	"\n"
	"The recipe is the reviewed tree's cleanroom.json when the statement\n"
	"says so (never the statement's copy; a statement that recorded "
	"another\n"
	"one fails). A recipe that was given on the command line is not part "
	"of\n"
	"the reviewed source: it is shown in full and replayed only with\n"
	"--trust-recipe. Every attested subject must be rebuilt, same name, "
	"same\n"
	"digest: those of every trusted statement in the input, each of "
	"which\n"
	"must name this tree.",
	options,
	"Exit status: 0 every artifact matches (in the attested environment, "
	"or\n"
	"despite environment drift), 1 one differs in the attested "
	"environment\n"
	"(or the source is not the attested one, or a SHIPPED file is not "
	"the\n"
	"reproduced artifact), 2 inconclusive: artifacts differ and so does "
	"the\n"
	"environment; or it could not rebuild (the recipe failed or timed "
	"out,\n"
	"an artifact is not a regular file...).",
	0,
};

/* The recipe is another party's: an hour unless --timeout says otherwise. */
#define CR_REBUILD_DEFAULT_TIMEOUT 3600u

/* The end of a failed rebuild's log, escaped, and where the whole log is. */
static void
print_log_tail(const struct cr_build *b, const char *keep)
{
	tool_log_tail(b->log_tail, "rebuild");
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

/* A SHIPPED file against the rebuilt artifact of its name. */
struct shipped {
	const char *file;
	struct cr_diff_report *rep; /* NULL: identical */
	char *text;		    /* the difference, for the text report */
	int done;		    /* compared: identical or explained */
};

/* What one line of the report's artifacts says. */
enum line_kind {
	LINE_REBUILT,	     /* a rebuilt artifact against its subject */
	LINE_NOT_REBUILT,    /* a subject the rebuild did not make */
	LINE_NOT_REPRODUCED, /* another statement's subject, other bytes */
	LINE_OTHER_TREE,     /* a trusted statement of another tree */
};

/* One line of the report's artifacts, and the SHIPPED files of its name. */
struct line {
	enum line_kind kind;
	const char *name; /* the artifact or subject */
	int same;	  /* rebuilt: the attested digest */
	int attested;	  /* rebuilt: among the attested subjects */
	char hex[CR_SHA256_HEXLEN + 1];	 /* the rebuilt digest */
	char ahex[CR_SHA256_HEXLEN + 1]; /* the attested digest */
	const struct cr_checked *c;	 /* the other statement */
	struct shipped *shipped;
	size_t nshipped;
};

/* Rebuilt artifact vs the shipped file: identical, or explained. */
static int
compare_shipped(struct shipped *out, const char *rebuilt, const char *label,
		const char *shipped,
		const unsigned char rebuilt_sha[CR_SHA256_LEN], int text,
		int *differs)
{
	struct cr_diff_opts dopts = {0};
	unsigned char sha[CR_SHA256_LEN];
	char verdict[1024];
	static const char *paths[] = {"/build/src", "/build/home"};
	int err, fa, fb;

	out->file = shipped;
	if ((err = cr_sha256_file(sha, shipped)) < 0)
		return err;
	if (memcmp(sha, rebuilt_sha, CR_SHA256_LEN) == 0) {
		out->done = 1;
		return CR_OK;
	}
	*differs = 1;
	dopts.build_paths = paths;
	dopts.nbuild_paths = 2;
	fa = open(rebuilt, O_RDONLY | O_CLOEXEC);
	fb = open(shipped, O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fb < 0)
		err = cr_error_errno("%s", fa < 0 ? rebuilt : shipped);
	else
		err = cr_diff_fds(&out->rep, fa, label, fb, shipped, &dopts);
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	if (err == CR_ERROR ||
	    (text && (err = cr_diff_text(&out->text, out->rep, 0)) < 0))
		return err;
	out->done = 1;
	cr_diff_verdict(verdict, sizeof(verdict), out->rep);
	tool_warn("%s: differs from the rebuild: %s", shipped, verdict);
	return CR_OK;
}

/* What the command line asks. */
struct rebuild_opts {
	struct trust t;
	struct tool_source src;
	const char *keep, *root, *root_cache;
	long long timeout;
	uint64_t max_size;
	int trust_recipe, json;
	char **shipped;
	size_t nshipped;
};

/* A rebuild under way: what it found, made and judged so far. */
struct rebuild {
	struct cr_source_info info;
	struct cr_tree *tree;
	const struct cr_checked *att;
	struct cr_recipe *recipe, *shown;
	struct cr_build_source bs;
	struct cr_root *rootfs;
	struct cr_resource *rootdep;
	struct cr_toolchain_diff *tdiff;
	struct env env;
	char outdir_tmp[4096], *outdir;
	struct cr_build *b;
	char id[CR_TREE_IDLEN + 1];
	char *refused; /* why the recipe shown was not replayed */
	int built;     /* rebuilt: the report has its head */
	struct line *lines;
	size_t nlines, cap;
	unsigned char *used; /* by SHIPPED file: a rebuilt one has its name */
	int differs, shipped_differs;
	int judged, verdict_rc; /* the verdict is reached */
	char verdict[512];
	int reported; /* the failure was already printed */
};

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct rebuild_opts *o = ctx;
	int rc;

	switch (id) {
	case OPT_KEEP:
		return tool_getopt_once(&command, &o->keep, arg, "--keep");
	case OPT_ROOT:
		return tool_getopt_once(&command, &o->root, arg, "--root");
	case OPT_ROOT_CACHE:
		return tool_getopt_once(&command, &o->root_cache, arg,
					"--root-cache");
	case OPT_TIMEOUT:
		return tool_timeout_option(&o->timeout, "rebuild", arg);
	case OPT_MAX_SIZE:
		return tool_max_size_option(&o->max_size, "rebuild", arg);
	case OPT_TRUST_RECIPE:
		o->trust_recipe = 1;
		return 0;
	}
	if ((rc = trust_option(&o->t, "rebuild", id, arg)) >= 0)
		return rc;
	return tool_source_option(&o->src, "rebuild", id, arg);
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct rebuild_opts *o, int argc, char **argv)
{
	struct tool_getopt g;
	int rc, firstpos;

	o->timeout = -1;
	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    o)) != TOOL_PARSED)
		return rc;
	o->json = g.json;
	if ((rc = trust_check_usage(&o->t, "rebuild")) != 0)
		return rc;
	firstpos = g.optind;
	if (o->src.kind == NULL) {
		if (g.optind >= argc)
			return tool_usage("rebuild", "no SOURCE given");
		if ((rc = tool_source_set(&o->src, "rebuild", "path",
					  argv[g.optind])))
			return rc;
		firstpos++;
	}
	if ((rc = tool_source_check(&o->src, "rebuild", 1)) != 0)
		return rc;
	o->shipped = argv + firstpos;
	o->nshipped = (size_t)(argc - firstpos);
	return TOOL_PARSED;
}

/* Hashes the source and picks the trusted statement of its tree. */
static int
find_source(struct rebuild *r, struct rebuild_opts *o)
{
	int err, any;

	o->src.clean_worktree = 1;
	o->src.checkout_time = 1;
	if ((err = trust_load(&o->t)) < 0 ||
	    (err = tool_source_hash(&r->tree, &r->info, &o->src)) < 0)
		return err;
	tool_progress_done();
	cr_tree_format_id(r->id, r->tree->root);
	if ((r->att = pick_statement(&o->t, r->tree->root, &any)) == NULL)
		return any ? cr_error_fail("%s: source tree %s is not the "
					   "attested one; nothing rebuilt",
					   o->src.path, r->id)
			   : cr_error_fail("no attestation signed by a "
					   "trusted key names a source tree");
	if (strcmp(o->src.kind, "path") == 0 &&
	    (err = cr_source_kind(&o->src.kind, o->src.path)) < 0)
		return err;
	r->bs.kind = o->src.kind;
	r->bs.path = o->src.path;
	r->bs.strip_components = o->src.strip_components;
	r->bs.tree = r->tree;
	r->bs.info = &r->info;
	return CR_OK;
}

/* The reviewed tree's recipe, or one shown in full and trusted. */
static int
replay_recipe(struct rebuild *r, const struct rebuild_opts *o)
{
	const struct cr_checked *att = r->att;
	char path[4096];
	int err;

	snprintf(path, sizeof(path), "%s:%u", att->file, att->line);
	err = cr_recipe_for_replay(&r->recipe, &r->shown, att->st, &r->bs,
				   o->trust_recipe, path);
	if (err < 0 && r->shown != NULL && !r->shown->from_tree &&
	    (r->refused = strdup(cr_error_last())) == NULL)
		return cr_error_set("out of memory");
	return err;
}

/* The environment, named before anything is built: root and toolchain. */
static int
open_env(struct rebuild *r, const struct rebuild_opts *o)
{
	int err;

	/* The root the reviewed recipe names, and no other. */
	err = cr_root_select(&r->rootfs, &r->rootdep, r->recipe->root, o->root,
			     o->root_cache, o->src.path,
			     o->json ? NULL : tool_progress_line, NULL);
	tool_progress_done();
	if (err < 0)
		return err;
	if ((err = cr_toolchain_compare(&r->tdiff, r->att->st,
					r->rootfs ? r->rootfs->dir : NULL)) < 0)
		return err;
	return env_check(&r->env, r->att->st, r->rootfs, r->tdiff);
}

/* Rebuilds into --keep DIR or a temporary directory. */
static int
rebuild(struct rebuild *r, const struct rebuild_opts *o)
{
	struct cr_build_opts bo = {0};
	const char *tmp = getenv("TMPDIR");
	char why[4096];
	int err;

	if (o->keep != NULL) {
		if (mkdir(o->keep, 0755) < 0 && access(o->keep, W_OK) < 0)
			return cr_error_errno("%s", o->keep);
		r->outdir = (char *)o->keep;
	} else if (snprintf(r->outdir_tmp, sizeof(r->outdir_tmp),
			    "%s/cleanroom-rebuild.XXXXXX",
			    tmp && *tmp ? tmp : "/tmp") < 0 ||
		   (r->outdir = mkdtemp(r->outdir_tmp)) == NULL) {
		return cr_error_errno("%s", r->outdir_tmp);
	}
	bo.output_dir = r->outdir;
	bo.root = r->rootfs ? r->rootfs->dir : NULL;
	bo.root_dependency = r->rootdep;
	bo.log_name = "rebuild.log";
	bo.progress = o->json ? NULL : tool_progress_line;
	/* The recipe is another party's code: it never runs unbounded. */
	bo.timeout = o->timeout > 0 ? (unsigned int)o->timeout
				    : CR_REBUILD_DEFAULT_TIMEOUT;
	bo.max_size = o->max_size;
	if (!tool_quiet && !o->json)
		fprintf(stderr, "%s: rebuilding %s in the sandbox\n", tool_prog,
			r->id);
	err = cr_build_run(&r->b, r->recipe, &r->bs, &bo);
	tool_progress_done();
	if (err < 0 && r->b != NULL) {
		/* The one-line reason, then the log's end, escaped. */
		if (r->b->timed_out)
			tool_warn("could not rebuild: %s", cr_error_last());
		else
			tool_warn("could not rebuild: the recorded command "
				  "failed (exit status %d)",
				  r->b->exit_status);
		print_log_tail(r->b, o->keep);
		r->reported = 1;
		return CR_ERROR;
	}
	if (err == CR_EFAIL) {
		snprintf(why, sizeof(why), "%s", cr_error_last());
		err = cr_error_set("could not rebuild: %s", why);
	}
	return err;
}

/* A new line at the end of the report's artifacts; NULL: no memory. */
static struct line *
add_line(struct rebuild *r, enum line_kind kind, const char *name)
{
	struct line *l =
		tool_append(&r->lines, &r->nlines, &r->cap, sizeof(*l));

	if (l != NULL) {
		l->kind = kind;
		l->name = name;
	}
	return l;
}

static void
lines_free(struct rebuild *r)
{
	size_t i, j;

	for (i = 0; i < r->nlines; i++) {
		for (j = 0; j < r->lines[i].nshipped; j++) {
			cr_diff_report_free(r->lines[i].shipped[j].rep);
			free(r->lines[i].shipped[j].text);
		}
		free(r->lines[i].shipped);
	}
	free(r->lines);
}

/* One rebuilt artifact against its attested digest and SHIPPED files. */
static int
check_artifact(struct rebuild *r, const struct rebuild_opts *o,
	       const struct cr_artifact *a)
{
	const struct cr_statement *st = r->att->st;
	const struct cr_subject *s = NULL;
	char path[4096], label[4200];
	struct line *l;
	size_t j;
	int err;

	if ((l = add_line(r, LINE_REBUILT, a->name)) == NULL ||
	    (o->nshipped > 0 &&
	     (l->shipped = calloc(o->nshipped, sizeof(*l->shipped))) == NULL))
		return cr_error_set("out of memory");
	for (j = 0; j < st->nsubjects; j++)
		if (strcmp(st->subjects[j].name, a->name) == 0)
			s = &st->subjects[j];
	cr_hex_encode(l->hex, a->sha256, CR_SHA256_LEN);
	l->attested = s != NULL;
	l->same = s && memcmp(s->sha256, a->sha256, CR_SHA256_LEN) == 0;
	if (s)
		cr_hex_encode(l->ahex, s->sha256, CR_SHA256_LEN);
	if (!l->same) {
		r->differs = 1;
		tool_warn("%s: the rebuild does not give the attested digest",
			  a->name);
	}
	for (j = 0; j < o->nshipped; j++) {
		if (strcmp(base_name(o->shipped[j]), base_name(a->name)))
			continue;
		r->used[j] = 1;
		snprintf(path, sizeof(path), "%s/%s", r->outdir, a->name);
		snprintf(label, sizeof(label), "rebuilt:%s", a->name);
		err = compare_shipped(&l->shipped[l->nshipped++], path, label,
				      o->shipped[j], a->sha256,
				      !o->json && !tool_quiet,
				      &r->shipped_differs);
		if (err < 0)
			return err;
	}
	return CR_OK;
}

/* Whether b made an artifact of s's name (and with same, of its digest). */
static int
was_rebuilt(const struct cr_build *b, const struct cr_subject *s, int same)
{
	size_t i;

	for (i = 0; i < b->nartifacts; i++)
		if (strcmp(b->artifacts[i].name, s->name) == 0 &&
		    (!same || memcmp(b->artifacts[i].sha256, s->sha256,
				     CR_SHA256_LEN) == 0))
			return 1;
	return 0;
}

/*
 * Each subject of st the rebuild did not make, a FAIL: st the verified
 * statement (c NULL), whose subjects need only have been made again, or
 * c's, another statement of this tree, whose subjects must be the very
 * bytes made.
 */
static int
unbuilt(struct rebuild *r, const struct cr_statement *st,
	const struct cr_checked *c)
{
	struct line *l;
	size_t j;

	for (j = 0; j < st->nsubjects; j++) {
		const struct cr_subject *s = &st->subjects[j];

		if (was_rebuilt(r->b, s, c != NULL))
			continue;
		r->differs = 1;
		if ((l = add_line(r, c ? LINE_NOT_REPRODUCED : LINE_NOT_REBUILT,
				  s->name)) == NULL)
			return cr_error_set("out of memory");
		cr_hex_encode(l->ahex, s->sha256, CR_SHA256_LEN);
		l->c = c;
		if (c == NULL)
			tool_warn("%s: an attested subject the rebuild did "
				  "not make",
				  s->name);
		else
			tool_warn("%s:%u: %s: also attested for this tree, "
				  "and not what the rebuild made",
				  c->file, c->line, s->name);
	}
	return CR_OK;
}

/*
 * Every other trusted statement in the input is checked too: one that
 * names this tree must attest only what the rebuild made (an honest build
 * statement beside a signed backdoor for the same tree would otherwise
 * pass here and give the backdoor to customers); one that names another
 * tree was not rebuilt, and exit 0 is not given on what was not.
 */
static int
check_others(struct rebuild *r, const struct rebuild_opts *o)
{
	struct line *l;
	size_t k;
	int err;

	for (k = 0; k < o->t.set.count; k++) {
		const struct cr_checked *c = &o->t.set.items[k];

		if (c == r->att || c->status != CR_OK)
			continue;
		if (c->st->has_tree &&
		    memcmp(c->st->tree, r->tree->root, CR_SHA256_LEN) == 0) {
			if ((err = unbuilt(r, c->st, c)) < 0)
				return err;
			continue;
		}
		r->differs = 1;
		if ((l = add_line(r, LINE_OTHER_TREE, NULL)) == NULL)
			return cr_error_set("out of memory");
		l->c = c;
		tool_warn("%s:%u: a trusted statement of another source tree; "
			  "give each rebuild only its own",
			  c->file, c->line);
	}
	return CR_OK;
}

/* The verdict of the SPEC's table into r, and its warnings. */
static void
judge(struct rebuild *r, const struct rebuild_opts *o)
{
	size_t j;

	for (j = 0; j < o->nshipped; j++)
		if (!r->used[j]) {
			r->shipped_differs = 1;
			tool_warn("%s: no rebuilt artifact has this name",
				  o->shipped[j]);
		}
	r->verdict_rc = env_verdict(r->verdict, sizeof(r->verdict), &r->env,
				    r->differs, r->shipped_differs);
	r->judged = 1;
	if (r->verdict_rc != EXIT_OK)
		tool_warn("%s", r->verdict);
}

/*
 * Finds, rebuilds and compares into r, warnings as they come; a core
 * status (r->verdict_rc is the exit code once r->judged).
 */
static int
run(struct rebuild *r, struct rebuild_opts *o)
{
	size_t i;
	int err;

	if ((err = find_source(r, o)) < 0 || (err = replay_recipe(r, o)) < 0 ||
	    (err = open_env(r, o)) < 0 || (err = rebuild(r, o)) < 0)
		return err;
	if ((r->used = calloc(o->nshipped + 1, 1)) == NULL)
		return cr_error_set("out of memory");
	r->built = 1;
	for (i = 0; i < r->b->nartifacts; i++)
		if ((err = check_artifact(r, o, &r->b->artifacts[i])) < 0)
			return err;
	if ((err = unbuilt(r, r->att->st, NULL)) < 0 ||
	    (err = check_others(r, o)) < 0)
		return err;
	judge(r, o);
	return CR_OK;
}

/* The text report's head: the source, its statement, environment, recipe. */
static int
print_head(const struct rebuild *r, const struct rebuild_opts *o)
{
	char *text, *tctext;
	int err;

	if ((err = cr_toolchain_diff_text(&tctext, r->tdiff)) < 0)
		return err;
	trust_print_rejected(&o->t);
	printf("source %s: the attested tree [%s:%u]\n", r->id,
	       tool_name(r->att->file), r->att->line);
	fputs(tctext, stdout);
	free(tctext);
	env_print(&r->env);
	if (r->recipe->from_tree &&
	    (text = cr_recipe_describe(r->recipe)) != NULL) {
		printf("%s", text);
		free(text);
	}
	return CR_OK;
}

/* One line of the artifacts, and its SHIPPED files, as text. */
static void
print_line(const struct rebuild *r, const struct line *l)
{
	size_t j;

	if (l->kind == LINE_NOT_REBUILT)
		printf("FAIL  %s  attested sha256:%s: the rebuild did "
		       "not make it\n",
		       tool_name(l->name), l->ahex);
	if (l->kind == LINE_NOT_REPRODUCED)
		printf("FAIL  %s  attested sha256:%s [%s:%u]: the "
		       "rebuild did not make these bytes\n",
		       tool_name(l->name), l->ahex, tool_name(l->c->file),
		       l->c->line);
	if (l->kind == LINE_OTHER_TREE)
		printf("FAIL  %s:%u: a trusted statement of another source "
		       "tree, not rebuilt here\n",
		       tool_name(l->c->file), l->c->line);
	if (l->kind != LINE_REBUILT)
		return;
	printf("%s  %s  rebuilt sha256:%s\n", l->same ? "OK  " : "FAIL",
	       tool_name(l->name), l->hex);
	if (!l->attested)
		printf("  not among the attested subjects\n");
	else if (!l->same)
		printf("  attested sha256:%s: the rebuild differs%s\n", l->ahex,
		       cr_toolchain_diff_count(r->tdiff)
			       ? " (the toolchain differs, see above)"
			       : "");
	for (j = 0; j < l->nshipped && l->shipped[j].done; j++) {
		if (l->shipped[j].rep == NULL) {
			printf("  shipped %s: identical\n",
			       tool_name(l->shipped[j].file));
			continue;
		}
		printf("  shipped %s: DIFFERENT from the rebuild\n",
		       tool_name(l->shipped[j].file));
		fputs(l->shipped[j].text, stdout);
	}
}

/*
 * The text report, as far as the rebuild went: the recipe shown, the
 * head, the artifacts, the verdict.
 */
static int
report_text(const struct rebuild *r, const struct rebuild_opts *o)
{
	char *text;
	size_t i;
	int err;

	if (r->shown != NULL && !r->shown->from_tree &&
	    (text = cr_recipe_describe(r->shown)) != NULL) {
		printf("%s", text);
		free(text);
	}
	if (!r->built)
		return CR_OK;
	if ((err = print_head(r, o)) < 0)
		return err;
	for (i = 0; i < r->nlines; i++)
		print_line(r, &r->lines[i]);
	if (!r->judged)
		return CR_OK;
	printf("verdict: %s\n", r->verdict);
	if (!r->recipe->from_tree)
		printf("note: rebuilt with a recipe given on the vendor's "
		       "command line, trusted by --trust-recipe, not "
		       "reviewed with the source\n");
	if (o->keep != NULL)
		printf("rebuilt artifacts kept in %s\n", tool_name(o->keep));
	return CR_OK;
}

/* One line of the artifacts as JSON. */
static json_t *
line_json(const struct line *l)
{
	const struct shipped *sh;
	json_t *j, *ship;
	size_t k;

	if (l->kind == LINE_NOT_REBUILT)
		return json_pack("{s:o, s:s, s:s}", "name",
				 tool_json_str(l->name), "attested", l->ahex,
				 "result", "not rebuilt");
	if (l->kind == LINE_NOT_REPRODUCED)
		return json_pack("{s:o, s:s, s:s, s:o, s:i}", "name",
				 tool_json_str(l->name), "attested", l->ahex,
				 "result", "not reproduced", "attestation",
				 tool_json_str(l->c->file), "line",
				 (int)l->c->line);
	if (l->kind == LINE_OTHER_TREE)
		return json_pack("{s:o, s:i, s:s}", "attestation",
				 tool_json_str(l->c->file), "line",
				 (int)l->c->line, "result",
				 "another source tree");
	j = json_pack("{s:o, s:s, s:s}", "name", tool_json_str(l->name),
		      "rebuilt", l->hex, "result",
		      l->same ? "identical" : "different");
	if (l->attested)
		json_object_set_new(j, "attested", json_string(l->ahex));
	if (l->nshipped == 0)
		return j;
	/* Every SHIPPED file of its name, in the order given. */
	ship = json_array();
	json_object_set_new(j, "shipped", ship);
	for (k = 0; ship != NULL && k < l->nshipped; k++) {
		sh = &l->shipped[k];
		json_array_append_new(
			ship, sh->rep == NULL
				      ? json_pack("{s:o, s:s}", "file",
						  tool_json_str(sh->file),
						  "result", "identical")
				      : json_pack("{s:o, s:s, s:o}", "file",
						  tool_json_str(sh->file),
						  "result", "different", "diff",
						  cr_diff_json(sh->rep)));
	}
	return j;
}

/* The JSON report: the refused recipe, or the whole rebuild once judged. */
static void
report_json(const struct rebuild *r, const struct rebuild_opts *o)
{
	json_t *j, *arts;
	size_t i;

	if (r->refused != NULL) {
		/* What was refused, for a script to show its user. */
		tool_json_print(json_pack(
			"{s:s, s:s, s:o, s:s}", "command", "rebuild", "result",
			"untrusted-recipe", "recipe", cr_recipe_json(r->shown),
			"reason", r->refused));
	}
	if (!r->judged)
		return;
	arts = json_array();
	for (i = 0; arts != NULL && i < r->nlines; i++)
		json_array_append_new(arts, line_json(&r->lines[i]));
	j = json_pack("{s:s, s:s, s:{s:o, s:i}, s:o}", "command", "rebuild",
		      "source", r->id, "attestation", "file",
		      tool_json_str(r->att->file), "line", (int)r->att->line,
		      "toolchain", cr_toolchain_diff_json(r->tdiff));
	json_object_update_new(j, env_json(&r->env));
	json_object_set_new(j, "recipe", cr_recipe_json(r->recipe));
	json_object_set_new(j, "recipeTrusted",
			    json_boolean(!r->recipe->from_tree));
	json_object_set_new(j, "attestations", trust_json(&o->t));
	json_object_set_new(j, "artifacts", arts);
	json_object_set_new(j, "result",
			    json_string(r->verdict_rc == EXIT_OK ? "ok"
					: r->verdict_rc == EXIT_FAIL
						? "fail"
						: "inconclusive"));
	json_object_set_new(j, "verdict", json_string(r->verdict));
	tool_json_print(j);
}

/* The report of r, as text or JSON (-q: nothing): a core status. */
static int
report(const struct rebuild *r, const struct rebuild_opts *o)
{
	if (o->json)
		report_json(r, o);
	else if (!tool_quiet)
		return report_text(r, o);
	return CR_OK;
}

int
cmd_rebuild(int argc, char **argv)
{
	struct rebuild_opts o = {0};
	struct rebuild r;
	int rc, err;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED) {
		trust_free(&o.t);
		return rc;
	}
	memset(&r, 0, sizeof(r));
	err = run(&r, &o);
	rc = report(&r, &o);
	if (err == CR_OK)
		err = rc;
	if (r.outdir != NULL && o.keep == NULL)
		cr_rmtree(r.outdir);
	lines_free(&r);
	free(r.used);
	free(r.refused);
	cr_toolchain_diff_free(r.tdiff);
	env_free(&r.env);
	cr_resources_free(r.rootdep, 1);
	cr_root_close(r.rootfs);
	cr_build_free(r.b);
	cr_recipe_free(r.recipe);
	cr_recipe_free(r.shown);
	cr_tree_free(r.tree);
	trust_free(&o.t);
	if (err == CR_OK && r.judged)
		return r.verdict_rc;
	if (r.reported)
		return EXIT_ERROR;
	return err < 0 ? tool_report(err) : EXIT_OK;
}
