/* attest build: the sealed, deterministic build that signs what it made. */
#include <dirent.h>
#include <errno.h>
#include <linux/magic.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/personality.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "bundle.h"
#include "dsse_write.h"
#include "cmds.h"
#include "diff.h"
#include "passphrase.h"
#include "dsse_sign.h"
#include "error.h"
#include "opts.h"
#include "opts_build.h"
#include "recipe_build.h"
#include "root.h"
#include "sandbox.h"
#include "source.h"
#include "source_id.h"
#include "tool.h"
#include "build_log.h"
#include "util.h"
#include "write.h"

#define MAX_LIST 256

/* Ids of the options that have no short letter. */
enum {
	OPT_ARTIFACT = 0x100,
	OPT_OUTPUT_DIR,
	OPT_BUNDLE,
	OPT_ROOT,
	OPT_ROOT_CACHE,
	OPT_ENV,
	OPT_TOOL,
	OPT_FAKE_CLOCK,
	OPT_NO_NORMALIZE,
	OPT_RECIPE_FROM,
	OPT_TRUST_RECIPE,
	OPT_OVERRIDE_RECIPE,
	OPT_CHECK,
	OPT_CHECK_DIR,
	OPT_CHECK_VARY,
	OPT_TIMEOUT,
	OPT_MAX_SIZE,
	OPT_KEY,
	OPT_SOURCE_URI,
};

static const struct tool_opt options[] = {
	{NULL, 0, "--source DIR, --git REPO [--rev REV], --tarball FILE",
	 "the source (--git: exactly the committed tree)", 0},
	{"source", 0, "DIR", NULL, 'S'},
	{"git", 0, "REPO", NULL, 'G'},
	{"rev", 0, "REV", NULL, 'r'},
	{"tarball", 0, "FILE", NULL, 'T'},
	{"strip-components", 0, "N",
	 "drop N leading path parts of archive members", 's'},
	{"source-uri", 0, "URI", "the source's URI (default: --git's origin)",
	 OPT_SOURCE_URI},
	{"key", 0, "KEY", "sign the attestation with this private key",
	 OPT_KEY},
	{"artifact", 0, "PATH",
	 "an artifact, relative to the source root; globs\n"
	 "allowed; repeatable",
	 OPT_ARTIFACT},
	{"output-dir", 0, "DIR",
	 "where artifacts and the log go (./attest-out)", OPT_OUTPUT_DIR},
	{"output", 'o', "OUT", "the attestation (DIR/NAME.intoto.jsonl)", 'o'},
	{"bundle", 0, "BUNDLE",
	 "with --key, write it as a Sigstore bundle v0.3\n"
	 "too (.sigstore.json)",
	 OPT_BUNDLE},
	{"root", 0, "DIR|ROOT.tar",
	 "the build's whole root filesystem (default: the\n"
	 "host's, read-only); recorded by tree hash, its\n"
	 "packages and the ROOT.json beside it",
	 OPT_ROOT},
	{"root-cache", 0, "DIR",
	 "where cleanroom.json's root is made or reused", OPT_ROOT_CACHE},
	{"env", 0, "NAME=VALUE",
	 "a variable for the build, recorded; repeatable;\n"
	 "SOURCE_DATE_EPOCH=N sets the build's time",
	 OPT_ENV},
	{"tool", 0, "NAME",
	 "record this tool too (cc, c++, ld, as, ar, make\n"
	 "and sh always are)",
	 OPT_TOOL},
	{"fake-clock", 0, NULL,
	 "the build's wall clock reads SOURCE_DATE_EPOCH\n(libfaketime)",
	 OPT_FAKE_CLOCK},
	{"no-normalize", 0, NULL, "copy artifacts as built", OPT_NO_NORMALIZE},
	{"override-recipe", 0, NULL,
	 "build with -- COMMAND although the tree carries\n"
	 "cleanroom.json (the statement says the recipe\n"
	 "came from the command line)",
	 OPT_OVERRIDE_RECIPE},
	{"recipe-from", 0, "ATT",
	 "replay another party's build: the tree's\n"
	 "cleanroom.json when its statement says so (and\n"
	 "only if the recorded recipe is the same), with\n"
	 "its SOURCE_DATE_EPOCH",
	 OPT_RECIPE_FROM},
	{"trust-recipe", 0, NULL,
	 "with --recipe-from, replay a recipe that was\n"
	 "given on the command line (it is shown first)",
	 OPT_TRUST_RECIPE},
	{"check", 0, NULL,
	 "build twice, the second time as another machine\n"
	 "would: another day (libfaketime), directory\n"
	 "order reversed, 1 CPU, another uname -r and\n"
	 "host name, another TZ, locale, HOME, USER and\n"
	 "umask around it; exit 1 unless the artifacts\n"
	 "are identical, naming the variation that\n"
	 "changes them (one rebuild per variation)",
	 OPT_CHECK},
	{"check-dir", 0, "DIR",
	 "where build 2's artifacts and log are kept when\n"
	 "they differ (DIR/check-build2)",
	 OPT_CHECK_DIR},
	{"check-vary", 0, "LIST",
	 "vary only these, comma-separated: date, order,\n"
	 "cpus, kernel, host, env (default: all)",
	 OPT_CHECK_VARY},
	{"timeout", 0, "SECONDS",
	 "kill the whole build after SECONDS, collecting\n"
	 "its artifacts included (exit 2); default: none",
	 OPT_TIMEOUT},
	{"max-size", 0, "SIZE",
	 "the bytes all artifacts may hold together, as\n"
	 "built and as normalised (K, M, G, T: powers of\n"
	 "1024; default 8G; exit 2 beyond)",
	 OPT_MAX_SIZE},
	TOOL_OPT_JSON_ENTRY("print one JSON object instead"),
	TOOL_OPT_QUIET_ENTRY("print nothing but errors"),
	TOOL_OPT_HELP_ENTRY("show this help"),
	PASSPHRASE_OPTS,
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"build",
	"attest build (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"             [--strip-components N] [--source-uri URI] [--key KEY]\n"
	"             [--output-dir DIR] [--bundle BUNDLE]\n"
	"             [--passphrase-file FILE | --passphrase-fd N]\n"
	"             [-o OUT] [--root DIR|ROOT.tar] [--root-cache DIR]\n"
	"             [--env SOURCE_DATE_EPOCH=N] [--tool NAME]... "
	"[--no-normalize]\n"
	"             [--check [--check-dir DIR] [--check-vary LIST]]\n"
	"             [--timeout SECONDS] [--max-size SIZE] [--json] [-q]\n"
	"             [[--override-recipe] [--artifact PATH]...\n"
	"              [--env NAME=VALUE]... [--fake-clock] -- COMMAND "
	"[ARG]...]\n"
	"attest build (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"             --recipe-from ATTESTATION [--trust-recipe] [--key KEY]\n"
	"             [--output-dir DIR] [-o OUT] [--root DIR|ROOT.tar]\n"
	"             [--root-cache DIR]\n"
	"             [--check [--check-dir DIR] [--check-vary LIST]]\n"
	"             [--timeout SECONDS] [--max-size SIZE] [--json] [-q]",
	"Builds the source tree in a sealed sandbox (Linux namespaces, no "
	"network,\n"
	"a fixed build path, a scrubbed environment, every source mtime set "
	"to\n"
	"SOURCE_DATE_EPOCH), normalises container artifacts, copies them to "
	"DIR\n"
	"and, with --key, signs an attestation binding them to the tree.\n"
	"\n"
	"With no -- COMMAND the recipe is the tree's own cleanroom.json "
	"(command,\n"
	"artifacts, env, fakeClock), read from the hashed tree, so the "
	"reviewer\n"
	"reads it with the source; the statement says so. A recipe given on "
	"the\n"
	"command line is recorded as such, and rebuilders must trust it\n"
	"explicitly. Variables that choose which programs or libraries run\n"
	"(PATH, LD_*, BASH_ENV, PYTHONPATH, MAKEFLAGS...) are refused in any\n"
	"recipe.",
	options,
	"Exit status: 0 built (and signed), 1 the build failed, an artifact "
	"is\n"
	"missing, or --check found differences, 2 error (the build timed out, "
	"an\n"
	"artifact is not a regular file...). The build's log is kept in DIR.",
	TOOL_CMD_IN_ORDER,
};

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
	tool_log_tail(b->log_tail, "build");
	if (b->log_path != NULL)
		fprintf(stderr, "%s: the whole log: %s\n", tool_prog,
			tool_name(b->log_path));
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

