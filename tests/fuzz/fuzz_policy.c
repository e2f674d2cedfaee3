/*
 * libFuzzer harness: bytes as a source archive to the one archive policy;
 * every member it lets through has a name the policy accepts, one of the
 * three types, and a path seen once; every refusal names its reason.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "archive_policy.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SEEN 256

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_archive *ca = NULL;
	struct cr_archive_member m;
	char *seen[SEEN];
	char buf[4096];
	size_t n = 0, i;
	int err;

	if (cr_archive_open(&ca, -1, 0, size, data, CR_ARC_SOURCE, "fuzz") < 0)
		goto done;
	for (;;) {
		if ((err = cr_archive_next(ca, &m)) < 0) {
			if (cr_error_last()[0] == '\0')
				__builtin_trap(); /* every refusal says why */
			break;
		}
		if (m.e == NULL)
			break;
		if (cr_archive_name_problem(m.raw, m.type == AE_IFDIR) !=
			    NULL ||
		    (m.type != AE_IFREG && m.type != AE_IFDIR &&
		     m.type != AE_IFLNK) ||
		    m.path[0] == '/' || strstr(m.path, "//") != NULL ||
		    (m.type == AE_IFLNK && (m.link == NULL || !*m.link)) ||
		    (m.hardlink != NULL && (m.type != AE_IFREG || m.size > 0)))
			__builtin_trap();
		for (i = 0; i < n; i++)
			if (*m.path != '\0' && strcmp(seen[i], m.path) == 0)
				__builtin_trap(); /* a name twice */
		if (n < SEEN && *m.path != '\0' &&
		    (seen[n] = strdup(m.path)) != NULL)
			n++;
		while (archive_read_data(cr_archive_handle(ca), buf,
					 sizeof(buf)) > 0)
			;
	}
done:
	for (i = 0; i < n; i++)
		free(seen[i]);
	cr_archive_free(ca);
	return 0;
}
