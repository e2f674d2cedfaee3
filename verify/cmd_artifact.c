/* Placeholder until the command lands. */
#include "cmds.h"
#include "tool.h"

int
cmd_artifact(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	tool_warn("artifact: not implemented yet");
	return EXIT_ERROR;
}
