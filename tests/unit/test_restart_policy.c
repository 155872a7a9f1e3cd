/* Unit tests of daemon/restart_policy.c: when the manager restarts a failed
 * node. A crashed and a hung node are not told apart by the policy: both are a
 * failure, so there is no separate case for them here. */
#include <stdio.h>
#include <string.h>

#include "daemon/restart_policy.h"

#include "check.h"

#define RESET_MS 300000

static const struct restart_policy on_failure = {
	.on_failure = true, .max = 3, .backoff_ms = 2000,
	.healthy_reset_ms = RESET_MS,
};

static void test_first_failure_waits_the_backoff(void)
{
	struct restart_decision d = restart_after_failure(&on_failure, 0, 5000);

	CHECK(d.action == RESTART_AFTER_BACKOFF);
	CHECK(d.failures == 1);
	CHECK_U64(d.delay_ms, 2000);
	CHECK_U64(d.at_ms, 7000);
	CHECK(!restart_due(d.at_ms, 6999));
	CHECK(restart_due(d.at_ms, 7000));
	CHECK(restart_due(d.at_ms, 7001));
}

/* Each failure in a row counts and doubles the back-off, until
 * restart_max restarts were done: then the node is given up. */
static void test_failures_in_a_row(void)
{
	static const uint64_t delays[] = { 2000, 4000, 8000 };
	unsigned failures = 0;
	struct restart_decision d;

	for (unsigned i = 0; i < 3; i++) {
		d = restart_after_failure(&on_failure, failures, 0);
		CHECK(d.action == RESTART_AFTER_BACKOFF);
		CHECK(d.failures == i + 1);
		CHECK_U64(d.delay_ms, delays[i]);
		failures = d.failures;
	}
	d = restart_after_failure(&on_failure, failures, 0);
	CHECK(d.action == RESTART_GIVE_UP);
	CHECK(d.failures == 3);
}

static void test_restart_max(void)
{
	struct restart_policy p = on_failure;
	struct restart_decision d;

	d = restart_after_failure(&p, 3, 0);
	CHECK(d.action == RESTART_GIVE_UP);
	/* counted further by nobody: a failed node stays failed */
	CHECK(d.failures == 3);
	d = restart_after_failure(&p, 7, 0);
	CHECK(d.action == RESTART_GIVE_UP);

	p.max = 0;
	d = restart_after_failure(&p, 0, 0);
	CHECK(d.action == RESTART_GIVE_UP);
	CHECK(d.failures == 0);
}

static void test_backoff_stops_doubling(void)
{
	struct restart_policy p = on_failure;
	struct restart_decision d;

	p.max = 100;
	p.backoff_ms = 1000;
	d = restart_after_failure(&p, 6, 0);
	CHECK_U64(d.delay_ms, 64000);
	d = restart_after_failure(&p, 7, 0);
	CHECK_U64(d.delay_ms, 64000);
	d = restart_after_failure(&p, 99, 0);
	CHECK(d.action == RESTART_AFTER_BACKOFF);
	CHECK_U64(d.delay_ms, 64000);

	/* a back-off too large to double waits for ever, never wraps */
	p.backoff_ms = UINT64_MAX / 4;
	d = restart_after_failure(&p, 5, 1000);
	CHECK_U64(d.delay_ms, UINT64_MAX);
	CHECK_U64(d.at_ms, UINT64_MAX);
	CHECK(!restart_due(d.at_ms, UINT64_MAX - 1));
	p.backoff_ms = 10;
	d = restart_after_failure(&p, 0, UINT64_MAX - 5);
	CHECK_U64(d.at_ms, UINT64_MAX);

	p.backoff_ms = 0;
	d = restart_after_failure(&p, 2, 500);
	CHECK_U64(d.delay_ms, 0);
	CHECK(restart_due(d.at_ms, 500));
}

