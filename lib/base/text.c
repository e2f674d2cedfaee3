/* Text the core builds and does not print: a growable buffer, RFC 3339 times. */
#include "text.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
cr_format_time(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return cr_error_set("time %lld cannot be formatted",
				    (long long)t);
	return CR_OK;
}

void
cr_str_vprintf(struct cr_str *s, const char *fmt, va_list ap)
{
	va_list aq;
	size_t cap;
	char *p;
	int n;

	if (s->failed)
		return;
	va_copy(aq, ap);
	n = vsnprintf(s->p ? s->p + s->len : NULL, s->p ? s->cap - s->len : 0,
		      fmt, aq);
	va_end(aq);
	if (n < 0 || (size_t)n >= CR_STR_MAX - s->len) {
		s->failed = 1;
		goto undo;
	}
	if (s->p != NULL && (size_t)n < s->cap - s->len) {
		s->len += (size_t)n;
		return;
	}
	for (cap = s->cap ? s->cap : 256; cap <= s->len + (size_t)n;)
		cap *= 2;
	if ((p = realloc(s->p, cap)) == NULL) {
		s->failed = 1;
		goto undo;
	}
	s->p = p;
	s->cap = cap;
	vsnprintf(s->p + s->len, s->cap - s->len, fmt, ap);
	s->len += (size_t)n;
	return;
undo:
	/* vsnprintf may have written a truncated part past len. */
	if (s->p != NULL)
		s->p[s->len] = '\0';
}

void
cr_str_printf(struct cr_str *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cr_str_vprintf(s, fmt, ap);
	va_end(ap);
}

int
cr_str_take(char **out, struct cr_str *s)
{
	*out = NULL;
	if (s->failed) {
		cr_str_free(s);
		return cr_error_set("text report: out of memory or longer "
				    "than %u bytes",
				    CR_STR_MAX);
	}
	if (s->p == NULL && (s->p = strdup("")) == NULL)
		return cr_error_set("text report: out of memory");
	*out = s->p;
	s->p = NULL;
	s->len = s->cap = 0;
	return CR_OK;
}

void
cr_str_free(struct cr_str *s)
{
	if (s == NULL)
		return;
	free(s->p);
	s->p = NULL;
	s->len = s->cap = 0;
	s->failed = 0;
}
