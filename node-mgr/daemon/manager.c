/* What the records of struct manager say, read from them alone. */
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
