/*
 * git itself, run as the reviewer's tool (git_child.h): spawned with a bare
 * environment, read with a bound on its silence, and its own reading of
 * every object of a hashed tree checked against the ids.
 */
#include "git_child.h"
#include "error.h"
#include "sha256.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

int
cr_git_spawn(pid_t *pid, int *out_fd, int in_fd, const char *repo,
	     const char *gitdir, const char *const *args, int both)
{
	char arg[4096 + 16], pathvar[4096];
	char *argv[9] = {"git", arg};
	/*
	 * No transport at all: a missing object is never fetched (a partial
	 * clone's promisor remote would run the repository's commands).
	 */
	char *envp[] = {pathvar,
			"GIT_CONFIG_NOSYSTEM=1",
			"GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_NO_LAZY_FETCH=1",
			"GIT_ALLOW_PROTOCOL=none",
			"GIT_TERMINAL_PROMPT=0",
			"LC_ALL=C",
			NULL};
	const char *path = getenv("PATH");
	posix_spawn_file_actions_t fa;
	size_t i;
	int fds[2] = {-1, -1}, rc, err = CR_OK;

	*pid = -1;
	*out_fd = -1;
	for (i = 0; args[i] != NULL && i < 6; i++)
		argv[2 + i] = (char *)args[i];
	argv[2 + i] = NULL;
	if (snprintf(arg, sizeof(arg), "--git-dir=%s", gitdir) >=
	    (int)sizeof(arg))
		return cr_error_set("%s: git directory path too long", repo);
	snprintf(pathvar, sizeof(pathvar), "PATH=%s",
		 path != NULL && *path != '\0' ? path : "/usr/bin:/bin");
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cr_error_errno("%s: pipe", repo);
	if (posix_spawn_file_actions_init(&fa) != 0) {
		err = cr_error_set("%s: out of memory", repo);
		goto done;
	}
	if (posix_spawn_file_actions_adddup2(&fa, fds[1], 1) != 0 ||
	    (in_fd >= 0 ? posix_spawn_file_actions_adddup2(&fa, in_fd, 0)
			: posix_spawn_file_actions_addopen(&fa, 0, "/dev/null",
							   O_RDONLY, 0)) != 0 ||
	    (both ? posix_spawn_file_actions_adddup2(&fa, fds[1], 2)
		  : posix_spawn_file_actions_addopen(&fa, 2, "/dev/null",
						     O_WRONLY, 0)) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		err = cr_error_set("%s: out of memory", repo);
		goto done;
	}
	/* glibc reports an exec failure (no git) here, as ENOENT. */
	rc = posix_spawnp(pid, "git", &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		*pid = -1;
		if (rc != ENOENT)
			err = cr_error_set("%s: cannot run git: %s", repo,
					   strerror(rc));
		goto done;
	}
	*out_fd = fds[0];
	fds[0] = -1;
done:
	if (fds[0] >= 0)
		close(fds[0]);
	close(fds[1]);
	return err;
}

/* Longest header line read: "<40 hex> commit <20 digits>". */
#define BATCH_HEAD_MAX 128

struct cr_git_batch {
	const char *repo;
	char gitdir[4096];
	git_oid *ids;
	size_t n;
	pthread_t tid;
	atomic_int stop;
	int err; /* the thread's verdict, read after the join */
	char msg[1024];
};

/* The answer being parsed: a header line, then its bytes, then '\n'. */
struct answer {
	size_t k; /* the object asked for */
	enum { HEAD, BODY, END } state;
	char head[BATCH_HEAD_MAX + 1];
	size_t hlen;
	uint64_t left;
	EVP_MD *sha1;
	EVP_MD_CTX *md;
};

static int
batch_fail(const struct cr_git_batch *b, const struct answer *a,
	   const char *why)
{
	char hex[GIT_OID_HEXSZ + 1];

	git_oid_tostr(hex, sizeof(hex), &b->ids[a->k]);
	return cr_error_set("%s: object %s: %s ('git cat-file --batch'); "
			    "refusing",
			    b->repo, hex, why);
}

