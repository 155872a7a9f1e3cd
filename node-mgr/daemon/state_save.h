/* Saving the state file (state_save.c). m->lock not held by the caller
 * of any of these. */
#ifndef SHOJI_DAEMON_STATE_SAVE_H
#define SHOJI_DAEMON_STATE_SAVE_H

#include <stdint.h>

struct manager;

/* Writes the state file unless a write since change gen of what it keeps
 * (m->state_gen) saved it or tried to: then that write's result is the
 * caller's. 0, or -1 with errno once the failure is in the journal. */
int state_flush_to(struct manager *m, uint64_t gen);
/* state_flush_to the manager's latest change */
int state_flush(struct manager *m);
/* The errno of the calling thread's last state file write (by
 * state_flush, state_flush_to or mgr_unlock), 0 if it succeeded */
int state_save_failure(void);
/* The caller told its own caller of that failure: state_save_failure
 * says 0 until the thread's next write. */
void state_save_failure_said(void);

#endif
