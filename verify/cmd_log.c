/* verify log: check inclusion and consistency proofs of a transparency log. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "dsse.h"
#include "opts.h"
#include "tlog.h"
#include "tool.h"
#include "util.h"

#define MAX_WITNESSES 64

enum {
	OPT_LOG_KEY = 256,
	OPT_ORIGIN,
	OPT_WITNESS_KEY,
	OPT_THRESHOLD,
	OPT_PROOF,
	OPT_OLD,
	OPT_NEW,
	OPT_CONSISTENCY,
	OPT_TILES,
};

static const struct tool_opt options[] = {
	{"log-key", 0, "PUB", "the log's key", OPT_LOG_KEY},
	{"origin", 0, "ORIGIN", "the log's origin, with a PEM key", OPT_ORIGIN},
	{"witness-key", 0, "PUB",
	 "a witness whose cosignature checkpoints\n"
	 "must carry; repeatable",
	 OPT_WITNESS_KEY},
	{"witness-threshold", 0, "N",
	 "witness cosignatures required (default: all)", OPT_THRESHOLD},
	{"proof", 0, "PROOF",
	 "every envelope of ATTESTATION is in the log, per\n"
	 "PROOF (as written by 'attest log add -o PROOF')",
	 OPT_PROOF},
	{"old", 0, "CHECKPOINT", "with --new and --consistency: the NEW",
	 OPT_OLD},
	{"new", 0, "CHECKPOINT", "checkpoint extends the OLD one, per FILE",
	 OPT_NEW},
	{"consistency", 0, "FILE",
	 "(as written by 'attest log prove --from-size')", OPT_CONSISTENCY},
	{"tiles", 0, "DIR",
	 "DIR's checkpoint is signed and its tiles and\n"
	 "entries hash to it (a mirror or download of a log)",
	 OPT_TILES},
	TOOL_OPT_JSON_ENTRY("print a machine-readable report"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"log",
	"verify log --log-key PUB [--origin ORIGIN] [--witness-key PUB]...\n"
	"           [--witness-threshold N] [--json] [-q]\n"
	"           (--proof PROOF ATTESTATION |\n"
	"            --old CHECKPOINT --new CHECKPOINT --consistency FILE |\n"
	"            --tiles DIR)",
	NULL,
	options,
	"PUB is a vkey file or an Ed25519 SPKI PEM public key. The log signs\n"
	"under its origin; --origin pins it when PUB is a PEM key. "
	"Checkpoints\n"
	"must carry valid cosignatures of N witness keys (default: all "
	"given).\n"
	"Exit status: 0 every check held, 1 a check does not hold, 2 no "
	"answer\n"
	"could be reached.",
	0,
};

struct opts {
	const char *log_key, *origin, *threshold, *proof, *old, *new_,
		*consistency, *tiles;
	const char *witness[MAX_WITNESSES];
	size_t nwitness;
	int json;
};

/*
 * One check's result as JSON: mode, verified, and the checkpoint that
 * holds (origin, treeSize, rootHash, witnesses) or the reason it does not.
 */
static json_t *
json_result(int err, const char *mode, const struct cr_tlog_result *res)
{
	json_t *o =
		json_pack("{s:s, s:b}", "mode", mode, "verified", err == CR_OK);
	char *b64 = NULL;

	if (o == NULL)
		return NULL;
	if (err != CR_OK) {
		json_object_set_new(o, "error", tool_json_str(cr_error_last()));
		return o;
	}
	json_object_set_new(o, "origin", tool_json_str(res->origin));
	json_object_set_new(o, "treeSize", json_integer((json_int_t)res->size));
	if (cr_base64_encode(&b64, res->root, sizeof(res->root)) == 0)
		json_object_set_new(o, "rootHash", json_string(b64));
	json_object_set_new(o, "witnesses", json_integer(res->witnesses));
	free(b64);
	return o;
}

