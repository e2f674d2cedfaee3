/* The toolchain a build sees: tools resolved in the sandbox's root and PATH, hashed, versioned and matched to dpkg. */
#include "toolchain.h"
#include "error.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

const char *const cr_toolchain_default[] = {
	"cc", "c++", "gcc", "g++", "cpp", "ld", "as", "ar", "make", "sh", NULL,
};

#define MAX_DPKG_FILES 200000u
#define MAX_OS_RELEASE 65536u
#define VERSION_READ 4096u

/* Where dpkg keeps its database, inside the root. */
#define DPKG_INFO "/var/lib/dpkg/info"
#define DPKG_STATUS "/var/lib/dpkg/status"
#define DPKG_DIVERSIONS "/var/lib/dpkg/diversions"

/* What is learnt about one tool before it becomes a struct cr_tool. */
struct probe {
	char *alias;	 /* path through a merged-/usr link, or NULL */
	char *qualifier; /* ":arch" of the owning .list file, or NULL */
	char *diverter;	 /* package of a dpkg diversion of our path, or NULL */
	char *listed;	 /* when ours is where a diversion put a file: the
			    path the packages list instead, else NULL */
};

static void
probe_clear(struct probe *p)
{
	free(p->alias);
	free(p->qualifier);
	free(p->diverter);
	free(p->listed);
	memset(p, 0, sizeof(*p));
}

static void
tool_clear(struct cr_tool *t)
{
	free(t->name);
	free(t->path);
	free(t->version);
	free(t->package);
	free(t->package_version);
	free(t->arch);
	free(t->purl);
	memset(t, 0, sizeof(*t));
}

void
cr_toolchain_free(struct cr_toolchain *tc)
{
	size_t i;

	if (tc == NULL)
		return;
	for (i = 0; i < tc->count; i++)
		tool_clear(&tc->tools[i]);
	free(tc->tools);
	free(tc);
}

/* The PATH the build gets. */
static int
sandbox_path(char **out, const struct cr_sandbox_opts *sb)
{
	char **env = NULL;
	size_t i;
	int err;

	*out = NULL;
	if ((err = cr_sandbox_env(&env, sb)) < 0)
		return err;
	for (i = 0; env[i] != NULL; i++)
		if (strncmp(env[i], "PATH=", 5) == 0)
			break;
	if (env[i] == NULL || (*out = strdup(env[i] + 5)) == NULL)
		err = cr_error_set("toolchain: no PATH");
	cr_sandbox_env_free(env);
	return err;
}

static int
executable_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	       (st.st_mode & 0111) != 0;
}

/*
 * Resolves a tool as execvp(3) would inside the root; CR_EFAIL when there
 * is none. *fd is open for reading, *path canonical.
 */
static int
find_tool(int *fd, char **path, int rootfd, const char *name,
	  const char *pathvar)
{
	char cand[PATH_MAX];
	const char *s, *e;
	size_t len;
	int err;

	*fd = -1;
	*path = NULL;
	if (strchr(name, '/') != NULL) {
		if (name[0] != '/')
			return cr_error_set("tool %s: not an absolute path",
					    name);
		err = cr_sandbox_open(fd, path, rootfd, name, O_RDONLY, 0);
		if (err < 0)
			return err;
		if (!executable_file(*fd)) {
			close(*fd);
			*fd = -1;
			free(*path);
			*path = NULL;
			return cr_error_fail("tool %s: not an executable file",
					     name);
		}
		return CR_OK;
	}
	for (s = pathvar;; s = e + 1) {
		e = strchr(s, ':');
		len = e ? (size_t)(e - s) : strlen(s);
		/* Relative entries would search the source: never followed. */
		if (len > 0 && s[0] == '/' &&
		    len + 1 + strlen(name) < sizeof(cand)) {
			memcpy(cand, s, len);
			cand[len] = '/';
			memcpy(cand + len + 1, name, strlen(name) + 1);
			if (cr_sandbox_open(fd, path, rootfd, cand, O_RDONLY,
					    0) == CR_OK) {
				if (executable_file(*fd))
					return CR_OK;
				close(*fd);
				*fd = -1;
				free(*path);
				*path = NULL;
			}
		}
		if (e == NULL)
			break;
	}
	return cr_error_fail("tool %s: not found in the sandbox's PATH %s",
			     name, pathvar);
}

