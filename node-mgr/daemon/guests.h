/* The plan's KVM guests (guests.c): their records, the guest poller and
 * shoji guest. */
#ifndef SHOJI_DAEMON_GUESTS_H
#define SHOJI_DAEMON_GUESTS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/protocol.h"
#include "daemon/manager.h"
#include "plan/plan.h"

/* m->lock held */
void guests_adopt(struct manager *m, const struct plan *plan);
/* What the state file kept of a guest (m->lock held) */
void guests_restore(struct manager *m, const char *name, bool held_down,
		    bool started, uint64_t console_off);
/* How much of guest name's console an earlier manager copied; reads a
 * file, so not under m->lock */
uint64_t guest_console_offset(struct manager *m, const char *name);
/* A thread; its argument is the manager */
void *guest_poller(void *arg);
/* Held while guests are worked on; take it before m->lock */
void guests_lock(void);
void guests_unlock(void);
const struct plan_guest *guest_plan(struct manager *m,
				    const struct guest_rec *g);
/* m->lock held */
void guests_table(struct manager *m, struct reply *r, bool only_if_any);
int do_guest(struct manager *m, int argc, char **argv, struct reply *r);

#endif
