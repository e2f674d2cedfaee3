/* attest sign: a signed statement for artifacts built elsewhere. */
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "cmds.h"
#include "passphrase.h"
#include "dsse_sign.h"
#include "error.h"
#include "source.h"
#include "statement.h"
#include "tool.h"
#include "util.h"

static const char usage_text[] =
	"usage: attest sign (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"                   [--strip-components N] [--source-uri URI] --key KEY\n"
	"                   [--passphrase-file FILE | --passphrase-fd N]\n"
	"                   (-o OUT | --bundle BUNDLE | -o OUT --bundle BUNDLE)\n"
	"                   [--json] [-q]\n"
	"                   ARTIFACT...\n"
	"\n"
	"Signs an in-toto statement (SLSA provenance v1) binding the source tree\n"
	"hash to the SHA-256 of each ARTIFACT, for artifacts built elsewhere.\n"
	"OUT is written atomically as one DSSE envelope on one line.\n"
	"\n"
	"  --source DIR            the source tree as a directory (.git excluded)\n"
	"  --git REPO              the committed tree of a git repository\n"
	"  --rev REV               the revision with --git (default HEAD)\n"
	"  --tarball FILE          the source tree as an archive\n"
	"  --strip-components N    drop N leading path parts of archive members\n"
	"  --source-uri URI        the source's canonical URI (default: --git's\n"
	"                          origin remote without credentials, else none)\n"
	"  --key KEY               the private key (PKCS#8 PEM, or encrypted)\n" PASSPHRASE_HELP
	"  -o, --output OUT        where to write the attestation (.intoto.jsonl)\n"
	"  --bundle BUNDLE         write it as a Sigstore bundle v0.3 too\n"
	"                          (.sigstore.json)\n"
	"  --json                  print one JSON object: source, subjects, key\n"
	"                          id and the files written\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n";

/* The subject name: the path as given when it is relative and stays
 * inside, else its last component. */
static int
subject_name(char **out, const char *path)
{
	const char *p = path;
	char *copy;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (p[0] != '/' && strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0 &&
	    strstr(p, "/../") == NULL) {
		*out = strdup(p);
	} else {
		if ((copy = strdup(path)) == NULL)
			return cr_error_set("out of memory");
		*out = strdup(basename(copy));
		free(copy);
	}
	return *out ? CR_OK : cr_error_set("out of memory");
}

