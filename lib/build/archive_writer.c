/* The one libarchive writer set-up: tar (pax restricted, gzip) and ar. */
#include "archive_writer.h"
#include "archive_policy.h"
#include "error.h"

#include <stddef.h>

static int
fail(struct archive **out, const char *name, const char *what)
{
	int err = cr_archive_error(*out, name, what, "libarchive error");

	archive_write_free(*out);
	*out = NULL;
	return err;
}

int
cr_archive_writer_new(struct archive **out, int fd, unsigned int flags,
		      const char *name)
{
	struct archive *a;

	if ((*out = a = archive_write_new()) == NULL)
		return cr_error_set("%s: out of memory", name);
	if (flags & (CR_ARW_AR_BSD | CR_ARW_AR_SVR4)) {
		if (((flags & CR_ARW_AR_BSD)
			     ? archive_write_set_format_ar_bsd(a)
			     : archive_write_set_format_ar_svr4(a)) !=
		    ARCHIVE_OK)
			return fail(out, name, "ar format");
	} else {
		/*
		 * Plain ustar unless a field does not fit, then an extended
		 * header with just that field, in UTF-8: only a name that is
		 * not UTF-8 gets hdrcharset=BINARY, the one record GNU tar
		 * warns about.
		 */
		if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
		    ((flags & CR_ARW_BINARY) &&
		     archive_write_set_format_option(a, "pax", "hdrcharset",
						     "BINARY") != ARCHIVE_OK))
			return fail(out, name, "tar format");
		/* Built-in zlib alone: an outside gzip would be ARCHIVE_WARN. */
		if ((flags & CR_ARW_GZIP) &&
		    (archive_write_add_filter_gzip(a) != ARCHIVE_OK ||
		     archive_write_set_filter_option(a, "gzip", "timestamp",
						     NULL) != ARCHIVE_OK ||
		     archive_write_set_filter_option(a, "gzip",
						     "compression-level",
						     "9") != ARCHIVE_OK))
			return fail(out, name, "gzip");
	}
	if (archive_write_open_fd(a, fd) != ARCHIVE_OK)
		return fail(out, name, "open");
	return CR_OK;
}
