/* Unit tests for lib/sandbox.c: real namespaces, checked from outside through files the build writes. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "sandbox.h"
#include "util.h"
#include "write.h"

#include "scratch.h"

extern char **environ;

/* --- helpers ------------------------------------------------------------ */

/* The content of dir/name, or NULL when it does not exist. */
static char *
slurp(const char *dir, const char *name)
{
	char path[PATH_MAX], *buf;
	size_t len;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (cr_read_file(&buf, &len, path, 1 << 20) < 0)
		return NULL;
	return buf;
}

static void
assert_file(const char *dir, const char *name, const char *want)
{
	char *got = slurp(dir, name);

	if (got == NULL)
		fail_msg("%s/%s: missing", dir, name);
	assert_string_equal(got, want);
	free(got);
}

static void
put_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(cr_write_atomic(path, text, strlen(text), 0644, 0),
			 CR_OK);
}

/* Options for running argv on source dir src with the log in logfd. */
static void
opts_for(struct cr_sandbox_opts *o, const char *src, const char *const *argv,
	 int logfd)
{
	cr_sandbox_opts_init(o);
	o->source_dir = src;
	o->argv = argv;
	o->log_fd = logfd;
	o->source_date_epoch = 1700000000;
	o->timeout = 60;
}

/* Runs `sh -c script` in a sandbox on src; returns the exit status. */
static int
run_sh_opts(const char *src, const char *script, struct cr_sandbox_opts *extra)
{
	const char *argv[] = {"sh", "-c", script, NULL};
	struct cr_sandbox_opts o;
	int st = -1, err;

	if (extra != NULL)
		o = *extra;
	else
		opts_for(&o, src, NULL, -1);
	o.source_dir = src;
	o.argv = argv;
	err = cr_sandbox_run(&st, &o);
	if (err != CR_OK)
		fail_msg("cr_sandbox_run: %s", cr_error_last());
	return st;
}

static int
run_sh(const char *src, const char *script)
{
	return run_sh_opts(src, script, NULL);
}

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* --- tests -------------------------------------------------------------- */

static void
test_exit_status(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox");

	(void)state;
	assert_int_equal(run_sh(dir, "exit 0"), 0);
	assert_int_equal(run_sh(dir, "exit 3"), 3);
	assert_int_equal(run_sh(dir, "kill -KILL $$"), 128 + SIGKILL);
	assert_int_equal(run_sh(dir, "kill -TERM $$"), 128 + SIGTERM);
	/* Whatever the caller does with SIGCHLD. */
	signal(SIGCHLD, SIG_IGN);
	assert_int_equal(run_sh(dir, "sh -c 'exit 5' & wait $!"), 5);
	signal(SIGCHLD, SIG_DFL);
	scratch_rmtree(dir);
}

static void
test_source_at_build_path(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox");
	struct cr_sandbox_opts o;

	(void)state;
	put_file(dir, "input.txt", "reviewed source\n");
	assert_int_equal(run_sh(dir, "pwd > pwd.txt; cat " CR_SANDBOX_BUILD_PATH
				     "/input.txt > out.txt; mkdir -p sub; "
				     "echo made > sub/artifact"),
			 0);
	assert_file(dir, "pwd.txt", CR_SANDBOX_BUILD_PATH "\n");
	assert_file(dir, "out.txt", "reviewed source\n");
	assert_file(dir, "sub/artifact", "made\n");

	/* Another fixed path is honoured the same way. */
	opts_for(&o, dir, NULL, -1);
	o.build_path = "/cleanroom/work/src";
	assert_int_equal(run_sh_opts(dir, "pwd > pwd2.txt", &o), 0);
	assert_file(dir, "pwd2.txt", "/cleanroom/work/src\n");
	scratch_rmtree(dir);
}

static void
test_root_read_only(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), probe[64], script[512],
	     host[128];
	struct cr_sandbox_opts o;
	int legacy, wrote;

	(void)state;
	for (legacy = 0; legacy < 2; legacy++) {
		snprintf(probe, sizeof(probe), "cr-sandbox-probe-%d-%d",
			 (int)getpid(), legacy);
		snprintf(script, sizeof(script),
			 "touch /%s 2> err-root; echo $? > rc-root; "
			 "touch /usr/%s 2> err-usr; echo $? > rc-usr; "
			 "touch /etc/%s 2> err-etc; echo $? > rc-etc; "
			 "touch /etc/shadow 2>/dev/null; echo $? > rc-shadow; "
			 "touch " CR_SANDBOX_BUILD_PATH "/ok; echo $? > rc-src",
			 probe, probe, probe);
		opts_for(&o, dir, NULL, -1);
		o.flags = legacy ? CR_SANDBOX_LEGACY_REMOUNT : 0;
		assert_int_equal(run_sh_opts(dir, script, &o), 0);
		/* Remove what a broken sandbox wrote before failing. */
		snprintf(host, sizeof(host), "/usr/%s", probe);
		wrote = unlink(host) == 0;
		snprintf(host, sizeof(host), "/etc/%s", probe);
		wrote |= unlink(host) == 0;
		if (wrote)
			fail_msg(
				"the build wrote into the host's /usr or /etc");
		assert_file(dir, "rc-root", "1\n");
		assert_file(dir, "rc-usr", "1\n");
		assert_file(dir, "rc-etc", "1\n");
		/* The covers of the host's secrets are read-only too. */
		assert_file(dir, "rc-shadow", "1\n");
		assert_file(dir, "rc-src", "0\n");
		char *e = slurp(dir, "err-usr");
		assert_non_null(e);
		assert_non_null(strstr(e, "Read-only file system"));
		free(e);
	}
	scratch_rmtree(dir);
}

