/* Error reporting for the core: one message, set where the failure happens. */
#ifndef CR_ERROR_H
#define CR_ERROR_H

#include <stdarg.h>

/*
 * Every fallible core function returns an int: CR_OK, or one of these.
 * CR_EFAIL is the one expected failure: the check ran and does not hold
 * (a digest differs, a signature is bad). CR_ERROR means no answer could be
 * reached (usage, I/O, malformed or hostile input). The programs map them to
 * exit codes 0, 1 and 2.
 */
enum cr_status {
	CR_OK = 0,
	CR_ERROR = -1,
	CR_EFAIL = -2,
};

#define CR_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Sets the thread's message and returns CR_ERROR. */
int cr_error_set(const char *fmt, ...) CR_PRINTF(1, 2);

/* Sets the thread's message and returns CR_EFAIL. */
int cr_error_fail(const char *fmt, ...) CR_PRINTF(1, 2);

/*
 * Sets the message to fmt followed by ": " and the reason on top of
 * OpenSSL's error queue (or "unknown OpenSSL error"), clears the queue and
 * returns CR_ERROR.
 */
int cr_error_openssl(const char *fmt, ...) CR_PRINTF(1, 2);

/* Sets the message to fmt followed by ": " and strerror(errno). */
int cr_error_errno(const char *fmt, ...) CR_PRINTF(1, 2);

/* The thread's last message, or "" when none was set. Never NULL. */
const char *cr_error_last(void);

void cr_error_clear(void);

#endif
