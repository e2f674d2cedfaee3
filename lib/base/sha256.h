/* SHA-256 through OpenSSL's EVP, streaming, for buffers and descriptors. */
#ifndef CR_SHA256_H
#define CR_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define CR_SHA256_LEN 32
#define CR_SHA256_HEXLEN 64

/* Read size used when streaming a file: bounded memory whatever its size. */
#define CR_STREAM_CHUNK (256u * 1024)

struct cr_sha256 {
	void *ctx; /* EVP_MD_CTX */
};

int cr_sha256_init(struct cr_sha256 *h);
int cr_sha256_update(struct cr_sha256 *h, const void *buf, size_t len);
/* Writes the digest and releases h; h may be initialised again. */
int cr_sha256_final(struct cr_sha256 *h, unsigned char out[CR_SHA256_LEN]);
/* Releases h without a digest; safe on a zeroed or released h. */
void cr_sha256_dispose(struct cr_sha256 *h);

int cr_sha256_buf(unsigned char out[CR_SHA256_LEN], const void *buf,
		  size_t len);

/*
 * Hashes everything read from fd until EOF, CR_STREAM_CHUNK at a time; if
 * prefix is not NULL it is hashed first. *size receives the number of bytes
 * read from fd when size is not NULL. name appears in messages only.
 */
int cr_sha256_fd(unsigned char out[CR_SHA256_LEN], uint64_t *size, int fd,
		 const void *prefix, size_t prefix_len, const char *name);

/* SHA-256 of a file's bytes, streamed; messages name path. */
int cr_sha256_file(unsigned char out[CR_SHA256_LEN], const char *path);

#endif
