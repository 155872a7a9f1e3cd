/* The RAM of the running machine: what the firmware reported
 * (/sys/firmware/memmap) and what node0 uses (/proc/iomem). */
#ifndef SHOJI_MEMORY_MAP_H
#define SHOJI_MEMORY_MAP_H

#include <stdbool.h>

#include "common/diag.h"
#include "common/range_set.h"

/* Both return false with d's failure set when the map cannot be read;
 * the sets come back normalized. */
bool firmware_ram_read(struct range_set *ram, struct diag *d);
bool iomem_ram_read(struct range_set *ram, struct diag *d);
/* The running kernel's image in /proc/iomem */
bool iomem_kernel_read(struct range_set *image, struct diag *d);

/* Adds the "System RAM" entries of /proc/iomem text; sets *all_zero when
 * every address reads as zero, which is what an unprivileged reader sees. */
bool iomem_parse(const char *text, struct range_set *ram, bool *all_zero);
/* The same for the running kernel's image (its "Kernel code", "Kernel
 * data", ... entries). */
bool iomem_kernel_parse(const char *text, struct range_set *image,
			bool *all_zero);

#endif