static void
test_tmp_home_private(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"),
	     hostfile[] = "/tmp/cr-sandbox-host-XXXXXX";
	char inside[64], script[512];
	struct stat st;
	int fd;

	(void)state;
	/* The host's /tmp is not empty: this file and the source dir. */
	fd = mkstemp(hostfile);
	assert_true(fd >= 0);
	close(fd);
	snprintf(inside, sizeof(inside), "cr-sandbox-inside-%d", (int)getpid());
	snprintf(script, sizeof(script),
		 "ls -A /tmp > tmp-list; ls -A \"$HOME\" > home-list; "
		 "ls -A /run > run-list; echo x > /tmp/%s && echo ok > "
		 "tmp-writable; echo y > \"$HOME/f\" && echo ok > "
		 "home-writable; stat -c %%a /tmp > tmp-mode",
		 inside);
	assert_int_equal(run_sh(dir, script), 0);
	assert_file(dir, "tmp-list", "");
	assert_file(dir, "home-list", "");
	assert_file(dir, "run-list", "");
	assert_file(dir, "tmp-writable", "ok\n");
	assert_file(dir, "home-writable", "ok\n");
	assert_file(dir, "tmp-mode", "1777\n");
	snprintf(script, sizeof(script), "/tmp/%s", inside);
	assert_int_equal(stat(script, &st), -1);
	/* The next build's /tmp is fresh again. */
	snprintf(script, sizeof(script), "ls -A /tmp > tmp-list2");
	assert_int_equal(run_sh(dir, script), 0);
	assert_file(dir, "tmp-list2", "");
	unlink(hostfile);
	scratch_rmtree(dir);
}

