/*
 * The one way cleanroom opens an archive: the formats and filters a caller
 * accepts, and one member policy that refuses every construct on which GNU
 * tar, bsdtar, Info-ZIP unzip and Python's tarfile/zipfile can disagree.
 * The difference engine alone reads for explanation (CR_ARC_EXPLAIN,
 * cr_archive_explain): the same set-up without the policy, so it can say
 * how two artifacts differ even where one would be refused.
 */
#ifndef CR_ARCHIVE_H
#define CR_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

#include <archive.h>
#include <archive_entry.h>

/* What a caller accepts; the member policy applies to tar and zip. */
enum {
	CR_ARC_TAR = 1u << 0,	  /* ustar, pax (vetted keys), GNU L/K */
	CR_ARC_ZIP = 1u << 1,	  /* zip, central directory = local headers */
	CR_ARC_FILTERS = 1u << 2, /* gzip, bzip2, xz, lzma, zstd around tar */
	CR_ARC_AR = 1u << 3,	  /* ar, for the normaliser's artifacts */
	CR_ARC_GZIP_RAW = 1u
			  << 4, /* one gzip stream, its bytes as one member */
	CR_ARC_EMPTY = 1u << 5, /* an empty input reads as no members */
	/* The first name only, whole-archive checks skipped: never content. */
	CR_ARC_PEEK = 1u << 6,
	CR_ARC_CPIO = 1u << 7,	 /* cpio newc (initramfs), for artifacts */
	CR_ARC_XZ_RAW = 1u << 8, /* one xz stream, its bytes as one member */
	/*
	 * An artifact read as data, never extracted (the normaliser): device
	 * and FIFO members are let through (a root filesystem holds them).
	 */
	CR_ARC_ARTIFACT = 1u << 9,
	/*
	 * Tar devices and FIFOs without data are let through for a root
	 * filesystem's hash, which leaves them out; the source policy
	 * otherwise.
	 */
	CR_ARC_SPECIAL = 1u << 10,
	CR_ARC_BZIP2_RAW = 1u << 11, /* one bzip2 stream, as one member */
	CR_ARC_ZSTD_RAW = 1u << 12,  /* one zstd stream, as one member */
	/*
	 * Read for explanation (cr_archive_explain alone): the difference
	 * engine must list whatever the vendor shipped to say how two
	 * artifacts differ, so no member policy and no whole-archive check
	 * apply, zip is read by the streaming reader as well as the seekable
	 * one (a damaged central directory still lists), and the caller reads
	 * the members through libarchive itself. Never for a hash, an
	 * extraction or a normalised byte.
	 */
	CR_ARC_EXPLAIN = 1u << 13,
};

/* Sources are tar or zip, optionally compressed. */
#define CR_ARC_SOURCE (CR_ARC_TAR | CR_ARC_ZIP | CR_ARC_FILTERS | CR_ARC_EMPTY)

#define CR_ARCHIVE_MAX_MEMBERS (4u << 20)
#define CR_ARCHIVE_MAX_NAME 4096u	   /* bytes in one member name */
#define CR_ARCHIVE_MAX_PART 255u	   /* bytes in one name component */
#define CR_ARCHIVE_MAX_META (1u << 20)	   /* a pax or GNU long-name header */
#define CR_ARCHIVE_MAX_BYTES (64ull << 30) /* decompressed, in all */

/* One member, as the policy let it through. Valid until the next call. */
struct cr_archive_member {
	struct archive_entry *e;
	const char *raw; /* the name as stored (UTF-8; dirs may end in '/') */
	const char
		*path; /* raw less leading "./" and trailing '/'; "" = root */
	/* AE_IFREG, AE_IFDIR or AE_IFLNK; with CR_ARC_ARTIFACT also
	 * AE_IFCHR, AE_IFBLK and AE_IFIFO */
	unsigned int type;
	const char *link;	  /* a symlink's target, or NULL */
	const char *hardlink;	  /* tar: path of an earlier regular member */
	const char *hardlink_raw; /* the same, as stored */
	int64_t size;		  /* -1 when the header gives none */
};

struct cr_archive;

