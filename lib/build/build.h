/* The sealed build: export the source, run the recipe in the sandbox, collect artifacts. */
#ifndef CR_BUILD_H
#define CR_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "recipe.h"
#include "statement.h"
#include "tree.h"

#define CR_BUILD_LOG_TAIL 4096u
/* Directory entries one artifact pattern may look at. */
#define CR_BUILD_MAX_WALK 1000000u
/* Bytes all artifacts may hold together, as built (--max-size). */
#define CR_BUILD_MAX_SIZE (8ull << 30)
/* Bytes of the build's log kept; the rest is read and dropped. */
#define CR_BUILD_MAX_LOG (256ull << 20)
/* Normalisation steps one artifact records, and a NULL. */
#define CR_BUILD_MAX_STEPS 33u

struct cr_build_opts {
	const char *output_dir; /* artifacts and the log are copied here */
	const char *root;	/* the root filesystem; NULL: the host's */
	/*
	 * The root's resolvedDependencies entry (cr_root_dependency()),
	 * borrowed, or NULL: made here from root.
	 */
	const struct cr_resource *root_dependency;
	const char *log_name; /* the log's file name in output_dir */
	int reverse_export;   /* create the source's files in reverse order */
	unsigned int timeout; /* seconds; 0: none */
	uint64_t max_size;    /* all artifacts' bytes; 0: CR_BUILD_MAX_SIZE */
	/*
	 * When not NULL, called about five times a second from another
	 * thread while the command runs, with the last line of its log so far
	 * (for progress on a terminal).
	 */
	void (*progress)(void *ctx, const char *line);
	void *progress_ctx;
	/*
	 * attest build --check. vary: the sandbox's CR_VARY_* bits, and
	 * CR_BUILD_VARY_ORDER: each directory of the export is made so that
	 * it lists its entries in the opposite order from order_ref's
	 * src_order (the export is checked against the tree hash as always).
	 * record_order: keep the export's order in the build's src_order.
	 * work_parent: where the private build directory is made (NULL:
	 * $TMPDIR, else /tmp).
	 */
	unsigned int vary;
	const struct cr_build *order_ref;
	int record_order;
	const char *work_parent;
};

#define CR_BUILD_VARY_ORDER (1u << 16)

struct cr_artifact {
	char *name; /* relative to the source root */
	unsigned char sha256[CR_SHA256_LEN];
	char format[64];    /* normalisation: "none", "tar+gzip"... */
	unsigned int steps; /* normalisation steps applied */
	uint64_t kept;	    /* nested containers kept as data, as built */
};

struct cr_build {
	int exit_status; /* the command's; 128+N for a signal */
	int64_t source_date_epoch;
	int64_t started, finished;
	struct cr_artifact *artifacts;
	size_t nartifacts;
	unsigned char log_sha256[CR_SHA256_LEN];
	char log_tail[CR_BUILD_LOG_TAIL]; /* the end of the log */
	char *log_path;	   /* where the whole log was kept, or NULL */
	int log_truncated; /* it was cut at CR_BUILD_MAX_LOG bytes */
	int timed_out;	   /* opts->timeout passed (build or collection) */
	/* The recipe's fakeClock and normalize, for the statement. */
	int fake_clock, normalize;
	int given_root; /* built in a given root, not the host's */
	/* Each artifact's normalisation, for internalParameters. */
	struct cr_normalization *norms;
	const char **norm_steps; /* CR_BUILD_MAX_STEPS an artifact */
	/* The toolchain and the root, after the source. */
	struct cr_resource *deps;
	size_t ndeps;
	int has_root; /* deps[ndeps - 1] is the root's ("rootfs", "hostfs") */
	struct cr_resource log; /* the byproduct: the log's digest */
	/*
	 * With opts->record_order: every directory of the export, parents
	 * first, its entries as readdir listed them before the command ran
	 * ("dir/" for a directory); NULL-terminated.
	 */
	char **src_order;
	size_t nsrc_order;
	/*
	 * With CR_BUILD_VARY_ORDER: the export's directories of two entries
	 * or more, and of them those listed in the same order as order_ref's
	 * (a file system that orders by name hash ignores creation order).
	 */
	size_t order_dirs, order_same;
};

/*
 * Builds: derives SOURCE_DATE_EPOCH (the recipe's, else the commit time,
 * else an archive's newest member; a directory needs it given), exports the
 * hashed tree fresh into a private directory (every file and directory
 * mtime SOURCE_DATE_EPOCH) and checks that the export hashes to
 * src->tree->root, runs the command in the sandbox, then copies each
 * artifact (opened inside the build directory, never through a link out of
 * it), normalised unless the recipe says not to, to opts->output_dir under
 * its relative path, with the log (kept there whether the command
 * succeeded, failed or timed out). An artifact that is not a regular file
 * (a FIFO, socket, device or directory) is refused without being opened
 * for reading. With opts->timeout, the whole sandbox is killed at the
 * limit.
 *
 * Returns CR_OK when the command succeeded and every artifact was found;
 * CR_EFAIL when the command failed (*out filled: exit_status, log_tail,
 * log_path) or an artifact is missing (message naming it); CR_ERROR
 * otherwise, with *out filled (timed_out set) when the build timed out
 * ("the build timed out after N s"). *out is the caller's
 * (cr_build_free()) whenever it is filled; NULL otherwise.
 *
 * Forks: the sandbox is a child made with clone(2) in new namespaces
 * (unprivileged user namespaces must be allowed: CR_ERROR saying so
 * otherwise), and, with opts->progress, a thread reads the log while the
 * command runs. Not to be called from a thread while another forks.
 */
int cr_build_run(struct cr_build **out, const struct cr_recipe *recipe,
		 const struct cr_build_source *src,
		 const struct cr_build_opts *opts);

/*
 * Fills what the build decides of its statement: externalParameters'
 * sourceDateEpoch, fakeClock, normalize and rootfs (the user's choices:
 * "host", or the given root's digest), internalParameters, the resolved
 * dependencies after the source (the toolchain, then the root), the log
 * as the byproduct, started and finished. p borrows from b, which must
 * outlive p's encoding. Never fails.
 */
void cr_build_provenance(struct cr_provenance *p, const struct cr_build *b);

/* Frees b and all it owns; NULL is ignored. */
void cr_build_free(struct cr_build *b);

#endif
