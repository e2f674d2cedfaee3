/* The sealed build sandbox: Linux namespaces, a read-only root, a fixed build path and a scrubbed environment. */
#ifndef CR_SANDBOX_H
#define CR_SANDBOX_H

#include <stdint.h>

/*
 * What the build sees, the same on every machine and for every caller:
 *
 * - New user, mount, pid, net, uts and ipc namespaces, made with clone(2)
 *   directly, for root and ordinary users alike (unprivileged user
 *   namespaces). The caller's uid and gid are mapped to 0 inside; nothing
 *   else is mapped, so files of other owners show as the overflow id.
 * - The root directory is a private tmpfs, read-only. With the host's root
 *   (opts->root NULL) it holds only what builds need, each bound
 *   recursively and read-only: the entries of cr_sandbox_host_dirs (/usr,
 *   /bin, /sbin, /lib*, /etc, /opt) that exist; never the host's /home,
 *   /root, /srv, /mnt, /media, /var or anything else. The secrets of
 *   cr_sandbox_hidden under /etc (shadow, ssh host keys, sudoers, TLS
 *   private keys, ...) are covered by an empty file or directory. /var is
 *   a fresh tmpfs holding /var/tmp. With opts->root, every top-level entry
 *   of that root is bound as it is (the root is the caller's choice);
 *   a root that is the host's "/" is treated as the host's.
 *   Locked mount flags (nosuid, nodev, noexec) are kept. The root's own
 *   /proc, /dev, /sys, /tmp, /run and the first component of the build
 *   path and of the home directory are not shown: the sandbox provides its
 *   own.
 * - opts->source_dir bound read-write at the build path
 *   (CR_SANDBOX_BUILD_PATH unless opts->build_path is given), which is
 *   also the working directory; HOME (CR_SANDBOX_HOME), /tmp and /run are
 *   fresh tmpfs, empty and private.
 * - A fresh /proc of the pid namespace (its sys, sysrq-trigger, irq and bus
 *   read-only; keys, key-users, timer_list, sched_debug and the init's
 *   cmdline, the caller's argv, empty); a minimal /dev: null, zero, full,
 *   random, urandom and tty
 *   bound from the host, fd, stdin, stdout, stderr and ptmx links, a private
 *   devpts at /dev/pts and a tmpfs at /dev/shm. /sys is an empty
 *   directory: nothing of the host's devices, kernel or cgroups.
 * - Hostname opts->hostname (CR_SANDBOX_HOSTNAME), domain name
 *   CR_SANDBOX_DOMAINNAME; a network namespace holding only a loopback that
 *   is left down: no network at all, and no host UNIX sockets under /tmp or
 *   /run.
 * - Pid 1 is a small init (comm "cleanroom-init") that reaps orphans and
 *   reports the command's status; when the command exits, every process
 *   it left behind is killed with the namespace.
 * - The command runs as uid 0 of the namespace with no capabilities (the
 *   bounding set is emptied), PR_SET_NO_NEW_PRIVS, umask 022, in its own
 *   session, stdin /dev/null, stdout and stderr on the log, no other
 *   descriptor, default signal dispositions and an empty signal mask.
 * - A fresh, empty session keyring, and a seccomp filter (on the native
 *   and compat architectures; any other architecture is killed) that makes
 *   the system calls of cr_sandbox_denied fail with EPERM: keyrings,
 *   module and kexec calls, mount-table changes, new namespaces (clone and
 *   unshare with CLONE_NEW*; clone3 fails with ENOSYS so that the C library
 *   falls back to clone), bpf, perf_event_open, userfaultfd, io_uring,
 *   acct, swap, reboot, clock setting and TIOCSTI/TIOCLINUX ioctls.
 *   ptrace and personality stay allowed (see docs/threat-model.md).
 * - The environment is exactly (see cr_sandbox_env):
 *     PATH=CR_SANDBOX_PATH  HOME=CR_SANDBOX_HOME  TMPDIR=/tmp
 *     LANG=C.UTF-8  LC_ALL=C.UTF-8  TZ=UTC  SOURCE_DATE_EPOCH=<n>
 *   then, with fake_clock,
 *     LD_PRELOAD=<libfaketime>  FAKETIME=@<YYYY-MM-DD hh:mm:ss of n>
 *     FAKETIME_DONT_FAKE_MONOTONIC=1  NO_FAKE_STAT=1
 *   then the caller's opts->env pairs, in their order. Of the fixed names
 *   only PATH may be given in opts->env (it replaces the default); giving
 *   any other of them is refused, and with fake_clock so are LD_PRELOAD,
 *   FAKETIME* and the other variables libfaketime reads (NO_FAKE_STAT,
 *   FAKE_UTIME, FAKERANDOM_SEED, DONT_FAKE_MONOTONIC).
 *
 * With fake_clock, Debian's libfaketime (package libfaketime) is preloaded:
 * every process starts with its wall clock at SOURCE_DATE_EPOCH, which then
 * advances in real time ("start at" mode without FAKETIME_DONT_RESET), so
 * `date +%s` prints SOURCE_DATE_EPOCH. File times stay real: NO_FAKE_STAT
 * keeps libfaketime from shifting what stat(2) returns by the clock's
 * offset (which "cp -p" and "tar -h" would write back into files and
 * archives, making them depend on the real clock). Statically
 * linked programs are not affected.
 *
 * Limits: the source keeps its mount's locked flags (a source on a noexec
 * mount cannot run its own scripts: export it elsewhere); UNIX sockets
 * bound in the bound directories (/usr, /etc, /opt, ...) stay reachable,
 * and with opts->root those of the whole root; if the caller's thread
 * dies, the sandbox is killed (PR_SET_PDEATHSIG).
 */

