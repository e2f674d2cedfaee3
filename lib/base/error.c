/* Error reporting for the core: one message, set where the failure happens. */
#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

/* Room for a few paths and a library's reason; a log is never put here. */
static _Thread_local char message[4096];

static void vset(const char *fmt, va_list ap)
	__attribute__((format(printf, 1, 0)));

static void
vset(const char *fmt, va_list ap)
{
	vsnprintf(message, sizeof(message), fmt, ap);
}

int
cr_error_set(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	return CR_ERROR;
}

int
cr_error_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	return CR_EFAIL;
}

int
cr_error_openssl(const char *fmt, ...)
{
	char reason[256] = "unknown OpenSSL error";
	unsigned long e;
	size_t n;
	va_list ap;

	/* The first error queued is the root cause; later ones are context. */
	e = ERR_get_error();
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	ERR_clear_error();

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	n = strlen(message);
	snprintf(message + n, sizeof(message) - n, ": %s", reason);
	return CR_ERROR;
}

int
cr_error_errno(const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vset(fmt, ap);
	va_end(ap);
	n = strlen(message);
	snprintf(message + n, sizeof(message) - n, ": %s", strerror(saved));
	errno = saved;
	return CR_ERROR;
}

const char *
cr_error_last(void)
{
	return message;
}

void
cr_error_clear(void)
{
	message[0] = '\0';
}
