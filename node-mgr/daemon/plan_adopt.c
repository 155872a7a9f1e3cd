/* The plan that is up: read and checked as shoji check would, made the
 * manager's, and dropped. shoji up and shoji down go through it, and so
 * does start-up with the plan the state file names. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "cli/commands.h"
#include "common/diag.h"
#include "daemon/guests.h"
#include "daemon/manager.h"
#include "daemon/plan_adopt.h"
#include "machine/machine_check.h"
#include "plan/plan_check.h"

/* The plan at path, checked alone and, with machine, against this
 * machine; NULL after its errors went to r, with *why as shoji check
 * would exit: EXIT_BAD_PLAN for a plan with errors, EXIT_CANNOT when the
 * plan or the machine could not be read (a failure, not the plan's). */
struct plan *plan_open(const char *path, struct reply *r, bool machine,
		       int *why)
{
	struct plan *plan;
	struct diag d;
	char *text = NULL;
	size_t len = 0;
	FILE *mem;

	diag_init(&d);
	plan = plan_load(path, &d);
	if (plan) {
		plan_check(plan, &d);
		if (machine)
			machine_check(plan, &d);
	}
	if (diag_errors(&d) || diag_failed(&d)) {
		*why = diag_failed(&d) ? EXIT_CANNOT : EXIT_BAD_PLAN;
		mem = open_memstream(&text, &len);
		if (mem) {
			diag_print(&d, mem, path);
			diag_print_failure(&d, mem);
			fclose(mem);
			reply_write(r, 'e', text, len);
			free(text);
		}
		plan_free(plan);
		plan = NULL;
	}
	diag_free(&d);
	return plan;
}

/* m->lock held */
void plan_adopt(struct manager *m, struct plan *plan, const char *path)
{
	m->plan = plan;
	snprintf(m->plan_path, sizeof(m->plan_path), "%s", path);
	m->hung_timeout_ms = plan->machine.hung_timeout_ms;
	m->boot_timeout_ms = plan->machine.boot_timeout_ms;
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		struct node_rec *n = &m->nodes[i];

		n->in_plan = plan->nodes[i].present;
		n->health = H_STOPPED;
		n->health_since = time(NULL);
		n->cause[0] = '\0';
		n->last_failure[0] = '\0';
		n->last_failure_at = 0;
		n->restarts = n->failures = 0;
		n->wanted = n->restart_pending = n->reboot_pending = false;
		n->started_at = 0;
		n->agent_heard = false;
	}
	guests_adopt(m, plan);
}

/* m->lock held */
void plan_drop(struct manager *m)
{
	guests_adopt(m, NULL);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++)
		m->nodes[i].in_plan = false;
	plan_free(m->plan);
	m->plan = NULL;
	m->plan_path[0] = '\0';
}