#define CR_SANDBOX_BUILD_PATH "/build/src"
#define CR_SANDBOX_HOME "/build/home"
#define CR_SANDBOX_HOSTNAME "cleanroom"
#define CR_SANDBOX_DOMAINNAME "(none)"
#define CR_SANDBOX_PATH "/usr/local/bin:/usr/bin:/bin"

/* Top-level directories of the host's root that a build sees (NULL-ended). */
extern const char *const cr_sandbox_host_dirs[];

/* Paths under the host's /etc covered by an empty file or directory. */
extern const char *const cr_sandbox_hidden[];

/* System calls the seccomp filter refuses with EPERM (NULL-ended). */
extern const char *const cr_sandbox_denied[];

/* Caps on what a caller may pass. */
#define CR_SANDBOX_MAX_ARGS 4096u
#define CR_SANDBOX_MAX_ENV 256u
#define CR_SANDBOX_MAX_STRING 65536u
#define CR_SANDBOX_MAX_EPOCH INT64_C(253402300799) /* 9999-12-31T23:59:59Z */

/* Flags for cr_sandbox_opts.flags. */
enum {
	/*
	 * Make the root read-only with one MS_REMOUNT|MS_BIND|MS_RDONLY per
	 * mount instead of one recursive mount_setattr(2). Used by itself on
	 * kernels older than 5.12; tests set it to check that path.
	 */
	CR_SANDBOX_LEGACY_REMOUNT = 1u << 0,
};

/*
 * Variations for `attest build --check` (cr_sandbox_opts.vary): what
 * another machine would differ in, applied inside the sandbox only.
 * CPUS: the command is bound to one CPU (the first of the caller's
 * affinity mask), so nproc and sched_getaffinity see 1. KERNEL: the
 * personality UNAME26, so uname -r reads 2.6.<60+minor><rest>, and
 * /proc/sys/kernel/osrelease and /proc/version say the same. DATE: without
 * fake_clock, libfaketime puts the wall clock CR_VARY_DAYS days ahead
 * (file times stay real); with fake_clock it is moot. HOST: hostname
 * CR_VARY_HOSTNAME and domain name CR_VARY_DOMAINNAME.
 */
enum {
	CR_VARY_CPUS = 1u << 0,
	CR_VARY_KERNEL = 1u << 1,
	CR_VARY_DATE = 1u << 2,
	CR_VARY_HOST = 1u << 3,
};
#define CR_VARY_DAYS 373
#define CR_VARY_HOSTNAME "cleanroom-check"
#define CR_VARY_DOMAINNAME "check.invalid"

/* Values of *exit_status when cr_sandbox_run fails, besides -1. */
#define CR_SANDBOX_TIMED_OUT (-2)
#define CR_SANDBOX_NOT_RUN (-3)

struct cr_sandbox_opts {
	const char *source_dir;	 /* host directory, bound read-write */
	const char *build_path;	 /* NULL: CR_SANDBOX_BUILD_PATH */
	const char *root;	 /* NULL: the host's "/"; else the whole root */
	const char *const *argv; /* NULL-terminated; argv[0] searched in PATH */
	const char *const *env;	 /* NULL or NULL-terminated "NAME=VALUE" */
	int64_t source_date_epoch; /* 0 .. CR_SANDBOX_MAX_EPOCH */
	int fake_clock;		   /* preload libfaketime (see above) */
	int log_fd;	      /* stdout and stderr of the build; -1: none */
	int stdout_fd;	      /* if not -1, stdout goes here instead */
	const char *hostname; /* NULL: CR_SANDBOX_HOSTNAME */
	unsigned int timeout; /* seconds; 0: none */
	unsigned int flags;   /* CR_SANDBOX_* */
	unsigned int vary;    /* CR_VARY_*: 0 for every real build */
};

