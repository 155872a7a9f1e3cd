/* The PCI devices of the running machine, read with libpci from sysfs. */
#ifndef SHOJI_PCI_DEVICES_H
#define SHOJI_PCI_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/diag.h"
#include "common/units.h"

struct pci_device {
	struct pci_ref address;	/* by_id is false */
	uint16_t vendor;
	uint16_t device;
	uint16_t class_code;	/* base class << 8 | subclass */
};

struct pci_device_list {
	struct pci_device *devices;
	size_t count;
};

/* Returns false with d's failure set if the devices cannot be listed. */
bool pci_devices_scan(struct pci_device_list *list, struct diag *d);
void pci_devices_free(struct pci_device_list *list);

bool pci_device_is_bridge(const struct pci_device *dev);
bool pci_device_matches(const struct pci_device *dev,
			const struct pci_ref *ref);

#endif