static void
test_hostname(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), host[256];
	struct cr_sandbox_opts o;

	(void)state;
	assert_int_equal(gethostname(host, sizeof(host)), 0);
	assert_int_equal(
		run_sh(dir,
		       "uname -n > h; cat /proc/sys/kernel/domainname > d"),
		0);
	assert_file(dir, "h", CR_SANDBOX_HOSTNAME "\n");
	assert_file(dir, "d", CR_SANDBOX_DOMAINNAME "\n");
	opts_for(&o, dir, NULL, -1);
	o.hostname = "builder-7";
	assert_int_equal(run_sh_opts(dir, "uname -n > h2", &o), 0);
	assert_file(dir, "h2", "builder-7\n");
	/* The host keeps its own name. */
	char host2[256];
	assert_int_equal(gethostname(host2, sizeof(host2)), 0);
	assert_string_equal(host, host2);
	scratch_rmtree(dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Splits text into sorted lines, in place. */
static size_t
sorted_lines(char **lines, size_t max, char *text)
{
	size_t n = 0;
	char *s, *save = NULL;

	for (s = strtok_r(text, "\n", &save); s && n < max;
	     s = strtok_r(NULL, "\n", &save))
		lines[n++] = s;
	qsort(lines, n, sizeof(*lines), cmp_str);
	return n;
}

static void
check_env(const char *const *user, const char *const *want, size_t nwant)
{
	char *dir = scratch_mkdtemp("cr-sandbox"),
	     *logdir = scratch_mkdtemp("cr-sandbox"), path[PATH_MAX];
	const char *argv[] = {"env", NULL};
	const char *sorted[32];
	char *lines[64], *text;
	struct cr_sandbox_opts o;
	size_t n, i;
	int fd, st;

	snprintf(path, sizeof(path), "%s/log", logdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	opts_for(&o, dir, argv, fd);
	o.env = user;
	assert_int_equal(cr_sandbox_run(&st, &o), CR_OK);
	assert_int_equal(st, 0);
	close(fd);
	text = slurp(logdir, "log");
	assert_non_null(text);
	n = sorted_lines(lines, 64, text);
	assert_true(nwant <= 32);
	memcpy(sorted, want, nwant * sizeof(*want));
	qsort(sorted, nwant, sizeof(*sorted), cmp_str);
	for (i = 0; i < n && i < nwant; i++)
		assert_string_equal(lines[i], sorted[i]);
	assert_int_equal(n, nwant);
	free(text);
	scratch_rmtree(dir);
	scratch_rmtree(logdir);
}

/* What the sandbox sets after PATH, whatever the caller's environment. */
#define FIXED_ENV                                               \
	"HOME=" CR_SANDBOX_HOME, "TMPDIR=/tmp", "LANG=C.UTF-8", \
		"LC_ALL=C.UTF-8", "TZ=UTC", "SOURCE_DATE_EPOCH=1700000000"

static void
test_env_exact(void **state)
{
	const char *user[] = {"CFLAGS=-O2 -g", "EMPTY=", NULL};
	const char *want[] = {
		"PATH=" CR_SANDBOX_PATH,
		FIXED_ENV,
		"CFLAGS=-O2 -g",
		"EMPTY=",
	};
	const char *user2[] = {"PATH=/usr/bin:/bin", NULL};
	const char *want2[] = {
		"PATH=/usr/bin:/bin",
		FIXED_ENV,
	};

	(void)state;
	/* The caller's environment must not leak in. */
	setenv("USER", "somebody", 1);
	setenv("TZ", "Europe/Paris", 1);
	setenv("LC_TIME", "fr_FR.UTF-8", 1);
	setenv("CR_SANDBOX_SECRET", "leak", 1);
	check_env(user, want, CR_ARRAY_SIZE(want));
	check_env(user2, want2, CR_ARRAY_SIZE(want2));
	unsetenv("USER");
	unsetenv("TZ");
	unsetenv("LC_TIME");
	unsetenv("CR_SANDBOX_SECRET");
}

static int
env_refused(const char *pair, int fake_clock, const char *what)
{
	const char *user[] = {pair, NULL};
	struct cr_sandbox_opts o;
	char **env;
	int err;

	cr_sandbox_opts_init(&o);
	o.env = user;
	o.fake_clock = fake_clock;
	err = cr_sandbox_env(&env, &o);
	if (err == CR_OK) {
		cr_sandbox_env_free(env);
		return 0;
	}
	if (strstr(cr_error_last(), what) == NULL)
		fail_msg("'%s' not in '%s'", what, cr_error_last());
	return 1;
}

static void
test_env_refused(void **state)
{
	const char *twice[] = {"A=1", "B=2", "A=3", NULL};
	const char *argv[] = {"true", NULL};
	struct cr_sandbox_opts o;
	char **env;
	char *dir = scratch_mkdtemp("cr-sandbox");
	int st;

	(void)state;
	assert_true(env_refused("HOME=/root", 0, "HOME: fixed by the sandbox"));
	assert_true(env_refused("TZ=Europe/Paris", 0, "TZ: fixed"));
	assert_true(env_refused("LC_ALL=fr_FR.UTF-8", 0, "LC_ALL: fixed"));
	assert_true(env_refused("SOURCE_DATE_EPOCH=1", 0, "fixed"));
	assert_true(env_refused("1ABC=x", 0, "bad variable name"));
	assert_true(env_refused("A-B=x", 0, "bad variable name"));
	assert_true(env_refused("=x", 0, "bad variable name"));
	assert_true(env_refused("NOEQUALS", 0, "not NAME=VALUE"));
	assert_false(env_refused("LD_PRELOAD=/x.so", 0, ""));
	assert_false(env_refused("PATH=/opt/bin", 0, ""));
	if (env_refused("FAKETIME=+1d", 1, "")) {
		/* Either fixed, or libfaketime is missing: both refuse. */
		assert_true(strstr(cr_error_last(), "FAKETIME: fixed") ||
			    strstr(cr_error_last(), "needs libfaketime"));
	} else {
		fail_msg("FAKETIME accepted with fake_clock");
	}
	/* What libfaketime reads besides FAKETIME*, refused the same. */
	{
		static const char *const lf[] = {
			"NO_FAKE_STAT=0",    "FAKE_UTIME=1",
			"FAKERANDOM_SEED=1", "DONT_FAKE_MONOTONIC=1",
			"LD_PRELOAD=/x.so",
		};
		size_t i;

		for (i = 0; i < sizeof(lf) / sizeof(lf[0]); i++) {
			if (!env_refused(lf[i], 1, ""))
				fail_msg("%s accepted with fake_clock", lf[i]);
			assert_true(
				strstr(cr_error_last(), ": fixed") ||
				strstr(cr_error_last(), "needs libfaketime"));
			/* Without fake_clock they mean nothing: passed. */
			if (strncmp(lf[i], "LD_", 3) != 0)
				assert_false(env_refused(lf[i], 0, ""));
		}
	}
	cr_sandbox_opts_init(&o);
	o.env = twice;
	assert_int_equal(cr_sandbox_env(&env, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "--env A: given twice"));
	o.source_date_epoch = -1;
	o.env = NULL;
	assert_int_equal(cr_sandbox_env(&env, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "out of range"));

	/* cr_sandbox_run refuses the same before making anything. */
	opts_for(&o, dir, argv, -1);
	o.env = twice;
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "given twice"));
	scratch_rmtree(dir);
}

static void
test_umask(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), path[PATH_MAX];
	struct stat st;
	mode_t old;

	(void)state;
	old = umask(077);
	assert_int_equal(run_sh(dir, "umask > u; echo x > f; mkdir d"), 0);
	umask(old);
	assert_file(dir, "u", "0022\n");
	snprintf(path, sizeof(path), "%s/f", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	snprintf(path, sizeof(path), "%s/d", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	scratch_rmtree(dir);
}

static int
have_bash(void)
{
	return access("/bin/bash", X_OK) == 0;
}

static void
test_no_network(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), script[512], probe[128],
	     *dev;
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int ls, st, conn = 0;
	pid_t pid;

	(void)state;
	if (!have_bash()) {
		scratch_rmtree(dir);
		skip();
	}
	ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(ls >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 8), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &len), 0);
	snprintf(probe, sizeof(probe), "(exec 3<>/dev/tcp/127.0.0.1/%d)",
		 ntohs(sa.sin_port));

	/* The same probe from the host connects: the check can fail. */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 1);
		dup2(null, 2);
		execl("/bin/bash", "bash", "-c", probe, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	snprintf(script, sizeof(script),
		 "if %s 2> err; then echo connected; else echo refused; fi "
		 "> result; cat /proc/net/dev > dev",
		 probe);
	{
		const char *argv[] = {"bash", "-c", script, NULL};
		struct cr_sandbox_opts o;

		opts_for(&o, dir, argv, -1);
		assert_int_equal(cr_sandbox_run(&st, &o), CR_OK);
		assert_int_equal(st, 0);
	}
	assert_file(dir, "result", "refused\n");
	{
		char *e = slurp(dir, "err");

		assert_non_null(e);
		assert_non_null(strstr(e, "Network is unreachable"));
		free(e);
	}
	/* Only a loopback interface, and it is down (no traffic possible). */
	dev = slurp(dir, "dev");
	assert_non_null(dev);
	assert_int_equal(count_lines(dev), 3);
	assert_non_null(strstr(dev, "lo:"));
	free(dev);
	{
		int fl = fcntl(ls, F_GETFL);
		int c;

		fcntl(ls, F_SETFL, fl | O_NONBLOCK);
		while ((c = accept(ls, NULL, NULL)) >= 0) {
			conn++;
			close(c);
		}
	}
	assert_int_equal(conn, 1); /* the host probe only */
	close(ls);
	scratch_rmtree(dir);
}

