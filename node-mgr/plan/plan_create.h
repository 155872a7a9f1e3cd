/* `shoji plan create`: a plan written from what the running machine has,
 * the counterpart of `jailhouse config create`. Reading the machine and
 * writing the plan are apart, so that the layout can be tested on any
 * machine described by hand. */
#ifndef SHOJI_PLAN_CREATE_H
#define SHOJI_PLAN_CREATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common/cpuset.h"
#include "common/diag.h"
#include "common/range_set.h"
#include "machine/iommu_state.h"
#include "machine/node0_needs.h"
#include "machine/pci_devices.h"

struct machine_facts {
	struct cpuset present;
	/* the lowest CPU of each CPU's core (its SMT siblings share it);
	 * CPUSET_MAX entries */
	unsigned *core_of;
	struct range_set ram;		/* System RAM of the firmware map */
	struct range_set kernel_image;	/* node0's kernel, from /proc/iomem */
	struct pci_device_list pci;
	struct node0_needs needs;
	struct iommu_state iommu;
};

struct plan_create_opts {
	unsigned nodes;
	uint64_t node0_memory;	/* 0: a quarter of the RAM, at least 1G */
	const char *kernel;
	const char *initrd;	/* NULL: none */
	const char *command;	/* how it was asked for, for the header */
};

/* Reads the running machine (under $SHOJI_SYSROOT). Returns false with
 * d's failure set. */
bool machine_facts_read(struct machine_facts *m, struct diag *d);
void machine_facts_free(struct machine_facts *m);

/*
 * Writes the plan: node0 keeps CPU 0's core and the RAM at the bottom;
 * the nodes share the other cores and, from the top of RAM down (the
 * last node highest), the rest in 2 MiB aligned ranges, each a 64K low window; the control area
 * follows below the nodes' memory. PCI devices are listed as comments,
 * node0's own apart. Returns false with d's failure set when the machine
 * has not enough for opts->nodes nodes.
 */
bool plan_create(const struct machine_facts *m,
		 const struct plan_create_opts *opts, FILE *out,
		 struct diag *d);

#endif
