/*
 * Runs a libFuzzer harness over the files named on the command line, or
 * every file in the directories named, so every build (gcc included)
 * replays the seed corpus under its sanitizers.
 */
#include <dirent.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
	char *buf;
	size_t len;

	if (cr_read_file(&buf, &len, path, 64u << 20) < 0) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		return -1;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	return 1;
}

int
main(int argc, char **argv)
{
	struct dirent *d;
	struct stat st;
	char path[4096];
	int i, n = 0, r;
	DIR *dir;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
			if ((r = replay_file(argv[i])) < 0)
				return 2;
			n += r;
			continue;
		}
		if ((dir = opendir(argv[i])) == NULL)
			return 2;
		while ((d = readdir(dir)) != NULL) {
			if (d->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i],
				 d->d_name);
			if ((r = replay_file(path)) < 0) {
				closedir(dir);
				return 2;
			}
			n += r;
		}
		closedir(dir);
	}
	printf("replayed %d inputs\n", n);
	return n > 0 ? 0 : 2;
}