/*
 * Opens [off, off + len) of fd (len UINT64_MAX: to the end of the file),
 * or buf when fd < 0, as an archive of one of the kinds in flags. Tar is
 * scanned whole first (its headers, bounded) and zip's central directory
 * is checked against every local header before any member is returned.
 * The source must stay readable until cr_archive_free. name is for
 * messages. Never with CR_ARC_EXPLAIN (refused, CR_ERROR): the policy always
 * applies here.
 */
int cr_archive_open(struct cr_archive **out, int fd, uint64_t off, uint64_t len,
		    const void *buf, unsigned int flags, const char *name);

/*
 * The same for the whole file at path (messages name it), opened here and
 * closed by cr_archive_free(); a file that cannot be opened is CR_ERROR
 * naming path.
 */
int cr_archive_open_file(struct cr_archive **out, const char *path,
			 unsigned int flags);

/*
 * Read for explanation: a libarchive reader in *out of the whole of fd
 * (rewound to offset 0 and read from there with libarchive's descriptor
 * reader), for CR_ARC_EXPLAIN and the kinds in flags (tar, zip, ar, cpio;
 * or one *_RAW stream), set up as every other reader is: the same formats,
 * and filters only when built in. The caller walks it with
 * archive_read_next_header() and frees it with archive_read_free(); a
 * damaged member is the caller's to report. CR_EFAIL with *out NULL when
 * a decoder asked for is not built in; CR_EFAIL with *out kept when
 * libarchive cannot open fd (archive_error_string(*out) says why; the
 * caller frees it); CR_ERROR when out of memory or fd cannot be rewound.
 * name is for messages.
 */
int cr_archive_explain(struct archive **out, int fd, unsigned int flags,
		       const char *name);

/*
 * The next member in *m, checked against the policy; m->e NULL at the
 * end. A refused member or a damaged archive is CR_ERROR with the reason.
 */
int cr_archive_next(struct cr_archive *ca, struct cr_archive_member *m);

/* The libarchive reader, for the current member's data. */
struct archive *cr_archive_handle(struct cr_archive *ca);

/* "tar", "zip", "ar", "cpio" or "raw" once the first member was read. */
const char *cr_archive_format(const struct cr_archive *ca);

/* Closes the reader and frees it (not the descriptor); NULL is a no-op. */
void cr_archive_free(struct cr_archive *ca);

/*
 * The one libarchive disk writer, for extracting members whose paths the
 * caller has made absolute below a directory of its own: symlinks and ".."
 * are never followed out (ARCHIVE_EXTRACT_SECURE_SYMLINKS and _NODOTDOT),
 * permissions are kept (_PERM), and the caller's extra flags are added
 * (_TIME, _XATTR, _OWNER...). The caller frees *out with
 * archive_write_free(). CR_ERROR only when out of memory.
 */
int cr_archive_disk_new(struct archive **out, int extra);

/*
 * Writes the current member of the reader a (header e, its path and any
 * hard link already set below the destination) through disk: its header,
 * its data blocks, then finishes it. Fails with CR_ERROR naming file and
 * name with libarchive's reason.
 */
int cr_archive_extract(struct archive *disk, struct archive *a,
		       struct archive_entry *e, const char *file,
		       const char *name);

/* libarchive's reason for a's last failure, or fallback (a may be NULL). */
const char *cr_archive_reason(struct archive *a, const char *fallback);

/*
 * Sets the message "name: what: reason" ("name: reason" when what is NULL)
 * with libarchive's reason for a, or fallback when it gives none (or a is
 * NULL), and returns CR_ERROR: how every archive failure is told.
 */
int cr_archive_error(struct archive *a, const char *name, const char *what,
		     const char *fallback);

/*
 * Why name (a member name as stored) is refused, or NULL: empty, over the
 * caps, not UTF-8, a control character or '\', absolute, an empty, "." or
 * ".." component (a leading "./" aside), or a trailing '/' on a non-dir.
 */
const char *cr_archive_name_problem(const char *name, int isdir);

/*
 * Whether h (512 bytes) is a ustar, pax or GNU tar header with a valid
 * checksum: how the normaliser recognises a tar.
 */
int cr_archive_tar_header(const unsigned char h[512]);

#endif
