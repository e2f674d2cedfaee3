/* verify root: is this root, or the one Debian's .debs make, the attested one? */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmds.h"
#include "manifest.h"
#include "root.h"
#include "tool.h"
#include "tree.h"
#include "trust.h"
#include "util.h"

static const char usage_text[] =
	"usage: verify root (-a ATTESTATION -k PUB | --tree sha256tree:HEX | --manifest ROOT.json)\n"
	"                   [--debs DIR [-o ROOT.tar]] [--keyring FILE] [--json] [-q]\n"
	"                   [ROOT.tar | DIR]\n"
	"\n"
	"Checks a build root against the tree hash a trusted attestation records\n"
	"for it (its resolved dependency \"rootfs\"), or against a tree hash given\n"
	"with --tree, or against a ROOT.json ('attest root create'; no one signed\n"
	"it, so that only checks a root against its own recipe). A root's tree\n"
	"hash leaves device nodes, FIFOs and sockets out.\n"
	"\n"
	"With --debs, offline: InRelease must be signed by a key of Debian's\n"
	"archive keyring (gpgv), Packages must be the file InRelease lists, and\n"
	"every .deb the one Packages lists; a package that is not is named. With\n"
	"-o, the root is then made again from those .debs alone (mmdebstrap, the\n"
	"recipe of --manifest or DIR/ROOT.json) into ROOT.tar and its tree hash\n"
	"checked; a ROOT.tar or DIR given too is compared with it file by file,\n"
	"each difference named with the package that owns the file, or as owned\n"
	"by no package.\n"
	"\n"
	"  -a, --attestation FILE  an .intoto.jsonl file of DSSE envelopes\n"
	"  --bundle FILE           a Sigstore bundle v0.3 (.sigstore.json), as -a\n"
	"  -k, --key PUB           a trusted public key (SPKI PEM)\n"
	"  --tree ID               the expected tree hash, sha256tree:HEX\n"
	"  --manifest ROOT.json    the recipe; the expected tree hash when neither\n"
	"                          -a nor --tree is given\n"
	"  --debs DIR              a directory 'attest root create --debs' wrote\n"
	"  -o, --output ROOT.tar   make the root again from --debs into ROOT.tar\n"
	"  --keyring FILE          the archive keyring (default\n"
	"                          /usr/share/keyrings/debian-archive-keyring.gpg)\n"
	"  --json                  print a machine-readable report\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 every check holds, 1 one does not, 2 no answer.\n";

struct expect {
	unsigned char tree[CR_SHA256_LEN];
	char what[512]; /* where the expected hash comes from */
	int have;
};

/* The first trusted statement recording a root. */
static int
expect_from_trust(struct expect *e, const struct trust *t)
{
	struct cr_root_record rec;
	size_t i, trusted = 0;
	int err, found;

	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *ck = &t->set.items[i];

		if (ck->status != CR_OK)
			continue;
		trusted++;
		if ((err = cr_root_record_get(&rec, &found, ck->st)) < 0)
			return err;
		memcpy(e->tree, rec.tree, CR_SHA256_LEN);
		cr_root_record_clear(&rec);
		if (found) {
			snprintf(e->what, sizeof(e->what), "attested [%s:%u]",
				 ck->file, ck->line);
			e->have = 1;
			return CR_OK;
		}
	}
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

struct diffctx {
	const struct cr_root_owners *ref, *got;
	json_t *list;
	long n;
};

static int
print_change(void *ctx, enum cr_change change, const struct cr_tree_entry *ea,
	     const struct cr_tree_entry *eb)
{
	struct diffctx *c = ctx;
	const char *path = ea ? ea->path : eb->path;
	const char *owner = cr_root_owner(c->ref, path);

	if (owner == NULL)
		owner = cr_root_owner(c->got, path);
	c->n++;
	if (c->list != NULL)
		json_array_append_new(
			c->list,
			json_pack("{s:o, s:s, s:o}", "path",
				  tool_json_str(path), "change",
				  cr_change_name(change), "package",
				  owner ? json_string(owner) : json_null()));
	else if (!tool_quiet)
		printf("  %-12s %s  (%s%s)\n", cr_change_name(change), path,
		       owner ? "package " : "", owner ? owner : "no package");
	return 0;
}

struct report {
	json_t *j; /* --json, else NULL */
	int fails;
};

static void result(struct report *r, int ok, const char *what, const char *fmt,
		   ...) CR_PRINTF(4, 5);

static void
result(struct report *r, int ok, const char *what, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!ok)
		r->fails++;
	if (r->j != NULL)
		json_array_append_new(json_object_get(r->j, "checks"),
				      json_pack("{s:s, s:o, s:s}", "result",
						ok ? "ok" : "fail", "what",
						tool_json_str(what), "detail",
						msg));
	else if (!tool_quiet)
		printf("%s  %s  %s\n", ok ? "OK  " : "FAIL", what, msg);
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

