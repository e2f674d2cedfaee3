/* attest's subcommands, one file each. */
#ifndef ATTEST_CMDS_H
#define ATTEST_CMDS_H

int cmd_keygen(int argc, char **argv);
int cmd_hash(int argc, char **argv);
int cmd_sign(int argc, char **argv);
int cmd_build(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_disclose(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_root(int argc, char **argv);

#endif
