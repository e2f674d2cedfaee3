/* The source's canonical URI in a statement: checked when given, else from git's origin. */
#include "srcuri.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <git2.h>

/* The length of uri's RFC 3986 scheme, or 0 when it has none. */
static size_t
scheme_len(const char *uri)
{
	size_t i;

	if (!((uri[0] >= 'a' && uri[0] <= 'z') ||
	      (uri[0] >= 'A' && uri[0] <= 'Z')))
		return 0;
	for (i = 1; uri[i] != '\0' && uri[i] != ':'; i++)
		if (!((uri[i] >= 'a' && uri[i] <= 'z') ||
		      (uri[i] >= 'A' && uri[i] <= 'Z') ||
		      (uri[i] >= '0' && uri[i] <= '9') || uri[i] == '+' ||
		      uri[i] == '-' || uri[i] == '.'))
			return 0;
	return uri[i] == ':' ? i : 0;
}

/* Whether the scheme of n bytes is name, or "git+" name. */
static int
scheme_is(const char *uri, size_t n, const char *name)
{
	size_t l = strlen(name);

	if (n == l && strncasecmp(uri, name, l) == 0)
		return 1;
	return n == l + 4 && strncasecmp(uri, "git+", 4) == 0 &&
	       strncasecmp(uri + 4, name, l) == 0;
}

int
cr_srcuri_check(const char *uri, const char *what)
{
	size_t n, i, len = strlen(uri);
	const char *auth, *end, *at;

	if (len == 0 || len > CR_SRCURI_MAX)
		return cr_error_set("%s: a source URI has 1 to %u bytes", what,
				    CR_SRCURI_MAX);
	/*
	 * A query or fragment is where tokens ride (?private_token=, a SAS
	 * sig=): refused. The URI is not printed, here or below: it may
	 * carry a token, or a password before '@'.
	 */
	if (strcspn(uri, "?#") < len)
		return cr_error_set("%s: the source URI has a query or "
				    "fragment ('?' or '#'), where tokens "
				    "ride; a statement publishes none",
				    what);
	for (i = 0; i < len; i++)
		if ((unsigned char)uri[i] <= 0x20 ||
		    (unsigned char)uri[i] >= 0x7f)
			return cr_error_set("%s: the source URI holds a space, "
					    "a control or a non-ASCII byte at "
					    "byte %zu (percent-encode it)",
					    what, i + 1);
	if ((n = scheme_len(uri)) == 0)
		return cr_error_set("%s: the source URI is not an absolute "
				    "URI (scheme:...); a local path names "
				    "nothing for others",
				    what);
	if (scheme_is(uri, n, "file"))
		return cr_error_set("%s: '%.200s' is a local path, which names "
				    "nothing for others",
				    what, uri);
	if (strncmp(uri + n, "://", 3) != 0)
		return CR_OK;
	auth = uri + n + 3;
	end = auth + strcspn(auth, "/?#");
	at = memchr(auth, '@', (size_t)(end - auth));
	if (at == NULL)
		return CR_OK;
	if (memchr(auth, ':', (size_t)(at - auth)) != NULL ||
	    scheme_is(uri, n, "https") || scheme_is(uri, n, "http"))
		return cr_error_set(
			"%s: '%.*s://...' carries credentials (a user "
			"or password before '@'), which a statement "
			"must not publish",
			what, (int)n, uri);
	return CR_OK;
}

/* url, rewritten as described in srcuri.h, or NULL when it is local. */
static char *
canonical(const char *url)
{
	const char *rest, *host, *colon, *slash;
	char *out = NULL;
	size_t n;

	if ((n = scheme_len(url)) > 1 && strncmp(url + n, "://", 3) == 0) {
		if (scheme_is(url, n, "file"))
			return NULL;
		host = url + n + 3;
		rest = host + strcspn(host, "/?#");
		/* The last '@' of the authority ends any user:password. */
		for (const char *p = host; p < rest; p++)
			if (*p == '@')
				host = p + 1;
		/* No query or fragment either: where tokens ride. */
		if (asprintf(&out, "%s%.*s://%.*s",
			     strncasecmp(url, "git+", 4) == 0 ? "" : "git+",
			     (int)n, url, (int)strcspn(host, "?#"), host) < 0)
			return NULL;
		return out;
	}
	/* scp-like [user@]host:path, as git reads it: a ':' before any '/'. */
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	if (colon == NULL || colon == url || (slash != NULL && slash < colon))
		return NULL;
	host = url;
	for (const char *p = url; p < colon; p++)
		if (*p == '@')
			host = p + 1;
	if (host == colon)
		return NULL;
	if (asprintf(&out, "git+ssh://%.*s%s%.*s", (int)(colon - host), host,
		     colon[1] == '/' ? "" : "/", (int)strcspn(colon + 1, "?#"),
		     colon + 1) < 0)
		return NULL;
	return out;
}

int
cr_srcuri_from_git(char **out, const char *repo)
{
	git_repository *r = NULL;
	git_config *cfg = NULL;
	const char *url;
	char *uri = NULL;
	int err = CR_OK;

	*out = NULL;
	if (git_libgit2_init() < 0)
		return cr_error_set("libgit2: cannot initialise");
	if (git_repository_open_ext(&r, repo, GIT_REPOSITORY_OPEN_NO_SEARCH,
				    NULL) < 0) {
		const git_error *e = git_error_last();

		err = cr_error_set("%s: %s", repo,
				   e && e->message ? e->message
						   : "not a git repository");
		goto done;
	}
	/*
	 * The URL as configured, read as one config value: git_remote_lookup
	 * would also apply url.*.insteadOf, through regular expressions that
	 * libgit2 1.5 leaks.
	 */
	if (git_repository_config_snapshot(&cfg, r) < 0 ||
	    git_config_get_string(&url, cfg, "remote.origin.url") < 0) {
		git_error_clear();
		goto done; /* no origin: the URI is omitted */
	}
	uri = canonical(url);
	if (uri != NULL && cr_srcuri_check(uri, repo) < 0) {
		cr_error_clear();
		free(uri);
		uri = NULL;
	}
	*out = uri;
done:
	git_config_free(cfg);
	git_repository_free(r);
	return err;
}
