/* The sealed build sandbox: namespaces, a private root, an init and a scrubbed environment. */
#include "sandbox.h"
#include "error.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>

#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef KEYCTL_JOIN_SESSION_KEYRING
#define KEYCTL_JOIN_SESSION_KEYRING 1
#endif
#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

extern char **environ;

#define NS_FLAGS                                                     \
	(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWUTS | CLONE_NEWIPC)

/* Records sent by the init and the command to the caller (SOCK_SEQPACKET). */
#define REC_ERROR 'E'  /* the sandbox could not be made: text */
#define REC_EXEC 'X'   /* the command could not be started: text */
#define REC_STATUS 'S' /* the command's wait status: an int */
#define REC_MAX 1024

#define MAX_LINKS 40
#define MAX_DEPTH 256
#define MAX_FILTER 4096 /* BPF instructions */

const char *const cr_sandbox_host_dirs[] = {
	"usr",	 "bin",	   "sbin", "lib", "lib32",
	"lib64", "libx32", "etc",  "opt", NULL,
};

const char *const cr_sandbox_hidden[] = {
	"/etc/shadow",
	"/etc/shadow-",
	"/etc/gshadow",
	"/etc/gshadow-",
	"/etc/sudoers",
	"/etc/sudoers.d",
	"/etc/ssh",
	"/etc/ssl/private",
	"/etc/security/opasswd",
	"/etc/machine-id",
	"/etc/cleanroom",
	"/etc/credstore",
	"/etc/credstore.encrypted",
	"/etc/krb5.keytab",
	"/etc/ipsec.secrets",
	"/etc/ipsec.d/private",
	"/etc/ppp/chap-secrets",
	"/etc/ppp/pap-secrets",
	"/etc/NetworkManager/system-connections",
	"/etc/wpa_supplicant",
	"/etc/wireguard",
	"/etc/letsencrypt",
	"/etc/libvirt/secrets",
	"/etc/docker/key.json",
	"/etc/pki/tls/private",
	"/etc/pki/CA/private",
	"/etc/swanctl/private",
	"/etc/openvpn",
	"/etc/netplan",
	"/etc/mysql/debian.cnf",
	"/etc/postfix/sasl_passwd",
	"/etc/kubernetes",
	"/etc/gitlab-runner",
	NULL,
};

/*
 * What no build needs and an escape or a lasting mark on the host would:
 * the caller's keyrings, the kernel's module, kexec, BPF and perf
 * interfaces, the mount table, namespaces (the checks of clone and unshare
 * flags are below), fault handling in user space and io_uring (the usual
 * ways into kernel bugs), accounting, swap, reboot and the clocks.
 */
const char *const cr_sandbox_denied[] = {
	"add_key",
	"request_key",
	"keyctl",
	"perf_event_open",
	"bpf",
	"kexec_load",
	"kexec_file_load",
	"init_module",
	"finit_module",
	"delete_module",
	"create_module",
	"mount",
	"umount",
	"umount2",
	"pivot_root",
	"move_mount",
	"open_tree",
	"fsopen",
	"fsmount",
	"fsconfig",
	"fspick",
	"mount_setattr",
	"setns",
	"userfaultfd",
	"io_uring_setup",
	"io_uring_enter",
	"io_uring_register",
	"acct",
	"swapon",
	"swapoff",
	"reboot",
	"settimeofday",
	"stime",
	"clock_settime",
	"clock_adjtime",
	"adjtimex",
	"open_by_handle_at",
	"lookup_dcookie",
	"quotactl",
	"quotactl_fd",
	"nfsservctl",
	"vhangup",
	"iopl",
	"ioperm",
	"syslog",
	"uselib",
	"_sysctl",
	"vm86",
	"vm86old",
	NULL,
};

/*
 * Everything the child needs, computed before clone(2) so that the child
 * allocates nothing and reads nothing from the caller's environment.
 * Paths are as the child sees them after the first pivot: the caller's
 * root is at /oldroot, the new root is built at /newroot.
 */
struct plan {
	char root[PATH_MAX + 16];     /* "/oldroot" + the root's realpath */
	char source[PATH_MAX + 16];   /* "/oldroot" + source_dir's realpath */
	char build_path[PATH_MAX];    /* inside the sandbox */
	char build_top[NAME_MAX + 1]; /* first component of build_path */
	char home_top[NAME_MAX + 1];  /* first component of CR_SANDBOX_HOME */
	const char *hostname;
	const char *domainname;
	unsigned int vary; /* CR_VARY_* */
	char *const *argv;
	char **env;
	int host_root; /* the host's "/": only cr_sandbox_host_dirs */
	struct sock_filter *filter; /* the seccomp program */
	unsigned short nfilter;
	int sock;      /* the child's end of the record socket */
	int log_fd;    /* -1: /dev/null */
	int stdout_fd; /* -1: log_fd */
	unsigned int flags;
};

void
cr_sandbox_opts_init(struct cr_sandbox_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->log_fd = -1;
	opts->stdout_fd = -1;
}

/* --- messages ----------------------------------------------------------- */

static const char *
ns_sysctl(const char *what)
{
	if (strcmp(what, "user") == 0)
		return "user.max_user_namespaces";
	if (strcmp(what, "mount") == 0)
		return "user.max_mnt_namespaces";
	if (strcmp(what, "pid") == 0)
		return "user.max_pid_namespaces";
	if (strcmp(what, "network") == 0)
		return "user.max_net_namespaces";
	if (strcmp(what, "uts") == 0)
		return "user.max_uts_namespaces";
	if (strcmp(what, "ipc") == 0)
		return "user.max_ipc_namespaces";
	return "user.max_*_namespaces";
}

int
cr_sandbox_ns_error(const char *what, int errnum)
{
	const char *hint = NULL;
	char buf[256];

	switch (errnum) {
	case EPERM:
	case EACCES:
		if (strcmp(what, "user") == 0)
			hint = "unprivileged user namespaces are disabled: is "
			       "kernel.unprivileged_userns_clone or "
			       "user.max_user_namespaces 0, or does "
			       "kernel.apparmor_restrict_unprivileged_userns, "
			       "a seccomp filter or a container forbid them?";
		else
			hint = "a security policy (seccomp, AppArmor, SELinux "
			       "or a container) forbids it";
		break;
	case ENOSPC:
	case EUSERS:
		snprintf(buf, sizeof(buf), "is %s 0, or its limit reached?",
			 ns_sysctl(what));
		hint = buf;
		break;
	case EINVAL:
	case ENOSYS:
		hint = "the kernel lacks namespace support (CONFIG_USER_NS, "
		       "CONFIG_PID_NS, CONFIG_NET_NS, CONFIG_UTS_NS, "
		       "CONFIG_IPC_NS)";
		break;
	case ENOMEM:
		hint = "out of memory";
		break;
	}
	if (hint != NULL)
		return cr_error_set("cannot create %s namespace: %s (%s)", what,
				    strerror(errnum), hint);
	return cr_error_set("cannot create %s namespace: %s", what,
			    strerror(errnum));
}

/*
 * After clone(2) failed with clone_errno, finds which namespace the system
 * refuses by unsharing them one at a time in a throw-away child, and sets
 * the message for it.
 */
