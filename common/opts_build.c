/* Option values the build commands take: sizes and timeouts. */
#include "opts_build.h"
#include "opts.h"
#include "tool.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

/* "8G", "512M", "1048576": bytes, K/M/G/T being powers of 1024; 0 if bad. */
uint64_t
tool_parse_size(const char *s)
{
	unsigned long long v;
	unsigned int shift = 0;
	char *end;

	if (*s < '0' || *s > '9')
		return 0;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0)
		return 0;
	switch (*end) {
	case 'K':
		shift = 10;
		break;
	case 'M':
		shift = 20;
		break;
	case 'G':
		shift = 30;
		break;
	case 'T':
		shift = 40;
		break;
	case '\0':
		break;
	default:
		return 0;
	}
	if (*end != '\0' && end[1] != '\0')
		return 0;
	if (v > (UINT64_MAX >> 20) >> shift)
		return 0; /* beyond 16 EiB >> 20: nonsense */
	return (uint64_t)v << shift;
}

int
tool_timeout_option(long long *slot, const char *cmd, const char *arg)
{
	if (*slot >= 0 || (*slot = tool_parse_number(arg, 31536000)) < 1)
		return tool_usage(cmd,
				  "--timeout: 1 to 31536000 seconds, once");
	return 0;
}

int
tool_max_size_option(uint64_t *slot, const char *cmd, const char *arg)
{
	if (*slot != 0 || (*slot = tool_parse_size(arg)) == 0)
		return tool_usage(cmd, "--max-size: a size in bytes (K, M, G, "
				       "T), once");
	return 0;
}
