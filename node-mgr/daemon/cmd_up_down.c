/* shoji up PLAN and shoji down [NODE]: a plan brought up, its nodes at
 * once, and undone in reverse order if a step fails; the plan, or one node
 * of it, taken down. */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cli/commands.h"
#include "daemon/cmd_up_down.h"
#include "daemon/events.h"
#include "daemon/guests.h"
#include "daemon/health.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/node_cycle.h"
#include "daemon/node_ops.h"
#include "daemon/plan_adopt.h"
#include "daemon/state_save.h"

/* m->lock held. Whether a plan is up or being brought up; if so says
 * which to r. */
static bool plan_taken(struct manager *m, struct reply *r)
{
	if (m->bringing_up) {
		reply_err(r, "shoji: the plan %s is being brought up (another shoji up); wait for it to finish\n",
			  m->plan_path);
		return true;
	}
	if (m->plan) {
		reply_err(r, "shoji: the plan %s is up; take it down first (shoji down)\n",
			  m->plan_path);
		return true;
	}
	return false;
}

/* One node of a plan brought up: partition setup, then load and start */
struct bring_up_job {
	struct manager *m;
	struct node_rec *n;
	struct reply r;			/* held until passed on in order */
	pthread_t thread;
	bool threaded;
	bool partitioned;		/* to be undone if the plan fails */
	const char *failed_step;	/* NULL: brought up */
};

/* node_bring_up takes the partition itself, and saves the state once
 * for it and the load that follows */
static void *bring_up_node(void *arg)
{
	struct bring_up_job *j = arg;
	int ret = node_bring_up(j->m, j->n, &j->r);

	pthread_mutex_lock(&j->n->op);
	j->partitioned = j->n->partitioned;
	pthread_mutex_unlock(&j->n->op);
	if (ret)
		j->failed_step = j->partitioned ? "load and start"
						: "partition setup";
	return NULL;
}

/* The kernel of a plan's node, decompressed ahead of its load */
struct kernel_warm_job {
	struct manager *m;
	unsigned node;
	pthread_t thread;
	bool threaded;
};

static void *warm_kernel(void *arg)
{
	struct kernel_warm_job *w = arg;

	node_kernel_warm(w->m, w->node);
	return NULL;
}

