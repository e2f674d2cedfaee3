/* Placeholder until the command lands. */
#include "cmds.h"
#include "tool.h"

int
cmd_log(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_warn("log: not implemented yet");
	return EXIT_ERROR;
}
