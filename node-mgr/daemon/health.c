/* The watcher: every tick it reads each managed node's control page (a
 * checked copy, see common/ctl_view.h) and decides the node's health; a
 * node that failed is restarted by its plan's policy, with back-off and a
 * limit. A second thread asks each agent for its report once a second. */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "daemon/clock.h"
#include "daemon/events.h"
#include "daemon/health.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_ops.h"
#include "daemon/partition.h"
#include "daemon/restart_policy.h"

uint64_t tsc_now(void)
{
	return __rdtsc();
}

/* m->lock held */
void health_set(struct manager *m, struct node_rec *n, enum health h,
		const char *fmt, ...)
{
	char cause[sizeof(n->cause)], name[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	if (n->health == h && !strcmp(n->cause, cause))
		return;
	snprintf(name, sizeof(name), "node%u", n->id);
	if (n->health != h) {
		event_log(m, name, "%s -> %s: %s", health_name(n->health),
			  health_name(h), cause);
		n->health_since = time(NULL);
	}
	n->health = h;
	snprintf(n->cause, sizeof(n->cause), "%s", cause);
	state_changed(m);
}

static uint64_t ms_of_tsc(struct manager *m, uint64_t from, uint64_t to)
{
	return m->tsc_khz && to > from ? (to - from) / m->tsc_khz : 0;
}

/* m->lock held. Where the time from a node's start request to the
 * manager seeing it run went, from the TSC stamps of node0 (the start),
 * the node's kernel (running) and its agent (started): "; from its start
 * request: ...", or "" when a stamp is missing or out of order. */
static void start_phases(struct manager *m, const struct node_rec *n,
			 uint64_t seen_tsc, char *out, size_t len)
{
	uint64_t start = n->view.tsc_start, running = n->view.tsc_running;
	uint64_t agent = n->report.started_tsc;

	out[0] = '\0';
	if (!m->tsc_khz || !start || start >= running || running > agent ||
	    agent > seen_tsc)
		return;
	snprintf(out, len, "; from its start request: kernel running at %llu ms, agent started at %llu ms, seen running at %llu ms",
		 (unsigned long long)ms_of_tsc(m, start, running),
		 (unsigned long long)ms_of_tsc(m, start, agent),
		 (unsigned long long)ms_of_tsc(m, start, seen_tsc));
}

static void node_failed(struct manager *m, struct node_rec *n, enum health h,
			uint64_t when_tsc, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void check_node(struct manager *m, struct node_rec *n);
static void wake_agent_poller(struct manager *m);

/* m->lock held. Whether check_node() starts the node's restart now */
static bool restart_due_now(const struct node_rec *n)
{
	return n->wanted && n->restart_pending &&
	       restart_due(n->restart_at_ms, mono_ms());
}

/*
 * A failed node's devices may still be bus masters programmed by a
 * kernel that no longer runs: stop its CPUs and reset its devices at
 * once, before any back-off, and whether or not it is restarted.
 */
static void *failure_stop_thread(void *arg)
{
	struct node_rec *n = arg;
	struct manager *m = n->manager;
	struct reply quiet = { .fd = -1, .gone = true };
	char name[16];
	bool restart_now;
	int ret;

	snprintf(name, sizeof(name), "node%u", n->id);
	pthread_mutex_lock(&n->op);
	ret = node_stop(m, n, 0, &quiet);
	mgr_lock(m);
	/* node_failed() decided on the restart before this thread took m->lock */
	restart_now = restart_due_now(n);
	if (!restart_now) {
		mgr_unlock(m);
		partition_reset_end(n, &quiet);
		mgr_lock(m);
	}
	n->busy = false;
	n->stopped_by_manager = !ret;
	if (ret)
		event_log(m, name, "the forced stop after its failure failed: its devices may still be active");
	else if (n->nr_pci) {
		char devices[SHOJI_MAX_PCI * 16] = "";
		size_t used = 0;

		for (unsigned i = 0; i < n->nr_pci && used < sizeof(devices); i++)
			used += (size_t)snprintf(devices + used, sizeof(devices) - used,
						 "%s%s", i ? " " : "", n->pci[i].address);
		/* A restart due now waits for the resets only once its
		 * image is copied (node_load_start()) */
		event_log(m, name, "stopped by force after its failure; its CPUs are parked, its PCI devices %s: %s",
			  restart_now ? "resetting while it is loaded again"
				      : "reset",
			  devices);
	} else
		event_log(m, name, "stopped by force after its failure; its CPUs are parked");
	/* A restart due now starts now, not at the watcher's next pass */
	check_node(m, n);
	mgr_unlock(m);
	pthread_mutex_unlock(&n->op);
	return NULL;
}

/* m->lock held. The node is busy until fn, in a thread, says otherwise;
 * fn is given the node, and finds its manager in it. Returns 0 or
 * pthread_create's error. */
static int start_node_operation(struct node_rec *n, void *(*fn)(void *))
{
	pthread_t t;
	int err;

	n->busy = true;
	err = pthread_create(&t, NULL, fn, n);
	if (err) {
		n->busy = false;
		return err;
	}
	pthread_detach(t);
	return 0;
}

/* m->lock held */
static void failure_stop(struct manager *m, struct node_rec *n)
{
	int err = start_node_operation(n, failure_stop_thread);

	if (err)
		event_log(m, "manager", "node%u: cannot start the forced stop after its failure: %s",
			  n->id, strerror(err));
}

/* A restart that could not start is tried again after this */
#define RESTART_RETRY_MS 1000

/* m->lock held. A failure: keep its log, decide on a restart. */
static void node_failed(struct manager *m, struct node_rec *n, enum health h,
			uint64_t when_tsc, const char *fmt, ...)
{
	struct restart_policy policy =
		restart_policy_of(plan_node_of(m, n->id), MGR_HEALTHY_RESET_MS);
	struct restart_decision d;
	char cause[200], logpath[PATH_MAX + 64], name[16];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	snprintf(name, sizeof(name), "node%u", n->id);
	n->failure_tsc = when_tsc ? when_tsc : tsc_now();
	n->failure_kind = h;
	event_keep_log(m, n->id, health_name(h), logpath, sizeof(logpath));
	snprintf(n->last_failure, sizeof(n->last_failure), "%s: %s",
		 health_name(h), cause);
	n->last_failure_at = time(NULL);
	health_set(m, n, h, "%s (detected %llu ms after it; log: %s)", cause,
		   (unsigned long long)ms_of_tsc(m, n->failure_tsc, tsc_now()),
		   logpath[0] ? logpath : "not kept");
	failure_stop(m, n);
	d = restart_after_failure(&policy, n->failures, mono_ms());
	switch (d.action) {
	case RESTART_NOT_WANTED:
		event_log(m, name, "not restarted: its restart policy is never");
		n->wanted = false;
		return;
	case RESTART_GIVE_UP:
		n->wanted = false;
		health_set(m, n, H_FAILED, "failed %u times in a row, restart_max %u reached; last failure: %s",
			   n->failures + 1, policy.max, n->last_failure);
		return;
	case RESTART_AFTER_BACKOFF:
		break;
	}
	n->failures = d.failures;
	n->restart_at_ms = d.at_ms;
	n->restart_pending = true;
	event_log(m, name, "restart %u of %u in %llu ms (restart = on-failure)",
		  n->failures, policy.max, (unsigned long long)d.delay_ms);
}

/* m->lock held. The node parked itself asking for a reboot and its plan
 * says on_reboot = restart: started again at once, by the restart thread,
 * as a machine of its own would reboot. Not a failure: its failures in a
 * row, restart count and last failure stay as they were. */
static void node_rebooted(struct manager *m, struct node_rec *n,
			  const char *reason)
{
	health_set(m, n, H_BOOTING, "rebooted itself (%s); on_reboot = restart: starting it again",
		   reason);
	n->restart_pending = true;
	n->reboot_pending = true;
	n->restart_at_ms = mono_ms();
}

static void *restart_thread(void *arg)
{
	struct node_rec *n = arg;
	struct manager *m = n->manager;
	struct reply quiet = { .fd = -1, .gone = true };
	char name[16];
	bool reboot;
	int ret;

	snprintf(name, sizeof(name), "node%u", n->id);
	pthread_mutex_lock(&n->op);
	mgr_lock(m);
	reboot = n->reboot_pending;
	/* A stop or down came while this thread waited for op */
	if (!n->wanted) {
		n->busy = false;
		n->reboot_pending = false;
		event_log(m, name, "not restarted: stopped meanwhile");
		mgr_unlock(m);
		pthread_mutex_unlock(&n->op);
		return NULL;
	}
	mgr_unlock(m);
	/* a node that parked itself (reboot) is still started in node0's
	 * kernel: its CPUs are taken back with INIT, its devices reset */
	if (n->stopped_by_manager) {
		event_log(m, name, "restarting: load, start");
	} else {
		event_log(m, name, "restarting: forced stop, load, start");
		node_stop(m, n, 0, &quiet);
	}
	ret = node_load_start(m, n, NULL, &quiet);
	mgr_lock(m);
	n->busy = false;
	n->stopped_by_manager = false;
	n->reboot_pending = false;
	if (ret) {
		n->wanted = false;
		health_set(m, n, H_FAILED, "restart failed: it could not be loaded or started");
	} else if (reboot) {
		health_set(m, n, H_BOOTING, "started again after it rebooted itself");
	} else {
		n->restarts++;
		health_set(m, n, H_BOOTING, "restarted by its policy (restart %u)",
			   n->restarts);
	}
	state_changed(m);
	mgr_unlock(m);
	pthread_mutex_unlock(&n->op);
	return NULL;
}

/* m->lock held */
static void check_node(struct manager *m, struct node_rec *n)
{
	static struct ctl_copy copy;
	const struct plan_node *pn = plan_node_of(m, n->id);
	struct ctl_view *v = &n->view;
	double since_start;

	if (!n->page)
		return;
	ctl_copy_page(&copy, n->page, SHOJI_CONTROL_SIZE);
	ctl_read(&copy, v);
	if (v->valid && v->state == SHOJI_STATE_RUNNING &&
	    n->prev_state != SHOJI_STATE_RUNNING) {
		/* the heartbeat starts when the kernel says it runs */
		n->last_heartbeat = v->heartbeat;
		mono_now(&n->heartbeat_moved);
		/* its agent comes next: the poller asks for it from now */
		wake_agent_poller(m);
	}
	n->prev_state = v->valid ? v->state : UINT32_MAX;
	if (n->busy || !n->wanted)
		return;
	if (n->restart_pending) {
		if (restart_due_now(n)) {
			int err = start_node_operation(n, restart_thread);

			n->restart_pending = err != 0;
			if (err) {
				char name[16];

				snprintf(name, sizeof(name), "node%u", n->id);
				event_log(m, name, "cannot start its restart: %s; tried again in %d ms",
					  strerror(err), RESTART_RETRY_MS);
				n->restart_at_ms = mono_ms() + RESTART_RETRY_MS;
			}
		}
		return;
	}
	if (!v->valid) {
		node_failed(m, n, H_CRASHED, 0, "its control page is invalid: %s",
			    v->why);
		return;
	}
	since_start = mono_ms_since(&n->started_mono);
	switch (v->state) {
	case SHOJI_STATE_PANICKED:
		node_failed(m, n, H_CRASHED, v->tsc_parked, "%s",
			    v->reason[0] ? v->reason : "panicked");
		return;
	case SHOJI_STATE_HALTED: {
		struct restart_policy policy =
			restart_policy_of(pn, MGR_HEALTHY_RESET_MS);

		/* a reboot the node asked for is no crash (restart_policy.h) */
		if (restart_after_halt(&policy, v->reason) == HALT_RESTART_NOW) {
			node_rebooted(m, n, v->reason);
			return;
		}
		n->wanted = false;
		if (restart_reason_is_reboot(v->reason))
			health_set(m, n, H_STOPPED, "it rebooted itself (%s); on_reboot = stop leaves it stopped",
				   v->reason);
		else
			health_set(m, n, H_STOPPED, "it halted by itself: %s",
				   v->reason);
		return;
	}
	case SHOJI_STATE_STOPPED:
		n->wanted = false;
		health_set(m, n, H_STOPPED, "stopped outside the manager: %s",
			   v->reason);
		return;
	case SHOJI_STATE_STOP_FAILED:
		/* Its CPUs may still run it: nothing may load over it */
		n->wanted = false;
		health_set(m, n, H_FAILED, "%s", v->reason);
		return;
	case SHOJI_STATE_EMPTY:
		node_failed(m, n, H_CRASHED, 0, "its control page says nothing is loaded");
		return;
	case SHOJI_STATE_LOADED:
	case SHOJI_STATE_STARTING:
	case SHOJI_STATE_BOOTING:
		if (since_start > (double)m->boot_timeout_ms)
			node_failed(m, n, H_HUNG, 0, "did not boot within %.1f s (boot_timeout; %s)",
				    (double)m->boot_timeout_ms / 1000,
				    ctl_state_name(v->state));
		else
			health_set(m, n, H_BOOTING, "the kernel is %s",
				   ctl_state_name(v->state));
		return;
	default:
		break;
	}
	/* SHOJI_STATE_RUNNING */
	if (v->heartbeat != n->last_heartbeat) {
		n->last_heartbeat = v->heartbeat;
		mono_now(&n->heartbeat_moved);
	} else if (mono_ms_since(&n->heartbeat_moved) > (double)m->hung_timeout_ms) {
		node_failed(m, n, H_HUNG, 0, "no kernel heartbeat for %.1f s (hung_timeout %.1f s)",
			    mono_ms_since(&n->heartbeat_moved) / 1000,
			    (double)m->hung_timeout_ms / 1000);
		return;
	}
	if (n->agent_heard &&
	    (mono_ms_since(&n->agent_moved) <= MGR_AGENT_TIMEOUT_MS ||
	     n->in_command)) {
		if (n->health != H_RUNNING && n->failure_tsc) {
			uint64_t now = tsc_now();
			char name[16], phases[160];

			snprintf(name, sizeof(name), "node%u", n->id);
			start_phases(m, n, now, phases, sizeof(phases));
			event_log(m, name, "running again %llu ms after the failure (%s)%s",
				  (unsigned long long)ms_of_tsc(m, n->failure_tsc, now),
				  health_name(n->failure_kind), phases);
			n->failure_tsc = 0;
		}
		health_set(m, n, H_RUNNING, "kernel heartbeat and agent reports");
		if (pn) {
			struct restart_policy policy =
				restart_policy_of(pn, MGR_HEALTHY_RESET_MS);

			n->failures = restart_failures_when_healthy(
				&policy, n->failures,
				since_start > 0 ? (uint64_t)since_start : 0);
		}
	} else if (!n->agent_heard && since_start <= (double)m->boot_timeout_ms) {
		health_set(m, n, H_BOOTING, "the kernel runs; waiting for its agent");
	} else {
		health_set(m, n, H_DEGRADED, "the kernel runs but its agent has been silent for %.0f s",
			   (n->agent_heard ? mono_ms_since(&n->agent_moved)
					   : since_start) / 1000);
	}
}

/* What the pass decides to write (journal lines, kept logs, the state
 * file) is written by mgr_unlock, after the lock: a slow disk does not
 * hold up status or the other threads. */
void health_tick(struct manager *m)
{
	mgr_lock(m);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++)
		if (m->nodes[i].in_plan)
			check_node(m, &m->nodes[i]);
	mgr_unlock(m);
}

/* Any thread, any lock held: poller_lock is the innermost */
static void wake_agent_poller(struct manager *m)
{
	pthread_mutex_lock(&m->poller_lock);
	m->poller_woken = true;
	pthread_cond_signal(&m->poller_wake);
	pthread_mutex_unlock(&m->poller_lock);
}

/* Sleeps ms, or less if the watcher wakes it */
static void agent_poller_pause(struct manager *m, unsigned ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->poller_lock);
	while (!m->poller_woken &&
	       pthread_cond_timedwait(&m->poller_wake, &m->poller_lock,
				      &until) == 0)
		;
	m->poller_woken = false;
	pthread_mutex_unlock(&m->poller_lock);
}

