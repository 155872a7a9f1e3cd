/* The manager's reader of node0's kernel log: a DMA that node0's IOMMU
 * blocked for a node's device becomes an event of that node, and counts
 * in its status. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon/dma_fault.h"
#include "daemon/dma_watch.h"
#include "daemon/events.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "loader/kmsg.h"

/* m->lock held */
static struct node_rec *node_of_device(struct manager *m, const char *address)
{
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		struct node_rec *n = &m->nodes[i];

		for (unsigned d = 0; n->in_plan && d < n->nr_pci; d++)
			if (!strcmp(n->pci[d].address, address))
				return n;
	}
	return NULL;
}

static void report(struct manager *m, const struct dma_fault *f)
{
	struct node_rec *n;
	char name[16];

	mgr_lock(m);
	n = node_of_device(m, f->device);
	if (n) {
		n->dma_faults++;
		snprintf(name, sizeof(name), "node%u", n->id);
		event_log(m, name, "DMA %s at %#llx by %s blocked by node0's IOMMU%s%s",
			  f->write ? "write" : "read",
			  (unsigned long long)f->address, f->device,
			  f->reason[0] ? ": " : "", f->reason);
	}
	mgr_unlock(m);
}

void *dma_fault_watcher(void *arg)
{
	struct manager *m = arg;
	char record[2048];
	struct dma_fault f;
	char *msg;
	int fd;

	fd = sl_kmsg_follow();
	if (fd < 0) {
		event_log(m, "manager", "cannot read node0's kernel log (/dev/kmsg): %s; DMA faults of the nodes' devices go unreported",
			  strerror(errno));
		return NULL;
	}
	while ((msg = sl_kmsg_next(fd, record, sizeof(record))))
		if (dma_fault_parse(msg, &f))
			report(m, &f);
	event_log(m, "manager", "stopped reading node0's kernel log: %s; DMA faults of the nodes' devices go unreported",
		  strerror(errno));
	close(fd);
	return NULL;
}
