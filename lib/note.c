/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_note(void);

int
cr_placeholder_note(void)
{
	return cr_error_set("not implemented");
}
