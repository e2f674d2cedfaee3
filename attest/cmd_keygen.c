/* Placeholder until the command lands. */
#include "cmds.h"
#include "tool.h"

int
cmd_keygen(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_warn("keygen: not implemented yet");
	return EXIT_ERROR;
}
