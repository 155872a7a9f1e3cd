/* The PCI devices node0 needs to live, read from the running machine:
 * those that carry its mounted filesystems (through partitions, device
 * mapper and md), its swap, its console and the NICs of its default
 * routes. A node given one of them would take it from under node0. */
#ifndef SHOJI_NODE0_NEEDS_H
#define SHOJI_NODE0_NEEDS_H

#include <stddef.h>

#include "common/units.h"

struct node0_need {
	struct pci_ref address;	/* by_id is false */
	char why[160];		/* "the filesystem on / (nvme0n1p2), swap" */
};

struct node0_needs {
	struct node0_need *devices;
	size_t count;
};

/* Returns 0 or ENOMEM. A source the machine does not have (no swap, no
 * route, a file missing from a test's fake tree) adds nothing. */
int node0_needs_read(struct node0_needs *needs);
void node0_needs_free(struct node0_needs *needs);

/* Why node0 needs the device at a bus address, or NULL when it does not */
const char *node0_needs_why(const struct node0_needs *needs,
			    const struct pci_ref *address);

#endif
