/* Option values the build commands take: sizes and timeouts. */
#ifndef CR_TOOL_OPTS_BUILD_H
#define CR_TOOL_OPTS_BUILD_H

#include <stdint.h>

/* Parses a size: "8G", "512M", "1048576" (K, M, G, T are powers of 1024);
 * 0 if it is not one. */
uint64_t tool_parse_size(const char *s);

/*
 * Records --timeout SECONDS (1 to a year) into *slot, -1 until given, and
 * --max-size SIZE (tool_parse_size) into *slot, 0 until given; either
 * given twice or bad is a usage error. Return 0 or the exit code.
 */
int tool_timeout_option(long long *slot, const char *cmd, const char *arg);
int tool_max_size_option(uint64_t *slot, const char *cmd, const char *arg);

#endif
