/* Partition setup on node0 (partition.c): take a node's CPUs and devices
 * from node0 and give them back. The caller holds the node's op lock. */
#ifndef SHOJI_DAEMON_PARTITION_H
#define SHOJI_DAEMON_PARTITION_H

#include <pthread.h>
#include <stdbool.h>

#include "common/protocol.h"
#include "daemon/manager.h"
#include "plan/plan.h"

/* One step of a partition's setup, in a thread of its own */
struct partition_step {
	struct reply r;		/* held until partition_take_end */
	pthread_t thread;
	bool threaded;
	int ret;
};

/* A node's CPUs and devices being taken from node0 while its image is
 * copied into its memory, which needs neither. */
struct partition_take {
	struct manager *m;
	struct node_rec *n;
	const struct plan_node *pn;
	struct reply *to;
	/* The plan's devices, found on this machine before any is taken */
	struct pci_detached devices[SHOJI_MAX_PCI];
	unsigned nr_devices;
	struct partition_step cpus, pci;
	bool ended;
	int ret;
};

/* Checks the node's memory is reserved and finds its devices, then takes
 * its CPUs offline and its devices from node0's drivers (and resets them)
 * in threads of their own. 0, or -1 after saying why to r, with nothing
 * taken. */
int partition_take_begin(struct partition_take *t, struct manager *m,
			 struct node_rec *n, const struct plan_node *pn,
			 struct reply *r);
/* Waits for what partition_take_begin began and passes its messages on
 * to the reply it was given; if a step failed, gives back what was
 * taken. 0 if the partition is taken; may be called again, with the same
 * answer. Only after a partition_take_begin that returned 0. */
int partition_take_end(struct partition_take *t);
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
