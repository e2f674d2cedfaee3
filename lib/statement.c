/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_statement(void);

int
cr_placeholder_statement(void)
{
	return cr_error_set("not implemented");
}
