/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_pubkey(void);

int
cr_placeholder_pubkey(void)
{
	return cr_error_set("not implemented");
}
