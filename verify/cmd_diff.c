/* verify diff: explain how two files differ, and whether it looks like a swap or a toolchain leak. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "cmds.h"
#include "diff.h"
#include "tool.h"

#define MAX_HINTS 32

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: verify diff [--json] [-q] [-v] [--build-path PATH]... "
		"[--diffoscope] A B\n\n"
		"Explains how files A and B differ: tar, gzip, zip, ar and "
		"cpio members\n"
		"(only in one side, metadata only, content), ELF files by "
		"their symbols\n"
		"first (imported and exported symbols added or removed, "
		"functions whose\n"
		"size changed), then by sections (code and data apart from "
		"derived ones\n"
		"such as debug info and the build id), the first difference "
		"of each with\n"
		"its strings, and typical build leaks (time, date, build "
		"path, hostname,\n"
		"user name).\n\n"
		"  --json             a JSON report on stdout\n"
		"  --build-path PATH  a build directory to look for in the "
		"differences\n"
		"  --diffoscope       also run diffoscope on the pair, when "
		"installed\n"
		"                     (after the report; on stderr with "
		"--json)\n"
		"  -q                 print the verdict line only\n"
		"  -v, --verbose      also the bytes around each first "
		"difference, in hex\n"
		"  -h, --help         this help\n\n"
		"Exit status: 0 identical, 1 different (explained on stdout), "
		"2 could not\n"
		"compare (missing or unreadable file).\n");
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
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"build-path", required_argument, NULL, 'p'},
		{"diffoscope", no_argument, NULL, 'D'},
		{"quiet", no_argument, NULL, 'q'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *hints[MAX_HINTS];
	struct cr_diff_opts opts;
	struct cr_diff_report *r = NULL;
	int json = 0, diffoscope = 0, verbose = 0, ch, err, code;
	char line[4096];
	json_t *j;
	char *s;

	memset(&opts, 0, sizeof(opts));
	opts.build_paths = hints;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "qvh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'p':
			if (opts.nbuild_paths == MAX_HINTS)
				return tool_usage("diff",
						  "more than %d --build-path",
						  MAX_HINTS);
			if (optarg[0] != '/' || optarg[1] == '\0')
				return tool_usage("diff",
						  "--build-path: '%s' is not "
						  "an absolute directory",
						  optarg);
			hints[opts.nbuild_paths++] = optarg;
			break;
		case 'D':
			diffoscope = 1;
			break;
		case 'q':
			tool_quiet = 1;
			break;
		case 'v':
			verbose = 1;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			return tool_usage("diff", "unknown option");
		}
	}
	if (argc - optind != 2)
		return tool_usage("diff", "expected two files, A and B");
	err = cr_diff_files(&r, argv[optind], argv[optind + 1], &opts);
	if (r == NULL)
		return tool_report(err);
	code = tool_exit_code(err);
	if (json) {
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
	} else if ((err = cr_diff_text(&s, r, verbose)) == CR_OK) {
		fputs(s, stdout);
		free(s);
	} else {
		code = tool_report(err);
	}
	if (diffoscope && !r->identical)
		run_diffoscope(argv[optind], argv[optind + 1],
			       json ? STDERR_FILENO : STDOUT_FILENO);
	cr_diff_report_free(r);
	if (fflush(stdout) != 0) {
		tool_warn("diff: stdout: %s", strerror(errno));
		return EXIT_ERROR;
	}
	return code;
}
