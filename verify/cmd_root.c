/* verify root: is this root, or the one Debian's .debs make, the attested one? */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "manifest.h"
#include "opts.h"
#include "root.h"
#include "tool.h"
#include "build_log.h"
#include "tree.h"
#include "trust.h"
#include "util.h"

static const struct tool_opt options[] = {
	TRUST_OPT_ATTESTATION(TRUST_OPT_DSSE),
	TRUST_OPT_BUNDLE,
	TRUST_OPT_KEY,
	{"tree", 0, "ID", "the expected tree hash, sha256tree:HEX", 't'},
	{"manifest", 0, "ROOT.json",
	 "the recipe; the expected tree hash when neither\n"
	 "-a nor --tree is given",
	 'm'},
	{"debs", 0, "DIR", "a directory 'attest root create --debs' wrote",
	 'd'},
	{"output", 'o', "ROOT.tar",
	 "make the root again from --debs into ROOT.tar", 'o'},
	{"keyring", 0, "FILE",
	 "the archive keyring (default\n"
	 "/usr/share/keyrings/debian-archive-keyring.gpg)",
	 'K'},
	TOOL_OPT_JSON_ENTRY("print a machine-readable report"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"root",
	"verify root (-a ATTESTATION -k PUB | --tree sha256tree:HEX | "
	"--manifest ROOT.json)\n"
	"            [--debs DIR [-o ROOT.tar]] [--keyring FILE] [--json] "
	"[-q]\n"
	"            [ROOT.tar | DIR]",
	"Checks a build root against the tree hash a trusted attestation "
	"records\n"
	"for it (its resolved dependency \"rootfs\"), or against a tree hash "
	"given\n"
	"with --tree, or against a ROOT.json ('attest root create'; no one "
	"signed\n"
	"it, so that only checks a root against its own recipe). A root's "
	"tree\n"
	"hash leaves device nodes, FIFOs and sockets out.\n"
	"\n"
	"With --debs, offline: InRelease must be signed by a key of Debian's\n"
	"archive keyring (gpgv), Packages must be the file InRelease lists, "
	"and\n"
	"every .deb the one Packages lists; a package that is not is named. "
	"With\n"
	"-o, the root is then made again from those .debs alone (mmdebstrap, "
	"the\n"
	"recipe of --manifest or DIR/ROOT.json) into ROOT.tar and its tree "
	"hash\n"
	"checked; a ROOT.tar or DIR given too is compared with it file by "
	"file,\n"
	"each difference named with the package that owns the file, or as "
	"owned\n"
	"by no package.",
	options,
	"Exit status: 0 every check holds, 1 one does not, 2 no answer.",
	0,
};

struct expect {
	unsigned char tree[CR_SHA256_LEN];
	char what[512]; /* where the expected hash comes from */
	int have;
};

/*
 * The root the trusted statements record. Several that record different
 * roots are no answer: which one was built for the customer's artifact is
 * not for this command to pick, and checking one would pass in silence
 * over the others.
 */
static int
expect_from_trust(struct expect *e, const struct trust *t)
{
	struct cr_root_record rec;
	char a[65], b[65];
	size_t i, trusted = 0;
	int err, found;

	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *ck = &t->set.items[i];

		if (ck->status != CR_OK)
			continue;
		trusted++;
		if ((err = cr_root_record_get(&rec, &found, ck->st)) < 0)
			return err;
		if (found && e->have &&
		    memcmp(e->tree, rec.tree, CR_SHA256_LEN) != 0) {
			cr_hex_encode(a, e->tree, CR_SHA256_LEN);
			cr_hex_encode(b, rec.tree, CR_SHA256_LEN);
			cr_root_record_clear(&rec);
			return cr_error_set(
				"trusted statements record different roots: "
				"sha256tree:%s %s and sha256tree:%s [%s:%u]; "
				"give the statement of the root to check",
				a, e->what, b, ck->file, ck->line);
		}
		if (found && !e->have) {
			memcpy(e->tree, rec.tree, CR_SHA256_LEN);
			snprintf(e->what, sizeof(e->what), "attested [%s:%u]",
				 ck->file, ck->line);
			e->have = 1;
		}
		cr_root_record_clear(&rec);
	}
	if (e->have)
		return CR_OK;
	if (trusted == 0)
		return cr_error_fail("no attestation is signed by a trusted "
				     "key");
	return cr_error_fail("no attestation signed by a trusted key records "
			     "a root (a \"rootfs\" dependency)");
}

