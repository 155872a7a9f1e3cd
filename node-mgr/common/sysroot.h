/* The running machine's files are read under $SHOJI_SYSROOT (default: the
 * real root), so that tests can describe a machine with a fake tree. */
#ifndef SHOJI_SYSROOT_H
#define SHOJI_SYSROOT_H

#include <stddef.h>

/* path must be absolute; the result is malloc'd, NULL without memory. */
char *sysroot_path(const char *path);
/* Reads a whole (small, procfs or sysfs) file under the root. Returns 0 or
 * an errno value. */
int sysroot_read(const char *path, char **text);
/* The same for a binary file (an ACPI table): its bytes and their count. */
int sysroot_read_bytes(const char *path, unsigned char **data, size_t *length);

#endif
