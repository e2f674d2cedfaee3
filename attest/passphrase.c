/* Passphrases of encrypted keys: from a file, a descriptor or the terminal, never an argument. */
#include "passphrase.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "error.h"
#include "signer.h"
#include "source.h"
#include "opts.h"
#include "tool.h"

static const char *pass_file;
static int pass_fd = -1;
/* Read once, for a command that loads its key twice (attest build). */
static char *cached;

/* Reads one line (without its end) from fd into buf; the rest is left. */
static int
read_line(char *buf, size_t size, int fd, const char *what)
{
	size_t n = 0;
	ssize_t r;
	char c;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cr_error_errno("%s", what);
		if (r == 0 || c == '\n')
			break;
		if (n + 1 >= size) {
			OPENSSL_cleanse(buf, size);
			return cr_error_set("%s: the passphrase is longer than "
					    "%zu bytes",
					    what, size - 1);
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (n == 0)
		return cr_error_set("%s: the passphrase is empty", what);
	return CR_OK;
}

/* Asks on /dev/tty with echo off. */
static int
ask_tty(char *buf, size_t size, const char *path)
{
	struct termios saved, quiet;
	int fd, err, restore = 0;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0)
		return cr_error_set("%s: the private key is encrypted; give "
				    "--passphrase-file or --passphrase-fd "
				    "(there is no terminal to ask on)",
				    path);
	if (tcgetattr(fd, &saved) == 0) {
		quiet = saved;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		restore = tcsetattr(fd, TCSANOW, &quiet) == 0;
	}
	dprintf(fd, "%s for %s: ",
		strncmp(path, "pkcs11:", 7) == 0 ? "PIN" : "Passphrase", path);
	err = read_line(buf, size, fd, "/dev/tty");
	if (restore)
		tcsetattr(fd, TCSANOW, &saved);
	dprintf(fd, "\n");
	close(fd);
	return err;
}

static int
get_passphrase(char *buf, size_t size, const char *path, void *ctx)
{
	int fd, err;

	(void)ctx;
	if (cached != NULL) {
		snprintf(buf, size, "%s", cached);
		return CR_OK;
	}
	if (pass_file != NULL) {
		if ((fd = open(pass_file, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
			return cr_error_errno("%s", pass_file);
		err = read_line(buf, size, fd, pass_file);
		close(fd);
	} else if (pass_fd >= 0) {
		err = read_line(buf, size, pass_fd, "--passphrase-fd");
	} else {
		err = ask_tty(buf, size, path);
	}
	if (err < 0)
		return err;
	if ((cached = OPENSSL_secure_malloc(size)) != NULL)
		memcpy(cached, buf, size);
	return CR_OK;
}

static void
wipe(void)
{
	if (cached != NULL)
		OPENSSL_secure_clear_free(cached, CR_PASSPHRASE_MAX);
	cached = NULL;
}

void
passphrase_install(void)
{
	static int done;

	if (!done)
		atexit(wipe);
	done = 1;
	cr_privkey_set_passphrase(get_passphrase, NULL);
}

int
passphrase_option(const char *cmd, int c, const char *arg)
{
	long long v;

	if (pass_file != NULL || pass_fd >= 0)
		return tool_usage(cmd, "give one --passphrase-file or "
				       "--passphrase-fd");
	if (c == OPT_PASSPHRASE_FILE) {
		pass_file = arg;
	} else {
		if ((v = tool_parse_number(arg, 1024)) < 0 ||
		    fcntl((int)v, F_GETFD) < 0)
			return tool_usage(cmd, "--passphrase-fd takes an open "
					       "descriptor");
		pass_fd = (int)v;
	}
	passphrase_install();
	return 0;
}
