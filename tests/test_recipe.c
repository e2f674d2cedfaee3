/* Unit tests for lib/recipe.c: cleanroom.json read strictly, refused variables, recipes compared. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "recipe.h"
#include "error.h"
#include "scratch.h"

static int
parse(struct cr_recipe **r, const char *text)
{
	return cr_recipe_parse_file(r, text, strlen(text), "t/cleanroom.json");
}

static void
test_parse_good(void **state)
{
	struct cr_recipe *r = NULL;

	(void)state;
	assert_int_equal(
		parse(&r, "{\"command\": [\"sh\", \"build.sh\"], "
			  "\"artifacts\": [\"hello\", \"dist/*.tar.gz\"], "
			  "\"env\": {\"CFLAGS\": \"-O2\", \"CC\": \"gcc\"}, "
			  "\"fakeClock\": true}"),
		CR_OK);
	assert_string_equal(r->command[0], "sh");
	assert_string_equal(r->command[1], "build.sh");
	assert_null(r->command[2]);
	assert_string_equal(r->artifacts[1], "dist/*.tar.gz");
	assert_string_equal(r->env[0], "CFLAGS=-O2");
	assert_string_equal(r->env[1], "CC=gcc");
	assert_null(r->env[2]);
	assert_int_equal(r->fake_clock, 1);
	assert_int_equal(r->from_tree, 1);
	assert_int_equal(r->normalize, 1);
	assert_true(r->source_date_epoch < 0);
	assert_null(r->root);
	cr_recipe_free(r);

	/* A root is read and kept, for cr_root_for_recipe(). */
	assert_int_equal(
		parse(&r, "{\"command\": [\"make\"], \"artifacts\": [\"a\"], "
			  "\"root\": {\"suite\": \"bookworm\", \"snapshot\": "
			  "\"20250520T000000Z\", \"include\": "
			  "[\"build-essential\"]}}"),
		CR_OK);
	assert_non_null(r->root);
	assert_string_equal(
		json_string_value(json_object_get(r->root, "suite")),
		"bookworm");
	cr_recipe_free(r);
}

static void
test_parse_strict(void **state)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], \"x\": 1}",
		 "unknown field 'x'"},
		{"{\"command\": [\"sh\"], \"command\": [\"sh\"], "
		 "\"artifacts\": [\"a\"]}",
		 "duplicate"},
		{"{\"command\": [], \"artifacts\": [\"a\"]}",
		 "command must be"},
		{"{\"command\": [\"sh\", 1], \"artifacts\": [\"a\"]}",
		 "command[1]"},
		{"{\"command\": [\"s\\u0000h\"], \"artifacts\": [\"a\"]}",
		 "not allowed"},
		{"{\"command\": [\"sh\"]}", "artifacts must be"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"env\": {\"PATH\": \"/build/src/bin\"}}",
		 "PATH: refused in any recipe"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"env\": {\"LD_AUDIT\": \"x.so\"}}",
		 "LD_AUDIT: refused"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"env\": {\"BASH_FUNC_make\": \"() { :; }\"}}",
		 "BASH_FUNC_make: refused"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"env\": {\"A B\": \"x\"}}",
		 "not a variable name"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"env\": {\"A\": 1}}",
		 "env A is not a string"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"fakeClock\": 1}",
		 "fakeClock must be"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"root\": {\"snapshot\": \"x\"}}",
		 "root names no suite"},
		{"{\"command\": [\"sh\"], \"artifacts\": [\"a\"], "
		 "\"root\": {\"suite\": \"x\", \"mirror\": \"http://x\"}}",
		 "unknown field 'mirror'"},
		{"[\"sh\"]", "not a JSON object"},
		{"{\"command\": [\"sh\"", "not valid JSON"},
	};
	static char big[CR_RECIPE_MAX_BYTES + 64];
	struct cr_recipe *r = NULL;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(&r, bad[i].text), CR_ERROR);
		assert_null(r);
		if (strstr(cr_error_last(), bad[i].says) == NULL)
			fail_msg("%s: '%s' lacks '%s'", bad[i].text,
				 cr_error_last(), bad[i].says);
		assert_non_null(strstr(cr_error_last(), "t/cleanroom.json"));
	}
	/* Caps: the file, a list. */
	n = (size_t)sprintf(big, "{\"command\": [\"");
	for (i = 0; i < CR_RECIPE_MAX_BYTES; i++)
		big[n + i] = 'a';
	strcpy(big + n + CR_RECIPE_MAX_BYTES, "\"], \"artifacts\": [\"a\"]}");
	assert_int_equal(parse(&r, big), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "larger than"));
	n = (size_t)sprintf(big, "{\"command\": [\"sh\"], \"artifacts\": [");
	for (i = 0; i <= CR_RECIPE_MAX_LIST; i++)
		n += (size_t)sprintf(big + n, "%s\"a%zu\"", i ? "," : "", i);
	strcpy(big + n, "]}");
	assert_int_equal(parse(&r, big), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "1 to 256"));
}

