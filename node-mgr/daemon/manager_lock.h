/* The manager's lock, m->lock (manager.h says what it guards and the
 * order of the locks), and what is written once it is released. */
#ifndef SHOJI_DAEMON_MANAGER_LOCK_H
#define SHOJI_DAEMON_MANAGER_LOCK_H

#include <stdbool.h>

#include "common/protocol.h"

struct manager;

/* m->lock, and whether the calling thread holds it */
void mgr_lock(struct manager *m);
/* Releases m->lock, then writes the journal lines, kept logs and state
 * that were queued under it. */
void mgr_unlock(struct manager *m);
bool mgr_locked(struct manager *m);
/* mgr_lock and mgr_unlock for a command: what it replies meanwhile is
 * held (reply_hold) and sent after the lock is released */
void cmd_lock(struct manager *m, struct reply *r);
void cmd_unlock(struct manager *m, struct reply *r);
/* m->lock held: the records the state file keeps changed. mgr_unlock
 * writes the file. */
void state_changed(struct manager *m);

#endif