int
cmd_root(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"attestation", required_argument, NULL, 'a'},
		{"bundle", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"tree", required_argument, NULL, 't'},
		{"manifest", required_argument, NULL, 'm'},
		{"debs", required_argument, NULL, 'd'},
		{"output", required_argument, NULL, 'o'},
		{"keyring", required_argument, NULL, 'K'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct trust t = {0};
	struct expect e = {0};
	struct report rep = {0};
	struct cr_root_manifest *m = NULL, *made = NULL;
	struct cr_root_debs *debs = NULL;
	struct cr_tree *given = NULL, *remade = NULL;
	struct cr_root_owners *oref = NULL, *ogot = NULL;
	const char *tree = NULL, *manifest = NULL, *debdir = NULL;
	const char *output = NULL, *keyring = NULL, *root = NULL;
	char path[4096], id[CR_TREE_IDLEN + 1];
	int c, rc, json = 0, err = CR_OK, given_err = CR_OK;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:k:o:qh", longopts, NULL)) !=
	       -1) {
		const char **slot = NULL;

		switch (c) {
		case 'a':
			if ((rc = trust_add_attestation(&t, "root", optarg)))
				return rc;
			continue;
		case 'b':
			if ((rc = trust_add_bundle(&t, "root", optarg)))
				return rc;
			continue;
		case 'k':
			if ((rc = trust_add_key(&t, "root", optarg)))
				return rc;
			continue;
		case 't':
			slot = &tree;
			break;
		case 'm':
			slot = &manifest;
			break;
		case 'd':
			slot = &debdir;
			break;
		case 'o':
			slot = &output;
			break;
		case 'K':
			slot = &keyring;
			break;
		case 'j':
			json = 1;
			continue;
		case 'q':
			tool_quiet = 1;
			continue;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			return tool_usage("root", "unknown option");
		}
		if (*slot != NULL)
			return tool_usage("root", "an option given twice");
		*slot = optarg;
	}
	if (optind < argc) {
		if (optind + 1 < argc)
			return tool_usage("root", "one ROOT.tar or DIR at a "
						  "time");
		root = argv[optind];
	}
	if ((t.natt > 0 || t.nkeys > 0) &&
	    (rc = trust_check_usage(&t, "root")) != 0)
		return rc;
	if (t.natt > 0 && tree != NULL)
		return tool_usage("root", "-a and --tree both name the "
					  "expected root: give one");
	if (t.natt == 0 && tree == NULL && manifest == NULL)
		return tool_usage("root", "give -a and -k, --tree or "
					  "--manifest");
	if (tree != NULL && parse_tree_id(e.tree, tree) < 0)
		return tool_usage("root", "--tree: not sha256tree:<64 hex>");
	if (output != NULL && debdir == NULL)
		return tool_usage("root", "-o makes the root from --debs: "
					  "give --debs");
	if (root == NULL && debdir == NULL)
		return tool_usage("root", "give ROOT.tar, DIR or --debs");
	if (output != NULL && root != NULL && strcmp(output, root) == 0)
		return tool_usage("root",
				  "-o would overwrite the root checked");

	if (json) {
		rep.j = json_pack("{s:s, s:[]}", "command", "root", "checks");
		tool_quiet = 1;
	}
	if (t.natt > 0) {
		if ((err = trust_load(&t)) < 0)
			goto done;
		if (!json)
			trust_print_rejected(&t);
		if ((err = expect_from_trust(&e, &t)) < 0)
			goto done;
	} else if (tree != NULL) {
		snprintf(e.what, sizeof(e.what), "given with --tree");
		e.have = 1;
	}
	/* The recipe: --manifest, else the one kept with the .debs. */
	if (manifest != NULL) {
		if ((err = cr_root_manifest_load(&m, manifest)) < 0)
			goto done;
	} else if (debdir != NULL) {
		snprintf(path, sizeof(path), "%s/ROOT.json", debdir);
		if (access(path, F_OK) == 0 &&
		    (err = cr_root_manifest_load(&m, path)) < 0)
			goto done;
	}
	if (!e.have) {
		memcpy(e.tree, m->tree, CR_SHA256_LEN);
		snprintf(e.what, sizeof(e.what), "recorded in %s (not signed)",
			 manifest);
		e.have = 1;
	}
	if (rep.j != NULL) {
		cr_tree_format_id(id, e.tree);
		json_object_set_new(rep.j, "expected", json_string(id));
		json_object_set_new(rep.j, "expectedFrom",
				    tool_json_str(e.what));
	}

	if (debdir != NULL) {
		err = cr_root_debs_check(&debs, debdir, keyring, m);
		if (err == CR_EFAIL) {
			result(&rep, 0, debdir, "%s", cr_error_last());
			goto done;
		}
		if (err < 0)
			goto done;
		for (i = 0; i < debs->count; i++) {
			const struct cr_root_deb *d = &debs->debs[i];

			if (d->state == CR_DEB_OK)
				continue;
			snprintf(path, sizeof(path), "package %s %s (%s)",
				 d->pkg.name ? d->pkg.name : "?",
				 d->pkg.version ? d->pkg.version : "?",
				 d->pkg.arch ? d->pkg.arch : "?");
			result(&rep, 0, d->pkg.name ? path : d->pkg.filename,
			       "%s: %s", d->pkg.filename, deb_state(d->state));
		}
		result(&rep, debs->nbad == 0, debdir,
		       "%zu of %zu .debs are the ones Debian's archive signed "
		       "(%s %s, InRelease of %s)",
		       debs->count - debs->nbad, debs->count, debs->suite,
		       debs->arch, debs->release_date);
		if (m != NULL && m->npkgs == 0)
			result(&rep, 0, debdir,
			       "the manifest lists no package");
	}
	if (output != NULL && rep.fails == 0) {
		struct cr_root_create_opts o = {0};
		struct cr_root_recipe r;
		char *mirror = NULL;

		if (m == NULL) {
			err = cr_error_set("%s: no ROOT.json with the recipe; "
					   "give --manifest",
					   debdir);
			goto done;
		}
		if (m->npkgs != debs->count) {
			result(&rep, 0, debdir,
			       "holds %zu .debs, the manifest lists %zu",
			       debs->count, m->npkgs);
			goto done;
		}
		if ((mirror = realpath(debdir, NULL)) == NULL) {
			err = cr_error_errno("%s", debdir);
			goto done;
		}
		r = m->recipe;
		if (asprintf(&r.mirror, "file://%s", mirror) < 0) {
			free(mirror);
			err = cr_error_set("out of memory");
			goto done;
		}
		free(mirror);
		o.recipe = &r;
		o.output = output;
		o.keyring = keyring;
		o.progress = tool_progress_line;
		err = cr_root_create(&made, &o);
		free(r.mirror);
		tool_progress_done();
		if (err < 0)
			goto done;
		if ((err = check_root(&rep, &remade, output, &e)) == CR_ERROR)
			goto done;
		if (memcmp(made->tar, m->tar, CR_SHA256_LEN) == 0)
			result(&rep, 1, output,
			       "byte for byte the ROOT.tar of the manifest");
		else if (!json && !tool_quiet)
			printf("note  %s  not byte for byte the manifest's "
			       "ROOT.tar (the tree hash is what counts)\n",
			       output);
	}
	if (root != NULL) {
		given_err = check_root(&rep, &given, root, &e);
		if (given_err == CR_ERROR) {
			err = given_err;
			goto done;
		}
		/*
		 * Named file by file whenever it is not the root the .debs
		 * make: also when it is the attested one (a vendor's root
		 * with a patched compiler attests itself).
		 */
		if (remade != NULL && given != NULL &&
		    memcmp(remade->root, given->root, CR_SHA256_LEN) != 0) {
			struct diffctx dc = {0};

			if ((err = cr_root_owners_load(&oref, output)) < 0 ||
			    (err = cr_root_owners_load(&ogot, root)) < 0)
				goto done;
			dc.ref = oref;
			dc.got = ogot;
			if (rep.j != NULL) {
				dc.list = json_array();
				json_object_set_new(rep.j, "changes", dc.list);
			} else if (!tool_quiet) {
				printf("  %s against the root made from %s:\n",
				       root, debdir);
			}
			cr_tree_compare(remade, given, print_change, &dc);
		} else if (given_err == CR_EFAIL && remade == NULL && !json &&
			   !tool_quiet) {
			printf("  (give --debs DIR -o FILE to name the files "
			       "that differ)\n");
		}
	}
	/* Signed .debs alone say nothing about the attested root. */
	if (root == NULL && output == NULL && !json && !tool_quiet)
		printf("note  no root was compared with the expected tree: "
		       "give ROOT.tar or DIR, or -o to make it from the "
		       ".debs\n");
	err = CR_OK;
done:
	tool_progress_done();
	if (rep.j != NULL) {
		json_object_set_new(rep.j, "result",
				    json_string(err == CR_OK && rep.fails == 0
							? "ok"
						: err == CR_ERROR ? "error"
								  : "fail"));
		tool_json_print(rep.j);
	}
	if (err == CR_OK && rep.fails > 0) {
		snprintf(path, sizeof(path), "%d check%s did not hold",
			 rep.fails, rep.fails == 1 ? "" : "s");
		err = cr_error_fail("%s: %s", root ? root : debdir, path);
	}
	cr_root_owners_free(oref);
	cr_root_owners_free(ogot);
	cr_tree_free(given);
	cr_tree_free(remade);
	cr_root_debs_free(debs);
	cr_root_manifest_free(made);
	cr_root_manifest_free(m);
	trust_free(&t);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
