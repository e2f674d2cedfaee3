/* Placeholder until the command lands. */
#include "cmds.h"
#include "tool.h"

int
cmd_source(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_warn("source: not implemented yet");
	return EXIT_ERROR;
}
