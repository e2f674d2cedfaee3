/* verify artifact: are these files covered by enough trusted attestations? */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "opts.h"
#include "source.h"
#include "tool.h"
#include "tree.h"
#include "trust.h"
#include "util.h"

static const struct tool_opt options[] = {
	TRUST_OPT_ATTESTATION(TRUST_OPT_DSSE),
	TRUST_OPT_BUNDLE,
	{"key", 'k', "PUB",
	 "a trusted public key (SPKI PEM); a key given\ntwice counts once",
	 'k'},
	{"threshold", 0, "N", "distinct trusted keys required (default 1)",
	 't'},
	{"log-key", 0, "PUB", "a transparency log's key (vkey or Ed25519 PEM)",
	 'L'},
	{"proof", 0, "PROOF",
	 "an inclusion proof ('attest log add -o'): with\n"
	 "it, only envelopes shown in the log count",
	 'P'},
	{"witness-key", 0, "PUB",
	 "a witness whose cosignature the log's\ncheckpoint must carry", 'W'},
	{"witness-threshold", 0, "N",
	 "witness cosignatures required (default: all)", 'H'},
	TOOL_OPT_JSON_ENTRY("print a machine-readable report"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"artifact",
	"verify artifact -a ATTESTATION [-a ATTESTATION]... -k PUB [-k "
	"PUB]...\n"
	"                [--threshold N] [--log-key PUB --proof PROOF]...\n"
	"                [--witness-key PUB]... [--witness-threshold N]\n"
	"                [--json] [-q] FILE...",
	"Checks that each FILE's SHA-256 is listed by statements that at "
	"least N\n"
	"distinct trusted keys signed for the same source tree (N defaults "
	"to 1).",
	options,
	"Exit status: 0 every file holds, 1 a file does not, 2 no answer.",
	0,
};

/* What the command line asks. */
struct artifact_opts {
	struct trust t;
	long long threshold;
	int json;
	char **files;
	size_t nfiles;
};

static const char *
base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* Every trusted claim about this file: by digest, or by its name. */
static void
print_claims(const struct trust *t, const char *path,
	     const unsigned char digest[CR_SHA256_LEN])
{
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	size_t i, j, k;

	for (i = 0; i < t->set.count; i++) {
		const struct cr_checked *c = &t->set.items[i];

		if (c->status != CR_OK)
			continue;
		for (j = 0; j < c->st->nsubjects; j++) {
			const struct cr_subject *s = &c->st->subjects[j];
			int same =
				memcmp(s->sha256, digest, CR_SHA256_LEN) == 0;

			if (!same && strcmp(base(s->name), base(path)) != 0)
				continue;
			cr_hex_encode(hex, s->sha256, CR_SHA256_LEN);
			if (c->st->has_tree)
				cr_tree_format_id(id, c->st->tree);
			else
				strcpy(id, "(no source tree)");
			for (k = 0; k < t->ring.count; k++)
				if (c->by[k])
					printf("  %s %s (%s) attests '%s' "
					       "sha256:%s from %s [%s:%u]\n",
					       same ? "=" : "!",
					       t->ring.keys[k]->keyid,
					       trust_key_name(t, k),
					       tool_name(s->name), hex, id,
					       tool_name(c->file), c->line);
		}
	}
}

static json_t *
json_matches(const struct trust *t, const struct cr_verdict *v)
{
	char id[CR_TREE_IDLEN + 1];
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < v->nmatches; i++) {
		const struct cr_checked *c = v->matches[i].att;

		if (c->st->has_tree)
			cr_tree_format_id(id, c->st->tree);
		else
			id[0] = '\0';
		json_array_append_new(
			a, json_pack("{s:o, s:i, s:o, s:s, s:o}", "attestation",
				     tool_json_str(c->file), "line",
				     (int)c->line, "subject",
				     tool_json_str(v->matches[i].subject->name),
				     "source", id, "signedBy",
				     trust_json_keys(t, c->by)));
	}
	return a;
}

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct artifact_opts *o = ctx;

	if (id != 't')
		return trust_option(&o->t, "artifact", id, arg);
	if (o->threshold >= 0)
		return tool_usage("artifact", "--threshold given twice");
	o->threshold = tool_parse_number(arg, CR_KEYRING_MAX);
	if (o->threshold < 1)
		return tool_usage("artifact",
				  "--threshold takes a number from 1 to %u",
				  CR_KEYRING_MAX);
	return 0;
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct artifact_opts *o, int argc, char **argv)
{
	struct tool_getopt g;
	int rc;

	o->threshold = -1;
	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    o)) != TOOL_PARSED)
		return rc;
	o->json = g.json;
	if ((rc = trust_check_usage(&o->t, "artifact")) != 0)
		return rc;
	if (g.optind >= argc)
		return tool_usage("artifact", "no FILE given");
	if (o->threshold < 0)
		o->threshold = 1;
	if ((size_t)o->threshold > o->t.nkeys)
		return tool_usage("artifact",
				  "--threshold %lld but only %zu "
				  "key%s given",
				  o->threshold, o->t.nkeys,
				  o->t.nkeys == 1 ? "" : "s");
	o->files = argv + g.optind;
	o->nfiles = (size_t)(argc - g.optind);
	return TOOL_PARSED;
}

