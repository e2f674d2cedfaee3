/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_signer(void);

int
cr_placeholder_signer(void)
{
	return cr_error_set("not implemented");
}