/* A whole header line: "<hex> <type> <size>", the id the one asked for. */
static int
take_head(const struct cr_git_batch *b, struct answer *a)
{
	char hex[GIT_OID_HEXSZ + 1], head[64], *type, *size, *end;
	unsigned long long v;
	int n;

	a->head[a->hlen] = '\0';
	git_oid_tostr(hex, sizeof(hex), &b->ids[a->k]);
	if (strncmp(a->head, hex, GIT_OID_HEXSZ) != 0 ||
	    a->head[GIT_OID_HEXSZ] != ' ')
		return batch_fail(b, a, "git answered for another object");
	type = a->head + GIT_OID_HEXSZ + 1;
	if (strcmp(type, "missing") == 0)
		return batch_fail(b, a,
				  "git cannot read it, though libgit2 "
				  "can: a reviewer's git would not show it");
	if ((size = strchr(type, ' ')) == NULL)
		return batch_fail(b, a, "a malformed answer from git");
	*size++ = '\0';
	if ((strcmp(type, "commit") != 0 && strcmp(type, "tree") != 0 &&
	     strcmp(type, "blob") != 0 && strcmp(type, "tag") != 0) ||
	    *size < '0' || *size > '9' || (size[0] == '0' && size[1] != '\0'))
		return batch_fail(b, a, "a malformed answer from git");
	errno = 0;
	v = strtoull(size, &end, 10);
	if (errno != 0 || *end != '\0')
		return batch_fail(b, a, "a malformed answer from git");
	n = snprintf(head, sizeof(head), "%s %llu", type, v);
	if (EVP_DigestInit_ex2(a->md, a->sha1, NULL) != 1 ||
	    EVP_DigestUpdate(a->md, head, (size_t)n + 1) != 1)
		return cr_error_openssl("%s: SHA-1", b->repo);
	a->left = v;
	a->state = BODY;
	return CR_OK;
}

/* The object's bytes have all come: they must hash to its id. */
static int
take_end(const struct cr_git_batch *b, struct answer *a)
{
	unsigned char got[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_DigestFinal_ex(a->md, got, &len) != 1 || len != GIT_OID_RAWSZ)
		return cr_error_openssl("%s: SHA-1", b->repo);
	if (memcmp(got, b->ids[a->k].id, GIT_OID_RAWSZ) != 0)
		return batch_fail(b, a,
				  "git reads other bytes than libgit2 (its "
				  "copy does not hash to the id), so a "
				  "reviewer would see other content");
	return CR_OK;
}

/* Feeds len bytes of git's output to the parser. */
static int
feed(const struct cr_git_batch *b, struct answer *a, const char *p, size_t len)
{
	size_t take;
	int err;

	while (len > 0) {
		if (a->k == b->n)
			return cr_error_set("%s: 'git cat-file --batch' wrote "
					    "more than was asked; refusing",
					    b->repo);
		switch (a->state) {
		case HEAD:
			if (*p == '\n') {
				if ((err = take_head(b, a)) < 0)
					return err;
				a->hlen = 0;
			} else if (a->hlen == BATCH_HEAD_MAX) {
				return batch_fail(b, a,
						  "a malformed answer from "
						  "git");
			} else {
				a->head[a->hlen++] = *p;
			}
			p++;
			len--;
			break;
		case BODY:
			take = a->left < len ? (size_t)a->left : len;
			if (take > 0 && EVP_DigestUpdate(a->md, p, take) != 1)
				return cr_error_openssl("%s: SHA-1", b->repo);
			p += take;
			len -= take;
			if ((a->left -= take) == 0)
				a->state = END;
			break;
		case END:
			if (*p != '\n')
				return batch_fail(b, a,
						  "a malformed answer from "
						  "git");
			if ((err = take_end(b, a)) < 0)
				return err;
			p++;
			len--;
			a->k++;
			a->state = HEAD;
			break;
		}
	}
	return CR_OK;
}

static int
answer_init(struct answer *a, const char *repo)
{
	memset(a, 0, sizeof(*a));
	if ((a->md = EVP_MD_CTX_new()) == NULL ||
	    (a->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL)) == NULL)
		return cr_error_openssl("%s: SHA-1", repo);
	return CR_OK;
}

static void
answer_dispose(struct answer *a)
{
	EVP_MD_CTX_free(a->md);
	EVP_MD_free(a->sha1);
}

/* git's output has ended: every object must have been answered. */
static int
answers_end(const struct cr_git_batch *b, const struct answer *a)
{
	if (a->k < b->n || a->state != HEAD || a->hlen != 0)
		return cr_error_set("%s: 'git cat-file --batch' ended after "
				    "%zu of %zu objects; refusing",
				    b->repo, a->k, b->n);
	return CR_OK;
}

/*
 * Reads git's answers from fd to its end, each waited for at most
 * CR_GIT_TIMEOUT_MS; stops early when told.
 */
static int
read_answers(struct cr_git_batch *b, int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct answer a;
	char *buf;
	ssize_t got;
	long silent = 0;
	int rc, err;

	if ((err = answer_init(&a, b->repo)) < 0) {
		answer_dispose(&a);
		return err;
	}
	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL) {
		answer_dispose(&a);
		return cr_error_set("%s: out of memory", b->repo);
	}
	for (;;) {
		if (atomic_load(&b->stop)) {
			err = CR_ERROR;
			break;
		}
		if ((rc = poll(&pfd, 1, 100)) < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s: git cat-file", b->repo);
			break;
		}
		if (rc == 0) {
			if ((silent += 100) >= CR_GIT_TIMEOUT_MS) {
				err = cr_error_set("%s: 'git cat-file --batch' "
						   "wrote nothing for %d s; "
						   "refusing",
						   b->repo,
						   CR_GIT_TIMEOUT_MS / 1000);
				break;
			}
			continue;
		}
		silent = 0;
		if ((got = read(fd, buf, CR_STREAM_CHUNK)) < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s: git cat-file", b->repo);
			break;
		}
		if (got == 0) {
			err = answers_end(b, &a);
			break;
		}
		if ((err = feed(b, &a, buf, (size_t)got)) < 0)
			break;
	}
	answer_dispose(&a);
	free(buf);
	return err;
}

