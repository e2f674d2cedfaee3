/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_tlog_write(void);

int
cr_placeholder_tlog_write(void)
{
	return cr_error_set("not implemented");
}
