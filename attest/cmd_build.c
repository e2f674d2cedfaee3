/* attest build: the sealed, deterministic build that signs what it made. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "cmds.h"
#include "dsse_sign.h"
#include "error.h"
#include "root.h"
#include "source.h"
#include "tool.h"
#include "util.h"

#define MAX_LIST 256

static const char usage_text[] =
	"usage: attest build (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"                    [--strip-components N] [--key KEY] [--output-dir DIR]\n"
	"                    [-o OUT] [--root DIR|ROOT.tar] [--root-cache DIR]\n"
	"                    [--env SOURCE_DATE_EPOCH=N] [--tool NAME]... [--no-normalize] [--check]\n"
	"                    [--timeout SECONDS] [-q]\n"
	"                    [[--override-recipe] [--artifact PATH]...\n"
	"                     [--env NAME=VALUE]... [--fake-clock] -- COMMAND [ARG]...]\n"
	"       attest build (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"                    --recipe-from ATTESTATION [--trust-recipe] [--key KEY]\n"
	"                    [--output-dir DIR] [-o OUT] [--root DIR|ROOT.tar]\n"
	"                    [--root-cache DIR] [--check] [--timeout SECONDS] [-q]\n"
	"\n"
	"Builds the source tree in a sealed sandbox (Linux namespaces, no network,\n"
	"a fixed build path, a scrubbed environment, every source mtime set to\n"
	"SOURCE_DATE_EPOCH), normalises container artifacts, copies them to DIR\n"
	"and, with --key, signs an attestation binding them to the tree.\n"
	"\n"
	"With no -- COMMAND the recipe is the tree's own cleanroom.json (command,\n"
	"artifacts, env, fakeClock), read from the hashed tree, so the reviewer\n"
	"reads it with the source; the statement says so. A recipe given on the\n"
	"command line is recorded as such, and rebuilders must trust it\n"
	"explicitly. Variables that choose which programs or libraries run\n"
	"(PATH, LD_*, BASH_ENV, PYTHONPATH, MAKEFLAGS...) are refused in any\n"
	"recipe.\n"
	"\n"
	"  --source DIR, --git REPO [--rev REV], --tarball FILE\n"
	"                          the source (--git: exactly the committed tree)\n"
	"  --strip-components N    drop N leading path parts of archive members\n"
	"  --key KEY               sign the attestation with this private key\n"
	"  --artifact PATH         an artifact, relative to the source root; globs\n"
	"                          allowed; repeatable\n"
	"  --output-dir DIR        where artifacts and the log go (./attest-out)\n"
	"  -o, --output OUT        the attestation (DIR/NAME.intoto.jsonl)\n"
	"  --root DIR|ROOT.tar     the build's whole root filesystem (default: the\n"
	"                          host's, read-only); recorded by tree hash, its\n"
	"                          packages and the ROOT.json beside it\n"
	"  --root-cache DIR        where cleanroom.json's root is made or reused\n"
	"  --env NAME=VALUE        a variable for the build, recorded; repeatable;\n"
	"                          SOURCE_DATE_EPOCH=N sets the build's time\n"
	"  --tool NAME             record this tool too (cc, c++, ld, as, ar, make\n"
	"                          and sh always are)\n"
	"  --fake-clock            the build's wall clock reads SOURCE_DATE_EPOCH\n"
	"                          (libfaketime)\n"
	"  --no-normalize          copy artifacts as built\n"
	"  --override-recipe       build with -- COMMAND although the tree carries\n"
	"                          cleanroom.json (the statement says the recipe\n"
	"                          came from the command line)\n"
	"  --recipe-from ATT       replay another party's build: the tree's\n"
	"                          cleanroom.json when its statement says so (and\n"
	"                          only if the recorded recipe is the same), with\n"
	"                          its SOURCE_DATE_EPOCH\n"
	"  --trust-recipe          with --recipe-from, replay a recipe that was\n"
	"                          given on the command line (it is shown first)\n"
	"  --check                 build twice, the second time at least 2 s later,\n"
	"                          creating the source's files in reverse order,\n"
	"                          with another TZ, locale, HOME, USER and umask\n"
	"                          around it; exit 1 unless the artifacts are\n"
	"                          identical\n"
	"  --timeout SECONDS       kill the whole build after SECONDS (exit 2);\n"
	"                          default: none\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n"
	"\n"
	"Exit status: 0 built (and signed), 1 the build failed, an artifact is\n"
	"missing, or --check found differences, 2 error (the build timed out, an\n"
	"artifact is not a regular file...). The build's log is kept in DIR.\n";

struct list {
	char *items[MAX_LIST + 1];
	size_t n;
};

static int
list_add(struct list *l, const char *what, char *s)
{
	if (l->n == MAX_LIST)
		return tool_usage("build", "more than %d %s", MAX_LIST, what);
	l->items[l->n++] = s;
	return 0;
}

static void
print_log_tail(const struct cr_build *b)
{
	const char *p = b->log_tail, *start = p;
	char *esc;
	int lines = 0;

	/* The last 20 lines, escaped: the log is the build's to write. */
	for (p = b->log_tail + strlen(b->log_tail); p > b->log_tail; p--)
		if (p[-1] == '\n' && ++lines > 20) {
			start = p;
			break;
		}
	fprintf(stderr, "%s: the build's last lines:\n", tool_prog);
	if ((esc = tool_escape(start, TOOL_ESC_NEWLINES)) != NULL) {
		fputs(esc, stderr);
		if (*esc && esc[strlen(esc) - 1] != '\n')
			fputc('\n', stderr);
		free(esc);
	}
	if (b->log_path != NULL)
		fprintf(stderr, "%s: the whole log: %s\n", tool_prog,
			tool_name(b->log_path));
}