static void
test_pid_namespace(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), *pids, *s, *status;
	long n, max = 0, count = 0;

	(void)state;
	assert_int_equal(run_sh(dir, "echo $$ > pid; cat /proc/1/comm > comm; "
				     "ls /proc | grep '^[0-9]' > pids; "
				     "cat /proc/self/status > status"),
			 0);
	assert_file(dir, "pid", "2\n");
	assert_file(dir, "comm", "cleanroom-init\n");
	pids = slurp(dir, "pids");
	assert_non_null(pids);
	for (s = pids; *s; s++) {
		n = strtol(s, &s, 10);
		if (n > max)
			max = n;
		count++;
		if (*s == '\0')
			break;
	}
	/* init, sh, ls, grep: the host's processes are not there. */
	assert_true(count >= 2 && count <= 5);
	assert_true(max <= 10);
	free(pids);
	/* No capabilities, no way to gain any. */
	status = slurp(dir, "status");
	assert_non_null(status);
	assert_non_null(strstr(status, "CapEff:\t0000000000000000"));
	assert_non_null(strstr(status, "CapBnd:\t0000000000000000"));
	assert_non_null(strstr(status, "NoNewPrivs:\t1"));
	free(status);
	scratch_rmtree(dir);
}

static void
test_daemons_die(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), script[256], marker[64],
	     path[300];
	char *cmd;
	size_t len;
	time_t t0 = time(NULL);
	struct dirent *de;
	DIR *proc;
	int found = 0;

	(void)state;
	snprintf(marker, sizeof(marker), "3000.%d", (int)getpid());
	snprintf(script, sizeof(script),
		 "(setsid sleep %s > /dev/null 2>&1 &); sleep %s > /dev/null "
		 "2>&1 & echo started > s",
		 marker, marker);
	assert_int_equal(run_sh(dir, script), 0);
	assert_file(dir, "s", "started\n");
	assert_true(time(NULL) - t0 < 30);
	/* No process of the build survives on the host. */
	proc = opendir("/proc");
	assert_non_null(proc);
	while ((de = readdir(proc)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if (cr_read_file(&cmd, &len, path, 65536) < 0)
			continue;
		if (len > 6 && strcmp(cmd, "sleep") == 0 &&
		    strcmp(cmd + 6, marker) == 0)
			found++;
		free(cmd);
	}
	closedir(proc);
	assert_int_equal(found, 0);
	scratch_rmtree(dir);
}

static void
test_log(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"),
	     *logdir = scratch_mkdtemp("cr-sandbox"), path[PATH_MAX];
	const char *argv[] = {"sh", "-c",
			      "echo to-out; echo to-err >&2; echo more-out",
			      NULL};
	struct cr_sandbox_opts o;
	int fd, fd2, st;

	(void)state;
	snprintf(path, sizeof(path), "%s/log", logdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0);
	opts_for(&o, dir, argv, fd);
	assert_int_equal(cr_sandbox_run(&st, &o), CR_OK);
	close(fd);
	assert_int_equal(st, 0);
	assert_file(logdir, "log", "to-out\nto-err\nmore-out\n");

	/* stdout apart from the log. */
	snprintf(path, sizeof(path), "%s/log2", logdir);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	snprintf(path, sizeof(path), "%s/out2", logdir);
	fd2 = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	assert_true(fd >= 0 && fd2 >= 0);
	opts_for(&o, dir, argv, fd);
	o.stdout_fd = fd2;
	assert_int_equal(cr_sandbox_run(&st, &o), CR_OK);
	close(fd);
	close(fd2);
	assert_file(logdir, "log2", "to-err\n");
	assert_file(logdir, "out2", "to-out\nmore-out\n");

	/* Only the build's 0, 1 and 2 are open (ls's own dir fd aside). */
	assert_int_equal(run_sh(dir, "ls /proc/self/fd > fds"), 0);
	assert_file(dir, "fds", "0\n1\n2\n3\n");
	scratch_rmtree(dir);
	scratch_rmtree(logdir);
}

