/* What node0's running system says about a node's resources: the checks
 * the loader makes before it touches anything, and the machine facts the
 * node's boot image needs. Every failure names the node and the cause. */
#ifndef SHOJI_MACHINE_H
#define SHOJI_MACHINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bootimage.h"

/* /dev/shoji on node0, with SHOJI_IOC_INFO filled in; -1 with a reason */
int sl_open_dev(struct shoji_info *info, char *err, size_t errlen);

/* Is [start, start + size) reserved from node0, never System RAM, in the
 * /proc/iomem text? */
bool sl_iomem_reserved(const char *iomem, uint64_t start, uint64_t size);

/* The ECAM (MMCONFIG) window of PCI segment 0 in the /proc/iomem text */
bool sl_iomem_ecam(const char *iomem, uint64_t *base, uint8_t *bus_start,
		   uint8_t *bus_end);

char *sl_read_file(const char *path, size_t *size);

/* 0 if every check passes; otherwise -1 with the first problem in err.
 * taken: also that node0 runs none of the node's CPUs and drives none of
 * its devices. */
int sl_check_node(const struct sl_node *n, const unsigned *cpus, bool taken,
		  char *err, size_t errlen);

#endif
