/* Unit tests for common/opts.c: the option table's parse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "opts.h"
#include "tool.h"

enum { OPT_NAME = 1, OPT_COUNT, OPT_FORGOTTEN };

static const struct tool_opt opts[] = {
	{"name", 'n', "NAME", "a name", OPT_NAME},
	{"count", 'c', "N", "a count", OPT_COUNT},
	{"forgotten", 0, "X", "in the table, in no case", OPT_FORGOTTEN},
	TOOL_OPT_JSON_ENTRY("JSON"),
	TOOL_OPT_HELP_ENTRY("help"),
	TOOL_OPT_END,
};

static const struct tool_cmd cmd = {
	"demo", "demo [--name NAME] ARG", NULL, opts, NULL, 0};

struct seen {
	const char *name;
	long long count;
};

/* Like a command's parse_option: ids it does not know are "not mine". */
static int
option(void *ctx, int id, const char *arg)
{
	struct seen *s = ctx;

	switch (id) {
	case OPT_NAME:
		s->name = arg;
		return 0;
	case OPT_COUNT:
		if ((s->count = tool_parse_number(arg, 100)) < 0)
			return tool_usage("demo", "--count: 0 to 100");
		return 0;
	}
	return -1;
}

static int
parse(struct tool_getopt *g, struct seen *s, char **argv)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	memset(s, 0, sizeof(*s));
	s->count = -1;
	return tool_getopt_parse(g, &cmd, argc, argv, option, s);
}

static void
test_parsed(void **state)
{
	char *argv[] = {"demo", "--name", "x", "-c", "5", "--json", "op", NULL};
	struct tool_getopt g;
	struct seen s;

	(void)state;
	assert_int_equal(parse(&g, &s, argv), TOOL_PARSED);
	assert_string_equal(s.name, "x");
	assert_int_equal(s.count, 5);
	assert_int_equal(g.json, 1);
	assert_string_equal(argv[g.optind], "op");
}

static void
test_usage_errors(void **state)
{
	char *bad_value[] = {"demo", "-c", "500", "op", NULL};
	char *unknown[] = {"demo", "--nope", "op", NULL};
	char *missing[] = {"demo", "op", "--name", NULL};
	struct tool_getopt g;
	struct seen s;

	(void)state;
	assert_int_equal(parse(&g, &s, bad_value), 2);
	assert_int_equal(parse(&g, &s, unknown), 2);
	assert_int_equal(parse(&g, &s, missing), 2);
}

/*
 * An option in the table that the command's function does not handle
 * stops the parse with exit 2: never a parse that goes on, options after
 * it unread and the command's own name taken as its first operand.
 */
static void
test_unhandled_option(void **state)
{
	char *argv[] = {"demo", "--forgotten", "x", "--count", "5", "op", NULL};
	struct tool_getopt g;
	struct seen s;

	(void)state;
	assert_int_equal(parse(&g, &s, argv), 2);
	assert_int_equal(s.count, -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parsed),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_unhandled_option),
	};

	tool_prog = "test";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