/* The first line of buf, control characters made spaces, trimmed. */
static char *
first_line(const char *buf, size_t len)
{
	char *out;
	size_t n = 0, i;

	for (i = 0; i < len && buf[i] != '\n'; i++)
		;
	len = i;
	while (len > 0 && (buf[len - 1] == '\r' || buf[len - 1] == ' ' ||
			   buf[len - 1] == '\t'))
		len--;
	if (len > CR_TOOLCHAIN_VERSION_MAX)
		len = CR_TOOLCHAIN_VERSION_MAX;
	if ((out = malloc(len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		out[n++] = ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				   ? ' '
				   : buf[i];
	out[n] = '\0';
	return out;
}

/* `name --version` in a sandbox like the build's, empty source. */
static int
tool_version(char **out, const struct cr_sandbox_opts *sb, const char *name,
	     const char *srcdir)
{
	const char *argv[] = {name, "--version", NULL};
	struct cr_sandbox_opts o = *sb;
	char buf[VERSION_READ];
	int fd, st, err;
	ssize_t n = 0;

	*out = NULL;
	if ((fd = memfd_create("cr-version", MFD_CLOEXEC)) < 0)
		return cr_error_errno("toolchain: memfd_create");
	o.argv = argv;
	o.source_dir = srcdir;
	o.log_fd = -1;
	o.stdout_fd = fd;
	o.timeout = CR_TOOLCHAIN_TIMEOUT;
	err = cr_sandbox_run(&st, &o);
	if (err < 0 && st != CR_SANDBOX_TIMED_OUT && st != CR_SANDBOX_NOT_RUN)
		goto done;
	if (err == CR_OK && st == 0) {
		n = pread(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			err = cr_error_errno("toolchain: %s --version", name);
			goto done;
		}
	}
	if ((*out = first_line(buf, (size_t)n)) == NULL) {
		err = cr_error_set("toolchain: out of memory");
		goto done;
	}
	err = CR_OK;
done:
	close(fd);
	return err;
}

/* For /usr/bin/x when the root has bin -> usr/bin: /bin/x. */
static int
merged_usr_alias(char **out, int rootfd, const char *path)
{
	static const char *const tops[] = {"bin",   "sbin",  "lib",
					   "lib32", "lib64", "libx32"};
	char target[64], want[64];
	size_t i, len;
	ssize_t n;

	*out = NULL;
	for (i = 0; i < CR_ARRAY_SIZE(tops); i++) {
		snprintf(want, sizeof(want), "/usr/%s/", tops[i]);
		len = strlen(want);
		if (strncmp(path, want, len) != 0)
			continue;
		n = readlinkat(rootfd, tops[i], target, sizeof(target) - 1);
		if (n < 0)
			return CR_OK;
		target[n] = '\0';
		if (strcmp(target, want + 1) != 0 &&
		    !(strncmp(target, want, len - 1) == 0 &&
		      target[len - 1] == '\0') &&
		    !(strncmp(target, want + 1, len - 2) == 0 &&
		      target[len - 2] == '\0'))
			return CR_OK;
		if (asprintf(out, "/%s/%s", tops[i], path + len) < 0) {
			*out = NULL;
			return cr_error_set("toolchain: out of memory");
		}
		return CR_OK;
	}
	return CR_OK;
}

/*
 * Reads f line by line into line (size bytes); a line longer than that is
 * skipped whole. Returns 1 with the newline removed, 0 at the end.
 */
static int
next_line(char *line, size_t size, FILE *f)
{
	size_t len;
	int skipping = 0;

	while (fgets(line, (int)size, f) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n') {
			if (skipping) {
				skipping = 0;
				continue;
			}
			line[len - 1] = '\0';
			return 1;
		}
		if (feof(f))
			return skipping ? 0 : 1;
		skipping = 1;
	}
	return 0;
}

static int
is_tool_path(const struct cr_tool *t, const struct probe *p, const char *line)
{
	return strcmp(line, t->path) == 0 ||
	       (p->alias != NULL && strcmp(line, p->alias) == 0);
}

/*
 * Opens one of dpkg's files in the root: CR_OK with *f NULL where the root
 * has none.
 */
static int
dpkg_open(FILE **f, int rootfd, const char *path)
{
	int fd, err;

	*f = NULL;
	err = cr_sandbox_open(&fd, NULL, rootfd, path, O_RDONLY, 0);
	if (err == CR_EFAIL)
		return CR_OK;
	if (err < 0)
		return err;
	if ((*f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return cr_error_errno("%s", path);
	}
	return CR_OK;
}

/*
 * Reads dpkg's diversions (from, to, package: three lines each). The file
 * at a diverted path belongs to the diverting package; the file at the
 * diversion's target belongs to the other package listing the original
 * path. A local diversion (package ":") leaves the path without owner.
 */
static int
dpkg_diversions(struct cr_tool *tools, struct probe *pr, size_t n, int rootfd)
{
	char from[PATH_MAX + 2], to[PATH_MAX + 2], pkg[256];
	size_t i;
	FILE *f;
	int err;

	if ((err = dpkg_open(&f, rootfd, DPKG_DIVERSIONS)) < 0 || f == NULL)
		return err;
	while (err == CR_OK && next_line(from, sizeof(from), f) &&
	       next_line(to, sizeof(to), f) && next_line(pkg, sizeof(pkg), f)) {
		for (i = 0; i < n && err == CR_OK; i++) {
			if (pr[i].diverter != NULL)
				continue;
			if (is_tool_path(&tools[i], &pr[i], from)) {
				if ((pr[i].diverter = strdup(pkg)) == NULL)
					err = cr_error_set("toolchain: out of "
							   "memory");
			} else if (is_tool_path(&tools[i], &pr[i], to)) {
				if ((pr[i].diverter = strdup(pkg)) == NULL ||
				    (pr[i].listed = strdup(from)) == NULL)
					err = cr_error_set("toolchain: out of "
							   "memory");
			}
		}
	}
	fclose(f);
	return err;
}

/* Whether package (a .list name without ".list") may own tool i's path. */
static int
may_own(const struct probe *p, const char *package, size_t len)
{
	if (p->diverter == NULL)
		return 1;
	if (strlen(p->diverter) == len &&
	    strncmp(p->diverter, package, len) == 0)
		return p->listed == NULL;
	return p->listed != NULL;
}

/* strcmp(a, the first len bytes of b). */
static int
cmp_base(const char *a, const char *b, size_t len)
{
	size_t la = strlen(a);
	int c = strncmp(a, b, la < len ? la : len);

	if (c != 0 || la == len)
		return c;
	return la < len ? -1 : 1;
}

/*
 * Which package's .list names each tool's path (or its alias). Should two
 * lists name it, the smallest package name wins, whatever the directory
 * order.
 */
static int
dpkg_owners(struct cr_tool *tools, struct probe *pr, size_t n, int rootfd)
{
	char line[PATH_MAX + 2], *colon, *name;
	struct dirent *de;
	size_t count = 0, len, base, i;
	DIR *d = NULL;
	FILE *f;
	int dfd, fd, err, match;

	err = cr_sandbox_open(&dfd, NULL, rootfd, DPKG_INFO,
			      O_RDONLY | O_DIRECTORY, 0);
	if (err == CR_EFAIL)
		return CR_OK; /* no dpkg in this root */
	if (err < 0)
		return err;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return cr_error_errno("%s", DPKG_INFO);
	}
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				err = cr_error_errno("%s", DPKG_INFO);
			break;
		}
		len = strlen(de->d_name);
		if (len <= 5 || strcmp(de->d_name + len - 5, ".list") != 0)
			continue;
		if (++count > MAX_DPKG_FILES) {
			err = cr_error_set("%s: more than %u lists", DPKG_INFO,
					   MAX_DPKG_FILES);
			break;
		}
		colon = memchr(de->d_name, ':', len - 5);
		base = colon ? (size_t)(colon - de->d_name) : len - 5;
		fd = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0)
			continue;
		if ((f = fdopen(fd, "r")) == NULL) {
			close(fd);
			continue;
		}
		while (err == CR_OK && next_line(line, sizeof(line), f)) {
			for (i = 0; i < n; i++) {
				match = pr[i].listed != NULL
						? strcmp(line, pr[i].listed) ==
							  0
						: is_tool_path(&tools[i],
							       &pr[i], line);
				if (!match ||
				    !may_own(&pr[i], de->d_name, base))
					continue;
				if (tools[i].package != NULL &&
				    cmp_base(tools[i].package, de->d_name,
					     base) <= 0)
					continue;
				if ((name = strndup(de->d_name, len - 5)) ==
				    NULL) {
					err = cr_error_set("toolchain: out of "
							   "memory");
					break;
				}
				free(tools[i].package);
				free(pr[i].qualifier);
				pr[i].qualifier = NULL;
				tools[i].package = name;
				if ((colon = strchr(name, ':')) != NULL) {
					*colon = '\0';
					pr[i].qualifier = strdup(colon + 1);
				}
			}
		}
		fclose(f);
		if (err < 0)
			break;
	}
	closedir(d);
	return err;
}