/* ---- --check ------------------------------------------------------------ */

/* What --check varies for the second build: one group per cause named. */
enum {
	G_DATE,
	G_ORDER,
	G_CPUS,
	G_KERNEL,
	G_HOST,
	G_ENV,
	G_COUNT,
};

static const struct {
	const char *name; /* for --check-vary */
	unsigned int bits;
} groups[G_COUNT] = {
	{"date", CR_VARY_DATE}, {"order", CR_BUILD_VARY_ORDER},
	{"cpus", CR_VARY_CPUS}, {"kernel", CR_VARY_KERNEL},
	{"host", CR_VARY_HOST}, {"env", 0},
};

struct check {
	unsigned int want;	    /* groups asked for (bits 1 << G_*) */
	unsigned int applied;	    /* of them, those that can be applied */
	char what[G_COUNT][256];    /* each group said for people */
	char why_not[G_COUNT][160]; /* why a group was not applied */
	const char *order_parent;   /* a tmpfs for the order variation */
	const char *dir;	    /* build 2's artifacts and log */
	int own;		    /* dir is OUTDIR/check-build2: mark it */
};

/* Written into the default OUTDIR/check-build2 when attest makes it. */
#define CHECK_MARKER ".cleanroom-check-build2"

/* Parses --check-vary's comma-separated group names ("all" for all). */
static int
parse_vary(unsigned int *out, const char *arg)
{
	char buf[256], *tok, *save = NULL;
	size_t i;

	*out = 0;
	if (snprintf(buf, sizeof(buf), "%s", arg) >= (int)sizeof(buf))
		return -1;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0) {
			*out |= (1u << G_COUNT) - 1;
			continue;
		}
		for (i = 0; i < G_COUNT; i++)
			if (strcmp(tok, groups[i].name) == 0)
				break;
		if (i == G_COUNT)
			return -1;
		*out |= 1u << i;
	}
	return *out ? 0 : -1;
}

static int
on_tmpfs(const char *dir, int need_exec)
{
	struct statfs fs;
	struct statvfs vfs;

	if (statfs(dir, &fs) < 0 || fs.f_type != TMPFS_MAGIC)
		return 0;
	if (need_exec && (statvfs(dir, &vfs) < 0 || (vfs.f_flag & ST_NOEXEC)))
		return 0;
	return access(dir, W_OK | X_OK) == 0;
}

/* Decides which groups apply on this machine and says each for people. */
static void
check_plan(struct check *c, const struct cr_recipe *r, const char *root)
{
	const char *tmp = getenv("TMPDIR");
	struct utsname u, v;
	cpu_set_t set;
	int persona;
	char *ft = NULL;
	int cpus = 0, cpu;
	size_t i;

	tmp = tmp && *tmp ? tmp : "/tmp";
	if (uname(&u) < 0)
		snprintf(u.release, sizeof(u.release), "?");
	snprintf(v.release, sizeof(v.release), "2.6.x");
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (cpu = 0; cpu < CPU_SETSIZE; cpu++)
			cpus += CPU_ISSET(cpu, &set) != 0;
	snprintf(c->what[G_DATE], sizeof(c->what[0]),
		 "the date (build 2's clock ran %d days ahead)", CR_VARY_DAYS);
	snprintf(c->what[G_ORDER], sizeof(c->what[0]),
		 "directory order (build 2 listed every source directory in "
		 "the opposite order)");
	snprintf(c->what[G_CPUS], sizeof(c->what[0]),
		 "the CPU count (build 2 saw 1 CPU, build 1 %d)", cpus);
	/* What the sandbox's UNAME26 will say, asked of the kernel. */
	if ((persona = personality(0xffffffff)) >= 0 &&
	    personality((unsigned long)persona | UNAME26) >= 0) {
		if (uname(&v) < 0)
			snprintf(v.release, sizeof(v.release), "2.6.x");
		personality((unsigned long)persona);
	}
	snprintf(c->what[G_KERNEL], sizeof(c->what[0]),
		 "the kernel release (build 2's uname -r said %.60s, build "
		 "1's %.60s)",
		 v.release, u.release);
	snprintf(c->what[G_HOST], sizeof(c->what[0]),
		 "the host name (build 2 ran on %s.%s)", CR_VARY_HOSTNAME,
		 CR_VARY_DOMAINNAME);
	snprintf(c->what[G_ENV], sizeof(c->what[0]),
		 "the caller's environment (TZ, locale, HOME, USER, umask)");
	c->applied = c->want;
	if (r->fake_clock)
		snprintf(c->why_not[G_DATE], sizeof(c->why_not[0]),
			 "the date: --fake-clock pins the clock, so another "
			 "day is moot");
	else if (cr_sandbox_faketime_path(&ft, root) < 0)
		snprintf(c->why_not[G_DATE], sizeof(c->why_not[0]),
			 "the date: could not be applied: it needs "
			 "libfaketime (apt-get install libfaketime)");
	free(ft);
	if (cpus <= 1)
		snprintf(c->why_not[G_CPUS], sizeof(c->why_not[0]),
			 "the CPU count: could not be applied: this machine "
			 "gives the build %d CPU",
			 cpus);
	/* Only a file system listing in creation order can be reordered. */
	if (on_tmpfs(tmp, 1))
		c->order_parent = NULL;
	else if (on_tmpfs("/dev/shm", 1))
		c->order_parent = "/dev/shm";
	else
		snprintf(c->why_not[G_ORDER], sizeof(c->why_not[0]),
			 "directory order: could not be applied: neither "
			 "%s nor /dev/shm is a tmpfs (set TMPDIR to one)",
			 tmp);
	for (i = 0; i < G_COUNT; i++)
		if (c->why_not[i][0])
			c->applied &= ~(1u << i);
}