static void
test_fake_clock(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), *lib = NULL, *s;
	struct cr_sandbox_opts o;
	long long now;

	(void)state;
	if (cr_sandbox_faketime_path(&lib, NULL) != CR_OK) {
		print_message("libfaketime is not installed (apt-get install "
			      "faketime): %s\n",
			      cr_error_last());
		scratch_rmtree(dir);
		skip();
	}
	free(lib);
	opts_for(&o, dir, NULL, -1);
	o.source_date_epoch = 1234567890;
	o.fake_clock = 1;
	assert_int_equal(run_sh_opts(dir,
				     "date +%s > t1; sleep 1.1; date +%s > t2; "
				     "date -u +%FT%TZ > iso",
				     &o),
			 0);
	assert_file(dir, "t1", "1234567890\n");
	assert_file(dir, "t2", "1234567890\n");
	assert_file(dir, "iso", "2009-02-13T23:31:30Z\n");

	/*
	 * File times stay real (issue 11): tar -h stat()s what it archives,
	 * and libfaketime would shift the mtime by the clock's offset.
	 */
	{
		struct timespec ts[2] = {{1234567890, 0}, {1234567890, 0}};
		char path[PATH_MAX], hdr[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/f", dir);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
		assert_int_equal(run_sh_opts(dir, "tar chof t.tar f", &o), 0);
		snprintf(path, sizeof(path), "%s/t.tar", dir);
		f = fopen(path, "rb");
		assert_non_null(f);
		assert_int_equal(fread(hdr, 1, sizeof(hdr), f), sizeof(hdr));
		fclose(f);
		assert_int_equal(strtoll(hdr + 136, NULL, 8), 1234567890);
	}

	/* Without it the clock is the real one: the check can fail. */
	o.fake_clock = 0;
	assert_int_equal(run_sh_opts(dir, "date +%s > t3", &o), 0);
	s = slurp(dir, "t3");
	assert_non_null(s);
	now = strtoll(s, NULL, 10);
	assert_true(llabs(now - (long long)time(NULL)) < 3600);
	free(s);
	scratch_rmtree(dir);
}

static void
test_fake_clock_missing(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"),
	     *root = scratch_mkdtemp("cr-sandbox");
	const char *argv[] = {"true", NULL};
	struct cr_sandbox_opts o;
	int st;

	(void)state;
	/* A root without libfaketime. */
	opts_for(&o, dir, argv, -1);
	o.root = root;
	o.fake_clock = 1;
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_string_equal(cr_error_last(), "--fake-clock needs libfaketime "
					     "(apt-get install libfaketime)");
	scratch_rmtree(dir);
	scratch_rmtree(root);
}

/*
 * Runs in the re-executed test binary as an ordinary user: one build that
 * writes facts into dir. Exit 0 on success, else a message on stderr.
 */
static int
unprivileged_child(const char *dir)
{
	const char *argv[] = {
		"sh", "-c",
		"id -u > uid; cat /proc/self/uid_map > map; "
		"touch made; uname -n > h; touch /usr/x 2> /dev/null; "
		"echo $? > rc-usr",
		NULL};
	struct cr_sandbox_opts o;
	int st;

	opts_for(&o, dir, argv, -1);
	if (cr_sandbox_run(&st, &o) != CR_OK) {
		fprintf(stderr, "unprivileged sandbox: %s\n", cr_error_last());
		return 1;
	}
	if (st != 0) {
		fprintf(stderr, "unprivileged sandbox: status %d\n", st);
		return 1;
	}
	return 0;
}

static void
test_unprivileged(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), path[PATH_MAX], *map;
	uid_t want = getuid() == 0 ? 65534 : getuid();
	struct stat st;
	int status, exe;
	pid_t pid;

	(void)state;
	if (getuid() == 0) {
		/* Re-exec this binary as nobody, with no groups. */
		assert_int_equal(chmod(dir, 0777), 0);
		exe = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
		assert_true(exe >= 0);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			char *args[] = {"test_sandbox", "--unprivileged", dir,
					NULL};

			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 ||
			    setuid(65534) < 0)
				_exit(3);
			if (setuid(0) == 0)
				_exit(4); /* not really dropped */
			fexecve(exe, args, environ);
			_exit(5);
		}
		close(exe);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	} else {
		assert_int_equal(unprivileged_child(dir), 0);
	}
	assert_file(dir, "uid", "0\n");
	assert_file(dir, "h", CR_SANDBOX_HOSTNAME "\n");
	assert_file(dir, "rc-usr", "1\n");
	map = slurp(dir, "map");
	assert_non_null(map);
	snprintf(path, sizeof(path), "%u", (unsigned int)want);
	assert_non_null(strstr(map, path));
	free(map);
	/* The build's files belong to the caller on the host. */
	snprintf(path, sizeof(path), "%s/made", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_uid, want);
	scratch_rmtree(dir);
}