static int
parse_tree_id(unsigned char out[32], const char *s)
{
	if (strncmp(s, "sha256tree:", 11) == 0)
		s += 11;
	if (strlen(s) != 64 || cr_hex_decode(out, CR_SHA256_LEN, s) < 0)
		return -1;
	return 0;
}

static const char *
deb_state(enum cr_deb_state s)
{
	switch (s) {
	case CR_DEB_OK:
		return "ok";
	case CR_DEB_UNLISTED:
		return "not listed in the signed Packages";
	case CR_DEB_DIFFERS:
		return "not the .deb the signed Packages (or ROOT.json) lists";
	default:
		return "missing from the directory";
	}
}

/* What a line of the report says. */
enum item_kind {
	ITEM_CHECK,	/* OK or FAIL, what, detail */
	ITEM_NOT_EXACT, /* -o's ROOT.tar is not the manifest's bytes */
	ITEM_CHANGES,	/* the given root against the one remade: */
	ITEM_CHANGE,	/* one file that differs */
	ITEM_HINT,	/* how to name the files that differ */
	ITEM_NO_ROOT,	/* no root was compared */
};

/* One line of the report, in the order the checks made them. */
struct item {
	enum item_kind kind;
	int ok;
	char *what;	    /* a check's subject; a change's path */
	char *detail;	    /* a check's detail; a change's package or NULL */
	const char *change; /* a change's name */
};

/* What the checks found: all the report needs. */
struct report {
	struct item *items;
	size_t n, cap;
	int fails;
	int rejected; /* the attestations were read: note those rejected */
	int expected; /* the expected tree is known */
	int nomem;    /* a line was lost: out of memory */
};

/* A new line at the end of r, what copied; NULL: no memory. */
static struct item *
add_item(struct report *r, enum item_kind kind, const char *what)
{
	struct item *it = tool_append(&r->items, &r->n, &r->cap, sizeof(*it));

	if (it == NULL)
		return NULL;
	it->kind = kind;
	if (what != NULL && (it->what = strdup(what)) == NULL) {
		r->n--; /* not a line */
		return NULL;
	}
	return it;
}

static void
report_free(struct report *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->items[i].what);
		free(r->items[i].detail);
	}
	free(r->items);
}

struct diffctx {
	const struct cr_root_owners *ref, *got;
	struct report *rep;
};

static int
add_change(void *ctx, enum cr_change change, const struct cr_tree_entry *ea,
	   const struct cr_tree_entry *eb)
{
	struct diffctx *c = ctx;
	const char *path = ea ? ea->path : eb->path;
	const char *owner = cr_root_owner(c->ref, path);
	struct item *it;

	if (owner == NULL)
		owner = cr_root_owner(c->got, path);
	if ((it = add_item(c->rep, ITEM_CHANGE, path)) == NULL)
		return cr_error_set("out of memory");
	it->change = cr_change_name(change);
	if (owner != NULL && (it->detail = strdup(owner)) == NULL)
		return cr_error_set("out of memory");
	return 0;
}

static void result(struct report *r, int ok, const char *what, const char *fmt,
		   ...) CR_PRINTF(4, 5);

/* A check that holds (ok) or not into r (r->nomem when it cannot). */
static void
result(struct report *r, int ok, const char *what, const char *fmt, ...)
{
	char msg[1024];
	struct item *it;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ok)
		r->fails++;
	if ((it = add_item(r, ITEM_CHECK, what)) == NULL ||
	    (it->detail = strdup(msg)) == NULL) {
		if (it != NULL) {
			free(it->what);
			r->n--;
		}
		r->nomem = 1;
		return;
	}
	it->ok = ok;
}

/* Hashes a root and compares it with the expected hash. */
static int
check_root(struct report *r, struct cr_tree **out, const char *path,
	   const struct expect *e)
{
	struct cr_tree_opts o = {0};
	char got[CR_TREE_IDLEN + 1], want[CR_TREE_IDLEN + 1];
	int err, ok;

	o.progress = tool_progress;
	if ((err = cr_root_hash(out, path, &o)) < 0)
		return err;
	tool_progress_done();
	cr_tree_format_id(got, (*out)->root);
	cr_tree_format_id(want, e->tree);
	ok = memcmp((*out)->root, e->tree, CR_SHA256_LEN) == 0;
	if (ok)
		result(r, 1, path, "%s, %zu files: the tree %s", got,
		       (*out)->count, e->what);
	else
		result(r, 0, path, "%s: not the tree %s, %s", got, e->what,
		       want);
	return ok ? CR_OK : CR_EFAIL;
}

/* What the command line asks. */
struct root_opts {
	struct trust t;
	const char *tree, *manifest, *debdir, *output, *keyring, *root;
	int json;
};