static int
diagnose(int clone_errno)
{
	static const struct {
		int flag;
		const char *name;
	} ns[] = {
		{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"},
		{CLONE_NEWPID, "pid"},	 {CLONE_NEWNET, "network"},
		{CLONE_NEWUTS, "uts"},	 {CLONE_NEWIPC, "ipc"},
	};
	int p[2], rep[2] = {-1, 0}, st;
	size_t i;
	pid_t pid;
	ssize_t n;

	if (pipe2(p, O_CLOEXEC) < 0)
		return cr_sandbox_ns_error("user", clone_errno);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		for (i = 0; i < CR_ARRAY_SIZE(ns); i++) {
			if (unshare(ns[i].flag) < 0) {
				rep[0] = (int)i;
				rep[1] = errno;
				break;
			}
		}
		n = write(p[1], rep, sizeof(rep));
		_exit(n == (ssize_t)sizeof(rep) ? 0 : 1);
	}
	close(p[1]);
	n = -1;
	if (pid > 0) {
		do
			n = read(p[0], rep, sizeof(rep));
		while (n < 0 && errno == EINTR);
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	close(p[0]);
	if (n == (ssize_t)sizeof(rep) && rep[0] >= 0 &&
	    (size_t)rep[0] < CR_ARRAY_SIZE(ns))
		return cr_sandbox_ns_error(ns[rep[0]].name, rep[1]);
	return cr_sandbox_ns_error("user, mount, pid, network, uts or ipc",
				   clone_errno);
}

/* --- resolving paths inside a root -------------------------------------- */

/* The path a descriptor was opened at, as the caller sees it. */
static int
fd_path(char *out, size_t size, int fd)
{
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, out, size - 1);
	if (n < 0)
		return cr_error_errno("%s", link);
	if ((size_t)n >= size - 1)
		return cr_error_set("%s: path too long", link);
	out[n] = '\0';
	return CR_OK;
}

static int
not_found(const char *path)
{
	int saved = errno;

	cr_error_errno("%s", path);
	errno = saved;
	return (errno == ENOENT || errno == ENOTDIR) ? CR_EFAIL : CR_ERROR;
}

/* openat2(2) with RESOLVE_IN_ROOT; 1 when the kernel lacks it. */
static int
open_in_root_kernel(int *out, char **realpath, int rootfd, const char *path,
		    int oflags)
{
#ifdef SYS_openat2
	struct open_how how;
	char rootp[PATH_MAX], filep[PATH_MAX];
	const char *rel;
	size_t len;
	int fd, err;

	memset(&how, 0, sizeof(how));
	/* openat2 refuses O_PATH with any flag but these. */
	how.flags = (uint64_t)(oflags | O_CLOEXEC |
			       ((oflags & O_PATH) ? 0 : O_NOCTTY));
	how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	if (fd < 0) {
		if (errno == ENOSYS || errno == E2BIG)
			return 1;
		return not_found(path);
	}
	if (realpath != NULL) {
		if ((err = fd_path(rootp, sizeof(rootp), rootfd)) < 0 ||
		    (err = fd_path(filep, sizeof(filep), fd)) < 0) {
			close(fd);
			return err;
		}
		len = strlen(rootp);
		if (strcmp(rootp, "/") == 0) {
			rel = filep;
		} else if (strncmp(filep, rootp, len) == 0 &&
			   (filep[len] == '/' || filep[len] == '\0')) {
			rel = filep[len] ? filep + len : "/";
		} else {
			close(fd);
			return cr_error_set("%s: resolved outside the root",
					    path);
		}
		if ((*realpath = strdup(rel)) == NULL) {
			close(fd);
			return cr_error_set("%s: out of memory", path);
		}
	}
	*out = fd;
	return CR_OK;
#else
	(void)out;
	(void)realpath;
	(void)rootfd;
	(void)path;
	(void)oflags;
	return 1;
#endif
}

/*
 * The same by hand: each component opened O_PATH|O_NOFOLLOW relative to its
 * directory, symlinks read from the opened link and spliced into what is
 * left to resolve, ".." popping a stack of directory descriptors that never
 * goes above rootfd.
 */
static int
open_in_root_manual(int *out, char **realpath, int rootfd, const char *path,
		    int oflags)
{
	int dirs[MAX_DEPTH + 1];
	size_t offs[MAX_DEPTH + 1];
	char rest[2 * PATH_MAX], tmp[2 * PATH_MAX], target[PATH_MAX];
	char canon[PATH_MAX] = "";
	size_t depth = 0, clen = 0, n;
	int links = 0, fd = -1, nfd = -1, err = CR_ERROR;
	char *comp, *next;
	struct stat st, st2;
	ssize_t tlen;

	dirs[0] = rootfd;
	offs[0] = 0;
	if (strlen(path) >= sizeof(rest)) {
		errno = ENAMETOOLONG;
		return not_found(path);
	}
	strcpy(rest, path);
	comp = rest;
	for (;;) {
		while (*comp == '/')
			comp++;
		if (*comp == '\0') {
			/* Ends on a directory ("/", "usr/", "a/.."). */
			fd = openat(dirs[depth], ".",
				    oflags | O_CLOEXEC | O_NOCTTY);
			if (fd < 0) {
				err = not_found(path);
				goto done;
			}
			break;
		}
		next = strchr(comp, '/');
		if (next != NULL)
			*next++ = '\0';
		else
			next = comp + strlen(comp);
		if (strcmp(comp, ".") == 0) {
			comp = next;
			continue;
		}
		if (strcmp(comp, "..") == 0) {
			if (depth > 0) {
				close(dirs[depth]);
				clen = offs[depth--];
				canon[clen] = '\0';
			}
			comp = next;
			continue;
		}
		nfd = openat(dirs[depth], comp,
			     O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0 || fstat(nfd, &st) < 0) {
			err = not_found(path);
			goto done;
		}
		if (S_ISLNK(st.st_mode)) {
			if (++links > MAX_LINKS) {
				errno = ELOOP;
				err = not_found(path);
				goto done;
			}
			tlen = readlinkat(nfd, "", target, sizeof(target) - 1);
			if (tlen < 0) {
				err = not_found(path);
				goto done;
			}
			target[tlen] = '\0';
			close(nfd);
			nfd = -1;
			if ((size_t)tlen + 1 + strlen(next) >= sizeof(tmp)) {
				errno = ENAMETOOLONG;
				err = not_found(path);
				goto done;
			}
			memcpy(tmp, target, (size_t)tlen);
			tmp[tlen] = '/';
			memcpy(tmp + tlen + 1, next, strlen(next) + 1);
			memcpy(rest, tmp, strlen(tmp) + 1);
			comp = rest;
			if (target[0] == '/') {
				while (depth > 0)
					close(dirs[depth--]);
				clen = 0;
				canon[0] = '\0';
			}
			continue;
		}
		n = strlen(comp);
		if (clen + 1 + n >= sizeof(canon)) {
			errno = ENAMETOOLONG;
			err = not_found(path);
			goto done;
		}
		while (*next == '/')
			next++;
		if (*next == '\0') {
			/* The last component: open it for real, same inode. */
			if (oflags & O_PATH) {
				fd = nfd;
				nfd = -1;
			} else {
				fd = openat(dirs[depth], comp,
					    oflags | O_NOFOLLOW | O_CLOEXEC |
						    O_NOCTTY);
				if (fd < 0 || fstat(fd, &st2) < 0) {
					err = not_found(path);
					goto done;
				}
				if (st2.st_dev != st.st_dev ||
				    st2.st_ino != st.st_ino) {
					err = cr_error_set(
						"%s: changed while opened",
						path);
					goto done;
				}
			}
			canon[clen] = '/';
			memcpy(canon + clen + 1, comp, n + 1);
			clen += n + 1;
			break;
		}
		if (!S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			err = not_found(path);
			goto done;
		}
		if (depth == MAX_DEPTH) {
			errno = ENAMETOOLONG;
			err = not_found(path);
			goto done;
		}
		dirs[++depth] = nfd;
		nfd = -1;
		offs[depth] = clen;
		canon[clen] = '/';
		memcpy(canon + clen + 1, comp, n + 1);
		clen += n + 1;
		comp = next;
	}
	if (realpath != NULL &&
	    (*realpath = strdup(clen ? canon : "/")) == NULL) {
		err = cr_error_set("%s: out of memory", path);
		goto done;
	}
	*out = fd;
	fd = -1;
	err = CR_OK;
done:
	if (nfd >= 0)
		close(nfd);
	if (fd >= 0)
		close(fd);
	while (depth > 0)
		close(dirs[depth--]);
	return err;
}

