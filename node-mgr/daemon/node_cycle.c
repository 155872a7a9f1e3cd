/* One node brought up and taken down for a command: its CPUs and devices
 * taken from node0 or given back, its kernel loaded and started or
 * stopped, all under the node's op lock; and the wait until it runs.
 * shoji up, down, start, stop and restart are made of these. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <unistd.h>

#include "daemon/clock.h"
#include "daemon/health.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_cycle.h"
#include "daemon/node_ops.h"
#include "daemon/partition.h"

/* Waits until the node runs with its agent, fails or stops */
int wait_running(struct manager *m, struct node_rec *n, struct reply *r,
		 double timeout_s)
{
	struct timespec start;
	enum health h;

	mono_now(&start);
	for (;;) {
		mgr_lock(m);
		h = n->health;
		mgr_unlock(m);
		if (h == H_RUNNING) {
			reply_out(r, "node%u: running\n", n->id);
			return 0;
		}
		if (h == H_CRASHED || h == H_FAILED || h == H_HUNG ||
		    h == H_STOPPED) {
			reply_err(r, "shoji: node%u: %s: %s\n", n->id,
				  health_name(h), n->cause);
			return -1;
		}
		if (mono_ms_since(&start) > timeout_s * 1000) {
			reply_err(r, "shoji: node%u: not running after %.1f s (boot_timeout): %s: %s\n",
				  n->id, timeout_s, health_name(h), n->cause);
			return -1;
		}
		usleep(100000);
	}
}

static void no_longer_wanted(struct manager *m, struct node_rec *n)
{
	mgr_lock(m);
	n->wanted = false;
	n->restart_pending = false;
	n->reboot_pending = false;
	mgr_unlock(m);
}

/* Stops the node (clean for up to timeout_ms, then NMI and INIT; 0: at
 * once) and leaves it as then says. false if it could not be stopped
 * (the reply says why). */
bool node_take_down(struct manager *m, struct node_rec *n,
		    enum take_down_then then, uint64_t timeout_ms,
		    const char *why, struct reply *r)
{
	bool stopped;

	/* Before waiting for op too: a failure's forced stop that holds it
	 * then starts no restart, and a restart waiting for it gives up */
	no_longer_wanted(m, n);
	pthread_mutex_lock(&n->op);
	/* and again: a start it waited for wants the node */
	no_longer_wanted(m, n);
	stopped = node_stop(m, n, timeout_ms, r) == 0;
	/* A restart's load waits for the resets only once its image is
	 * copied (node_load_start()) */
	if (!stopped || then != THEN_RESTART)
		partition_reset_end(n, r);
	if (stopped) {
		mgr_lock(m);
		n->stopped_by_manager = true;
		health_set(m, n, H_STOPPED, "%s", why);
		mgr_unlock(m);
	}
	if (then == THEN_GIVE_BACK && n->partitioned) {
		/* Not stopped, its CPUs may still run it and drive its
		 * devices: node0's kernel would refuse them back anyway. */
		if (stopped)
			partition_give_back(m, n, r);
		else
			reply_err(r, "shoji: node%u: its CPUs, memory and devices stay with it until it is stopped\n",
				  n->id);
	}
	mgr_lock(m);
	state_changed(m);
	mgr_unlock(m);
	pthread_mutex_unlock(&n->op);
	return stopped;
}

/* m->lock held. The plan's clean stop time of the node */
uint64_t stop_timeout_of(struct manager *m, const struct node_rec *n)
{
	const struct plan_node *pn = plan_node_of(m, n->id);

	return pn ? pn->stop_timeout_ms : PLAN_DEFAULT_STOP_TIMEOUT_MS;
}

int node_bring_up(struct manager *m, struct node_rec *n, struct reply *r)
{
	const struct plan_node *pn;
	struct partition_take take;
	bool taking;
	int ret;

	pthread_mutex_lock(&n->op);
	mgr_lock(m);
	n->busy = true;
	/* The plan stays while this runs: down does not begin while an up,
	 * start or restart is under way */
	pn = plan_node_of(m, n->id);
	mgr_unlock(m);
	/* The CPUs and devices node0 has had since the node's stop are
	 * taken while the image is copied: the copy needs neither, and the
	 * devices are reset once taken. */
	taking = !n->partitioned;
	if (taking && partition_take_begin(&take, m, n, pn, r)) {
		mgr_lock(m);
		n->busy = false;
		mgr_unlock(m);
		pthread_mutex_unlock(&n->op);
		return -1;
	}
	/* A node that crashed, hung or halted is still started in node0's
	 * kernel: take its CPUs back with INIT first. One the manager
	 * stopped is not, and its devices were reset then. */
	ret = 0;
	if (taking)
		ret = node_halt(m, n, 0, r);
	else if (!n->stopped_by_manager)
		ret = node_stop(m, n, 0, r);
	if (!ret)
		ret = node_load_start(m, n, taking ? &take : NULL, r);
	/* Once the load is given up early, or once again */
	if (taking && partition_take_end(&take))
		ret = -1;
	mgr_lock(m);
	n->busy = false;
	n->stopped_by_manager = false;
	if (!ret)
		health_set(m, n, H_BOOTING, "started by the manager");
	state_changed(m);
	mgr_unlock(m);
	pthread_mutex_unlock(&n->op);
	return ret;
}