/*
 * path made absolute with every existing component resolved (realpath of
 * the longest existing prefix, the rest appended): two spellings of one
 * directory, existing or not, give one string. Caller frees *out.
 */
static int
resolve_path(char **out, const char *path)
{
	char buf[4096], *slash, *base, *parent = NULL;
	int err;

	*out = NULL;
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return cr_error_set("%s: path too long", path);
	while ((slash = strrchr(buf, '/')) != NULL && slash != buf &&
	       slash[1] == '\0')
		*slash = '\0'; /* trailing slashes */
	if ((*out = realpath(buf, NULL)) != NULL)
		return CR_OK;
	if (errno != ENOENT)
		return cr_error_errno("%s", path);
	slash = strrchr(buf, '/');
	if (slash == NULL) {
		base = buf;
		err = resolve_path(&parent, ".");
	} else {
		*slash = '\0';
		base = slash + 1;
		err = resolve_path(&parent, slash == buf ? "/" : buf);
	}
	if (err < 0)
		return err;
	if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0) {
		free(parent);
		return cr_error_set("%s: a missing directory before . or ..",
				    path);
	}
	if (asprintf(out, "%s/%s", strcmp(parent, "/") ? parent : "", base) <
	    0) {
		*out = NULL;
		free(parent);
		return cr_error_set("out of memory");
	}
	free(parent);
	return CR_OK;
}

/* Whether resolved path a is b or below it. */
static int
path_within(const char *a, const char *b)
{
	size_t n = strlen(b);

	if (strcmp(b, "/") == 0)
		return 1;
	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/');
}

/*
 * --check-dir is removed when the builds agree: it must be neither the
 * output directory, nor inside it, nor above it, by any spelling.
 */
static int
check_dir_apart(const char *checkdir, const char *outdir)
{
	char *c = NULL, *o = NULL;
	int err;

	if ((err = resolve_path(&c, checkdir)) < 0 ||
	    (err = resolve_path(&o, outdir)) < 0)
		goto done;
	if (path_within(c, o) || path_within(o, c))
		err = cr_error_set("--check-dir %s: is, is inside or holds the "
				   "--output-dir %s (it is removed when the "
				   "builds agree)",
				   checkdir, outdir);
done:
	free(c);
	free(o);
	return err;
}

/*
 * The default OUTDIR/check-build2 is removed before the build only when
 * it is attest's: absent, empty, or holding the marker attest writes when
 * it makes it. Anything else (a symbolic link, a directory of yours) is
 * refused, named.
 */
static int
clear_own_checkdir(const char *dir)
{
	struct stat st;
	char marker[4200];

	if (lstat(dir, &st) < 0) {
		if (errno == ENOENT)
			return CR_OK;
		return cr_error_errno("%s", dir);
	}
	snprintf(marker, sizeof(marker), "%s/%s", dir, CHECK_MARKER);
	if (S_ISDIR(st.st_mode) && lstat(marker, &st) == 0 &&
	    S_ISREG(st.st_mode))
		return cr_rmtree(dir);
	if (S_ISDIR(st.st_mode) && rmdir(dir) == 0)
		return CR_OK; /* was empty */
	return cr_error_set("%s: exists and is not attest's (no %s in it); "
			    "move it away or give --check-dir",
			    dir, CHECK_MARKER);
}

