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

static void
print_text(const struct cr_tree *t, const char *what, int list)
{
	char hex[CR_SHA256_HEXLEN + 1];
	size_t i;

	cr_hex_encode(hex, t->root, CR_SHA256_LEN);
	printf("%s  ", hex);
	print_path(stdout, what);
	putchar('\n');
	if (!list)
		return;
	for (i = 0; i < t->count; i++) {
		cr_hex_encode(hex, t->entries[i].oid, CR_SHA256_LEN);
		printf("%o %s\t", t->entries[i].mode, hex);
		print_path(stdout, t->entries[i].path);
		putchar('\n');
	}
}

static void
print_json(const struct cr_tree *t, const struct cr_source_info *info,
	   const char *kind, const char *path, const char *rev, int list)
{
	char hex[CR_SHA256_HEXLEN + 1], id[CR_TREE_IDLEN + 1];
	size_t i;

	cr_hex_encode(hex, t->root, CR_SHA256_LEN);
	cr_tree_format_id(id, t->root);
	printf("{\"tree\":\"%s\",\"id\":\"%s\",\"source\":{\"kind\":\"%s\","
	       "\"path\":",
	       hex, id, kind);
	tool_json_string(stdout, path);
	if (strcmp(kind, "git") == 0) {
		printf(",\"revision\":");
		tool_json_string(stdout, rev);
		printf(",\"commit\":\"%s\",\"commitTime\":%lld", info->commit,
		       (long long)info->commit_time);
	} else if (strcmp(kind, "archive") == 0 && info->newest_mtime >= 0) {
		printf(",\"newestMtime\":%lld", (long long)info->newest_mtime);
	}
	printf("},\"count\":%zu", t->count);
	if (list) {
		printf(",\"files\":[");
		for (i = 0; i < t->count; i++) {
			cr_hex_encode(hex, t->entries[i].oid, CR_SHA256_LEN);
			printf("%s{\"path\":", i ? "," : "");
			tool_json_string(stdout, t->entries[i].path);
			printf(",\"mode\":\"%o\",\"blob\":\"%s\",\"size\":"
			       "%llu}",
			       t->entries[i].mode, hex,
			       (unsigned long long)t->entries[i].size);
		}
		printf("]");
	}
	printf("}\n");
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
	int list, json, strip_set;
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
	}
	return TOOL_PARSED;
}

int
cmd_hash(int argc, char **argv)
{
	struct hash_opts o = {0};
	struct cr_source_info info = {"", -1, -1};
	struct cr_tree *t = NULL;
	const char *kind;
	char what[PATH_MAX + 64];
	struct stat st;
	int err;

	if ((err = parse(&o, argc, argv)) != TOOL_PARSED)
		return err;
	o.tree.progress = tool_progress;
	if (o.repo != NULL) {
		kind = "git";
		err = cr_tree_from_git(&t, &info, o.repo, o.rev, &o.tree);
	} else if (stat(o.path, &st) == 0 && S_ISDIR(st.st_mode)) {
		kind = "directory";
		if (o.strip_set)
			return tool_usage("hash", "--strip-components is for "
						  "archives");
		err = cr_tree_from_dir(&t, o.path, &o.tree);
	} else {
		kind = "archive";
		err = cr_tree_from_archive(&t, &info, o.path, &o.tree);
	}
	tool_progress_done();
	if (err < 0)
		return tool_report(err);

	if (o.repo != NULL)
		snprintf(what, sizeof(what), "%s@%s", o.repo, info.commit);
	else
		snprintf(what, sizeof(what), "%s", o.path);
	if (o.json)
		print_json(t, &info, kind, o.repo != NULL ? o.repo : o.path,
			   o.rev != NULL ? o.rev : "HEAD", o.list);
	else
		print_text(t, what, o.list);
	cr_tree_free(t);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_warn("hash: cannot write the result");
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
