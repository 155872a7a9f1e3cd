/* m->lock and the work deferred to its release. A holder of the lock
 * does no I/O: the journal lines it logs are queued (events.c) and its
 * changes to what the state file keeps are counted (state_changed).
 * Once the lock is released, mgr_unlock writes the state, the journal
 * before it, when it changed, and otherwise leaves the journal's lines
 * to its writer thread. */
#include <pthread.h>
#include <stdint.h>

#include "daemon/events.h"
#include "daemon/manager.h"
#include "daemon/manager_lock.h"
#include "daemon/state_save.h"

/* The manager whose lock this thread holds, NULL if none */
static __thread struct manager *lock_held;
/* This thread changed what the state file keeps under its hold of m->lock */
static __thread bool changed_here;

void mgr_lock(struct manager *m)
{
	pthread_mutex_lock(&m->lock);
	lock_held = m;
	event_hold(true);
}

bool mgr_locked(struct manager *m)
{
	return lock_held == m;
}

void cmd_lock(struct manager *m, struct reply *r)
{
	reply_hold(r);
	mgr_lock(m);
}

void cmd_unlock(struct manager *m, struct reply *r)
{
	mgr_unlock(m);
	reply_release(r);
}

void mgr_unlock(struct manager *m)
{
	uint64_t want = m->state_gen;
	bool changed = changed_here;

	changed_here = false;
	lock_held = NULL;
	event_hold(false);
	pthread_mutex_unlock(&m->lock);
	/* the journal first: it says what the state then records */
	if (changed) {
		event_flush(m);
		/* also when another thread's write saved the change: its
		 * result is this thread's to tell */
		state_flush_to(m, want);
	} else if (event_queued()) {
		event_kick(m);
	}
}

void state_changed(struct manager *m)
{
	m->state_gen++;
	changed_here = true;
}
