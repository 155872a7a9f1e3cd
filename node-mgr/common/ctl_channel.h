/* The asking side of a node's command channel: node0 writes a command
 * into the node's live control page and reads the answer of the node's
 * agent (shoji agent) back from checked copies of the page. The node
 * manager and shoji-load both ask through this; the caller holds the
 * node's command lock (ctl_lock_node), since a page has one command
 * slot. */
#ifndef SHOJI_CTL_CHANNEL_H
#define SHOJI_CTL_CHANNEL_H

#include <stddef.h>

#include "common/ctl_view.h"

enum ctl_ask_result {
	CTL_ANSWERED,		/* v holds the reply (ctl_reply) */
	CTL_PAGE_INVALID,	/* v->why says what is wrong */
	CTL_NOT_RUNNING,	/* v->state and v->reason say what it is */
	CTL_NO_ANSWER,		/* nothing within the timeout */
	CTL_TOO_LONG,		/* cmd has SHOJI_CMD_LEN bytes or more */
};

/*
 * Sends cmd and waits up to timeout_s seconds for the answer, looking at
 * the page every poll_ms milliseconds. Every value it reads, the command
 * counter included, comes from a checked copy of the page in *copy, which
 * with *v holds the last look on return.
 */
enum ctl_ask_result ctl_ask(volatile struct shoji_control *page,
			    const char *cmd, double timeout_s,
			    unsigned poll_ms, struct ctl_copy *copy,
			    struct ctl_view *v);

/*
 * Takes or gives up the command lock of one node: a write lock on byte
 * `node` of fd, an open file description of /dev/shoji for reading and
 * writing. The lock belongs
 * to that open file description, so threads that each open the device
 * exclude each other like processes do, and a node's channel never waits
 * for another node's. Returns 0, or -1 with errno.
 */
int ctl_lock_node(int fd, unsigned node);
int ctl_unlock_node(int fd, unsigned node);

#endif
