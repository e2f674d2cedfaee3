/* attest build: the sealed, deterministic build that signs what it made. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
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
#include "cmds.h"
#include "diff.h"
#include "passphrase.h"
#include "dsse_sign.h"
#include "error.h"
#include "root.h"
#include "sandbox.h"
#include "source.h"
#include "tool.h"
#include "util.h"

#define MAX_LIST 256

static const char usage_text[] =
	"usage: attest build (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"                    [--strip-components N] [--source-uri URI] [--key KEY]\n"
	"                    [--output-dir DIR] [--bundle BUNDLE]\n"
	"                    [--passphrase-file FILE | --passphrase-fd N]\n"
	"                    [-o OUT] [--root DIR|ROOT.tar] [--root-cache DIR]\n"
	"                    [--env SOURCE_DATE_EPOCH=N] [--tool NAME]... [--no-normalize]\n"
	"                    [--check [--check-dir DIR] [--check-vary LIST]]\n"
	"                    [--timeout SECONDS] [--max-size SIZE] [--json] [-q]\n"
	"                    [[--override-recipe] [--artifact PATH]...\n"
	"                     [--env NAME=VALUE]... [--fake-clock] -- COMMAND [ARG]...]\n"
	"       attest build (--source DIR | --git REPO [--rev REV] | --tarball FILE)\n"
	"                    --recipe-from ATTESTATION [--trust-recipe] [--key KEY]\n"
	"                    [--output-dir DIR] [-o OUT] [--root DIR|ROOT.tar]\n"
	"                    [--root-cache DIR]\n"
	"                    [--check [--check-dir DIR] [--check-vary LIST]]\n"
	"                    [--timeout SECONDS] [--max-size SIZE] [--json] [-q]\n"
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
	"  --source-uri URI        the source's URI (default: --git's origin)\n"
	"  --key KEY               sign the attestation with this private key\n"
	"  --artifact PATH         an artifact, relative to the source root; globs\n"
	"                          allowed; repeatable\n"
	"  --output-dir DIR        where artifacts and the log go (./attest-out)\n"
	"  -o, --output OUT        the attestation (DIR/NAME.intoto.jsonl)\n"
	"  --bundle BUNDLE         with --key, write it as a Sigstore bundle v0.3\n"
	"                          too (.sigstore.json)\n"
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
	"";

static const char usage_text2[] =
	"  --check                 build twice, the second time as another machine\n"
	"                          would: another day (libfaketime), directory\n"
	"                          order reversed, 1 CPU, another uname -r and\n"
	"                          host name, another TZ, locale, HOME, USER and\n"
	"                          umask around it; exit 1 unless the artifacts\n"
	"                          are identical, naming the variation that\n"
	"                          changes them (one rebuild per variation)\n"
	"  --check-dir DIR         where build 2's artifacts and log are kept when\n"
	"                          they differ (DIR/check-build2)\n"
	"  --check-vary LIST       vary only these, comma-separated: date, order,\n"
	"                          cpus, kernel, host, env (default: all)\n"
	"  --timeout SECONDS       kill the whole build after SECONDS, collecting\n"
	"                          its artifacts included (exit 2); default: none\n"
	"  --max-size SIZE         the bytes all artifacts may hold together, as\n"
	"                          built and as normalised (K, M, G, T: powers of\n"
	"                          1024; default 8G; exit 2 beyond)\n"
	"  -q, --quiet             print nothing but errors\n"
	"  -h, --help              show this help\n";

/* Apart: one string literal may hold no more than C's 4095 bytes. */
static const char usage_tail[] = PASSPHRASE_HELP
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
	struct cr_build *t = NULL;
	char names[512], causes[1024], hex_a[CR_SHA256_HEXLEN + 1],
		hex_b[CR_SHA256_HEXLEN + 1];
	size_t nd, i, first = 0, used = 0, ncause = 0;
	char failed[512];
	int timed = 0, err;

	causes[0] = failed[0] = '\0';
	/*
	 * Build 2 (and every rebuild) starts in a later second of the wall
	 * clock than build 1 ended in: a time of day to the second differs.
	 */
	while ((int64_t)time(NULL) <= b->finished)
		usleep(50000);
	if ((err = mkdir_p(c->dir)) < 0)
		return err;
	if (c->own) {
		char marker[4200];
		FILE *f;

		snprintf(marker, sizeof(marker), "%s/%s", c->dir, CHECK_MARKER);
		if ((f = fopen(marker, "w")) == NULL)
			return cr_error_errno("%s", marker);
		fputs("made by attest build --check; removed by the next\n", f);
		if (fclose(f) != 0)
			return cr_error_errno("%s", marker);
	}
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
		used = (size_t)snprintf(causes, sizeof(causes),
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
		if (used < sizeof(causes))
			used += (size_t)snprintf(
				causes + used, sizeof(causes) - used,
				"%s%s changes %s", ncause ? "; " : "",
				c->what[i], names);
		ncause++;
		cr_build_free(t);
		t = NULL;
		err = CR_OK;
	}
	cr_build_free(t);
	if (err < 0) {
		tool_warn("--check: could not finish finding the cause: %s",
			  cr_error_last());
		snprintf(causes, sizeof(causes), "the cause is not known");
	} else if (ncause == 0) {
		snprintf(causes, sizeof(causes),
			 "no variation alone changes the artifacts: a "
			 "combination of them does, or the build is not "
			 "deterministic");
	}
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

