/* DMA faults node0's IOMMU reports in its kernel log, read back into
 * which device did what where, so that the manager can name the node. */
#ifndef SHOJI_DMA_FAULT_H
#define SHOJI_DMA_FAULT_H

#include <stdbool.h>
#include <stdint.h>

struct dma_fault {
	char device[16];	/* DDDD:BB:DD.F */
	bool write;
	uint64_t address;
	char reason[96];	/* as the IOMMU driver said it, "" if not */
};

/* Parses the text of one kernel log message (without the /dev/kmsg
 * prefix). Knows Intel VT-d's "DMAR: [DMA Write ...] Request device
 * [BB:DD.F] fault addr 0x... [fault reason 0x..] TEXT" and the line
 * node0's Shoji kernel writes where the IOMMU driver reports faults to
 * the domain ("Shoji: nodeN: DDDD:BB:DD.F: DMA write at 0x... outside
 * the node's memory blocked"). */
bool dma_fault_parse(const char *msg, struct dma_fault *f);

#endif