/* In a child: makes namespaces unavailable, runs a sandbox, reports. */
static void
child_without_namespaces(int how, int fd)
{
	const char *argv[] = {"true", NULL};
	struct cr_sandbox_opts o;
	char msg[1100];
	int st, err;

	if (how == 0) {
		/* user.max_user_namespaces = 0, in a user namespace of ours. */
		char map[64];
		int f;
		uid_t uid = geteuid();
		gid_t gid = getegid();

		if (unshare(CLONE_NEWUSER) < 0)
			_exit(10);
		f = open("/proc/self/setgroups", O_WRONLY);
		if (f >= 0) {
			(void)!write(f, "deny", 4);
			close(f);
		}
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)uid);
		f = open("/proc/self/uid_map", O_WRONLY);
		if (f < 0 || write(f, map, strlen(map)) < 0)
			_exit(11);
		close(f);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned int)gid);
		f = open("/proc/self/gid_map", O_WRONLY);
		if (f < 0 || write(f, map, strlen(map)) < 0)
			_exit(12);
		close(f);
		f = open("/proc/sys/user/max_user_namespaces", O_WRONLY);
		if (f < 0 || write(f, "0", 1) != 1)
			_exit(13);
		close(f);
	} else {
#if defined(__x86_64__) || defined(__aarch64__)
		/* A seccomp filter like a container's: no new user ns. */
		struct sock_filter filter[] =
		{ BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			   offsetof(struct seccomp_data, arch)),
#if defined(__x86_64__)
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
#else
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_AARCH64, 1, 0),
#endif
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		  BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			   offsetof(struct seccomp_data, nr)),
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 1, 0),
		  BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 0, 3),
		  BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			   offsetof(struct seccomp_data, args[0])),
		  BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		  BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = {CR_ARRAY_SIZE(filter), filter};

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
		    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
			_exit(14);
#else
		_exit(20);
#endif
	}
	opts_for(&o, "/", argv, -1);
	err = cr_sandbox_run(&st, &o);
	snprintf(msg, sizeof(msg), "%d %s", err, cr_error_last());
	(void)!write(fd, msg, strlen(msg));
	_exit(0);
}

static void
check_without_namespaces(int how, const char *want)
{
	char buf[1200];
	int p[2], st;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_without_namespaces(how, p[1]);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) == 20) {
		print_message("no seccomp filter for this architecture\n");
		return;
	}
	assert_int_equal(WEXITSTATUS(st), 0);
	assert_true(n > 0);
	buf[n] = '\0';
	if (strncmp(buf, "-1 ", 3) != 0 || strstr(buf, want) == NULL)
		fail_msg("got '%s', want CR_ERROR and '%s'", buf, want);
}

static void
test_no_namespaces(void **state)
{
	(void)state;
	check_without_namespaces(0,
				 "cannot create user namespace: No space left "
				 "on device (is user.max_user_namespaces 0");
	check_without_namespaces(1,
				 "cannot create user namespace: Operation not "
				 "permitted (unprivileged user namespaces are "
				 "disabled");
	/* The other hints, straight from the message function. */
	assert_int_equal(cr_sandbox_ns_error("network", ENOSPC), CR_ERROR);
	assert_string_equal(cr_error_last(),
			    "cannot create network namespace: No space left on "
			    "device (is user.max_net_namespaces 0, or its "
			    "limit reached?)");
	assert_int_equal(cr_sandbox_ns_error("pid", EINVAL), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "CONFIG_USER_NS"));
}

static void
test_timeout(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox");
	/* Sleeps of a length unique to this run: no other process has it. */
	int n = 300000 + (int)(getpid() % 100000);
	char script[64], check[128];
	const char *argv[] = {"sh", "-c", script, NULL};
	struct cr_sandbox_opts o;
	time_t t0 = time(NULL);
	int st;

	snprintf(script, sizeof(script), "sleep %d & sleep %d", n, n + 1);
	snprintf(check, sizeof(check), "pgrep -fx 'sleep (%d|%d)' >/dev/null",
		 n, n + 1);

	(void)state;
	opts_for(&o, dir, argv, -1);
	o.timeout = 1;
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "timed out after 1 s"));
	assert_int_equal(st, CR_SANDBOX_TIMED_OUT);
	assert_true(time(NULL) - t0 < 10);
	/* Killing the init killed every process of the namespace. */
	assert_int_not_equal(system(check), 0);
	scratch_rmtree(dir);
}

/* The host's root shows only what builds need; its secrets are covered. */
static void
test_host_dirs_only(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox");
	struct cr_sandbox_opts o;

	(void)state;
	assert_int_equal(
		run_sh(dir,
		       "for d in /home /root /srv /mnt /media /var/lib "
		       "/var/log /etc/ssh/ssh_config; do "
		       "[ -e $d ] && exit 1; done; "
		       "[ -z \"$(ls -A /sys)\" ] || exit 2; "
		       "[ -d /var/tmp ] && : >/var/tmp/x || exit 3; "
		       "[ -s /etc/shadow ] && exit 4; "
		       "[ -s /etc/machine-id ] && exit 5; "
		       "[ -x /usr/bin/env ] && [ -s /etc/passwd ] || exit 6"),
		0);
	/* "/" given as the root is the host's all the same. */
	opts_for(&o, dir, NULL, -1);
	o.root = "/";
	assert_int_equal(run_sh_opts(dir,
				     "[ -e /srv ] || [ -e /root ] || "
				     "[ -e /var/lib ] && exit 1; "
				     "[ -s /etc/shadow ] && exit 2; exit 0",
				     &o),
			 0);
	scratch_rmtree(dir);
}

/*
 * Run inside the sandbox (a copy of this program): each denied call must
 * fail with EPERM (clone3 with ENOSYS), each allowed one work; the exit
 * status is the number of the first that did not.
 */
static int
probe_seccomp(void)
{
	long r;

	errno = 0;
	if ((r = syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0)) >= 0 ||
	    errno != EPERM)
		return 1;
	if (syscall(SYS_add_key, "user", "planted", "x", 1, -3) >= 0 ||
	    errno != EPERM)
		return 2;
	if (unshare(CLONE_NEWUSER) == 0 || errno != EPERM)
		return 3;
	if (unshare(CLONE_NEWNS) == 0 || errno != EPERM)
		return 4;
	if (unshare(CLONE_FILES) != 0)
		return 5;