int
cr_git_batch_check(const char *repo, const git_oid *ids, size_t n,
		   const char *buf, size_t len, size_t piece)
{
	struct cr_git_batch b;
	struct answer a;
	size_t take;
	int err;

	memset(&b, 0, sizeof(b));
	b.repo = repo;
	b.ids = (git_oid *)ids;
	b.n = n;
	if (piece == 0)
		piece = 1;
	if ((err = answer_init(&a, repo)) < 0)
		goto done;
	for (; len > 0; buf += take, len -= take) {
		take = len < piece ? len : piece;
		if ((err = feed(&b, &a, buf, take)) < 0)
			goto done;
	}
	err = answers_end(&b, &a);
done:
	answer_dispose(&a);
	return err;
}

/* Writes len bytes of buf to fd (a memory file): 0, or -1 with errno. */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n == 0)
				errno = EIO;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The ids, a line of hex each, in a memory file for git's stdin. */
static int
ids_file(int *out, const struct cr_git_batch *b)
{
	char chunk[1024 * (GIT_OID_HEXSZ + 1)];
	size_t i, len = 0;
	int fd, err = CR_OK;

	*out = -1;
	if ((fd = memfd_create("cleanroom-ids", MFD_CLOEXEC)) < 0)
		return cr_error_errno("%s: memfd_create", b->repo);
	for (i = 0; i < b->n && err == CR_OK; i++) {
		git_oid_fmt(chunk + len, &b->ids[i]);
		chunk[len + GIT_OID_HEXSZ] = '\n';
		len += GIT_OID_HEXSZ + 1;
		if (len == sizeof(chunk) || i + 1 == b->n) {
			if (write_all(fd, chunk, len) < 0)
				err = cr_error_errno("%s: ids", b->repo);
			len = 0;
		}
	}
	if (err == CR_OK && lseek(fd, 0, SEEK_SET) != 0)
		err = cr_error_errno("%s: ids", b->repo);
	if (err < 0) {
		close(fd);
		return err;
	}
	*out = fd;
	return CR_OK;
}

static void *
batch_main(void *arg)
{
	static const char *const args[] = {"cat-file", "--batch", "--buffer",
					   NULL};
	struct cr_git_batch *b = arg;
	pid_t pid = -1;
	int in = -1, out = -1, status, err;

	if ((err = ids_file(&in, b)) < 0 ||
	    (err = cr_git_spawn(&pid, &out, in, b->repo, b->gitdir, args, 0)) <
		    0 ||
	    pid < 0)
		goto done;
	err = read_answers(b, out);
	if (err < 0)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			if (err == CR_OK)
				err = cr_error_errno("%s: git", b->repo);
			goto done;
		}
	if (err == CR_OK && (!WIFEXITED(status) || WEXITSTATUS(status) != 0))
		err = cr_error_set(
			"%s: 'git cat-file --batch' exits %d; "
			"refusing",
			b->repo, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
done:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	b->err = err;
	if (err < 0)
		snprintf(b->msg, sizeof(b->msg), "%s", cr_error_last());
	return NULL;
}

int
cr_git_batch_start(struct cr_git_batch **out, const char *repo,
		   const char *gitdir, git_oid *ids, size_t n)
{
	struct cr_git_batch *b;

	*out = NULL;
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		free(ids);
		return cr_error_set("%s: out of memory", repo);
	}
	b->repo = repo;
	b->ids = ids;
	b->n = n;
	atomic_init(&b->stop, 0);
	if (snprintf(b->gitdir, sizeof(b->gitdir), "%s", gitdir) >=
		    (int)sizeof(b->gitdir) ||
	    pthread_create(&b->tid, NULL, batch_main, b) != 0) {
		free(b->ids);
		free(b);
		return cr_error_set("%s: cannot start git's reading", repo);
	}
	*out = b;
	return CR_OK;
}

int
cr_git_batch_end(struct cr_git_batch *b, int stop)
{
	int err;

	if (b == NULL)
		return CR_OK;
	if (stop)
		atomic_store(&b->stop, 1);
	pthread_join(b->tid, NULL);
	err = b->err;
	if (err < 0 && !stop)
		err = cr_error_set("%s", b->msg);
	free(b->ids);
	free(b);
	return stop ? CR_OK : err;
}