int
cmd_build(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"source", required_argument, NULL, 'S'},
		{"git", required_argument, NULL, 'G'},
		{"rev", required_argument, NULL, 'r'},
		{"tarball", required_argument, NULL, 'T'},
		{"strip-components", required_argument, NULL, 's'},
		{"source-uri", required_argument, NULL, 'u'},
		{"key", required_argument, NULL, 'k'},
		{"artifact", required_argument, NULL, 'A'},
		{"output-dir", required_argument, NULL, 'D'},
		{"output", required_argument, NULL, 'o'},
		{"bundle", required_argument, NULL, 'b'},
		PASSPHRASE_OPTIONS,
		{"root", required_argument, NULL, 'R'},
		{"root-cache", required_argument, NULL, 'Y'},
		{"env", required_argument, NULL, 'e'},
		{"tool", required_argument, NULL, 't'},
		{"fake-clock", no_argument, NULL, 'F'},
		{"no-normalize", no_argument, NULL, 'N'},
		{"recipe-from", required_argument, NULL, 'f'},
		{"trust-recipe", no_argument, NULL, 'U'},
		{"override-recipe", no_argument, NULL, 'O'},
		{"check", no_argument, NULL, 'c'},
		{"check-dir", required_argument, NULL, 'C'},
		{"check-vary", required_argument, NULL, 'V'},
		{"timeout", required_argument, NULL, 'W'},
		{"max-size", required_argument, NULL, 'Z'},
		{"json", no_argument, NULL, 'j'},
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
	struct cr_resource *rootdep = NULL;
	json_t *report = NULL;
	struct cr_privkey *probe = NULL;
	struct list artifacts = {0}, env = {0}, tools = {0};
	struct check chk;
	const char *checkdir = NULL;
	char *checkbuf = NULL;
	const char *keypath = NULL, *out = NULL, *outdir = NULL, *root = NULL;
	const char *recipe_from = NULL, *source_uri = NULL, *bundle = NULL;
	const char *root_cache = NULL;
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	char *outbuf = NULL, *logname = NULL, name[4200];
	long long v;
	int c, rc, check = 0, fake = 0, nonorm = 0, err = CR_OK, json = 0;
	int saved_stdout = -1;
	long long timeout = -1;
	uint64_t max_size = 0;
	int trust_recipe = 0, override = 0;
	size_t i;

	optind = 1;
	memset(&chk, 0, sizeof(chk));
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
		case OPT_PASSPHRASE_FILE:
		case OPT_PASSPHRASE_FD:
			if ((rc = passphrase_option("build", c, optarg)) != 0)
				return rc;
			break;
		case 'b':
			if (bundle)
				return tool_usage("build",
						  "--bundle given twice");
			bundle = optarg;
			break;
		case 'u':
			if ((rc = tool_source_uri_option(&source_uri, "build",
							 optarg)) != 0)
				return rc;
			break;
		case 'R':
			if (root)
				return tool_usage("build",
						  "--root given twice");
			root = optarg;
			break;
		case 'Y':
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
		case 'C':
			if (checkdir != NULL || *optarg == '\0')
				return tool_usage("build", "--check-dir: a "
							   "directory, once");
			checkdir = optarg;
			break;
		case 'V':
			if (chk.want != 0 || parse_vary(&chk.want, optarg) < 0)
				return tool_usage("build",
						  "--check-vary: once, a "
						  "comma-separated list of "
						  "date, order, cpus, kernel, "
						  "host, env or all");
			break;
		case 'W':
			if (timeout >= 0 ||
			    (timeout = tool_parse_number(optarg, 31536000)) < 1)
				return tool_usage("build",
						  "--timeout: 1 to 31536000 "
						  "seconds, once");
			break;
		case 'Z':
			if (max_size != 0 ||
			    (max_size = tool_parse_size(optarg)) == 0)
				return tool_usage("build",
						  "--max-size: a size in bytes "
						  "(K, M, G, T), once");
			break;
		case 'U':
			trust_recipe = 1;
			break;
		case 'O':
			override = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(usage_text2, stdout);
			fputs(usage_tail, stdout);
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
	if (bundle != NULL && keypath == NULL)
		return tool_usage("build", "--bundle goes with --key");
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
	if (!check && (checkdir != NULL || chk.want != 0))
		return tool_usage("build", "--check-dir and --check-vary go "
					   "with --check");
	if (cr_recipe_check_env(env.items, "--env") < 0)
		return tool_usage("build", "%s", cr_error_last());
	if (outdir == NULL)
		outdir = "attest-out";
	if (checkdir != NULL && check_dir_apart(checkdir, outdir) < 0)
		return tool_usage("build", "%s", cr_error_last());
	if (chk.want == 0)
		chk.want = (1u << G_COUNT) - 1;

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
	bo.max_size = max_size;
	bo.record_order = check;
	if (check) {
		if (checkdir == NULL) {
			if (asprintf(&checkbuf, "%s/check-build2", outdir) <
			    0) {
				checkbuf = NULL;
				err = cr_error_set("out of memory");
				goto done;
			}
			/* attest's own (marked): a previous run's goes. */
			if ((err = clear_own_checkdir(checkbuf)) < 0)
				goto done;
			checkdir = checkbuf;
			chk.own = 1;
		}
		/* Removed when the builds agree: never a directory of yours. */
		if ((err = empty_or_absent(checkdir)) < 0)
			goto done;
		chk.dir = checkdir;
		check_plan(&chk, recipe, bo.root);
	}
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
		if (json) {
			/* stdout holds the one JSON object: the check's text
			 * report, which only a failure prints, goes to stderr. */
			fflush(stdout);
			saved_stdout = dup(STDOUT_FILENO);
			if (saved_stdout >= 0)
				dup2(STDERR_FILENO, STDOUT_FILENO);
		}
		err = run_check(&b2, &chk, b, recipe, &bs, &bo);
		tool_progress_done();
		if (saved_stdout >= 0) {
			fflush(stdout);
			dup2(saved_stdout, STDOUT_FILENO);
			close(saved_stdout);
			saved_stdout = -1;
		}
		if (err < 0 && b2 != NULL && b2->nartifacts == 0) {
			tool_warn("--check: the second build: %s",
				  cr_error_last());
			print_log_tail(b2);
			rc = tool_exit_code(err);
			goto out;
		}
		if (err < 0)
			goto done;
		cr_rmtree(checkdir);
	}
	if (json) {
		report = json_pack(
			"{s:s, s:s, s:I, s:[]}", "source", "", "recipe",
			recipe->from_tree ? CR_RECIPE_FILE : "command-line",
			"sourceDateEpoch", (json_int_t)b->source_date_epoch,
			"subjects");
		if (report == NULL) {
			err = cr_error_set("out of memory");
			goto done;
		}
		cr_tree_format_id(id, tree->root);
		json_object_set_new(report, "source", json_string(id));
		if (rootfs != NULL) {
			cr_tree_format_id(id, rootfs->tree);
			json_object_set_new(
				report, "root",
				json_pack("{s:s, s:I, s:b}", "tree", id,
					  "packages", (json_int_t)rootfs->npkgs,
					  "manifest",
					  rootfs->manifest != NULL));
		}
		for (i = 0; i < b->nartifacts; i++) {
			cr_hex_encode(hex, b->artifacts[i].sha256,
				      CR_SHA256_LEN);
			json_array_append_new(
				json_object_get(report, "subjects"),
				json_pack("{s:o, s:{s:s}, s:s}", "name",
					  tool_json_str(b->artifacts[i].name),
					  "digest", "sha256", hex, "normalized",
					  b->artifacts[i].format));
		}
		if (check) {
			json_t *varied = json_array(),
			       *not_varied = json_array();

			for (i = 0; i < G_COUNT; i++)
				if (chk.applied & (1u << i))
					json_array_append_new(
						varied,
						json_string(chk.what[i]));
				else if (chk.why_not[i][0])
					json_array_append_new(
						not_varied,
						json_string(chk.why_not[i]));
			json_object_set_new(report, "check",
					    json_pack("{s:s, s:o, s:o}",
						      "result", "reproducible",
						      "varied", varied,
						      "notVaried", not_varied));
		}
		json_object_set_new(report, "log",
				    b->log_path ? tool_json_str(b->log_path)
						: json_null());
	} else if (!tool_quiet) {
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
		if (check) {
			printf("reproducible: two builds gave identical "
			       "artifacts\n");
			for (i = 0; i < G_COUNT; i++)
				if (chk.applied & (1u << i))
					printf("varied  %s\n", chk.what[i]);
				else if (chk.why_not[i][0])
					printf("not varied  %s\n",
					       chk.why_not[i]);
		}
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
		if ((err = sign_and_write(b, recipe, &src, source_uri, tree,
					  &info, keypath, out, bundle)) < 0)
			goto done;
		if (json) {
			json_object_set_new(report, "attestation",
					    tool_json_str(out));
			if (bundle != NULL)
				json_object_set_new(report, "bundle",
						    tool_json_str(bundle));
		} else if (!tool_quiet) {
			printf("wrote %s\n", tool_name(out));
		}
	}
	if (report != NULL) {
		tool_json_print(report);
		report = NULL;
	}
done:
	rc = err < 0 ? tool_report(err) : EXIT_OK;
out:
	json_decref(report);
	free(outbuf);
	free(checkbuf);
	free(logname);
	cr_build_free(b);
	cr_build_free(b2);
	cr_resources_free(rootdep, 1);
	cr_root_close(rootfs);
	cr_recipe_free(replay);
	cr_recipe_free(treerec);
	cr_tree_free(tree);
	return rc;
}
