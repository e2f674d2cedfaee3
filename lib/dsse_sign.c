/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_dsse_sign(void);

int
cr_placeholder_dsse_sign(void)
{
	return cr_error_set("not implemented");
}
