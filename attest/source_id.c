/* What a statement says of the source beyond its tree hash: its URI, an
 * archive's digest. */
#include "source_id.h"
#include "tool.h"

#include "error.h"
#include "sha256.h"
#include "srcuri.h"

#include <stdlib.h>
#include <string.h>

int
tool_source_uri_option(const char **given, const char *cmd, const char *arg)
{
	if (*given != NULL)
		return tool_usage(cmd, "--source-uri given twice");
	if (cr_srcuri_check(arg, "--source-uri") < 0)
		return tool_usage(cmd, "%s", cr_error_last());
	*given = arg;
	return 0;
}

int
tool_source_identify(struct tool_source_id *id, const struct tool_source *src,
		     const char *given)
{
	int err;

	memset(id, 0, sizeof(*id));
	if (given != NULL) {
		if ((id->uri = strdup(given)) == NULL)
			return cr_error_set("out of memory");
	} else if (strcmp(src->kind, "git") == 0 &&
		   (err = cr_srcuri_from_git(&id->uri, src->path)) < 0) {
		return err;
	}
	if (strcmp(src->kind, "archive") == 0) {
		if ((err = cr_sha256_file(id->sha256, src->path)) < 0)
			return err;
		id->has_sha256 = 1;
	}
	return CR_OK;
}

void
tool_source_id_clear(struct tool_source_id *id)
{
	free(id->uri);
	memset(id, 0, sizeof(*id));
}
