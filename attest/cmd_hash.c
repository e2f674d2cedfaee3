/* Placeholder until the command lands. */
#include "cmds.h"
#include "tool.h"

int
cmd_hash(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_warn("hash: not implemented yet");
	return EXIT_ERROR;
}
