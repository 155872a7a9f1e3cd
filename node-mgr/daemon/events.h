/* The journal, STATE_DIR/events.log, and the kept logs of failed nodes
 * beside it in STATE_DIR/logs/ (events.c). */
#ifndef SHOJI_DAEMON_EVENTS_H
#define SHOJI_DAEMON_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/protocol.h"

struct manager;

/* One line, "TIME NODE TEXT" */
void event_log(struct manager *m, const char *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Keeps the node's console in a file beside the journal; returns its
 * name in path ("" on failure). m->lock held. */
void event_keep_log(struct manager *m, unsigned node, const char *why,
		    char *path, size_t len);
/* Whether the calling thread holds m->lock (mgr_lock and mgr_unlock say
 * so): while it does, event_log and event_keep_log only queue what they
 * are given, and it has the queue written (event_kick) once it released
 * the lock. */
void event_hold(bool hold);
/* Writes what was queued, and what the writer thread took from the
 * queue before, before it returns; m->lock not held */
void event_flush(struct manager *m);
/* Has the writer thread write what was queued, or writes it here when
 * there is no writer thread; m->lock not held */
void event_kick(struct manager *m);
bool event_queued(void);
/* Starts the writer thread. Returns 0 or pthread_create's error; without
 * it, event_log writes the journal in its caller's thread. */
int event_writer_start(struct manager *m);
void event_print(struct manager *m, struct reply *r, bool follow);

#endif
