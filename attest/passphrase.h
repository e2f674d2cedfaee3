/* Passphrases of encrypted keys: from a file, a descriptor or the terminal, never an argument. */
#ifndef ATTEST_PASSPHRASE_H
#define ATTEST_PASSPHRASE_H

/* getopt values of --passphrase-file FILE and --passphrase-fd N. */
enum {
	OPT_PASSPHRASE_FILE = 0x400,
	OPT_PASSPHRASE_FD = 0x401,
};

/* The two options as entries of a struct tool_opt table. */
#define PASSPHRASE_OPTS                                                      \
	{"passphrase-file", 0, "FILE",                                       \
	 "an encrypted key's passphrase, or a token's\n"                     \
	 "PIN: FILE's first line (else asked on the\n"                       \
	 "terminal); --key pkcs11:URI is a token's key",                     \
	 OPT_PASSPHRASE_FILE},                                               \
	{                                                                    \
		"passphrase-fd", 0, "N", "the same, read from descriptor N", \
			OPT_PASSPHRASE_FD                                    \
	}

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
