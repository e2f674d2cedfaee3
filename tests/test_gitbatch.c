/* The check of git's own reading of objects ('git cat-file --batch'). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <git2.h>
#include <openssl/evp.h>

#include "error.h"
#include "git_child.h"

/* An object's id and git's answer for it, appended to out at *len. */
static void
batch_object(git_oid *id, char *out, size_t *len, const char *type,
	     const char *body)
{
	char head[64], hex[GIT_OID_HEXSZ + 1];
	unsigned char buf[256];
	unsigned int n;
	int hl;

	hl = snprintf(head, sizeof(head), "%s %zu", type, strlen(body));
	memcpy(buf, head, (size_t)hl + 1);
	memcpy(buf + hl + 1, body, strlen(body));
	assert_int_equal(EVP_Digest(buf, (size_t)hl + 1 + strlen(body), id->id,
				    &n, EVP_sha1(), NULL),
			 1);
	git_oid_tostr(hex, sizeof(hex), id);
	*len += (size_t)sprintf(out + *len, "%s %s\n%s\n", hex, head + 0, body);
}

/*
 * git's answers to 'cat-file --batch': accepted cut into pieces of any
 * size when every object hashes to the id asked for; refused otherwise.
 */
static void
test_git_batch(void **state)
{
	git_oid ids[2];
	char out[512], bad[512];
	size_t len = 0, piece;

	(void)state;
	batch_object(&ids[0], out, &len, "blob", "hello");
	batch_object(&ids[1], out, &len, "blob", "");
	for (piece = 1; piece <= len; piece++)
		assert_int_equal(
			cr_git_batch_check("r", ids, 2, out, len, piece),
			CR_OK);
	/* Other bytes of the same size: refused, naming the object. */
	memcpy(bad, out, len);
	memcpy(strstr(bad, "hello"), "jello", 5);
	assert_true(cr_git_batch_check("r", ids, 2, bad, len, 7) < 0);
	assert_non_null(strstr(cr_error_last(), "git reads other bytes"));
	/* Short, longer, or an answer for another object. */
	assert_true(cr_git_batch_check("r", ids, 2, out, len - 1, 4) < 0);
	assert_non_null(strstr(cr_error_last(), "ended after 1 of 2"));
	memcpy(bad, out, len);
	memcpy(bad + len, out, len);
	assert_true(cr_git_batch_check("r", ids, 2, bad, 2 * len, 4) < 0);
	assert_non_null(strstr(cr_error_last(), "more than was asked"));
	assert_true(cr_git_batch_check("r", ids + 1, 1, out, len, 4) < 0);
	assert_non_null(strstr(cr_error_last(), "another object"));
	/* The size must be plain digits. */
	memcpy(bad, out, len);
	memcpy(strstr(bad, " 5\n"), " +5\n", 4);
	assert_true(cr_git_batch_check("r", ids, 2, bad, len + 1, 4) < 0);
	assert_non_null(strstr(cr_error_last(), "malformed"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_git_batch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