void *agent_poller(void *arg)
{
	static char out[SHOJI_REPLY_LEN + 1];
	struct manager *m = arg;
	char err[256];
	size_t len;

	for (;;) {
		/* A node whose kernel runs and whose agent has not answered
		 * yet is asked again and again, a tick at a time: its first
		 * report is what makes it running, and no node waits behind
		 * another's. That report is acted on at once, not at the
		 * watcher's next tick. */
		bool first_awaited = false;

		for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
			struct node_rec *n = &m->nodes[i];
			struct agent_report rep;
			bool ask, first;
			int ret;

			mgr_lock(m);
			ask = n->in_plan && n->page && n->wanted && !n->busy &&
			      n->view.valid &&
			      n->view.state == SHOJI_STATE_RUNNING;
			first = !n->agent_heard;
			mgr_unlock(m);
			if (!ask)
				continue;
			ret = node_channel(m, n, AGENT_REPORT_REQUEST,
					   first ? MGR_FIRST_REPORT_WAIT_MS / 1000.0 : 2,
					   false,
					   out, &len, err, sizeof(err));
			if (ret == -2) {
				/* an exec runs: the agent is at work */
				continue;
			}
			mgr_lock(m);
			if (ret == 0 && agent_report_parse(out, len, &rep) &&
			    (!n->agent_heard || rep.seq != n->agent_seq)) {
				n->agent_heard = true;
				n->agent_seq = rep.seq;
				n->report = rep;
				mono_now(&n->agent_moved);
				if (first)
					check_node(m, n);
			}
			first_awaited |= !n->agent_heard;
			mgr_unlock(m);
		}
		agent_poller_pause(m, first_awaited ? MGR_FIRST_REPORT_PAUSE_MS
						    : MGR_AGENT_PERIOD_MS);
	}
	return NULL;
}