static int
mkdir_p(const char *dir)
{
	char buf[4096];
	char *p;

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return cr_error_set("%s: path too long", dir);
	for (p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return cr_error_errno("%s", buf);
			*p = '/';
		}
	if (mkdir(buf, 0755) < 0 && errno != EEXIST)
		return cr_error_errno("%s", buf);
	return CR_OK;
}

/* Shows a recipe in full on stderr, unless quiet. */
static void
show_recipe(const struct cr_recipe *r, const char *name)
{
	char *text;

	if (tool_quiet || r == NULL || (text = cr_recipe_describe(r)) == NULL)
		return;
	fprintf(stderr, "%s: %s: ", tool_prog, name);
	fputs(text, stderr);
	free(text);
}

/*
 * The recipe another party recorded, in the first provenance statement of
 * path (its signature is not ours to judge; statements of other kinds are
 * passed over): the tree's cleanroom.json when the statement says so, a
 * command-line recipe only with trust.
 */
static int
load_recipe(struct cr_recipe **out, const char *path,
	    const struct cr_build_source *bs, int trust)
{
	struct cr_dsse **envs = NULL;
	struct cr_statement *st = NULL;
	struct cr_recipe *shown = NULL;
	char name[512], why[200];
	size_t n = 0, i;
	int err;

	if ((err = cr_dsse_read_file(&envs, &n, path)) < 0)
		return err;
	for (i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "%s:%u", path, envs[i]->line);
		err = cr_statement_peek(envs[i]->payload, envs[i]->payload_len,
					name, why, sizeof(why));
		if (err != CR_EFAIL)
			break;
		if (!tool_quiet)
			fprintf(stderr, "%s: %s: %s; passed over\n", tool_prog,
				name, why);
	}
	if (i == n)
		err = cr_error_set("%s: holds no provenance statement", path);
	if (err < 0)
		goto done;
	if ((err = cr_statement_parse(&st, envs[i]->payload,
				      envs[i]->payload_len, name)) < 0)
		goto done;
	err = cr_recipe_for_replay(out, &shown, st, bs, trust, name);
	if (shown != NULL && !shown->from_tree)
		show_recipe(shown, name);
	/* For attest a recipe that disagrees is an input it cannot use. */
	if (err == CR_EFAIL)
		err = CR_ERROR;
done:
	cr_recipe_free(shown);
	cr_statement_free(st);
	cr_dsse_list_free(envs, n);
	return err;
}