int
cr_sandbox_open(int *fd, char **realpath, int rootfd, const char *path,
		int oflags, unsigned int flags)
{
	int err;

	*fd = -1;
	if (realpath != NULL)
		*realpath = NULL;
	if (!(flags & CR_RESOLVE_MANUAL)) {
		err = open_in_root_kernel(fd, realpath, rootfd, path, oflags);
		if (err <= 0)
			return err;
	}
	return open_in_root_manual(fd, realpath, rootfd, path, oflags);
}

/* --- libfaketime -------------------------------------------------------- */

static int
find_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *name = info->dlpi_name, *base;
	char *dir = data;
	size_t len;

	(void)size;
	if (name == NULL || (base = strrchr(name, '/')) == NULL)
		return 0;
	if (strncmp(base + 1, "libc.so", 7) != 0)
		return 0;
	len = (size_t)(base - name);
	if (len >= PATH_MAX)
		return 0;
	memcpy(dir, name, len);
	dir[len] = '\0';
	return 1;
}

/* The multiarch triplet of the running libc ("x86_64-linux-gnu"), or "". */
static void
multiarch(char *out, size_t size)
{
	char dir[PATH_MAX] = "";
	const char *base;

	out[0] = '\0';
	dl_iterate_phdr(find_libc, dir);
	base = strrchr(dir, '/');
	if (base != NULL && strchr(base + 1, '-') != NULL &&
	    strlen(base + 1) < size)
		strcpy(out, base + 1);
}

int
cr_sandbox_faketime_path(char **out, const char *root)
{
	char triplet[NAME_MAX + 1], cand[3][PATH_MAX];
	int rootfd, fd, err = CR_EFAIL;
	size_t i;
	struct stat st;

	*out = NULL;
	multiarch(triplet, sizeof(triplet));
	snprintf(cand[0], sizeof(cand[0]),
		 "/usr/lib/%s/faketime/libfaketime.so.1", triplet);
	snprintf(cand[1], sizeof(cand[1]),
		 "/usr/lib/faketime/libfaketime.so.1");
	snprintf(cand[2], sizeof(cand[2]),
		 "/usr/lib64/faketime/libfaketime.so.1");
	rootfd = open(root ? root : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cr_error_errno("%s", root ? root : "/");
	for (i = triplet[0] ? 0 : 1; i < 3; i++) {
		err = cr_sandbox_open(&fd, out, rootfd, cand[i], O_PATH, 0);
		if (err == CR_ERROR)
			break;
		if (err == CR_EFAIL)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			close(fd);
			break;
		}
		close(fd);
		free(*out);
		*out = NULL;
		err = CR_EFAIL;
	}
	close(rootfd);
	if (err == CR_EFAIL)
		return cr_error_set("--fake-clock needs libfaketime (apt-get "
				    "install libfaketime)");
	return err;
}

/* --- the environment ---------------------------------------------------- */

static const char *const fixed_names[] = {
	"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "TZ", "SOURCE_DATE_EPOCH",
};

static int
valid_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !((s[0] >= 'A' && s[0] <= 'Z') ||
			  (s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return 0;
	for (i = 1; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return 0;
	return 1;
}

/*
 * What libfaketime (0.9.7 to 0.9.10) reads besides FAKETIME*: with
 * --fake-clock the
 * sandbox sets them (or leaves them unset) itself, so that a recipe cannot
 * turn file-time faking back on or change what the clock reads.
 */
static const char *const faketime_names[] = {
	"LD_PRELOAD",	   "NO_FAKE_STAT",	  "FAKE_UTIME",
	"FAKERANDOM_SEED", "DONT_FAKE_MONOTONIC",
};

static int
is_fixed(const char *name, size_t len, int fake_clock)
{
	size_t i;

	for (i = 0; i < CR_ARRAY_SIZE(fixed_names); i++)
		if (strlen(fixed_names[i]) == len &&
		    memcmp(fixed_names[i], name, len) == 0)
			return 1;
	if (!fake_clock)
		return 0;
	if (len >= 8 && memcmp(name, "FAKETIME", 8) == 0)
		return 1;
	for (i = 0; i < CR_ARRAY_SIZE(faketime_names); i++)
		if (strlen(faketime_names[i]) == len &&
		    memcmp(faketime_names[i], name, len) == 0)
			return 1;
	return 0;
}

void
cr_sandbox_env_free(char **env)
{
	size_t i;

	if (env == NULL)
		return;
	for (i = 0; env[i] != NULL; i++)
		free(env[i]);
	free(env);
}

static int env_add(char **env, size_t *n, const char *fmt, ...) CR_PRINTF(3, 4);

static int
env_add(char **env, size_t *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&env[*n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		env[*n] = NULL;
		return cr_error_set("sandbox environment: out of memory");
	}
	(*n)++;
	return CR_OK;
}

#define VARY_ENV 4 /* the most vary_env adds */

/*
 * --check's other day: without fake_clock, libfaketime puts the wall clock
 * CR_VARY_DAYS days ahead; file times and the monotonic clock stay real so
 * that make and timeouts behave. With fake_clock the clock is pinned and
 * this is moot.
 */
static int
vary_env(char **env, size_t *n, const struct cr_sandbox_opts *opts)
{
	char *faketime = NULL;
	int err;

	if (!(opts->vary & CR_VARY_DATE) || opts->fake_clock)
		return CR_OK;
	if ((err = cr_sandbox_faketime_path(&faketime, opts->root)) < 0)
		return err;
	if ((err = env_add(env, n, "LD_PRELOAD=%s", faketime)) == CR_OK &&
	    (err = env_add(env, n, "FAKETIME=+%dd", CR_VARY_DAYS)) == CR_OK &&
	    (err = env_add(env, n, "FAKETIME_DONT_FAKE_MONOTONIC=1")) == CR_OK)
		err = env_add(env, n, "NO_FAKE_STAT=1");
	free(faketime);
	return err;
}

int
cr_sandbox_env(char ***out, const struct cr_sandbox_opts *opts)
{
	const char *const *user = opts->env;
	const char *path = CR_SANDBOX_PATH, *eq, *eq2;
	size_t nuser = 0, i, j, n = 0;
	char **env = NULL, *faketime = NULL, date[32];
	struct tm tm;
	time_t t;
	int err;

	*out = NULL;
	if (opts->source_date_epoch < 0 ||
	    opts->source_date_epoch > CR_SANDBOX_MAX_EPOCH)
		return cr_error_set("SOURCE_DATE_EPOCH %lld: out of range",
				    (long long)opts->source_date_epoch);
	for (nuser = 0; user != NULL && user[nuser] != NULL; nuser++) {
		if (nuser == CR_SANDBOX_MAX_ENV)
			return cr_error_set("--env: more than %u variables",
					    CR_SANDBOX_MAX_ENV);
		if ((eq = strchr(user[nuser], '=')) == NULL)
			return cr_error_set("--env %s: not NAME=VALUE",
					    user[nuser]);
		if (strlen(user[nuser]) > CR_SANDBOX_MAX_STRING)
			return cr_error_set("--env %.32s...: longer than %u "
					    "bytes",
					    user[nuser], CR_SANDBOX_MAX_STRING);
		if (!valid_name(user[nuser], (size_t)(eq - user[nuser])))
			return cr_error_set("--env %s: bad variable name",
					    user[nuser]);
		if (is_fixed(user[nuser], (size_t)(eq - user[nuser]),
			     opts->fake_clock || (opts->vary & CR_VARY_DATE)) &&
		    strncmp(user[nuser], "PATH=", 5) != 0)
			return cr_error_set("--env %.*s: fixed by the sandbox",
					    (int)(eq - user[nuser]),
					    user[nuser]);
		for (j = 0; j < nuser; j++) {
			eq2 = strchr(user[j], '=');
			if (eq2 - user[j] == eq - user[nuser] &&
			    memcmp(user[j], user[nuser],
				   (size_t)(eq - user[nuser])) == 0)
				return cr_error_set("--env %.*s: given twice",
						    (int)(eq - user[nuser]),
						    user[nuser]);
		}
		if (strncmp(user[nuser], "PATH=", 5) == 0)
			path = user[nuser] + 5;
	}
	if (opts->fake_clock) {
		if ((err = cr_sandbox_faketime_path(&faketime, opts->root)) < 0)
			return err;
		t = (time_t)opts->source_date_epoch;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &tm) ==
			    0) {
			free(faketime);
			return cr_error_set("SOURCE_DATE_EPOCH %lld: cannot "
					    "format",
					    (long long)opts->source_date_epoch);
		}
	}
	env = calloc(CR_ARRAY_SIZE(fixed_names) + 4 + VARY_ENV + nuser + 1,
		     sizeof(*env));
	if (env == NULL) {
		err = cr_error_set("sandbox environment: out of memory");
		goto done;
	}
	if ((err = env_add(env, &n, "PATH=%s", path)) < 0 ||
	    (err = env_add(env, &n, "HOME=%s", CR_SANDBOX_HOME)) < 0 ||
	    (err = env_add(env, &n, "TMPDIR=/tmp")) < 0 ||
	    (err = env_add(env, &n, "LANG=C.UTF-8")) < 0 ||
	    (err = env_add(env, &n, "LC_ALL=C.UTF-8")) < 0 ||
	    (err = env_add(env, &n, "TZ=UTC")) < 0 ||
	    (err = env_add(env, &n, "SOURCE_DATE_EPOCH=%lld",
			   (long long)opts->source_date_epoch)) < 0)
		goto done;
	if (opts->fake_clock &&
	    ((err = env_add(env, &n, "LD_PRELOAD=%s", faketime)) < 0 ||
	     (err = env_add(env, &n, "FAKETIME=@%s", date)) < 0 ||
	     (err = env_add(env, &n, "FAKETIME_DONT_FAKE_MONOTONIC=1")) < 0 ||
	     /*
	      * libfaketime shifts the times stat(2) and fstat(2) return by
	      * the clock's offset, so "tar -h" or "cp -p" write the real
	      * clock back into files (issue 11): file times stay real.
	      */
	     (err = env_add(env, &n, "NO_FAKE_STAT=1")) < 0))
		goto done;
	if ((err = vary_env(env, &n, opts)) < 0)
		goto done;
	for (i = 0; i < nuser; i++)
		if (strncmp(user[i], "PATH=", 5) != 0 &&
		    (err = env_add(env, &n, "%s", user[i])) < 0)
			goto done;
	*out = env;
	env = NULL;
	err = CR_OK;
done:
	free(faketime);
	cr_sandbox_env_free(env);
	return err;
}

