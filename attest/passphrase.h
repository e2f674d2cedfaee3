/* Passphrases of encrypted keys: from a file, a descriptor or the terminal, never an argument. */
#ifndef ATTEST_PASSPHRASE_H
#define ATTEST_PASSPHRASE_H

/* getopt values of --passphrase-file FILE and --passphrase-fd N. */
enum {
	OPT_PASSPHRASE_FILE = 0x400,
	OPT_PASSPHRASE_FD = 0x401,
};

#define PASSPHRASE_OPTIONS                                                  \
	{"passphrase-file", required_argument, NULL, OPT_PASSPHRASE_FILE},  \
	{                                                                   \
		"passphrase-fd", required_argument, NULL, OPT_PASSPHRASE_FD \
	}

#define PASSPHRASE_HELP                                                            \
	"  --passphrase-file FILE  an encrypted key's passphrase, or a token's\n"  \
	"                          PIN: FILE's first line (else asked on the\n"    \
	"                          terminal); --key pkcs11:URI is a token's key\n" \
	"  --passphrase-fd N       the same, read from descriptor N\n"

/*
 * Records one of the options (c is its getopt value) and installs the
 * passphrase source for the core (cr_privkey_set_passphrase()): 0, or the
 * exit code after a usage message (a second one, a bad descriptor).
 */
int passphrase_option(const char *cmd, int c, const char *arg);

/*
 * Installs the source when no option was given: the terminal, if there is
 * one. Called before a key is loaded.
 */
void passphrase_install(void);

#endif
