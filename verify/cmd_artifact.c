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
	{"attestation", 'a', "FILE", "an .intoto.jsonl file of DSSE envelopes",
	 'a'},
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

/* One file's verdict as a JSON object. */
static json_t *
file_json(const struct artifact_opts *o, const char *path, const char *hex,
	  const char *id, const struct cr_verdict *v)
{
	json_t *f;

	f = json_pack("{s:o, s:s, s:s, s:i, s:i}", "file", tool_json_str(path),
		      "sha256", hex, "result",
		      v->status == CR_OK ? "ok" : "fail", "agreeingKeys",
		      (int)v->keys, "sourceTrees", (int)v->ntrees);
	if (v->keys > 0) {
		json_object_set_new(f, "source", json_string(id));
		json_object_set_new(f, "keys",
				    trust_json_keys(&o->t, v->agree));
	}
	if (v->status != CR_OK)
		json_object_set_new(f, "reason", json_string(v->reason));
	json_object_set_new(f, "matches", json_matches(&o->t, v));
	return f;
}

/* One file's verdict as text. */
static void
file_text(const struct artifact_opts *o, const char *path, const char *hex,
	  const char *id, const struct cr_verdict *v,
	  const unsigned char digest[CR_SHA256_LEN])
{
	printf("%s  %s  sha256:%s\n", v->status == CR_OK ? "OK  " : "FAIL",
	       tool_name(path), hex);
	if (v->status == CR_OK)
		printf("  %zu of %lld required key%s agree "
		       "on source %s\n",
		       v->keys, o->threshold, o->threshold == 1 ? "" : "s", id);
	else
		printf("  %s\n", tool_name(v->reason));
	print_claims(&o->t, path, digest);
}

/*
 * Judges one file and reports it (into files with --json): a core status,
 * *failed set when the file does not hold.
 */
static int
check_file(const struct artifact_opts *o, json_t *files, const char *path,
	   int *failed)
{
	struct cr_verdict v = {0};
	unsigned char digest[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	int err;

	if ((err = cr_sha256_file(digest, path)) < 0)
		return err;
	if ((err = cr_verdict_judge(&v, &o->t.set, &o->t.ring, digest,
				    (size_t)o->threshold)) < 0)
		goto done;
	cr_hex_encode(hex, digest, CR_SHA256_LEN);
	if (v.has_tree)
		cr_tree_format_id(id, v.best_tree);
	else
		strcpy(id, "(no source tree)");
	if (v.status != CR_OK)
		*failed = 1;
	if (o->json)
		json_array_append_new(files, file_json(o, path, hex, id, &v));
	else if (!tool_quiet)
		file_text(o, path, hex, id, &v, digest);
	if (v.status != CR_OK)
		tool_warn("%s: %s", path, v.reason);
done:
	cr_verdict_clear(&v);
	return err;
}

int
cmd_artifact(int argc, char **argv)
{
	struct artifact_opts o = {0};
	json_t *report = NULL, *files = NULL;
	int rc, failed = 0, err = CR_OK;
	size_t i;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED) {
		trust_free(&o.t);
		return rc;
	}
	if ((err = trust_load(&o.t)) < 0)
		goto done;
	if (o.json) {
		report = json_object();
		files = json_array();
		json_object_set_new(report, "command", json_string("artifact"));
		json_object_set_new(report, "threshold",
				    json_integer(o.threshold));
		json_object_set_new(report, "attestations", trust_json(&o.t));
		json_object_set(report, "files", files);
		json_decref(files);
	} else if (!tool_quiet) {
		trust_print_rejected(&o.t);
	}
	for (i = 0; i < o.nfiles; i++)
		if ((err = check_file(&o, files, o.files[i], &failed)) < 0)
			goto done;
	if (o.json) {
		json_object_set_new(report, "result",
				    json_string(failed ? "fail" : "ok"));
		tool_json_print(report);
		report = NULL;
	}
done:
	json_decref(report);
	trust_free(&o.t);
	if (err < 0)
		return tool_report(err);
	return failed ? EXIT_FAIL : EXIT_OK;
}
