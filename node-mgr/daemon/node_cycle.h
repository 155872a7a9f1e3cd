/* One node brought up and taken down for a command (node_cycle.c). The
 * caller holds neither the node's op lock nor m->lock, except where
 * said. */
#ifndef SHOJI_DAEMON_NODE_CYCLE_H
#define SHOJI_DAEMON_NODE_CYCLE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/protocol.h"
#include "daemon/manager.h"

int wait_running(struct manager *m, struct node_rec *n, struct reply *r,
		 double timeout_s);
/* What node_take_down() leaves the node to */
enum take_down_then {
	THEN_KEEP,	/* stopped, its CPUs and devices its own */
	THEN_GIVE_BACK,	/* its CPUs and devices node0's again */
	THEN_RESTART,	/* node_bring_up() next: its devices reset meanwhile */
};

bool node_take_down(struct manager *m, struct node_rec *n,
		    enum take_down_then then, uint64_t timeout_ms,
		    const char *why, struct reply *r);
/* m->lock held */
uint64_t stop_timeout_of(struct manager *m, const struct node_rec *n);
/* Takes its CPUs and devices unless it has them, then loads and starts
 * it: 0, or -1 with the reason in r */
int node_bring_up(struct manager *m, struct node_rec *n, struct reply *r);

#endif
