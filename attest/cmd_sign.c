/* Placeholder until the command lands. */
#include "cmds.h"
#include "tool.h"

int
cmd_sign(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_warn("sign: not implemented yet");
	return EXIT_ERROR;
}
