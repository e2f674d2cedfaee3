/* attest hash: print the source tree hash of a directory, archive or commit. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "opts.h"
#include "tool.h"
#include "tree.h"
#include "util.h"

static const struct tool_opt options[] = {
	{"git", 0, "REPO",
	 "hash the tree of a commit in the git repository REPO", 'g'},
	{"rev", 0, "REV", "that commit, tag or branch (default HEAD)", 'r'},
	{"strip-components", 0, "N",
	 "drop the first N parts of archive member names", 's'},
	{"root-fs", 0, NULL,
	 "PATH is a root filesystem: leave device nodes, FIFOs\n"
	 "and sockets out (as 'attest build --root' and\n"
	 "'verify root' do) instead of refusing them",
	 'R'},
	{"list", 0, NULL,
	 "then one line per file, in tree order:\n"
	 "MODE BLOB-HEX<TAB>PATH; a path holding a control\n"
	 "character, '\"' or '\\' is printed in double quotes\n"
	 "with C escapes, as git ls-tree does",
	 'l'},
	TOOL_OPT_JSON_ENTRY("print one JSON object instead"),
	{"threads", 0, "N", "hash on N threads (default: one per CPU)", 't'},
	TOOL_OPT_QUIET_ENTRY("no progress"),
	TOOL_OPT_HELP_ENTRY("print this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"hash",
	"attest hash [-q] [--list] [--json] [--strip-components N] [--threads "
	"N] [--root-fs]\n"
	"            PATH\n"
	"attest hash [-q] [--list] [--json] [--threads N] --git REPO [--rev "
	"REV]",
	"Prints the source tree hash, git's tree id in the SHA-256 object "
	"format, of\n"
	"PATH (a directory as on disk, .git excluded, or an archive: tar, "
	"tar.gz,\n"
	"tar.xz, zip...) or of a commit's tree. The first line is the 64 hex "
	"digits,\n"
	"two spaces and what was hashed.",
	options,
	"Exit status: 0 hashed, 2 error.",
	0,
};

/* Whether git would quote s (core.quotePath off): controls, '"', '\'. */
static int
needs_quote(const char *s)
{
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			return 1;
	return 0;
}

static void
print_path(FILE *f, const char *s)
{
	static const char esc[] = "\a\b\t\n\v\f\r";
	static const char letter[] = "abtnvfr";
	const unsigned char *p;
	const char *k;

	if (!needs_quote(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p != 0 && (k = strchr(esc, *p)) != NULL)
			fprintf(f, "\\%c", letter[k - esc]);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\%03o", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

static int
parse_uint(unsigned int *out, const char *s, unsigned int max)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* What the command line asks. */
struct hash_opts {
	struct cr_tree_opts tree;
	const char *repo, *rev, *path;
	int list, json, strip_set, is_dir;
};

/* One option into o: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct hash_opts *o = ctx;
	switch (id) {
	case 'g':
		return tool_getopt_once(&command, &o->repo, arg, "--git");
	case 'r':
		return tool_getopt_once(&command, &o->rev, arg, "--rev");
	case 's':
		if (o->strip_set || parse_uint(&o->tree.strip_components, arg,
					       CR_TREE_MAX_DEPTH) < 0)
			return tool_usage("hash",
					  "--strip-components: one "
					  "number from 0 to %u",
					  CR_TREE_MAX_DEPTH);
		o->strip_set = 1;
		return 0;
	case 't':
		if (parse_uint(&o->tree.threads, arg, 1024) < 0)
			return tool_usage("hash", "--threads: a number "
						  "from 0 to 1024");
		return 0;
	case 'l':
		o->list = 1;
		return 0;
	default: /* 'R' */
		o->tree.skip_special = 1;
		return 0;
	}
}

/* argv to o: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct hash_opts *o, int argc, char **argv)
{
	struct stat st;
	int rc;

	if ((rc = tool_getopt_operands(&command, &argc, &argv, parse_option, o,
				       &o->json)) != TOOL_PARSED)
		return rc;
	if (o->repo != NULL) {
		if (argc != 0)
			return tool_usage("hash", "give --git REPO or PATH, "
						  "not both");
		if (o->strip_set)
			return tool_usage("hash", "--strip-components is for "
						  "archives");
		if (o->tree.skip_special)
			return tool_usage("hash", "--root-fs is for a "
						  "directory or archive");
	} else {
		if (o->rev != NULL)
			return tool_usage("hash", "--rev needs --git");
		if (argc != 1)
			return tool_usage("hash", "give one PATH or --git "
						  "REPO");
		o->path = argv[0];
		o->is_dir = stat(o->path, &st) == 0 && S_ISDIR(st.st_mode);
		if (o->is_dir && o->strip_set)
			return tool_usage("hash", "--strip-components is for "
						  "archives");
	}
	return TOOL_PARSED;
}

/* What was hashed: all the report needs. */
struct hash_result {
	struct cr_tree *tree;
	struct cr_source_info info;
	const char *kind; /* "git", "directory", "archive" */
};

