/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_dsse(void);

int
cr_placeholder_dsse(void)
{
	return cr_error_set("not implemented");
}
