/* verify source: is this the source tree the attestation names? */
#include <getopt.h>
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
	"usage: verify source -a ATTESTATION -k PUB [--strip-components N] [--json] [-q]\n"
	"                     (PATH | --git REPO [--rev REV])\n"
	"\n"
	"Checks that the source tree at PATH (a directory, .git excluded, or a\n"
	"source archive) or the committed tree of REPO has exactly the source\n"
	"tree hash that a trusted attestation names.\n"
	"\n"
	"  -a, --attestation FILE  an .intoto.jsonl file of DSSE envelopes\n"
	"  -k, --key PUB           a trusted public key (SPKI PEM)\n"
	"  --git REPO              check the committed tree of REPO\n"
	"  --rev REV               the revision with --git (default HEAD)\n"
	"  --strip-components N    drop N leading path parts of archive members\n"
	"  --json                  print a machine-readable report\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 the source matches, 1 it does not, 2 no answer.\n";

int
cmd_source(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"attestation", required_argument, NULL, 'a'},
		{"key", required_argument, NULL, 'k'},
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"strip-components", required_argument, NULL, 's'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct trust t = {0};
	struct tool_source src = {0};
	struct cr_source_info info;
	struct cr_tree *tree = NULL;
	const struct cr_checked *match = NULL, *other = NULL;
	char got[CR_TREE_IDLEN + 1], want[CR_TREE_IDLEN + 1];
	json_t *report;
	size_t i, trusted = 0;
	long long v;
	int c, rc, json = 0, err = CR_OK, ok;

	optind = 1;
	while ((c = getopt_long(argc, argv, "a:k:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if ((rc = trust_add_attestation(&t, "source", optarg)))
				return rc;
			break;
		case 'k':
			if ((rc = trust_add_key(&t, "source", optarg)))
				return rc;
			break;
		case 'G':
			if ((rc = tool_source_set(&src, "source", "git",
						  optarg)))
				return rc;
			break;
		case 'r':
			if (src.rev)
				return tool_usage("source", "--rev given twice");
			src.rev = optarg;
			break;
		case 's':
			if ((v = tool_parse_number(optarg, 255)) < 0)
				return tool_usage("source", "--strip-components "
						  "takes a number");
			src.strip_components = (unsigned int)v;
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
			return tool_usage("source", "unknown option");
		}
	}
	if ((rc = trust_check_usage(&t, "source")) != 0)
		return rc;
	if (optind < argc) {
		if (optind + 1 < argc)
			return tool_usage("source", "one PATH at a time");
		if ((rc = tool_source_set(&src, "source", "path",
					  argv[optind])))
			return rc;
	}
	if ((rc = tool_source_check(&src, "source", 1)) != 0)
		return rc;

	if ((err = trust_load(&t)) < 0 ||
	    (err = tool_source_hash(&tree, &info, &src)) < 0)
		goto done;
	tool_progress_done();
	for (i = 0; i < t.set.count; i++) {
		const struct cr_checked *ck = &t.set.items[i];

		if (ck->status != CR_OK || !ck->st->has_tree)
			continue;
		trusted++;
		if (memcmp(ck->st->tree, tree->root, CR_SHA256_LEN) == 0) {
			match = ck;
			break;
		}
		if (other == NULL)
			other = ck;
	}
	ok = match != NULL;
	cr_tree_format_id(got, tree->root);
	if (match)
		cr_tree_format_id(want, match->st->tree);
	else if (other)
		cr_tree_format_id(want, other->st->tree);
	else
		want[0] = '\0';

	if (json) {
		report = json_pack("{s:s, s:s, s:o, s:s, s:i, s:o}", "command",
				   "source", "result", ok ? "ok" : "fail",
				   "path", tool_json_str(src.path), "source",
				   got, "files", (int)tree->count,
				   "attestations", trust_json(&t));
		if (want[0])
			json_object_set_new(report, "attested",
					    json_string(want));
		tool_json_print(report);
	} else if (!tool_quiet) {
		trust_print_rejected(&t);
		printf("%s  %s  %s (%zu files)\n", ok ? "OK  " : "FAIL",
		       src.path, got, tree->count);
		if (want[0])
			printf("  attested %s [%s:%u]\n", want,
			       (match ? match : other)->file,
			       (match ? match : other)->line);
	}
	if (!ok) {
		if (trusted == 0)
			err = cr_error_fail("%s: no attestation signed by a "
					    "trusted key names a source tree",
					    src.path);
		else
			err = cr_error_fail("%s: source tree differs: it is "
					    "%s, the attestation names %s",
					    src.path, got, want);
	}
done:
	cr_tree_free(tree);
	trust_free(&t);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
