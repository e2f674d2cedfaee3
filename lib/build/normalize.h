/* Normalisation of build artifacts that are known containers (tar, cpio,
 * gzip, xz, zip, ar). */
#ifndef CR_NORMALIZE_H
#define CR_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * What cr_normalize_file() does, per format (detected from the bytes, never
 * from the name). Only what varies between builds changes; modes (setuid,
 * setgid, sticky, 0600...), numeric owners and tar owner names, symlink
 * targets (absolute ones too: an artifact is data, never extracted here),
 * device numbers, hard links and contents stay as built. docs/format.md,
 * "Normalised artifacts", is the user's version of this.
 *
 * tar (ustar, pax, GNU; read through the archive policy with
 * CR_ARC_ARTIFACT, so devices and FIFOs pass; a V7 tar, as "make dist"
 * writes it, is read as the ustar it starts like when every header is V7)
 *   Written by libarchive as restricted pax in C.UTF-8: plain ustar unless
 *   a name, link, owner name, id or size needs an extended header, which
 *   then holds just that, in UTF-8, with no hdrcharset record (GNU tar
 *   warns about one); named from the entry alone (no pid, no time). Sorted
 *   bytewise by path; mtimes clamped to min(mtime, SOURCE_DATE_EPOCH),
 *   sub-seconds dropped. atime, ctime and SCHILY.dev/ino/nlink are dropped;
 *   xattrs, ACLs, file flags and sparse files never get here (the policy
 *   refuses their headers, so nothing is dropped silently). Hard
 *   links stay: each file's data goes with the name that sorts first, its
 *   other names link to it.
 *
 * cpio newc ("070701": initramfs)
 *   Read through the policy (CR_ARC_CPIO | CR_ARC_ARTIFACT), written by
 *   this module as GNU cpio writes newc: sorted, mtimes clamped, inode
 *   numbers 1, 2, ... in order, dev 0:0, directories' nlink 2 plus their
 *   subdirectories, names as stored, padded to 512 bytes. Hard links stay:
 *   the names of one file share the inode number of the first, its nlink
 *   is their count, its data goes with the last (whichever name had it).
 *   Two names both with data, and anything but zeros after the trailer,
 *   are refused.
 *
 * gzip (1f 8b 08), xz (fd "7zXZ" 00)
 *   Decompressed (all members, by libarchive), the payload normalised in
 *   turn if it is itself a container (tar.gz as tar, cpio.xz as cpio), then
 *   recompressed: gzip by zlib at level 9 with a header carrying no name,
 *   no comment, mtime 0 and zlib's fixed OS byte; xz by liblzma at preset
 *   CR_NORMALIZE_XZ_PRESET with the input's check (CRC32 for the kernel).
 *   The original level cannot be recovered from the stream, so the size
 *   changes; the output depends on the zlib and liblzma versions, which are
 *   part of the toolchain. That is for the artifact itself and for a
 *   payload that is a container. Nested in another container, a stream
 *   whose payload is data keeps its compressed bytes, so a package's
 *   md5sums of it still hold: an xz is copied; in each gzip member only
 *   the header's mtime (to 0), name and comment change and its header CRC
 *   is recomputed, the extra field, XFL, OS, deflate data and trailer are
 *   copied (the data inflated once more to find its end and check the
 *   trailer), so a gzip -9n member comes out byte for byte.
 *
 * zip, jar ("PK\3\4", or "PK\5\6" for an empty archive)
 *   Read by libarchive (central directory, seekable reader); written by this
 *   module because libarchive's zip writer always adds the UT and ux extra
 *   fields and writes DOS times in the local time zone. Entries sorted
 *   bytewise, except that "mimetype", "META-INF/" and "META-INF/MANIFEST.MF"
 *   come first when present (EPUB/ODF and jar readers need them there). No
 *   extra fields, no comments, no data descriptors; every DOS time is
 *   SOURCE_DATE_EPOCH in UTC (a DOS time has no zone, so clamping would
 *   depend on the reader's TZ; before 1980 it is 1980-01-01); modes as
 *   read, made-by Unix; files deflated by zlib at level 9 except empty
 *   ones, "mimetype" and symlinks, which are stored. No zip64: more than
 *   65535 entries or 4 GiB is refused. Encrypted members are refused.
 *
 * ar ("!<arch>\n": static libraries, .deb)
 *   Written back by libarchive in the input's flavour (GNU/SVR4 or BSD),
 *   mtimes clamped, modes and owners as read. Members keep their order,
 *   which is meaningful (link order; debian-binary first in a .deb), and
 *   the symbol table ("/" or "__.SYMDEF") is copied first, as is; because
 *   it holds member offsets, an archive with a symbol table must come out
 *   with every member at its old offset or it is refused, and its members
 *   are not normalised recursively (their sizes must not change).
 *
 * Nesting: regular-file members of tar, cpio, zip and ar (without symbol
 * table) and the payload of gzip and xz that are themselves containers are
 * normalised recursively, up to opts->max_depth levels. Nested members are
 * read from an unlinked spool file, never held in memory. A member that
 * cannot be normalised (refused by the policy, over a cap, or data that
 * merely starts like an archive: OpenJDK's public_suffix_list.dat is a zip
 * with CP437 names) is kept byte for byte and counted in rep->kept; only
 * the artifact itself, or the payload of its gzip or xz, is refused.
 *
 * Refused with CR_ERROR and a message naming the artifact and the member:
 * what the archive policy refuses (absolute names, ".." components,
 * duplicates, hardlinks to anything but an earlier regular file, pax keys
 * extractors read differently...), sockets, members whose data does not
 * match their declared size, and expansion beyond the caps below (a
 * decompression bomb). Nothing is ever extracted.
 *
 * Anything else (ELF files included) is not a container: the report says
 * "none" and out_path receives an exact copy.
 */

/* The normalisations applied, as recorded in a statement. */
enum cr_normalize_step {
	CR_NORM_SORTED = 1 << 0,       /* "entries-sorted" */
	CR_NORM_MTIME = 1 << 1,	       /* "mtime-clamped" */
	CR_NORM_OWNER = 1 << 2,	       /* "owner-zeroed": no longer done */
	CR_NORM_MODE = 1 << 3,	       /* "mode-reduced": no longer done */
	CR_NORM_METADATA = 1 << 4,     /* "metadata-dropped" */
	CR_NORM_HARDLINKS = 1 << 5,    /* "hardlinks-copied": no longer */
	CR_NORM_GZIP_HEADER = 1 << 6,  /* "gzip-header-cleared" */
	CR_NORM_ZIP_EXTRA = 1 << 7,    /* "zip-extra-dropped" */
	CR_NORM_ZIP_TIME = 1 << 8,     /* "zip-time-fixed" */
	CR_NORM_RECOMPRESSED = 1 << 9, /* "recompressed-deflate-9" */
	CR_NORM_NESTED = 1 << 10,      /* "nested-normalized" */
	CR_NORM_XZ = 1 << 11,	       /* "recompressed-xz" */
	CR_NORM_INODES = 1 << 12,      /* "inodes-renumbered" (cpio) */
};
#define CR_NORM_NSTEPS 13

/* The xz preset artifacts are recompressed with (xz's default). */
#define CR_NORMALIZE_XZ_PRESET 6u

struct cr_normalize_opts {
	/* Bytes read out of archives and decompressors, all levels summed;
	 * 0 means CR_NORMALIZE_MAX_TOTAL. */
	uint64_t max_total;
	/* Bytes read out of one container over its own size (with 1 MiB of
	 * slack); 0 means CR_NORMALIZE_MAX_RATIO. */
	uint64_t max_ratio;
	/* Entries in one archive; 0 means CR_NORMALIZE_MAX_ENTRIES. */
	uint64_t max_entries;
	/* Container levels, the artifact being level 1; 0 means
	 * CR_NORMALIZE_MAX_DEPTH. Deeper containers are copied as data. */
	int max_depth;
	/* Directory for the unlinked spool files; NULL means out_path's. */
	const char *tmpdir;
	/* CLOCK_MONOTONIC milliseconds after which reading stops (CR_ERROR,
	 * "timed out"); 0 means none. */
	int64_t deadline;
};

#define CR_NORMALIZE_MAX_TOTAL (16ull << 30)
#define CR_NORMALIZE_MAX_RATIO 2000u /* deflate's own limit is ~1032 */
#define CR_NORMALIZE_MAX_ENTRIES 1000000u
#define CR_NORMALIZE_MAX_DEPTH 4

struct cr_normalize_report {
	/* The artifact's format chain, innermost first as in a file name:
	 * "none", "tar", "gzip", "tar+gzip", "zip", "ar", "cpio+xz"... */
	char format[64];
	unsigned steps;	  /* enum cr_normalize_step bits */
	uint64_t entries; /* archive members written, all levels */
	uint64_t nested;  /* members normalised as containers themselves */
	int unchanged;	  /* out_path's bytes equal in_path's */
	/* Members that look like containers but could not be normalised,
	 * kept byte for byte, and why the first one could not. */
	uint64_t kept;
	char kept_why[512];
};

/*
 * Writes to out_path a normalised copy of the artifact at in_path, with
 * SOURCE_DATE_EPOCH source_date_epoch (>= 0), and fills *rep (always; with
 * format "none" and no steps for anything that is not a known container).
 * opts may be NULL for the defaults. out_path is written through a
 * temporary file in its directory, fsync'd and renamed, so it holds either
 * its old content (or nothing) or the whole result; it may name in_path, in
 * which case an unchanged file is left untouched. Memory stays bounded: the
 * members are spooled to unlinked temporary files, streamed.
 *
 * Returns CR_OK, or CR_ERROR with a message naming in_path (and the member,
 * "in_path: dir/inner.tar.gz: x: reason") when the input cannot be read, is
 * a damaged or hostile container (see above), or a cap is exceeded; then
 * out_path is not created or changed.
 */
int cr_normalize_file(struct cr_normalize_report *rep, const char *in_path,
		      const char *out_path, int64_t source_date_epoch,
		      const struct cr_normalize_opts *opts);

/*
 * The same on open descriptors: in_fd is read with pread from offset 0 (it
 * must be a regular file), and the result, if the input is a container, is
 * written to out_fd from its current position (out_fd must be a regular
 * file opened for reading and writing: zip headers are patched in place).
 * When the input is not a container nothing is written and rep->format is
 * "none". name is used in messages only. Spool files go to opts->tmpdir,
 * else $TMPDIR, else /tmp. Returns as cr_normalize_file() does; on
 * failure out_fd may hold a partial result, which the caller discards.
 */
int cr_normalize_fd(struct cr_normalize_report *rep, int out_fd, int in_fd,
		    const char *name, int64_t source_date_epoch,
		    const struct cr_normalize_opts *opts);

/* The stable name of one step bit ("entries-sorted"...), NULL if unknown. */
const char *cr_normalize_step_name(unsigned step);

#endif