/* The checks under way: what was expected, read, made and found. */
struct root_check {
	struct expect e;
	struct report rep;
	struct cr_root_manifest *m, *made;
	struct cr_root_debs *debs;
	struct cr_tree *given, *remade;
	struct cr_root_owners *oref, *ogot;
};

/* A step's status that ends the checks with no error of its own. */
#define STOP 1

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct root_opts *o = ctx;
	const char **slot;

	slot = id == 't'   ? &o->tree
	       : id == 'm' ? &o->manifest
	       : id == 'd' ? &o->debdir
	       : id == 'o' ? &o->output
	       : id == 'K' ? &o->keyring
			   : NULL;
	if (slot == NULL)
		return trust_option(&o->t, "root", id, arg);
	if (*slot != NULL)
		return tool_usage("root", "an option given twice");
	*slot = arg;
	return 0;
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct root_opts *o, int argc, char **argv)
{
	int rc;

	if ((rc = tool_getopt_operands(&command, &argc, &argv, parse_option, o,
				       &o->json)) != TOOL_PARSED)
		return rc;
	if (argc > 0) {
		if (argc > 1)
			return tool_usage("root", "one ROOT.tar or DIR at a "
						  "time");
		o->root = argv[0];
	}
	return TOOL_PARSED;
}

/* The options that go together, once all are read. */
static int
parse_check(struct root_opts *o, struct expect *e)
{
	int rc;

	if ((o->t.natt > 0 || o->t.nkeys > 0) &&
	    (rc = trust_check_usage(&o->t, "root")) != 0)
		return rc;
	if (o->t.natt > 0 && o->tree != NULL)
		return tool_usage("root", "-a and --tree both name the "
					  "expected root: give one");
	if (o->t.natt == 0 && o->tree == NULL && o->manifest == NULL)
		return tool_usage("root", "give -a and -k, --tree or "
					  "--manifest");
	if (o->tree != NULL && parse_tree_id(e->tree, o->tree) < 0)
		return tool_usage("root", "--tree: not sha256tree:<64 hex>");
	if (o->output != NULL && o->debdir == NULL)
		return tool_usage("root", "-o makes the root from --debs: "
					  "give --debs");
	if (o->root == NULL && o->debdir == NULL)
		return tool_usage("root", "give ROOT.tar, DIR or --debs");
	if (o->output != NULL && o->root != NULL &&
	    strcmp(o->output, o->root) == 0)
		return tool_usage("root",
				  "-o would overwrite the root checked");
	return TOOL_PARSED;
}

/* The expected tree hash: attested, given or recorded; and the recipe. */
static int
find_expected(struct root_check *c, struct root_opts *o)
{
	struct expect *e = &c->e;
	char path[4096];
	int err;

	if (o->t.natt > 0) {
		if ((err = trust_load(&o->t)) < 0)
			return err;
		c->rep.rejected = 1;
		if ((err = expect_from_trust(e, &o->t)) < 0)
			return err;
	} else if (o->tree != NULL) {
		snprintf(e->what, sizeof(e->what), "given with --tree");
		e->have = 1;
	}
	/* The recipe: --manifest, else the one kept with the .debs. */
	if (o->manifest != NULL) {
		if ((err = cr_root_manifest_load(&c->m, o->manifest)) < 0)
			return err;
	} else if (o->debdir != NULL) {
		snprintf(path, sizeof(path), "%s/ROOT.json", o->debdir);
		if (access(path, F_OK) == 0 &&
		    (err = cr_root_manifest_load(&c->m, path)) < 0)
			return err;
	}
	if (!e->have) {
		memcpy(e->tree, c->m->tree, CR_SHA256_LEN);
		snprintf(e->what, sizeof(e->what),
			 "recorded in %s (not signed)", o->manifest);
		e->have = 1;
	}
	c->rep.expected = 1;
	return CR_OK;
}

