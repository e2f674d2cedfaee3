/* The toolchain a build sees: each tool's path, digest, version and Debian package, as resolved inside the sandbox. */
#ifndef CR_TOOLCHAIN_H
#define CR_TOOLCHAIN_H

#include <stddef.h>

#include "sandbox.h"
#include "sha256.h"

/* Caps and limits. */
#define CR_TOOLCHAIN_MAX_TOOLS 64u
#define CR_TOOLCHAIN_VERSION_MAX 256u /* bytes kept of a version line */
#define CR_TOOLCHAIN_TIMEOUT 10u      /* seconds for one `TOOL --version` */

/* One tool, for the statement's resolvedDependencies. */
struct cr_tool {
	char *name; /* as asked: "cc", or an absolute path */
	char *path; /* canonical path inside the root ("/usr/bin/x86_64-linux-gnu-gcc-12") */
	char sha256[CR_SHA256_HEXLEN + 1]; /* of the file's bytes */
	char *version;	       /* first line `NAME --version` printed, or "" */
	char *package;	       /* Debian package owning path, or NULL */
	char *package_version; /* its Version, or NULL */
	char *arch;	       /* its Architecture ("amd64", "all"), or NULL */
	char *purl; /* "pkg:deb/debian/<package>@<version>?arch=<arch>", or NULL */
};

struct cr_toolchain {
	struct cr_tool *tools;
	size_t count;
};

/* The tools probed by default, NULL-terminated: cc c++ ld as ar make sh. */
extern const char *const cr_toolchain_default[];

/* Flags for cr_toolchain_probe. */
enum {
	CR_TOOLCHAIN_NO_VERSION = 1u << 0, /* leave every version "" */
};

/*
 * Finds the tools a build in the sandbox described by sandbox would run:
 * cr_toolchain_default then extra (NULL or NULL-terminated; a name given
 * twice is probed once). A name without '/' is searched in the sandbox's
 * PATH (CR_SANDBOX_PATH, or the PATH of sandbox->env; relative entries are
 * skipped) under its root (sandbox->root, or the host's "/"), the way
 * execvp(3) would: the first regular file with an execute bit. Symlinks
 * are followed inside the root only (cr_sandbox_open). A name with '/'
 * is that absolute path inside the root.
 *
 * For each tool found: its canonical path, the SHA-256 of the file read
 * through the descriptor that resolved it, the first line of what
 * `NAME --version` prints on stdout when run in a sandbox like the build's
 * (an empty source directory at the build path, CR_TOOLCHAIN_TIMEOUT
 * seconds; "" when it fails, times out or prints nothing; control
 * characters become spaces; at most CR_TOOLCHAIN_VERSION_MAX bytes), and,
 * when the root's dpkg database (/var/lib/dpkg/info/ *.list and status)
 * lists the path (or its alias through a merged-/usr link such as
 * /bin -> usr/bin; a path dpkg diverted belongs to the diverting package,
 * the diversion's target to the package it was diverted from; should two
 * packages list it, the smallest name), the package, its version and
 * architecture (when /var/lib/dpkg/status has it installed) and a purl
 * (distribution id from the root's /etc/os-release, "debian" by default;
 * version and name percent-encoded as the purl spec asks).
 *
 * A default tool that is not found is left out; an extra one is an error.
 * Returns CR_ERROR with a message when an extra tool is missing, a file
 * cannot be read, or the sandbox cannot be made. The caller frees *out
 * with cr_toolchain_free().
 */
int cr_toolchain_probe(struct cr_toolchain **out,
		       const struct cr_sandbox_opts *sandbox,
		       const char *const *extra, unsigned int flags);

void cr_toolchain_free(struct cr_toolchain *tc);

#endif
