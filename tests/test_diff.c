/* Unit tests for lib/diff*.c: leak detectors, section classes, ELF and data comparisons. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "error.h"
#include "util.h"

static char dir[200];

static enum cr_diff_leak_kind
match(const char *s, size_t *st, size_t *en)
{
	static const char *const hints[] = {"/opt/myproj"};

	return cr_diff_leak_match(s, strlen(s), st, en, "buildbox7", "alice",
				  hints, 1);
}

static void
test_leak_match(void **state)
{
	size_t s, e;

	(void)state;
	assert_int_equal(match("built Nov 22 2026 ok", &s, &e), CR_LEAK_DATE);
	assert_int_equal(s, 6);
	assert_int_equal(e, 17);
	assert_int_equal(match("Nov  2 2026", &s, &e), CR_LEAK_DATE);
	assert_int_equal(match("at 02:10:11.", &s, &e), CR_LEAK_TIME);
	assert_int_equal(s, 3);
	assert_int_equal(e, 11);
	assert_int_equal(match("2026-11-22T02", &s, &e), CR_LEAK_DATE);
	assert_int_equal(e, 10);
	assert_int_equal(match("-I/home/bob/src/x.c rest", &s, &e),
			 CR_LEAK_PATH);
	assert_int_equal(s, 2);
	assert_int_equal(e, 19);
	assert_int_equal(match("cc=/tmp/b/x.o", &s, &e), CR_LEAK_PATH);
	assert_int_equal(match("/opt/myproj/lib", &s, &e), CR_LEAK_PATH);
	assert_int_equal(e, 15);
	assert_int_equal(match("on buildbox7.", &s, &e), CR_LEAK_HOST);
	assert_int_equal(match("by alice", &s, &e), CR_LEAK_USER);
	/* Near misses are not leaks. */
	assert_int_equal(match("25:00:00", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("102:10:11", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("Now 22 2026", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("1900-01-01", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("2026-13-01", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("lib/tmp/x", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("/usr/lib/x", &s, &e), CR_LEAK_NONE);
	assert_int_equal(match("buildbox70 malice", &s, &e), CR_LEAK_NONE);
	assert_int_equal(cr_diff_leak_match("localhost", 9, &s, &e, "localhost",
					    NULL, NULL, 0),
			 CR_LEAK_NONE);
}

static void
test_section_class(void **state)
{
	static const struct {
		const char *name;
		uint32_t type;
		uint64_t flags;
		enum cr_diff_class want;
	} cases[] = {
		{".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
		 CR_DIFF_CLASS_CODE},
		{".rodata", SHT_PROGBITS, SHF_ALLOC, CR_DIFF_CLASS_DATA},
		{".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
		 CR_DIFF_CLASS_DATA},
		{".note.gnu.build-id", SHT_NOTE, SHF_ALLOC,
		 CR_DIFF_CLASS_DERIVED},
		{".debug_info", SHT_PROGBITS, 0, CR_DIFF_CLASS_DERIVED},
		{".symtab", SHT_SYMTAB, 0, CR_DIFF_CLASS_DERIVED},
		{".rela.debug_info", SHT_RELA, SHF_INFO_LINK,
		 CR_DIFF_CLASS_DERIVED},
		{".rela.text", SHT_RELA, SHF_INFO_LINK, CR_DIFF_CLASS_DATA},
		{".mine", SHT_PROGBITS, 0, CR_DIFF_CLASS_OTHER},
		/* Flags before names: what is loaded is never derived. */
		{".debug_x", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR,
		 CR_DIFF_CLASS_CODE},
		{".debug_x", SHT_PROGBITS, SHF_EXECINSTR, CR_DIFF_CLASS_CODE},
		{".zdebug_x", SHT_PROGBITS, SHF_ALLOC, CR_DIFF_CLASS_DATA},
		{".symtab", SHT_SYMTAB, SHF_ALLOC, CR_DIFF_CLASS_DATA},
		{".comment", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE,
		 CR_DIFF_CLASS_DATA},
		{".note.gnu.build-id", SHT_NOTE, SHF_ALLOC | SHF_WRITE,
		 CR_DIFF_CLASS_DATA},
		{".note.gnu.build-id", SHT_PROGBITS, SHF_ALLOC,
		 CR_DIFF_CLASS_DATA},
		{".rela.debug_info", SHT_RELA, SHF_ALLOC, CR_DIFF_CLASS_DATA},
	};
	size_t i;

	(void)state;
	for (i = 0; i < CR_ARRAY_SIZE(cases); i++)
		if (cr_diff_section_class(cases[i].name, cases[i].type,
					  cases[i].flags) != cases[i].want)
			fail_msg("%s (type %u, flags %#llx): want class %d",
				 cases[i].name, cases[i].type,
				 (unsigned long long)cases[i].flags,
				 cases[i].want);
}

static void
write_file(const char *path, const char *content)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(content, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static char *
path(const char *name)
{
	static char buf[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", dir, name);
	return buf[k];
}

static const struct cr_diff_opts quiet = {.no_host = 1};

/*
 * Writes two files of 511 dots, name_a with text_a and name_b with text_b
 * at offset 100, and diffs them: they must differ.
 */
static void
diff_pair(struct cr_diff_report **r, const char *name_a, const char *text_a,
	  const char *name_b, const char *text_b)
{
	char a[512], b[512];

	memset(a, '.', sizeof(a));
	a[sizeof(a) - 1] = '\0';
	memcpy(b, a, sizeof(b));
	memcpy(a + 100, text_a, strlen(text_a));
	memcpy(b + 100, text_b, strlen(text_b));
	write_file(path(name_a), a);
	write_file(path(name_b), b);
	assert_int_equal(cr_diff_files(r, path(name_a), path(name_b), &quiet),
			 CR_EFAIL);
}

/* A leak counts only where the bytes differ: the same path is no leak. */
static void
test_data_leaks(void **state)
{
	struct cr_diff_report *r;

	(void)state;
	diff_pair(&r, "d1", "built 02:10:11 in /home/u/src\n", "d2",
		  "built 02:11:15 in /home/u/src\n");
	assert_string_equal(r->root->format, "data");
	assert_int_equal(r->root->differing, 2);
	assert_int_equal(r->root->first.offset, 110);
	assert_int_equal(r->leaks, CR_LEAK_TIME);
	assert_int_equal(r->root->nleaks, 1);
	assert_string_equal(r->root->leaks[0].a, "\"02:10:11\"");
	assert_string_equal(r->root->leaks[0].b, "\"02:11:15\"");
	assert_non_null(strstr(r->root->first.str_a, "built 02:10:11 in"));
	cr_diff_report_free(r);

	assert_int_equal(cr_diff_files(&r, path("d1"), path("d1"), &quiet),
			 CR_OK);
	assert_int_equal(r->identical, 1);
	cr_diff_report_free(r);

	assert_int_equal(cr_diff_files(&r, path("d1"), path("nope"), &quiet),
			 CR_ERROR);
	assert_null(r);
	assert_non_null(strstr(cr_error_last(), "nope"));
}

/* Counts are exact however many bytes differ (the word-wise path too). */
static void
test_data_count(void **state)
{
	struct cr_diff_report *r;
	char a[8193], b[8193];
	size_t i, want = 0;

	(void)state;
	for (i = 0; i < 8192; i++) {
		a[i] = (char)('a' + i % 26);
		b[i] = a[i];
		if (i >= 100 && i % 3 == 0) {
			b[i] = (char)(b[i] ^ (i % 7 == 0 ? 0x80 : 0x01));
			want++;
		}
	}
	a[8192] = b[8192] = '\0';
	write_file(path("c1"), a);
	write_file(path("c2"), b);
	assert_int_equal(cr_diff_files(&r, path("c1"), path("c2"), &quiet),
			 CR_EFAIL);
	assert_int_equal(r->root->differing, want);
	assert_int_equal(r->root->first.offset, 102);
	cr_diff_report_free(r);
	/* A size change counts as differing bytes too. */
	b[8000] = '\0';
	write_file(path("c2"), b);
	assert_int_equal(cr_diff_files(&r, path("c1"), path("c2"), &quiet),
			 CR_EFAIL);
	assert_int_equal(r->root->size_b, 8000);
	for (want = 192, i = 100; i < 8000; i++)
		want += i % 3 == 0;
	assert_int_equal(r->root->differing, want);
	cr_diff_report_free(r);
}

static int
build(const char *out, const char *src)
{
	char cmd[2048];

	write_file(path("prog.c"), src);
	snprintf(cmd, sizeof(cmd),
		 "cc -O0 -Wl,--build-id=none -o %s %s 2>/dev/null", path(out),
		 path("prog.c"));
	return system(cmd);
}

/* Two programs differing in one initialised int: only .data, one byte. */
static void
test_elf_sections(void **state)
{
	struct cr_diff_report *r;
	struct cr_diff_node *n;
	json_t *j, *k;
	char line[1024];
	size_t i;

	(void)state;
	if (build("p1", "int x = 1;\nint main(void) { return x; }\n") != 0 ||
	    build("p2", "int x = 2;\nint main(void) { return x; }\n") != 0) {
		skip();
		return;
	}
	assert_int_equal(cr_diff_files(&r, path("p1"), path("p2"), &quiet),
			 CR_EFAIL);
	n = r->root;
	assert_string_equal(n->format, "ELF");
	assert_true(n->total > 20);
	assert_int_equal(n->ncontent, 1);
	assert_int_equal(n->nchildren, 1);
	assert_string_equal(n->children[0]->name, ".data");
	assert_int_equal(n->children[0]->klass, CR_DIFF_CLASS_DATA);
	assert_int_equal(n->children[0]->differing, 1);
	assert_int_equal(n->children[0]->first.valid, 1);
	assert_int_equal(r->unexplained, 0);
	cr_diff_verdict(line, sizeof(line), r);
	assert_non_null(strstr(line, "1 of "));
	assert_non_null(strstr(line, "ELF sections differ (.data: 1 bytes)"));
	j = cr_diff_json(r);
	assert_non_null(j);
	assert_true(json_is_false(json_object_get(j, "identical")));
	k = json_array_get(
		json_object_get(json_object_get(j, "root"), "children"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "name")),
			    ".data");
	assert_string_equal(json_string_value(json_object_get(k, "class")),
			    "data");
	json_decref(j);
	cr_diff_report_free(r);

	/* Code that differs is code. */
	if (build("p3", "int x = 1;\nint main(void) { return x + 7; }\n") !=
	    0) {
		skip();
		return;
	}
	assert_int_equal(cr_diff_files(&r, path("p1"), path("p3"), &quiet),
			 CR_EFAIL);
	n = r->root;
	for (i = 0; i < n->nchildren; i++)
		if (strcmp(n->children[i]->name, ".text") == 0)
			break;
	assert_true(i < n->nchildren);
	assert_int_equal(n->children[i]->klass, CR_DIFF_CLASS_CODE);
	assert_int_equal(n->children[i]->status, CR_DIFF_CONTENT);
	cr_diff_report_free(r);
}

/* Whether the text report (verbose or not) holds needle. */
static int
report_has(const struct cr_diff_report *r, int verbose, const char *needle)
{
	char *text;
	int has;

	assert_int_equal(cr_diff_text(&text, r, verbose), CR_OK);
	assert_non_null(text);
	has = strstr(text, needle) != NULL;
	free(text);
	return has;
}

/* A system() call added: the import is the first thing said. */
static void
test_elf_symbols(void **state)
{
	struct cr_diff_report *r;
	struct cr_diff_node *n;
	char line[2048];
	json_t *j, *c;
	size_t i;

	(void)state;
	if (build("s1",
		  "#include <stdlib.h>\n"
		  "int f(int x) { return x + 1; }\n"
		  "int main(int c, char **v) { (void)v; return f(c); }\n") !=
		    0 ||
	    build("s2",
		  "#include <stdlib.h>\n"
		  "int f(int x) { if (x > 3) system(\"id\"); "
		  "return x + 1; }\n"
		  "int main(int c, char **v) { (void)v; return f(c); }\n") !=
		    0) {
		skip();
		return;
	}
	assert_int_equal(cr_diff_files(&r, path("s1"), path("s2"), &quiet),
			 CR_EFAIL);
	n = r->root;
	assert_int_equal(n->syms_read, 1);
	assert_int_equal(n->derived_only, 0);
	for (i = 0; i < n->nsyms; i++)
		if (strcmp(n->syms[i].name, "system") == 0)
			break;
	assert_true(i < n->nsyms);
	assert_int_equal(n->syms[i].kind, CR_DIFF_SYM_IMPORT_ADDED);
	assert_null(n->syms[i].version_a);
	assert_non_null(n->syms[i].version_b);
	assert_memory_equal(n->syms[i].version_b, "GLIBC_", 6);
	/* Imports sort first: system is the first change. */
	assert_int_equal(i, 0);
	for (i = 0; i < n->nsyms; i++)
		if (n->syms[i].kind == CR_DIFF_SYM_FUNC_SIZE &&
		    strcmp(n->syms[i].name, "f") == 0)
			break;
	assert_true(i < n->nsyms);
	assert_true(n->syms[i].size_a < n->syms[i].size_b);
	cr_diff_verdict(line, sizeof(line), r);
	assert_non_null(strstr(line, ": imported symbol added: system; "));
	assert_true(report_has(r, 0, "imported symbol added: system@GLIBC_"));
	assert_false(report_has(r, 0, "A 0000"));
	assert_true(report_has(r, 1, "A 0000"));
	j = cr_diff_json(r);
	assert_non_null(j);
	c = json_array_get(
		json_object_get(
			json_object_get(json_object_get(j, "root"), "symbols"),
			"changes"),
		0);
	assert_string_equal(json_string_value(json_object_get(c, "kind")),
			    "import-added");
	assert_string_equal(json_string_value(json_object_get(c, "name")),
			    "system");
	json_decref(j);
	cr_diff_report_free(r);
}

/* A path both sides hold, moved by one byte, is no build-path leak. */
static void
test_path_moved(void **state)
{
	struct cr_diff_report *r;

	(void)state;
	diff_pair(&r, "m1", "x /home/u/src/main.c\n", "m2",
		  "xy /home/u/src/main.c\n");
	assert_int_equal(r->leaks & CR_LEAK_PATH, 0);
	cr_diff_report_free(r);
	/* A path that really differs is one. */
	diff_pair(&r, "m1", "x /home/u/src/main.c\n", "m2",
		  "x /home/v/src/main.c\n\n");
	assert_int_equal(r->leaks & CR_LEAK_PATH, CR_LEAK_PATH);
	cr_diff_report_free(r);
}

/* /bin/true and /bin/false: real, different, fully explained. */
static void
test_true_false(void **state)
{
	struct cr_diff_report *r;
	size_t i, code = 0;

	(void)state;
	if (access("/bin/true", R_OK) != 0 || access("/bin/false", R_OK) != 0) {
		skip();
		return;
	}
	assert_int_equal(cr_diff_files(&r, "/bin/true", "/bin/false", &quiet),
			 CR_EFAIL);
	assert_string_equal(r->root->format, "ELF");
	for (i = 0; i < r->root->nchildren; i++)
		if (r->root->children[i]->klass == CR_DIFF_CLASS_CODE)
			code++;
	assert_true(code >= 1);
	cr_diff_report_free(r);
}

static int
setup(void **state)
{
	const char *t = getenv("TMPDIR");

	(void)state;
	snprintf(dir, sizeof(dir), "%s/test_diff.XXXXXX", t && *t ? t : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_leak_match),
		cmocka_unit_test(test_section_class),
		cmocka_unit_test(test_data_leaks),
		cmocka_unit_test(test_data_count),
		cmocka_unit_test(test_elf_sections),
		cmocka_unit_test(test_true_false),
		cmocka_unit_test(test_elf_symbols),
		cmocka_unit_test(test_path_moved),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
