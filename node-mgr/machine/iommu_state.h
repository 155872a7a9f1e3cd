/* What node0's IOMMU does, read from procfs and sysfs: whether it remaps
 * interrupts and whose IOMMU does it, and the IOMMU group of each PCI
 * device with the kind of DMA domain the group is in. node0's kernel
 * moves a device it gives to a node into a domain of the node's memory,
 * and lends it remapping entries on Intel VT-d. */
#ifndef SHOJI_IOMMU_STATE_H
#define SHOJI_IOMMU_STATE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/units.h"

struct iommu_group {
	unsigned id;
	char type[16];		/* identity, DMA, DMA-FQ, blocked, ... */
	struct pci_ref *devices;
	size_t device_count;
};

struct iommu_state {
	/* An IOMMU remaps interrupts: node0's interrupt chips are named IR-
	 * (IR-IO-APIC, IR-PCI-MSIX-...) in /proc/interrupts. */
	bool interrupts_remapped;
	/* An AMD IOMMU is in use (ivhd entries in /sys/class/iommu): node0's
	 * kernel cannot lend its remapping entries to a node. */
	bool amd_vi;
	/* /sys/kernel/iommu_groups; none without an IOMMU in use */
	struct iommu_group *groups;
	size_t group_count;
};

/* Returns 0, or an errno value when /proc/interrupts or a group cannot be
 * read (a machine without /sys/kernel/iommu_groups has no groups). */
int iommu_state_read(struct iommu_state *state);
void iommu_state_free(struct iommu_state *state);

/* The group of the device at a bus address, or NULL. */
const struct iommu_group *iommu_group_of(const struct iommu_state *state,
					 const struct pci_ref *address);

#endif
