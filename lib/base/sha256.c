/* SHA-256 through OpenSSL's EVP, streaming, for buffers and descriptors. */
#include "sha256.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>

/*
 * SHA-256 fetched from the default provider once for the process: every
 * blob and tree id starts a digest, and EVP_sha256() would look it up in
 * the provider's store (a lock and a hash lookup) each time.
 */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256;

static void
fetch_md(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

int
cr_sha256_init(struct cr_sha256 *h)
{
	EVP_MD_CTX *ctx;

	h->ctx = NULL;
	pthread_once(&md_once, fetch_md);
	if (md_sha256 == NULL || (ctx = EVP_MD_CTX_new()) == NULL)
		return cr_error_openssl("sha256");
	if (EVP_DigestInit_ex2(ctx, md_sha256, NULL) != 1) {
		EVP_MD_CTX_free(ctx);
		return cr_error_openssl("sha256");
	}
	h->ctx = ctx;
	return CR_OK;
}

int
cr_sha256_update(struct cr_sha256 *h, const void *buf, size_t len)
{
	if (EVP_DigestUpdate(h->ctx, buf, len) != 1)
		return cr_error_openssl("sha256");
	return CR_OK;
}

int
cr_sha256_final(struct cr_sha256 *h, unsigned char out[CR_SHA256_LEN])
{
	unsigned int n = 0;
	int ok;

	ok = EVP_DigestFinal_ex(h->ctx, out, &n) == 1 && n == CR_SHA256_LEN;
	cr_sha256_dispose(h);
	return ok ? CR_OK : cr_error_openssl("sha256");
}

void
cr_sha256_dispose(struct cr_sha256 *h)
{
	EVP_MD_CTX_free(h->ctx);
	h->ctx = NULL;
}

int
cr_sha256_buf(unsigned char out[CR_SHA256_LEN], const void *buf, size_t len)
{
	unsigned int n = 0;

	if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1 ||
	    n != CR_SHA256_LEN)
		return cr_error_openssl("sha256");
	return CR_OK;
}

int
cr_sha256_fd(unsigned char out[CR_SHA256_LEN], uint64_t *size, int fd,
	     const void *prefix, size_t prefix_len, const char *name)
{
	struct cr_sha256 h = {0};
	unsigned char *buf = NULL;
	uint64_t total = 0;
	ssize_t n;
	int err;

	if ((buf = malloc(CR_STREAM_CHUNK)) == NULL)
		return cr_error_set("%s: out of memory", name);
	if ((err = cr_sha256_init(&h)) < 0)
		goto done;
	if (prefix != NULL &&
	    (err = cr_sha256_update(&h, prefix, prefix_len)) < 0)
		goto done;
	for (;;) {
		n = read(fd, buf, CR_STREAM_CHUNK);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = cr_error_errno("%s", name);
			goto done;
		}
		if (n == 0)
			break;
		if ((err = cr_sha256_update(&h, buf, (size_t)n)) < 0)
			goto done;
		total += (uint64_t)n;
	}
	if ((err = cr_sha256_final(&h, out)) < 0)
		goto done;
	if (size != NULL)
		*size = total;
done:
	cr_sha256_dispose(&h);
	free(buf);
	return err;
}

int
cr_sha256_file(unsigned char out[CR_SHA256_LEN], const char *path)
{
	int fd, err;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return cr_error_errno("%s", path);
	err = cr_sha256_fd(out, NULL, fd, NULL, 0, path);
	close(fd);
	return err;
}
