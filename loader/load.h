/* Loading a node from a load request, as a library: what `shoji-load load`
 * and the node manager share. Every failure names the node and the cause
 * (with node0's kernel log line when the kernel refused). */
#ifndef SHOJI_LOAD_H
#define SHOJI_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "load_req.h"
#include "vmlinux.h"

struct sl_load_result {
	uint64_t kernel;
	uint64_t boot_params;
	uint64_t initrd;
	size_t initrd_size;
	uint64_t entry;
	uint32_t boot_apic_id;
	int la57;
	/* the node's PCI devices whose DMA node0's IOMMU confines to the
	 * node's memory (all of them, or none on a machine without one) */
	unsigned nr_pci, nr_pci_confined, nr_pci_remapped;
	/* whether node0 decompressed the kernel, and if not, why not */
	bool decompressed;
	/* whether node0 read the files itself (SHOJI_IOC_LOAD_FILE), and
	 * whether the kernel's signature verified there */
	bool from_files;
	bool signature_verified;
	char kernel_form[256];
};

/* Checks node0 gave the node's resources up, registers them with node0's
 * kernel (fd: /dev/shoji), confines its devices' DMA to its memory where
 * an IOMMU translates them, builds the boot image and loads it.
 * kernel_addr, if not 0, places the kernel there instead.
 *
 * A node0 that is locked down (or req->verified) reads the kernel and
 * initrd itself and checks the kernel's signature; the node then
 * decompresses it. Otherwise the kernel goes in decompressed, unless
 * req->compressed or node0 cannot decompress it (then the node does, and
 * res->kernel_form says why);
 * cache, if not NULL, keeps it decompressed for the next load. Returns 0,
 * or -1 with the reason in err. */
int sl_load_node(int fd, struct load_req *req, uint64_t kernel_addr,
		 struct sl_vmlinux_cache *cache, struct sl_load_result *res,
		 char *err, size_t errlen);

/* Decompresses into cache the kernel that sl_load_node() would load for
 * req, ahead of the load, so that it can run while node0 gives the node
 * its CPUs and devices. Nothing to do when node0 would read the files
 * itself, or the kernel goes in compressed. Returns 0, or -1 with the
 * reason in err (the load then says it again). */
int sl_warm_kernel(int fd, const struct load_req *req,
		   struct sl_vmlinux_cache *cache, char *err, size_t errlen);

#endif
