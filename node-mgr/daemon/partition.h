/* Partition setup on node0 (partition.c): take a node's CPUs and devices
 * from node0 and give them back. The caller holds the node's op lock. */
#ifndef SHOJI_DAEMON_PARTITION_H
#define SHOJI_DAEMON_PARTITION_H

#include <stdbool.h>

#include "common/protocol.h"
#include "daemon/manager.h"
#include "plan/plan.h"

int partition_take(struct manager *m, struct node_rec *n,
		   const struct plan_node *pn, struct reply *r);
void partition_give_back(struct manager *m, struct node_rec *n,
			 struct reply *r);
/* Turns the node's devices off (the node is stopped) before a new load */
void partition_quiesce(struct node_rec *n, struct reply *r);
/* A detached device's bus address as node0's kernel takes it; false if
 * the address is not DDDD:BB:DD.F. */
bool pci_detached_dev(const struct pci_detached *d, struct shoji_pci_dev *out);
/* partition_quiesce, then a function reset of each device: begun at
 * once in threads of their own, and waited for (with the reply on each)
 * by partition_reset_end, which everything that uses the devices next
 * calls first. */
void partition_reset_begin(struct node_rec *n, struct reply *r);
void partition_reset_end(struct node_rec *n, struct reply *r);

#endif
