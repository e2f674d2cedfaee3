/* verify diff: explain how two files differ, and whether it looks like a swap or a toolchain leak. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "diff.h"
#include "opts.h"
#include "tool.h"

#define MAX_HINTS 32

static const struct tool_opt options[] = {
	TOOL_OPT_JSON_ENTRY("a JSON report on stdout"),
	{"build-path", 0, "PATH",
	 "a build directory to look for in the "
	 "differences",
	 'p'},
	{"diffoscope", 0, NULL,
	 "also run diffoscope on the pair, when installed\n"
	 "(after the report; on stderr with --json)",
	 'D'},
	TOOL_OPT_QUIET_ENTRY("print the verdict line only"),
	{"verbose", 'v', NULL,
	 "also the bytes around each first difference, "
	 "in hex",
	 'v'},
	TOOL_OPT_HELP_ENTRY("this help"),
	TOOL_OPT_END,
};

static const struct tool_cmd command = {
	"diff",
	"verify diff [--json] [-q] [-v] [--build-path PATH]... [--diffoscope] "
	"A B",
	"Explains how files A and B differ: tar, gzip, zip, ar and cpio "
	"members\n"
	"(only in one side, metadata only, content), ELF files by their "
	"symbols\n"
	"first (imported and exported symbols added or removed, functions "
	"whose\n"
	"size changed), then by sections (code and data apart from derived "
	"ones\n"
	"such as debug info and the build id), the first difference of each "
	"with\n"
	"its strings, and typical build leaks (time, date, build path, "
	"hostname,\n"
	"user name).",
	options,
	"Exit status: 0 identical, 1 different (explained on stdout), 2 could "
	"not\n"
	"compare (missing or unreadable file).",
	0,
};

/* What the command line asks. */
struct diff_args {
	struct cr_diff_opts opts;
	const char *hints[MAX_HINTS];
	int json, diffoscope, verbose;
	const char *a, *b;
};

/* One option into d: 0, or the exit code after a usage message. */
static int
parse_option(void *ctx, int id, const char *arg)
{
	struct diff_args *d = ctx;

	if (id == 'D') {
		d->diffoscope = 1;
	} else if (id == 'v') {
		d->verbose = 1;
	} else if (d->opts.nbuild_paths == MAX_HINTS) { /* --build-path */
		return tool_usage("diff", "more than %d --build-path",
				  MAX_HINTS);
	} else if (arg[0] != '/' || arg[1] == '\0') {
		return tool_usage("diff",
				  "--build-path: '%s' is not an absolute "
				  "directory",
				  arg);
	} else {
		d->hints[d->opts.nbuild_paths++] = arg;
	}
	return 0;
}

/* argv to d: TOOL_PARSED, or the exit code once usage or help is printed. */
static int
parse(struct diff_args *d, int argc, char **argv)
{
	struct tool_getopt g;
	int rc;

	d->opts.build_paths = d->hints;
	if ((rc = tool_getopt_parse(&g, &command, argc, argv, parse_option,
				    d)) != TOOL_PARSED)
		return rc;
	d->json = g.json;
	if (argc - g.optind != 2)
		return tool_usage("diff", "expected two files, A and B");
	d->a = argv[g.optind];
	d->b = argv[g.optind + 1];
	return TOOL_PARSED;
}

/* Runs diffoscope on the pair, its output on out_fd; warns if missing. */
static void
run_diffoscope(const char *a, const char *b, int out_fd)
{
	pid_t pid;
	int st;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		tool_warn("diff: diffoscope: fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		if (out_fd != STDOUT_FILENO)
			dup2(out_fd, STDOUT_FILENO);
		execlp("diffoscope", "diffoscope", "--text", "-", "--", a, b,
		       (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		tool_warn("diff: diffoscope is not installed");
	else if (!WIFEXITED(st) || WEXITSTATUS(st) > 1)
		tool_warn("diff: diffoscope failed (status %d)",
			  WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

int
cmd_diff(int argc, char **argv)
{
	struct diff_args d = {0};
	struct cr_diff_report *r = NULL;
	int err, code;
	char line[4096];
	json_t *j;
	char *s;

	if ((code = parse(&d, argc, argv)) != TOOL_PARSED)
		return code;
	err = cr_diff_files(&r, d.a, d.b, &d.opts);
	if (r == NULL)
		return tool_report(err);
	code = tool_exit_code(err);
	if (d.json) {
		if ((j = cr_diff_json(r)) == NULL ||
		    (s = json_dumps(j, JSON_INDENT(2) | JSON_SORT_KEYS)) ==
			    NULL) {
			json_decref(j);
			cr_diff_report_free(r);
			tool_warn("diff: out of memory");
			return EXIT_ERROR;
		}
		printf("%s\n", s);
		free(s);
		json_decref(j);
	} else if (tool_quiet) {
		cr_diff_verdict(line, sizeof(line), r);
		printf("%s\n", line);
	} else if ((err = cr_diff_text(&s, r, d.verbose)) == CR_OK) {
		fputs(s, stdout);
		free(s);
	} else {
		code = tool_report(err);
	}
	if (d.diffoscope && !r->identical)
		run_diffoscope(d.a, d.b,
			       d.json ? STDERR_FILENO : STDOUT_FILENO);
	cr_diff_report_free(r);
	if (fflush(stdout) != 0) {
		tool_warn("diff: stdout: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return code;
}
