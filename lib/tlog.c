/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_tlog(void);

int
cr_placeholder_tlog(void)
{
	return cr_error_set("not implemented");
}