/* Hashes what o names into r: a core status. */
static int
run(struct hash_result *r, struct hash_opts *o)
{
	int err;

	o->tree.progress = tool_progress;
	if (o->repo != NULL) {
		r->kind = "git";
		err = cr_tree_from_git(&r->tree, &r->info, o->repo, o->rev,
				       &o->tree);
	} else if (o->is_dir) {
		r->kind = "directory";
		err = cr_tree_from_dir(&r->tree, o->path, &o->tree);
	} else {
		r->kind = "archive";
		err = cr_tree_from_archive(&r->tree, &r->info, o->path,
					   &o->tree);
	}
	tool_progress_done();
	return err;
}

static void
print_text(const struct hash_result *r, const struct hash_opts *o)
{
	const struct cr_tree *t = r->tree;
	char hex[CR_SHA256_HEXLEN + 1], what[PATH_MAX + 64];
	size_t i;

	if (o->repo != NULL)
		snprintf(what, sizeof(what), "%s@%s", o->repo, r->info.commit);
	else
		snprintf(what, sizeof(what), "%s", o->path);
	cr_hex_encode(hex, t->root, CR_SHA256_LEN);
	printf("%s  ", hex);
	print_path(stdout, what);
	putchar('\n');
	for (i = 0; o->list && i < t->count; i++) {
		cr_hex_encode(hex, t->entries[i].oid, CR_SHA256_LEN);
		printf("%o %s\t", t->entries[i].mode, hex);
		print_path(stdout, t->entries[i].path);
		putchar('\n');
	}
}

/* The report's object without the file list. */
static json_t *
head_json(const struct hash_result *r, const struct hash_opts *o)
{
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	json_t *src;

	cr_hex_encode(hex, r->tree->root, CR_SHA256_LEN);
	cr_tree_format_id(id, r->tree->root);
	src = json_pack("{s:s, s:o}", "kind", r->kind, "path",
			tool_json_str(o->repo != NULL ? o->repo : o->path));
	if (src != NULL && o->repo != NULL)
		json_object_update_new(
			src, json_pack("{s:o, s:s, s:I}", "revision",
				       tool_json_str(o->rev ? o->rev : "HEAD"),
				       "commit", r->info.commit, "commitTime",
				       (json_int_t)r->info.commit_time));
	else if (src != NULL && strcmp(r->kind, "archive") == 0 &&
		 r->info.newest_mtime >= 0)
		json_object_set_new(src, "newestMtime",
				    json_integer(r->info.newest_mtime));
	return json_pack("{s:s, s:s, s:o, s:I}", "tree", hex, "id", id,
			 "source", src, "count", (json_int_t)r->tree->count);
}

/*
 * One compact JSON object. The file list is written entry by entry: up to
 * CR_TREE_MAX_ENTRIES objects held at once would take gigabytes.
 */
static int
print_json(const struct hash_result *r, const struct hash_opts *o)
{
	const size_t flags = JSON_COMPACT | JSON_ENSURE_ASCII;
	const struct cr_tree *t = r->tree;
	char hex[CR_SHA256_HEXLEN + 1], mode[16];
	json_t *head = head_json(r, o), *e;
	char *text = head ? json_dumps(head, flags) : NULL;
	size_t i;

	json_decref(head);
	if (text == NULL)
		return cr_error_set("out of memory");
	text[strlen(text) - 1] = '\0'; /* the object goes on */
	fputs(text, stdout);
	free(text);
	if (o->list)
		fputs(",\"files\":[", stdout);
	for (i = 0; o->list && i < t->count; i++) {
		cr_hex_encode(hex, t->entries[i].oid, CR_SHA256_LEN);
		snprintf(mode, sizeof(mode), "%o", t->entries[i].mode);
		e = json_pack("{s:o, s:s, s:s, s:I}", "path",
			      tool_json_str(t->entries[i].path), "mode", mode,
			      "blob", hex, "size",
			      (json_int_t)t->entries[i].size);
		if (i > 0)
			fputc(',', stdout);
		if (e == NULL || json_dumpf(e, stdout, flags) < 0) {
			json_decref(e);
			return cr_error_set("out of memory");
		}
		json_decref(e);
	}
	fputs(o->list ? "]}\n" : "}\n", stdout);
	return CR_OK;
}

/* The report: the hash line (and the list), or the JSON object. */
static int
report(const struct hash_result *r, const struct hash_opts *o)
{
	int err = CR_OK;

	if (o->json)
		err = print_json(r, o);
	else
		print_text(r, o);
	if (err < 0)
		return tool_report(err);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_warn("hash: cannot write the result");
		return EXIT_ERROR;
	}
	return EXIT_OK;
}

int
cmd_hash(int argc, char **argv)
{
	struct hash_opts o = {0};
	struct hash_result r = {.info = {"", -1, -1}};
	int rc;

	if ((rc = parse(&o, argc, argv)) != TOOL_PARSED)
		return rc;
	if ((rc = run(&r, &o)) < 0)
		rc = tool_report(rc);
	else
		rc = report(&r, &o);
	cr_tree_free(r.tree);
	return rc;
}