/* Each .deb of --debs against the archive's signature chain. */
static int
check_debs(struct root_check *c, const struct root_opts *o)
{
	const char *debdir = o->debdir;
	char path[4096];
	size_t i;
	int err;

	err = cr_root_debs_check(&c->debs, debdir, o->keyring, c->m);
	if (err == CR_EFAIL)
		result(&c->rep, 0, debdir, "%s", cr_error_last());
	if (err < 0)
		return err;
	for (i = 0; i < c->debs->count; i++) {
		const struct cr_root_deb *d = &c->debs->debs[i];

		if (d->state == CR_DEB_OK)
			continue;
		snprintf(path, sizeof(path), "package %s %s (%s)",
			 d->pkg.name ? d->pkg.name : "?",
			 d->pkg.version ? d->pkg.version : "?",
			 d->pkg.arch ? d->pkg.arch : "?");
		result(&c->rep, 0, d->pkg.name ? path : d->pkg.filename,
		       "%s: %s", d->pkg.filename, deb_state(d->state));
	}
	result(&c->rep, c->debs->nbad == 0, debdir,
	       "%zu of %zu .debs are the ones Debian's archive signed "
	       "(%s %s, InRelease of %s)",
	       c->debs->count - c->debs->nbad, c->debs->count, c->debs->suite,
	       c->debs->arch, c->debs->release_date);
	if (c->m != NULL && c->m->npkgs == 0)
		result(&c->rep, 0, debdir, "the manifest lists no package");
	return CR_OK;
}

/* -o: the root made again from the .debs alone, and checked. */
static int
remake_root(struct root_check *c, const struct root_opts *o)
{
	struct cr_root_create_opts co = {0};
	struct cr_root_recipe r;
	char *mirror = NULL;
	int err;

	if (c->m == NULL)
		return cr_error_set("%s: no ROOT.json with the recipe; give "
				    "--manifest",
				    o->debdir);
	if (c->m->npkgs != c->debs->count) {
		result(&c->rep, 0, o->debdir,
		       "holds %zu .debs, the manifest lists %zu",
		       c->debs->count, c->m->npkgs);
		return STOP;
	}
	if ((mirror = realpath(o->debdir, NULL)) == NULL)
		return cr_error_errno("%s", o->debdir);
	r = c->m->recipe;
	if (asprintf(&r.mirror, "file://%s", mirror) < 0) {
		free(mirror);
		return cr_error_set("out of memory");
	}
	free(mirror);
	co.recipe = &r;
	co.output = o->output;
	co.keyring = o->keyring;
	co.progress = tool_progress_line;
	err = cr_root_create(&c->made, &co);
	free(r.mirror);
	tool_progress_done();
	if (err < 0)
		return err;
	if ((err = check_root(&c->rep, &c->remade, o->output, &c->e)) ==
	    CR_ERROR)
		return err;
	if (memcmp(c->made->tar, c->m->tar, CR_SHA256_LEN) == 0)
		result(&c->rep, 1, o->output,
		       "byte for byte the ROOT.tar of the manifest");
	else if (add_item(&c->rep, ITEM_NOT_EXACT, o->output) == NULL)
		return cr_error_set("out of memory");
	return CR_OK;
}

/* The root given, checked and, against the one remade, named by file. */
static int
check_given(struct root_check *c, const struct root_opts *o)
{
	struct diffctx dc = {0};
	int err, given_err;

	given_err = check_root(&c->rep, &c->given, o->root, &c->e);
	if (given_err == CR_ERROR)
		return given_err;
	/*
	 * Named file by file whenever it is not the root the .debs make:
	 * also when it is the attested one (a vendor's root with a patched
	 * compiler attests itself).
	 */
	if (c->remade != NULL && c->given != NULL &&
	    memcmp(c->remade->root, c->given->root, CR_SHA256_LEN) != 0) {
		if ((err = cr_root_owners_load(&c->oref, o->output)) < 0 ||
		    (err = cr_root_owners_load(&c->ogot, o->root)) < 0)
			return err;
		dc.ref = c->oref;
		dc.got = c->ogot;
		dc.rep = &c->rep;
		if (add_item(&c->rep, ITEM_CHANGES, NULL) == NULL)
			return cr_error_set("out of memory");
		return cr_tree_compare(c->remade, c->given, add_change, &dc) < 0
			       ? CR_ERROR
			       : CR_OK;
	} else if (given_err == CR_EFAIL && c->remade == NULL &&
		   add_item(&c->rep, ITEM_HINT, NULL) == NULL) {
		return cr_error_set("out of memory");
	}
	return CR_OK;
}

/* Runs the checks the options ask for into c->rep: a core status. */
static int
run(struct root_check *c, struct root_opts *o)
{
	int err;

	if ((err = find_expected(c, o)) < 0)
		return err;
	if (o->debdir != NULL && (err = check_debs(c, o)) < 0)
		return err;
	if (o->output != NULL && c->rep.fails == 0 &&
	    (err = remake_root(c, o)) != CR_OK)
		return err == STOP ? CR_OK : err;
	if (o->root != NULL && (err = check_given(c, o)) < 0)
		return err;
	/* Signed .debs alone say nothing about the attested root. */
	if (o->root == NULL && o->output == NULL &&
	    add_item(&c->rep, ITEM_NO_ROOT, NULL) == NULL)
		return cr_error_set("out of memory");
	return c->rep.nomem ? cr_error_set("out of memory") : CR_OK;
}