/* One FILE judged: all its lines of the report need. */
struct file_result {
	const char *path;
	unsigned char digest[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1];
	char id[CR_TREE_IDLEN + 1]; /* the source tree the keys agree on */
	struct cr_verdict v;
};

/* Every FILE judged, in order, until the first that could not be. */
struct artifact_result {
	int loaded; /* the attestations are read */
	struct file_result *files;
	size_t nfiles;
	int failed; /* a file does not hold */
};

/* One file's verdict as a JSON object. */
static json_t *
file_json(const struct artifact_opts *o, const struct file_result *f)
{
	const struct cr_verdict *v = &f->v;
	json_t *j;

	j = json_pack("{s:o, s:s, s:s, s:i, s:i}", "file",
		      tool_json_str(f->path), "sha256", f->hex, "result",
		      v->status == CR_OK ? "ok" : "fail", "agreeingKeys",
		      (int)v->keys, "sourceTrees", (int)v->ntrees);
	if (v->keys > 0) {
		json_object_set_new(j, "source", json_string(f->id));
		json_object_set_new(j, "keys",
				    trust_json_keys(&o->t, v->agree));
	}
	if (v->status != CR_OK)
		json_object_set_new(j, "reason", json_string(v->reason));
	json_object_set_new(j, "matches", json_matches(&o->t, v));
	return j;
}

/* One file's verdict as text. */
static void
file_text(const struct artifact_opts *o, const struct file_result *f)
{
	const struct cr_verdict *v = &f->v;

	printf("%s  %s  sha256:%s\n", v->status == CR_OK ? "OK  " : "FAIL",
	       tool_name(f->path), f->hex);
	if (v->status == CR_OK)
		printf("  %zu of %lld required key%s agree "
		       "on source %s\n",
		       v->keys, o->threshold, o->threshold == 1 ? "" : "s",
		       f->id);
	else
		printf("  %s\n", tool_name(v->reason));
	print_claims(&o->t, f->path, f->digest);
}

/* Judges one file into f: a core status. */
static int
check_file(const struct artifact_opts *o, struct file_result *f,
	   const char *path)
{
	int err;

	f->path = path;
	if ((err = cr_sha256_file(f->digest, path)) < 0 ||
	    (err = cr_verdict_judge(&f->v, &o->t.set, &o->t.ring, f->digest,
				    (size_t)o->threshold)) < 0)
		return err;
	cr_hex_encode(f->hex, f->digest, CR_SHA256_LEN);
	if (f->v.has_tree)
		cr_tree_format_id(f->id, f->v.best_tree);
	else
		strcpy(f->id, "(no source tree)");
	if (f->v.status != CR_OK)
		tool_warn("%s: %s", path, f->v.reason);
	return CR_OK;
}

/* Loads the attestations and judges each FILE into r: a core status. */
static int
run(struct artifact_result *r, struct artifact_opts *o)
{
	int err;

	if ((err = trust_load(&o->t)) < 0)
		return err;
	r->loaded = 1;
	if ((r->files = calloc(o->nfiles, sizeof(*r->files))) == NULL)
		return cr_error_set("out of memory");
	for (; r->nfiles < o->nfiles; r->nfiles++) {
		if ((err = check_file(o, &r->files[r->nfiles],
				      o->files[r->nfiles])) < 0) {
			/* Its verdict is not printed, but freed. */
			cr_verdict_clear(&r->files[r->nfiles].v);
			return err;
		}
		if (r->files[r->nfiles].v.status != CR_OK)
			r->failed = 1;
	}
	return CR_OK;
}

/*
 * The report of r as text, as far as the files were judged, or as one JSON
 * object once all were (-q: nothing).
 */
static void
report(const struct artifact_result *r, const struct artifact_opts *o, int err)
{
	json_t *j, *files;
	size_t i;

	if (!o->json) {
		if (r->loaded && !tool_quiet)
			trust_print_rejected(&o->t);
		for (i = 0; i < r->nfiles && !tool_quiet; i++)
			file_text(o, &r->files[i]);
		return;
	}
	if (err < 0)
		return;
	files = json_array();
	for (i = 0; i < r->nfiles; i++)
		json_array_append_new(files, file_json(o, &r->files[i]));
	j = json_pack("{s:s, s:I, s:o, s:o, s:s}", "command", "artifact",
		      "threshold", (json_int_t)o->threshold, "attestations",
		      trust_json(&o->t), "files", files, "result",
		      r->failed ? "fail" : "ok");
	tool_json_print(j);
}

int
cmd_artifact(int argc, char **argv)
{
	struct artifact_opts o = {0};
	struct artifact_result r = {0};
	size_t i;
	int rc, err;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED) {
		trust_free(&o.t);
		return rc;
	}
	err = run(&r, &o);
	report(&r, &o, err);
	for (i = 0; i < r.nfiles; i++)
		cr_verdict_clear(&r.files[i].v);
	free(r.files);
	trust_free(&o.t);
	if (err < 0)
		return tool_report(err);
	return r.failed ? EXIT_FAIL : EXIT_OK;
}
