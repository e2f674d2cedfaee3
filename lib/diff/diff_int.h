/* Internals shared by the diff_*.c files: the comparison context and byte engine. */
#ifndef CR_DIFF_INT_H
#define CR_DIFF_INT_H

#include <stdint.h>

#include "diff.h"
#include "error.h"
#include "util.h"

/* A byte range of a file; a node's bytes are a list of them, concatenated. */
struct cr_diff_span {
	uint64_t off;
	uint64_t len;
};

struct cr_diff_ctx {
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
enum cr_diff_fmt {
	CR_DIFF_FMT_DATA = 0,
	CR_DIFF_FMT_ELF,
	CR_DIFF_FMT_TAR,
	CR_DIFF_FMT_ZIP,
	CR_DIFF_FMT_AR,
	CR_DIFF_FMT_CPIO,
	CR_DIFF_FMT_GZIP,
	CR_DIFF_FMT_XZ,
	CR_DIFF_FMT_BZIP2,
	CR_DIFF_FMT_ZSTD,
};

/* "data", "ELF", "tar"...: a static string; f must be a value of the enum. */
const char *cr_diff_fmt_name(enum cr_diff_fmt f);

/*
 * The order archive members and ELF regions are sorted and matched in:
 * by name (an, bn), then by the number beside it (at, bt: a position or
 * an occurrence count); <0, 0 or >0 as strcmp.
 */
int cr_diff_cmp_named(const char *an, size_t at, const char *bn, size_t bt);

/*
 * A new node named name (copied, not NULL), format kept as given
 * (a static string), status SAME; NULL when out of memory (no message).
 * Freed with cr_diff_node_free() or by the parent it is handed to.
 */
struct cr_diff_node *cr_diff_node_new(struct cr_diff_ctx *c, const char *name,
				      const char *format);

/* Frees n, its children and everything they hold; n may be NULL. */
void cr_diff_node_free(struct cr_diff_node *n);

/*
 * Hands child (and its subtree) to parent, which owns it from then on,
 * even on failure. Past CR_DIFF_MAX_NODES nodes in the report the child is
 * freed and counted in parent->omitted instead. CR_OK, or CR_ERROR when out
 * of memory.
 */
int cr_diff_node_add_child(struct cr_diff_ctx *c, struct cr_diff_node *parent,
			   struct cr_diff_node *child);
/*
 * Appends a differing metadata field to n: field kept as given (a static
 * string), a and b copied (either may be NULL: absent on that side).
 * CR_OK, or CR_ERROR when out of memory.
 */
int cr_diff_node_add_meta(struct cr_diff_node *n, const char *field,
			  const char *a, const char *b);
/* Replaces the note (printf-like); returns CR_ERROR only when out of memory. */
int cr_diff_node_note(struct cr_diff_node *n, const char *fmt, ...)
	CR_PRINTF(2, 3);

/*
 * Compares the concatenation of spans sa in fda with that of sb in fdb:
 * fills n's sizes, differing count, first difference with context and, if
 * scan, the leaks found around differing bytes; sets n->status to CONTENT
 * or SAME. CR_ERROR on a read error (message names what failed).
 */
int cr_diff_spans(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda,
		  const struct cr_diff_span *sa, size_t na, int fdb,
		  const struct cr_diff_span *sb, size_t nb, int scan);

/*
 * Compares whole files fda and fdb into n (name and meta already set),
 * looking into containers while depth < c->max_depth: fills n's status,
 * format, counts and children. CR_OK whatever the content (what cannot be
 * explained is marked unexplained); CR_ERROR on a read error or when out
 * of memory.
 */
int cr_diff_into(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda,
		 int fdb, unsigned int depth);

/*
 * Structured comparisons: cr_diff_elf (the ELF files of sizes sa and sb),
 * cr_diff_archive (tar, zip, ar, cpio: member by member, members looked
 * into below depth) and cr_diff_compressed (a gzip, xz, bzip2 or zstd
 * stream f, decompressed within c's caps). Each fills n (children, meta,
 * counts, status) and returns CR_OK; CR_EFAIL when the input could not be
 * parsed as that format (a note says why, no child added; the caller falls
 * back to the bytewise answer); CR_ERROR on I/O failure or exhaustion,
 * with a message.
 */
int cr_diff_elf(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda, int fdb,
		uint64_t sa, uint64_t sb);
int cr_diff_archive(struct cr_diff_ctx *c, struct cr_diff_node *n, int fda,
		    int fdb, unsigned int depth);
int cr_diff_compressed(struct cr_diff_ctx *c, struct cr_diff_node *n,
		       enum cr_diff_fmt f, int fda, int fdb,
		       unsigned int depth);

/*
 * Compares the symbols of two ELF files read by libelf into n->syms
 * (capped at CR_DIFF_MAX_SYMCHG, the rest counted), n->syms_read and
 * n->syms_note; CR_ERROR only when out of memory.
 */
typedef struct Elf Elf;
int cr_diff_syms(struct cr_diff_ctx *c, struct cr_diff_node *n, Elf *ea,
		 Elf *eb);

/*
 * An unlinked temporary file in c->tmpdir for spooling, opened read-write
 * into *fd, which the caller closes. CR_ERROR with a message naming the
 * directory when it cannot be made.
 */
int cr_diff_spool_open(struct cr_diff_ctx *c, int *fd);

#endif