/* --- the child: init and command --------------------------------------- */

static void
send_record(int sock, char type, const void *data, size_t len)
{
	char buf[REC_MAX];

	if (len > sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	buf[0] = type;
	memcpy(buf + 1, data, len);
	(void)send(sock, buf, len + 1, MSG_NOSIGNAL);
}

static void fail(const struct plan *p, int errnum, const char *fmt, ...)
	CR_PRINTF(3, 4) __attribute__((noreturn));

/* Reports why the sandbox could not be made and ends the child. */
static void
fail(const struct plan *p, int errnum, const char *fmt, ...)
{
	char msg[REC_MAX];
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = strlen(msg);
	if (errnum != 0)
		snprintf(msg + n, sizeof(msg) - n, ": %s", strerror(errnum));
	send_record(p->sock, REC_ERROR, msg, strlen(msg));
	_exit(1);
}

static void
mkdirs(const struct plan *p, const char *path)
{
	char buf[PATH_MAX + 16], *s;

	snprintf(buf, sizeof(buf), "%s", path);
	for (s = buf + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				fail(p, errno, "mkdir %s", buf);
			*s = c;
			if (c == '\0')
				break;
		}
	}
}

static void
bind_mount(const struct plan *p, const char *src, const char *dst, int rec)
{
	if (mount(src, dst, NULL, MS_BIND | (rec ? MS_REC : 0), NULL) < 0)
		fail(p, errno, "bind %s on %s", src, dst);
}

static void
mount_tmpfs(const struct plan *p, const char *dst, const char *mode,
	    unsigned long flags)
{
	char data[64];

	snprintf(data, sizeof(data), "mode=%s", mode);
	if (mount("tmpfs", dst, "tmpfs", flags, data) < 0)
		fail(p, errno, "mount tmpfs on %s", dst);
}

static int
in_list(const char *const *list, const char *name)
{
	size_t i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(list[i], name) == 0)
			return 1;
	return 0;
}

/*
 * Binds the top-level entries of the root into /newroot, recursively:
 * every one of a given root, only cr_sandbox_host_dirs of the host's.
 */
static void
populate_root(const struct plan *p)
{
	static const char *const own[] = {"proc", "dev", "sys", "tmp", "run"};
	char src[PATH_MAX + 2 * NAME_MAX], dst[2 * NAME_MAX];
	char target[PATH_MAX];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	size_t i;
	DIR *d;
	int fd;

	if ((d = opendir(p->root[0] ? p->root : "/")) == NULL)
		fail(p, errno, "root directory");
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL) {
			if (errno != 0)
				fail(p, errno, "reading the root directory");
			break;
		}
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, p->build_top) == 0 ||
		    strcmp(de->d_name, p->home_top) == 0)
			continue;
		for (i = 0; i < CR_ARRAY_SIZE(own); i++)
			if (strcmp(de->d_name, own[i]) == 0)
				break;
		if (i < CR_ARRAY_SIZE(own))
			continue;
		if (p->host_root && !in_list(cr_sandbox_host_dirs, de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			fail(p, errno, "root directory: %s", de->d_name);
		snprintf(src, sizeof(src), "%s/%s", p->root, de->d_name);
		snprintf(dst, sizeof(dst), "/newroot/%s", de->d_name);
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, 0755) < 0)
				fail(p, errno, "mkdir %s", dst);
			bind_mount(p, src, dst, 1);
		} else if (S_ISLNK(st.st_mode)) {
			n = readlinkat(dirfd(d), de->d_name, target,
				       sizeof(target) - 1);
			if (n < 0)
				fail(p, errno, "readlink %s", src);
			target[n] = '\0';
			if (symlink(target, dst) < 0)
				fail(p, errno, "symlink %s", dst);
		} else if (S_ISREG(st.st_mode)) {
			fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
				  0644);
			if (fd < 0)
				fail(p, errno, "create %s", dst);
			close(fd);
			bind_mount(p, src, dst, 0);
		}
	}
	closedir(d);
}

/*
 * Covers the host's secrets under /newroot/etc: a directory with an empty
 * tmpfs, anything else with an empty file (/empty, made in the first
 * root). A link is left alone: its target is either covered here or not
 * in the sandbox at all.
 */
static void
hide_secrets(const struct plan *p)
{
	char path[PATH_MAX];
	struct stat st;
	size_t i;

	for (i = 0; cr_sandbox_hidden[i] != NULL; i++) {
		snprintf(path, sizeof(path), "/newroot%s",
			 cr_sandbox_hidden[i]);
		if (lstat(path, &st) < 0 || S_ISLNK(st.st_mode))
			continue;
		if (S_ISDIR(st.st_mode))
			mount_tmpfs(p, path, "0755",
				    MS_NOSUID | MS_NODEV | MS_NOEXEC);
		else
			bind_mount(p, "/empty", path, 0);
	}
}

