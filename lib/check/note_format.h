/* Signed notes, the writer's side: a key's vkey line, checkpoint text. */
#ifndef CR_NOTE_FORMAT_H
#define CR_NOTE_FORMAT_H

#include <stddef.h>

#include "note.h"

/* Formats "NAME+HEXID+BASE64(type || raw)" (allocated, no newline). */
int cr_note_vkey_format(char **out, const char *name, unsigned char type,
			const unsigned char raw[32]);
/* Formats checkpoint text (allocated, NUL-terminated, ends in newline). */
int cr_checkpoint_format(char **out, size_t *len,
			 const struct cr_checkpoint *c);
#endif
