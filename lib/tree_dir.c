/* Placeholder until the module lands. */
#include "error.h"

int cr_placeholder_tree_dir(void);

int
cr_placeholder_tree_dir(void)
{
	return cr_error_set("not implemented");
}
