/* attest sign: a signed statement for artifacts built elsewhere. */
#include <jansson.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "dsse_write.h"
#include "cmds.h"
#include "passphrase.h"
#include "dsse_sign.h"
#include "error.h"
#include "opts.h"
#include "source.h"
#include "source_id.h"
#include "statement.h"
#include "tool.h"
#include "util.h"
#include "write.h"

static const struct tool_opt options[] = {
	{"source", 0, "DIR", "the source tree as a directory (.git excluded)",
	 'S'},
	{"git", 0, "REPO", "the committed tree of a git repository", 'G'},
	{"rev", 0, "REV", "the revision with --git (default HEAD)", 'r'},
	{"tarball", 0, "FILE", "the source tree as an archive", 'T'},
	{"strip-components", 0, "N",
	 "drop N leading path parts of archive members", 's'},
	{"source-uri", 0, "URI",
	 "the source's canonical URI (default: --git's\n"
	 "origin remote without credentials, else none)",
	 'u'},
	{"key", 0, "KEY", "the private key (PKCS#8 PEM, or encrypted)", 'k'},
	PASSPHRASE_OPTS,
	{"output", 'o', "OUT", "where to write the attestation (.intoto.jsonl)",
	 'o'},
	{"bundle", 0, "BUNDLE",
	 "write it as a Sigstore bundle v0.3 too\n(.sigstore.json)", 'b'},
	TOOL_OPT_JSON_ENTRY("print one JSON object: source, subjects, key\n"
			    "id and the files written"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"sign",
	"attest sign (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"            [--strip-components N] [--source-uri URI] --key KEY\n"
	"            [--passphrase-file FILE | --passphrase-fd N]\n"
	"            (-o OUT | --bundle BUNDLE | -o OUT --bundle BUNDLE)\n"
	"            [--json] [-q]\n"
	"            ARTIFACT...",
	"Signs an in-toto statement (SLSA provenance v1) binding the source "
	"tree\n"
	"hash to the SHA-256 of each ARTIFACT, for artifacts built "
	"elsewhere.\n"
	"OUT is written atomically as one DSSE envelope on one line.",
	options,
	NULL,
	0,
};

struct sign_opts {
	struct tool_source src;
	const char *source_uri, *keypath, *out, *bundle;
	int json;
	char **artifacts;
	size_t n;
};

/* What was signed: the tree, the subjects and the key. */
struct sign_result {
	struct cr_tree *tree;
	struct cr_subject *subjects;
	struct cr_privkey *key;
};

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

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct sign_opts *o = ctx;

	switch (id) {
	case 'k':
		return tool_getopt_once(&command, &o->keypath, arg, "--key");
	case 'o':
		return tool_getopt_once(&command, &o->out, arg, "-o");
	case OPT_PASSPHRASE_FILE:
	case OPT_PASSPHRASE_FD:
		return passphrase_option("sign", id, arg);
	case 'b':
		return tool_getopt_once(&command, &o->bundle, arg, "--bundle");
	case 'u':
		return tool_source_uri_option(&o->source_uri, "sign", arg);
	}
	return tool_source_option(&o->src, "sign", id, arg);
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct sign_opts *o, int argc, char **argv)
{
	int rc;

	if ((rc = tool_getopt_operands(&command, &argc, &argv, parse_option, o,
				       &o->json)) != TOOL_PARSED)
		return rc;
	if ((rc = tool_source_check(&o->src, "sign", 1)) != 0)
		return rc;
	if (o->keypath == NULL)
		return tool_usage("sign", "--key KEY is required");
	if (o->out == NULL && o->bundle == NULL)
		return tool_usage("sign",
				  "-o OUT or --bundle BUNDLE is required");
	if (argc == 0)
		return tool_usage("sign", "no ARTIFACT given");
	o->artifacts = argv;
	o->n = (size_t)argc;
	return TOOL_PARSED;
}

