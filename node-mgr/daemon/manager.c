/* What the records of struct manager say, read from them alone: the
 * names of their states, the plan's node of an id, the node a command
 * names. */
#include "common/node_name.h"
#include "common/protocol.h"
#include "daemon/manager.h"

const char *health_name(enum health h)
{
	static const char *const names[] = {
		[H_STOPPED] = "stopped", [H_BOOTING] = "booting",
		[H_RUNNING] = "running", [H_DEGRADED] = "degraded",
		[H_HUNG] = "hung", [H_CRASHED] = "crashed",
		[H_FAILED] = "failed",
	};

	return (unsigned)h < sizeof(names) / sizeof(names[0]) ? names[h]
							       : "unknown";
}

const char *guest_state_name(enum guest_state s)
{
	static const char *const names[] = {
		[G_STOPPED] = "stopped", [G_RUNNING] = "running",
		[G_DOWN] = "down", [G_FAILED] = "failed",
	};

	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s]
							       : "unknown";
}

const struct plan_node *plan_node_of(struct manager *m, unsigned id)
{
	if (!m->plan || id >= PLAN_MAX_NODES || !m->plan->nodes[id].present)
		return NULL;
	return &m->plan->nodes[id];
}

_Static_assert(NODE_ID_MAX + 1 == PLAN_MAX_NODES,
	       "a node name names every node of a plan, and only those");

/* m->lock held. The node NAME names (node3 or 3) in the plan that is up;
 * the command line checked the name itself, this says whether the plan
 * has it. */
int parse_node_name(struct manager *m, const char *s, struct reply *r,
		    struct node_rec **out)
{
	unsigned id;

	if (!node_name_parse(s, &id) || id >= PLAN_MAX_NODES) {
		reply_err(r, "shoji: '%s' is not a node (" NODE_NAME_RANGE ")\n",
			  s);
		return -1;
	}
	if (id == 0) {
		reply_err(r, "shoji: node0 is the manager's own kernel; it is not started or stopped by the manager\n");
		return -1;
	}
	if (!m->plan) {
		reply_err(r, "shoji: no plan is up (shoji up PLAN)\n");
		return -1;
	}
	if (!m->nodes[id].in_plan) {
		reply_err(r, "shoji: the plan %s has no node%u\n", m->plan_path,
			  id);
		return -1;
	}
	*out = &m->nodes[id];
	return 0;
}
