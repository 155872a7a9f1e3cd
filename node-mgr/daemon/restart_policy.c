#include <string.h>

#include "daemon/restart_policy.h"

struct restart_policy restart_policy_of(const struct plan_node *pn,
					uint64_t healthy_reset_ms)
{
	struct restart_policy p = { .healthy_reset_ms = healthy_reset_ms };

	if (pn) {
		p.on_failure = pn->restart == RESTART_ON_FAILURE;
		p.max = pn->restart_max;
		p.backoff_ms = pn->restart_backoff_ms;
		p.on_reboot = pn->on_reboot == ON_REBOOT_RESTART;
	}
	return p;
}

bool restart_reason_is_reboot(const char *reason)
{
	/* the node kernel's words, exactly (shoji_park() callers) */
	return !strcmp(reason, "reboot") || !strcmp(reason, "emergency restart");
}

enum halt_action restart_after_halt(const struct restart_policy *p,
				    const char *reason)
{
	return p->on_reboot && restart_reason_is_reboot(reason)
		       ? HALT_RESTART_NOW : HALT_STAYS_STOPPED;
}

struct restart_decision restart_after_failure(const struct restart_policy *p,
					      unsigned failures,
					      uint64_t now_ms)
{
	struct restart_decision d = { .failures = failures };
	unsigned doublings;

	if (!p->on_failure) {
		d.action = RESTART_NOT_WANTED;
		return d;
	}
	if (failures >= p->max) {
		d.action = RESTART_GIVE_UP;
		return d;
	}
	d.action = RESTART_AFTER_BACKOFF;
	d.failures = failures + 1;
	doublings = failures < RESTART_BACKOFF_MAX_DOUBLINGS
			    ? failures : RESTART_BACKOFF_MAX_DOUBLINGS;
	/* A back-off the plan made huge waits forever rather than wrapping
	 * round to a restart at once. */
	d.delay_ms = p->backoff_ms > UINT64_MAX >> doublings
			     ? UINT64_MAX : p->backoff_ms << doublings;
	d.at_ms = now_ms > UINT64_MAX - d.delay_ms ? UINT64_MAX
						   : now_ms + d.delay_ms;
	return d;
}

bool restart_due(uint64_t at_ms, uint64_t now_ms)
{
	return now_ms >= at_ms;
}

unsigned restart_failures_when_healthy(const struct restart_policy *p,
				       unsigned failures, uint64_t up_ms)
{
	return up_ms > p->healthy_reset_ms ? 0 : failures;
}
