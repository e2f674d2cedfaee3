/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_tree(void);

int
cr_placeholder_tree(void)
{
	return cr_error_set("not implemented");
}