/* CR_ERROR unless dir is missing or an empty directory. */
static int
empty_or_absent(const char *dir)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	if ((d = opendir(dir)) == NULL) {
		if (errno == ENOENT)
			return CR_OK;
		return cr_error_errno("--check-dir %s", dir);
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	if (n > 0)
		return cr_error_set("--check-dir %s: not empty (it is removed "
				    "when the builds agree; give a new one)",
				    dir);
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

/*
 * One more build with the groups in mask varied, its artifacts and log in
 * dir (NULL: a temporary directory, removed). ref: build 1, for its
 * directory order.
 */
static int
build_varied(struct cr_build **out, const struct cr_recipe *r,
	     const struct cr_build_source *bs, const struct cr_build_opts *o,
	     const struct check *c, unsigned int mask,
	     const struct cr_build *ref, const char *dir)
{
	static const char *const vary[][2] = {
		{"TZ", "Pacific/Kiritimati"}, {"LANG", "tr_TR.UTF-8"},
		{"LC_ALL", "tr_TR.UTF-8"},    {"HOME", "/nonexistent"},
		{"USER", "cleanroom-check"},  {"CLEANROOM_CHECK", "1"},
	};
	struct cr_build_opts again = *o;
	const char *tmp = getenv("TMPDIR");
	char *saved[CR_ARRAY_SIZE(vary)];
	char tdir[4096];
	mode_t mask_saved = 0;
	size_t i;
	int env = (mask & (1u << G_ENV)) != 0, err;

	*out = NULL;
	if (dir == NULL) {
		snprintf(tdir, sizeof(tdir), "%s/cleanroom-check.XXXXXX",
			 tmp && *tmp ? tmp : "/tmp");
		if (mkdtemp(tdir) == NULL)
			return cr_error_errno("%s", tdir);
	}
	again.output_dir = dir ? dir : tdir;
	again.record_order = 0;
	again.reverse_export = 0;
	again.order_ref = ref;
	again.vary = 0;
	for (i = 0; i < G_COUNT; i++)
		if (mask & (1u << i))
			again.vary |= groups[i].bits;
	again.work_parent =
		(again.vary & CR_BUILD_VARY_ORDER) ? c->order_parent : NULL;
	/* What the sandbox should not let through, changed for this build. */
	for (i = 0; env && i < CR_ARRAY_SIZE(vary); i++) {
		saved[i] =
			getenv(vary[i][0]) ? strdup(getenv(vary[i][0])) : NULL;
		put_env(vary[i][0], vary[i][1]);
	}
	if (env)
		mask_saved = umask(077);
	err = cr_build_run(out, r, bs, &again);
	if (env)
		umask(mask_saved);
	for (i = 0; env && i < CR_ARRAY_SIZE(vary); i++) {
		put_env(vary[i][0], saved[i]);
		free(saved[i]);
	}
	if (dir == NULL) {
		if (*out != NULL) { /* its directory goes below */
			free((*out)->log_path);
			(*out)->log_path = NULL;
		}
		cr_rmtree(tdir);
	}
	return err;
}

/*
 * How many artifacts differ between a and b (SIZE_MAX when they made
 * different sets); names gets them, comma-separated, cut to len.
 */
static size_t
count_differ(const struct cr_build *a, const struct cr_build *b, char *names,
	     size_t len, size_t *first)
{
	size_t i, n = 0, used = 0;

	if (names != NULL)
		names[0] = '\0';
	if (a->nartifacts != b->nartifacts)
		return SIZE_MAX;
	for (i = 0; i < a->nartifacts; i++) {
		if (strcmp(a->artifacts[i].name, b->artifacts[i].name) != 0)
			return SIZE_MAX;
		if (memcmp(a->artifacts[i].sha256, b->artifacts[i].sha256,
			   CR_SHA256_LEN) == 0)
			continue;
		if (n++ == 0 && first != NULL)
			*first = i;
		if (names != NULL && used < len)
			used += (size_t)snprintf(
				names + used, len - used, "%s%s",
				used ? ", " : "",
				tool_name(a->artifacts[i].name));
	}
	if (names != NULL && used >= len && len > 4)
		strcpy(names + len - 4, "...");
	return n;
}

/* Explains the first differing artifact with the diff engine. */
static int
explain(const char *outdir, const char *dir, const char *name)
{
	static const char *const paths[] = {CR_SANDBOX_BUILD_PATH,
					    CR_SANDBOX_HOME};
	struct cr_diff_report *rep = NULL;
	struct cr_diff_opts dopts = {0};
	char a[4200], b[4200], *text;
	int err;

	snprintf(a, sizeof(a), "%s/%s", outdir, name);
	snprintf(b, sizeof(b), "%s/%s", dir, name);
	dopts.build_paths = paths;
	dopts.nbuild_paths = CR_ARRAY_SIZE(paths);
	err = cr_diff_files(&rep, a, b, &dopts);
	if (err == CR_ERROR)
		return err;
	err = cr_diff_text(&text, rep, 0);
	cr_diff_report_free(rep);
	if (err < 0)
		return err;
	fputs(text, stdout);
	free(text);
	return CR_OK;
}

/* Marks dir as attest's own OUTDIR/check-build2: the next run removes it. */
static int
mark_own(const char *dir)
{
	char marker[4200];
	FILE *f;

	snprintf(marker, sizeof(marker), "%s/%s", dir, CHECK_MARKER);
	if ((f = fopen(marker, "w")) == NULL)
		return cr_error_errno("%s", marker);
	fputs("made by attest build --check; removed by the next\n", f);
	if (fclose(f) != 0)
		return cr_error_errno("%s", marker);
	return CR_OK;
}

/*
 * After build 2 differed: a rebuild with nothing varied, then one per
 * variation alone, each difference printed as a cause; causes says them
 * in one line for the error message.
 */
static void
find_causes(char *causes, size_t size, struct check *c,
	    const struct cr_build *b, const struct cr_recipe *r,
	    const struct cr_build_source *bs, const struct cr_build_opts *o)
{
	struct cr_build *t = NULL;
	char names[512];
	size_t i, used = 0, ncause = 0;
	int timed = 0, err;

	/* Nothing varied but the time: the build records it, or is random. */
	if (!tool_quiet)
		fprintf(stderr,
			"%s: --check: finding the cause: a rebuild "
			"with nothing varied\n",
			tool_prog);
	err = build_varied(&t, r, bs, o, c, 0, b, NULL);
	tool_progress_done();
	if (err == CR_OK && count_differ(b, t, names, sizeof(names), NULL)) {
		printf("cause  the time of the build (a rebuild with nothing "
		       "varied differs too: it records the time or is not "
		       "deterministic): %s\n",
		       names);
		used = (size_t)snprintf(causes, size,
					"the time of the build (a rebuild "
					"with nothing varied differs too) "
					"changes %s",
					names);
		ncause++;
		timed = 1;
	}
	cr_build_free(t);
	t = NULL;
	for (i = 0; timed == 0 && err == CR_OK && i < G_COUNT; i++) {
		if (!(c->applied & (1u << i)))
			continue;
		if (!tool_quiet)
			fprintf(stderr,
				"%s: --check: finding the cause: a "
				"rebuild with only %s varied\n",
				tool_prog, groups[i].name);
		err = build_varied(&t, r, bs, o, c, 1u << i, b, NULL);
		tool_progress_done();
		if (err == CR_EFAIL) {
			printf("cause  %s: the build fails\n", c->what[i]);
			snprintf(names, sizeof(names), "the build (it fails)");
		} else if (err < 0) {
			break;
		} else if (count_differ(b, t, names, sizeof(names), NULL) ==
			   0) {
			cr_build_free(t);
			t = NULL;
			continue;
		} else {
			printf("cause  %s: %s\n", c->what[i], names);
		}
		if (used < size)
			used += (size_t)snprintf(
				causes + used, size - used, "%s%s changes %s",
				ncause ? "; " : "", c->what[i], names);
		ncause++;
		cr_build_free(t);
		t = NULL;
		err = CR_OK;
	}
	cr_build_free(t);
	if (err < 0) {
		tool_warn("--check: could not finish finding the cause: %s",
			  cr_error_last());
		snprintf(causes, size, "the cause is not known");
	} else if (ncause == 0) {
		snprintf(causes, size,
			 "no variation alone changes the artifacts: a "
			 "combination of them does, or the build is not "
			 "deterministic");
	}
}

/*
 * After build 1 (b): build 2 with every applied group varied, in c->dir.
 * Identical: CR_OK. Different: one rebuild with nothing varied but the
 * time, then one per applied group, to name the cause; the first differing
 * artifact explained; CR_EFAIL with the causes. *b2 gets build 2.
 */
static int
run_check(struct cr_build **b2, struct check *c, const struct cr_build *b,
	  const struct cr_recipe *r, const struct cr_build_source *bs,
	  const struct cr_build_opts *o)
{
	char names[512], causes[1024], hex_a[CR_SHA256_HEXLEN + 1],
		hex_b[CR_SHA256_HEXLEN + 1];
	size_t nd, i, first = 0;
	char failed[512];
	int err;

	causes[0] = failed[0] = '\0';
	/*
	 * Build 2 (and every rebuild) starts in a later second of the wall
	 * clock than build 1 ended in: a time of day to the second differs.
	 */
	while ((int64_t)time(NULL) <= b->finished)
		usleep(50000);
	if ((err = cr_mkdir_p(c->dir, 0)) < 0)
		return err;
	if (c->own && (err = mark_own(c->dir)) < 0)
		return err;
	err = build_varied(b2, r, bs, o, c, c->applied, b, c->dir);
	tool_progress_done();
	if (err == CR_EFAIL) {
		/* It built once: failing under the variations is a finding. */
		snprintf(failed, sizeof(failed), "%s", cr_error_last());
		printf("FAILED  build 2: %s\n", tool_name(failed));
	} else if (err < 0) {
		return err;
	}
	if (*b2 != NULL && (c->applied & (1u << G_ORDER)) &&
	    (*b2)->order_dirs > 0 && (*b2)->order_same == (*b2)->order_dirs) {
		c->applied &= ~(1u << G_ORDER);
		snprintf(c->why_not[G_ORDER], sizeof(c->why_not[0]),
			 "directory order: could not be applied: the file "
			 "system kept build 1's order");
	}
	nd = failed[0] ? 0 : count_differ(b, *b2, names, sizeof(names), &first);
	if (nd == 0 && !failed[0])
		return CR_OK;
	if (nd == SIZE_MAX)
		return cr_error_fail("--check: not reproducible: the builds "
				     "made different artifacts (%zu and %zu)",
				     b->nartifacts, (*b2)->nartifacts);
	for (i = 0; nd > 0 && i < b->nartifacts; i++) {
		if (memcmp(b->artifacts[i].sha256, (*b2)->artifacts[i].sha256,
			   CR_SHA256_LEN) == 0)
			continue;
		cr_hex_encode(hex_a, b->artifacts[i].sha256, CR_SHA256_LEN);
		cr_hex_encode(hex_b, (*b2)->artifacts[i].sha256, CR_SHA256_LEN);
		printf("DIFFER  %s  %s != %s\n",
		       tool_name(b->artifacts[i].name), hex_a, hex_b);
	}
	fflush(stdout);

	find_causes(causes, sizeof(causes), c, b, r, bs, o);
	if (nd > 0) {
		printf("explain  %s\n", tool_name(b->artifacts[first].name));
		if (explain(o->output_dir, c->dir, b->artifacts[first].name) <
		    0)
			tool_warn("--check: cannot compare %s: %s",
				  tool_name(b->artifacts[first].name),
				  cr_error_last());
	}
	printf("kept  build 1: %s  build 2: %s\n", tool_name(o->output_dir),
	       tool_name(c->dir));
	if (failed[0])
		return cr_error_fail("--check: not reproducible: build 2 "
				     "failed (%s); %s",
				     failed, causes);
	return cr_error_fail("--check: not reproducible: %s", causes);
}

static int
sign_and_write(const struct cr_build *b, const struct cr_recipe *r,
	       const struct tool_source *src, const char *source_uri,
	       const struct cr_tree *tree, const struct cr_source_info *info,
	       const char *keypath, const char *out, const char *bundle)
{
	struct cr_provenance in;
	struct tool_source_id sid = {0};
	struct cr_subject *subjects;
	struct cr_privkey *key = NULL;
	struct cr_dsse *env = NULL;
	char *payload = NULL, *line = NULL, *btext = NULL;
	size_t i, plen, llen, blen;
	int err;

	if ((subjects = calloc(b->nartifacts, sizeof(*subjects))) == NULL)
		return cr_error_set("out of memory");
	for (i = 0; i < b->nartifacts; i++) {
		subjects[i].name = b->artifacts[i].name;
		memcpy(subjects[i].sha256, b->artifacts[i].sha256,
		       CR_SHA256_LEN);
	}
	cr_provenance_init(&in);
	in.build_type = CR_BUILDTYPE_SANDBOX;
	in.subjects = subjects;
	in.nsubjects = b->nartifacts;
	in.external.source_kind = src->kind;
	if (strcmp(src->kind, "git") == 0)
		in.external.source_revision = src->rev ? src->rev : "HEAD";
	memcpy(in.tree, tree->root, CR_SHA256_LEN);
	in.commit = info->commit[0] ? info->commit : NULL;
	cr_recipe_to_statement(&in.external, r);
	cr_build_provenance(&in, b);
	if ((err = tool_source_identify(&sid, src, source_uri)) < 0)
		goto done;
	in.external.source_uri = sid.uri;
	in.source_sha256 = sid.has_sha256 ? sid.sha256 : NULL;
	if ((err = cr_privkey_load(&key, keypath)) < 0 ||
	    (err = cr_statement_encode(&payload, &plen, &in)) < 0 ||
	    (err = cr_dsse_new(&env, CR_INTOTO_PAYLOAD_TYPE,
			       (unsigned char *)payload, plen)) < 0 ||
	    (err = cr_dsse_sign(env, key)) < 0 ||
	    (err = cr_dsse_serialize(&line, &llen, env)) < 0)
		goto done;
	line[llen] = '\n';
	if ((err = cr_write_atomic(out, line, llen + 1, 0644, 0)) < 0)
		goto done;
	if (bundle != NULL &&
	    (err = cr_bundle_serialize(&btext, &blen, env)) == CR_OK)
		err = cr_write_atomic(bundle, btext, blen, 0644, 0);
done:
	free(btext);
	free(line);
	free(payload);
	cr_dsse_free(env);
	cr_privkey_free(key);
	tool_source_id_clear(&sid);
	free(subjects);
	return err;
}

/* What the command line asks of a build. */
struct build_opts {
	struct tool_source src;
	const char *keypath, *out, *outdir, *root, *root_cache;
	const char *recipe_from, *source_uri, *bundle, *checkdir;
	struct list artifacts, env, tools;
	long long source_date_epoch; /* --env SOURCE_DATE_EPOCH=N, or -1 */
	unsigned int vary;	     /* --check-vary's groups, 0: all */
	int check, fake, nonorm, json, trust_recipe, override;
	long long timeout;
	uint64_t max_size;
	char **command; /* after --, or NULL */
};

/* What a build made, for the report. */
struct build_result {
	struct cr_source_info info;
	struct cr_tree *tree;
	struct cr_recipe given, *replay, *treerec;
	const struct cr_recipe *recipe;
	struct cr_build_source bs;
	struct cr_root *rootfs;
	struct cr_resource *rootdep;
	struct cr_build *b, *b2;
	struct check chk;
	const struct cr_build *failed; /* a build whose log tail to show */
	char *checkbuf, *outbuf;
	const char *out; /* the attestation written, or NULL */
};

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct build_opts *o = ctx;
	long long v;

	switch (id) {
	case OPT_KEY:
		return tool_getopt_once(&command, &o->keypath, arg, "--key");
	case OPT_ARTIFACT:
		return list_add(&o->artifacts, "artifacts", (char *)arg);
	case OPT_OUTPUT_DIR:
		return tool_getopt_once(&command, &o->outdir, arg,
					"--output-dir");
	case 'o':
		return tool_getopt_once(&command, &o->out, arg, "-o");
	case OPT_PASSPHRASE_FILE:
	case OPT_PASSPHRASE_FD:
		return passphrase_option("build", id, arg);
	case OPT_BUNDLE:
		return tool_getopt_once(&command, &o->bundle, arg, "--bundle");
	case OPT_SOURCE_URI:
		return tool_source_uri_option(&o->source_uri, "build", arg);
	case OPT_ROOT:
		return tool_getopt_once(&command, &o->root, arg, "--root");
	case OPT_ROOT_CACHE:
		return tool_getopt_once(&command, &o->root_cache, arg,
					"--root-cache");
	case OPT_ENV:
		if (strncmp(arg, "SOURCE_DATE_EPOCH=", 18) != 0)
			return list_add(&o->env, "--env", (char *)arg);
		if (o->source_date_epoch >= 0 ||
		    (v = tool_parse_number(arg + 18, 253402300799LL)) < 0)
			return tool_usage("build", "bad or repeated "
						   "SOURCE_DATE_EPOCH");
		o->source_date_epoch = v;
		return 0;
	case OPT_TOOL:
		return list_add(&o->tools, "tools", (char *)arg);
	case OPT_RECIPE_FROM:
		return tool_getopt_once(&command, &o->recipe_from, arg,
					"--recipe-from");
	case OPT_CHECK_DIR:
		if (o->checkdir != NULL || *arg == '\0')
			return tool_usage("build", "--check-dir: a "
						   "directory, once");
		o->checkdir = arg;
		return 0;
	case OPT_CHECK_VARY:
		if (o->vary != 0 || parse_vary(&o->vary, arg) < 0)
			return tool_usage("build", "--check-vary: once, a "
						   "comma-separated list of "
						   "date, order, cpus, kernel, "
						   "host, env or all");
		return 0;
	case OPT_TIMEOUT:
		return tool_timeout_option(&o->timeout, "build", arg);
	case OPT_MAX_SIZE:
		return tool_max_size_option(&o->max_size, "build", arg);
	case OPT_CHECK:
		o->check = 1;
		return 0;
	case OPT_FAKE_CLOCK:
		o->fake = 1;
		return 0;
	case OPT_NO_NORMALIZE:
		o->nonorm = 1;
		return 0;
	case OPT_TRUST_RECIPE:
		o->trust_recipe = 1;
		return 0;
	case OPT_OVERRIDE_RECIPE:
		o->override = 1;
		return 0;
	}
	return tool_source_option(&o->src, "build", id, arg);
}

