/* When a failed node is restarted, decided apart from the manager so that
 * every rule can be tested: the plan's policy (restart, restart_max,
 * restart_backoff), the node's failures in a row and the time go in, a
 * decision comes out. Pure: no I/O, no locks, no globals; the watcher
 * (health.c) acts on what these return. Times are milliseconds on any
 * clock that only moves forward, the caller's choice. */
#ifndef SHOJI_RESTART_POLICY_H
#define SHOJI_RESTART_POLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "plan/plan.h"

/* The back-off doubles per failure in a row, up to 2^6 times the plan's:
 * a node that keeps failing is retried about once a minute at the
 * default back-off, not never. */
#define RESTART_BACKOFF_MAX_DOUBLINGS 6

struct restart_policy {
	bool on_failure;	/* restart = on-failure; else never */
	bool on_reboot;		/* on_reboot = restart; else stop */
	unsigned max;		/* restarts in a row before giving up */
	uint64_t backoff_ms;	/* before the first restart in a row */
	uint64_t healthy_reset_ms;	/* up this long: failures count from 0 */
};

enum restart_action {
	RESTART_NOT_WANTED,	/* the policy is never: leave it stopped */
	RESTART_GIVE_UP,	/* restart_max restarts in a row were done */
	RESTART_AFTER_BACKOFF,
};

struct restart_decision {
	enum restart_action action;
	unsigned failures;	/* the node's failures in a row from now on */
	uint64_t delay_ms;	/* RESTART_AFTER_BACKOFF: the back-off */
	uint64_t at_ms;		/* and when it ends: now + delay */
};

/* The policy of a plan's node; no node (no plan is up) is never restarted. */
struct restart_policy restart_policy_of(const struct plan_node *pn,
					uint64_t healthy_reset_ms);

/* A node failed (crashed or hung: both count the same) after failures
 * failures in a row. */
struct restart_decision restart_after_failure(const struct restart_policy *p,
					      unsigned failures,
					      uint64_t now_ms);

/*
 * A node that halted by itself: its kernel parked its CPUs and wrote why
 * in its control page. "reboot" (reboot(2), a reboot command) and
 * "emergency restart" (sysrq-b, a watchdog's or the kernel's own
 * restart; a panic keeps its panic reason) are the node asking for a
 * restart, as it would of a machine of its own: not a crash, so no
 * failure is counted and there is no back-off. "halt" and "power off"
 * are asked too, but for the node to stay off.
 */
enum halt_action {
	HALT_STAYS_STOPPED,	/* halt, power off, or on_reboot = stop */
	HALT_RESTART_NOW,	/* a reboot, and on_reboot = restart */
};

/* Whether the reason a node halted with is a reboot it asked for */
bool restart_reason_is_reboot(const char *reason);
enum halt_action restart_after_halt(const struct restart_policy *p,
				    const char *reason);

/* Whether a restart planned for at_ms is due */
bool restart_due(uint64_t at_ms, uint64_t now_ms);

/* A node that runs healthy, up_ms after its last start: its failures in
 * a row from now on. */
unsigned restart_failures_when_healthy(const struct restart_policy *p,
				       unsigned failures, uint64_t up_ms);

#endif
