/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_merkle(void);

int
cr_placeholder_merkle(void)
{
	return cr_error_set("not implemented");
}
