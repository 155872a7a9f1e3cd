/* Temporary trees for tests: plans with their kernel files, and fake
 * machines under $SHOJI_SYSROOT. */
#ifndef SHOJI_TEST_FIXTURE_H
#define SHOJI_TEST_FIXTURE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "diag.h"

/* mkdir -p of the directory part of path. */
static inline void fixture_mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST) {
			perror(buf);
			exit(1);
		}
		*p = '/';
	}
}

/* Writes len bytes to root/relative, creating directories. */
static inline void fixture_write_bytes(const char *root, const char *relative,
				       const void *bytes, size_t len)
{
	char path[4096];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s", root, relative);
	fixture_mkdirs(path);
	out = fopen(path, "wb");
	if (!out || fwrite(bytes, 1, len, out) != len || fclose(out) != 0) {
		perror(path);
		exit(1);
	}
}

/* Writes text to root/relative, creating directories. */
static inline void fixture_write(const char *root, const char *relative,
				 const char *text)
{
	fixture_write_bytes(root, relative, text, strlen(text));
}

static inline char *fixture_tempdir(void)
{
	char *dir = strdup("/tmp/shoji-test-XXXXXX");

	if (!dir || !mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	return dir;
}

static inline void fixture_remove(const char *dir)
{
	char command[4200];

	snprintf(command, sizeof(command), "rm -rf '%s'", dir);
	if (system(command) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
}

/* The errors of d as shoji prints them, for plan "p.ini". */
static inline char *fixture_render(struct diag *d)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	if (!out)
		return NULL;
	diag_print(d, out, "p.ini");
	diag_print_failure(d, out);
	fclose(out);
	return text;
}

#endif
