/*
 * The one way cleanroom writes an archive: restricted-pax tar (optionally
 * gzip) for exported sources and normalised tars, BSD or SysV ar for
 * normalised static libraries. Readers are lib/check/archive_policy.h's.
 */
#ifndef CR_ARCHIVE_WRITER_H
#define CR_ARCHIVE_WRITER_H

#include <archive.h>

/* What to write: one format, and for tar its options. */
enum {
	/* ustar, with a pax header only for a field that does not fit */
	CR_ARW_TAR = 1u << 0,
	/* tar: hdrcharset=BINARY, for a name that is not UTF-8 */
	CR_ARW_BINARY = 1u << 1,
	/* tar: gzip -9 with no timestamp and no name in its header */
	CR_ARW_GZIP = 1u << 2,
	CR_ARW_AR_BSD = 1u << 3,  /* ar with BSD long names (#1/len) */
	CR_ARW_AR_SVR4 = 1u << 4, /* ar with a SysV "//" name table */
};

/*
 * Sets *out to a libarchive writer of the kind in flags, open on fd (which
 * the caller keeps and closes). libarchive takes path names in the locale
 * of the calling thread when the format is set: a caller writing UTF-8
 * names calls this in C.UTF-8. The caller closes *out with
 * archive_write_close() and frees it with archive_write_free(). On failure
 * *out is NULL and the message names name, the step ("tar format", "gzip",
 * "ar format", "open") and libarchive's reason: CR_ERROR.
 */
int cr_archive_writer_new(struct archive **out, int fd, unsigned int flags,
			  const char *name);

#endif
