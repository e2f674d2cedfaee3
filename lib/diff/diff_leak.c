/* Recognisers for what usually makes two honest builds differ: times, dates, paths, host and user names. */
#include "diff.h"

#include <string.h>

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/*
 * Directories builds commonly run from; a path starting with one of these
 * in a binary is a build path or a temporary directory baked in.
 */
static const char *const build_dirs[] = {
	"/home/",    "/tmp/",	   "/build/",	     "/builds/",
	"/root/",    "/var/tmp/",  "/srv/",	     "/workspace/",
	"/usr/src/", "/run/user/", "/var/lib/build", "/opt/build",
	"/mnt/",
};

static int
isdig(char ch)
{
	return ch >= '0' && ch <= '9';
}

static int
isalpha_(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static int
isword(char ch)
{
	return isalpha_(ch) || isdig(ch) || ch == '_';
}

/* Path characters: anything printable but blanks, quotes and separators. */
static int
ispath(char ch)
{
	return (unsigned char)ch > ' ' && (unsigned char)ch < 0x7f &&
	       strchr("\"'`<>|;,()[]{}", ch) == NULL;
}

static int
num2(const char *p)
{
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* "hh:mm:ss" at s[i], not inside a longer run of digits. */
static size_t
match_time(const char *s, size_t len, size_t i)
{
	const char *p = s + i;

	if (len - i < 8 || (i > 0 && isdig(s[i - 1])))
		return 0;
	if (!isdig(p[0]) || !isdig(p[1]) || p[2] != ':' || !isdig(p[3]) ||
	    !isdig(p[4]) || p[5] != ':' || !isdig(p[6]) || !isdig(p[7]))
		return 0;
	if (len - i > 8 && isdig(p[8]))
		return 0;
	if (num2(p) > 23 || num2(p + 3) > 59 || num2(p + 6) > 60)
		return 0;
	return 8;
}

/* __DATE__: "Mmm dd yyyy" (day space-padded) at s[i]. */
static size_t
match_cdate(const char *s, size_t len, size_t i)
{
	const char *p = s + i;
	size_t m;

	if (len - i < 11 || (i > 0 && isalpha_(s[i - 1])))
		return 0;
	for (m = 0; m < 12; m++)
		if (memcmp(p, months[m], 3) == 0)
			break;
	if (m == 12 || p[3] != ' ' || !(p[4] == ' ' || isdig(p[4])) ||
	    !isdig(p[5]) || p[6] != ' ')
		return 0;
	if (!isdig(p[7]) || !isdig(p[8]) || !isdig(p[9]) || !isdig(p[10]))
		return 0;
	if (len - i > 11 && isdig(p[11]))
		return 0;
	return 11;
}

/* ISO 8601 "yyyy-mm-dd", years 1970-2199. */
static size_t
match_iso(const char *s, size_t len, size_t i)
{
	const char *p = s + i;
	int y, mo, d;

	if (len - i < 10 || (i > 0 && isdig(s[i - 1])))
		return 0;
	if (!isdig(p[0]) || !isdig(p[1]) || !isdig(p[2]) || !isdig(p[3]) ||
	    p[4] != '-' || !isdig(p[5]) || !isdig(p[6]) || p[7] != '-' ||
	    !isdig(p[8]) || !isdig(p[9]))
		return 0;
	if (len - i > 10 && isdig(p[10]))
		return 0;
	y = num2(p) * 100 + num2(p + 2);
	mo = num2(p + 5);
	d = num2(p + 8);
	if (y < 1970 || y > 2199 || mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	return 10;
}

/* An absolute path under a usual build directory, or under a hint. */
static size_t
match_path(const char *s, size_t len, size_t i, const char *const *paths,
	   size_t npaths)
{
	size_t k, n, e;

	/* Not inside a relative path; "=/x", ":/x" and "-I/x" are fine. */
	if (s[i] != '/' ||
	    (i > 0 && ispath(s[i - 1]) && s[i - 1] != '=' && s[i - 1] != ':' &&
	     !(i > 1 && s[i - 2] == '-' && isalpha_(s[i - 1]))))
		return 0;
	for (k = 0; k < npaths; k++) {
		n = paths[k] ? strlen(paths[k]) : 0;
		if (n >= 2 && len - i >= n && memcmp(s + i, paths[k], n) == 0)
			goto found;
	}
	for (k = 0; k < sizeof(build_dirs) / sizeof(build_dirs[0]); k++) {
		n = strlen(build_dirs[k]);
		if (len - i > n && memcmp(s + i, build_dirs[k], n) == 0 &&
		    ispath(s[i + n]))
			goto found;
	}
	return 0;
found:
	for (e = i + n; e < len && ispath(s[e]); e++)
		;
	return e - i;
}

/* word as a whole word at s[i]. */
static size_t
match_word(const char *s, size_t len, size_t i, const char *word)
{
	size_t n = word ? strlen(word) : 0;

	if (n < 3 || len - i < n || memcmp(s + i, word, n) != 0)
		return 0;
	if ((i > 0 && isword(s[i - 1])) || (len - i > n && isword(s[i + n])))
		return 0;
	return n;
}

enum cr_diff_leak_kind
cr_diff_leak_match(const char *s, size_t len, size_t *start, size_t *end,
		   const char *host, const char *user, const char *const *paths,
		   size_t npaths)
{
	enum cr_diff_leak_kind k;
	size_t i, n;

	for (i = 0; i < len; i++) {
		k = CR_LEAK_NONE;
		if ((n = match_path(s, len, i, paths, npaths)) > 0)
			k = CR_LEAK_PATH;
		else if ((n = match_time(s, len, i)) > 0)
			k = CR_LEAK_TIME;
		else if ((n = match_cdate(s, len, i)) > 0 ||
			 (n = match_iso(s, len, i)) > 0)
			k = CR_LEAK_DATE;
		else if (host && strcmp(host, "localhost") != 0 &&
			 (n = match_word(s, len, i, host)) > 0)
			k = CR_LEAK_HOST;
		else if ((n = match_word(s, len, i, user)) > 0)
			k = CR_LEAK_USER;
		if (k != CR_LEAK_NONE) {
			*start = i;
			*end = i + n;
			return k;
		}
	}
	return CR_LEAK_NONE;
}

const char *
cr_diff_leak_name(enum cr_diff_leak_kind k)
{
	switch (k) {
	case CR_LEAK_TIME:
		return "build time";
	case CR_LEAK_DATE:
		return "build date";
	case CR_LEAK_PATH:
		return "build path";
	case CR_LEAK_HOST:
		return "hostname";
	case CR_LEAK_USER:
		return "user name";
	default:
		return "";
	}
}

const char *
cr_diff_class_name(enum cr_diff_class c)
{
	switch (c) {
	case CR_DIFF_CLASS_CODE:
		return "code";
	case CR_DIFF_CLASS_DATA:
		return "data";
	case CR_DIFF_CLASS_HEADER:
		return "header";
	case CR_DIFF_CLASS_DERIVED:
		return "derived";
	case CR_DIFF_CLASS_OTHER:
		return "other";
	default:
		return "";
	}
}