#ifdef SYS_clone3
	if (syscall(SYS_clone3, NULL, 0) >= 0 || errno != ENOSYS)
		return 6;
#endif
	if (syscall(SYS_bpf, 0, NULL, 0) >= 0 || errno != EPERM)
		return 7;
	if (syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0) >= 0 ||
	    errno != EPERM)
		return 8;
#ifdef SYS_io_uring_setup
	if (syscall(SYS_io_uring_setup, 1, NULL) >= 0 || errno != EPERM)
		return 9;
#endif
	if (syscall(SYS_userfaultfd, 0) >= 0 || errno != EPERM)
		return 10;
	if (syscall(SYS_ioctl, 0, 0x5412 /* TIOCSTI */, "x") >= 0 ||
	    errno != EPERM)
		return 11;
	if (syscall(SYS_open_tree, AT_FDCWD, "/", 1) >= 0 || errno != EPERM)
		return 12;
	if (getpid() <= 0)
		return 13;
	return 0;
}

static void
test_seccomp(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), path[PATH_MAX];
	const char *argv[] = {"./probe", "--probe-seccomp", NULL};
	struct cr_sandbox_opts o;
	int in, out, st = -1;
	char buf[65536];
	ssize_t n;

	(void)state;
	/* This program, copied into the build directory. */
	snprintf(path, sizeof(path), "%s/probe", dir);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	out = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	assert_true(in >= 0 && out >= 0);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		assert_int_equal(write(out, buf, (size_t)n), n);
	close(in);
	close(out);
	opts_for(&o, dir, argv, -1);
	if (cr_sandbox_run(&st, &o) != CR_OK)
		fail_msg("cr_sandbox_run: %s", cr_error_last());
	assert_int_equal(st, 0);
	scratch_rmtree(dir);
}

static void
test_bad_options(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), file[PATH_MAX];
	const char *argv[] = {"true", NULL}, *none[] = {NULL};
	const char *missing[] = {"cr-no-such-tool-xyz", NULL};
	static const struct {
		const char *bp, *msg;
	} paths[] = {
		{"relative/src", "not an absolute path"},
		{"/", "not an absolute path"},
		{"/build/src/", "not an absolute path"},
		{"/a//b", "not normalised"},
		{"/a/../b", "not normalised"},
		{"/a/./b", "not normalised"},
		{"/tmp/src", "/tmp belongs to the sandbox"},
		{"/proc/x", "/proc belongs to the sandbox"},
		{"/build/home/x", "overlaps HOME"},
		{"/build", "overlaps HOME"},
	};
	struct cr_sandbox_opts o;
	size_t i;
	int st;

	(void)state;
	opts_for(&o, dir, none, -1);
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_string_equal(cr_error_last(), "sandbox: no command to run");

	opts_for(&o, "/nonexistent/cr-src", argv, -1);
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_string_equal(cr_error_last(), "source directory "
					     "/nonexistent/cr-src: No such "
					     "file or directory");
	snprintf(file, sizeof(file), "%s/f", dir);
	put_file(dir, "f", "x");
	opts_for(&o, file, argv, -1);
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "not a directory"));

	for (i = 0; i < CR_ARRAY_SIZE(paths); i++) {
		opts_for(&o, dir, argv, -1);
		o.build_path = paths[i].bp;
		assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
		if (strstr(cr_error_last(), paths[i].msg) == NULL)
			fail_msg("%s: got '%s'", paths[i].bp, cr_error_last());
	}
	opts_for(&o, dir, argv, -1);
	o.hostname = "bad host";
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "bad character"));
	opts_for(&o, dir, argv, 987);
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_non_null(strstr(cr_error_last(), "log descriptor 987"));

	/* A command that does not exist inside is an error, not a status. */
	opts_for(&o, dir, missing, -1);
	assert_int_equal(cr_sandbox_run(&st, &o), CR_ERROR);
	assert_string_equal(cr_error_last(),
			    "sandbox: cannot run cr-no-such-tool-xyz in the "
			    "sandbox: No such file or directory");
	assert_int_equal(st, CR_SANDBOX_NOT_RUN);
	scratch_rmtree(dir);
}

/* A tiny root filesystem: /bin/sh, the libraries it needs, /escape, /marker. */
static char *
make_mini_root(void)
{
	char *root = scratch_mini_root("cr-sandbox"), line[PATH_MAX + 64];

	snprintf(line, sizeof(line), "%s/escape", root);
	assert_int_equal(symlink("/../../../../etc", line), 0);
	put_file(root, "marker", "mini root\n");
	return root;
}

