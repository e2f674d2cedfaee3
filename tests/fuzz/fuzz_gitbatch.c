/*
 * Fuzzes the check of git's 'cat-file --batch' answers: any output git
 * could write, cut anywhere, is accepted only when every id asked for is
 * answered by bytes hashing to it, else refused, never a crash. The input:
 * the number of ids (1 to 8, from its first byte), the size of the pieces
 * it is fed in (its second byte), the raw ids, then git's output.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <git2.h>

#include "git_child.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	git_oid ids[8];
	size_t n, piece, i;

	if (size < 2)
		return 0;
	n = 1 + data[0] % 8;
	piece = 1 + (size_t)data[1] * 64;
	data += 2;
	size -= 2;
	if (size < n * GIT_OID_RAWSZ || size > (1u << 20))
		return 0;
	for (i = 0; i < n; i++)
		memcpy(ids[i].id, data + i * GIT_OID_RAWSZ, GIT_OID_RAWSZ);
	data += n * GIT_OID_RAWSZ;
	size -= n * GIT_OID_RAWSZ;
	cr_git_batch_check("fuzz", ids, n, (const char *)data, size, piece);
	return 0;
}
