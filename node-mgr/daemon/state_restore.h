/* What the last manager saved, taken up again at start-up
 * (state_restore.c). */
#ifndef SHOJI_DAEMON_STATE_RESTORE_H
#define SHOJI_DAEMON_STATE_RESTORE_H

struct manager;

/* Before the manager's other threads run; m->lock not held */
void state_restore(struct manager *m);

#endif