static void
test_root_dir(void **state)
{
	char *dir = scratch_mkdtemp("cr-sandbox"), *root = make_mini_root(),
	     *ls;
	const char *argv[] = {
		"/bin/sh", "-c",
		"echo /* > " CR_SANDBOX_BUILD_PATH "/ls; "
		"read m < /marker; echo \"$m\" > " CR_SANDBOX_BUILD_PATH "/m; "
		"test -e /escape/passwd; echo $? > " CR_SANDBOX_BUILD_PATH
		"/esc; echo > /marker; echo $? > " CR_SANDBOX_BUILD_PATH "/rw",
		NULL};
	struct cr_sandbox_opts o;
	int st;

	(void)state;
	opts_for(&o, dir, argv, -1);
	o.root = root;
	assert_int_equal(cr_sandbox_run(&st, &o), CR_OK);
	assert_int_equal(st, 0);
	assert_file(dir, "m", "mini root\n");
	assert_file(dir, "esc", "1\n"); /* the host's /etc is not reachable */
	assert_file(dir, "rw", "2\n");	/* the given root is read-only too */
	ls = slurp(dir, "ls");
	assert_non_null(ls);
	assert_non_null(strstr(ls, "/marker"));
	assert_non_null(strstr(ls, "/build"));
	assert_non_null(strstr(ls, "/proc"));
	assert_null(strstr(ls, "/etc"));
	assert_null(strstr(ls, "/var"));
	free(ls);
	assert_file(root, "marker", "mini root\n");
	scratch_rmtree(dir);
	scratch_rmtree(root);
}

static void
resolve_case(int rootfd, const char *path, unsigned int flags, int want_err,
	     const char *want_path, const char *want_content)
{
	char *real = NULL, buf[64];
	ssize_t n;
	int fd, err;

	err = cr_sandbox_open(&fd, &real, rootfd, path, O_RDONLY, flags);
	if (err != want_err)
		fail_msg("%s (flags %u): got %d (%s), want %d", path, flags,
			 err, cr_error_last(), want_err);
	if (err != CR_OK)
		return;
	assert_string_equal(real, want_path);
	if (want_content != NULL) {
		n = read(fd, buf, sizeof(buf) - 1);
		assert_true(n >= 0);
		buf[n] = '\0';
		assert_string_equal(buf, want_content);
	}
	close(fd);
	free(real);
}

static void
test_resolve_in_root(void **state)
{
	char *root = scratch_mkdtemp("cr-sandbox"), p[PATH_MAX];
	unsigned int flags;
	int rootfd;

	(void)state;
	snprintf(p, sizeof(p), "%s/usr", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/usr/bin", root);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/etc", root);
	mkdir(p, 0755);
	put_file(root, "usr/bin/tool", "tool\n");
	put_file(root, "etc/passwd", "inner\n");
	snprintf(p, sizeof(p), "%s/bin", root);
	assert_int_equal(symlink("usr/bin", p), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/abs", root);
	assert_int_equal(symlink("/bin/tool", p), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/up", root);
	assert_int_equal(symlink("../../../../../../etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/usr/bin/absetc", root);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	snprintf(p, sizeof(p), "%s/loop", root);
	assert_int_equal(symlink("loop", p), 0);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(rootfd >= 0);

	for (flags = 0; flags <= CR_RESOLVE_MANUAL;
	     flags += CR_RESOLVE_MANUAL) {
		resolve_case(rootfd, "/usr/bin/tool", flags, CR_OK,
			     "/usr/bin/tool", "tool\n");
		resolve_case(rootfd, "/bin/tool", flags, CR_OK, "/usr/bin/tool",
			     "tool\n");
		resolve_case(rootfd, "bin/abs", flags, CR_OK, "/usr/bin/tool",
			     "tool\n");
		resolve_case(rootfd, "/bin/up", flags, CR_OK, "/etc/passwd",
			     "inner\n");
		resolve_case(rootfd, "/bin/absetc", flags, CR_OK, "/etc/passwd",
			     "inner\n");
		resolve_case(rootfd, "/../../etc/passwd", flags, CR_OK,
			     "/etc/passwd", "inner\n");
		resolve_case(rootfd, "/usr/./bin/../bin/tool", flags, CR_OK,
			     "/usr/bin/tool", "tool\n");
		resolve_case(rootfd, "/bin/", flags, CR_OK, "/usr/bin", NULL);
		resolve_case(rootfd, "/", flags, CR_OK, "/", NULL);
		resolve_case(rootfd, "/usr/bin/none", flags, CR_EFAIL, NULL,
			     NULL);
		resolve_case(rootfd, "/usr/bin/tool/x", flags, CR_EFAIL, NULL,
			     NULL);
		resolve_case(rootfd, "/loop", flags, CR_ERROR, NULL, NULL);
	}
	close(rootfd);
	scratch_rmtree(root);
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_status),
		cmocka_unit_test(test_source_at_build_path),
		cmocka_unit_test(test_root_read_only),
		cmocka_unit_test(test_tmp_home_private),
		cmocka_unit_test(test_hostname),
		cmocka_unit_test(test_env_exact),
		cmocka_unit_test(test_env_refused),
		cmocka_unit_test(test_umask),
		cmocka_unit_test(test_no_network),
		cmocka_unit_test(test_pid_namespace),
		cmocka_unit_test(test_daemons_die),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_fake_clock),
		cmocka_unit_test(test_fake_clock_missing),
		cmocka_unit_test(test_unprivileged),
		cmocka_unit_test(test_no_namespaces),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_host_dirs_only),
		cmocka_unit_test(test_seccomp),
		cmocka_unit_test(test_bad_options),
		cmocka_unit_test(test_root_dir),
		cmocka_unit_test(test_resolve_in_root),
	};

	if (argc == 2 && strcmp(argv[1], "--probe-seccomp") == 0)
		return probe_seccomp();
	if (argc == 3 && strcmp(argv[1], "--unprivileged") == 0)
		return unprivileged_child(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
