#include "mapped.h"
#include "error.h"

#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* The window a thread is hashing, and where a fault on it returns to. */
struct guard {
	const char *volatile base;
	volatile size_t len;
	sigjmp_buf env;
};

static _Thread_local struct guard *cur;
static struct sigaction before;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int installed;

/*
 * A fault inside the calling thread's window jumps back to it; any other
 * SIGBUS goes where it went before this handler (or kills, as by default).
 */
static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	struct guard *g = cur;
	const char *a = si != NULL ? (const char *)si->si_addr : NULL;

	if (g != NULL && g->base != NULL && a >= g->base &&
	    a < g->base + g->len)
		siglongjmp(g->env, 1);
	if ((before.sa_flags & SA_SIGINFO) && before.sa_sigaction != NULL) {
		before.sa_sigaction(sig, si, uc);
		return;
	}
	if (before.sa_handler != SIG_DFL && before.sa_handler != SIG_IGN) {
		before.sa_handler(sig);
		return;
	}
	/* Default action: once this handler returns, the fault kills. */
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	installed = sigaction(SIGBUS, &sa, &before) == 0;
}

int
cr_digest_mapped(void *ctx, int fd, uint64_t size, const char *name,
		 int (*each)(void *arg, size_t bytes), void *arg, int *longer,
		 uint64_t *fed)
{
	struct guard g;
	struct stat st;
	volatile uint64_t off = 0;
	volatile int err = CR_OK;
	size_t n;
	char c;
	void *p;

	pthread_once(&once, install);
	if (!installed)
		return cr_error_errno("%s: SIGBUS handler", name);
	g.base = NULL;
	g.len = 0;
	cur = &g;
	/* Restores the signal mask the handler ran with blocked SIGBUS in. */
	if (sigsetjmp(g.env, 1) != 0) {
		munmap((void *)g.base, g.len);
		g.base = NULL;
		cur = NULL;
		*longer = 0;
		return CR_EFAIL;
	}
	while (off < size) {
		n = size - off < CR_MAP_WINDOW ? (size_t)(size - off)
					       : CR_MAP_WINDOW;
		p = mmap(NULL, n, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
			 (off_t)off);
		if (p == MAP_FAILED) {
			/* A file system that cannot map: read the rest. */
			if (errno == EINVAL || errno == ENODEV ||
			    errno == EACCES) {
				err = 1;
				break;
			}
			err = cr_error_errno("%s", name);
			break;
		}
		g.len = n;
		g.base = p;
		if (EVP_DigestUpdate(ctx, p, n) != 1)
			err = cr_error_openssl("%s: sha256", name);
		g.base = NULL;
		munmap(p, n);
		if (err < 0)
			break;
		off += n;
		if (each != NULL && (err = each(arg, n)) < 0)
			break;
	}
	cur = NULL;
	*fed = off;
	if (err != CR_OK)
		return err;
	/* Grown past size, or cut within the last page (read as zeros). */
	if (fstat(fd, &st) < 0)
		return cr_error_errno("%s", name);
	if ((uint64_t)st.st_size != size || pread(fd, &c, 1, (off_t)size) > 0) {
		*longer = (uint64_t)st.st_size >= size;
		return CR_EFAIL;
	}
	return CR_OK;
}
