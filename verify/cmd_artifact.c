/* verify artifact: are these files covered by enough trusted attestations? */
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "source.h"
#include "tool.h"
#include "tree.h"
#include "trust.h"
#include "util.h"

static const char usage_text[] =
	"usage: verify artifact -a ATTESTATION [-a ATTESTATION]... -k PUB [-k PUB]...\n"
	"                       [--threshold N] [--log-key PUB --proof PROOF]...\n"
	"                       [--witness-key PUB]... [--witness-threshold N]\n"
	"                       [--json] [-q] FILE...\n"
	"\n"
	"Checks that each FILE's SHA-256 is listed by statements that at least N\n"
	"distinct trusted keys signed for the same source tree (N defaults to 1).\n"
	"\n"
	"  -a, --attestation FILE  an .intoto.jsonl file of DSSE envelopes\n"
	"  --bundle FILE           a Sigstore bundle v0.3 (.sigstore.json), as -a\n"
	"  -k, --key PUB           a trusted public key (SPKI PEM); a key given\n"
	"                          twice counts once\n"
	"  --threshold N           distinct trusted keys required (default 1)\n"
	"  --log-key PUB           a transparency log's key (vkey or Ed25519 PEM)\n"
	"  --proof PROOF           an inclusion proof ('attest log add -o'): with\n"
	"                          it, only envelopes shown in the log count\n"
	"  --witness-key PUB       a witness whose cosignature the log's\n"
	"                          checkpoint must carry\n"
	"  --witness-threshold N   witness cosignatures required (default: all)\n"
	"  --json                  print a machine-readable report\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 every file holds, 1 a file does not, 2 no answer.\n";

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

int
cmd_artifact(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"attestation", required_argument, NULL, 'a'},
		{"bundle", required_argument, NULL, 'b'},
		{"key", required_argument, NULL, 'k'},
		{"threshold", required_argument, NULL, 't'},
		{"log-key", required_argument, NULL, 'L'},
		{"proof", required_argument, NULL, 'P'},
		{"witness-key", required_argument, NULL, 'W'},
		{"witness-threshold", required_argument, NULL, 'H'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct trust t = {0};
	struct cr_verdict v = {0};
	unsigned char digest[CR_SHA256_LEN];
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	json_t *report = NULL, *files = NULL, *f;
	long long threshold = -1;
	int c, rc, json = 0, failed = 0, err = CR_OK;
	size_t i;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:k:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if ((rc = trust_add_attestation(&t, "artifact",
							optarg)))
				return rc;
			break;
		case 'b':
			if ((rc = trust_add_bundle(&t, "artifact", optarg)))
				return rc;
			break;
		case 'k':
			if ((rc = trust_add_key(&t, "artifact", optarg)))
				return rc;
			break;
		case 't':
			if (threshold >= 0)
				return tool_usage("artifact",
						  "--threshold given twice");
			threshold = tool_parse_number(optarg, CR_KEYRING_MAX);
			if (threshold < 1)
				return tool_usage("artifact",
						  "--threshold "
						  "takes a number from 1 to %u",
						  CR_KEYRING_MAX);
			break;
		case 'L':
		case 'P':
		case 'W':
		case 'H':
			if ((rc = trust_add_log_option(&t, "artifact", c,
						       optarg)))
				return rc;
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
			return tool_usage("artifact", "unknown option");
		}
	}
	if ((rc = trust_check_usage(&t, "artifact")) != 0)
		return rc;
	if (optind >= argc)
		return tool_usage("artifact", "no FILE given");
	if (threshold < 0)
		threshold = 1;
	if ((size_t)threshold > t.nkeys)
		return tool_usage("artifact",
				  "--threshold %lld but only %zu "
				  "key%s given",
				  threshold, t.nkeys, t.nkeys == 1 ? "" : "s");

	if ((err = trust_load(&t)) < 0)
		goto done;
	if (json) {
		report = json_object();
		files = json_array();
		json_object_set_new(report, "command", json_string("artifact"));
		json_object_set_new(report, "threshold",
				    json_integer(threshold));
		json_object_set_new(report, "attestations", trust_json(&t));
		json_object_set(report, "files", files);
		json_decref(files);
	} else if (!tool_quiet) {
		trust_print_rejected(&t);
	}

	for (i = (size_t)optind; i < (size_t)argc; i++) {
		const char *path = argv[i];

		if ((err = cr_sha256_file(digest, path)) < 0)
			goto done;
		if ((err = cr_verdict_judge(&v, &t.set, &t.ring, digest,
					    (size_t)threshold)) < 0)
			goto done;
		cr_hex_encode(hex, digest, CR_SHA256_LEN);
		if (v.has_tree)
			cr_tree_format_id(id, v.best_tree);
		else
			strcpy(id, "(no source tree)");
		if (v.status != CR_OK)
			failed = 1;
		if (json) {
			f = json_pack("{s:o, s:s, s:s, s:i, s:i}", "file",
				      tool_json_str(path), "sha256", hex,
				      "result",
				      v.status == CR_OK ? "ok" : "fail",
				      "agreeingKeys", (int)v.keys,
				      "sourceTrees", (int)v.ntrees);
			if (v.keys > 0) {
				json_object_set_new(f, "source",
						    json_string(id));
				json_object_set_new(
					f, "keys",
					trust_json_keys(&t, v.agree));
			}
			if (v.status != CR_OK)
				json_object_set_new(f, "reason",
						    json_string(v.reason));
			json_object_set_new(f, "matches", json_matches(&t, &v));
			json_array_append_new(files, f);
		} else if (!tool_quiet) {
			printf("%s  %s  sha256:%s\n",
			       v.status == CR_OK ? "OK  " : "FAIL",
			       tool_name(path), hex);
			if (v.status == CR_OK)
				printf("  %zu of %lld required key%s agree "
				       "on source %s\n",
				       v.keys, threshold,
				       threshold == 1 ? "" : "s", id);
			else
				printf("  %s\n", tool_name(v.reason));
			print_claims(&t, path, digest);
		}
		if (v.status != CR_OK)
			tool_warn("%s: %s", path, v.reason);
		cr_verdict_clear(&v);
	}
	if (json) {
		json_object_set_new(report, "result",
				    json_string(failed ? "fail" : "ok"));
		tool_json_print(report);
		report = NULL;
	}
done:
	json_decref(report);
	cr_verdict_clear(&v);
	trust_free(&t);
	if (err < 0)
		return tool_report(err);
	return failed ? EXIT_FAIL : EXIT_OK;
}
