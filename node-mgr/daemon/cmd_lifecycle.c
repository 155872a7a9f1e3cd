/* shoji start, stop and restart NODE: one node of the plan that is up. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cli/commands.h"
#include "daemon/cmd_lifecycle.h"
#include "daemon/health.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_cycle.h"

/* The command on n, once claimed (start: n->busy; every one:
 * m->node_commands, which down waits to be none) */
static int run_lifecycle(struct manager *m, struct node_rec *n, bool start,
			 const char *cmd, bool wait, bool force,
			 uint64_t timeout, struct reply *r)
{
	double boot_timeout_s;

	if (!start) {
		bool stop_only = !strcmp(cmd, "stop");

		if (!node_take_down(m, n, stop_only ? THEN_KEEP : THEN_RESTART,
				    timeout,
				    stop_only
					    ? (force ? "stopped by force (shoji stop --force)"
						     : "stopped (shoji stop)")
					    : "stopped to restart (shoji restart)",
				    r))
			return EXIT_CANNOT;
		reply_out(r, "node%u: stopped%s\n", n->id,
			  force ? " by force (NMI and INIT, no clean stop)" : "");
		if (stop_only)
			return EXIT_GOOD;
	}
	cmd_lock(m, r);
	n->failures = 0;
	boot_timeout_s = (double)m->boot_timeout_ms / 1000;
	cmd_unlock(m, r);
	if (node_bring_up(m, n, r))
		return EXIT_CANNOT;
	if (wait && wait_running(m, n, r, boot_timeout_s))
		return EXIT_CANNOT;
	return EXIT_GOOD;
}

/* start|stop|restart NODE [--no-wait] [--force], options in any order */
int do_lifecycle(struct manager *m, int argc, char **argv, struct reply *r)
{
	struct node_rec *n;
	const char *cmd = argv[0], *name = NULL;
	bool wait = true, force = false, start = !strcmp(cmd, "start");
	bool bad = false;
	uint64_t timeout;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--no-wait"))
			wait = false;
		else if (!strcmp(argv[i], "--force") && !start)
			force = true;
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			bad = true;
	}
	if (!name || bad) {
		reply_err(r, "Usage: shoji %s NODE%s [--no-wait]\n", cmd,
			  start ? "" : " [--force]");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	if (parse_node_name(m, name, r, &n)) {
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	/* up and down work on every node, and down frees the plan */
	if (m->bringing_up || m->taking_down) {
		reply_err(r, "shoji: the plan %s is being %s; %s node%u once shoji %s has finished\n",
			  m->plan_path,
			  m->bringing_up ? "brought up" : "taken down", cmd,
			  n->id, m->bringing_up ? "up" : "down");
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	if (start && n->busy) {
		reply_err(r, "shoji: node%u is being started or stopped by another command or after a failure; try again once it is done\n",
			  n->id);
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	if (start && n->wanted) {
		reply_err(r, "shoji: node%u is already %s\n", n->id,
			  health_name(n->health));
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	/* A second start now finds it busy */
	if (start)
		n->busy = true;
	m->node_commands++;
	/* --force: no clean stop, NMI and INIT at once */
	timeout = force ? 0 : stop_timeout_of(m, n);
	cmd_unlock(m, r);
	ret = run_lifecycle(m, n, start, cmd, wait, force, timeout, r);
	cmd_lock(m, r);
	m->node_commands--;
	cmd_unlock(m, r);
	return ret;
}
