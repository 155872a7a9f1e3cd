#include "machine/pci_devices.h"

#include <dirent.h>
#include <errno.h>
#include <pci/pci.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sysroot.h"

#define PCI_CLASS_BASE_BRIDGE 0x06

/* libpci's error callback must not return: it jumps back here. One of
 * each per thread: shoji up sets its nodes up in threads at once. */
static _Thread_local jmp_buf scan_failed;
static _Thread_local char scan_error[256];

static void on_pci_error(char *msg, ...) PCI_PRINTF(1, 2) PCI_NONRET;

static void on_pci_error(char *msg, ...)
{
	va_list ap;

	va_start(ap, msg);
	vsnprintf(scan_error, sizeof(scan_error), msg, ap);
	va_end(ap);
	longjmp(scan_failed, 1);
}

/* Warnings are about odd sysfs entries of devices no plan names. */
static void on_pci_warning(char *msg, ...) PCI_PRINTF(1, 2);

static void on_pci_warning(char *msg, ...)
{
	(void)msg;
}

static bool append(struct pci_device_list *list, const struct pci_dev *dev)
{
	struct pci_device *grown = realloc(
		list->devices, (list->count + 1) * sizeof(*grown));

	if (!grown)
		return false;
	list->devices = grown;
	list->devices[list->count++] = (struct pci_device){
		.address = { .by_id = false,
			     .domain = (uint16_t)dev->domain,
			     .bus = dev->bus,
			     .dev = dev->dev,
			     .func = dev->func },
		.vendor = dev->vendor_id,
		.device = dev->device_id,
		.class_code = dev->device_class,
	};
	return true;
}

static bool devices_dir_readable(const char *sysfs, struct diag *d)
{
	char path[4096];
	DIR *dir;

	snprintf(path, sizeof(path), "%s/devices", sysfs);
	dir = opendir(path);
	if (!dir) {
		diag_fail(d, "cannot list PCI devices in %s: %s", path,
			  strerror(errno));
		return false;
	}
	closedir(dir);
	return true;
}

bool pci_devices_scan(struct pci_device_list *list, struct diag *d)
{
	/* libpci keeps the pointer, so it must outlive the access. */
	char *sysfs = sysroot_path("/sys/bus/pci");
	struct pci_access *pacc;
	struct pci_dev *dev;
	bool ok = true;

	memset(list, 0, sizeof(*list));
	if (!sysfs) {
		diag_fail(d, "out of memory");
		return false;
	}
	if (!devices_dir_readable(sysfs, d)) {
		free(sysfs);
		return false;
	}
	pacc = pci_alloc();
	pacc->error = on_pci_error;
	pacc->warning = on_pci_warning;
	/* sysfs only: never fall back to raw port I/O on config space. */
	pacc->method = PCI_ACCESS_SYS_BUS_PCI;
	pci_set_param(pacc, "sysfs.path", sysfs);
	if (setjmp(scan_failed)) {
		diag_fail(d, "cannot list PCI devices: %s", scan_error);
		pci_cleanup(pacc);
		pci_devices_free(list);
		free(sysfs);
		return false;
	}
	pci_init(pacc);
	pci_scan_bus(pacc);
	for (dev = pacc->devices; dev && ok; dev = dev->next) {
		pci_fill_info(dev, PCI_FILL_IDENT | PCI_FILL_CLASS);
		ok = append(list, dev);
	}
	pci_cleanup(pacc);
	free(sysfs);
	if (!ok) {
		pci_devices_free(list);
		diag_fail(d, "out of memory");
	}
	return ok;
}

void pci_devices_free(struct pci_device_list *list)
{
	free(list->devices);
	list->devices = NULL;
	list->count = 0;
}

bool pci_device_is_bridge(const struct pci_device *dev)
{
	return dev->class_code >> 8 == PCI_CLASS_BASE_BRIDGE;
}

bool pci_device_matches(const struct pci_device *dev,
			const struct pci_ref *ref)
{
	if (ref->by_id)
		return dev->vendor == ref->vendor && dev->device == ref->device;
	return pci_ref_equal(&dev->address, ref);
}
