#include "machine/memory_map.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sysroot.h"

#define FIRMWARE_MAP "/sys/firmware/memmap"

static void trim_end(char *s)
{
	size_t len = strlen(s);

	while (len && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
}

static bool parse_hex(const char *text, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(text, &end, 16);
	return errno == 0 && end != text && (*end == '\0' || *end == '\n');
}

/* Reads one field of a firmware map entry into *text. */
static bool read_entry_field(const char *entry, const char *field,
			     char **text, struct diag *d)
{
	char path[512];
	int err;

	snprintf(path, sizeof(path), FIRMWARE_MAP "/%s/%s", entry, field);
	err = sysroot_read(path, text);
	if (err) {
		diag_fail(d, "cannot read %s: %s", path, strerror(err));
		return false;
	}
	return true;
}

static bool read_firmware_entry(const char *entry, struct range_set *ram,
				struct diag *d)
{
	char *start = NULL, *end = NULL, *type = NULL;
	uint64_t first, last;
	bool ok = false;

	if (!read_entry_field(entry, "start", &start, d) ||
	    !read_entry_field(entry, "end", &end, d) ||
	    !read_entry_field(entry, "type", &type, d))
		goto out;
	trim_end(type);
	if (!parse_hex(start, &first) || !parse_hex(end, &last)) {
		diag_fail(d, "malformed firmware map entry " FIRMWARE_MAP
			     "/%s", entry);
		goto out;
	}
	ok = strcmp(type, "System RAM") != 0 ||
	     range_set_add(ram, first, last);
	if (!ok)
		diag_fail(d, "out of memory");
out:
	free(start);
	free(end);
	free(type);
	return ok;
}

bool firmware_ram_read(struct range_set *ram, struct diag *d)
{
	char *path = sysroot_path(FIRMWARE_MAP);
	struct dirent *entry;
	DIR *dir;
	bool ok = true;

	if (!path) {
		diag_fail(d, "out of memory");
		return false;
	}
	dir = opendir(path);
	if (!dir) {
		diag_fail(d, "cannot read the firmware memory map %s: %s "
			     "(a kernel with CONFIG_FIRMWARE_MEMMAP is needed)",
			  path, strerror(errno));
		free(path);
		return false;
	}
	free(path);
	while (ok && (entry = readdir(dir)) != NULL)
		if (entry->d_name[0] != '.')
			ok = read_firmware_entry(entry->d_name, ram, d);
	closedir(dir);
	range_set_normalize(ram);
	return ok;
}

/* "  00100000-7ffdffff : System RAM" */
static bool parse_iomem_line(const char *line, uint64_t *first,
			     uint64_t *last, const char **name)
{
	char *end;

	while (*line == ' ')
		line++;
	errno = 0;
	*first = strtoull(line, &end, 16);
	if (errno || end == line || *end != '-')
		return false;
	line = end + 1;
	*last = strtoull(line, &end, 16);
	if (errno || end == line || strncmp(end, " : ", 3) != 0)
		return false;
	*name = end + 3;
	return true;
}

static bool is_system_ram(const char *name)
{
	return strcmp(name, "System RAM") == 0;
}

/* "Kernel code", "Kernel rodata", "Kernel data", "Kernel bss" */
static bool is_kernel_image(const char *name)
{
	return strncmp(name, "Kernel ", 7) == 0;
}

static bool iomem_collect(const char *text, struct range_set *set,
			  bool *all_zero, bool (*wanted)(const char *name))
{
	const char *line = text;
	bool any = false;

	*all_zero = true;
	while (*line) {
		const char *newline = strchr(line, '\n');
		size_t len = newline ? (size_t)(newline - line) : strlen(line);
		char buf[256];
		uint64_t first, last;
		const char *name;

		snprintf(buf, sizeof(buf), "%.*s", (int)len, line);
		line += len + (newline != NULL);
		if (!parse_iomem_line(buf, &first, &last, &name))
			continue;
		any = true;
		if (first || last)
			*all_zero = false;
		if (wanted(name) && !range_set_add(set, first, last))
			return false;
	}
	if (!any)
		*all_zero = false;
	return true;
}

bool iomem_parse(const char *text, struct range_set *ram, bool *all_zero)
{
	return iomem_collect(text, ram, all_zero, is_system_ram);
}

bool iomem_kernel_parse(const char *text, struct range_set *image,
			bool *all_zero)
{
	return iomem_collect(text, image, all_zero, is_kernel_image);
}

/* The entries of /proc/iomem that PARSE collects; WITHOUT_ROOT says what
 * needs root when only root may see their addresses. */
static bool iomem_read(struct range_set *set, struct diag *d,
		       bool (*parse)(const char *text, struct range_set *set,
				     bool *all_zero),
		       const char *without_root)
{
	char *text;
	bool all_zero;
	int err = sysroot_read("/proc/iomem", &text);

	if (err) {
		diag_fail(d, "cannot read /proc/iomem: %s", strerror(err));
		return false;
	}
	if (!parse(text, set, &all_zero)) {
		free(text);
		diag_fail(d, "out of memory");
		return false;
	}
	free(text);
	if (all_zero) {
		diag_fail(d, "/proc/iomem shows every address as zero: %s",
			  without_root);
		return false;
	}
	range_set_normalize(set);
	return true;
}

bool iomem_ram_read(struct range_set *ram, struct diag *d)
{
	return iomem_read(ram, d, iomem_parse,
			  "checking a plan against the machine needs root "
			  "(or use --offline)");
}

bool iomem_kernel_read(struct range_set *image, struct diag *d)
{
	return iomem_read(image, d, iomem_kernel_parse,
			  "reading the machine needs root");
}
