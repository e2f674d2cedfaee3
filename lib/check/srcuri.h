/* The source's canonical URI in a statement: checked when given, else from git's origin. */
#ifndef CR_SRCURI_H
#define CR_SRCURI_H

#define CR_SRCURI_MAX 2048u

/*
 * Whether uri may name a source in a statement: an absolute URI (RFC 3986
 * scheme, then printable ASCII without spaces, at most CR_SRCURI_MAX bytes)
 * that is no local path (no file: scheme) and carries no credentials (no
 * password in its authority, no user at all for http and https) and no
 * query or fragment (where tokens ride). CR_ERROR
 * naming what (an option, a file) and why otherwise.
 */
int cr_srcuri_check(const char *uri, const char *what);

/*
 * The URI of the repository at repo as others can name it: its "origin"
 * remote's URL with any user and password, query and fragment removed,
 * scp-like
 * "host:path" written ssh://host/path, prefixed "git+" as SLSA's git
 * convention asks ("git+https://host/org/repo.git"). *out is NULL, and
 * CR_OK returned, when there is no origin or it is a local path or
 * file: URL, or is not a URI cr_srcuri_check() accepts. CR_ERROR only when
 * repo cannot be opened or memory runs out.
 */
int cr_srcuri_from_git(char **out, const char *repo);

#endif
