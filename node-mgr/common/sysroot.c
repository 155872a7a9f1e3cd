#include "common/sysroot.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *sysroot_path(const char *path)
{
	const char *root = getenv("SHOJI_SYSROOT");
	size_t len;
	char *full;

	if (!root)
		root = "";
	len = strlen(root) + strlen(path) + 1;
	full = malloc(len);
	if (full)
		snprintf(full, len, "%s%s", root, path);
	return full;
}

/* procfs and sysfs files report size 0, so read until the end. */
static int read_stream(FILE *in, char **text, size_t *length)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);

	if (!buf)
		return ENOMEM;
	for (;;) {
		size_t n = fread(buf + len, 1, cap - len - 1, in);

		len += n;
		if (n == 0)
			break;
		if (len + 1 == cap) {
			char *grown = cap > SIZE_MAX / 2 ? NULL
							 : realloc(buf, cap * 2);

			if (!grown) {
				free(buf);
				return ENOMEM;
			}
			buf = grown;
			cap *= 2;
		}
	}
	if (ferror(in)) {
		free(buf);
		return EIO;
	}
	buf[len] = '\0';
	*text = buf;
	if (length)
		*length = len;
	return 0;
}

static int read_file(const char *path, char **text, size_t *length)
{
	char *full = sysroot_path(path);
	FILE *in;
	int err;

	if (!full)
		return ENOMEM;
	in = fopen(full, "r");
	free(full);
	if (!in)
		return errno;
	err = read_stream(in, text, length);
	fclose(in);
	return err;
}

int sysroot_read(const char *path, char **text)
{
	return read_file(path, text, NULL);
}

int sysroot_read_bytes(const char *path, unsigned char **data, size_t *length)
{
	char *bytes;
	int err = read_file(path, &bytes, length);

	if (!err)
		*data = (unsigned char *)bytes;
	return err;
}