/* One line of the text report. */
static void
print_item(const struct item *it, const struct root_opts *o)
{
	switch (it->kind) {
	case ITEM_CHECK:
		printf("%s  %s  %s\n", it->ok ? "OK  " : "FAIL", it->what,
		       it->detail);
		break;
	case ITEM_NOT_EXACT:
		printf("note  %s  not byte for byte the manifest's "
		       "ROOT.tar (the tree hash is what counts)\n",
		       it->what);
		break;
	case ITEM_CHANGES:
		printf("  %s against the root made from %s:\n", o->root,
		       o->debdir);
		break;
	case ITEM_CHANGE:
		printf("  %-12s %s  (%s%s)\n", it->change, it->what,
		       it->detail ? "package " : "",
		       it->detail ? it->detail : "no package");
		break;
	case ITEM_HINT:
		printf("  (give --debs DIR -o FILE to name the files that "
		       "differ)\n");
		break;
	default: /* ITEM_NO_ROOT */
		printf("note  no root was compared with the expected tree: "
		       "give ROOT.tar or DIR, or -o to make it from the "
		       ".debs\n");
	}
}

/* The JSON report: the checks, the expected tree, the files that differ. */
static void
print_json(const struct root_check *c, int err)
{
	const struct item *it;
	json_t *j, *checks, *changes = NULL;
	char id[CR_TREE_IDLEN + 1];
	size_t i;

	j = json_pack("{s:s, s:[]}", "command", "root", "checks");
	checks = json_object_get(j, "checks");
	if (c->rep.expected) {
		cr_tree_format_id(id, c->e.tree);
		json_object_set_new(j, "expected", json_string(id));
		json_object_set_new(j, "expectedFrom",
				    tool_json_str(c->e.what));
	}
	for (i = 0; j != NULL && i < c->rep.n; i++) {
		it = &c->rep.items[i];
		if (it->kind == ITEM_CHECK)
			json_array_append_new(
				checks,
				json_pack("{s:s, s:o, s:s}", "result",
					  it->ok ? "ok" : "fail", "what",
					  tool_json_str(it->what), "detail",
					  it->detail));
		else if (it->kind == ITEM_CHANGES)
			json_object_set_new(j, "changes",
					    changes = json_array());
		else if (it->kind == ITEM_CHANGE)
			json_array_append_new(
				changes,
				json_pack("{s:o, s:s, s:o}", "path",
					  tool_json_str(it->what), "change",
					  it->change, "package",
					  it->detail ? json_string(it->detail)
						     : json_null()));
	}
	json_object_set_new(j, "result",
			    json_string(err == CR_OK && c->rep.fails == 0 ? "ok"
					: err == CR_ERROR ? "error"
							  : "fail"));
	tool_json_print(j);
}

/*
 * The report of what c found, as text or JSON (-q: nothing but errors);
 * err, or the one line of a check that failed.
 */
static int
report(const struct root_check *c, const struct root_opts *o, int err)
{
	char msg[64];
	size_t i;

	tool_progress_done();
	if (o->json) {
		print_json(c, err);
	} else {
		if (c->rep.rejected) /* even with -q, as ever */
			trust_print_rejected(&o->t);
		for (i = 0; i < c->rep.n && !tool_quiet; i++)
			print_item(&c->rep.items[i], o);
	}
	if (err == CR_OK && c->rep.fails > 0) {
		snprintf(msg, sizeof(msg), "%d check%s did not hold",
			 c->rep.fails, c->rep.fails == 1 ? "" : "s");
		err = cr_error_fail("%s: %s", o->root ? o->root : o->debdir,
				    msg);
	}
	return err;
}

int
cmd_root(int argc, char **argv)
{
	struct root_opts o = {0};
	struct root_check c;
	int rc, err;

	memset(&c, 0, sizeof(c));
	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED ||
	    (rc = parse_check(&o, &c.e)) != TOOL_PARSED) {
		trust_free(&o.t);
		return rc;
	}
	if (o.json)
		tool_quiet = 1; /* no progress */
	err = report(&c, &o, run(&c, &o));
	report_free(&c.rep);
	cr_root_owners_free(c.oref);
	cr_root_owners_free(c.ogot);
	cr_tree_free(c.given);
	cr_tree_free(c.remade);
	cr_root_debs_free(c.debs);
	cr_root_manifest_free(c.made);
	cr_root_manifest_free(c.m);
	trust_free(&o.t);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