/* Sets every field to its default: NULL, 0, and -1 for the descriptors. */
void cr_sandbox_opts_init(struct cr_sandbox_opts *opts);

/*
 * Runs opts->argv in a new sandbox (described above) and waits for it and
 * for every process it started.
 *
 * Returns CR_OK when the command ran, its exit status in *exit_status, or
 * 128 + the signal number when a signal killed it. Returns CR_ERROR with a
 * message when the options are bad, when the sandbox could not be made (the
 * message says what the system lacks, e.g. "cannot create user namespace:
 * Operation not permitted (...)"), when the command could not be started
 * ("cannot run NAME in the sandbox: No such file or directory";
 * *exit_status is then CR_SANDBOX_NOT_RUN), or when opts->timeout passed
 * (the whole sandbox is killed, its init first, so no process of it is
 * left; the message is "timed out after N s"; *exit_status is
 * CR_SANDBOX_TIMED_OUT).
 * Otherwise, on CR_ERROR, *exit_status is -1.
 *
 * The sandbox is a child of the calling thread (clone(2), no shell), which
 * blocks until it and its processes are gone; should that thread die first,
 * the sandbox is killed (PR_SET_PDEATHSIG). Needs unprivileged user
 * namespaces (or root); mount_setattr(2) is used when the kernel has it
 * (else the CR_SANDBOX_LEGACY_REMOUNT way). Strings are capped (CR_SANDBOX_MAX_ARGS,
 * CR_SANDBOX_MAX_ENV, CR_SANDBOX_MAX_STRING): more is CR_ERROR.
 */
int cr_sandbox_run(int *exit_status, const struct cr_sandbox_opts *opts);

/*
 * The environment the build gets, as a NULL-terminated array of
 * "NAME=VALUE" strings in the order above; free it with
 * cr_sandbox_env_free(). Refuses (CR_ERROR, naming the pair) a pair
 * without '=', a NAME that is not [A-Za-z_][A-Za-z0-9_]*, a NAME given
 * twice, a fixed NAME other than PATH, more than CR_SANDBOX_MAX_ENV pairs,
 * and with fake_clock a missing libfaketime ("--fake-clock needs
 * libfaketime (apt-get install libfaketime)").
 */
int cr_sandbox_env(char ***out, const struct cr_sandbox_opts *opts);
/* Frees each string of env and env; NULL is accepted. */
void cr_sandbox_env_free(char **env);

/*
 * Sets the message for a failure to create namespaces and returns
 * CR_ERROR: what names the namespace ("user", "mount", ...), errnum the
 * errno of clone(2) or unshare(2); the message ends with a hint on what
 * the system lacks for that errno.
 */
int cr_sandbox_ns_error(const char *what, int errnum);

/* Flags for cr_sandbox_open. */
enum {
	CR_RESOLVE_MANUAL = 1u << 0, /* never use openat2(2) (tests) */
};

/*
 * Opens path as the sandbox would see it under the root directory rootfd:
 * absolute symlinks and ".." stop at rootfd, as with openat2(2)'s
 * RESOLVE_IN_ROOT (used when the kernel has it; otherwise each component
 * is opened with O_NOFOLLOW and symlinks are followed by hand, at most 40).
 * oflags are open(2) flags (O_CLOEXEC and O_NOCTTY are added). *fd gets
 * the descriptor and, if realpath is not NULL, *realpath the canonical
 * absolute path inside the root (allocated). Returns CR_EFAIL with a message
 * when the path does not exist (ENOENT, ENOTDIR), CR_ERROR otherwise.
 */
int cr_sandbox_open(int *fd, char **realpath, int rootfd, const char *path,
		    int oflags, unsigned int flags);

/*
 * The path, inside the root (NULL: the host's), of Debian's libfaketime
 * for this machine's multiarch triplet (taken from where the running libc
 * lives), else in /usr/lib/faketime or /usr/lib64/faketime; allocated.
 * CR_ERROR "--fake-clock needs libfaketime (apt-get install libfaketime)"
 * when there is none.
 */
int cr_sandbox_faketime_path(char **out, const char *root);

#endif
