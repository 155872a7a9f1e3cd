/* Temporary trees for tests: plans with their kernel files, and fake
 * machines under $SHOJI_SYSROOT; and a node's control page in memory. */
#ifndef SHOJI_TEST_FIXTURE_H
#define SHOJI_TEST_FIXTURE_H

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/shoji.h>

#include "common/diag.h"

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

/* A firmware memory map entry of a fake machine */
static inline void fixture_memmap_entry(const char *root, int index,
					const char *start, const char *end,
					const char *type)
{
	char path[64];

	snprintf(path, sizeof(path), "sys/firmware/memmap/%d/start", index);
	fixture_write(root, path, start);
	snprintf(path, sizeof(path), "sys/firmware/memmap/%d/end", index);
	fixture_write(root, path, end);
	snprintf(path, sizeof(path), "sys/firmware/memmap/%d/type", index);
	fixture_write(root, path, type);
}

/* A PCI function of a fake machine, as libpci reads it from sysfs */
static inline void fixture_pci_device(const char *root, const char *address,
				      const char *vendor, const char *device,
				      const char *class_code)
{
	char path[128];

	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/vendor", address);
	fixture_write(root, path, vendor);
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/device", address);
	fixture_write(root, path, device);
	snprintf(path, sizeof(path), "sys/bus/pci/devices/%s/class", address);
	fixture_write(root, path, class_code);
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

/* A control page as node0 maps it: the tests write it as a node would */
union fixture_page {
	struct shoji_control c;
	unsigned char bytes[SHOJI_CONTROL_SIZE];
};

/* The page of a node that runs, its console ring the rest of the page;
 * all else 0, for a test to set what it is about. */
static inline void fixture_good_page(union fixture_page *page)
{
	memset(page, 0, sizeof(*page));
	page->c.magic = SHOJI_CONTROL_MAGIC;
	page->c.version = SHOJI_CONTROL_VERSION;
	page->c.size = offsetof(struct shoji_control, con_buf);
	page->c.state = SHOJI_STATE_RUNNING;
	page->c.con_size =
		SHOJI_CONTROL_SIZE - offsetof(struct shoji_control, con_buf);
}

#endif