static void
test_refused(void **state)
{
	static const char *const refused[] = {
		"PATH",		  "LD_PRELOAD",	  "LD_LIBRARY_PATH",
		"GCONV_PATH",	  "BASH_ENV",	  "ENV",
		"SHELL",	  "MAKEFLAGS",	  "PYTHONPATH",
		"PERL5LIB",	  "NODE_OPTIONS", "GIT_DIR",
		"GLIBC_TUNABLES", "LUA_PATH_5_4", "COMPILER_PATH",
	};
	static const char *const allowed[] = {
		"CC", "CFLAGS", "PATHX", "LANGUAGE", "MY_PATH", "ENVIRONMENT"};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (cr_recipe_env_refused(refused[i], strlen(refused[i])) ==
		    NULL)
			fail_msg("%s is not refused", refused[i]);
	for (i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (cr_recipe_env_refused(allowed[i], strlen(allowed[i])) !=
		    NULL)
			fail_msg("%s is refused", allowed[i]);
}

static void
test_compare(void **state)
{
	struct cr_recipe *a = NULL, *b = NULL;

	(void)state;
	assert_int_equal(parse(&a, "{\"command\": [\"sh\", \"build.sh\"], "
				   "\"artifacts\": [\"hello\"], "
				   "\"env\": {\"A\": \"1\", \"B\": \"2\"}}"),
			 CR_OK);
	assert_int_equal(parse(&b, "{\"command\": [\"sh\", \"build.sh\"], "
				   "\"artifacts\": [\"hello\"], "
				   "\"env\": {\"B\": \"2\", \"A\": \"1\"}}"),
			 CR_OK);
	assert_int_equal(cr_recipe_compare(a, b, "s"), CR_OK);
	cr_recipe_free(b);
	assert_int_equal(parse(&b, "{\"command\": [\"sh\", \"-c\", "
				   "\"sh build.sh; sed -i s/a/b/ hello\"], "
				   "\"artifacts\": [\"hello\"], "
				   "\"env\": {\"A\": \"1\", \"B\": \"2\"}}"),
			 CR_OK);
	assert_int_equal(cr_recipe_compare(a, b, "s"), CR_EFAIL);
	assert_non_null(strstr(cr_error_last(), "'sh' 'build.sh'"));
	assert_non_null(strstr(cr_error_last(), "sed -i"));
	cr_recipe_free(b);
	assert_int_equal(parse(&b, "{\"command\": [\"sh\", \"build.sh\"], "
				   "\"artifacts\": [\"hello\"], "
				   "\"env\": {\"A\": \"1\"}}"),
			 CR_OK);
	assert_int_equal(cr_recipe_compare(a, b, "s"), CR_EFAIL);
	assert_non_null(strstr(cr_error_last(), "recorded env"));
	cr_recipe_free(b);
	assert_int_equal(parse(&b,
			       "{\"command\": [\"sh\", \"build.sh\"], "
			       "\"artifacts\": [\"hello\"], \"fakeClock\": "
			       "true, \"env\": {\"A\": \"1\", \"B\": \"2\"}}"),
			 CR_OK);
	assert_int_equal(cr_recipe_compare(a, b, "s"), CR_EFAIL);
	assert_non_null(strstr(cr_error_last(), "fakeClock"));
	cr_recipe_free(b);
	cr_recipe_free(a);
}

/* Only the bytes the tree hash covers are read as the recipe. */
static void
test_from_tree(void **state)
{
	struct cr_source_info info = {.commit_time = -1, .newest_mtime = -1};
	struct cr_build_source src = {0};
	struct cr_tree_opts topts = {0};
	struct cr_tree *tree = NULL;
	struct cr_recipe *r = NULL;
	char dir[4096];

	(void)state;
	assert_int_equal(sh("mkdir -p d && cd d && printf '%%s' "
			    "'{\"command\": [\"sh\", \"b.sh\"], "
			    "\"artifacts\": [\"o\"]}' >cleanroom.json && "
			    "echo 'echo o >o' >b.sh"),
			 0);
	snprintf(dir, sizeof(dir), "%s", path("d"));
	assert_int_equal(cr_tree_from_dir(&tree, dir, &topts), CR_OK);
	src.kind = "directory";
	src.path = dir;
	src.tree = tree;
	src.info = &info;
	assert_int_equal(cr_recipe_from_tree(&r, &src), CR_OK);
	assert_non_null(r);
	assert_string_equal(r->command[1], "b.sh");
	cr_recipe_free(r);
	r = NULL;
	/* "path" is resolved to a directory here too. */
	src.kind = "path";
	assert_int_equal(cr_recipe_from_tree(&r, &src), CR_OK);
	assert_non_null(r);
	cr_recipe_free(r);
	r = NULL;

	/* Changed after hashing: refused, not read. */
	assert_int_equal(sh("cd d && printf '%%s' '{\"command\": [\"sh\", "
			    "\"-c\", \"evil\"], \"artifacts\": [\"o\"]}' "
			    ">cleanroom.json"),
			 0);
	assert_int_equal(cr_recipe_from_tree(&r, &src), CR_ERROR);
	assert_null(r);
	assert_non_null(strstr(cr_error_last(), "changed since the source "
						"was hashed"));
	/* Replaced by a link after hashing: not followed. */
	assert_int_equal(sh("cd d && rm cleanroom.json && ln -s b.sh "
			    "cleanroom.json"),
			 0);
	assert_int_equal(cr_recipe_from_tree(&r, &src), CR_ERROR);
	assert_null(r);
	cr_tree_free(tree);

	/* A tree without one has none. */
	assert_int_equal(sh("mkdir -p e && echo x >e/x"), 0);
	snprintf(dir, sizeof(dir), "%s", path("e"));
	assert_int_equal(cr_tree_from_dir(&tree, dir, &topts), CR_OK);
	src.path = dir;
	src.tree = tree;
	assert_int_equal(cr_recipe_from_tree(&r, &src), CR_OK);
	assert_null(r);
	cr_tree_free(tree);
}

/*
 * The recipe a statement records: every way it can be malformed gives its
 * one message, the first one in the order the fields are read, and older
 * statements' internalParameters are read where externalParameters lacks
 * a choice.
 */
static const char *
statement_recipe(struct cr_recipe **r, const char *type, const char *ext,
		 const char *inp)
{
	static char msg[512];
	struct cr_statement *st = NULL;
	char text[4096];
	int n, err;

	n = snprintf(text, sizeof(text),
		     "{\"_type\":\"https://in-toto.io/Statement/v1\","
		     "\"subject\":[{\"name\":\"a\",\"digest\":{\"sha256\":"
		     "\"%064d\"}}],\"predicateType\":"
		     "\"https://slsa.dev/provenance/v1\",\"predicate\":"
		     "{\"buildDefinition\":{\"buildType\":\"%s\","
		     "\"externalParameters\":%s,\"internalParameters\":%s}}}",
		     0, type, ext, inp);
	assert_true(n > 0 && (size_t)n < sizeof(text));
	assert_int_equal(
		cr_statement_parse(&st, (unsigned char *)text, (size_t)n, "st"),
		CR_OK);
	*r = NULL;
	err = cr_recipe_from_statement(r, st, "st");
	snprintf(msg, sizeof(msg), "%s", err == CR_OK ? "" : cr_error_last());
	assert_true(err == CR_OK || *r == NULL);
	cr_statement_free(st);
	return msg;
}

#define SANDBOX "urn:cleanroom:buildtype:sandbox:v1"
#define GOOD "\"command\":[\"make\"],\"artifacts\":[\"a\"]"

static void
test_from_statement(void **state)
{
	static const struct {
		const char *ext, *inp, *msg;
	} bad[] = {
		{"{}", "{}", "st: no usable command in the statement"},
		{"{\"command\":\"make\"}", "{}",
		 "st: no usable command in the statement"},
		{"{\"command\":[\"make\",1],\"artifacts\":[\"a\"]}", "{}",
		 "st: command holds a non-string"},
		{"{\"command\":[\"make\"]}", "{}",
		 "st: no usable artifacts in the statement"},
		{"{" GOOD ",\"tools\":\"gcc\"}", "{}",
		 "st: no usable tools in the statement"},
		{"{\"command\":[],\"artifacts\":[\"a\"],\"env\":5}", "{}",
		 "st: the recorded command is empty"},
		{"{" GOOD ",\"env\":5}", "{}", "st: env is not an object"},
		{"{" GOOD ",\"env\":{\"A\":\"1\",\"B\":2}}", "{}",
		 "st: env B is not a string"},
		{"{" GOOD "}", "{}", "st: no SOURCE_DATE_EPOCH recorded"},
		{"{" GOOD ",\"sourceDateEpoch\":-1}", "{}",
		 "st: no SOURCE_DATE_EPOCH recorded"},
		/* Given in externalParameters, the old place is not read. */
		{"{" GOOD ",\"sourceDateEpoch\":\"5\"}",
		 "{\"SOURCE_DATE_EPOCH\":5}",
		 "st: no SOURCE_DATE_EPOCH recorded"},
		{"{" GOOD ",\"sourceDateEpoch\":5,\"recipe\":{}}", "{}",
		 "st: recipe names no source"},
		{"{" GOOD ",\"sourceDateEpoch\":5,\"recipe\":{\"source\":"
		 "\"cleanroom.json\",\"digest\":{\"sha256\":\"ab\"}}}",
		 "{}", "st: recipe digest is not 64 hex digits"},
		{"{" GOOD ",\"sourceDateEpoch\":5,\"recipe\":{\"source\":"
		 "\"web\"}}",
		 "{}",
		 "st: recipe source 'web' is neither cleanroom.json nor "
		 "command-line"},
		{"{" GOOD ",\"sourceDateEpoch\":5,\"env\":{\"LD_PRELOAD\":"
		 "\"x.so\"}}",
		 "{}", NULL},
	};
	struct cr_recipe *r;
	const char *msg;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
		msg = statement_recipe(&r, SANDBOX, bad[i].ext, bad[i].inp);
		if (bad[i].msg != NULL)
			assert_string_equal(msg, bad[i].msg);
		else
			assert_non_null(strstr(msg, "LD_PRELOAD"));
	}
	assert_string_equal(statement_recipe(&r,
					     "urn:cleanroom:buildtype:sign:v1",
					     "{" GOOD "}", "{}"),
			    "st: not a statement of a sandboxed build "
			    "(buildType urn:cleanroom:buildtype:sign:v1): it "
			    "records no recipe");

	/* The current layout. */
	assert_string_equal(
		statement_recipe(&r, SANDBOX,
				 "{" GOOD ",\"tools\":[\"gcc\"],\"env\":{\"A\":"
				 "\"1\"},\"recipe\":{\"source\":"
				 "\"cleanroom.json\"},\"sourceDateEpoch\":7,"
				 "\"fakeClock\":true,\"normalize\":false}",
				 "{}"),
		"");
	assert_string_equal(r->command[0], "make");
	assert_null(r->command[1]);
	assert_string_equal(r->artifacts[0], "a");
	assert_string_equal(r->tools[0], "gcc");
	assert_string_equal(r->env[0], "A=1");
	assert_null(r->env[1]);
	assert_int_equal(r->source_date_epoch, 7);
	assert_true(r->from_tree);
	assert_true(r->fake_clock);
	assert_false(r->normalize);
	cr_recipe_free(r);

	/* Older statements: the choices in internalParameters. */
	assert_string_equal(
		statement_recipe(&r, SANDBOX, "{" GOOD "}",
				 "{\"SOURCE_DATE_EPOCH\":9,\"normalize\":false,"
				 "\"sandbox\":{\"fakeClock\":true}}"),
		"");
	assert_int_equal(r->source_date_epoch, 9);
	assert_false(r->from_tree);
	assert_true(r->fake_clock);
	assert_false(r->normalize);
	assert_null(r->env[0]);
	assert_null(r->tools[0]);
	cr_recipe_free(r);

	/* Neither place: no fake clock, normalised. */
	assert_string_equal(statement_recipe(&r, SANDBOX,
					     "{" GOOD ",\"sourceDateEpoch\":1}",
					     "{}"),
			    "");
	assert_false(r->fake_clock);
	assert_true(r->normalize);
	cr_recipe_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_strict),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_from_tree),
		cmocka_unit_test(test_from_statement),
	};
	return cmocka_run_group_tests(tests, scratch_setup, scratch_teardown);
}