static void test_healthy_run_resets_the_count(void)
{
	struct restart_decision d;

	CHECK(restart_failures_when_healthy(&on_failure, 2, RESET_MS + 1) == 0);
	CHECK(restart_failures_when_healthy(&on_failure, 2, RESET_MS) == 2);
	CHECK(restart_failures_when_healthy(&on_failure, 2, 1000) == 2);
	CHECK(restart_failures_when_healthy(&on_failure, 0, 0) == 0);

	/* after the reset the next failure is a first failure again */
	d = restart_after_failure(&on_failure,
				  restart_failures_when_healthy(&on_failure, 3,
								RESET_MS * 2),
				  0);
	CHECK(d.action == RESTART_AFTER_BACKOFF);
	CHECK(d.failures == 1);
	CHECK_U64(d.delay_ms, 2000);
}

static void test_policy_never(void)
{
	struct restart_policy p = on_failure;
	struct restart_decision d;

	p.on_failure = false;
	d = restart_after_failure(&p, 0, 0);
	CHECK(d.action == RESTART_NOT_WANTED);
	CHECK(d.failures == 0);
	d = restart_after_failure(&p, 2, 0);
	CHECK(d.action == RESTART_NOT_WANTED);
	CHECK(d.failures == 2);
}

static void test_policy_of_the_plan(void)
{
	struct plan_node pn;
	struct restart_policy p;

	memset(&pn, 0, sizeof(pn));
	pn.restart = RESTART_ON_FAILURE;
	pn.restart_max = 5;
	pn.restart_backoff_ms = 1500;
	p = restart_policy_of(&pn, RESET_MS);
	CHECK(p.on_failure);
	CHECK(p.max == 5);
	CHECK_U64(p.backoff_ms, 1500);
	CHECK_U64(p.healthy_reset_ms, RESET_MS);

	pn.restart = RESTART_NEVER;
	p = restart_policy_of(&pn, RESET_MS);
	CHECK(!p.on_failure);

	/* on_reboot = restart is memset's 0, the plan's default */
	CHECK(p.on_reboot);
	pn.on_reboot = ON_REBOOT_STOP;
	p = restart_policy_of(&pn, RESET_MS);
	CHECK(!p.on_reboot);

	/* no plan up: no node of it is restarted */
	p = restart_policy_of(NULL, RESET_MS);
	CHECK(!p.on_failure);
	CHECK(!p.on_reboot);
	CHECK(restart_after_failure(&p, 0, 0).action == RESTART_NOT_WANTED);
	CHECK(restart_after_halt(&p, "reboot") == HALT_STAYS_STOPPED);
}

/* A node that asked for a reboot is started again at once with
 * on_reboot = restart, whatever its restart policy for failures; halt
 * and power off leave it stopped; on_reboot = stop leaves every halt
 * stopped. */
static void test_reboot_asked_by_the_node(void)
{
	static const char *const reboots[] = { "reboot", "emergency restart" };
	static const char *const stays[] = {
		"halt", "power off", "stopped on node0's request", "",
		"Reboot", "reboot now", "rebooted itself",
		"Kernel panic - not syncing: reboot",
	};
	struct restart_policy restart = on_failure, stop = on_failure;
	struct restart_policy never_fails = { .on_reboot = true };

	restart.on_reboot = true;
	stop.on_reboot = false;
	for (size_t i = 0; i < sizeof(reboots) / sizeof(*reboots); i++) {
		CHECK(restart_reason_is_reboot(reboots[i]));
		CHECK(restart_after_halt(&restart, reboots[i]) == HALT_RESTART_NOW);
		CHECK(restart_after_halt(&never_fails, reboots[i]) == HALT_RESTART_NOW);
		CHECK(restart_after_halt(&stop, reboots[i]) == HALT_STAYS_STOPPED);
	}
	for (size_t i = 0; i < sizeof(stays) / sizeof(*stays); i++) {
		if (!CHECK(!restart_reason_is_reboot(stays[i])))
			fprintf(stderr, "  '%s' taken for a reboot\n", stays[i]);
		CHECK(restart_after_halt(&restart, stays[i]) == HALT_STAYS_STOPPED);
	}
}

int main(void)
{
	test_first_failure_waits_the_backoff();
	test_failures_in_a_row();
	test_restart_max();
	test_backoff_stops_doubling();
	test_healthy_run_resets_the_count();
	test_policy_never();
	test_policy_of_the_plan();
	test_reboot_asked_by_the_node();
	return check_summary();
}
