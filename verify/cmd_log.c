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

/* One entry of ATTESTATION against the proofs. */
struct log_entry {
	unsigned line;
	int status;  /* CR_OK, CR_EFAIL */
	char *error; /* why it is not included */
	struct cr_tlog_result res;
};

/* What a check found: all the report needs. */
struct log_result {
	const char *mode; /* "inclusion", "tiles", "consistency" */
	const char *file; /* ATTESTATION, DIR or FILE: what the text names */
	int status;	  /* the check's CR_OK, CR_EFAIL or CR_ERROR */
	char *error;	  /* why the check does not hold */
	int unsigned_cp;  /* inclusion: a checkpoint failed before any entry */
	struct cr_tlog_result res; /* tiles and consistency */
	struct log_entry *entries; /* inclusion: the envelopes checked */
	size_t nentries;
};

static void
result_free(struct log_result *r)
{
	size_t i;

	for (i = 0; i < r->nentries; i++)
		free(r->entries[i].error);
	free(r->entries);
	free(r->error);
}

/*
 * One check's result as JSON: mode, verified, and the checkpoint that
 * holds (origin, treeSize, rootHash, witnesses) or the reason it does not.
 */
static json_t *
json_result(int err, const char *error, const char *mode,
	    const struct cr_tlog_result *res)
{
	json_t *o =
		json_pack("{s:s, s:b}", "mode", mode, "verified", err == CR_OK);
	char *b64 = NULL;

	if (o == NULL)
		return NULL;
	if (err != CR_OK) {
		json_object_set_new(o, "error", tool_json_str(error));
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

/*
 * Each envelope of the attestation against the proofs, into r->entries:
 * CR_OK, CR_EFAIL (an entry, or the checkpoints, do not hold) or an error.
 * Text stops at the first entry that fails, as its report does.
 */
static int
check_proof(struct log_result *r, const struct opts *o,
	    const struct cr_note_verifier *log_key,
	    const struct cr_note_verifier *const *wk, unsigned threshold)
{
	struct cr_dsse **envs = NULL;
	struct cr_tlog_proof *proofs = NULL;
	struct log_entry *e;
	size_t n = 0, i, nproofs = 0;
	int err;

	if ((err = cr_dsse_read_file(&envs, &n, r->file)) < 0 ||
	    (err = cr_tlog_proofs_load(&proofs, &nproofs, o->proof)) < 0)
		goto done;
	/* A checkpoint that is not signed fails every envelope at once. */
	if ((err = cr_tlog_proofs_check_signed(proofs, nproofs, o->proof,
					       log_key, wk, o->nwitness,
					       threshold)) < 0) {
		r->unsigned_cp = err == CR_EFAIL;
		goto done;
	}
	if (n > 0 && (r->entries = calloc(n, sizeof(*r->entries))) == NULL) {
		err = cr_error_set("out of memory");
		goto done;
	}
	for (i = 0; i < n && err == CR_OK; i++) {
		e = &r->entries[r->nentries];
		e->line = envs[i]->line;
		e->status = cr_tlog_proofs_find(
			&e->res, proofs, nproofs, o->proof, i,
			(unsigned char *)envs[i]->raw, envs[i]->raw_len);
		if (e->status != CR_OK && e->status != CR_EFAIL) {
			err = e->status;
			break;
		}
		r->nentries++;
		if (e->status == CR_EFAIL &&
		    (e->error = strdup(cr_error_last())) == NULL)
			err = cr_error_set("out of memory");
		else if (e->status == CR_EFAIL && !o->json)
			err = CR_EFAIL;
		else if (e->status == CR_EFAIL)
			r->status = CR_EFAIL;
	}
done:
	cr_tlog_proofs_free(proofs, nproofs);
	cr_dsse_list_free(envs, n);
	return err;
}

/* The text line of an entry included in the log. */
static void
print_entry(const char *file, const struct log_entry *e)
{
	printf("%s: line %u: included at index %llu of %s, tree size %llu, "
	       "%u witness cosignature%s\n",
	       file, e->line, (unsigned long long)e->res.index, e->res.origin,
	       (unsigned long long)e->res.size, e->res.witnesses,
	       e->res.witnesses == 1 ? "" : "s");
}

/* The inclusion report: text line by line, or one JSON object. */
static int
report_proof(const struct log_result *r, const struct opts *o)
{
	const struct log_entry *e;
	json_t *report, *entries, *j;
	size_t i;

	if (r->unsigned_cp && o->json) {
		tool_json_print(
			json_result(CR_EFAIL, r->error, "inclusion", &r->res));
		tool_warn("%s", r->error);
		return EXIT_FAIL;
	}
	if (!o->json) {
		for (i = 0; i < r->nentries && !tool_quiet; i++)
			if (r->entries[i].status == CR_OK)
				print_entry(r->file, &r->entries[i]);
		e = r->nentries ? &r->entries[r->nentries - 1] : NULL;
		if (e != NULL && e->status == CR_EFAIL) {
			/* One clear line: the first that fails. */
			tool_warn("%s: line %u: %s", r->file, e->line,
				  e->error);
			return EXIT_FAIL;
		}
		return r->status < 0 ? tool_report(r->status) : EXIT_OK;
	}
	if (r->status == CR_ERROR)
		return tool_report(r->status);
	if ((report = json_pack("{s:s, s:[]}", "mode", "inclusion",
				"entries")) == NULL)
		return tool_report(cr_error_set("out of memory"));
	entries = json_object_get(report, "entries");
	for (i = 0; i < r->nentries; i++) {
		e = &r->entries[i];
		j = json_result(e->status, e->error, "inclusion", &e->res);
		if (j != NULL && e->status == CR_OK) {
			json_object_set_new(j, "line", json_integer(e->line));
			json_object_set_new(
				j, "index",
				json_integer((json_int_t)e->res.index));
		}
		json_array_append_new(entries, j);
	}
	json_object_set_new(report, "verified",
			    json_boolean(r->status == CR_OK));
	tool_json_print(report);
	return tool_exit_code(r->status);
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

/*
 * The report of what r holds, as text or JSON (-q: errors alone), and the
 * exit code. A check that could not answer is one line on stderr.
 */
static int
report(const struct log_result *r, const struct opts *o)
{
	json_t *j;

	if (r->mode == NULL)
		return tool_report(r->status); /* the keys */
	if (strcmp(r->mode, "inclusion") == 0)
		return report_proof(r, o);
	if (r->status != CR_OK && r->status != CR_EFAIL)
		return tool_report(r->status);
	if (o->json) {
		j = json_result(r->status, r->error, r->mode, &r->res);
		if (j != NULL && r->status == CR_OK && o->tiles == NULL)
			json_object_set_new(
				j, "oldTreeSize",
				json_integer((json_int_t)r->res.old_size));
		tool_json_print(j);
		if (r->status == CR_EFAIL)
			tool_warn("%s", r->error);
		return tool_exit_code(r->status);
	}
	if (r->status == CR_EFAIL)
		return tool_report(r->status);
	if (!tool_quiet && o->tiles != NULL)
		printf("%s: log %s verified: %llu entries, tiles and "
		       "checkpoint agree, %u witness cosignature%s\n",
		       r->file, r->res.origin, (unsigned long long)r->res.size,
		       r->res.witnesses, r->res.witnesses == 1 ? "" : "s");
	else if (!tool_quiet)
		printf("%s: consistent: log %s grew from %llu to %llu entries, "
		       "%u witness cosignature%s\n",
		       r->file, r->res.origin,
		       (unsigned long long)r->res.old_size,
		       (unsigned long long)r->res.size, r->res.witnesses,
		       r->res.witnesses == 1 ? "" : "s");
	return EXIT_OK;
}

/* The witness threshold: 0, or the exit code after a usage message. */
static int
parse_threshold(unsigned *out, const struct opts *o)
{
	unsigned long threshold = o->nwitness;
	char *end;

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
	*out = (unsigned)threshold;
	return 0;
}

/* Checks what the options ask into r: r->status. */
static int
run(struct log_result *r, const struct opts *o, unsigned threshold, char **argv)
{
	struct cr_note_verifier *log_key = NULL, *wk[MAX_WITNESSES] = {0};
	const struct cr_note_verifier *const *wkc =
		(const struct cr_note_verifier *const *)wk;
	size_t i;
	int err;

	r->mode = o->proof ? "inclusion" : o->tiles ? "tiles" : "consistency";
	r->file = o->proof ? argv[0] : o->tiles ? o->tiles : o->consistency;
	if ((err = load_keys(o, &log_key, wk)) < 0)
		r->mode = NULL;
	else if (o->proof != NULL)
		err = check_proof(r, o, log_key, wkc, threshold);
	else if (o->tiles != NULL)
		err = check_tiles(o, log_key, wkc, threshold, &r->res);
	else
		err = cr_tlog_check_consistency(&r->res, o->old, o->new_,
						o->consistency, log_key, wkc,
						o->nwitness, threshold);
	for (i = 0; i < o->nwitness; i++)
		cr_note_verifier_free(wk[i]);
	cr_note_verifier_free(log_key);
	if (err < 0 || r->status == CR_OK)
		r->status = err;
	if (r->status == CR_EFAIL && r->error == NULL &&
	    (r->error = strdup(cr_error_last())) == NULL)
		r->status = cr_error_set("out of memory");
	return r->status;
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
	struct log_result r = {0};
	struct tool_getopt g;
	unsigned threshold = 0;
	int rc;

	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    &o)) != TOOL_PARSED)
		return rc;
	o.json = g.json;
	argc -= g.optind;
	argv += g.optind;
	if ((rc = parse_check(&o, argc, argv)) != TOOL_PARSED ||
	    (rc = parse_threshold(&threshold, &o)) != 0)
		return rc;
	run(&r, &o, threshold, argv);
	rc = report(&r, &o);
	result_free(&r);
	return rc;
}
