/* What is done to one node through node0's kernel (node_ops.c): load and
 * start it, stop it, map its control page, run a command in its agent. */
#ifndef SHOJI_DAEMON_NODE_OPS_H
#define SHOJI_DAEMON_NODE_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/protocol.h"
#include "daemon/manager.h"

struct partition_take;
/* Loads the plan's image into the node's memory and starts it. take: the
 * partition being taken meanwhile (partition_take_begin), waited for once
 * the image is copied; NULL if it was taken before. */
int node_load_start(struct manager *m, struct node_rec *n,
		    struct partition_take *take, struct reply *r);
/* Decompresses the kernel the plan's node loads into the manager's
 * kernel cache, for a node_load_start() to come */
void node_kernel_warm(struct manager *m, unsigned node);
/* Stops the node (clean for up to timeout_ms, then NMI and INIT) if
 * node0's kernel runs it; nothing happens to its devices */
int node_halt(struct manager *m, struct node_rec *n, uint64_t timeout_ms,
	      struct reply *r);
/* node_halt, then begins the reset of its devices: node_load_start waits
 * for it, other callers with partition_reset_end. */
int node_stop(struct manager *m, struct node_rec *n, uint64_t timeout_ms,
	      struct reply *r);
int node_map(struct manager *m, struct node_rec *n);
/* Runs cmd in the node's agent; out has room for SHOJI_REPLY_LEN bytes.
 * Returns the command's status, -1 on timeout or if the node stopped
 * answering (err says why), -2 if the channel is busy and
 * wait_for_channel is false. */
int node_channel(struct manager *m, struct node_rec *n, const char *cmd,
		 double timeout_s, bool wait_for_channel, char *out,
		 size_t *outlen, char *err, size_t errlen);

#endif