/* MS_REMOUNT each mount under /newroot, keeping its locked flags. */
static void
remount_legacy(const struct plan *p)
{
	static const struct {
		unsigned long st, ms;
	} keep[] = {
		{ST_NOSUID, MS_NOSUID},		{ST_NODEV, MS_NODEV},
		{ST_NOEXEC, MS_NOEXEC},		{ST_NOATIME, MS_NOATIME},
		{ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME},
	};
	char line[3 * PATH_MAX], mp[PATH_MAX], *s, *d;
	unsigned long flags;
	struct statvfs sv;
	size_t i;
	int field;
	FILE *f;

	if ((f = fopen("/oldroot/proc/self/mountinfo", "re")) == NULL)
		fail(p, errno, "/proc/self/mountinfo");
	while (fgets(line, sizeof(line), f) != NULL) {
		/* Field 5 is the mount point, octal-escaped. */
		for (s = line, field = 1; field < 5 && *s; s++)
			if (*s == ' ')
				field++;
		for (d = mp; *s && *s != ' ' && d < mp + sizeof(mp) - 1;) {
			if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' &&
			    s[2] >= '0' && s[2] <= '7' && s[3] >= '0' &&
			    s[3] <= '7') {
				*d++ = (char)((s[1] - '0') * 64 +
					      (s[2] - '0') * 8 + (s[3] - '0'));
				s += 4;
			} else {
				*d++ = *s++;
			}
		}
		*d = '\0';
		if (strcmp(mp, "/newroot") != 0 &&
		    strncmp(mp, "/newroot/", 9) != 0)
			continue;
		if (statvfs(mp, &sv) < 0) {
			if (errno == EACCES || errno == ENOENT)
				continue; /* unreachable from inside too */
			fail(p, errno, "statvfs %s", mp);
		}
		flags = MS_REMOUNT | MS_BIND | MS_RDONLY;
		for (i = 0; i < CR_ARRAY_SIZE(keep); i++)
			if (sv.f_flag & keep[i].st)
				flags |= keep[i].ms;
		if (mount(NULL, mp, NULL, flags, NULL) < 0 && errno != EACCES)
			fail(p, errno, "remount %s read-only", mp);
	}
	fclose(f);
}

static void
make_readonly(const struct plan *p)
{
#ifdef SYS_mount_setattr
	struct {
		uint64_t attr_set, attr_clr, propagation, userns_fd;
	} attr = {0x1 /* MOUNT_ATTR_RDONLY */, 0, 0, 0};

	if (!(p->flags & CR_SANDBOX_LEGACY_REMOUNT)) {
		if (syscall(SYS_mount_setattr, AT_FDCWD, "/newroot",
			    AT_RECURSIVE, &attr, sizeof(attr)) == 0)
			return;
		if (errno != ENOSYS)
			fail(p, errno, "make the root read-only");
	}
#endif
	remount_legacy(p);
}

