/* One node's load request: from shoji-load's options or from a plan. */
#ifndef SHOJI_LOAD_REQ_H
#define SHOJI_LOAD_REQ_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "bootimage.h"

struct load_req {
	struct sl_node n;		/* cmdline points into cmdline[] */
	unsigned cpus[SHOJI_MAX_CPUS];	/* node0's CPU numbers */
	struct sl_range control;	/* the machine's control area */
	char kernel[PATH_MAX];
	char initrd[PATH_MAX];		/* empty if none */
	char cmdline[2048];
	bool compressed;		/* load the bzImage as it is */
	/* Have node0 read and verify the files (SHOJI_IOC_LOAD_FILE) even
	 * when it is not locked down; a locked-down node0 always does. */
	bool verified;
	enum sl_setup_layout setup_layout;	/* test only; SL_SETUP_AS_BUILT */
	/* Test only: devices the setup_data lists that the node is not given */
	struct shoji_pci_dev test_pci[SHOJI_MAX_PCI];
	unsigned nr_test_pci;
	/* Called once the image is copied (before the copy with a node0
	 * that lacks SHOJI_LOAD_REMAP_AT_START), before the node's devices
	 * go into its IOMMU domain: the manager waits there for the resets
	 * it began at the node's stop, and for the partition it takes, which
	 * so overlap the load. 0, or -1 to give the load up (the caller has
	 * said why). NULL: nothing to wait for. */
	int (*prepare_devices)(void *arg);
	void *prepare_devices_arg;
	/* The caller takes the node's CPUs offline and its devices from
	 * node0's drivers while the image is copied, done when
	 * prepare_devices returns: they are checked then, not before. The
	 * copy needs neither; node0's kernel refuses to start a node on a
	 * CPU it still runs. */
	bool partition_taken_meanwhile;
	/* Called once node0 has told the node's APIC IDs: tells the node the
	 * NUMA domains of its CPUs and RAM (sl_node_set_numa()). NULL: none
	 * told, the node is one NUMA node. */
	void (*describe_numa)(struct sl_node *n);
};

/* describe_numa from the machine's ACPI SRAT; without one, or one that
 * leaves a CPU of the node out, nothing is told. */
void load_numa_from_srat(struct sl_node *n);

/* Fills req with node's section of the plan at path. On a plan error,
 * prints the plan's diagnostics and returns -1. */
int load_req_from_plan(struct load_req *req, const char *path, unsigned node);

struct plan;
/* Fills req with node's section of a loaded, checked plan. Returns 0, or
 * -1 with the reason in err. */
int load_req_from_plan_node(struct load_req *req, const struct plan *plan,
			    unsigned node, char *err, size_t errlen);

#endif