static int
check_proof(const struct opts *o, const struct cr_note_verifier *log_key,
	    const struct cr_note_verifier *const *wk, unsigned threshold,
	    const char *attestation)
{
	struct cr_dsse **envs = NULL;
	struct cr_tlog_proof *proofs = NULL;
	struct cr_tlog_result res = {0};
	json_t *report = NULL;
	size_t n = 0, i, nproofs = 0;
	int err, worst = CR_OK;

	if ((err = cr_dsse_read_file(&envs, &n, attestation)) < 0 ||
	    (err = cr_tlog_proofs_load(&proofs, &nproofs, o->proof)) < 0)
		goto done;
	/* A checkpoint that is not signed fails every envelope at once. */
	err = cr_tlog_proofs_check_signed(proofs, nproofs, o->proof, log_key,
					  wk, o->nwitness, threshold);
	if (err == CR_EFAIL && o->json) {
		tool_json_print(json_result(err, "inclusion", &res));
		tool_warn("%s", cr_error_last());
		goto done;
	}
	if (err < 0)
		goto done;
	if (o->json && (report = json_pack("{s:s, s:[]}", "mode", "inclusion",
					   "entries")) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	for (i = 0; i < n; i++) {
		err = cr_tlog_proofs_find(&res, proofs, nproofs, o->proof, i,
					  (unsigned char *)envs[i]->raw,
					  envs[i]->raw_len);
		if (err != CR_OK && err != CR_EFAIL)
			goto done;
		if (o->json) {
			json_t *e = json_result(err, "inclusion", &res);

			if (e != NULL && err == CR_OK) {
				json_object_set_new(
					e, "line", json_integer(envs[i]->line));
				json_object_set_new(
					e, "index",
					json_integer((json_int_t)res.index));
			}
			json_array_append_new(
				json_object_get(report, "entries"), e);
		} else if (err == CR_OK && !tool_quiet) {
			printf("%s: line %u: included at index %llu of %s, "
			       "tree "
			       "size %llu, %u witness cosignature%s\n",
			       attestation, envs[i]->line,
			       (unsigned long long)res.index, res.origin,
			       (unsigned long long)res.size, res.witnesses,
			       res.witnesses == 1 ? "" : "s");
		}
		if (err == CR_EFAIL) {
			worst = CR_EFAIL;
			if (!o->json) {
				/* One clear line: the first that fails. */
				tool_warn("%s: line %u: %s", attestation,
					  envs[i]->line, cr_error_last());
				break;
			}
		}
	}
	if (o->json) {
		json_object_set_new(report, "verified",
				    json_boolean(worst == CR_OK));
		tool_json_print(report);
		report = NULL;
	}
	err = worst;
	cr_tlog_proofs_free(proofs, nproofs);
	cr_dsse_list_free(envs, n);
	return err == CR_OK ? EXIT_OK : EXIT_FAIL;
done:
	json_decref(report);
	cr_tlog_proofs_free(proofs, nproofs);
	cr_dsse_list_free(envs, n);
	return o->json && err == CR_EFAIL ? EXIT_FAIL : tool_report(err);
}

static int
check_tiles(const struct opts *o, const struct cr_note_verifier *log_key,
	    const struct cr_note_verifier *const *wk, unsigned threshold,
	    struct cr_tlog_result *res)
{
	struct cr_note *note = NULL;
	struct cr_checkpoint cp;
	char path[4096];
	int err;

	memset(res, 0, sizeof(*res));
	snprintf(path, sizeof(path), "%s/checkpoint", o->tiles);
	if ((err = cr_tlog_read_note(&note, NULL, NULL, path)) < 0 ||
	    (err = cr_tlog_check_checkpoint(&cp, &res->witnesses, note, path,
					    log_key, wk, o->nwitness,
					    threshold)) < 0 ||
	    (err = cr_tlog_audit(o->tiles, &cp)) < 0)
		goto done;
	memcpy(res->origin, cp.origin, sizeof(res->origin));
	res->size = cp.size;
	memcpy(res->root, cp.root, sizeof(res->root));
done:
	cr_note_free(note);
	return err;
}

/* The log's key (named --origin when given) and the witnesses' keys. */
static int
load_keys(const struct opts *o, struct cr_note_verifier **log_key,
	  struct cr_note_verifier **wk)
{
	size_t i;
	int err;

	if ((err = cr_note_verifier_load(log_key, o->log_key,
					 CR_NOTE_ED25519)) < 0)
		return err;
	if (o->origin != NULL) {
		if ((*log_key)->name != NULL &&
		    strcmp((*log_key)->name, o->origin) != 0)
			return cr_error_set("%s: a key for '%s', not for "
					    "--origin '%s'",
					    o->log_key, (*log_key)->name,
					    o->origin);
		free((*log_key)->name);
		if (((*log_key)->name = strdup(o->origin)) == NULL)
			return cr_error_set("out of memory");
	}
	for (i = 0; i < o->nwitness; i++)
		if ((err = cr_note_verifier_load(&wk[i], o->witness[i],
						 CR_NOTE_COSIG_V1)) < 0)
			return err;
	return CR_OK;
}

/* A tiles or consistency check's result, as JSON or text: the exit code. */
static int
report(const struct opts *o, int err, const char *mode,
       const struct cr_tlog_result *res)
{
	json_t *r;

	if (err != CR_OK && err != CR_EFAIL)
		return tool_report(err);
	if (o->json) {
		r = json_result(err, mode, res);
		if (r != NULL && err == CR_OK && o->tiles == NULL)
			json_object_set_new(
				r, "oldTreeSize",
				json_integer((json_int_t)res->old_size));
		tool_json_print(r);
		if (err == CR_EFAIL)
			tool_warn("%s", cr_error_last());
		return tool_exit_code(err);
	}
	if (err == CR_EFAIL)
		return tool_report(err);
	if (!tool_quiet && o->tiles != NULL)
		printf("%s: log %s verified: %llu entries, tiles and "
		       "checkpoint "
		       "agree, %u witness cosignature%s\n",
		       o->tiles, res->origin, (unsigned long long)res->size,
		       res->witnesses, res->witnesses == 1 ? "" : "s");
	else if (!tool_quiet)
		printf("%s: consistent: log %s grew from %llu to %llu entries, "
		       "%u witness cosignature%s\n",
		       o->consistency, res->origin,
		       (unsigned long long)res->old_size,
		       (unsigned long long)res->size, res->witnesses,
		       res->witnesses == 1 ? "" : "s");
	return EXIT_OK;
}

/* Checks what the options ask: the exit code. */
static int
run(const struct opts *o, int argc, char **argv)
{
	struct cr_note_verifier *log_key = NULL, *wk[MAX_WITNESSES] = {0};
	const struct cr_note_verifier *const *wkc =
		(const struct cr_note_verifier *const *)wk;
	struct cr_tlog_result res;
	unsigned long threshold = o->nwitness;
	const char *mode;
	char *end;
	size_t i;
	int err, rc;

	(void)argc;
	if (o->threshold != NULL) {
		errno = 0;
		threshold = strtoul(o->threshold, &end, 10);
		if (errno != 0 || *end != '\0' || *o->threshold == '-' ||
		    threshold > o->nwitness)
			return tool_usage("log",
					  "--witness-threshold must be a "
					  "number up to the %zu witness "
					  "keys given",
					  o->nwitness);
	}
	if ((err = load_keys(o, &log_key, wk)) < 0) {
		rc = tool_report(err);
	} else if (o->proof != NULL) {
		rc = check_proof(o, log_key, wkc, (unsigned)threshold, argv[0]);
	} else {
		if (o->tiles != NULL) {
			mode = "tiles";
			err = check_tiles(o, log_key, wkc, (unsigned)threshold,
					  &res);
		} else {
			mode = "consistency";
			err = cr_tlog_check_consistency(
				&res, o->old, o->new_, o->consistency, log_key,
				wkc, o->nwitness, (unsigned)threshold);
		}
		rc = report(o, err, mode, &res);
	}
	for (i = 0; i < o->nwitness; i++)
		cr_note_verifier_free(wk[i]);
	cr_note_verifier_free(log_key);
	return rc;
}

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct opts *o = ctx;
	switch (id) {
	case OPT_LOG_KEY:
		return tool_getopt_once(&command, &o->log_key, arg,
					"--log-key");
	case OPT_ORIGIN:
		return tool_getopt_once(&command, &o->origin, arg, "--origin");
	case OPT_WITNESS_KEY:
		if (o->nwitness == MAX_WITNESSES)
			return tool_usage("log", "more than %d witness keys",
					  MAX_WITNESSES);
		o->witness[o->nwitness++] = arg;
		return 0;
	case OPT_THRESHOLD:
		return tool_getopt_once(&command, &o->threshold, arg,
					"--witness-threshold");
	case OPT_PROOF:
		return tool_getopt_once(&command, &o->proof, arg, "--proof");
	case OPT_OLD:
		return tool_getopt_once(&command, &o->old, arg, "--old");
	case OPT_NEW:
		return tool_getopt_once(&command, &o->new_, arg, "--new");
	case OPT_CONSISTENCY:
		return tool_getopt_once(&command, &o->consistency, arg,
					"--consistency");
	default: /* OPT_TILES */
		return tool_getopt_once(&command, &o->tiles, arg, "--tiles");
	}
}

