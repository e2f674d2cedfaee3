/* The toolchain a build sees: each tool's path, digest, version and Debian package, as resolved inside the sandbox. */
#ifndef CR_TOOLCHAIN_H
#define CR_TOOLCHAIN_H

#include <stddef.h>

#include "sandbox.h"
#include "sha256.h"

/* Caps and limits. */
#define CR_TOOLCHAIN_MAX_TOOLS 256u
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
	int file; /* a file the tools run or read: no version, no exec bit */
};

struct cr_toolchain {
	struct cr_tool *tools;
	size_t count;
};

/*
 * The tools probed by default, NULL-terminated: cc c++ gcc g++ cpp ld as ar
 * make sh.
 */
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

/*
 * cr_toolchain_probe(), then each of files (NULL or NULL-terminated
 * absolute paths inside the root) as a file entry (file set): a regular
 * file opened inside the root (symlinks followed there), hashed and matched
 * to its dpkg package like a tool, never run, no execute bit needed. A
 * file that is not there is left out. Errors and *out as for
 * cr_toolchain_probe(), and CR_ERROR for more than CR_TOOLCHAIN_MAX_TOOLS
 * names in all or a name that is not an absolute path. Each tool's version
 * runs in a sandbox (cr_sandbox_run(): a child in new namespaces).
 */
int cr_toolchain_probe_files(struct cr_toolchain **out,
			     const struct cr_sandbox_opts *sandbox,
			     const char *const *extra, const char *const *files,
			     unsigned int flags);

/* Caps of cr_toolchain_internals(). */
#define CR_TOOLCHAIN_MAX_NEEDED 64u /* DT_NEEDED entries per artifact */
#define CR_TOOLCHAIN_MAX_DIRS 16u   /* triplets and versions per level */
#define CR_TOOLCHAIN_MAX_FILES 192u /* files listed in all */

/*
 * The files a C build in root (NULL: the host's "/") runs or reads besides
 * the tools it names, where they can be known without tracing: in each
 * usr/lib/gcc/TRIPLET/VERSION/ (and usr/libexec/gcc/) the compiler proper
 * and its helpers (cc1, cc1plus, collect2, lto-wrapper, lto1,
 * liblto_plugin.so) and the files it links (crtbegin*.o, crtend*.o,
 * libgcc.a, libgcc_s.so); in usr/lib/TRIPLET/ the C library's start files
 * and link scripts (crt1.o, Scrt1.o, crti.o, crtn.o, libc.so,
 * libc_nonshared.a); the headers every C file reads (usr/include/stdio.h,
 * features.h, usr/include/linux/types.h); and, for each ELF file among
 * artifacts (paths under dir; NULL: none), the libraries its DT_NEEDED
 * entries name, resolved in lib/TRIPLET, usr/lib/TRIPLET, lib and usr/lib
 * of the root. Only files that exist are listed, as absolute paths inside
 * the root, sorted, each once, NULL-terminated (*out may be NULL when
 * none). Directory listings are bounded
 * (CR_TOOLCHAIN_MAX_DIRS), symlinks are followed inside the root only; an
 * artifact that is not ELF or is malformed gives no library. The caller
 * frees *out with cr_toolchain_list_free(). CR_ERROR naming root when it
 * cannot be opened, or out of memory; at most CR_TOOLCHAIN_MAX_FILES files,
 * the rest left out.
 */
int cr_toolchain_internals(char ***out, size_t *count, const char *root,
			   const char *dir, const char *const *artifacts);
/* Frees count strings and the array; NULL is accepted. */
void cr_toolchain_list_free(char **list, size_t count);

/* Frees tc and everything it holds; NULL is accepted. */
void cr_toolchain_free(struct cr_toolchain *tc);

#endif