int
cmd_sign(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 'S'},
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"tarball", required_argument, NULL, 'T'},
		{"strip-components", required_argument, NULL, 's'},
		{"source-uri", required_argument, NULL, 'u'},
		{"key", required_argument, NULL, 'k'},
		{"output", required_argument, NULL, 'o'},
		{"bundle", required_argument, NULL, 'b'},
		PASSPHRASE_OPTIONS,
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tool_source src = {0};
	struct tool_source_id sid = {0};
	const char *source_uri = NULL;
	struct cr_source_info info;
	struct cr_provenance in;
	struct cr_subject *subjects = NULL;
	struct cr_privkey *key = NULL;
	struct cr_dsse *env = NULL;
	struct cr_tree *tree = NULL;
	const char *keypath = NULL, *out = NULL, *bundle = NULL;
	char **names = NULL, *payload = NULL, *line = NULL, *btext = NULL;
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	size_t i, n, plen, llen, blen;
	int c, err = CR_OK, rc, json = 0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (keypath)
				return tool_usage("sign", "--key given twice");
			keypath = optarg;
			break;
		case 'o':
			if (out)
				return tool_usage("sign", "-o given twice");
			out = optarg;
			break;
		case OPT_PASSPHRASE_FILE:
		case OPT_PASSPHRASE_FD:
			if ((rc = passphrase_option("sign", c, optarg)) != 0)
				return rc;
			break;
		case 'b':
			if (bundle)
				return tool_usage("sign",
						  "--bundle given twice");
			bundle = optarg;
			break;
		case 'u':
			if ((rc = tool_source_uri_option(&source_uri, "sign",
							 optarg)) != 0)
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
			rc = tool_source_option(&src, "sign", c, optarg);
			if (rc < 0)
				return tool_usage("sign", "unknown option");
			if (rc > 0)
				return rc;
			break;
		}
	}
	if ((rc = tool_source_check(&src, "sign", 1)) != 0)
		return rc;
	if (keypath == NULL)
		return tool_usage("sign", "--key KEY is required");
	if (out == NULL && bundle == NULL)
		return tool_usage("sign",
				  "-o OUT or --bundle BUNDLE is required");
	if (optind >= argc)
		return tool_usage("sign", "no ARTIFACT given");
	n = (size_t)(argc - optind);

	cr_provenance_init(&in);
	in.started = (int64_t)time(NULL);
	if ((err = cr_privkey_load(&key, keypath)) < 0)
		goto done;
	if ((err = tool_source_hash(&tree, &info, &src)) < 0 ||
	    (err = tool_source_identify(&sid, &src, source_uri)) < 0)
		goto done;
	tool_progress_done();
	subjects = calloc(n, sizeof(*subjects));
	names = calloc(n + 1, sizeof(*names));
	if (subjects == NULL || names == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		const char *path = argv[optind + (int)i];

		if ((err = subject_name(&subjects[i].name, path)) < 0 ||
		    (err = cr_sha256_file(subjects[i].sha256, path)) < 0)
			goto done;
		names[i] = subjects[i].name;
	}

	in.build_type = CR_BUILDTYPE_SIGN;
	in.subjects = subjects;
	in.nsubjects = n;
	in.external.source_kind = src.kind;
	in.external.source_uri = sid.uri;
	in.source_sha256 = sid.has_sha256 ? sid.sha256 : NULL;
	if (strcmp(src.kind, "git") == 0)
		in.external.source_revision = src.rev ? src.rev : "HEAD";
	memcpy(in.tree, tree->root, CR_SHA256_LEN);
	in.commit = info.commit[0] ? info.commit : NULL;
	in.external.artifacts = names;
	in.finished = (int64_t)time(NULL);
	if ((err = cr_statement_encode(&payload, &plen, &in)) < 0 ||
	    (err = cr_dsse_new(&env, CR_INTOTO_PAYLOAD_TYPE,
			       (const unsigned char *)payload, plen)) < 0 ||
	    (err = cr_dsse_sign(env, key)) < 0 ||
	    (err = cr_dsse_serialize(&line, &llen, env)) < 0)
		goto done;
	line[llen] = '\n';
	if (out != NULL &&
	    (err = cr_write_atomic(out, line, llen + 1, 0644, 0)) < 0)
		goto done;
	if (bundle != NULL &&
	    ((err = cr_bundle_serialize(&btext, &blen, env)) < 0 ||
	     (err = cr_write_atomic(bundle, btext, blen, 0644, 0)) < 0))
		goto done;

	if (json) {
		json_t *o, *subs = json_array();

		cr_tree_format_id(id, tree->root);
		for (i = 0; subs != NULL && i < n; i++) {
			cr_hex_encode(hex, subjects[i].sha256, CR_SHA256_LEN);
			json_array_append_new(
				subs, json_pack("{s:o, s:{s:s}}", "name",
						tool_json_str(subjects[i].name),
						"digest", "sha256", hex));
		}
		o = json_pack("{s:s, s:o, s:s, s:o*, s:o*}", "source", id,
			      "subjects", subs, "keyid", key->keyid,
			      "attestation", out ? tool_json_str(out) : NULL,
			      "bundle", bundle ? tool_json_str(bundle) : NULL);
		tool_json_print(o);
	} else if (!tool_quiet) {
		cr_tree_format_id(id, tree->root);
		printf("source %s\n", id);
		for (i = 0; i < n; i++) {
			cr_hex_encode(hex, subjects[i].sha256, CR_SHA256_LEN);
			printf("subject %s  %s\n", hex, subjects[i].name);
		}
		printf("signed by %s\n", key->keyid);
		if (out != NULL)
			printf("wrote %s\n", out);
		if (bundle != NULL)
			printf("wrote %s\n", bundle);
	}
done:
	if (subjects != NULL)
		for (i = 0; i < n; i++)
			free(subjects[i].name);
	free(subjects);
	free(names);
	free(payload);
	free(line);
	free(btext);
	cr_dsse_free(env);
	cr_tree_free(tree);
	tool_source_id_clear(&sid);
	cr_privkey_free(key);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