int do_up(struct manager *m, int argc, char **argv, struct reply *r)
{
	struct kernel_warm_job warm = { .m = m };
	struct bring_up_job jobs[PLAN_MAX_NODES];
	struct plan *plan;
	unsigned done[PLAN_MAX_NODES], nr = 0;
	const char *step = "";
	double boot_timeout_s;
	int ret = EXIT_CANNOT;
	uint64_t timeout;
	bool taken;

	if (argc != 2) {
		reply_err(r, "Usage: shoji up PLAN\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	taken = plan_taken(m, r);
	cmd_unlock(m, r);
	if (taken)
		return EXIT_CANNOT;
	plan = plan_open(argv[1], r, true, &ret);
	if (!plan) {
		/* as shoji check: 2 for the plan's errors, 1 when the plan or
		 * the machine could not be read */
		reply_err(r, ret == EXIT_BAD_PLAN
				     ? "shoji: up: the plan does not fit this machine; nothing was changed\n"
				     : "shoji: up: the plan could not be checked; nothing was changed\n");
		return ret;
	}
	ret = EXIT_CANNOT;
	if (m->dev < 0) {
		plan_free(plan);
		reply_err(r, "shoji: /dev/shoji is missing: node0 runs a kernel without the Shoji patch\n");
		return EXIT_CANNOT;
	}
	guests_lock();
	cmd_lock(m, r);
	/* Checked again: another up may have adopted a plan while this one
	 * read its plan. The check and the adoption are one critical
	 * section, so of two ups only one adopts; bringing_up keeps the
	 * plan this up works with from being dropped under it. */
	if (plan_taken(m, r)) {
		cmd_unlock(m, r);
		guests_unlock();
		plan_free(plan);
		return EXIT_CANNOT;
	}
	plan_adopt(m, plan, argv[1]);
	boot_timeout_s = (double)m->boot_timeout_ms / 1000;
	m->bringing_up = true;
	state_changed(m);
	cmd_unlock(m, r);
	if (state_save_failure()) {
		reply_err(r, "shoji: up: cannot save the manager's state in %s: %s; nothing was changed\n",
			  m->state_dir, strerror(state_save_failure()));
		mgr_lock(m);
		plan_drop(m);
		m->bringing_up = false;
		state_changed(m);
		mgr_unlock(m);
		/* said above; the file holds no plan either way */
		state_save_failure_said();
		guests_unlock();
		return EXIT_CANNOT;
	}
	mgr_lock(m);
	event_log(m, "manager", "up %s", argv[1]);
	mgr_unlock(m);
	guests_unlock();

	/* Every node at once: each one's partition setup, load and start in
	 * a thread of its own, as they share nothing (the kernel image cache
	 * and node0's kernel serialize the loads). Each thread's output is
	 * held and passed on in the plan's order. Meanwhile the first node's
	 * kernel is decompressed, while node0 takes their CPUs offline and
	 * their devices from its drivers: the loads then find it done. */
	for (warm.node = 1; warm.node < PLAN_MAX_NODES &&
			    !m->nodes[warm.node].in_plan; warm.node++)
		;
	if (warm.node < PLAN_MAX_NODES)
		warm.threaded = !pthread_create(&warm.thread, NULL,
						warm_kernel, &warm);
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		struct bring_up_job *j = &jobs[i];

		if (!m->nodes[i].in_plan)
			continue;
		*j = (struct bring_up_job){ .m = m, .n = &m->nodes[i],
					    .r = { .fd = r->fd } };
		reply_hold(&j->r);
		/* Without memory to hold its output, a node's frames would
		 * mix with another thread's on the connection: it is brought
		 * up here, in turn, while the others' are held. */
		j->threaded = j->r.hold &&
			      !pthread_create(&j->thread, NULL, bring_up_node,
					      j);
		if (!j->threaded)
			bring_up_node(j);
	}
	for (unsigned i = 1; i < PLAN_MAX_NODES; i++) {
		struct bring_up_job *j = &jobs[i];

		if (!m->nodes[i].in_plan)
			continue;
		if (j->threaded)
			pthread_join(j->thread, NULL);
		reply_release(&j->r);
		if (j->partitioned)
			done[nr++] = i;
		if (j->failed_step) {
			reply_err(r, "shoji: up: node%u: %s failed\n", i,
				  j->failed_step);
			if (!step[0])
				step = j->failed_step;
		}
	}
	if (warm.threaded)
		pthread_join(warm.thread, NULL);
	if (step[0])
		goto undo;
	for (unsigned k = 0; k < nr; k++) {
		struct node_rec *n = &m->nodes[done[k]];

		step = "boot";
		if (wait_running(m, n, r, boot_timeout_s)) {
			reply_err(r, "shoji: up: node%u: %s failed\n", n->id, step);
			goto undo;
		}
	}
	mgr_lock(m);
	m->bringing_up = false;
	mgr_unlock(m);
	reply_out(r, "up: %u node(s) running from %s\n", nr, argv[1]);
	return EXIT_GOOD;
undo:
	reply_err(r, "shoji: up: undoing what was done, in reverse order\n");
	while (nr--) {
		struct node_rec *n = &m->nodes[done[nr]];

		mgr_lock(m);
		timeout = stop_timeout_of(m, n);
		mgr_unlock(m);
		node_take_down(m, n, THEN_GIVE_BACK, timeout, "up failed; undone", r);
	}
	mgr_lock(m);
	event_log(m, "manager", "up %s failed at %s; undone", argv[1], step);
	mgr_unlock(m);
	guests_lock();
	mgr_lock(m);
	plan_drop(m);
	m->bringing_up = false;
	state_changed(m);
	mgr_unlock(m);
	guests_unlock();
	return ret;
}

int do_down(struct manager *m, int argc, char **argv, struct reply *r)
{
	struct node_rec *one = NULL;
	bool all_stopped = true;

	if (argc > 2) {
		reply_err(r, "Usage: shoji down [NODE]\n");
		return EXIT_CANNOT;
	}
	cmd_lock(m, r);
	if (!m->plan) {
		cmd_unlock(m, r);
		reply_out(r, "No plan is up.\n");
		return EXIT_GOOD;
	}
	/* up undoes what it did itself if it fails; a down meanwhile would
	 * free the plan up still reads */
	if (m->bringing_up) {
		reply_err(r, "shoji: the plan %s is being brought up; take it down once shoji up has finished\n",
			  m->plan_path);
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	if (m->taking_down) {
		reply_err(r, "shoji: the plan %s is being taken down already\n",
			  m->plan_path);
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	/* they would bring a node up again, or read the plan down frees */
	if (m->node_commands) {
		reply_err(r, "shoji: a start, stop or restart of a node of %s is under way; take it down once it has finished\n",
			  m->plan_path);
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	if (argc == 2 && parse_node_name(m, argv[1], r, &one)) {
		cmd_unlock(m, r);
		return EXIT_CANNOT;
	}
	m->taking_down = true;
	cmd_unlock(m, r);
	for (unsigned i = PLAN_MAX_NODES; i-- > 1;) {
		struct node_rec *n = &m->nodes[i];
		uint64_t timeout;

		if (!n->in_plan || (one && n != one))
			continue;
		mgr_lock(m);
		timeout = stop_timeout_of(m, n);
		mgr_unlock(m);
		if (node_take_down(m, n, THEN_GIVE_BACK, timeout, "taken down (shoji down)", r))
			reply_out(r, "node%u: down\n", i);
		else
			all_stopped = false;
	}
	if (!one) {
		guests_lock();
		cmd_lock(m, r);
		event_log(m, "manager", "down %s", m->plan_path);
		plan_drop(m);
		m->taking_down = false;
		state_changed(m);
		cmd_unlock(m, r);
		guests_unlock();
	} else {
		cmd_lock(m, r);
		m->taking_down = false;
		cmd_unlock(m, r);
	}
	return all_stopped ? EXIT_GOOD : EXIT_CANNOT;
}