/* The options that go together, checked once all are read. */
static int
parse_check(struct build_opts *o)
{
	int rc;

	if ((rc = tool_source_check(&o->src, "build", 1)) != 0)
		return rc;
	if (o->bundle != NULL && o->keypath == NULL)
		return tool_usage("build", "--bundle goes with --key");
	if (o->recipe_from != NULL) {
		if (o->command || o->artifacts.n || o->env.n || o->tools.n ||
		    o->fake || o->nonorm || o->source_date_epoch >= 0 ||
		    o->override)
			return tool_usage("build",
					  "--recipe-from replays the "
					  "recorded command, artifacts, "
					  "environment and settings: give "
					  "none of them");
	} else {
		if (o->trust_recipe)
			return tool_usage("build", "--trust-recipe goes with "
						   "--recipe-from");
		if (!o->command &&
		    (o->artifacts.n || o->env.n || o->fake || o->override))
			return tool_usage(
				"build", "--artifact, --env NAME=VALUE, "
					 "--fake-clock and --override-recipe "
					 "go with -- COMMAND; without one the "
					 "recipe is the tree's cleanroom.json");
		if (o->command && o->artifacts.n == 0)
			return tool_usage("build", "no --artifact given");
	}
	if (!o->check && (o->checkdir != NULL || o->vary != 0))
		return tool_usage("build", "--check-dir and --check-vary go "
					   "with --check");
	if (cr_recipe_check_env(o->env.items, "--env") < 0)
		return tool_usage("build", "%s", cr_error_last());
	if (o->outdir == NULL)
		o->outdir = "attest-out";
	if (o->checkdir != NULL && check_dir_apart(o->checkdir, o->outdir) < 0)
		return tool_usage("build", "%s", cr_error_last());
	return TOOL_PARSED;
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct build_opts *o, int argc, char **argv)
{
	struct tool_getopt g;
	int rc;

	o->source_date_epoch = -1;
	o->timeout = -1;
	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    o)) != TOOL_PARSED)
		return rc;
	o->json = g.json;
	if (g.optind < argc)
		o->command = argv + g.optind;
	return parse_check(o);
}