/* The options that go together, once all are read. */
static int
parse_check(const struct opts *o, int argc, char **argv)
{
	int modes;

	if (o->log_key == NULL)
		return tool_usage("log", "--log-key is required");
	modes = (o->proof != NULL) +
		(o->old != NULL || o->new_ != NULL || o->consistency != NULL) +
		(o->tiles != NULL);
	if (modes != 1)
		return tool_usage("log", "give one of --proof, --old/--new/"
					 "--consistency, --tiles");
	if (o->proof != NULL && argc != 1)
		return tool_usage("log", "--proof needs one ATTESTATION");
	if (o->proof == NULL && argc != 0)
		return tool_usage("log", "unexpected argument '%s'", argv[0]);
	if ((o->old != NULL || o->new_ != NULL || o->consistency != NULL) &&
	    (o->old == NULL || o->new_ == NULL || o->consistency == NULL))
		return tool_usage("log", "--old, --new and --consistency go "
					 "together");
	return TOOL_PARSED;
}

int
cmd_log(int argc, char **argv)
{
	struct opts o = {0};
	struct tool_getopt g;
	int rc;

	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    &o)) != TOOL_PARSED)
		return rc;
	o.json = g.json;
	argc -= g.optind;
	argv += g.optind;
	if ((rc = parse_check(&o, argc, argv)) != TOOL_PARSED)
		return rc;
	return run(&o, argc, argv);
}