/* Signs the statement and writes it where o says; progress only. */
static int
run(struct sign_result *r, const struct sign_opts *o)
{
	struct tool_source_id sid = {0};
	struct cr_source_info info;
	struct cr_provenance in;
	struct cr_dsse *env = NULL;
	char **names = NULL, *payload = NULL, *line = NULL, *btext = NULL;
	size_t i, plen, llen, blen;
	int err;

	cr_provenance_init(&in);
	in.started = (int64_t)time(NULL);
	if ((err = cr_privkey_load(&r->key, o->keypath)) < 0)
		goto done;
	if ((err = tool_source_hash(&r->tree, &info, &o->src)) < 0 ||
	    (err = tool_source_identify(&sid, &o->src, o->source_uri)) < 0)
		goto done;
	tool_progress_done();
	r->subjects = calloc(o->n, sizeof(*r->subjects));
	names = calloc(o->n + 1, sizeof(*names));
	if (r->subjects == NULL || names == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	for (i = 0; i < o->n; i++) {
		if ((err = subject_name(&r->subjects[i].name,
					o->artifacts[i])) < 0 ||
		    (err = cr_sha256_file(r->subjects[i].sha256,
					  o->artifacts[i])) < 0)
			goto done;
		names[i] = r->subjects[i].name;
	}

	in.build_type = CR_BUILDTYPE_SIGN;
	in.subjects = r->subjects;
	in.nsubjects = o->n;
	in.external.source_kind = o->src.kind;
	in.external.source_uri = sid.uri;
	in.source_sha256 = sid.has_sha256 ? sid.sha256 : NULL;
	if (strcmp(o->src.kind, "git") == 0)
		in.external.source_revision = o->src.rev ? o->src.rev : "HEAD";
	memcpy(in.tree, r->tree->root, CR_SHA256_LEN);
	in.commit = info.commit[0] ? info.commit : NULL;
	in.external.artifacts = names;
	in.finished = (int64_t)time(NULL);
	if ((err = cr_statement_encode(&payload, &plen, &in)) < 0 ||
	    (err = cr_dsse_new(&env, CR_INTOTO_PAYLOAD_TYPE,
			       (const unsigned char *)payload, plen)) < 0 ||
	    (err = cr_dsse_sign(env, r->key)) < 0 ||
	    (err = cr_dsse_serialize(&line, &llen, env)) < 0)
		goto done;
	line[llen] = '\n';
	if (o->out != NULL &&
	    (err = cr_write_atomic(o->out, line, llen + 1, 0644, 0)) < 0)
		goto done;
	if (o->bundle != NULL &&
	    ((err = cr_bundle_serialize(&btext, &blen, env)) < 0 ||
	     (err = cr_write_atomic(o->bundle, btext, blen, 0644, 0)) < 0))
		goto done;
done:
	free(names);
	free(payload);
	free(line);
	free(btext);
	cr_dsse_free(env);
	tool_source_id_clear(&sid);
	return err;
}

/* The source, the subjects, the key and the files written. */
static void
report(const struct sign_opts *o, const struct sign_result *r)
{
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	json_t *j, *subs;
	size_t i;

	cr_tree_format_id(id, r->tree->root);
	if (o->json) {
		subs = json_array();
		for (i = 0; subs != NULL && i < o->n; i++) {
			cr_hex_encode(hex, r->subjects[i].sha256,
				      CR_SHA256_LEN);
			json_array_append_new(
				subs,
				json_pack("{s:o, s:{s:s}}", "name",
					  tool_json_str(r->subjects[i].name),
					  "digest", "sha256", hex));
		}
		j = json_pack("{s:s, s:o, s:s, s:o*, s:o*}", "source", id,
			      "subjects", subs, "keyid", r->key->keyid,
			      "attestation",
			      o->out ? tool_json_str(o->out) : NULL, "bundle",
			      o->bundle ? tool_json_str(o->bundle) : NULL);
		tool_json_print(j);
		return;
	}
	if (tool_quiet)
		return;
	printf("source %s\n", id);
	for (i = 0; i < o->n; i++) {
		cr_hex_encode(hex, r->subjects[i].sha256, CR_SHA256_LEN);
		printf("subject %s  %s\n", hex, r->subjects[i].name);
	}
	printf("signed by %s\n", r->key->keyid);
	if (o->out != NULL)
		printf("wrote %s\n", o->out);
	if (o->bundle != NULL)
		printf("wrote %s\n", o->bundle);
}

int
cmd_sign(int argc, char **argv)
{
	struct sign_opts o = {0};
	struct sign_result r = {0};
	size_t i;
	int rc, err;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED)
		return rc;
	if ((err = run(&r, &o)) == CR_OK)
		report(&o, &r);
	if (r.subjects != NULL)
		for (i = 0; i < o.n; i++)
			free(r.subjects[i].name);
	free(r.subjects);
	cr_tree_free(r.tree);
	cr_privkey_free(r.key);
	return err < 0 ? tool_report(err) : EXIT_OK;
}
