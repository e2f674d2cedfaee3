/* Text the core builds and does not print: a growable buffer, RFC 3339 times. */
#ifndef CR_TEXT_H
#define CR_TEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* Formats seconds since the epoch as RFC 3339 UTC ("2006-01-02T15:04:05Z"). */
int cr_format_time(char out[32], int64_t t);

/* The longest text a struct cr_str holds; past it, appends fail. */
#define CR_STR_MAX (256u << 20)

/*
 * A growable text buffer, how the core builds a report it does not print:
 * zero-initialise it, append with cr_str_printf(), then take the text with
 * cr_str_take() or drop it with cr_str_free(). An append that fails (out of
 * memory, or the text would pass CR_STR_MAX) leaves the text as it was and
 * is remembered, so a builder need not check each call: cr_str_take()
 * reports it.
 */
struct cr_str {
	char *p; /* NUL-terminated once anything was appended */
	size_t len, cap;
	int failed;
};

void cr_str_printf(struct cr_str *s, const char *fmt, ...) CR_PRINTF(2, 3);
void cr_str_vprintf(struct cr_str *s, const char *fmt, va_list ap)
	CR_PRINTF(2, 0);

/*
 * Hands the text to *out (NUL-terminated; "" when nothing was appended),
 * which the caller frees with free(), and leaves s empty. CR_ERROR with a
 * message when an append failed or out of memory; then *out is NULL and s
 * is freed.
 */
int cr_str_take(char **out, struct cr_str *s);

/* Frees the text and leaves s empty; s may be NULL. */
void cr_str_free(struct cr_str *s);

#endif