/* --check: the artifacts of two builds, by name and digest. */
static int
compare_builds(const struct cr_build *a, const struct cr_build *b)
{
	char ha[CR_SHA256_HEXLEN + 1], hb[CR_SHA256_HEXLEN + 1];
	size_t i, differ = 0;

	if (a->nartifacts != b->nartifacts)
		return cr_error_fail("--check: the builds made %zu and %zu "
				     "artifacts",
				     a->nartifacts, b->nartifacts);
	for (i = 0; i < a->nartifacts; i++) {
		if (memcmp(a->artifacts[i].sha256, b->artifacts[i].sha256,
			   CR_SHA256_LEN) == 0)
			continue;
		cr_hex_encode(ha, a->artifacts[i].sha256, CR_SHA256_LEN);
		cr_hex_encode(hb, b->artifacts[i].sha256, CR_SHA256_LEN);
		printf("DIFFER  %s  %s != %s\n",
		       tool_name(a->artifacts[i].name), ha, hb);
		differ++;
	}
	if (differ)
		return cr_error_fail("--check: %zu of %zu artifacts differ "
				     "between two builds; not reproducible",
				     differ, a->nartifacts);
	return CR_OK;
}

/* Sets or unsets NAME in attest's own environment. */
static void
put_env(const char *name, const char *value)
{
	if (value != NULL)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static int
check_again(struct cr_build **out, const struct cr_recipe *r,
	    const struct cr_build_source *bs, const struct cr_build_opts *o,
	    int64_t started)
{
	static const char *const vary[][2] = {
		{"TZ", "Pacific/Kiritimati"}, {"LANG", "tr_TR.UTF-8"},
		{"LC_ALL", "tr_TR.UTF-8"},    {"HOME", "/nonexistent"},
		{"USER", "cleanroom-check"},
	};
	struct cr_build_opts again = *o;
	const char *tmp = getenv("TMPDIR");
	char *saved[CR_ARRAY_SIZE(vary)];
	char dir[4096];
	mode_t mask;
	int64_t wait;
	size_t i;
	int err;

	/* At least two seconds of wall clock between the two builds. */
	wait = started + 2 - (int64_t)time(NULL);
	if (wait > 0)
		sleep((unsigned int)wait + 1);
	snprintf(dir, sizeof(dir), "%s/cleanroom-check.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		return cr_error_errno("%s", dir);
	again.output_dir = dir;
	again.reverse_export = 1;
	/* What the sandbox should not let through, changed for this build. */
	for (i = 0; i < CR_ARRAY_SIZE(vary); i++) {
		saved[i] =
			getenv(vary[i][0]) ? strdup(getenv(vary[i][0])) : NULL;
		put_env(vary[i][0], vary[i][1]);
	}
	mask = umask(077);
	err = cr_build_run(out, r, bs, &again);
	umask(mask);
	if (*out != NULL) { /* its directory goes below */
		free((*out)->log_path);
		(*out)->log_path = NULL;
	}
	for (i = 0; i < CR_ARRAY_SIZE(vary); i++) {
		put_env(vary[i][0], saved[i]);
		free(saved[i]);
	}
	cr_rmtree(dir);
	return err;
}

static int
sign_and_write(const struct cr_build *b, const struct cr_recipe *r,
	       const struct tool_source *src, const struct cr_tree *tree,
	       const struct cr_source_info *info, const char *keypath,
	       const char *out)
{
	struct cr_statement_in in = {0};
	struct cr_subject *subjects;
	struct cr_privkey *key = NULL;
	struct cr_dsse *env = NULL;
	char *payload = NULL, *line = NULL;
	size_t i, plen, llen;
	int err;

	if ((subjects = calloc(b->nartifacts, sizeof(*subjects))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < b->nartifacts; i++) {
		subjects[i].name = b->artifacts[i].name;
		memcpy(subjects[i].sha256, b->artifacts[i].sha256,
		       CR_SHA256_LEN);
	}
	in.build_type = CR_BUILDTYPE_SANDBOX;
	in.subjects = subjects;
	in.nsubjects = b->nartifacts;
	in.source_kind = src->kind;
	in.source_uri = src->path;
	if (strcmp(src->kind, "git") == 0)
		in.source_revision = src->rev ? src->rev : "HEAD";
	memcpy(in.tree, tree->root, CR_SHA256_LEN);
	in.commit = info->commit[0] ? info->commit : NULL;
	cr_recipe_to_statement(&in, r);
	in.internal = b->internal;
	in.dependencies = b->dependencies;
	in.byproducts = b->byproducts;
	in.started = b->started;
	in.finished = b->finished;
	if ((err = cr_privkey_load(&key, keypath)) < 0 ||
	    (err = cr_statement_build(&payload, &plen, &in)) < 0 ||
	    (err = cr_dsse_new(&env, CR_INTOTO_PAYLOAD_TYPE,
			       (unsigned char *)payload, plen)) < 0 ||
	    (err = cr_dsse_sign(env, key)) < 0 ||
	    (err = cr_dsse_serialize(&line, &llen, env)) < 0)
		goto done;
	line[llen] = '\n';
	err = cr_write_atomic(out, line, llen + 1, 0644, 0);
done:
	free(line);
	free(payload);
	cr_dsse_free(env);
	cr_privkey_free(key);
	free(subjects);
	return err;
}

int
cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 'S'},
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"tarball", required_argument, NULL, 'T'},
		{"strip-components", required_argument, NULL, 's'},
		{"key", required_argument, NULL, 'k'},
		{"artifact", required_argument, NULL, 'A'},
		{"output-dir", required_argument, NULL, 'D'},
		{"output", required_argument, NULL, 'o'},
		{"root", required_argument, NULL, 'R'},
		{"root-cache", required_argument, NULL, 'C'},
		{"env", required_argument, NULL, 'e'},
		{"tool", required_argument, NULL, 't'},
		{"fake-clock", no_argument, NULL, 'F'},
		{"no-normalize", no_argument, NULL, 'N'},
		{"recipe-from", required_argument, NULL, 'f'},
		{"trust-recipe", no_argument, NULL, 'U'},
		{"override-recipe", no_argument, NULL, 'O'},
		{"check", no_argument, NULL, 'c'},
		{"timeout", required_argument, NULL, 'W'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct tool_source src = {0};
	struct cr_source_info info;
	struct cr_tree *tree = NULL;
	struct cr_recipe given = {0}, *replay = NULL, *treerec = NULL;
	const struct cr_recipe *recipe;
	struct cr_build_source bs;
	struct cr_build_opts bo = {0};
	struct cr_build *b = NULL, *b2 = NULL;
	struct cr_root *rootfs = NULL;
	json_t *rootdep = NULL;
	struct cr_privkey *probe = NULL;
	struct list artifacts = {0}, env = {0}, tools = {0};
	const char *keypath = NULL, *out = NULL, *outdir = NULL, *root = NULL;
	const char *recipe_from = NULL, *root_cache = NULL;
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	char *outbuf = NULL, *logname = NULL, name[4200];
	long long v;
	int c, rc, check = 0, fake = 0, nonorm = 0, err = CR_OK;
	long long timeout = -1;
	int trust_recipe = 0, override = 0;
	size_t i;

	optind = 1;
	given.source_date_epoch = -1;
	while ((c = getopt_long(argc, argv, "+o:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (keypath)
				return tool_usage("build", "--key given twice");
			keypath = optarg;
			break;
		case 'A':
			if ((rc = list_add(&artifacts, "artifacts", optarg)))
				return rc;
			break;
		case 'D':
			if (outdir)
				return tool_usage("build",
						  "--output-dir given twice");
			outdir = optarg;
			break;
		case 'o':
			if (out)
				return tool_usage("build", "-o given twice");
			out = optarg;
			break;
		case 'R':
			if (root)
				return tool_usage("build",
						  "--root given twice");
			root = optarg;
			break;
		case 'C':
			if (root_cache)
				return tool_usage("build",
						  "--root-cache given twice");
			root_cache = optarg;
			break;
		case 'e':
			if (strncmp(optarg, "SOURCE_DATE_EPOCH=", 18) == 0) {
				if (given.source_date_epoch >= 0 ||
				    (v = tool_parse_number(optarg + 18,
							   253402300799LL)) < 0)
					return tool_usage("build",
							  "bad or "
							  "repeated "
							  "SOURCE_DATE_EPOCH");
				given.source_date_epoch = v;
			} else if ((rc = list_add(&env, "--env", optarg))) {
				return rc;
			}
			break;
		case 't':
			if ((rc = list_add(&tools, "tools", optarg)))
				return rc;
			break;
		case 'F':
			fake = 1;
			break;
		case 'N':
			nonorm = 1;
			break;
		case 'f':
			if (recipe_from)
				return tool_usage("build",
						  "--recipe-from given twice");
			recipe_from = optarg;
			break;
		case 'c':
			check = 1;
			break;
		case 'W':
			if (timeout >= 0 ||
			    (timeout = tool_parse_number(optarg, 31536000)) < 1)
				return tool_usage("build",
						  "--timeout: 1 to 31536000 "
						  "seconds, once");
			break;
		case 'U':
			trust_recipe = 1;
			break;
		case 'O':
			override = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return EXIT_OK;
		default:
			rc = tool_source_option(&src, "build", c, optarg);
			if (rc < 0)
				return tool_usage("build", "unknown option");
			if (rc > 0)
				return rc;
			break;
		}
	}
	if ((rc = tool_source_check(&src, "build", 1)) != 0)
		return rc;
	if (recipe_from != NULL) {
		if (optind < argc || artifacts.n || env.n || tools.n || fake ||
		    nonorm || given.source_date_epoch >= 0 || override)
			return tool_usage("build",
					  "--recipe-from replays the "
					  "recorded command, artifacts, "
					  "environment and settings: give "
					  "none of them");
	} else {
		if (trust_recipe)
			return tool_usage("build", "--trust-recipe goes with "
						   "--recipe-from");
		if (optind >= argc &&
		    (artifacts.n || env.n || fake || override))
			return tool_usage(
				"build", "--artifact, --env NAME=VALUE, "
					 "--fake-clock and --override-recipe "
					 "go with -- COMMAND; without one the "
					 "recipe is the tree's cleanroom.json");
		if (optind < argc && artifacts.n == 0)
			return tool_usage("build", "no --artifact given");
	}
	if (cr_recipe_check_env(env.items, "--env") < 0)
		return tool_usage("build", "%s", cr_error_last());
	if (outdir == NULL)
		outdir = "attest-out";

	/* A bad key should stop us before a long build, not after. */
	if (keypath != NULL && (err = cr_privkey_load(&probe, keypath)) < 0)
		goto done;
	cr_privkey_free(probe);
	/* A replay checks the recorded build time against a checkout's. */
	src.checkout_time = recipe_from != NULL;
	if ((err = tool_source_hash(&tree, &info, &src)) < 0)
		goto done;
	tool_progress_done();
	bs.kind = src.kind;
	bs.path = src.path;
	bs.strip_components = src.strip_components;
	bs.tree = tree;
	bs.info = &info;
	if (recipe_from != NULL) {
		if ((err = load_recipe(&replay, recipe_from, &bs,
				       trust_recipe)) < 0)
			goto done;
		recipe = replay;
	} else {
		given.tools = tools.items;
		given.normalize = !nonorm;
		if (optind < argc && !override &&
		    cr_tree_find(tree, CR_RECIPE_FILE) != NULL) {
			err = cr_error_set(
				"%s: the source tree carries %s, its reviewed "
				"recipe: build with no -- COMMAND, or give "
				"--override-recipe to build with this command "
				"line instead (the statement will say the "
				"recipe is not the tree's)",
				src.path, CR_RECIPE_FILE);
			goto done;
		} else if (optind < argc) {
			given.command = argv + optind;
			given.artifacts = artifacts.items;
			given.env = env.items;
			given.fake_clock = fake;
		} else {
			snprintf(name, sizeof(name), "%s: %s", src.path,
				 CR_RECIPE_FILE);
			if ((err = cr_recipe_from_tree(&treerec, &bs)) < 0)
				goto done;
			if (treerec == NULL) {
				err = cr_error_set("%s: no COMMAND given "
						   "(after --) and the source "
						   "tree has no %s",
						   src.path, CR_RECIPE_FILE);
				goto done;
			}
			given.command = treerec->command;
			given.artifacts = treerec->artifacts;
			given.env = treerec->env;
			given.fake_clock = treerec->fake_clock;
			given.root = treerec->root;
			given.from_tree = 1;
			memcpy(given.file_sha256, treerec->file_sha256,
			       CR_SHA256_LEN);
		}
		recipe = &given;
	}
	if ((err = mkdir_p(outdir)) < 0)
		goto done;

	if (recipe->root != NULL) {
		/* The root the reviewed recipe names, and no other. */
		if (root_cache == NULL)
			root_cache = getenv("CLEANROOM_ROOT_CACHE");
		snprintf(name, sizeof(name), "%s: %s", src.path,
			 CR_RECIPE_FILE);
		if ((err = cr_root_for_recipe(&rootfs, recipe->root, root,
					      root_cache, name,
					      tool_progress_line, NULL)) < 0)
			goto done;
		tool_progress_done();
		if ((rootdep = cr_root_dependency(rootfs)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
	} else if (root != NULL) {
		struct cr_tree_opts topts = {0};

		topts.skip_special = 1;
		if ((err = cr_root_open(&rootfs, root, &topts)) < 0 ||
		    (err = cr_root_describe(rootfs, root)) < 0)
			goto done;
		if ((rootdep = cr_root_dependency(rootfs)) == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
	}
	bo.output_dir = outdir;
	bo.root = rootfs ? rootfs->dir : NULL;
	bo.root_dependency = rootdep;
	bo.log_name = "build.log";
	bo.progress = tool_progress_line;
	bo.timeout = timeout > 0 ? (unsigned int)timeout : 0;
	if (!tool_quiet) {
		cr_tree_format_id(id, tree->root);
		fprintf(stderr, "%s: building %s in the sandbox\n", tool_prog,
			id);
	}
	err = cr_build_run(&b, recipe, &bs, &bo);
	tool_progress_done();
	if (err < 0 && b != NULL) {
		/* Failed or timed out: the one-line reason, then the log. */
		rc = tool_report(err);
		print_log_tail(b);
		goto out;
	}
	if (err < 0)
		goto done;
	if (check) {
		if (!tool_quiet)
			fprintf(stderr, "%s: --check: building again\n",
				tool_prog);
		err = check_again(&b2, recipe, &bs, &bo, b->started);
		tool_progress_done();
		if (err < 0 && b2 != NULL) {
			tool_warn("--check: the second build: %s",
				  cr_error_last());
			print_log_tail(b2);
			rc = tool_exit_code(err);
			goto out;
		}
		if (err < 0 || (err = compare_builds(b, b2)) < 0)
			goto done;
	}
	if (!tool_quiet) {
		cr_tree_format_id(id, tree->root);
		printf("source %s\n", id);
		printf("recipe %s\n",
		       recipe->from_tree ? CR_RECIPE_FILE : "command-line");
		printf("SOURCE_DATE_EPOCH %lld\n",
		       (long long)b->source_date_epoch);
		if (rootfs != NULL) {
			cr_tree_format_id(id, rootfs->tree);
			printf("root %s  %zu packages%s\n", id, rootfs->npkgs,
			       rootfs->manifest ? ", ROOT.json" : "");
		}
		for (i = 0; i < b->nartifacts; i++) {
			cr_hex_encode(hex, b->artifacts[i].sha256,
				      CR_SHA256_LEN);
			printf("subject %s  %s%s%s\n", hex,
			       tool_name(b->artifacts[i].name),
			       strcmp(b->artifacts[i].format, "none")
				       ? "  normalized "
				       : "",
			       strcmp(b->artifacts[i].format, "none")
				       ? b->artifacts[i].format
				       : "");
		}
		if (check)
			printf("reproducible: two builds gave identical "
			       "artifacts\n");
	}
	if (keypath != NULL) {
		if (out == NULL) {
			const char *base = strrchr(b->artifacts[0].name, '/');

			base = base ? base + 1 : b->artifacts[0].name;
			if (asprintf(&outbuf, "%s/%s.intoto.jsonl", outdir,
				     base) < 0) {
				outbuf = NULL;
				err = cr_error_set("out of memory");
				goto done;
			}
			out = outbuf;
		}
		if ((err = sign_and_write(b, recipe, &src, tree, &info, keypath,
					  out)) < 0)
			goto done;
		if (!tool_quiet)
			printf("wrote %s\n", tool_name(out));
	}
done:
	rc = err < 0 ? tool_report(err) : EXIT_OK;
out:
	free(outbuf);
	free(logname);
	cr_build_free(b);
	cr_build_free(b2);
	json_decref(rootdep);
	cr_root_close(rootfs);
	cr_recipe_free(replay);
	cr_recipe_free(treerec);
	cr_tree_free(tree);
	return rc;
}