/* The recipe to build with: replayed, the tree's, or the command line's. */
static int
choose_recipe(struct build_result *r, const struct build_opts *o)
{
	struct cr_recipe *given = &r->given;
	int err;

	if (o->recipe_from != NULL) {
		if ((err = load_recipe(&r->replay, o->recipe_from, &r->bs,
				       o->trust_recipe)) < 0)
			return err;
		r->recipe = r->replay;
		return CR_OK;
	}
	given->source_date_epoch = o->source_date_epoch;
	given->tools = (char **)o->tools.items;
	given->normalize = !o->nonorm;
	if (o->command && !o->override &&
	    cr_tree_find(r->tree, CR_RECIPE_FILE) != NULL) {
		return cr_error_set("%s: the source tree carries %s, its "
				    "reviewed recipe: build with no -- "
				    "COMMAND, or give --override-recipe to "
				    "build with this command line instead "
				    "(the statement will say the recipe is "
				    "not the tree's)",
				    o->src.path, CR_RECIPE_FILE);
	} else if (o->command) {
		given->command = o->command;
		given->artifacts = (char **)o->artifacts.items;
		given->env = (char **)o->env.items;
		given->fake_clock = o->fake;
	} else {
		if ((err = cr_recipe_from_tree(&r->treerec, &r->bs)) < 0)
			return err;
		if (r->treerec == NULL)
			return cr_error_set("%s: no COMMAND given (after --) "
					    "and the source tree has no %s",
					    o->src.path, CR_RECIPE_FILE);
		given->command = r->treerec->command;
		given->artifacts = r->treerec->artifacts;
		given->env = r->treerec->env;
		given->fake_clock = r->treerec->fake_clock;
		given->root = r->treerec->root;
		given->from_tree = 1;
		memcpy(given->file_sha256, r->treerec->file_sha256,
		       CR_SHA256_LEN);
	}
	r->recipe = given;
	return CR_OK;
}