static const char *
field(const char *line, const char *name)
{
	size_t len = strlen(name);

	if (strncmp(line, name, len) != 0 || line[len] != ':')
		return NULL;
	line += len + 1;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Applies one status stanza to the tools it owns. */
static int
stanza_done(struct cr_tool *tools, struct probe *pr, size_t n, const char *pkg,
	    const char *arch, const char *version, const char *status)
{
	size_t i;

	if (!pkg[0] || !version[0] || !ends_with(status, " installed"))
		return CR_OK;
	for (i = 0; i < n; i++) {
		if (tools[i].package == NULL ||
		    tools[i].package_version != NULL ||
		    strcmp(tools[i].package, pkg) != 0 ||
		    (pr[i].qualifier != NULL && strcmp(pr[i].qualifier, arch)))
			continue;
		tools[i].package_version = strdup(version);
		tools[i].arch = strdup(arch[0] ? arch : "all");
		if (tools[i].package_version == NULL || tools[i].arch == NULL)
			return cr_error_set("toolchain: out of memory");
	}
	return CR_OK;
}

static void
copy_field(char *dst, size_t size, const char *v)
{
	snprintf(dst, size, "%s", v);
}

/* Versions and architectures from the root's dpkg status file. */
static int
dpkg_versions(struct cr_tool *tools, struct probe *pr, size_t n, int rootfd)
{
	char line[4096], pkg[256] = "", arch[64] = "", version[256] = "";
	char status[128] = "";
	const char *v;
	FILE *f;
	int err, more;

	for (err = 0; err < (int)n; err++)
		if (tools[err].package != NULL)
			break;
	if (err == (int)n)
		return CR_OK;
	if ((err = dpkg_open(&f, rootfd, DPKG_STATUS)) < 0 || f == NULL)
		return err;
	do {
		more = next_line(line, sizeof(line), f);
		if (!more || line[0] == '\0') {
			if ((err = stanza_done(tools, pr, n, pkg, arch, version,
					       status)) < 0)
				break;
			pkg[0] = arch[0] = version[0] = status[0] = '\0';
		} else if ((v = field(line, "Package")) != NULL) {
			copy_field(pkg, sizeof(pkg), v);
		} else if ((v = field(line, "Architecture")) != NULL) {
			copy_field(arch, sizeof(arch), v);
		} else if ((v = field(line, "Version")) != NULL) {
			copy_field(version, sizeof(version), v);
		} else if ((v = field(line, "Status")) != NULL) {
			copy_field(status, sizeof(status), v);
		}
	} while (more);
	if (ferror(f) && err == CR_OK)
		err = cr_error_set("%s: read error", DPKG_STATUS);
	fclose(f);
	return err;
}

/* The distribution id for purls: ID= of the root's os-release. */
static void
distro_id(char *out, size_t size, int rootfd)
{
	char *buf = NULL, *s, *e;
	size_t len, i;
	int fd;

	snprintf(out, size, "debian");
	if (cr_sandbox_open(&fd, NULL, rootfd, "/etc/os-release", O_RDONLY,
			    0) != CR_OK)
		return;
	if (cr_read_fd(&buf, &len, fd, "/etc/os-release", MAX_OS_RELEASE) !=
	    CR_OK) {
		close(fd);
		return;
	}
	close(fd);
	for (s = buf; s != NULL && *s; s = e ? e + 1 : NULL) {
		e = strchr(s, '\n');
		if (e != NULL)
			*e = '\0';
		if (strncmp(s, "ID=", 3) != 0)
			continue;
		s += 3;
		if (*s == '"' || *s == '\'') {
			len = strlen(s);
			if (len >= 2 && s[len - 1] == s[0]) {
				s[len - 1] = '\0';
				s++;
			}
		}
		len = strlen(s);
		if (len == 0 || len >= size)
			break;
		for (i = 0; i < len; i++)
			if (!((s[i] >= 'a' && s[i] <= 'z') ||
			      (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
			      s[i] == '_' || s[i] == '-'))
				break;
		if (i == len)
			snprintf(out, size, "%s", s);
		break;
	}
	cr_error_clear();
	free(buf);
}

/* Percent-encodes s as the purl spec asks (':' kept). */
static void
purl_encode(char *out, size_t size, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (; *s && n + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' ||
		    c == '_' || c == '~' || c == ':') {
			out[n++] = (char)c;
		} else {
			out[n++] = '%';
			out[n++] = hex[c >> 4];
			out[n++] = hex[c & 15];
		}
	}
	out[n] = '\0';
}

static int
make_purls(struct cr_tool *tools, size_t n, const char *distro)
{
	char name[3 * 256 + 1], version[3 * 256 + 1], arch[3 * 64 + 1];
	size_t i;

	for (i = 0; i < n; i++) {
		if (tools[i].package_version == NULL)
			continue;
		purl_encode(name, sizeof(name), tools[i].package);
		purl_encode(version, sizeof(version), tools[i].package_version);
		purl_encode(arch, sizeof(arch), tools[i].arch);
		if (asprintf(&tools[i].purl, "pkg:deb/%s/%s@%s?arch=%s", distro,
			     name, version, arch) < 0) {
			tools[i].purl = NULL;
			return cr_error_set("toolchain: out of memory");
		}
	}
	return CR_OK;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

/* Where the files of a toolchain live, for messages. */
#define TOOLCHAIN_DIRS "/usr, /bin, /sbin, /lib* or /opt"

/*
 * Whether path may name a toolchain file: absolute and canonical (no empty,
 * "." or ".." segment, no trailing '/'), under /usr, /bin, /sbin, /lib,
 * /lib32, /lib64, /libx32 or /opt.
 */
static int
toolchain_file_path(const char *path)
{
	static const char *const dirs[] = {"/usr/",    "/bin/",	  "/sbin/",
					   "/lib/",    "/lib32/", "/lib64/",
					   "/libx32/", "/opt/"};
	const char *seg;
	size_t i, n;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (strncmp(path, dirs[i], strlen(dirs[i])) == 0)
			break;
	if (i == sizeof(dirs) / sizeof(dirs[0]))
		return 0;
	for (seg = path + 1;; seg += n + 1) {
		n = strcspn(seg, "/");
		if (n == 0 || (n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return 0;
		if (seg[n] == '\0')
			return 1;
	}
}

static int
probe_one(struct cr_tool *t, struct probe *pr, int rootfd, const char *pathvar,
	  const struct cr_sandbox_opts *sb, const char *srcdir,
	  unsigned int flags)
{
	unsigned char md[CR_SHA256_LEN];
	int fd = -1, err;

	if (t->file) {
		struct stat st;

		/*
		 * A file named by a statement (verify rebuild compares what
		 * the vendor recorded) is read only where toolchains live, and
		 * only if it is a regular file there: never a secret, /proc or
		 * a FIFO of the verifier's machine.
		 */
		if (!toolchain_file_path(t->name))
			return cr_error_fail("%s: not read: not under %s",
					     t->name, TOOLCHAIN_DIRS);
		err = cr_sandbox_open(&fd, &t->path, rootfd, t->name,
				      O_RDONLY | O_NONBLOCK, 0);
		if (err < 0)
			return err;
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
		    !toolchain_file_path(t->path)) {
			close(fd);
			return cr_error_fail("%s: not a regular file under %s",
					     t->name, TOOLCHAIN_DIRS);
		}
	} else if ((err = find_tool(&fd, &t->path, rootfd, t->name, pathvar)) <
		   0) {
		return err;
	}
	err = cr_sha256_fd(md, NULL, fd, NULL, 0, t->path);
	close(fd);
	if (err < 0)
		return err;
	cr_hex_encode(t->sha256, md, sizeof(md));
	if ((err = merged_usr_alias(&pr->alias, rootfd, t->path)) < 0)
		return err;
	if ((flags & CR_TOOLCHAIN_NO_VERSION) || t->file) {
		if ((t->version = strdup("")) == NULL)
			return cr_error_set("toolchain: out of memory");
		return CR_OK;
	}
	return tool_version(&t->version, sb, t->name, srcdir);
}

int
cr_toolchain_probe(struct cr_toolchain **out,
		   const struct cr_sandbox_opts *sandbox,
		   const char *const *extra, unsigned int flags)
{
	return cr_toolchain_probe_files(out, sandbox, extra, NULL, flags);
}

int
cr_toolchain_probe_files(struct cr_toolchain **out,
			 const struct cr_sandbox_opts *sandbox,
			 const char *const *extra, const char *const *files,
			 unsigned int flags)
{
	const char *names[CR_TOOLCHAIN_MAX_TOOLS];
	struct cr_toolchain *tc = NULL;
	struct probe pr[CR_TOOLCHAIN_MAX_TOOLS];
	char *pathvar = NULL, *srcdir = NULL, distro[64];
	const char *tmp;
	size_t nnames = 0, ndefault, nextra, i, j;
	int rootfd = -1, err;

	*out = NULL;
	memset(pr, 0, sizeof(pr));
	for (i = 0; cr_toolchain_default[i] != NULL; i++)
		names[nnames++] = cr_toolchain_default[i];
	ndefault = nnames;
	for (i = 0; extra != NULL && extra[i] != NULL; i++) {
		for (j = 0; j < nnames; j++)
			if (strcmp(names[j], extra[i]) == 0)
				break;
		if (j < nnames)
			continue;
		if (nnames == CR_TOOLCHAIN_MAX_TOOLS)
			return cr_error_set("toolchain: more than %u tools",
					    CR_TOOLCHAIN_MAX_TOOLS);
		if (extra[i][0] == '\0' || strlen(extra[i]) >= PATH_MAX)
			return cr_error_set("toolchain: bad tool name '%s'",
					    extra[i]);
		names[nnames++] = extra[i];
	}
	nextra = nnames;
	for (i = 0; files != NULL && files[i] != NULL; i++) {
		if (nnames == CR_TOOLCHAIN_MAX_TOOLS)
			return cr_error_set("toolchain: more than %u tools "
					    "and files",
					    CR_TOOLCHAIN_MAX_TOOLS);
		if (files[i][0] != '/' || strlen(files[i]) >= PATH_MAX)
			return cr_error_set("toolchain: bad file name '%s'",
					    files[i]);
		names[nnames++] = files[i];
	}
	if ((err = sandbox_path(&pathvar, sandbox)) < 0)
		goto done;
	rootfd = open(sandbox->root ? sandbox->root : "/",
		      O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		err = cr_error_errno("root %s",
				     sandbox->root ? sandbox->root : "/");
		goto done;
	}
	if (!(flags & CR_TOOLCHAIN_NO_VERSION)) {
		tmp = getenv("TMPDIR");
		if (tmp == NULL || tmp[0] != '/')
			tmp = "/tmp";
		if (asprintf(&srcdir, "%s/cr-toolchain-XXXXXX", tmp) < 0) {
			srcdir = NULL;
			err = cr_error_set("toolchain: out of memory");
			goto done;
		}
		if (mkdtemp(srcdir) == NULL) {
			err = cr_error_errno("toolchain: %s", srcdir);
			free(srcdir);
			srcdir = NULL;
			goto done;
		}
	}
	if ((tc = calloc(1, sizeof(*tc))) == NULL ||
	    (tc->tools = calloc(nnames, sizeof(*tc->tools))) == NULL) {
		err = cr_error_set("toolchain: out of memory");
		goto done;
	}
	for (i = 0; i < nnames; i++) {
		struct cr_tool *t = &tc->tools[tc->count];

		if ((t->name = strdup(names[i])) == NULL) {
			err = cr_error_set("toolchain: out of memory");
			goto done;
		}
		t->file = i >= nextra;
		err = probe_one(t, &pr[tc->count], rootfd, pathvar, sandbox,
				srcdir, flags);
		if (err == CR_EFAIL && (i < ndefault || i >= nextra)) {
			probe_clear(&pr[tc->count]);
			tool_clear(t);
			continue;
		}
		if (err < 0) {
			tool_clear(t);
			err = CR_ERROR;
			goto done;
		}
		tc->count++;
	}
	if ((err = dpkg_diversions(tc->tools, pr, tc->count, rootfd)) < 0 ||
	    (err = dpkg_owners(tc->tools, pr, tc->count, rootfd)) < 0 ||
	    (err = dpkg_versions(tc->tools, pr, tc->count, rootfd)) < 0)
		goto done;
	distro_id(distro, sizeof(distro), rootfd);
	if ((err = make_purls(tc->tools, tc->count, distro)) < 0)
		goto done;
	*out = tc;
	tc = NULL;
	err = CR_OK;
done:
	for (i = 0; i < CR_TOOLCHAIN_MAX_TOOLS; i++)
		probe_clear(&pr[i]);
	if (srcdir != NULL) {
		nftw(srcdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
		free(srcdir);
	}
	if (rootfd >= 0)
		close(rootfd);
	free(pathvar);
	cr_toolchain_free(tc);
	return err;
}

/* ---- what a C build runs and reads besides the tools it names ----------- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct list {
	char **items;
	size_t count;
};

void
cr_toolchain_list_free(char **list, size_t count)
{
	size_t i;

	for (i = 0; list != NULL && i < count; i++)
		free(list[i]);
	free(list);
}

static int
list_add(struct list *l, const char *path)
{
	char **p;
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i], path) == 0)
			return CR_OK;
	if (l->count >= CR_TOOLCHAIN_MAX_FILES)
		return CR_OK; /* bounded: the rest is left out */
	/* Always NULL-terminated. */
	if ((p = realloc(l->items, (l->count + 2) * sizeof(*p))) == NULL)
		return cr_error_set("toolchain: out of memory");
	l->items = p;
	l->items[l->count + 1] = NULL;
	if ((l->items[l->count] = strdup(path)) == NULL)
		return cr_error_set("toolchain: out of memory");
	l->count++;
	return CR_OK;
}

/* Adds path when it is a regular file inside the root. */
static int
add_if_file(struct list *l, int rootfd, const char *path)
{
	struct stat st;
	int fd, err;

	err = cr_sandbox_open(&fd, NULL, rootfd, path, O_RDONLY | O_NONBLOCK,
			      0);
	if (err == CR_EFAIL) {
		cr_error_clear();
		return CR_OK;
	}
	if (err < 0) {
		cr_error_clear(); /* unreadable: not known, not recorded */
		return CR_OK;
	}
	err = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
	close(fd);
	return err ? list_add(l, path) : CR_OK;
}

/* Up to CR_TOOLCHAIN_MAX_DIRS names of subdirectories of dir, sorted. */
static int
subdirs(struct list *out, int rootfd, const char *dir)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, err;

	memset(out, 0, sizeof(*out));
	err = cr_sandbox_open(&fd, NULL, rootfd, dir, O_RDONLY | O_DIRECTORY,
			      0);
	if (err < 0) {
		cr_error_clear();
		return CR_OK;
	}
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return CR_OK;
	}
	while ((de = readdir(d)) != NULL &&
	       out->count < CR_TOOLCHAIN_MAX_DIRS) {
		if (de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) <
			    0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		if ((err = list_add(out, de->d_name)) < 0)
			break;
	}
	closedir(d);
	if (err == CR_OK && out->count > 1)
		qsort(out->items, out->count, sizeof(*out->items), cmp_str);
	return err;
}

/* The DT_NEEDED names of the ELF file fd, added to needed. */
static int
elf_needed(struct list *needed, int fd)
{
	Elf *e = NULL;
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;
	GElf_Dyn dyn;
	Elf_Data *data;
	const char *name;
	size_t i, n = 0;
	int err = CR_OK;

	elf_version(EV_CURRENT);
	if ((e = elf_begin(fd, ELF_C_READ, NULL)) == NULL ||
	    elf_kind(e) != ELF_K_ELF)
		goto done;
	while ((scn = elf_nextscn(e, scn)) != NULL) {
		if (gelf_getshdr(scn, &sh) == NULL ||
		    sh.sh_type != SHT_DYNAMIC || sh.sh_entsize == 0 ||
		    (data = elf_getdata(scn, NULL)) == NULL)
			continue;
		for (i = 0; i < sh.sh_size / sh.sh_entsize &&
			    n < CR_TOOLCHAIN_MAX_NEEDED;
		     i++) {
			if (gelf_getdyn(data, (int)i, &dyn) == NULL)
				break;
			if (dyn.d_tag == DT_NULL)
				break;
			if (dyn.d_tag != DT_NEEDED)
				continue;
			name = elf_strptr(e, sh.sh_link, dyn.d_un.d_val);
			/* A soname, never a path: nothing outside the dirs. */
			if (name == NULL || name[0] == '\0' ||
			    strchr(name, '/') != NULL || strlen(name) > 255)
				continue;
			n++;
			if ((err = list_add(needed, name)) < 0)
				goto done;
		}
	}
done:
	if (e != NULL)
		elf_end(e);
	return err;
}

/* The first of the paths fmt gives for name in each triplet dir, then bare. */
static int
add_library(struct list *l, int rootfd, const struct list *triplets,
	    const char *name)
{
	char path[PATH_MAX];
	size_t before = l->count, t;
	int err = CR_OK;

	for (t = 0; t < triplets->count && l->count == before && err == CR_OK;
	     t++) {
		snprintf(path, sizeof(path), "/lib/%s/%s", triplets->items[t],
			 name);
		if ((err = add_if_file(l, rootfd, path)) < 0 ||
		    l->count != before)
			break;
		snprintf(path, sizeof(path), "/usr/lib/%s/%s",
			 triplets->items[t], name);
		err = add_if_file(l, rootfd, path);
	}
	if (err == CR_OK && l->count == before) {
		snprintf(path, sizeof(path), "/lib/%s", name);
		err = add_if_file(l, rootfd, path);
	}
	if (err == CR_OK && l->count == before) {
		snprintf(path, sizeof(path), "/usr/lib/%s", name);
		err = add_if_file(l, rootfd, path);
	}
	return err;
}

int
cr_toolchain_internals(char ***out, size_t *count, const char *root,
		       const char *dir, const char *const *artifacts)
{
	static const char *const gcc_dirs[] = {"/usr/lib/gcc",
					       "/usr/libexec/gcc"};
	static const char *const gcc_files[] = {
		"cc1",	       "cc1plus",	   "collect2",	 "lto-wrapper",
		"lto1",	       "liblto_plugin.so", "crtbegin.o", "crtbeginS.o",
		"crtend.o",    "crtendS.o",	   "libgcc.a",	 "libgcc_s.so",
		"libgcc_eh.a", "include/stddef.h",
	};
	static const char *const libc_files[] = {
		"crt1.o", "Scrt1.o", "crti.o",
		"crtn.o", "libc.so", "libc_nonshared.a",
	};
	static const char *const headers[] = {
		"/usr/include/stdio.h",
		"/usr/include/features.h",
		"/usr/include/linux/types.h",
	};
	struct list l = {0}, triplets = {0}, tr = {0}, versions = {0};
	struct list needed = {0};
	char path[PATH_MAX];
	size_t i, j, k, t;
	int rootfd, fd, err = CR_OK;

	*out = NULL;
	*count = 0;
	rootfd = open(root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cr_error_errno("root %s", root ? root : "/");
	for (i = 0; i < CR_ARRAY_SIZE(gcc_dirs) && err == CR_OK; i++) {
		if ((err = subdirs(&tr, rootfd, gcc_dirs[i])) < 0)
			break;
		for (t = 0; t < tr.count && err == CR_OK; t++) {
			/* The triplets gcc knows name the multiarch dirs. */
			if ((err = list_add(&triplets, tr.items[t])) < 0)
				break;
			snprintf(path, sizeof(path), "%s/%s", gcc_dirs[i],
				 tr.items[t]);
			if ((err = subdirs(&versions, rootfd, path)) < 0)
				break;
			for (j = 0; j < versions.count && err == CR_OK; j++)
				for (k = 0; k < CR_ARRAY_SIZE(gcc_files) &&
					    err == CR_OK;
				     k++) {
					snprintf(path, sizeof(path),
						 "%s/%s/%s/%s", gcc_dirs[i],
						 tr.items[t], versions.items[j],
						 gcc_files[k]);
					err = add_if_file(&l, rootfd, path);
				}
			cr_toolchain_list_free(versions.items, versions.count);
			memset(&versions, 0, sizeof(versions));
		}
		cr_toolchain_list_free(tr.items, tr.count);
		memset(&tr, 0, sizeof(tr));
	}
	for (t = 0; t < triplets.count && err == CR_OK; t++)
		for (k = 0; k < CR_ARRAY_SIZE(libc_files) && err == CR_OK;
		     k++) {
			snprintf(path, sizeof(path), "/usr/lib/%s/%s",
				 triplets.items[t], libc_files[k]);
			err = add_if_file(&l, rootfd, path);
		}
	for (k = 0; k < CR_ARRAY_SIZE(headers) && err == CR_OK; k++)
		err = add_if_file(&l, rootfd, headers[k]);
	/* Libraries the artifacts load, where the dynamic loader looks. */
	for (i = 0; err == CR_OK && dir != NULL && artifacts != NULL &&
		    artifacts[i] != NULL;
	     i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, artifacts[i]) >=
		    (int)sizeof(path))
			continue;
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		err = elf_needed(&needed, fd);
		close(fd);
	}
	for (i = 0; i < needed.count && err == CR_OK; i++)
		err = add_library(&l, rootfd, &triplets, needed.items[i]);
	if (err == CR_OK && l.count > 1)
		qsort(l.items, l.count, sizeof(*l.items), cmp_str);
	if (err == CR_OK) {
		*out = l.items;
		*count = l.count;
		l.items = NULL;
		l.count = 0;
	}
	cr_toolchain_list_free(l.items, l.count);
	cr_toolchain_list_free(triplets.items, triplets.count);
	cr_toolchain_list_free(tr.items, tr.count);
	cr_toolchain_list_free(versions.items, versions.count);
	cr_toolchain_list_free(needed.items, needed.count);
	close(rootfd);
	return err;
}
