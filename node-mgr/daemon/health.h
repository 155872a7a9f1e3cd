/* The nodes' health (health.c): the watcher's pass over every node, the
 * agent poller, and restarts after a failure. */
#ifndef SHOJI_DAEMON_HEALTH_H
#define SHOJI_DAEMON_HEALTH_H

#include <stdint.h>

#include "daemon/manager.h"

#define MGR_AGENT_PERIOD_MS 1000	/* how often the agent is asked */
/* between two asks for a booting node's first report, each of which
 * waits MGR_FIRST_REPORT_WAIT_MS for the answer */
#define MGR_FIRST_REPORT_PAUSE_MS 10
#define MGR_FIRST_REPORT_WAIT_MS 100
#define MGR_AGENT_TIMEOUT_MS 5000	/* silent longer: degraded */
#define MGR_HEALTHY_RESET_MS 300000	/* a node up this long: failures 0 */
/* The watcher's pass: a node's crash, halt or reboot is seen within it.
 * A pass reads each node's control page, a few microseconds. */
#define MGR_TICK_MS 25

/* One pass of the watcher over every node; the agent poller, a thread
 * whose argument is the manager */
void health_tick(struct manager *m);
void *agent_poller(void *arg);
uint64_t tsc_now(void);
void health_set(struct manager *m, struct node_rec *n, enum health h,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