/* The root the build runs in: the recipe's, --root, or none (the host). */
static int
open_root(struct build_result *r, const struct build_opts *o)
{
	int err;

	/* The root the reviewed recipe names, and no other. */
	err = cr_root_select(&r->rootfs, &r->rootdep, r->recipe->root, o->root,
			     o->root_cache, o->src.path, tool_progress_line,
			     NULL);
	tool_progress_done();
	return err;
}

/* --check's directory for build 2, made ready, and its plan. */
static int
prepare_check(struct build_result *r, const struct build_opts *o,
	      const struct cr_build_opts *bo)
{
	const char *checkdir = o->checkdir;
	int err;

	r->chk.want = o->vary ? o->vary : (1u << G_COUNT) - 1;
	if (checkdir == NULL) {
		if (asprintf(&r->checkbuf, "%s/check-build2", o->outdir) < 0) {
			r->checkbuf = NULL;
			return cr_error_set("out of memory");
		}
		/* attest's own (marked): a previous run's goes. */
		if ((err = clear_own_checkdir(r->checkbuf)) < 0)
			return err;
		checkdir = r->checkbuf;
		r->chk.own = 1;
	}
	/* Removed when the builds agree: never a directory of yours. */
	if ((err = empty_or_absent(checkdir)) < 0)
		return err;
	r->chk.dir = checkdir;
	check_plan(&r->chk, r->recipe, bo->root);
	return CR_OK;
}

/* The second build of --check, compared with the first. */
static int
build_again(struct build_result *r, const struct build_opts *o,
	    const struct cr_build_opts *bo)
{
	int err, saved_stdout = -1;

	if (!tool_quiet)
		fprintf(stderr, "%s: --check: building again\n", tool_prog);
	if (o->json) {
		/* stdout holds the one JSON object: the check's text
		 * report, which only a failure prints, goes to stderr. */
		fflush(stdout);
		saved_stdout = dup(STDOUT_FILENO);
		if (saved_stdout >= 0)
			dup2(STDERR_FILENO, STDOUT_FILENO);
	}
	err = run_check(&r->b2, &r->chk, r->b, r->recipe, &r->bs, bo);
	tool_progress_done();
	if (saved_stdout >= 0) {
		fflush(stdout);
		dup2(saved_stdout, STDOUT_FILENO);
		close(saved_stdout);
	}
	if (err < 0 && r->b2 != NULL && r->b2->nartifacts == 0)
		r->failed = r->b2;
	if (err < 0)
		return err;
	cr_rmtree(r->chk.dir);
	return CR_OK;
}

/* Signs the statement into -o's file, by default DIR/NAME.intoto.jsonl. */
static int
sign(struct build_result *r, const struct build_opts *o)
{
	const char *base, *out = o->out;
	int err;

	if (out == NULL) {
		base = strrchr(r->b->artifacts[0].name, '/');
		base = base ? base + 1 : r->b->artifacts[0].name;
		if (asprintf(&r->outbuf, "%s/%s.intoto.jsonl", o->outdir,
			     base) < 0) {
			r->outbuf = NULL;
			return cr_error_set("out of memory");
		}
		out = r->outbuf;
	}
	if ((err = sign_and_write(r->b, r->recipe, &o->src, o->source_uri,
				  r->tree, &r->info, o->keypath, out,
				  o->bundle)) < 0)
		return err;
	r->out = out;
	return CR_OK;
}

/*
 * Builds as o says (twice with --check) and signs with --key; prints only
 * progress. A build that failed with a log is left in r->failed.
 */
static int
run(struct build_result *r, struct build_opts *o)
{
	struct cr_build_opts bo = {0};
	struct cr_privkey *probe = NULL;
	char id[CR_TREE_IDLEN + 1];
	int err;

	/* A bad key should stop us before a long build, not after. */
	if (o->keypath != NULL &&
	    (err = cr_privkey_load(&probe, o->keypath)) < 0)
		return err;
	cr_privkey_free(probe);
	/* A replay checks the recorded build time against a checkout's. */
	o->src.checkout_time = o->recipe_from != NULL;
	if ((err = tool_source_hash(&r->tree, &r->info, &o->src)) < 0)
		return err;
	tool_progress_done();
	r->bs.kind = o->src.kind;
	r->bs.path = o->src.path;
	r->bs.strip_components = o->src.strip_components;
	r->bs.tree = r->tree;
	r->bs.info = &r->info;
	if ((err = choose_recipe(r, o)) < 0 ||
	    (err = cr_mkdir_p(o->outdir, 0)) < 0 || (err = open_root(r, o)) < 0)
		return err;
	bo.output_dir = o->outdir;
	bo.root = r->rootfs ? r->rootfs->dir : NULL;
	bo.root_dependency = r->rootdep;
	bo.log_name = "build.log";
	bo.progress = tool_progress_line;
	bo.timeout = o->timeout > 0 ? (unsigned int)o->timeout : 0;
	bo.max_size = o->max_size;
	bo.record_order = o->check;
	if (o->check && (err = prepare_check(r, o, &bo)) < 0)
		return err;
	if (!tool_quiet) {
		cr_tree_format_id(id, r->tree->root);
		fprintf(stderr, "%s: building %s in the sandbox\n", tool_prog,
			id);
	}
	err = cr_build_run(&r->b, r->recipe, &r->bs, &bo);
	tool_progress_done();
	if (err < 0) {
		/* Failed or timed out: the one-line reason, then the log. */
		r->failed = r->b;
		return err;
	}
	if (o->check && (err = build_again(r, o, &bo)) < 0)
		return err;
	return o->keypath != NULL ? sign(r, o) : CR_OK;
}