static void
setup_dev(const struct plan *p)
{
	static const char *const nodes[] = {"null",   "zero",	 "full",
					    "random", "urandom", "tty"};
	static const char *const links[][2] = {
		{"/proc/self/fd", "/newroot/dev/fd"},
		{"/proc/self/fd/0", "/newroot/dev/stdin"},
		{"/proc/self/fd/1", "/newroot/dev/stdout"},
		{"/proc/self/fd/2", "/newroot/dev/stderr"},
		{"pts/ptmx", "/newroot/dev/ptmx"},
	};
	char src[64], dst[64];
	size_t i;
	int fd;

	mount_tmpfs(p, "/newroot/dev", "0755", MS_NOSUID | MS_NOEXEC);
	for (i = 0; i < CR_ARRAY_SIZE(nodes); i++) {
		snprintf(src, sizeof(src), "/oldroot/dev/%s", nodes[i]);
		snprintf(dst, sizeof(dst), "/newroot/dev/%s", nodes[i]);
		fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0)
			fail(p, errno, "create %s", dst);
		close(fd);
		bind_mount(p, src, dst, 0);
	}
	for (i = 0; i < CR_ARRAY_SIZE(links); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			fail(p, errno, "symlink %s", links[i][1]);
	if (mkdir("/newroot/dev/shm", 01777) < 0 ||
	    mkdir("/newroot/dev/pts", 0755) < 0)
		fail(p, errno, "mkdir in /dev");
	mount_tmpfs(p, "/newroot/dev/shm", "1777", MS_NOSUID | MS_NODEV);
	if (mount("devpts", "/newroot/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		  "newinstance,ptmxmode=0666,mode=0620") < 0)
		fail(p, errno, "mount devpts on /dev/pts");
	if (mount(NULL, "/newroot/dev", NULL,
		  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
		  NULL) < 0)
		fail(p, errno, "remount /dev read-only");
}

/*
 * --check's variations of the process, inherited by everything the init
 * starts: one CPU, and uname -r as an old kernel would say it.
 */
static void
vary_process(const struct plan *p)
{
	cpu_set_t set;
	int cpu, persona;

	if (p->vary & CR_VARY_CPUS) {
		if (sched_getaffinity(0, sizeof(set), &set) < 0)
			fail(p, errno, "sched_getaffinity");
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
			;
		CPU_ZERO(&set);
		CPU_SET(cpu < CPU_SETSIZE ? cpu : 0, &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			fail(p, errno, "bind the build to one CPU");
	}
	if (p->vary & CR_VARY_KERNEL) {
		if ((persona = personality(0xffffffff)) < 0 ||
		    personality((unsigned long)persona | UNAME26) < 0)
			fail(p, errno, "personality UNAME26");
	}
}

/* Writes text to a new file path of the init's private tmpfs. */
static void
write_private(const struct plan *p, const char *path, const char *text)
{
	size_t len = strlen(text);
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len)
		fail(p, errno, "create %s", path);
	close(fd);
}

/* Covers /proc's word on the kernel release with the varied one. */
static void
vary_proc(const struct plan *p)
{
	static const char *const files[][2] = {
		{"/osrelease", "/newroot/proc/sys/kernel/osrelease"},
		{"/version", "/newroot/proc/version"},
	};
	struct utsname u, real;
	char text[1024], line[512], *at;
	ssize_t n;
	size_t i;
	int fd, persona;

	/* uname() now gives the varied release; the real one for /proc. */
	if (uname(&u) < 0 || (persona = personality(0xffffffff)) < 0 ||
	    personality((unsigned long)persona & ~(unsigned long)UNAME26) < 0 ||
	    uname(&real) < 0 || personality((unsigned long)persona) < 0)
		fail(p, errno, "uname");
	snprintf(text, sizeof(text), "%s\n", u.release);
	write_private(p, files[0][0], text);
	snprintf(text, sizeof(text), "Linux version %s\n", u.release);
	if ((fd = open("/newroot/proc/version", O_RDONLY | O_CLOEXEC)) >= 0) {
		n = read(fd, line, sizeof(line) - 1);
		close(fd);
		line[n > 0 ? n : 0] = '\0';
		at = strstr(line, real.release);
		if (at != NULL)
			snprintf(text, sizeof(text), "%.*s%s%s",
				 (int)(at - line), line, u.release,
				 at + strlen(real.release));
	}
	write_private(p, files[1][0], text);
	for (i = 0; i < CR_ARRAY_SIZE(files); i++) {
		if (access(files[i][1], F_OK) < 0)
			continue;
		bind_mount(p, files[i][0], files[i][1], 0);
		if (mount(NULL, files[i][1], NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
				  MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			fail(p, errno, "remount %s read-only", files[i][1]);
	}
}

static void
setup_proc(const struct plan *p)
{
	static const char *const hide[] = {"sys", "sysrq-trigger", "irq",
					   "bus"};
	/*
	 * The caller's keys by name, kernel timers of the whole host, and the
	 * caller's command line: this init is a fork of the caller, so its
	 * cmdline (readable by anyone, dumpable or not) is the caller's argv
	 * with its paths (statement, key, --keep, output directory).
	 */
	static const char *const empty[] = {"keys",	  "key-users",
					    "timer_list", "sched_debug",
					    "1/cmdline",  "1/task/1/cmdline"};
	char path[64];
	size_t i;

	if (mount("proc", "/newroot/proc", "proc",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		fail(p, errno,
		     "mount proc on /proc (is the host's /proc "
		     "partly covered by other mounts, as in some "
		     "containers?)");
	for (i = 0; i < CR_ARRAY_SIZE(hide); i++) {
		snprintf(path, sizeof(path), "/newroot/proc/%s", hide[i]);
		if (access(path, F_OK) < 0)
			continue;
		bind_mount(p, path, path, 1);
		if (mount(NULL, path, NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
				  MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			fail(p, errno, "remount %s read-only", path);
	}
	for (i = 0; i < CR_ARRAY_SIZE(empty); i++) {
		snprintf(path, sizeof(path), "/newroot/proc/%s", empty[i]);
		if (access(path, F_OK) < 0)
			continue;
		bind_mount(p, "/empty", path, 0);
		if (mount(NULL, path, NULL,
			  MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID |
				  MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			fail(p, errno, "remount %s read-only", path);
	}
	if (p->vary & CR_VARY_KERNEL)
		vary_proc(p);
}

/*
 * Builds the new root and enters it. First a tmpfs over /tmp becomes the
 * root, with the caller's whole tree under /oldroot; the sandbox's root is
 * then assembled at /newroot from binds of /oldroot, made read-only, given
 * its own /proc, /dev, /tmp, /run, HOME and the source, and pivoted into;
 * /oldroot goes with the last pivot.
 */
static void
setup_root(const struct plan *p)
{
	char path[PATH_MAX + 16];
	int fd;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(p, errno, "make mounts private");
	mount_tmpfs(p, "/tmp", "0755", MS_NOSUID | MS_NODEV);
	if (chdir("/tmp") < 0 || mkdir("newroot", 0755) < 0 ||
	    mkdir("oldroot", 0755) < 0)
		fail(p, errno, "prepare the new root");
	if (syscall(SYS_pivot_root, ".", "oldroot") < 0)
		fail(p, errno, "pivot_root");
	if (chdir("/") < 0)
		fail(p, errno, "chdir /");
	/* An empty file to cover others with (secrets, /proc/keys). */
	if ((fd = open("/empty", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		       0444)) < 0)
		fail(p, errno, "create /empty");
	close(fd);
	mount_tmpfs(p, "/newroot", "0755", MS_NOSUID | MS_NODEV);
	populate_root(p);

	if (p->host_root)
		hide_secrets(p);
	mkdirs(p, "/newroot/proc");
	mkdirs(p, "/newroot/dev");
	mkdirs(p, "/newroot/sys");
	mkdirs(p, "/newroot/tmp");
	mkdirs(p, "/newroot/run");
	if (p->host_root)
		mkdirs(p, "/newroot/var");
	snprintf(path, sizeof(path), "/newroot%s", p->build_path);
	mkdirs(p, path);
	mkdirs(p, "/newroot" CR_SANDBOX_HOME);
	make_readonly(p);

	setup_proc(p);
	setup_dev(p);
	mount_tmpfs(p, "/newroot/tmp", "1777", MS_NOSUID | MS_NODEV);
	mount_tmpfs(p, "/newroot/run", "0755", MS_NOSUID | MS_NODEV);
	if (p->host_root) {
		mount_tmpfs(p, "/newroot/var", "0755", MS_NOSUID | MS_NODEV);
		if (mkdir("/newroot/var/tmp", 01777) < 0 ||
		    chmod("/newroot/var/tmp", 01777) < 0)
			fail(p, errno, "mkdir /var/tmp");
	}
	mount_tmpfs(p, "/newroot" CR_SANDBOX_HOME, "0755",
		    MS_NOSUID | MS_NODEV);
	bind_mount(p, p->source, path, 1);

	if (chdir("/newroot") < 0)
		fail(p, errno, "chdir /newroot");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		fail(p, errno, "pivot_root into the new root");
	if (umount2(".", MNT_DETACH) < 0)
		fail(p, errno, "detach the old root");
	if (chdir(p->build_path) < 0)
		fail(p, errno, "chdir %s", p->build_path);
}

/* Closes every descriptor but the few kept; the rest of ours are CLOEXEC. */
static void
close_others(const int *keep, size_t nkeep)
{
	unsigned int lo = 3, hi;
	int max = 65536, fd;
	size_t i, j;

	for (;;) {
		hi = ~0U;
		for (i = 0; i < nkeep; i++)
			if (keep[i] >= (int)lo && (unsigned int)keep[i] < hi)
				hi = (unsigned int)keep[i];
		if (hi > lo) {
#ifdef SYS_close_range
			if (syscall(SYS_close_range, lo,
				    hi == ~0U ? ~0U : hi - 1, 0) < 0)
#endif
			{
				for (fd = (int)lo;
				     fd < max && (hi == ~0U || fd < (int)hi);
				     fd++) {
					for (j = 0; j < nkeep; j++)
						if (keep[j] == fd)
							break;
					if (j == nkeep)
						close(fd);
				}
			}
		}
		if (hi == ~0U)
			break;
		lo = hi + 1;
	}
}

static void
drop_caps(const struct plan *p)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	int cap;

	for (cap = 0; cap < 64; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			fail(p, errno, "drop capability %d", cap);
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capset, &hdr, data) < 0)
		fail(p, errno, "drop capabilities");
}

static void __attribute__((noreturn)) run_command(const struct plan *p)
{
	char msg[REC_MAX];
	sigset_t all;
	int sig, null, out, err;

	for (sig = 1; sig < NSIG; sig++)
		(void)signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	umask(022);
	if ((null = open("/dev/null", O_RDWR | O_CLOEXEC)) < 0)
		fail(p, errno, "/dev/null");
	out = p->stdout_fd >= 0 ? p->stdout_fd
	      : p->log_fd >= 0	? p->log_fd
				: null;
	err = p->log_fd >= 0 ? p->log_fd : null;
	if ((out = fcntl(out, F_DUPFD_CLOEXEC, 3)) < 0 ||
	    (err = fcntl(err, F_DUPFD_CLOEXEC, 3)) < 0 || dup2(null, 0) < 0 ||
	    dup2(out, 1) < 0 || dup2(err, 2) < 0)
		fail(p, errno, "set up the build's descriptors");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(p, errno, "PR_SET_NO_NEW_PRIVS");
	environ = p->env;
	execvp(p->argv[0], p->argv);
	snprintf(msg, sizeof(msg), "cannot run %s in the sandbox: %s",
		 p->argv[0], strerror(errno));
	send_record(p->sock, REC_EXEC, msg, strlen(msg));
	_exit(127);
}

/*
 * Pid 1 of the sandbox. Waits for the caller to write the id maps, builds
 * the root, starts the command, reaps everything until the command is
 * gone, then reports its status; its exit kills what is left.
 */
static void __attribute__((noreturn)) init_main(const struct plan *p)
{
	int keep[3] = {p->sock, p->log_fd, p->stdout_fd}, st = 0;
	char c;
	pid_t cmd, w;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(1);
	/* A caller ignoring SIGCHLD would make waitpid below fail. */
	(void)signal(SIGCHLD, SIG_DFL);
	if (recv(p->sock, &c, 1, 0) != 1)
		_exit(1); /* the caller gave up */
	close_others(keep, 3);
	umask(022);
	if (sethostname(p->hostname, strlen(p->hostname)) < 0)
		fail(p, errno, "sethostname");
	if (setdomainname(p->domainname, strlen(p->domainname)) < 0)
		fail(p, errno, "setdomainname");
	vary_process(p);
	setup_root(p);
	(void)prctl(PR_SET_NAME, "cleanroom-init", 0, 0, 0);
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (setsid() < 0)
		fail(p, errno, "setsid");
	drop_caps(p);
	/* Nothing of the caller's keyrings: a new, empty session keyring. */
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 &&
	    errno != ENOSYS)
		fail(p, errno, "join a new session keyring");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(p, errno, "PR_SET_NO_NEW_PRIVS");
	{
		struct sock_fprog prog = {p->nfilter, p->filter};

		if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			fail(p, errno, "install the seccomp filter");
	}

	if ((cmd = fork()) < 0)
		fail(p, errno, "fork");
	if (cmd == 0)
		run_command(p);
	for (;;) {
		w = waitpid(-1, &st, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			fail(p, errno, "waitpid");
		if (w == cmd)
			break;
	}
	send_record(p->sock, REC_STATUS, &st, sizeof(st));
	_exit(0);
}

/* --- the caller's side -------------------------------------------------- */

static int
write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	size_t len = strlen(text);
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT && strcmp(file, "setgroups") == 0)
			return CR_OK; /* kernels before 3.19 */
		return cr_error_errno("cannot set up user namespace: %s", path);
	}
	n = write(fd, text, len);
	if (n != (ssize_t)len) {
		if (n >= 0)
			errno = EIO;
		cr_error_errno("cannot set up user namespace: %s", path);
		close(fd);
		return CR_ERROR;
	}
	close(fd);
	return CR_OK;
}

static int
write_maps(pid_t pid)
{
	char map[64];
	int err;

	if ((err = write_proc(pid, "setgroups", "deny")) < 0)
		return err;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)geteuid());
	if ((err = write_proc(pid, "uid_map", map)) < 0)
		return err;
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned int)getegid());
	return write_proc(pid, "gid_map", map);
}

static int
first_component(char *out, const char *path, const char *what)
{
	const char *s = path + 1, *e = strchr(s, '/');
	size_t len = e ? (size_t)(e - s) : strlen(s);

	if (len == 0 || len > NAME_MAX)
		return cr_error_set("%s %s: bad path", what, path);
	memcpy(out, s, len);
	out[len] = '\0';
	return CR_OK;
}

/* An absolute, normalised path ("/a/b"): no "//", ".", ".." or trailing /. */
static int
check_build_path(const char *bp)
{
	static const char *const taken[] = {"proc", "dev", "tmp", "run"};
	const char *s;
	size_t len = strlen(bp), hl = strlen(CR_SANDBOX_HOME), i;
	char top[NAME_MAX + 1];

	if (bp[0] != '/' || len < 2 || len >= 1024 || bp[len - 1] == '/')
		return cr_error_set("build path %s: not an absolute path", bp);
	for (s = bp; *s; s++) {
		if (*s != '/')
			continue;
		if (s[1] == '/' || (s[1] == '.' && (s[2] == '/' || !s[2])) ||
		    (s[1] == '.' && s[2] == '.' && (s[3] == '/' || !s[3])))
			return cr_error_set("build path %s: not normalised",
					    bp);
	}
	if (first_component(top, bp, "build path") < 0)
		return CR_ERROR;
	for (i = 0; i < CR_ARRAY_SIZE(taken); i++)
		if (strcmp(top, taken[i]) == 0)
			return cr_error_set("build path %s: /%s belongs to the "
					    "sandbox",
					    bp, top);
	if ((len <= hl && strncmp(CR_SANDBOX_HOME, bp, len) == 0 &&
	     (CR_SANDBOX_HOME[len] == '/' || !CR_SANDBOX_HOME[len])) ||
	    (len > hl && strncmp(bp, CR_SANDBOX_HOME, hl) == 0 &&
	     bp[hl] == '/'))
		return cr_error_set("build path %s: overlaps HOME %s", bp,
				    CR_SANDBOX_HOME);
	return CR_OK;
}

static int
check_hostname(const char *h)
{
	size_t i, len = strlen(h);

	if (len == 0 || len > 64)
		return cr_error_set("hostname '%s': empty or too long", h);
	for (i = 0; i < len; i++)
		if (!((h[i] >= 'a' && h[i] <= 'z') ||
		      (h[i] >= 'A' && h[i] <= 'Z') ||
		      (h[i] >= '0' && h[i] <= '9') || h[i] == '-' ||
		      h[i] == '.'))
			return cr_error_set("hostname '%s': bad character", h);
	return CR_OK;
}

static int
host_dir(char *out, size_t size, const char *dir, const char *what)
{
	char real[PATH_MAX];
	struct stat st;

	if (realpath(dir, real) == NULL)
		return cr_error_errno("%s %s", what, dir);
	if (stat(real, &st) < 0)
		return cr_error_errno("%s %s", what, dir);
	if (!S_ISDIR(st.st_mode))
		return cr_error_set("%s %s: not a directory", what, dir);
	snprintf(out, size, "/oldroot%s", strcmp(real, "/") ? real : "");
	return CR_OK;
}

static int
make_plan(struct plan *p, const struct cr_sandbox_opts *opts)
{
	size_t i;
	int err;

	if (opts->argv == NULL || opts->argv[0] == NULL ||
	    opts->argv[0][0] == '\0')
		return cr_error_set("sandbox: no command to run");
	for (i = 0; opts->argv[i] != NULL; i++) {
		if (i == CR_SANDBOX_MAX_ARGS)
			return cr_error_set("sandbox: more than %u arguments",
					    CR_SANDBOX_MAX_ARGS);
		if (strlen(opts->argv[i]) > CR_SANDBOX_MAX_STRING)
			return cr_error_set("sandbox: argument %zu longer than "
					    "%u bytes",
					    i, CR_SANDBOX_MAX_STRING);
	}
	if (opts->source_dir == NULL)
		return cr_error_set("sandbox: no source directory");
	if ((err = host_dir(p->source, sizeof(p->source), opts->source_dir,
			    "source directory")) < 0)
		return err;
	if (opts->root != NULL) {
		if ((err = host_dir(p->root, sizeof(p->root), opts->root,
				    "root")) < 0)
			return err;
		/* "/" given as a root is still the host's: never whole. */
		p->host_root = strcmp(p->root, "/oldroot") == 0;
	} else {
		strcpy(p->root, "/oldroot");
		p->host_root = 1;
	}
	snprintf(p->build_path, sizeof(p->build_path), "%s",
		 opts->build_path ? opts->build_path : CR_SANDBOX_BUILD_PATH);
	if ((err = check_build_path(p->build_path)) < 0 ||
	    (err = first_component(p->build_top, p->build_path, "build path")) <
		    0 ||
	    (err = first_component(p->home_top, CR_SANDBOX_HOME, "HOME")) < 0)
		return err;
	p->hostname = opts->hostname ? opts->hostname : CR_SANDBOX_HOSTNAME;
	p->domainname = CR_SANDBOX_DOMAINNAME;
	p->vary = opts->vary;
	if (p->vary & CR_VARY_HOST) {
		p->hostname = CR_VARY_HOSTNAME;
		p->domainname = CR_VARY_DOMAINNAME;
	}
	if ((err = check_hostname(p->hostname)) < 0)
		return err;
	if (opts->log_fd >= 0 && fcntl(opts->log_fd, F_GETFD) < 0)
		return cr_error_errno("sandbox: log descriptor %d",
				      opts->log_fd);
	if (opts->stdout_fd >= 0 && fcntl(opts->stdout_fd, F_GETFD) < 0)
		return cr_error_errno("sandbox: stdout descriptor %d",
				      opts->stdout_fd);
	p->log_fd = opts->log_fd >= 0 ? opts->log_fd : -1;
	p->stdout_fd = opts->stdout_fd >= 0 ? opts->stdout_fd : -1;
	/* execvp takes char *const[]; the strings are never written. */
	p->argv = (char *const *)opts->argv;
	p->flags = opts->flags;
	return CR_OK;
}

/*
 * Adds rules that make syscall fail with EPERM when its argument arg has
 * any flag of a new namespace.
 */
static int
deny_ns_flags(scmp_filter_ctx ctx, const char *name, unsigned int arg)
{
	static const uint64_t flags[] = {
		CLONE_NEWUSER, CLONE_NEWNS,  CLONE_NEWPID,    CLONE_NEWNET,
		CLONE_NEWUTS,  CLONE_NEWIPC, CLONE_NEWCGROUP, CLONE_NEWTIME,
	};
	int nr = seccomp_syscall_resolve_name(name), r;
	size_t i;

	if (nr == __NR_SCMP_ERROR)
		return 0;
	for (i = 0; i < CR_ARRAY_SIZE(flags); i++) {
		/* clone's flags hold the exit signal where NEWTIME is. */
		if (flags[i] == CLONE_NEWTIME && strcmp(name, "clone") == 0)
			continue;
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), nr, 1,
			SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, flags[i], flags[i]));
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * The seccomp program of the sandbox, made here with libseccomp (which
 * allocates) and exported as BPF, so that the child only installs it.
 */
