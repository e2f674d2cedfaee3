/*
 * Fuzzes the parsers of signed notes, checkpoints, vkeys and inclusion and
 * consistency proof files: any input is parsed or refused, never a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "note.h"
#include "tlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cr_note *note = NULL;
	struct cr_tlog_proof *proofs = NULL;
	struct cr_note_verifier *v = NULL;
	struct cr_checkpoint cp;
	size_t n = 0;
	char *s;

	if (size > CR_NOTE_MAX * 4)
		return 0;
	if (cr_note_parse(&note, (const char *)data, size, "fuzz") == 0) {
		cr_checkpoint_parse(&cp, note->text, note->text_len, "fuzz");
		cr_note_free(note);
	}
	cr_checkpoint_parse(&cp, (const char *)data, size, "fuzz");
	if (cr_tlog_proofs_parse(&proofs, &n, (const char *)data, size, "fuzz",
				 0) == 0)
		cr_tlog_proofs_free(proofs, n);
	if (cr_tlog_proofs_parse(&proofs, &n, (const char *)data, size, "fuzz",
				 1) == 0)
		cr_tlog_proofs_free(proofs, n);
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cr_note_verifier_parse(&v, s, "fuzz") == 0)
		cr_note_verifier_free(v);
	free(s);
	return 0;
}