/* The varied and not varied groups of --check, as two JSON arrays. */
static json_t *
check_json(const struct check *chk)
{
	json_t *varied = json_array(), *not_varied = json_array();
	size_t i;

	for (i = 0; i < G_COUNT; i++)
		if (chk->applied & (1u << i))
			json_array_append_new(varied,
					      json_string(chk->what[i]));
		else if (chk->why_not[i][0])
			json_array_append_new(not_varied,
					      json_string(chk->why_not[i]));
	return json_pack("{s:s, s:o, s:o}", "result", "reproducible", "varied",
			 varied, "notVaried", not_varied);
}

/* The report as one JSON object on stdout. */
static int
report_json(const struct build_opts *o, const struct build_result *r)
{
	const struct cr_build *b = r->b;
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	json_t *report;
	size_t i;

	report = json_pack("{s:s, s:s, s:I, s:[]}", "source", "", "recipe",
			   r->recipe->from_tree ? CR_RECIPE_FILE
						: "command-line",
			   "sourceDateEpoch", (json_int_t)b->source_date_epoch,
			   "subjects");
	if (report == NULL)
		return cr_error_set("out of memory");
	cr_tree_format_id(id, r->tree->root);
	json_object_set_new(report, "source", json_string(id));
	if (r->rootfs != NULL) {
		cr_tree_format_id(id, r->rootfs->tree);
		json_object_set_new(
			report, "root",
			json_pack("{s:s, s:I, s:b}", "tree", id, "packages",
				  (json_int_t)r->rootfs->npkgs, "manifest",
				  r->rootfs->manifest != NULL));
	}
	for (i = 0; i < b->nartifacts; i++) {
		cr_hex_encode(hex, b->artifacts[i].sha256, CR_SHA256_LEN);
		json_array_append_new(
			json_object_get(report, "subjects"),
			json_pack("{s:o, s:{s:s}, s:s}", "name",
				  tool_json_str(b->artifacts[i].name), "digest",
				  "sha256", hex, "normalized",
				  b->artifacts[i].format));
	}
	if (o->check)
		json_object_set_new(report, "check", check_json(&r->chk));
	json_object_set_new(report, "log",
			    b->log_path ? tool_json_str(b->log_path)
					: json_null());
	if (r->out != NULL) {
		json_object_set_new(report, "attestation",
				    tool_json_str(r->out));
		if (o->bundle != NULL)
			json_object_set_new(report, "bundle",
					    tool_json_str(o->bundle));
	}
	tool_json_print(report);
	return CR_OK;
}

/* The report as text on stdout. */
static void
report_text(const struct build_opts *o, const struct build_result *r)
{
	const struct cr_build *b = r->b;
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	int norm;
	size_t i;

	cr_tree_format_id(id, r->tree->root);
	printf("source %s\n", id);
	printf("recipe %s\n",
	       r->recipe->from_tree ? CR_RECIPE_FILE : "command-line");
	printf("SOURCE_DATE_EPOCH %lld\n", (long long)b->source_date_epoch);
	if (r->rootfs != NULL) {
		cr_tree_format_id(id, r->rootfs->tree);
		printf("root %s  %zu packages%s\n", id, r->rootfs->npkgs,
		       r->rootfs->manifest ? ", ROOT.json" : "");
	}
	for (i = 0; i < b->nartifacts; i++) {
		cr_hex_encode(hex, b->artifacts[i].sha256, CR_SHA256_LEN);
		norm = strcmp(b->artifacts[i].format, "none") != 0;
		printf("subject %s  %s%s%s\n", hex,
		       tool_name(b->artifacts[i].name),
		       norm ? "  normalized " : "",
		       norm ? b->artifacts[i].format : "");
	}
	if (o->check) {
		printf("reproducible: two builds gave identical artifacts\n");
		for (i = 0; i < G_COUNT; i++)
			if (r->chk.applied & (1u << i))
				printf("varied  %s\n", r->chk.what[i]);
			else if (r->chk.why_not[i][0])
				printf("not varied  %s\n", r->chk.why_not[i]);
	}
	if (r->out != NULL)
		printf("wrote %s\n", tool_name(r->out));
}

/* The exit code for a failure of run(), the failed build's log shown. */
static int
report_failure(int err, const struct build_result *r)
{
	int rc;

	if (r->failed == NULL)
		return tool_report(err);
	if (r->failed == r->b) {
		rc = tool_report(err);
	} else {
		tool_warn("--check: the second build: %s", cr_error_last());
		rc = tool_exit_code(err);
	}
	print_log_tail(r->failed);
	return rc;
}

int
cmd_build(int argc, char **argv)
{
	struct build_opts o = {0};
	struct build_result r = {0};
	int rc, err;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED)
		return rc;
	if ((err = run(&r, &o)) < 0) {
		rc = report_failure(err, &r);
	} else if (o.json && (err = report_json(&o, &r)) < 0) {
		rc = tool_report(err);
	} else {
		if (!o.json && !tool_quiet)
			report_text(&o, &r);
		rc = EXIT_OK;
	}
	free(r.outbuf);
	free(r.checkbuf);
	cr_build_free(r.b);
	cr_build_free(r.b2);
	cr_resources_free(r.rootdep, 1);
	cr_root_close(r.rootfs);
	cr_recipe_free(r.replay);
	cr_recipe_free(r.treerec);
	cr_tree_free(r.tree);
	return rc;
}