static int
make_filter(struct plan *p)
{
#if defined(__x86_64__)
	static const uint32_t compat[] = {SCMP_ARCH_X86, SCMP_ARCH_X32};
#elif defined(__aarch64__)
	static const uint32_t compat[] = {SCMP_ARCH_ARM};
#else
	static const uint32_t compat[] = {0};
#endif
	static const unsigned long ioctls[] = {TIOCSTI, TIOCLINUX};
	scmp_filter_ctx ctx;
	struct stat st;
	size_t i;
	int nr, r = 0, fd = -1, err = CR_ERROR;
	ssize_t n;

	if ((ctx = seccomp_init(SCMP_ACT_ALLOW)) == NULL)
		return cr_error_set("sandbox: seccomp_init failed");
	/* Any architecture not named here (and its system calls) is killed. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
			     SCMP_ACT_KILL_PROCESS);
	for (i = 0; r == 0 && i < CR_ARRAY_SIZE(compat); i++) {
		if (compat[i] == 0)
			continue;
		r = seccomp_arch_add(ctx, compat[i]);
		if (r == -EEXIST)
			r = 0;
	}
	for (i = 0; r == 0 && cr_sandbox_denied[i] != NULL; i++) {
		nr = seccomp_syscall_resolve_name(cr_sandbox_denied[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on any of our architectures */
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0);
	}
	if (r == 0)
		r = deny_ns_flags(ctx, "unshare", 0);
	if (r == 0)
		r = deny_ns_flags(ctx, "clone", 0);
	/* clone3 passes its flags in memory a filter cannot read. */
	if (r == 0 &&
	    (nr = seccomp_syscall_resolve_name("clone3")) != __NR_SCMP_ERROR)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
	/* Typing into a terminal that is not the build's. */
	for (i = 0; r == 0 && i < CR_ARRAY_SIZE(ioctls); i++)
		r = seccomp_rule_add(
			ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, ioctls[i]));
	if (r < 0) {
		err = cr_error_set(
			"sandbox: cannot make the seccomp filter: %s",
			strerror(-r));
		goto done;
	}
	if ((fd = memfd_create("cleanroom-seccomp", MFD_CLOEXEC)) < 0) {
		err = cr_error_errno("sandbox: memfd_create");
		goto done;
	}
	if ((r = seccomp_export_bpf(ctx, fd)) < 0) {
		err = cr_error_set("sandbox: cannot export the seccomp filter: "
				   "%s",
				   strerror(-r));
		goto done;
	}
	if (fstat(fd, &st) < 0) {
		err = cr_error_errno("sandbox: seccomp filter");
		goto done;
	}
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) ||
	    st.st_size / sizeof(struct sock_filter) > MAX_FILTER) {
		err = cr_error_set("sandbox: seccomp filter of %lld bytes",
				   (long long)st.st_size);
		goto done;
	}
	if ((p->filter = malloc((size_t)st.st_size)) == NULL) {
		err = cr_error_set("sandbox: out of memory");
		goto done;
	}
	n = pread(fd, p->filter, (size_t)st.st_size, 0);
	if (n != (ssize_t)st.st_size) {
		err = cr_error_errno("sandbox: reading the seccomp filter");
		goto done;
	}
	p->nfilter = (unsigned short)(st.st_size / sizeof(struct sock_filter));
	err = CR_OK;
done:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return err;
}

static void
kill_and_reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cr_sandbox_run(int *exit_status, const struct cr_sandbox_opts *opts)
{
	struct plan *p = NULL;
	char rec[REC_MAX + 1], msg[REC_MAX + 1] = "";
	int sp[2] = {-1, -1}, err = CR_ERROR, st = 0, have_status = 0, r;
	int timed_out = 0, not_run = 0;
	int64_t deadline = 0, left;
	struct pollfd pfd;
	pid_t pid = -1;
	ssize_t n;

	*exit_status = -1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return cr_error_set("sandbox: out of memory");
	if ((err = make_plan(p, opts)) < 0 ||
	    (err = cr_sandbox_env(&p->env, opts)) < 0 ||
	    (err = make_filter(p)) < 0)
		goto done;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) {
		err = cr_error_errno("sandbox: socketpair");
		goto done;
	}
	p->sock = sp[1];

	/*
	 * A raw clone behaves like fork(2) (no new stack) and makes all the
	 * namespaces at once; the child is pid 1 of the new pid namespace.
	 */
#if defined(__s390__) || defined(__CRIS__)
	pid = (pid_t)syscall(SYS_clone, NULL, NS_FLAGS | SIGCHLD);
#else
	pid = (pid_t)syscall(SYS_clone, NS_FLAGS | SIGCHLD, NULL, NULL, NULL,
			     NULL);
#endif
	if (pid < 0) {
		err = diagnose(errno);
		goto done;
	}
	if (pid == 0) {
		close(sp[0]);
		init_main(p);
	}
	close(sp[1]);
	sp[1] = -1;
	if ((err = write_maps(pid)) < 0)
		goto done;
	if (send(sp[0], "g", 1, MSG_NOSIGNAL) != 1) {
		err = cr_error_errno("sandbox: cannot start");
		goto done;
	}

	if (opts->timeout > 0)
		deadline = now_ms() + (int64_t)opts->timeout * 1000;
	for (;;) {
		pfd.fd = sp[0];
		pfd.events = POLLIN;
		left = -1;
		if (deadline) {
			left = deadline - now_ms();
			if (left < 0)
				left = 0;
			if (left > INT_MAX)
				left = INT_MAX;
		}
		r = poll(&pfd, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = cr_error_errno("sandbox: poll");
			goto done;
		}
		if (r == 0) {
			timed_out = 1;
			err = cr_error_set("timed out after %u s",
					   opts->timeout);
			goto done;
		}
		n = recv(sp[0], rec, sizeof(rec) - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if ((rec[0] == REC_ERROR || rec[0] == REC_EXEC) && !msg[0]) {
			not_run = rec[0] == REC_EXEC;
			rec[n] = '\0';
			snprintf(msg, sizeof(msg), "%s", rec + 1);
		} else if (rec[0] == REC_STATUS &&
			   n == (ssize_t)(1 + sizeof(int))) {
			memcpy(&st, rec + 1, sizeof(int));
			have_status = 1;
		}
	}
	while (waitpid(pid, &r, 0) < 0 && errno == EINTR)
		;
	pid = -1;
	if (msg[0]) {
		if (not_run)
			*exit_status = CR_SANDBOX_NOT_RUN;
		err = cr_error_set("sandbox: %s", msg);
		goto done;
	}
	if (!have_status) {
		err = cr_error_set("sandbox: its init died without a report");
		goto done;
	}
	if (WIFEXITED(st))
		*exit_status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		*exit_status = 128 + WTERMSIG(st);
	else
		*exit_status = 255;
	err = CR_OK;
done:
	if (pid > 0)
		kill_and_reap(pid);
	if (timed_out)
		*exit_status = CR_SANDBOX_TIMED_OUT;
	if (sp[0] >= 0)
		close(sp[0]);
	if (sp[1] >= 0)
		close(sp[1]);
	if (p != NULL) {
		cr_sandbox_env_free(p->env);
		free(p->filter);
		free(p);
	}
	return err;
}
