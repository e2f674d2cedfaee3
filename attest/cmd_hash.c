/* attest hash: print the source tree hash of a directory, archive or commit. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmds.h"
#include "tool.h"
#include "tree.h"
#include "util.h"

static void
usage(FILE *f)
{
	fputs("usage: attest hash [-q] [--list] [--json] [--strip-components "
	      "N] "
	      "[--threads N] [--root-fs]\n"
	      "                   PATH\n"
	      "       attest hash [-q] [--list] [--json] [--threads N] "
	      "--git REPO [--rev REV]\n"
	      "\n"
	      "Prints the source tree hash, git's tree id in the SHA-256 "
	      "object format, of\n"
	      "PATH (a directory as on disk, .git excluded, or an archive: "
	      "tar, tar.gz,\n"
	      "tar.xz, zip...) or of a commit's tree. The first line is the "
	      "64 hex digits,\n"
	      "two spaces and what was hashed.\n"
	      "\n"
	      "  --git REPO              hash the tree of a commit in the git "
	      "repository REPO\n"
	      "  --rev REV               that commit, tag or branch (default "
	      "HEAD)\n"
	      "  --strip-components N    drop the first N parts of archive "
	      "member names\n"
	      "  --root-fs               PATH is a root filesystem: leave device "
	      "nodes, FIFOs\n"
	      "                          and sockets out (as 'attest build "
	      "--root' and\n"
	      "                          'verify root' do) instead of refusing "
	      "them\n"
	      "  --list                  then one line per file, in tree "
	      "order:\n"
	      "                          MODE BLOB-HEX<TAB>PATH; a path "
	      "holding a control\n"
	      "                          character, '\"' or '\\' is "
	      "printed in double quotes\n"
	      "                          with C escapes, as git ls-tree does\n"
	      "  --json                  print one JSON object instead\n"
	      "  --threads N             hash on N threads (default: one per "
	      "CPU)\n"
	      "  -q, --quiet             no progress\n"
	      "  -h, --help              print this help\n"
	      "\n"
	      "Exit status: 0 hashed, 2 error.\n",
	      f);
}

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

int
cmd_hash(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"git", required_argument, NULL, 'g'},
		{"rev", required_argument, NULL, 'r'},
		{"strip-components", required_argument, NULL, 's'},
		{"threads", required_argument, NULL, 't'},
		{"list", no_argument, NULL, 'l'},
		{"root-fs", no_argument, NULL, 'R'},
		{"json", no_argument, NULL, 'j'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cr_tree_opts opts = {0};
	struct cr_source_info info = {"", -1, -1};
	struct cr_tree *t = NULL;
	const char *repo = NULL, *rev = NULL, *path = NULL, *kind;
	char what[PATH_MAX + 64];
	int c, list = 0, json = 0, strip_set = 0, err;
	struct stat st;

	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'g':
			if (repo != NULL)
				return tool_usage("hash", "--git given twice");
			repo = optarg;
			break;
		case 'r':
			if (rev != NULL)
				return tool_usage("hash", "--rev given twice");
			rev = optarg;
			break;
		case 's':
			if (strip_set ||
			    parse_uint(&opts.strip_components, optarg,
				       CR_TREE_MAX_DEPTH) < 0)
				return tool_usage("hash",
						  "--strip-components: one "
						  "number from 0 to %u",
						  CR_TREE_MAX_DEPTH);
			strip_set = 1;
			break;
		case 't':
			if (parse_uint(&opts.threads, optarg, 1024) < 0)
				return tool_usage("hash", "--threads: a number "
							  "from 0 to 1024");
			break;
		case 'l':
			list = 1;
			break;
		case 'R':
			opts.skip_special = 1;
			break;
		case 'j':
			json = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return tool_usage("hash", "unknown option");
		}
	}
	argc -= optind;
	argv += optind;
	if (repo != NULL) {
		if (argc != 0)
			return tool_usage("hash", "give --git REPO or PATH, "
						  "not both");
		if (strip_set)
			return tool_usage("hash", "--strip-components is for "
						  "archives");
		if (opts.skip_special)
			return tool_usage("hash", "--root-fs is for a "
						  "directory or archive");
	} else {
		if (rev != NULL)
			return tool_usage("hash", "--rev needs --git");
		if (argc != 1)
			return tool_usage("hash", "give one PATH or --git "
						  "REPO");
		path = argv[0];
	}
	opts.progress = tool_progress;

	if (repo != NULL) {
		kind = "git";
		err = cr_tree_from_git(&t, &info, repo, rev, &opts);
	} else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		kind = "directory";
		if (strip_set)
			return tool_usage("hash", "--strip-components is for "
						  "archives");
		err = cr_tree_from_dir(&t, path, &opts);
	} else {
		kind = "archive";
		err = cr_tree_from_archive(&t, &info, path, &opts);
	}
	tool_progress_done();
	if (err < 0)
		return tool_report(err);

	if (repo != NULL)
		snprintf(what, sizeof(what), "%s@%s", repo, info.commit);
	else
		snprintf(what, sizeof(what), "%s", path);
	if (json)
		print_json(t, &info, kind, repo != NULL ? repo : path,
			   rev != NULL ? rev : "HEAD", list);
	else
		print_text(t, what, list);
	cr_tree_free(t);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		tool_warn("hash: cannot write the result");
		return EXIT_ERROR;
	}
	return EXIT_OK;
}
