/* verify's subcommands, one file each. */
#ifndef VERIFY_CMDS_H
#define VERIFY_CMDS_H

int cmd_artifact(int argc, char **argv);
int cmd_source(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_rebuild(int argc, char **argv);
int cmd_root(int argc, char **argv);

#endif
