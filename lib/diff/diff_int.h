/* Internals shared by the diff_*.c files: the comparison context and byte engine. */
#ifndef CR_DIFF_INT_H
#define CR_DIFF_INT_H

#include <stdint.h>

#include "diff.h"
#include "error.h"

/* A byte range of a file; a node's bytes are a list of them, concatenated. */
struct span {
	uint64_t off;
	uint64_t len;
};

struct diff_ctx {
	const struct cr_diff_opts *opts;
	unsigned int max_depth;
	uint64_t max_spool, max_unpack;
	uint64_t spooled, unpacked; /* running totals against the caps */
	size_t nodes;		    /* nodes stored in the report */
	const char *tmpdir;
	char host[256]; /* "" when not looked for */
	char user[256];
};

/* Container formats recognised by their first bytes. */
enum fmt {
	FMT_DATA = 0,
	FMT_ELF,
	FMT_TAR,
	FMT_ZIP,
	FMT_AR,
	FMT_CPIO,
	FMT_GZIP,
	FMT_XZ,
	FMT_BZIP2,
	FMT_ZSTD,
};

const char *fmt_name(enum fmt f);

/* A new node named name (copied), status SAME; NULL when out of memory. */
struct cr_diff_node *node_new(struct diff_ctx *c, const char *name,
			      const char *format);
void node_free(struct cr_diff_node *n);

/*
 * Hands child to parent. Past CR_DIFF_MAX_NODES nodes in the report the
 * child is freed and counted in parent->omitted instead.
 */
int node_add_child(struct diff_ctx *c, struct cr_diff_node *parent,
		   struct cr_diff_node *child);
int node_add_meta(struct cr_diff_node *n, const char *field, const char *a,
		  const char *b);
/* Replaces the note (printf-like); returns CR_ERROR only when out of memory. */
int node_note(struct cr_diff_node *n, const char *fmt, ...) CR_PRINTF(2, 3);

/*
 * Compares the concatenation of spans sa in fda with that of sb in fdb:
 * fills n's sizes, differing count, first difference with context and, if
 * scan, the leaks found around differing bytes; sets n->status to CONTENT
 * or SAME. CR_ERROR on a read error (message names what failed).
 */
int diff_spans(struct diff_ctx *c, struct cr_diff_node *n, int fda,
	       const struct span *sa, size_t na, int fdb, const struct span *sb,
	       size_t nb, int scan);

/*
 * Compares whole files fda and fdb into n (name and meta already set),
 * looking into containers while depth < c->max_depth.
 */
int diff_into(struct diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
	      unsigned int depth);

/*
 * Structured comparisons. Each fills n (children, meta, counts, status)
 * and returns CR_OK; CR_EFAIL when the input could not be parsed as that
 * format (a note says why, no child added; the caller falls back to the
 * bytewise answer); CR_ERROR on I/O failure or exhaustion.
 */
int diff_elf(struct diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
	     uint64_t sa, uint64_t sb);
/*
 * Compares the symbols of two ELF files read by libelf into n->syms
 * (capped); CR_ERROR only when out of memory.
 */
typedef struct Elf Elf;
int diff_syms(struct diff_ctx *c, struct cr_diff_node *n, Elf *ea, Elf *eb);
int diff_archive(struct diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
		 unsigned int depth);
int diff_compressed(struct diff_ctx *c, struct cr_diff_node *n, enum fmt f,
		    int fda, int fdb, unsigned int depth);

/* An unlinked temporary file for spooling, opened read-write. */
int spool_open(struct diff_ctx *c, int *fd);

/* pread until len bytes or EOF; returns bytes read or -1 (errno set). */
ssize_t pread_full(int fd, void *buf, size_t len, uint64_t off);

/* Writes all of buf to fd; -1 with errno on failure. */
int write_full(int fd, const void *buf, size_t len);

#endif
