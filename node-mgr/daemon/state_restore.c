/* Start-up: the state file the last manager wrote, taken up again. Its
 * plan is adopted once more and each node it lists is matched with what
 * node0's kernel says runs now, so a new manager goes on watching the
 * nodes the last one left running. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "daemon/clock.h"
#include "daemon/events.h"
#include "daemon/guests.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_ops.h"
#include "daemon/plan_adopt.h"
#include "daemon/state_file.h"
#include "daemon/state_restore.h"
#include "loader/machine.h"

/* m->lock held. A saved node's records into its node_rec */
static void state_apply_node(struct node_rec *n, const struct state_node *sn)
{
	n->partitioned = sn->partitioned;
	n->wanted = sn->wanted;
	n->restarts = sn->restarts;
	n->failures = sn->failures;
	n->started_at = (time_t)sn->started_at;
	n->health = sn->health >= H_STOPPED && sn->health <= H_FAILED
			    ? (enum health)sn->health : H_STOPPED;
	/* the state file does not keep it: since this manager found it */
	n->health_since = time(NULL);
	n->last_failure_at = (time_t)sn->last_failure_at;
	n->nr_cpus = sn->nr_cpus;
	memcpy(n->cpus, sn->cpus, sizeof(n->cpus));
	memcpy(n->cpu_was_online, sn->cpu_was_online,
	       sizeof(n->cpu_was_online));
	n->nr_pci = sn->nr_pci;
	memcpy(n->pci, sn->pci, sizeof(n->pci));
	snprintf(n->last_failure, sizeof(n->last_failure), "%s",
		 sn->last_failure);
	n->pci_confined = sn->pci_confined;
	n->pci_remapped = sn->pci_remapped;
}

void state_restore(struct manager *m)
{
	char path[PATH_MAX + 16];
	struct reply quiet = { .fd = -1, .gone = true };
	struct shoji_status st[PLAN_MAX_NODES];
	bool found[PLAN_MAX_NODES];
	struct state_file *state;
	struct plan *plan;
	uint64_t *offsets;
	char *text;
	int parsed, why;

	snprintf(path, sizeof(path), "%s/state", m->state_dir);
	text = sl_read_file(path, NULL);
	if (!text)
		return;
	state = malloc(sizeof(*state));
	parsed = state ? state_file_parse(text, state) : -1;
	free(text);
	if (parsed) {
		free(state);
		return;
	}
	plan = plan_open(state->plan_path, &quiet, false, &why);
	if (!plan) {
		event_log(m, "manager", "cannot read the plan %s again; nodes it started are left as they are",
			  state->plan_path);
		state_file_free(state);
		free(state);
		return;
	}
	/* What runs now, as node0's kernel and the control pages say, and
	 * how much of each guest's console was copied: asked before
	 * m->lock is taken, like all I/O. No other thread runs yet. */
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		st[i] = (struct shoji_status){ .size = sizeof(st[i]),
					       .node = i };
		found[i] = plan->nodes[i].present && m->dev >= 0 &&
			   !ioctl(m->dev, SHOJI_IOC_STATUS, &st[i]);
		if (found[i])
			node_map(m, &m->nodes[i]);
	}
	offsets = calloc(state->guest_count + 1, sizeof(*offsets));
	for (size_t i = 0; offsets && i < state->guest_count; i++)
		if (plan_guest_named(plan, state->guests[i].name))
			offsets[i] = guest_console_offset(m,
							  state->guests[i].name);
	mgr_lock(m);
	plan_adopt(m, plan, state->plan_path);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++)
		if (m->nodes[i].in_plan && state->nodes[i].listed)
			state_apply_node(&m->nodes[i], &state->nodes[i]);
	for (size_t i = 0; i < state->guest_count; i++)
		guests_restore(m, state->guests[i].name,
			       state->guests[i].held_down,
			       state->guests[i].started,
			       offsets ? offsets[i] : 0);
	free(offsets);
	state_file_free(state);
	free(state);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		struct node_rec *n = &m->nodes[i];
		char name[16];

		if (!n->in_plan)
			continue;
		snprintf(name, sizeof(name), "node%u", i);
		if (!found[i]) {
			if (n->wanted)
				event_log(m, name, "found nothing loaded; it was running before the manager restarted");
			n->wanted = false;
			n->health = n->health == H_FAILED ? H_FAILED : H_STOPPED;
			continue;
		}
		mono_now(&n->started_mono);
		n->started_mono.tv_sec -= n->started_at ? time(NULL) - n->started_at : 0;
		mono_now(&n->heartbeat_moved);
		n->last_heartbeat = st[i].heartbeat;
		if (st[i].started && n->wanted) {
			if (n->health != H_CRASHED && n->health != H_HUNG)
				n->health = H_BOOTING;
			event_log(m, name, "found again: kernel %s, heartbeat %llu",
				  ctl_state_name(st[i].state),
				  (unsigned long long)st[i].heartbeat);
		} else {
			n->wanted = false;
		}
	}
	mgr_unlock(m);
}
